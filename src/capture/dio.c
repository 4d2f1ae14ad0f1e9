// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dio.h"

static bool pow2(__u32 x)
{
	return x && !(x & (x - 1));
}

static int set_direct(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT))
		return -errno;
	return 0;
}

int ps_dio_enable(int fd, __u32 *align)
{
	struct statx sx;
	__u32 a;
	int err;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN | STATX_TYPE, &sx))
		return -errno;
	if (!(sx.stx_mask & STATX_DIOALIGN) || !S_ISREG(sx.stx_mode))
		return -EOPNOTSUPP;
	a = sx.stx_dio_mem_align > sx.stx_dio_offset_align ? sx.stx_dio_mem_align :
							      sx.stx_dio_offset_align;
	if (!pow2(sx.stx_dio_mem_align) || !pow2(sx.stx_dio_offset_align) ||
	    a > PS_DIO_MAX_ALIGN)
		return -EOPNOTSUPP;
	err = set_direct(fd, true);
	if (!err)
		*align = a;
	return err;
}

int ps_dio_disable(int fd)
{
	return set_direct(fd, false);
}

__u32 ps_dio_pwrite_all(int fd, const __u8 *p, __u32 len, __u64 off, int *err)
{
	__u32 done = 0;
	ssize_t n;

	*err = 0;
	while (done < len) {
		n = pwrite(fd, p + done, len - done, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
	}
	return done;
}

int ps_dio_write(int fd, __u32 align, const __u8 *buf, __u32 len, __u64 off, bool tail,
		 __u32 *done)
{
	__u32 whole = len & ~(align - 1), n = 0;
	int err = 0, err2;

	if (whole) {
		n = ps_dio_pwrite_all(fd, buf, whole, off, &err);
		/* A direct write cut short at an unaligned length cannot go
		 * on directly: the caller takes it from here. */
		if (err || n != whole)
			goto out;
	}
	if (tail && len > whole) {
		err = set_direct(fd, false);
		if (err)
			goto out;
		n += ps_dio_pwrite_all(fd, buf + whole, len - whole, off + whole, &err);
		err2 = set_direct(fd, true);
		err = err ?: err2;
	}
out:
	*done = n;
	return err ?: (n < (tail ? len : whole) ? -EIO : 0);
}

__u8 *ps_dio_ring_map(size_t len)
{
	__u8 *area = MAP_FAILED;
	int fd, err = 0;

	fd = memfd_create("pktscope-staging", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, len))
		goto out;
	/* Both halves go into one reserved range, so nothing else can be
	 * mapped between them. */
	area = mmap(NULL, 2 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		goto out;
	if (mmap(area, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    mmap(area + len, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    MAP_FAILED) {
		err = errno;
		munmap(area, 2 * len);
		area = MAP_FAILED;
		errno = err;
	}
out:
	err = errno;
	close(fd);
	errno = err;
	return area == MAP_FAILED ? NULL : area;
}

void ps_dio_ring_unmap(__u8 *ring, size_t len)
{
	if (ring)
		munmap(ring, 2 * len);
}
