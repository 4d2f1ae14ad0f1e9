/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pcap files written with direct I/O (src/capture/dio.h) without the reader waiting
 * for the disk: src/capture/capfile.c's direct path.
 *
 * Each record is copied once, into a staging ring of PS_CAPDIO_STAGE bytes
 * (16 MiB, aligned for the device).  As 2 MiB of whole blocks fill, they
 * go to a writer thread (src/capture/writeq.h) as one write, and the caller goes
 * on staging while the disk writes: it waits only when the whole ring is
 * written but not yet on disk (eight 2 MiB writes in flight).  That wait is
 * the disk being the limit: it is timed and counted (disk_wait_ns), and so
 * are the bytes the writer wrote and the time it took (the disk's rate).
 *
 * The partial last block stays staged and is written again whole with
 * what follows; a flush (the reader's quiet-link timeout) writes it through
 * the page cache, so that a reader of the file sees every record within
 * about that time.  A record counts as on disk once a write reached its
 * end.  A write that fails (a full disk, a file size limit) stops the
 * file's later direct writes; what is staged from there is written again
 * through the page cache, and the records that still do not get out whole
 * are taken back from the packet counts and counted as write errors, one
 * by one; the file is cut back to its last whole record and goes on
 * through the page cache (src/capture/capfile.c takes it over).
 *
 * A file being closed (-C, -G) keeps writing while the next one fills; it
 * is closed once its last write is done.
 */
#ifndef PS_CAPDIO_H
#define PS_CAPDIO_H

#include <stdbool.h>
#include <linux/types.h>
#include "capfile.h"

#define PS_CAPDIO_STAGE (16u << 20)
#define PS_CAPDIO_CHUNK (2u << 20)

struct ps_capdio;

/* What the current file holds once it has left direct I/O: the caller
 * writes it on through the page cache from there. */
struct ps_capdio_left {
	__u64 disk_bytes;   /* its whole records end here */
	__u64 file_bytes;   /* its size once all is written (= disk_bytes
			     * after a failure) */
	bool broken;        /* cut mid-record for good: nothing more goes in */
};

/* The caller's figures, which the writes done update. */
struct ps_capdio_owner {
	struct ps_capfile_stats *st; /* packets, bytes, write_errors,
				      * direct_io, the disk_* figures */
	int *err;                    /* the first write error */
	unsigned int *closed;        /* files closed (direct_io: all of them
				      * written with direct I/O to the end) */
};

/* Starts the writer and maps the ring.  Returns 0 or -errno. */
int ps_capdio_open(struct ps_capdio **d, const struct ps_capdio_owner *owner);

/* Waits for every write, closes the files still open, stops the writer.
 * Safe on NULL. */
void ps_capdio_close(struct ps_capdio *d);

/* Waits until no file named 'path' is still being written (a rotation
 * back to the same name must not have the old writes land in the new
 * file). */
void ps_capdio_wait_path(struct ps_capdio *d, const char *path);

/* Makes fd (O_DIRECT on, alignment 'align') the current file, 'hdr' its
 * first bytes (the pcap file header).  Returns 0 or -errno. */
int ps_capdio_begin(struct ps_capdio *d, int fd, __u32 align, const char *path,
		    const void *hdr, __u32 hdr_len);

/* Whether there is a current file written with direct I/O.  Once it has
 * left (a write failed), false, and *left says where it stands (only
 * then: not after ps_capdio_end()). */
bool ps_capdio_current(struct ps_capdio *d, struct ps_capdio_left *left);

/* Stages one record for the current file and counts it (packets, bytes).
 * Returns 0, or 1 if the current file has left direct I/O (nothing
 * staged: see ps_capdio_current()). */
int ps_capdio_stage(struct ps_capdio *d, const struct ps_pcap_rec *h, const void *frame);

/* Queues the write of what waits for the current file, the partial block
 * too, if a record waits; and takes in the writes done.  Never waits for
 * the disk. */
void ps_capdio_flush(struct ps_capdio *d);

/* Ends the current file: what waits is queued; the file is closed once
 * written.  Returns 0, or 1 if there is no current file: it has left
 * direct I/O (a write failed: see ps_capdio_current()), or was ended. */
int ps_capdio_end(struct ps_capdio *d);

/* ps_capdio_flush(), then waits until every write queued is done. */
void ps_capdio_sync(struct ps_capdio *d);

/* For tests: while held, no write starts (they wait in the queue), until
 * the caller would wait for one (a full ring, a sync, a close, a file of
 * the same name): that lets go. */
void ps_capdio_hold(struct ps_capdio *d, bool hold);

#endif
