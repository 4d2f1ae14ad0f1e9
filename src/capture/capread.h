/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading capture files record by record, each exactly as the file holds
 * it: pcap (either byte order, micro- or nanosecond magic, Kuznetzov's
 * modified records) and pcapng (sections of either byte order; interfaces
 * of any link type, time-stamp resolution and offset; enhanced, simple and
 * obsolete packet blocks; the direction in epb_flags).
 *
 * Why not libpcap's reader: through its API (1.10) a pcap time stamp of
 * 2^31 s or more comes back negative (tv_sec is read as a signed 32-bit
 * field), a microsecond fraction of 2^31/1000 or more overflows when
 * nanoseconds are asked for, a pcapng file whose interfaces have different
 * link types is refused whole, and a packet's epb_flags are not given.  The
 * checks that make libpcap call a file damaged are kept, with its limits,
 * so a file tcpdump reads is read to the same records.
 */
#ifndef PS_CAPREAD_H
#define PS_CAPREAD_H

#include <stdbool.h>
#include <linux/types.h>

/* libpcap's MAXIMUM_SNAPLEN: a record longer than this is damage. */
#define PS_CAPREAD_MAX_CAPLEN 262144u

enum ps_dir {
	PS_DIR_UNKNOWN = 0,
	PS_DIR_IN = 1,
	PS_DIR_OUT = 2,
};

enum ps_capread_format {
	PS_CAPREAD_PCAP,
	PS_CAPREAD_PCAPNG,
};

/* An interface of the file: pcap files have one. */
struct ps_capread_iface {
	__u32 linktype;       /* LINKTYPE_* value (pcap: the field's low 26 bits) */
	__u32 linktype_field; /* pcap: the header's whole field (FCS bits) */
	__u32 snaplen;
	/* Time stamps: units per second (10^6 for a microsecond pcap, 10^9
	 * for nanoseconds; pcapng if_tsresol, default 10^6) and pcapng's
	 * if_tsoffset in seconds. */
	__u8 tsresol;         /* as pcapng's if_tsresol holds it (bit 7: 2^-n) */
	__u64 units;
	__s64 tsoffset;
	char name[64];        /* pcapng if_name, "" when none */
	bool swapped;         /* its section's byte order is not ours */
};

struct ps_capread_rec {
	const __u8 *data;     /* caplen bytes, valid until the next call */
	__u32 caplen;
	__u32 len;            /* original length on the wire */
	/* The time stamp's two 32-bit words as the file holds them: pcap
	 * seconds and fraction (micro- or nanoseconds), pcapng the high and
	 * low words of a count of its interface's units. */
	__u32 ts_hi, ts_lo;
	/* The same instant in nanoseconds since 1970, saturated at the
	 * largest __u64 (a pcapng count can say more than ~584 years). */
	__u64 ts_ns;
	__u32 iface;          /* index in ps_capread_ifaces() (pcap: 0) */
	__u8 dir;             /* enum ps_dir: pcapng epb_flags, else unknown */
};

struct ps_capread;

/* Opens 'path' ("-": standard input) and reads its header.  Returns 0 or
 * -errno with the reason in 'err' (libpcap's wording where it has one). */
int ps_capread_open(struct ps_capread **r, const char *path, char *err, size_t errlen);
/* Reads the next record: 1, 0 at the end of the file, or -errno with the
 * reason in ps_capread_error() (the file is damaged from there on). */
int ps_capread_next(struct ps_capread *r, struct ps_capread_rec *rec);
const char *ps_capread_error(const struct ps_capread *r);
/* The interfaces declared so far (pcapng declares them as it goes). */
const struct ps_capread_iface *ps_capread_ifaces(const struct ps_capread *r, __u32 *n);
enum ps_capread_format ps_capread_format(const struct ps_capread *r);
/* Whether a pcap file's time stamps are nanoseconds. */
bool ps_capread_nsec(const struct ps_capread *r);
/*
 * Reads the whole file ahead, without keeping its records, for the
 * interfaces it declares (and so their link types) before the first record
 * is handled: the caller can then refuse a file it cannot take, or compile
 * an expression per link type, before it writes anything.  A file that
 * cannot be read ahead (standard input, a pipe) returns -ESPIPE and is
 * left as it was.  Damage found ahead is not reported here: the read
 * itself reaches it and reports it in order.  Returns 0 or -errno.
 */
int ps_capread_scan(struct ps_capread *r);
void ps_capread_close(struct ps_capread *r);

/* LINKTYPE_* values pktscope reads (tcpdump's names in comments). */
#define PS_LINKTYPE_NULL 0        /* BSD loopback, host-order family */
#define PS_LINKTYPE_ETHERNET 1    /* EN10MB */
#define PS_LINKTYPE_RAW_OLD 12    /* RAW (DLT_RAW as Linux numbers it) */
#define PS_LINKTYPE_RAW 101       /* RAW: IPv4 or IPv6 by the version */
#define PS_LINKTYPE_LOOP 108      /* OpenBSD loopback, network-order family */
#define PS_LINKTYPE_LINUX_SLL 113 /* LINUX_SLL: tcpdump -i any */
#define PS_LINKTYPE_IPV4 228
#define PS_LINKTYPE_IPV6 229
#define PS_LINKTYPE_LINUX_SLL2 276 /* LINUX_SLL2: tcpdump 4.99 -i any */

#endif
