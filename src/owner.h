/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who owns pktscope's datapath on an interface.
 *
 * One pktscope attaches to an interface at a time.  The claim is an flock()
 * on a file named for the network namespace and ifindex: the kernel drops it
 * when the holder dies, even by SIGKILL, so a stale claim is impossible, and
 * whatever a dead holder left attached may be removed by the next claimant.
 */
#ifndef PS_OWNER_H
#define PS_OWNER_H

#include <sys/types.h>

#define PS_RUN_DIR "/run/pktscope"

struct ps_owner {
	int fd;
	int ifindex;
	char path[128];
};

/*
 * Claims 'ifindex' for this process.  On -EBUSY, *holder is the pid of the
 * pktscope holding it and 'cmd' (cmd_len bytes) its command line.
 * Returns 0 or -errno.
 */
int ps_owner_claim(struct ps_owner *o, int ifindex, pid_t *holder, char *cmd, size_t cmd_len);
void ps_owner_release(struct ps_owner *o);

#endif
