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
int ps_replay_file(struct ps_datapath *dp, const char *path, struct ps_replay_stats *st);

#endif
