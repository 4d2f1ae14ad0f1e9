/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who owns pktscope's datapath on an interface.
 *
 * One pktscope attaches to an interface at a time.  The claim is a listening
 * unix socket bound to an abstract name made of the ifindex: abstract names
 * live in the network namespace, so the claim is per namespace like the
 * ifindex itself; the kernel drops it when the holder dies, even by SIGKILL,
 * so a stale claim is impossible and nothing is left on disk; and a refused
 * claimant learns the holder's pid from SO_PEERCRED.  Whatever a dead holder
 * left attached may therefore be removed by the next claimant.
 */
#ifndef PS_OWNER_H
#define PS_OWNER_H

#include <stddef.h>
#include <sys/types.h>

struct ps_owner {
	int fd; /* -1 when nothing is claimed */
	int ifindex;
};

/*
 * Claims 'ifindex' for this process.  On -EBUSY, *holder is the pid of the
 * pktscope holding it (0 if unknown) and 'cmd' (cmd_len bytes) its command
 * line.  Returns 0 or -errno.
 */
int ps_owner_claim(struct ps_owner *o, int ifindex, pid_t *holder, char *cmd, size_t cmd_len);
void ps_owner_release(struct ps_owner *o);

#endif
