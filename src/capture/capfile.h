/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Capture files: pcap and pcapng, rotated by size or time with tcpdump's
 * -C / -G naming.  Both are written here, not by libpcap: pcap records can
 * then go to the file straight from the ring buffer (ps_capfile_write_recs),
 * and libpcap 1.10 cannot write pcapng at all.  A pcap file is byte for
 * byte what libpcap's dumper writes with nanosecond time stamps.
 *
 * pcapng records what pcap cannot: one interface block per interface, and
 * in each enhanced packet block the direction (epb_flags inbound/outbound)
 * and the hook that saw the packet (a comment, "hook xdp").
 */
#ifndef PS_CAPFILE_H
#define PS_CAPFILE_H

#include <stdbool.h>
#include <linux/types.h>
#include "pktscope/abi.h"
#include "capread.h"

struct ps_capfile_opts {
	const char *path;     /* "-" is standard output (no rotation) */
	bool pcapng;
	__u32 snaplen;        /* records are cut to it (0: not cut); and, but
			       * for header_snaplen, the file headers' */
	__u32 header_snaplen; /* pcap: the header's, when not 'snaplen' (-r
			       * keeps the input's); 0: 'snaplen' */
	/* pcap: the header's link type field (LINKTYPE_*, FCS bits
	 * included: -r keeps the input's); Ethernet unless linktype_set */
	bool linktype_set;
	__u32 linktype;
	bool usec;            /* pcap: microsecond time stamps (the magic
			       * 0xa1b2c3d4), as a microsecond input holds
			       * them; nanoseconds otherwise */
	__u64 rotate_bytes;   /* -C: start a new file past this size; 0 never */
	__u32 rotate_secs;    /* -G: start a new file every N seconds; 0 never.
			       * 'path' is then a strftime(3) pattern */
	bool no_direct_io;    /* pcap: through the page cache even where
			       * O_DIRECT works (src/capture/dio.h) */
};

struct ps_capfile_stats {
	__u64 packets;        /* in the files */
	__u64 bytes;          /* bytes of packet data written */
	__u64 write_errors;   /* packets that could not be written: not in
			       * the files (a record cut short by an error is
			       * truncated away where the output allows) */
	__u32 files;          /* files opened, rotations included */
	bool direct_io;       /* every file closed was written with O_DIRECT
			       * to its end */
	/* Direct I/O (src/capture/capdio.h): how long, and how many times, the
	 * writer of the records waited for the disk, every staging buffer
	 * being written (the disk was the limit); and what the writes took:
	 * bytes, and time spent writing them (their ratio: the disk's
	 * rate). */
	__u64 disk_wait_ns;
	__u64 disk_waits;
	__u64 disk_write_bytes;
	__u64 disk_write_ns;
};

struct ps_capfile;

/* An interface of a pcapng file: its interface description block. */
struct ps_capfile_iface {
	const char *name;
	__u32 linktype;       /* LINKTYPE_* */
	__u32 snaplen;        /* 0: the file's */
	__u8 tsresol;         /* if_tsresol of the time stamps given for it */
	__s64 tsoffset;       /* if_tsoffset, seconds (0: none written) */
};

/* One record to write, as another capture file held it (-r). */
struct ps_capfile_rec {
	__u32 iface;          /* key of a declared interface (pcapng) */
	__u32 linktype;       /* pcap: must be the file's, or it is not
			       * written (a write error, -EPROTOTYPE) */
	/* The time: when 'raw', ts_hi and ts_lo are the fields the output
	 * holds (pcap: seconds and the fraction in its precision; pcapng:
	 * the high and low words of a count of its interface's units),
	 * copied as they are; otherwise from ts_ns.  ts_ns is always set
	 * (-G rotates by it). */
	bool raw;
	__u32 ts_hi, ts_lo;
	__u64 ts_ns;
	__u32 caplen, len;
	const void *data;
	__u8 dir;             /* enum ps_dir (src/capture/capread.h): pcapng's
			       * epb_flags, none when unknown */
	const char *hook;     /* pcapng comment "hook HOOK"; NULL: none */
};

/* Returns 0 or -errno after one line saying what is wrong. */
int ps_capfile_open(struct ps_capfile **cf, const struct ps_capfile_opts *o);
/* Declares an interface before its first packet (pcapng interface block):
 * a live one (Ethernet, nanoseconds), or one described in full, under the
 * key records name it by.  Returns its index or -errno. */
int ps_capfile_add_iface(struct ps_capfile *cf, __u32 ifindex, const char *name);
int ps_capfile_add_iface_as(struct ps_capfile *cf, __u32 key, const struct ps_capfile_iface *d);
/* Writes one record (counted as ps_capfile_write() counts). */
int ps_capfile_write_rec(struct ps_capfile *cf, const struct ps_capfile_rec *r);
/* The first write error (-errno), 0 while none. */
int ps_capfile_error(const struct ps_capfile *cf);
/* 'inbound' picks the pcapng direction flag, 'hook' its comment. */
int ps_capfile_write(struct ps_capfile *cf, __u64 ts_ns, __u32 ifindex, bool inbound,
		     const char *hook, const void *data, __u32 caplen, __u32 wirelen);
/*
 * pcap only: writes n records that are already laid out as the file holds
 * them, each recs[i] a struct ps_pcap_rec followed by its caplen frame
 * bytes, in memory that does not change during the call (a ring buffer's).
 * Through the page cache nothing is copied: they go out with writev(2), up
 * to IOV_MAX records a call, the batch split where -C or -G starts a new
 * file.  With direct I/O they are copied once, into the aligned ring the
 * disk reads (the memory need not stay after the call), and written by
 * another thread (src/capture/capdio.h): the call waits only when the disk is
 * behind by the whole ring.  Records are counted in the stats as
 * ps_capfile_write() counts them; a record with caplen over the snap
 * length is not written (a write error).  Returns 0 or -errno of the
 * first record that could not be written, or of the first failed write.
 */
int ps_capfile_write_recs(struct ps_capfile *cf, const struct ps_pcap_rec *const *recs,
			  unsigned int n);
/* Writes what waits, so that a reader of the file sees it (called when the
 * link is quiet, or every 100 ms).  With direct I/O the write is queued
 * (src/capture/capdio.h), not waited for, and the writes done are taken in: their
 * failures show here.  Returns 0, or the first write error. */
int ps_capfile_flush(struct ps_capfile *cf);
/* ps_capfile_flush(), and waits until every write is done.  Returns 0 or
 * the first write error. */
int ps_capfile_sync(struct ps_capfile *cf);
/* For tests: while held, no direct write starts; they wait, queued, until
 * the caller would wait for one (see ps_capdio_hold()). */
void ps_capfile_hold_writes(struct ps_capfile *cf, bool hold);
/* The stats so far: records still buffered or staged count as written
 * until their write fails. */
void ps_capfile_stats(const struct ps_capfile *cf, struct ps_capfile_stats *st);
/* Flushes and closes; returns 0 or the first write error.  'st' gets the
 * final counts. */
int ps_capfile_close(struct ps_capfile *cf, struct ps_capfile_stats *st);

#endif
