/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What `pktscope stats` prints: per interface and hook, and in total, as a
 * text table or as one JSON object per line (field names are stable: README.md
 * "JSON output" lists them).
 */
#ifndef PS_STATS_REPORT_H
#define PS_STATS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "pktscope/abi.h"

struct ps_hook_view {
	const char *hook;      /* "xdp", "tc" */
	const char *direction; /* "ingress", "egress" */
	const char *mode;      /* "native", "generic", "tcx", "clsact", "test-run" */
	struct ps_counters c;
};

struct ps_iface_view {
	const char *name;
	int ifindex;
	const char *hook_asked; /* "auto", "xdp", "tc" */
	const char *hook_why;   /* why auto chose the hooks below; NULL if asked */
	int nhooks;
	struct ps_hook_view hooks[PS_SLOT_MAX];
};

struct ps_stats_view {
	bool summary;      /* cumulative since start, instead of one interval */
	double seconds;    /* length of the interval, or of the whole run */
	struct timespec now;
	int nifaces;
	struct ps_iface_view *ifaces;
	json_t *extra;     /* members added to the JSON object (borrowed) */
};

void ps_stats_print_json(FILE *f, const struct ps_stats_view *v);
void ps_stats_print_text(FILE *f, const struct ps_stats_view *v);

#endif
