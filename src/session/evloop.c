// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include "evloop.h"

enum hkind { H_FD, H_TIMER, H_SIGNAL, H_SIGFD };

struct handler {
	enum hkind kind;
	int fd;          /* H_FD: the caller's; H_TIMER: our timerfd */
	int id;          /* H_TIMER */
	int signo;       /* H_SIGNAL */
	bool dead;       /* removed: freed after the batch it may be in */
	bool once;       /* H_TIMER without a period */
	union {
		ps_loop_fd_fn fd_fn;
		ps_loop_timer_fn timer_fn;
		ps_loop_signal_fn signal_fn;
	};
	void *ctx;
	struct handler *next;
};

struct ps_loop {
	int epfd;
	struct handler *handlers;
	int next_timer_id;
	/* signals: one signalfd for all of them */
	struct handler *sigfd;
	sigset_t sigs;       /* the signals the loop reads */
	sigset_t old_mask;   /* the thread's mask before the first */
	bool mask_changed;
	bool stop;
	bool dispatching;
};

int ps_loop_new(struct ps_loop **lp)
{
	struct ps_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = -errno;

		free(l);
		return err;
	}
	sigemptyset(&l->sigs);
	*lp = l;
	return 0;
}

static void free_handler(struct handler *h)
{
	if ((h->kind == H_TIMER || h->kind == H_SIGFD) && h->fd >= 0)
		close(h->fd);
	free(h);
}

/* Frees what was removed, once no batch can point at it. */
static void reap(struct ps_loop *l)
{
	struct handler **pp = &l->handlers;

	while (*pp) {
		struct handler *h = *pp;

		if (h->dead) {
			*pp = h->next;
			free_handler(h);
		} else {
			pp = &h->next;
		}
	}
}

void ps_loop_free(struct ps_loop *l)
{
	struct handler *h, *next;

	if (!l)
		return;
	for (h = l->handlers; h; h = next) {
		next = h->next;
		free_handler(h);
	}
	if (l->mask_changed)
		pthread_sigmask(SIG_SETMASK, &l->old_mask, NULL);
	close(l->epfd);
	free(l);
}

static int add_handler(struct ps_loop *l, struct handler *h, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->fd, &ev))
		return -errno;
	h->next = l->handlers;
	l->handlers = h;
	return 0;
}

/* Takes h out: no more calls; freed now, or after the batch. */
static void remove_handler(struct ps_loop *l, struct handler *h)
{
	if (h->kind != H_SIGNAL)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	if (h->kind == H_TIMER) {
		close(h->fd);
		h->fd = -1;
	}
	h->dead = true;
	if (!l->dispatching)
		reap(l);
}

int ps_loop_add_fd(struct ps_loop *l, int fd, __u32 events, ps_loop_fd_fn fn, void *ctx)
{
	struct handler *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->kind = H_FD;
	h->fd = fd;
	h->fd_fn = fn;
	h->ctx = ctx;
	err = add_handler(l, h, events);
	if (err)
		free(h);
	return err;
}

int ps_loop_del_fd(struct ps_loop *l, int fd)
{
	for (struct handler *h = l->handlers; h; h = h->next)
		if (h->kind == H_FD && h->fd == fd && !h->dead) {
			remove_handler(l, h);
			return 0;
		}
	return -ENOENT;
}

static struct timespec ts_of(__u64 ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull };
}

int ps_loop_add_timer(struct ps_loop *l, __u64 first_ns, __u64 period_ns, ps_loop_timer_fn fn,
		      void *ctx)
{
	struct itimerspec its = {
		/* 0 would disarm it: "at once" is the next nanosecond */
		.it_value = ts_of(first_ns ? first_ns : 1),
		.it_interval = ts_of(period_ns),
	};
	struct handler *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->kind = H_TIMER;
	h->timer_fn = fn;
	h->ctx = ctx;
	h->once = !period_ns;
	h->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->fd < 0) {
		err = -errno;
		free(h);
		return err;
	}
	if (timerfd_settime(h->fd, 0, &its, NULL)) {
		err = -errno;
		goto fail;
	}
	err = add_handler(l, h, EPOLLIN);
	if (err)
		goto fail;
	/* ids grow and wrap past INT_MAX to 1: a stale id never names a
	 * newer timer for two billion timers */
	if (++l->next_timer_id <= 0)
		l->next_timer_id = 1;
	h->id = l->next_timer_id;
	return h->id;
