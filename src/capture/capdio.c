// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capdio.h"
#include "dio.h"
#include "writeq.h"

/* The file offsets where a file's latest records end: enough of them to
 * cover a partial block of the smallest records (16 bytes). */
#define DIO_ENDS (2 * PS_DIO_MAX_ALIGN / 16)
/* Writes queued at most: the ring's worth of chunks, the flushes' partial
 * blocks between them, and the files closing. */
#define QUEUE_SLOTS 64

/* Where a file stands once some of its writes are done: the first record
 * not wholly on disk ("record" 0 is the file header), where the records
 * before it end, and where it ends (it may start before what is staged). */
struct settle {
	__u64 idx, bytes, end;
};

struct dfile {
	struct dfile *next;
	int fd;
	__u32 align;
	int failed;          /* the writer's (src/capture/writeq.h) */
	unsigned int jobs;   /* writes queued and not taken back */
	bool closing;        /* no more records: closed once written */
	int fail_err;        /* the first of its writes that failed, */
	__u64 fail_from;     /* and its file offset */
	__u64 base;          /* ring position of file offset 0 (aligned) */
	__u64 head;          /* bytes staged: its size once written */
	__u64 sub_off;       /* the whole blocks before it are queued */
	__u64 hdr_len;
	__u64 staged;        /* records staged, the header included */
	__u64 ends[DIO_ENDS];
	struct settle sub;   /* once every write queued is done */
	struct settle done;  /* with the writes done so far */
	char path[PATH_MAX];
};

struct ps_capdio {
	struct ps_writeq *q;
	__u8 *ring;          /* PS_CAPDIO_STAGE bytes, mapped twice */
	__u64 head;          /* ring position staged up to, from the start */
	struct dfile *cur;   /* the current file */
	struct dfile *files; /* every file not closed, the current one too */
	struct ps_capdio_left left;
	struct ps_capdio_owner o;
};

/* A job's user fields: its settle, then its ring position. */
enum { U_IDX, U_BYTES, U_END, U_POS };

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The ring is mapped twice in a row: PS_CAPDIO_STAGE bytes from here read
 * as one run. */
static __u8 *ring_at(const struct ps_capdio *d, __u64 pos)
{
	return d->ring + pos % PS_CAPDIO_STAGE;
}

/* Where the bytes still needed begin: the oldest write not taken back, or
 * the current file's partial block. */
static __u64 ring_keep(const struct ps_capdio *d)
{
	const struct ps_wjob *j = ps_writeq_oldest(d->q);

	if (j)
		return j->user[U_POS];
	return d->cur ? d->cur->base + d->cur->sub_off : d->head;
}

static void drop(struct ps_capdio *d, struct dfile *f)
{
	struct dfile **p = &d->files;

	while (*p != f)
		p = &(*p)->next;
	*p = f->next;
	free(f);
}

/* Where f will stand once a write reaching file offset 'reach' is done,
 * after those queued before it.  Only the records in the partial block
 * after a block boundary can end after 'reach' (or none, when it is the
 * head): few enough that their ends are still kept. */
static void settle_at(struct dfile *f, __u64 reach)
{
	__u64 j = f->staged;

	while (j > f->sub.idx && f->ends[(j - 1) % DIO_ENDS] > reach)
		j--;
	if (j > f->sub.idx) {
		f->sub.bytes = f->ends[(j - 1) % DIO_ENDS];
		f->sub.idx = j;
	}
	if (j < f->staged)
		f->sub.end = f->ends[j % DIO_ENDS];
}

/* Queues the write of f's whole blocks from sub_off on, and with 'tail'
 * the partial block after them.  The caller made room for one job. */
static void queue(struct ps_capdio *d, struct dfile *f, bool tail)
{
	__u64 mask = f->align - 1, end = tail ? f->head : f->head & ~mask;
	struct ps_wjob j = {
		.fd = f->fd,
		.align = f->align,
		.tail = tail && (end & mask),
		.off = f->sub_off,
		.failed = &f->failed,
		.ctx = f,
	};

	if (end <= f->sub_off)
		return;
	settle_at(f, end);
	j.buf = ring_at(d, f->base + f->sub_off);
	j.len = end - f->sub_off;
	j.user[U_IDX] = f->sub.idx;
	j.user[U_BYTES] = f->sub.bytes;
	j.user[U_END] = f->sub.end;
	j.user[U_POS] = f->base + f->sub_off;
	ps_writeq_submit(d->q, &j);
	f->jobs++;
	/* The partial block stays: it is written again whole. */
	f->sub_off = end & ~mask;
}

