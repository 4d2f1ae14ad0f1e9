// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "fuzz.h"

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("FUZZ FAILURE: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

const char *fz_hex(const void *p, size_t n)
{
	static char buf[64 * 3 + 8];
	const uint8_t *b = p;
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && i < 64; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%02x%s", b[i], i + 1 < n ? " " : "");
	if (n > 64)
		snprintf(buf + off, sizeof(buf) - off, "...");
	return buf;
}

int fz_memfile(const void *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < size) {
		ssize_t w = write(fd, (const char *)data + done, size - done);

		if (w < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		done += w;
	}
	lseek(fd, 0, SEEK_SET);
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

struct tmpdir {
	char path[256];
};

static struct tmpdir shm_dir, disk_dir;

static void tmpdir_remove(struct tmpdir *t)
{
	DIR *d = opendir(t->path);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", t->path, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(t->path);
}

static void tmpdirs_remove(void)
{
	if (shm_dir.path[0])
		tmpdir_remove(&shm_dir);
	if (disk_dir.path[0])
		tmpdir_remove(&disk_dir);
}

static const char *tmpdir_make(struct tmpdir *t, const char *env, const char *dflt)
{
	static bool registered;
	const char *base = getenv(env);

	if (t->path[0])
		return t->path;
	snprintf(t->path, sizeof(t->path), "%s/pktscope-fuzz-%d", base && *base ? base : dflt,
		 (int)getpid());
	if (mkdir(t->path, 0700) && errno != EEXIST)
		fz_fail("cannot make %s: %s", t->path, strerror(errno));
	if (!registered)
		atexit(tmpdirs_remove);
	registered = true;
	return t->path;
}

const char *fz_tmpdir(void)
{
	return tmpdir_make(&shm_dir, "FUZZ_TMPDIR", "/dev/shm");
}

const char *fz_tmpdir_disk(void)
{
	return tmpdir_make(&disk_dir, "FUZZ_DISK_TMPDIR", "/var/tmp");
}
