/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The live, refreshing terminal view of `pktscope flows` (curses). */
#ifndef PS_CLI_FLOWVIEW_H
#define PS_CLI_FLOWVIEW_H

#include <stdbool.h>
#include "flowagg.h"

struct flowview {
	bool open;
	enum ps_agg_sort sort;
	enum ps_agg_by by;
	long top;          /* rows at most; 0: as many as the screen holds */
};

enum flowview_action {
	FV_NONE,
	FV_QUIT,
	FV_CHANGED,        /* sort or grouping changed: redraw now */
};

int flowview_open(struct flowview *v);
/* 'title' is the first line (what is watched); 'status' the fields of the
 * second (the counts, what was lost), most important first: as many as
 * the width holds.  Rows of conversations that ended are dimmed. */
void flowview_draw(struct flowview *v, const char *title, const char *const *status,
		   int nstatus, const struct ps_agg_row *rows, int n, __u64 now_real_ns);
/* Waits up to 'timeout_ms' for a key and applies it. */
enum flowview_action flowview_key(struct flowview *v, int timeout_ms);
void flowview_close(struct flowview *v);

#endif
