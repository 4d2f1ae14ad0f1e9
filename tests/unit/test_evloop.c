// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The event loop (src/session/evloop.c): fds, timers and signals
 * dispatched, handlers removed from inside callbacks never called again,
 * errors ending the loop, the caller's fds left open and the signal mask
 * given back.  No assertion depends on how long anything took: timers are
 * counted, not timed.  Needs no privilege.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "cmtest.h"
#include "evloop.h"

#define MS 1000000ull

struct pipe_h {
	int fds[2];
	int calls;
	struct pipe_h *other; /* removed by this one's callback, if set */
	int ret;              /* what the callback returns */
	bool remove_self;
};

static void pipe_open(struct pipe_h *p)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(pipe2(p->fds, O_NONBLOCK | O_CLOEXEC), 0);
}

static void pipe_close(struct pipe_h *p)
{
	close(p->fds[0]);
	close(p->fds[1]);
}

static void poke(struct pipe_h *p)
{
	assert_int_equal(write(p->fds[1], "x", 1), 1);
}

static int on_pipe(struct ps_loop *l, int fd, __u32 events, void *ctx)
{
	struct pipe_h *p = ctx;
	char buf[16];

	assert_int_equal(fd, p->fds[0]);
	assert_true(events & EPOLLIN);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	p->calls++;
	if (p->other)
		assert_int_equal(ps_loop_del_fd(l, p->other->fds[0]), 0);
	if (p->remove_self)
		assert_int_equal(ps_loop_del_fd(l, fd), 0);
	return p->ret;
}

static void test_fd(void **state)
{
	struct ps_loop *l;
	struct pipe_h p;

	pipe_open(&p);
	assert_int_equal(ps_loop_new(&l), 0);
	assert_int_equal(ps_loop_add_fd(l, p.fds[0], EPOLLIN, on_pipe, &p), 0);
	assert_int_equal(ps_loop_add_fd(l, p.fds[0], EPOLLIN, on_pipe, &p), -EEXIST);
	assert_int_equal(ps_loop_once(l, 0), 0);
	poke(&p);
	assert_int_equal(ps_loop_once(l, -1), 1);
	assert_int_equal(p.calls, 1);
	assert_int_equal(ps_loop_once(l, 0), 0);
	assert_int_equal(ps_loop_del_fd(l, p.fds[0]), 0);
	assert_int_equal(ps_loop_del_fd(l, p.fds[0]), -ENOENT);
	poke(&p);
	assert_int_equal(ps_loop_once(l, 0), 0);
	assert_int_equal(p.calls, 1);
	ps_loop_free(l);
	/* the caller's fds are the caller's */
	assert_true(fcntl(p.fds[0], F_GETFD) >= 0);
	pipe_close(&p);
}

struct tick {
	int calls;
	__u64 expirations;
	int stop_at;
	int del_id;          /* a timer this one removes on its first call */
	struct ps_loop *l;
};

static int on_tick(struct ps_loop *l, __u64 exp, void *ctx)
{
	struct tick *t = ctx;

	assert_true(exp >= 1);
	t->calls++;
	t->expirations += exp;
	if (t->del_id && t->calls == 1)
		assert_int_equal(ps_loop_del_timer(l, t->del_id), 0);
	if (t->stop_at && t->calls == t->stop_at)
		ps_loop_stop(l);
	return 0;
}

static void test_timers(void **state)
{
	struct tick periodic = { .stop_at = 3 }, once = { 0 };
	struct ps_loop *l;
	int id_p, id_o;

	assert_int_equal(ps_loop_new(&l), 0);
	id_o = ps_loop_add_timer(l, 0, 0, on_tick, &once);
	id_p = ps_loop_add_timer(l, 1 * MS, 1 * MS, on_tick, &periodic);
	assert_true(id_o > 0 && id_p > 0 && id_o != id_p);
	assert_int_equal(ps_loop_run(l), 0);
	assert_int_equal(periodic.calls, 3);
	assert_true(periodic.expirations >= 3);
	/* a timer without a period fires once and is gone */
	assert_int_equal(once.calls, 1);
	assert_int_equal(ps_loop_del_timer(l, id_o), -ENOENT);
	assert_int_equal(ps_loop_del_timer(l, id_p), 0);
	assert_int_equal(ps_loop_del_timer(l, id_p), -ENOENT);
	assert_int_equal(ps_loop_once(l, 0), 0);
	ps_loop_free(l);
}

/* A timer removed by another's callback is not called again, even when
 * both were due in the same batch. */
static void test_timer_removed_by_other(void **state)
{
	struct tick a = { 0 }, b = { 0 };
	struct ps_loop *l;
	int ida, idb;

	assert_int_equal(ps_loop_new(&l), 0);
	/* both due at once; whichever runs first removes the other */
	ida = ps_loop_add_timer(l, 0, 0, on_tick, &a);
	idb = ps_loop_add_timer(l, 0, 0, on_tick, &b);
	a.del_id = idb;
	b.del_id = ida;
	while (a.calls + b.calls == 0)
		assert_true(ps_loop_once(l, -1) >= 0);
	assert_int_equal(ps_loop_once(l, 0), 0);
	assert_int_equal(a.calls + b.calls, 1);
	ps_loop_free(l);
}

