/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A BPF ring buffer read in place: records are looked at where the kernel
 * wrote them, in the ring's read-only mapping, and their space goes back to
 * the kernel only when the reader says so.  That lets a writer hand the
 * records to write(2) without copying them first (src/capture/ringcap.c); libbpf's
 * ring_buffer gives up a record's space as soon as its callback returns.
 *
 * The layout is the kernel's (kernel/bpf/ringbuf.c): a consumer-position
 * page the reader may write, then a producer-position page and the data
 * area, read-only, with the data area mapped twice in a row so that a
 * record crossing the end of the ring reads as one run of bytes.  Each
 * record starts with an 8-byte header (length with a busy and a discard
 * bit, then a page offset) and is padded to 8 bytes.
 */
#ifndef PS_RINGREAD_H
#define PS_RINGREAD_H

#include <stddef.h>
#include <linux/types.h>

struct ps_ringread {
	unsigned long *consumer_pos; /* ours to advance */
	const unsigned long *producer_pos;
	const __u8 *data;            /* the data area, mapped twice */
	__u64 size;                  /* of the data area: a power of 2 */
	size_t page_size;
};

/* One record ready to read: 'data' stays valid and unchanged until its
 * space is released.  A record the producer discarded has data NULL: it is
 * released with the others but holds nothing. */
struct ps_ringrec {
	const void *data;
	__u32 len;
	__u64 end; /* the consumer position just past this record */
};

/* Maps the ring buffer map 'map_fd'.  Returns 0 or -errno. */
int ps_ringread_open(struct ps_ringread *r, int map_fd);

/* Fills 'recs' with up to 'max' records committed from the consumer
 * position on, in order, stopping at the first the kernel is still writing;
 * nothing is consumed.  Returns how many, or -EBADMSG if a record header is
 * impossible (a length beyond the ring). */
int ps_ringread_peek(const struct ps_ringread *r, struct ps_ringrec *recs, int max);

/* Gives the space before 'pos' (a ps_ringrec.end) back to the kernel. */
void ps_ringread_release(struct ps_ringread *r, __u64 pos);

/* Bytes committed or being written that the reader has not released. */
__u64 ps_ringread_pending(const struct ps_ringread *r);

/* Unmaps; safe on a zeroed or closed reader. */
void ps_ringread_close(struct ps_ringread *r);

#endif