/* Takes a write back from the writer. */
static void complete(struct ps_capdio *d, const struct ps_wjob *j)
{
	struct dfile *f = j->ctx;

	f->jobs--;
	if (j->err != -ECANCELED) {
		d->o.st->disk_write_bytes += j->done;
		d->o.st->disk_write_ns += j->ns;
	}
	if (!j->err) {
		f->done = (struct settle){ j->user[U_IDX], j->user[U_BYTES], j->user[U_END] };
	} else if (!f->fail_err) {
		f->fail_err = j->err;
		f->fail_from = j->off;
	}
}

static void finish(struct ps_capdio *d, struct dfile *f, bool direct)
{
	struct ps_capfile_stats *st = d->o.st;

	if (close(f->fd) && !*d->o.err)
		*d->o.err = -EIO;
	st->direct_io = direct && (!*d->o.closed || st->direct_io);
	(*d->o.closed)++;
	drop(d, f);
}

/*
 * A write of f failed, and its later ones were skipped.  The file goes on
 * through the page cache: what is staged from the failed write on is
 * written again that way.  The records that still do not get out whole
 * are errors, taken back record by record, and the file is cut back to its
 * last whole record.
 */
static void fall_back(struct ps_capdio *d, struct dfile *f)
{
	struct ps_capfile_stats *st = d->o.st;
	__u64 from = f->fail_from, off = f->done.bytes, disk = f->done.bytes, reach = from, end;
	bool broken = false;
	__u32 caplen;
	int err;

	err = ps_dio_disable(f->fd);
	if (!err)
		reach += ps_dio_pwrite_all(f->fd, ring_at(d, f->base + from), f->head - from, from,
					   &err);
	for (__u64 idx = f->done.idx; idx < f->staged; idx++, off = end) {
		if (idx == 0) {
			end = f->hdr_len;
		} else if (idx == f->done.idx && off < from) {
			/* Its start was written and let go of. */
			end = f->done.end;
		} else {
			memcpy(&caplen, ring_at(d, f->base + off + offsetof(struct ps_pcap_rec, caplen)),
			       sizeof(caplen));
			end = off + sizeof(struct ps_pcap_rec) + caplen;
		}
		if (end <= reach) {
			disk = end;
		} else if (idx) {
			st->packets--;
			st->bytes -= end - off - sizeof(struct ps_pcap_rec);
			st->write_errors++;
		}
	}
	if (err) {
		/* A write cut short may have left part of a record after the
		 * last whole one: truncated, whatever 'reach' says.  Records
		 * after a missing file header would not parse. */
		broken = !disk || ftruncate(f->fd, disk) || lseek(f->fd, disk, SEEK_SET) < 0;
		if (!*d->o.err)
			*d->o.err = err;
	} else if (lseek(f->fd, f->head, SEEK_SET) < 0) {
		broken = true;
	}
	if (f != d->cur) {
		finish(d, f, false);
		return;
	}
	d->left = (struct ps_capdio_left){
		.disk_bytes = disk,
		.file_bytes = err ? disk : f->head,
		.broken = broken,
	};
	d->cur = NULL;
	drop(d, f); /* its fd goes on, the caller's */
}

/* Takes back the writes done (with 'wait', waiting for one first), falls
 * back where one failed, and closes the files written to their end. */
static void reap(struct ps_capdio *d, bool wait)
{
	struct dfile *f, *next;
	struct ps_wjob j;
	bool again;

	while (ps_writeq_reap(d->q, &j, wait)) {
		wait = false;
		complete(d, &j);
	}
	do {
		again = false;
		for (f = d->files; f; f = next) {
			next = f->next;
			if (f->fail_err) {
				/* Its later writes are skipped: they come
				 * back soon, and then nothing else writes to
				 * it. */
				while (f->jobs && ps_writeq_reap(d->q, &j, true))
					complete(d, &j);
				fall_back(d, f);
				again = true; /* others may have failed meanwhile */
				break;
			}
			if (f->closing && !f->jobs)
				finish(d, f, true);
		}
	} while (again);
}

/*
 * Makes room in the ring for 'need' bytes more, and in the queue for
 * 'slots' jobs: what cannot be staged must wait for the disk.  That wait
 * is the disk being the limit: counted and timed.
 */
