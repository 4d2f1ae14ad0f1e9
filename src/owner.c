// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "owner.h"

static int netns_id(unsigned long *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static void read_cmdline(pid_t pid, char *cmd, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (!cmd || !len)
		return;
	cmd[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, cmd, len - 1);
	close(fd);
	if (n <= 0)
		return;
	cmd[n] = '\0';
	for (ssize_t i = 0; i < n - 1; i++) /* arguments are NUL-separated */
		if (!cmd[i])
			cmd[i] = ' ';
}

int ps_owner_claim(struct ps_owner *o, int ifindex, pid_t *holder, char *cmd, size_t cmd_len)
{
	unsigned long ns = 0;
	char buf[32];
	int err, fd = -1;
	ssize_t n;

	o->fd = -1;
	o->ifindex = ifindex;
	err = netns_id(&ns);
	if (err)
		return err;
	if (mkdir(PS_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	snprintf(o->path, sizeof(o->path), PS_RUN_DIR "/netns-%lu-if-%d.lock", ns, ifindex);
	fd = open(o->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		if (err == -EWOULDBLOCK) {
			n = pread(fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			*holder = (pid_t)strtol(buf, NULL, 10);
			read_cmdline(*holder, cmd, cmd_len);
			err = -EBUSY;
		}
		goto err_close;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, n, 0) != n) {
		err = -errno;
		goto err_close;
	}
	o->fd = fd;
	return 0;

err_close:
	close(fd);
	return err;
}

void ps_owner_release(struct ps_owner *o)
{
	if (o->fd < 0)
		return;
	/* The file stays: unlinking a lock file lets a claimant that opened it
	 * just before lock an orphan inode while a third one locks a new file,
	 * and two owners would result. */
	close(o->fd);
	o->fd = -1;
}
