// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "events.h"

static __s64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

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
	if (e.cap_len > size - sizeof(e)) {
		ev->malformed++;
		return 0;
	}
	ev->received++;
	return ev->fn(ev->ctx, &e, (const __u8 *)data + sizeof(e),
		      ev->ts_override_ns ? ev->ts_override_ns :
					   (__u64)((__s64)e.ts_ns + ev->mono_to_real_ns));
}

int ps_events_open(struct ps_events *ev, int ring_fd, ps_event_fn fn, void *ctx)
{
	memset(ev, 0, sizeof(*ev));
	ev->fn = fn;
	ev->ctx = ctx;
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC: one offset maps it to wall
	 * time (a later clock step is not followed, as in tcpdump's -j host). */
	ev->mono_to_real_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
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
