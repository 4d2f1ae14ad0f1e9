/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Capture files: pcap through libpcap's dumper, pcapng written by hand
 * (libpcap 1.10 reads pcapng but cannot write it), rotated by size or time
 * with tcpdump's -C / -G naming.
 *
 * pcapng records what pcap cannot: one interface block per interface, and
 * in each enhanced packet block the direction (epb_flags inbound/outbound)
 * and the hook that saw the packet (a comment, "hook xdp").
 */
#ifndef PS_CAPFILE_H
#define PS_CAPFILE_H

#include <stdbool.h>
#include <linux/types.h>

struct ps_capfile_opts {
	const char *path;     /* "-" is standard output (no rotation) */
	bool pcapng;
	__u32 snaplen;        /* written in the file headers */
	__u64 rotate_bytes;   /* -C: start a new file past this size; 0 never */
	__u32 rotate_secs;    /* -G: start a new file every N seconds; 0 never.
			       * 'path' is then a strftime(3) pattern */
};

struct ps_capfile_stats {
	__u64 packets;
	__u64 bytes;          /* bytes of packet data written */
	__u64 write_errors;   /* packets that could not be written */
	__u32 files;          /* files opened, rotations included */
};

struct ps_capfile;

/* Returns 0 or -errno after one line saying what is wrong. */
int ps_capfile_open(struct ps_capfile **cf, const struct ps_capfile_opts *o);
/* Declares an interface before its first packet (pcapng interface block). */
int ps_capfile_add_iface(struct ps_capfile *cf, __u32 ifindex, const char *name);
/* 'inbound' picks the pcapng direction flag, 'hook' its comment. */
int ps_capfile_write(struct ps_capfile *cf, __u64 ts_ns, __u32 ifindex, bool inbound,
		     const char *hook, const void *data, __u32 caplen, __u32 wirelen);
/* Flushes and closes; returns 0 or the first write error. */
int ps_capfile_close(struct ps_capfile *cf, struct ps_capfile_stats *st);

#endif