static void make_room(struct ps_capdio *d, __u32 need, unsigned int slots)
{
	__u64 t0 = 0;

	reap(d, false);
	while (ps_writeq_pending(d->q) &&
	       (d->head + need - ring_keep(d) > PS_CAPDIO_STAGE || !ps_writeq_room(d->q, slots))) {
		if (!t0)
			t0 = now_ns();
		reap(d, true);
	}
	if (t0) {
		d->o.st->disk_wait_ns += now_ns() - t0;
		d->o.st->disk_waits++;
	}
}

int ps_capdio_open(struct ps_capdio **out, const struct ps_capdio_owner *owner)
{
	struct ps_capdio *d;
	int err;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->o = *owner;
	d->ring = ps_dio_ring_map(PS_CAPDIO_STAGE);
	if (!d->ring) {
		err = -errno;
		goto err_free;
	}
	err = ps_writeq_start(&d->q, QUEUE_SLOTS);
	if (err)
		goto err_unmap;
	*out = d;
	return 0;

err_unmap:
	ps_dio_ring_unmap(d->ring, PS_CAPDIO_STAGE);
err_free:
	free(d);
	return err;
}

void ps_capdio_wait_path(struct ps_capdio *d, const char *path)
{
	const struct dfile *f;

	for (;;) {
		reap(d, false);
		for (f = d->files; f && strcmp(f->path, path); f = f->next)
			;
		if (!f || !ps_writeq_pending(d->q))
			return;
		reap(d, true);
	}
}

int ps_capdio_begin(struct ps_capdio *d, int fd, __u32 align, const char *path,
		    const void *hdr, __u32 hdr_len)
{
	struct dfile *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	make_room(d, PS_DIO_MAX_ALIGN + hdr_len, 1);
	/* File offset 0 on an aligned ring position: so are its blocks. */
	d->head = (d->head + PS_DIO_MAX_ALIGN - 1) & ~(__u64)(PS_DIO_MAX_ALIGN - 1);
	f->fd = fd;
	f->align = align;
	f->base = d->head;
	memcpy(ring_at(d, d->head), hdr, hdr_len);
	d->head += hdr_len;
	f->head = f->hdr_len = hdr_len;
	f->ends[0] = hdr_len;
	f->staged = 1;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->next = d->files;
	d->files = f;
	d->cur = f;
	return 0;
}

bool ps_capdio_current(struct ps_capdio *d, struct ps_capdio_left *left)
{
	if (d->cur)
		return true;
	if (left)
		*left = d->left;
	return false;
}

int ps_capdio_stage(struct ps_capdio *d, const struct ps_pcap_rec *h, const void *frame)
{
	__u32 caplen = h->caplen, need = sizeof(*h) + caplen;
	struct dfile *f;
	__u8 *p;

	/* A chunk's write may follow. */
	make_room(d, need, 1);
	f = d->cur;
	if (!f)
		return 1;
	p = ring_at(d, d->head);
	memcpy(p, h, sizeof(*h));
	memcpy(p + sizeof(*h), frame, caplen);
	d->head += need;
	f->head += need;
	f->ends[f->staged++ % DIO_ENDS] = f->head;
	d->o.st->packets++;
	d->o.st->bytes += caplen;
	if (f->head - f->sub_off >= PS_CAPDIO_CHUNK)
		queue(d, f, false);
	return 0;
}

void ps_capdio_flush(struct ps_capdio *d)
{
	make_room(d, 0, 1);
	/* Only when a record waits: a quiet link would otherwise rewrite the
	 * same partial block every 100 ms. */
	if (d->cur && d->cur->sub.idx < d->cur->staged)
		queue(d, d->cur, true);
}

int ps_capdio_end(struct ps_capdio *d)
{
	ps_capdio_flush(d);
	if (!d->cur)
		return 1;
	d->cur->closing = true;
	d->cur = NULL;
	reap(d, false);
	return 0;
}

void ps_capdio_sync(struct ps_capdio *d)
{
	ps_capdio_flush(d);
	while (ps_writeq_pending(d->q))
		reap(d, true);
	reap(d, false);
}

void ps_capdio_hold(struct ps_capdio *d, bool hold)
{
	ps_writeq_hold(d->q, hold);
}

void ps_capdio_close(struct ps_capdio *d)
{
	if (!d)
		return;
	ps_capdio_end(d);
	ps_capdio_sync(d);
	ps_writeq_stop(d->q);
	ps_dio_ring_unmap(d->ring, PS_CAPDIO_STAGE);
	free(d);
}