fail:
	close(h->fd);
	free(h);
	return err;
}

int ps_loop_del_timer(struct ps_loop *l, int id)
{
	for (struct handler *h = l->handlers; h; h = h->next)
		if (h->kind == H_TIMER && h->id == id && !h->dead) {
			remove_handler(l, h);
			return 0;
		}
	return -ENOENT;
}

int ps_loop_add_signal(struct ps_loop *l, int signo, ps_loop_signal_fn fn, void *ctx)
{
	struct handler *h;
	sigset_t one, next = l->sigs;
	int fd, err;

	for (h = l->handlers; h; h = h->next)
		if (h->kind == H_SIGNAL && h->signo == signo && !h->dead)
			return -EEXIST;
	if (sigaddset(&next, signo))
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->kind = H_SIGNAL;
	h->fd = -1;
	h->signo = signo;
	h->signal_fn = fn;
	h->ctx = ctx;
	sigemptyset(&one);
	sigaddset(&one, signo);
	/* Blocked before the signalfd exists: one arriving between the two
	 * stays pending and is read. */
	err = -pthread_sigmask(SIG_BLOCK, &one, l->mask_changed ? NULL : &l->old_mask);
	if (err)
		goto fail;
	l->mask_changed = true;
	fd = signalfd(l->sigfd ? l->sigfd->fd : -1, &next, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	if (!l->sigfd) {
		struct handler *s = calloc(1, sizeof(*s));

		if (!s) {
			close(fd);
			err = -ENOMEM;
			goto fail;
		}
		s->kind = H_SIGFD;
		s->fd = fd;
		err = add_handler(l, s, EPOLLIN);
		if (err) {
			close(fd);
			free(s);
			goto fail;
		}
		l->sigfd = s;
	}
	l->sigs = next;
	h->next = l->handlers;
	l->handlers = h;
	return 0;
fail:
	free(h);
	return err;
}

static int dispatch_signals(struct ps_loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (struct handler *h = l->handlers; h; h = h->next) {
			if (h->kind != H_SIGNAL || h->dead || h->signo != (int)si.ssi_signo)
				continue;
			int err = h->signal_fn(l, h->signo, h->ctx);

			if (err < 0)
				return err;
			break;
		}
	}
	return 0;
}

static int dispatch(struct ps_loop *l, struct handler *h, __u32 events)
{
	__u64 exp;

	if (h->dead)
		return 0;
	switch (h->kind) {
	case H_FD:
		return h->fd_fn(l, h->fd, events, h->ctx);
	case H_TIMER:
		if (read(h->fd, &exp, sizeof(exp)) != (ssize_t)sizeof(exp))
			return 0; /* re-armed meanwhile, or read already */
		if (h->once)
			remove_handler(l, h);
		return h->timer_fn(l, exp, h->ctx);
	case H_SIGFD:
		return dispatch_signals(l);
	case H_SIGNAL:
		break;
	}
	return 0;
}

int ps_loop_once(struct ps_loop *l, int timeout_ms)
{
	struct epoll_event evs[64];
	int n, i, err = 0;

	n = epoll_wait(l->epfd, evs, 64, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->dispatching = true;
	for (i = 0; i < n; i++) {
		err = dispatch(l, evs[i].data.ptr, evs[i].events);
		/* the rest of the batch is level-triggered: it comes back */
		if (err < 0 || l->stop)
			break;
	}
	l->dispatching = false;
	reap(l);
	return err < 0 ? err : (i < n ? i + 1 : n);
}

int ps_loop_run(struct ps_loop *l)
{
	int err = 0;

	l->stop = false;
	while (!l->stop && err >= 0)
		err = ps_loop_once(l, -1);
	return err < 0 ? err : 0;
}

void ps_loop_stop(struct ps_loop *l)
{
	l->stop = true;
}
