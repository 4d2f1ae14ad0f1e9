// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "dio.h"
#include "writeq.h"

struct ps_writeq {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* a job queued, hold lifted, or stop */
	pthread_cond_t done;  /* a job finished */
	unsigned int slots;
	/* Counts since the start, the job of count n in jobs[n % slots]:
	 * queued before 'queued', finished before 'finished' (the writer's),
	 * taken back by the submitter before 'reaped'.  Each moves under
	 * the lock; 'finished' is also read without it, with acquire, for
	 * a reap that finds nothing. */
	unsigned long queued, finished, reaped;
	bool stop, hold;
	struct ps_wjob *jobs;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void run_job(struct ps_wjob *j)
{
	__u64 t0 = now_ns();

	if (j->align)
		j->err = ps_dio_write(j->fd, j->align, j->buf, j->len, j->off, j->tail, &j->done);
	else
		j->done = ps_dio_pwrite_all(j->fd, j->buf, j->len, j->off, &j->err);
	if (!j->err && j->done < j->len)
		j->err = -EIO;
	j->ns = now_ns() - t0;
}

static void *writer(void *arg)
{
	struct ps_writeq *q = arg;
	struct ps_wjob *j;
	bool skip;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->stop && (q->finished == q->queued || q->hold))
			pthread_cond_wait(&q->work, &q->lock);
		if (q->finished == q->queued)
			break; /* stopped, and nothing left */
		j = &q->jobs[q->finished % q->slots];
		skip = *j->failed;
		pthread_mutex_unlock(&q->lock);
		if (skip) {
			j->done = 0;
			j->err = -ECANCELED;
			j->ns = 0;
		} else {
			run_job(j);
		}
		pthread_mutex_lock(&q->lock);
		if (j->err)
			*j->failed = 1;
		__atomic_store_n(&q->finished, q->finished + 1, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&q->done);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int ps_writeq_start(struct ps_writeq **out, unsigned int slots)
{
	struct ps_writeq *q;
	sigset_t all, old;
	int err;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->slots = slots;
	q->jobs = calloc(slots, sizeof(*q->jobs));
	if (!q->jobs) {
		err = -ENOMEM;
		goto err_free;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->done, NULL);
	/* Signals are the main thread's (Ctrl-C stops the capture there);
	 * SIGXFSZ, blocked here, leaves a write past RLIMIT_FSIZE failing
	 * with EFBIG, which is counted and said. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&q->thread, NULL, writer, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto err_free;
	*out = q;
	return 0;

err_free:
	free(q->jobs);
	free(q);
	return err;
}

unsigned int ps_writeq_pending(const struct ps_writeq *q)
{
	return q->queued - q->reaped;
}

bool ps_writeq_room(const struct ps_writeq *q, unsigned int n)
{
	return q->queued - q->reaped + n <= q->slots;
}

void ps_writeq_submit(struct ps_writeq *q, const struct ps_wjob *j)
{
	pthread_mutex_lock(&q->lock);
	q->jobs[q->queued % q->slots] = *j;
	q->queued++;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

const struct ps_wjob *ps_writeq_oldest(const struct ps_writeq *q)
{
	return q->reaped == q->queued ? NULL : &q->jobs[q->reaped % q->slots];
}

bool ps_writeq_reap(struct ps_writeq *q, struct ps_wjob *j, bool wait)
{
	if (q->reaped == q->queued)
		return false;
	/* Most calls find nothing new: no lock for those. */
	if (__atomic_load_n(&q->finished, __ATOMIC_ACQUIRE) == q->reaped) {
		if (!wait)
			return false;
		pthread_mutex_lock(&q->lock);
		if (q->hold) {
			q->hold = false;
			pthread_cond_signal(&q->work);
		}
		while (q->finished == q->reaped)
			pthread_cond_wait(&q->done, &q->lock);
		pthread_mutex_unlock(&q->lock);
	}
	*j = q->jobs[q->reaped % q->slots];
	q->reaped++;
	return true;
}

void ps_writeq_hold(struct ps_writeq *q, bool hold)
{
	pthread_mutex_lock(&q->lock);
	q->hold = hold;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

void ps_writeq_stop(struct ps_writeq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	q->hold = false;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->done);
	free(q->jobs);
	free(q);
}
