// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "owner.h"

static socklen_t claim_addr(struct sockaddr_un *sun, int ifindex)
{
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace. */
	n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "pktscope/ifindex/%d", ifindex);
	return offsetof(struct sockaddr_un, sun_path) + 1 + n;
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

/* Asks the holder's socket who it is. */
static pid_t holder_pid(const struct sockaddr_un *sun, socklen_t len)
{
	struct ucred cred = {};
	socklen_t clen = sizeof(cred);
	pid_t pid = 0;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (!connect(fd, (const struct sockaddr *)sun, len) &&
	    !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		pid = cred.pid;
	close(fd);
	return pid;
}

int ps_owner_claim(struct ps_owner *o, int ifindex, pid_t *holder, char *cmd, size_t cmd_len)
{
	struct sockaddr_un sun;
	socklen_t len = claim_addr(&sun, ifindex);
	int fd, err;

	o->fd = -1;
	o->ifindex = ifindex;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len)) {
		err = -errno;
		close(fd);
		if (err != -EADDRINUSE)
			return err;
		*holder = holder_pid(&sun, len);
		if (*holder)
			read_cmdline(*holder, cmd, cmd_len);
		return -EBUSY;
	}
	/* Listening lets a refused claimant connect and read SO_PEERCRED;
	 * nobody ever accepts, the backlog holds the few who ask. */
	if (listen(fd, 4)) {
		err = -errno;
		close(fd);
		return err;
	}
	o->fd = fd;
	return 0;
}

void ps_owner_release(struct ps_owner *o)
{
	if (o->fd < 0)
		return;
	close(o->fd);
	o->fd = -1;
}
