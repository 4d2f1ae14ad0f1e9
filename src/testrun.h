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
 * Runs an XDP program over 'len' bytes at 'pkt'; 'out' (may be NULL)
 * receives the frame as the program left it.  Frames shorter than an
 * Ethernet header are refused by the kernel: -EINVAL.  Returns 0 or -errno.
 */
int ps_run_xdp(int prog_fd, const void *pkt, __u32 len, void *out, __u32 out_cap,
	       __u32 repeat, struct ps_run_result *res);

/* The same for a TC (sched_cls) program; 'len' must be at least 14. */
int ps_run_skb(int prog_fd, const void *pkt, __u32 len, void *out, __u32 out_cap,
	       __u32 repeat, struct ps_run_result *res);

/* Largest frame the kernel takes in one test run (XDP spills the rest to
 * fragments, so this bounds only TC runs). */
#define PS_RUN_MAX_FRAME 65535

#endif
