/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * File writes run in order by a thread of their own, so that the thread
 * that reads the ring buffers never waits for the disk while it has room
 * to stage more (src/capture/capfile.c: direct I/O).
 *
 * A thread, not io_uring: the writes must keep working where io_uring is
 * refused (kernel.io_uring_disabled, the seccomp profiles of container
 * runtimes), so a second path would be needed anyway, and on ext4 a
 * direct write that extends the file holds the inode lock to its end, so
 * io_uring would hand each one to a kernel worker thread, one at a time,
 * all the same (measured here: one, two and four appending 2 MiB O_DIRECT
 * writers in flight reach the same rate, docs/BENCHMARKS.md).  Handing
 * over a 2 MiB job costs a lock and a wakeup: nothing per packet.
 *
 * Jobs complete in the order they were queued; each says how far it got.
 * Once a job of a file fails, its file's later jobs are skipped (not
 * written, err -ECANCELED): the submitter redoes them its own way.
 */
#ifndef PS_WRITEQ_H
#define PS_WRITEQ_H

#include <stdbool.h>
#include <linux/types.h>

struct ps_writeq;

struct ps_wjob {
	/* Set by the submitter. */
	int fd;
	__u32 align;        /* O_DIRECT alignment (src/capture/dio.h); 0: pwrite(2) */
	bool tail;          /* direct: and the partial last block, through the
			     * page cache (ps_dio_write()) */
	const __u8 *buf;    /* must stay as it is until the job is reaped */
	__u32 len;
	__u64 off;          /* file offset */
	int *failed;        /* the file's: the writer sets it when one of the
			     * file's jobs fails, and skips those after; set
			     * it to 0 before the first job, then leave it */
	void *ctx;          /* the submitter's own */
	__u64 user[4];
	/* Set by the writer. */
	__u32 done;         /* bytes written from buf */
	int err;            /* 0, -errno, or -ECANCELED when skipped */
	__u64 ns;           /* how long the write took */
};

/* Starts the thread (every signal blocked in it).  Returns 0 or -errno. */
int ps_writeq_start(struct ps_writeq **q, unsigned int slots);

/* Jobs queued and not reaped yet. */
unsigned int ps_writeq_pending(const struct ps_writeq *q);
/* Room for n more jobs. */
bool ps_writeq_room(const struct ps_writeq *q, unsigned int n);

/* Queues a copy of *j; the caller made sure there is room. */
void ps_writeq_submit(struct ps_writeq *q, const struct ps_wjob *j);

/* The oldest job queued, not reaped yet; NULL if none.  Only the fields
 * the submitter set may be read before it is reaped. */
const struct ps_wjob *ps_writeq_oldest(const struct ps_writeq *q);

/* Takes the oldest job if the writer is done with it, copied to *j:
 * returns true; false if none is done (with 'wait': waits for it, and
 * returns false only if none is pending). */
bool ps_writeq_reap(struct ps_writeq *q, struct ps_wjob *j, bool wait);

/* For tests: while held, the writer starts no job (queued jobs wait),
 * until ps_writeq_reap() waits for one: that lets go.  Writes are then in
 * flight, for sure, until the submitter would wait. */
void ps_writeq_hold(struct ps_writeq *q, bool hold);

/* Lets the writer finish what is queued, and stops it (jobs not reaped
 * are dropped: reap them first).  Safe on NULL. */
void ps_writeq_stop(struct ps_writeq *q);

#endif