/* Two fds ready in one batch, each removing the other: exactly one runs. */
static void test_removed_in_batch(void **state)
{
	struct pipe_h a, b, c;
	struct ps_loop *l;

	pipe_open(&a);
	pipe_open(&b);
	pipe_open(&c);
	a.other = &b;
	b.other = &a;
	c.remove_self = true;
	assert_int_equal(ps_loop_new(&l), 0);
	assert_int_equal(ps_loop_add_fd(l, a.fds[0], EPOLLIN, on_pipe, &a), 0);
	assert_int_equal(ps_loop_add_fd(l, b.fds[0], EPOLLIN, on_pipe, &b), 0);
	assert_int_equal(ps_loop_add_fd(l, c.fds[0], EPOLLIN, on_pipe, &c), 0);
	poke(&a);
	poke(&b);
	poke(&c);
	assert_true(ps_loop_once(l, -1) >= 1);
	while (ps_loop_once(l, 0) > 0)
		;
	assert_int_equal(a.calls + b.calls, 1);
	assert_int_equal(c.calls, 1);
	/* again: only the survivor of a and b runs */
	a.other = b.other = NULL;
	poke(&a);
	poke(&b);
	poke(&c);
	assert_int_equal(ps_loop_once(l, 0), 1);
	assert_int_equal(a.calls + b.calls, 2);
	assert_true(a.calls == 2 || b.calls == 2);
	assert_int_equal(c.calls, 1);
	/* the one left is still there; the other two are gone */
	assert_int_equal(ps_loop_del_fd(l, (a.calls ? a : b).fds[0]), 0);
	assert_int_equal(ps_loop_del_fd(l, (a.calls ? b : a).fds[0]), -ENOENT);
	assert_int_equal(ps_loop_del_fd(l, c.fds[0]), -ENOENT);
	ps_loop_free(l);
	pipe_close(&a);
	pipe_close(&b);
	pipe_close(&c);
}

static void test_error_ends(void **state)
{
	struct ps_loop *l;
	struct pipe_h p;

	pipe_open(&p);
	p.ret = -EIO;
	assert_int_equal(ps_loop_new(&l), 0);
	assert_int_equal(ps_loop_add_fd(l, p.fds[0], EPOLLIN, on_pipe, &p), 0);
	poke(&p);
	assert_int_equal(ps_loop_run(l), -EIO);
	assert_int_equal(p.calls, 1);
	ps_loop_free(l);
	pipe_close(&p);
}

/* No fixed limit: 400 fds (800 with their write ends), each called once. */
static void test_many(void **state)
{
	enum { N = 400 };
	struct pipe_h *p = calloc(N, sizeof(*p));
	struct ps_loop *l;
	int total = 0;

	assert_non_null(p);
	assert_int_equal(ps_loop_new(&l), 0);
	for (int i = 0; i < N; i++) {
		pipe_open(&p[i]);
		assert_int_equal(ps_loop_add_fd(l, p[i].fds[0], EPOLLIN, on_pipe, &p[i]), 0);
		poke(&p[i]);
	}
	while (total < N) {
		int n = ps_loop_once(l, -1);

		assert_true(n > 0);
		total += n;
	}
	assert_int_equal(total, N);
	assert_int_equal(ps_loop_once(l, 0), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i].calls, 1);
		pipe_close(&p[i]);
	}
	ps_loop_free(l);
	free(p);
}

static int sig_calls, sig_last;

static int on_signal(struct ps_loop *l, int signo, void *ctx)
{
	sig_calls++;
	sig_last = signo;
	ps_loop_stop(l);
	return 0;
}

static bool blocked(int signo)
{
	sigset_t cur;

	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
	return sigismember(&cur, signo);
}

static void test_signals(void **state)
{
	struct ps_loop *l;

	assert_false(blocked(SIGUSR1));
	assert_int_equal(ps_loop_new(&l), 0);
	assert_int_equal(ps_loop_add_signal(l, SIGUSR1, on_signal, NULL), 0);
	assert_int_equal(ps_loop_add_signal(l, SIGUSR2, on_signal, NULL), 0);
	assert_int_equal(ps_loop_add_signal(l, SIGUSR1, on_signal, NULL), -EEXIST);
	assert_true(blocked(SIGUSR1) && blocked(SIGUSR2));
	/* blocked: the default action (ending the process) does not happen;
	 * the loop reads it */
	assert_int_equal(raise(SIGUSR2), 0);
	assert_int_equal(ps_loop_run(l), 0);
	assert_int_equal(sig_calls, 1);
	assert_int_equal(sig_last, SIGUSR2);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(ps_loop_run(l), 0);
	assert_int_equal(sig_calls, 2);
	assert_int_equal(sig_last, SIGUSR1);
	ps_loop_free(l);
	assert_false(blocked(SIGUSR1));
	assert_false(blocked(SIGUSR2));
}

int main(void)
{
	struct CMUnitTest tests[8];
	size_t n = 0;
	int ret;

	add_test(tests, &n, test_fd, NULL, "fd");
	add_test(tests, &n, test_timers, NULL, "timers");
	add_test(tests, &n, test_timer_removed_by_other, NULL, "timer_removed_by_other");
	add_test(tests, &n, test_removed_in_batch, NULL, "removed_in_batch");
	add_test(tests, &n, test_error_ends, NULL, "error_ends");
	add_test(tests, &n, test_many, NULL, "many_fds");
	add_test(tests, &n, test_signals, NULL, "signals");

	ret = _cmocka_run_group_tests("evloop", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	return ret;
}
