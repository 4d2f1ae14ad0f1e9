/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Feeding a recorded capture through the loaded kernel program. */
#ifndef PS_REPLAY_H
#define PS_REPLAY_H

#include <linux/types.h>
#include "datapath.h"

struct ps_replay_stats {
	__u64 packets_read; /* records in the file */
	__u64 snaplen_cut;  /* records shorter than the packet on the wire:
			     * run and counted with the bytes captured */
	__u64 not_run;      /* records the kernel refused to run (reason in
			     * --verbose); never silently absent from totals */
	double first_ts;    /* capture timestamps of the first and last */
	double last_ts;     /* records, in seconds */
};

/*
 * Runs every packet of the pcap or pcapng file at 'path' through the
 * datapath's ingress program with BPF_PROG_TEST_RUN.
 * Returns 0 or -errno after one line saying what is wrong.
 */
typedef int (*ps_replay_fn)(void *ctx, __u64 ts_ns);

/* 'before' and 'after' (either may be NULL) run before and after each
 * record with its capture time; a non-zero return ends the replay early
 * (without error; from 'before', that record is not run). */
int ps_replay_file(struct ps_datapath *dp, const char *path, struct ps_replay_stats *st,
		   ps_replay_fn before, ps_replay_fn after, void *ctx);

#endif
