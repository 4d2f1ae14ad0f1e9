/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Direct I/O (O_DIRECT) for capture files on block-backed file systems.
 *
 * Written through the page cache, each 4 KiB of a capture costs a page
 * allocation, a page-cache insertion, a memory-cgroup charge and a copy, and
 * later the writeback: most of what a capture spends (docs/BENCHMARKS.md).
 * A file written once and read later gains nothing from the cache.  With
 * O_DIRECT the disk reads the bytes from our buffer: what remains is our
 * own copy into an aligned buffer.
 *
 * O_DIRECT needs the buffer, the length and the file offset aligned to what
 * statx(2) reports (STATX_DIOALIGN, Linux 6.1).  File systems that report
 * nothing (tmpfs, most FUSE) are written as before.
 */
#ifndef PS_DIO_H
#define PS_DIO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The largest alignment taken on; a file system asking more is written
 * through the page cache. */
#define PS_DIO_MAX_ALIGN 4096u

/* Turns O_DIRECT on for fd if its file system supports it; *align gets the
 * alignment every write must keep.  Returns 0, or -EOPNOTSUPP or -errno
 * (fd unchanged). */
int ps_dio_enable(int fd, __u32 *align);

/* Turns it off again: the file's writes go through the page cache. */
int ps_dio_disable(int fd);

/* pwrite(2) until all of it is written, through signals; an error or a
 * write of nothing ends it.  Returns the bytes written; *err 0 or -errno. */
__u32 ps_dio_pwrite_all(int fd, const __u8 *p, __u32 len, __u64 off, int *err);

/*
 * Writes buf[0..len), which starts at file offset 'off' (a multiple of
 * align), as far as O_DIRECT can: the whole multiples of align.  With
 * 'tail', the rest too, through the page cache (a later direct write of
 * the same block replaces it; the kernel keeps the two coherent).
 * *done gets the bytes written from buf.  Returns 0 or -errno.
 */
int ps_dio_write(int fd, __u32 align, const __u8 *buf, __u32 len, __u64 off, bool tail,
		 __u32 *done);

/*
 * A staging ring for direct writes: 'len' bytes (a multiple of the page
 * size) mapped twice in a row, so that a run of up to 'len' bytes from any
 * offset reads and writes as one: a record staged across the end of the
 * ring, or a write of the blocks there, needs no split.  Page-aligned, so
 * aligned for O_DIRECT.  Returns the start or NULL (errno set).
 */
__u8 *ps_dio_ring_map(size_t len);
void ps_dio_ring_unmap(__u8 *ring, size_t len);

#endif
