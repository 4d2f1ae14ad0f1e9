/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the libFuzzer harnesses share: reading typed values off the front of
 * an input (the input decides every choice a harness makes, so a crash
 * replays from the saved file alone), failing loudly, and in-memory files
 * that code taking a path can open.
 *
 * A harness that finds pktscope disagreeing with its reference (libpcap, a
 * decoder of the RFC, the kernel) calls fz_fail(): one line saying what
 * differs, then abort(), which libFuzzer reports as a crash and saves the
 * input of.
 */
#ifndef PS_FUZZ_H
#define PS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline void fz_init(struct fz *f, const uint8_t *data, size_t size)
{
	f->p = data;
	f->n = size;
}

/* The next byte, 0 once the input is used up. */
static inline uint8_t fz_u8(struct fz *f)
{
	uint8_t v;

	if (!f->n)
		return 0;
	v = *f->p++;
	f->n--;
	return v;
}

static inline uint16_t fz_u16(struct fz *f)
{
	return (uint16_t)(fz_u8(f) | fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	return fz_u16(f) | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
	return fz_u32(f) | (uint64_t)fz_u32(f) << 32;
}

static inline bool fz_bool(struct fz *f)
{
	return fz_u8(f) & 1;
}

/* A value in [lo, hi]. */
static inline uint32_t fz_range(struct fz *f, uint32_t lo, uint32_t hi)
{
	uint32_t span = hi - lo + 1;

	if (!span) /* the whole range */
		return fz_u32(f);
	return lo + (span <= 0x100 ? fz_u8(f) : span <= 0x10000 ? fz_u16(f) : fz_u32(f)) % span;
}

/* Up to n bytes off the front, in place; how many there were. */
static inline size_t fz_take(struct fz *f, size_t n, const uint8_t **out)
{
	if (n > f->n)
		n = f->n;
	*out = f->p;
	f->p += n;
	f->n -= n;
	return n;
}

/* One line on stderr saying what differs, then abort(): libFuzzer keeps
 * the input as a crash. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Hex dump of up to 64 bytes, for fz_fail() messages (a static buffer). */
const char *fz_hex(const void *p, size_t n);

/*
 * An in-memory file holding 'size' bytes (a memfd), and a path that open(2)
 * and fopen(3) take for it.  Returns the fd (close it when done) or -errno.
 */
int fz_memfile(const void *data, size_t size, char *path, size_t pathlen);

/* A directory of this process's own under $FUZZ_TMPDIR (default
 * /dev/shm), made once and removed at exit with what is in it. */
const char *fz_tmpdir(void);
/* The same on a disk's file system, where direct I/O works: under
 * $FUZZ_DISK_TMPDIR (default /var/tmp). */
const char *fz_tmpdir_disk(void);

#endif
