/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Capture straight from the ring buffers to a pcap file: the kernel writes
 * each event with its pcap record header right before the frame (struct
 * ps_event's 'rec'), so a record goes to the file as it lies in the ring,
 * one iovec each, up to IOV_MAX a writev(2).  A record's space goes back to
 * the kernel only once the write has returned.  No copy into a buffer, no
 * call per packet: what tcpdump's and libbpf's readers both pay for.  With
 * direct I/O the records are copied once, into the staging ring another
 * thread writes from (src/capture/capdio.h), and their space goes back at once.
 *
 * One ring per interface's datapath.  The reader sleeps until the kernel
 * wakes it (once a sixteenth of a ring waits: the datapath's adaptive
 * wakeup) or the poll times out, and then writes in full batches; what is
 * left under a batch waits for the next wakeup, or the next timeout at
 * most, so batches stay large however the rate varies.
 */
#ifndef PS_RINGCAP_H
#define PS_RINGCAP_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "capfile.h"
#include "ringread.h"

#define PS_RINGCAP_MAX 16

struct ps_ringcap {
	struct ps_ringread rings[PS_RINGCAP_MAX];
	int nrings;
	int epfd;
	struct ps_capfile *cf;
	__u64 received;     /* events taken from the rings */
	__u64 malformed;    /* records shorter than they say: taken, not written */
	__u64 written;      /* of 'received': in the file (or staged for it) */
	__u64 write_errors; /* of 'received': could not be written */
	struct ps_capfile_stats base; /* the file's counts at the open */
	bool more;          /* the last pass stopped with full batches waiting */
	__u64 last_all_ms;  /* when every ring was last written out whole */
	struct ps_ringrec recs[IOV_MAX];
	const struct ps_pcap_rec *out[IOV_MAX];
};

/* Maps the n rings (BPF ring buffer map fds) for writing to 'cf' (pcap).
 * Returns 0 or -errno. */
int ps_ringcap_open(struct ps_ringcap *rc, const int *ring_fds, int n, struct ps_capfile *cf);

/* Waits up to timeout_ms for a wakeup, then writes the full batches
 * waiting, and everything when the wait timed out or the last such drain
 * is timeout_ms old.  Takes at most 'limit' events (-c).  Returns the
 * number taken, or -errno if the rings cannot be read (a write error is
 * counted, not returned). */
int ps_ringcap_poll(struct ps_ringcap *rc, int timeout_ms, __u64 limit);

/* Writes everything waiting, up to 'limit' events, without waiting. */
int ps_ringcap_drain(struct ps_ringcap *rc, __u64 limit);

void ps_ringcap_close(struct ps_ringcap *rc);

#endif
