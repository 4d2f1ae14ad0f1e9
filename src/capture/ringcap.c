// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "ringcap.h"

/* Batches one pass writes from a ring before the caller gets control back
 * (to check -c, --duration and signals). */
#define PASS_BATCHES 64

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* written and write_errors: what the file's counts moved since the open.
 * With direct I/O a write, and so its failure, comes back later than the
 * call that staged its records, in any call to the file. */
static void take_counts(struct ps_ringcap *rc)
{
	struct ps_capfile_stats st;

	ps_capfile_stats(rc->cf, &st);
	rc->written = st.packets - rc->base.packets;
	rc->write_errors = st.write_errors - rc->base.write_errors;
}

int ps_ringcap_open(struct ps_ringcap *rc, const int *ring_fds, int n, struct ps_capfile *cf)
{
	int err, i;

	memset(rc, 0, sizeof(*rc));
	rc->epfd = -1;
	rc->cf = cf;
	ps_capfile_stats(cf, &rc->base);
	rc->last_all_ms = now_ms();
	if (n < 1 || n > PS_RINGCAP_MAX)
		return -EINVAL;
	rc->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rc->epfd < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		/* Edge-triggered: a ring with records left in it (less than a
		 * batch) must not end the wait at once, as it would
		 * level-triggered; the next wakeup of the kernel does. */
		struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.u32 = i };

		err = ps_ringread_open(&rc->rings[i], ring_fds[i]);
		if (err)
			goto err_close;
		rc->nrings++;
		if (epoll_ctl(rc->epfd, EPOLL_CTL_ADD, ring_fds[i], &e)) {
			err = -errno;
			goto err_close;
		}
	}
	return 0;

err_close:
	ps_ringcap_close(rc);
	return err;
}

/*
 * Writes the records of one ring in batches.  Unless 'all', a last batch
 * that is neither full nor a real share of the ring stays for later, where
 * it joins what comes next.  Returns the events taken, or -errno.
 */
static int pump(struct ps_ringcap *rc, struct ps_ringread *r, __u64 *limit, bool all)
{
	int taken = 0, batches;

	for (batches = 0; *limit && batches < PASS_BATCHES; batches++) {
		int max = *limit < IOV_MAX ? (int)*limit : IOV_MAX, n, k = 0;
		__u64 start = *r->consumer_pos;

		n = ps_ringread_peek(r, rc->recs, max);
		if (n <= 0)
			return n < 0 ? n : taken;
		if (!all && n < max && rc->recs[n - 1].end - start < r->size / 64)
			return taken;
		for (int i = 0; i < n; i++) {
			const struct ps_ringrec *x = &rc->recs[i];
			__u32 caplen = 0;

			if (!x->data)
				continue; /* discarded by the producer */
			/* The record cannot change while it is held: its
			 * length is read once and checked against what the
			 * ring says it holds. */
			if (x->len >= sizeof(struct ps_event))
				memcpy(&caplen, (const __u8 *)x->data +
					       offsetof(struct ps_event, rec.caplen), sizeof(caplen));
			if (x->len < sizeof(struct ps_event) ||
			    caplen > x->len - sizeof(struct ps_event)) {
				rc->malformed++;
				continue;
			}
			rc->out[k++] = (const void *)((const __u8 *)x->data +
						      offsetof(struct ps_event, rec));
		}
		if (k)
			ps_capfile_write_recs(rc->cf, rc->out, k);
		/* Only now is the space the kernel's again: the write has
		 * copied the records out (or staged them, with direct I/O). */
		ps_ringread_release(r, rc->recs[n - 1].end);
		rc->received += k;
		take_counts(rc);
		*limit -= k;
		taken += k;
		if (n < max)
			return taken; /* the ring is empty */
	}
	if (*limit)
		rc->more = true;
	return taken;
}

static int pass(struct ps_ringcap *rc, __u64 limit, bool all)
{
	int total = 0, n;

	for (int i = 0; i < rc->nrings && limit; i++) {
		n = pump(rc, &rc->rings[i], &limit, all);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int ps_ringcap_poll(struct ps_ringcap *rc, int timeout_ms, __u64 limit)
{
	struct epoll_event evs[PS_RINGCAP_MAX];
	bool all;
	__u64 now;
	int n;

	n = epoll_wait(rc->epfd, evs, rc->nrings, rc->more ? 0 : timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	now = now_ms();
	/* A wait that timed out finds a quiet link: what is there goes out
	 * now.  The age check keeps one busy ring's wakeups from holding a
	 * quiet ring's last records back. */
	all = (n == 0 && !rc->more) || now - rc->last_all_ms >= (__u64)timeout_ms;
	if (all)
		rc->last_all_ms = now;
	rc->more = false;
	/* Every ring, not only those that woke: a look costs two reads. */
	n = pass(rc, limit, all);
	/* What direct I/O keeps staged is due too: a reader of the file sees
	 * each packet within about the timeout. */
	if (n >= 0 && all) {
		ps_capfile_flush(rc->cf);
		take_counts(rc);
	}
	return n;
}

int ps_ringcap_drain(struct ps_ringcap *rc, __u64 limit)
{
	int total = 0, n;

	do {
		rc->more = false;
		n = pass(rc, limit - total, true);
		if (n < 0)
			return n;
		total += n;
	} while (rc->more && (__u64)total < limit);
	return total;
}

void ps_ringcap_close(struct ps_ringcap *rc)
{
	for (int i = 0; i < rc->nrings; i++)
		ps_ringread_close(&rc->rings[i]);
	rc->nrings = 0;
	if (rc->epfd >= 0)
		close(rc->epfd);
	rc->epfd = -1;
}
