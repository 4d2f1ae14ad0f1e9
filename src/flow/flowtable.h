/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flow table as people read it: which columns, how wide, and which of
 * them fit a terminal.  Two kinds:
 *
 *  - the live view: human units, the 2/10/40 s rates, AGE; it fits a
 *    width by dropping the least important columns first (the endpoints
 *    are always shown, whole: an IPv6 address too long for its column is
 *    abbreviated by whole groups, "2001~8a2e:370:7334", never cut);
 *  - -r's table: exact counts, the record's mean rate, START and DURATION
 *    (as tshark's conversation tables), why the record was written; every
 *    column, as wide as its widest cell.
 */
#ifndef PS_FLOWTABLE_H
#define PS_FLOWTABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "flowagg.h"

enum ps_table_kind {
	PS_TABLE_VIEW,
	PS_TABLE_FILE,
};

enum ps_col {
	PS_COL_FIRST,    /* PROTO by 5-tuple; FLOWS (conversations or records) else */
	PS_COL_A,
	PS_COL_B,
	PS_COL_R2,       /* view: rates over 2, 10, 40 s */
	PS_COL_R10,
	PS_COL_R40,
	PS_COL_RATE,     /* file: the mean rate */
	PS_COL_PKTS,     /* both directions */
	PS_COL_BYTES,
	PS_COL_PKTS_AB,  /* a -> b */
	PS_COL_BYTES_AB,
	PS_COL_PKTS_BA,  /* b -> a */
	PS_COL_BYTES_BA,
	PS_COL_AGE,      /* view: since its first packet */
	PS_COL_START,    /* file: its first packet, seconds after the file's */
	PS_COL_DUR,      /* file: first to last packet */
	PS_COL_STATE,
	PS_COL_END,      /* file: why the record was written */
	PS_COL_RTT,
	PS_COL_MAX,
};

struct ps_table {
	enum ps_table_kind kind;
	enum ps_agg_by by;
	enum ps_agg_sort sort;
	__u64 ref_ns;    /* CLOCK_REALTIME ns: the view's now (AGE), the
			  * file's first packet (START) */
	int ncols;
	enum ps_col cols[PS_COL_MAX]; /* shown, left to right */
	int width[PS_COL_MAX];
	int need;        /* after -ENOSPC: the width the endpoints need */
};

void ps_table_init(struct ps_table *t, enum ps_table_kind kind, enum ps_agg_by by,
		   enum ps_agg_sort sort, __u64 ref_ns);
/* Chooses the columns and their widths for 'rows' within 'max_width'
 * columns (0: no limit, every column).  Returns 0, or -ENOSPC when not
 * even the two endpoints fit (t->need says how wide they need). */
int ps_table_layout(struct ps_table *t, const struct ps_agg_row *rows, int n, int max_width);
/* The header and a row, without trailing blanks. */
void ps_table_header(const struct ps_table *t, char *buf, size_t len);
void ps_table_row(const struct ps_table *t, const struct ps_agg_row *row, char *buf, size_t len);
/* The column's name in the header. */
const char *ps_table_col_name(const struct ps_table *t, enum ps_col c);

/* The view's compact numbers: 784, 15.1K, 2.0M ('unit' appended). */
void ps_human(char *buf, size_t len, double v, const char *unit);
/* An address and its port suffix (".443", or "") in at most 'width'
 * characters: whole, or an IPv6 address with groups in its middle left out
 * ('~' in their place: its first group and as many of its last as fit).
 * Returns the length written, more than 'width' when even its first and
 * last group do not fit (width 0: the shortest it can be). */
int ps_endpoint_fit(const char *addr, const char *suffix, int width, char *buf, size_t len);

#endif
