/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One event loop for everything a session or the agent waits on: ring
 * buffers (libbpf's ring_buffer__epoll_fd(), or the ring fds themselves),
 * sockets, periodic timers (flow sweeps, reports, flushes) and signals,
 * over one epoll instance.  No global state and no fixed limit: a loop per
 * thread that wants one, as many fds and timers as it is given.
 *
 * Callbacks return 0 to go on, or -errno to end ps_loop_run() with that
 * value.  A callback may add or remove any handler, its own included:
 * a handler removed is never called again, even if its event was already
 * in the batch being dispatched.
 */
#ifndef PS_EVLOOP_H
#define PS_EVLOOP_H

#include <stdbool.h>
#include <linux/types.h>

struct ps_loop;

typedef int (*ps_loop_fd_fn)(struct ps_loop *l, int fd, __u32 events, void *ctx);
/* 'expirations': how many periods passed since the last call (more than
 * 1 when the loop was held up: a sweep can make up for them). */
typedef int (*ps_loop_timer_fn)(struct ps_loop *l, __u64 expirations, void *ctx);
typedef int (*ps_loop_signal_fn)(struct ps_loop *l, int signo, void *ctx);

/* Returns 0 or -errno. */
int ps_loop_new(struct ps_loop **l);
/* Closes the loop's own fds (timers, the signalfd), never the caller's, and
 * gives back the signal mask ps_loop_add_signal() changed. */
void ps_loop_free(struct ps_loop *l);

/* Calls fn when fd is ready for 'events' (EPOLLIN, EPOLLOUT...). */
int ps_loop_add_fd(struct ps_loop *l, int fd, __u32 events, ps_loop_fd_fn fn, void *ctx);
int ps_loop_del_fd(struct ps_loop *l, int fd);

/* A timer on CLOCK_MONOTONIC: first after first_ns, then every period_ns
 * (0: once).  Returns its id (> 0) or -errno. */
int ps_loop_add_timer(struct ps_loop *l, __u64 first_ns, __u64 period_ns, ps_loop_timer_fn fn,
		      void *ctx);
int ps_loop_del_timer(struct ps_loop *l, int id);

/* Takes 'signo' out of the default handling (blocked, read through a
 * signalfd) while the loop lives: threads started after this inherit the
 * block, so the loop's thread alone sees it. */
int ps_loop_add_signal(struct ps_loop *l, int signo, ps_loop_signal_fn fn, void *ctx);

/* Dispatches until ps_loop_stop() (returns 0) or a callback's -errno. */
int ps_loop_run(struct ps_loop *l);
/* One round: waits up to timeout_ms (-1: for ever, 0: not at all) and
 * dispatches what is ready.  Returns how many handlers ran, or -errno. */
int ps_loop_once(struct ps_loop *l, int timeout_ms);
/* Ends ps_loop_run() once the current callback returns. */
void ps_loop_stop(struct ps_loop *l);

#endif
