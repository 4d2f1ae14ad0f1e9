/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading packet events from the datapath's ring buffer, in batches. */
#ifndef PS_EVENTS_H
#define PS_EVENTS_H

#include <linux/types.h>
#include "pktscope/abi.h"

struct ring_buffer;

/* Called for each event: 'ev' is a copy, 'data' the ev->rec.caplen frame
 * bytes (valid during the call only), 'ts_real_ns' the time in
 * CLOCK_REALTIME.
 * A non-zero return stops the current poll and is passed back. */
typedef int (*ps_event_fn)(void *ctx, const struct ps_event *ev, const __u8 *data,
			   __u64 ts_real_ns);

struct ps_events {
	struct ring_buffer *rb;
	ps_event_fn fn;
	void *ctx;
	__u64 received;
	__u64 malformed;       /* records shorter than they say: a bug, counted */
	__u64 ts_override_ns;  /* when set, events get this time (file replay) */
};

int ps_events_open(struct ps_events *ev, int ring_fd, ps_event_fn fn, void *ctx);
/* Reads one more ring (another interface's datapath) through the same poll. */
int ps_events_add(struct ps_events *ev, int ring_fd);
/* Waits up to timeout_ms for events and handles every one ready: returns
 * how many, or the callback's non-zero return, or -errno. */
int ps_events_poll(struct ps_events *ev, int timeout_ms);
/* Handles what is ready without waiting. */
int ps_events_drain(struct ps_events *ev);
void ps_events_close(struct ps_events *ev);

#endif
