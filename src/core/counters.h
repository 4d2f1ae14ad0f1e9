/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading and naming the datapath's counters. */
#ifndef PS_COUNTERS_H
#define PS_COUNTERS_H

#include "pktscope/abi.h"

struct ps_counter_info {
	const char *group; /* "l2", "l4", "malformed", ... */
	const char *name;  /* unique within its group */
	const char *help;
};

extern const struct ps_counter_info ps_counter_info[PS_CTR_MAX];

/* Sums slot 'slot' of the per-CPU counters map over all CPUs.
 * Returns 0 or -errno. */
int ps_counters_read(int map_fd, __u32 slot, struct ps_counters *out);

/* out = a - b, counter by counter. */
void ps_counters_sub(struct ps_counters *out, const struct ps_counters *a,
		     const struct ps_counters *b);
/* out += a. */
void ps_counters_add(struct ps_counters *out, const struct ps_counters *a);

/* Counter index for "group.name" or "name" when unique; -ENOENT if none. */
int ps_counter_by_name(const char *name);

#endif
