/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Running a loaded program over one frame with BPF_PROG_TEST_RUN: the way
 * `-r FILE`, the unit tests and the benchmarks all exercise the very code
 * that runs on live traffic.
 */
#ifndef PS_TESTRUN_H
#define PS_TESTRUN_H

#include <linux/types.h>

struct ps_run_result {
	__u32 retval;   /* the program's verdict */
	__u32 duration; /* ns per run, as the kernel measured it */
	__u32 out_len;  /* bytes written to 'out' */
};

/*
 * Runs an XDP or TC program over 'len' bytes at 'pkt', 'repeat' times;
 * 'out' (may be NULL) receives the frame as the program left it.  XDP frames
 * longer than a page go to fragments (the datapath is loaded xdp.frags).
 * Frames shorter than an Ethernet header are refused by the kernel, even
 * behind XDP metadata: -EINVAL.  Returns 0 or -errno.
 */
int ps_run(int prog_fd, const void *pkt, __u32 len, void *out, __u32 out_cap,
	   __u32 repeat, struct ps_run_result *res);

#endif
