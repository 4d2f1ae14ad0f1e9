// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "events.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct ps_events *ev = ctx;
	struct ps_event e;

	/* The ring's memory is shared with the kernel: copy before reading,
	 * and trust no length in it that the record does not hold. */
	if (size < sizeof(e)) {
		ev->malformed++;
		return 0;
	}
	memcpy(&e, data, sizeof(e));
	if (e.rec.caplen > size - sizeof(e)) {
		ev->malformed++;
		return 0;
	}
	ev->received++;
	return ev->fn(ev->ctx, &e, (const __u8 *)data + sizeof(e),
		      ev->ts_override_ns ? ev->ts_override_ns :
					   e.rec.ts_sec * 1000000000ULL + e.rec.ts_nsec);
}

int ps_events_open(struct ps_events *ev, int ring_fd, ps_event_fn fn, void *ctx)
{
	memset(ev, 0, sizeof(*ev));
	ev->fn = fn;
	ev->ctx = ctx;
	ev->rb = ring_buffer__new(ring_fd, on_sample, ev, NULL);
	if (!ev->rb)
		return -errno;
	return 0;
}

int ps_events_add(struct ps_events *ev, int ring_fd)
{
	return ring_buffer__add(ev->rb, ring_fd, on_sample, ev);
}

int ps_events_poll(struct ps_events *ev, int timeout_ms)
{
	int n = ring_buffer__poll(ev->rb, timeout_ms);

	/* The kernel wakes the reader only once enough waits (adaptive
	 * wakeup), and poll consumes only rings that woke it: when the wait
	 * times out, what is there is read anyway, so a quiet link's packets
	 * are late by at most the timeout. */
	if (n == 0)
		n = ring_buffer__consume(ev->rb);
	return n == -EINTR ? 0 : n;
}

int ps_events_drain(struct ps_events *ev)
{
	return ring_buffer__consume(ev->rb);
}

void ps_events_close(struct ps_events *ev)
{
	ring_buffer__free(ev->rb);
	ev->rb = NULL;
}
