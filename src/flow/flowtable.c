// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "flowtable.h"

/* Left to right, for each kind; grouped rows have no RTT, and -r's groups
 * no STATE or END either (their conversations differ). */
static const enum ps_col view_cols[] = {
	PS_COL_FIRST, PS_COL_A, PS_COL_B, PS_COL_R2, PS_COL_R10, PS_COL_R40,
	PS_COL_PKTS, PS_COL_BYTES, PS_COL_PKTS_AB, PS_COL_BYTES_AB, PS_COL_PKTS_BA,
	PS_COL_BYTES_BA, PS_COL_AGE, PS_COL_STATE, PS_COL_RTT,
};
static const enum ps_col file_cols[] = {
	PS_COL_FIRST, PS_COL_A, PS_COL_B, PS_COL_RATE, PS_COL_PKTS, PS_COL_BYTES,
	PS_COL_PKTS_AB, PS_COL_BYTES_AB, PS_COL_PKTS_BA, PS_COL_BYTES_BA, PS_COL_START,
	PS_COL_DUR, PS_COL_STATE, PS_COL_END, PS_COL_RTT,
};

/*
 * What the view keeps as the terminal narrows, most important first, after
 * the endpoints and the column it is sorted by: what iftop shows (the
 * rates, then the totals), then the rest.  A pair is kept or dropped
 * together.  The sort column and the 2 s rate may have the endpoints
 * abbreviated to fit; the others are dropped first.
 */
static const enum ps_col view_prio[][2] = {
	{ PS_COL_R2 }, { PS_COL_FIRST }, { PS_COL_BYTES }, { PS_COL_R10 }, { PS_COL_R40 },
	{ PS_COL_BYTES_AB, PS_COL_BYTES_BA }, { PS_COL_STATE }, { PS_COL_PKTS }, { PS_COL_AGE },
	{ PS_COL_PKTS_AB, PS_COL_PKTS_BA }, { PS_COL_RTT },
};

static bool col_left(enum ps_col c)
{
	return c == PS_COL_FIRST || c == PS_COL_A || c == PS_COL_B || c == PS_COL_STATE ||
	       c == PS_COL_END;
}

/* The view's columns are at least as wide as their widest usual cell
 * ("999.9Kb", "999.9K", "59.9m", "established"), so that they do not
 * shift as the numbers change. */
static int view_min_width(const struct ps_table *t, enum ps_col c)
{
	switch (c) {
	case PS_COL_R2: case PS_COL_R10: case PS_COL_R40:
		return 7;
	case PS_COL_AGE: case PS_COL_PKTS: case PS_COL_BYTES: case PS_COL_PKTS_AB:
	case PS_COL_BYTES_AB: case PS_COL_PKTS_BA: case PS_COL_BYTES_BA:
		return 6;
	case PS_COL_STATE:
		return t->by == PS_BY_5TUPLE ? 11 : 5;
	case PS_COL_RTT:
		return 9;
	default:
		return 0;
	}
}

void ps_table_init(struct ps_table *t, enum ps_table_kind kind, enum ps_agg_by by,
		   enum ps_agg_sort sort, __u64 ref_ns)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->by = by;
	t->sort = sort;
	t->ref_ns = ref_ns;
}

const char *ps_table_col_name(const struct ps_table *t, enum ps_col c)
{
	static const char *const names[PS_COL_MAX] = {
		[PS_COL_A] = "A", [PS_COL_B] = "B", [PS_COL_R2] = "2s", [PS_COL_R10] = "10s",
		[PS_COL_R40] = "40s", [PS_COL_RATE] = "RATE", [PS_COL_PKTS] = "PKTS",
		[PS_COL_BYTES] = "BYTES", [PS_COL_PKTS_AB] = "PKTS>", [PS_COL_BYTES_AB] = "BYTES>",
		[PS_COL_PKTS_BA] = "<PKTS", [PS_COL_BYTES_BA] = "<BYTES", [PS_COL_AGE] = "AGE",
		[PS_COL_START] = "START", [PS_COL_DUR] = "DURATION", [PS_COL_STATE] = "STATE",
		[PS_COL_END] = "END", [PS_COL_RTT] = "RTT",
	};

	if (c == PS_COL_FIRST)
		return t->by == PS_BY_5TUPLE ? "PROTO" : "FLOWS";
	return names[c];
}

static bool col_applies(const struct ps_table *t, enum ps_col c)
{
	if (t->by == PS_BY_5TUPLE)
		return true;
	if (c == PS_COL_RTT)
		return false;
	return t->kind == PS_TABLE_VIEW || (c != PS_COL_STATE && c != PS_COL_END);
}

void ps_human(char *buf, size_t len, double v, const char *unit)
{
	static const char *const pre[] = { "", "K", "M", "G", "T", "P" };
	int i = 0;

	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	/* 999.95 would print as "1000.0" */
	if (i && i < 5 && v >= 999.95) {
		v /= 1000;
		i++;
	}
	if (i)
		snprintf(buf, len, "%.1f%s%s", v, pre[i], unit);
	else
		snprintf(buf, len, "%.0f%s", v, unit);
}

int ps_endpoint_fit(const char *addr, const char *suffix, int width, char *buf, size_t len)
{
	int alen = strlen(addr), slen = strlen(suffix), first, best = -1;

	if (alen + slen <= width || !strchr(addr, ':') || addr[0] == ':')
		return snprintf(buf, len, "%s%s", addr, suffix);
	first = strchr(addr, ':') - addr;
	/* The last groups: from a ':' on, never from the empty group of a
	 * "::" (the tail would start with a ':'). */
	for (int i = alen - 1; i > first; i--) {
		if (addr[i] != ':' || addr[i + 1] == ':' || addr[i + 1] == '\0')
			continue;
		if (best < 0 || first + 1 + (alen - i - 1) + slen <= width)
			best = i + 1;
		if (first + 1 + (alen - i - 1) + slen > width)
			break;
	}
	if (best < 0)
		return snprintf(buf, len, "%s%s", addr, suffix);
	return snprintf(buf, len, "%.*s~%s%s", first, addr, addr + best, suffix);
}

/* An endpoint's address and port suffix, as ps_flow_endpoint() prints it. */
static void endpoint_parts(const struct ps_table *t, const struct ps_flow_rec *r, bool a,
			   char *addr, size_t alen, char *suffix, size_t slen)
{
	char full[80];

	ps_flow_endpoint(r, a, t->by == PS_BY_5TUPLE, full, sizeof(full));
	suffix[0] = '\0';
	snprintf(addr, alen, "%s", full);
	if (t->by != PS_BY_5TUPLE || !strcmp(full, "*"))
		return;
	if (r->proto == 6 || r->proto == 17 || (a ? r->a_port : r->b_port)) {
		/* the port is what follows the last '.' */
		char *dot = strrchr(addr, '.');

		if (dot) {
			snprintf(suffix, slen, "%s", dot);
			*dot = '\0';
		}
	}
}

static void secs_text(char *buf, size_t len, double s)
{
	if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%.1fm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%.1fh", s / 3600);
	else
		snprintf(buf, len, "%.1fd", s / 86400);
}

static void count_text(const struct ps_table *t, char *buf, size_t len, __u64 v)
{
	if (t->kind == PS_TABLE_VIEW)
		ps_human(buf, len, (double)v, "");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static const char *state_text(const struct ps_table *t, const struct ps_flow_rec *r)
{
	const char *tcp = ps_flow_tcp_state(r);
	bool ended = t->kind == PS_TABLE_VIEW && r->end != PS_FLOW_END_NONE;

	if (t->by != PS_BY_5TUPLE)
		return ended ? "ended" : "-";
	/* An ended TCP conversation keeps the state it was closed in; any
	 * other says it ended (by the idle timeout). */
	if (ended && !(tcp && r->end == PS_FLOW_END_TCP))
		return "ended";
	return tcp ? tcp : "-";
}

/* A cell's whole text (an endpoint unabbreviated). */
static void cell(const struct ps_table *t, const struct ps_agg_row *row, enum ps_col c, char *buf,
		 size_t len)
{
	const struct ps_flow_rec *r = &row->r;
	__u64 first = ps_flow_first_ns(r), last = ps_flow_last_ns(r);
	char addr[80], sfx[16], pb[24];

	switch (c) {
	case PS_COL_FIRST:
		if (t->by == PS_BY_5TUPLE)
			snprintf(buf, len, "%s", ps_flow_proto_name(r->proto, pb, sizeof(pb)));
		else
			snprintf(buf, len, "%u", row->records);
		break;
	case PS_COL_A:
	case PS_COL_B:
		endpoint_parts(t, r, c == PS_COL_A, addr, sizeof(addr), sfx, sizeof(sfx));
		snprintf(buf, len, "%s%s", addr, sfx);
		break;
	case PS_COL_R2: case PS_COL_R10: case PS_COL_R40:
		ps_human(buf, len, row->rate[c - PS_COL_R2], "b");
		break;
	case PS_COL_RATE:
		ps_human(buf, len, ps_flow_mean_rate(r), "b/s");
		break;
	case PS_COL_PKTS:
		count_text(t, buf, len, r->ab.packets + r->ba.packets);
		break;
	case PS_COL_BYTES:
		count_text(t, buf, len, r->ab.bytes + r->ba.bytes);
		break;
	case PS_COL_PKTS_AB:
		count_text(t, buf, len, r->ab.packets);
		break;
	case PS_COL_BYTES_AB:
		count_text(t, buf, len, r->ab.bytes);
		break;
	case PS_COL_PKTS_BA:
		count_text(t, buf, len, r->ba.packets);
		break;
	case PS_COL_BYTES_BA:
		count_text(t, buf, len, r->ba.bytes);
		break;
	case PS_COL_AGE:
		secs_text(buf, len, t->ref_ns > first ? (t->ref_ns - first) / 1e9 : 0);
		break;
	case PS_COL_START:
		snprintf(buf, len, "%.6f", (double)(__s64)(first - t->ref_ns) / 1e9);
		break;
	case PS_COL_DUR:
		snprintf(buf, len, "%.6f", last > first ? (last - first) / 1e9 : 0);
		break;
	case PS_COL_STATE:
		snprintf(buf, len, "%s", state_text(t, r));
		break;
	case PS_COL_END:
		snprintf(buf, len, "%s", ps_flow_end_name(r->end));
		break;
	case PS_COL_RTT:
		if (r->rtt_ns)
			snprintf(buf, len, "%.3fms", r->rtt_ns / 1e6);
		else
			snprintf(buf, len, "-");
		break;
	default:
		buf[0] = '\0';
	}
}

static void col_list(const struct ps_table *t, const enum ps_col **cols, int *n)
{
	if (t->kind == PS_TABLE_VIEW) {
		*cols = view_cols;
		*n = sizeof(view_cols) / sizeof(view_cols[0]);
	} else {
		*cols = file_cols;
		*n = sizeof(file_cols) / sizeof(file_cols[0]);
	}
}

static enum ps_col sort_col(const struct ps_table *t)
{
	switch (t->sort) {
	case PS_SORT_PACKETS: return PS_COL_PKTS;
	case PS_SORT_RATE: return t->kind == PS_TABLE_VIEW ? PS_COL_R2 : PS_COL_RATE;
	case PS_SORT_AGE: return t->kind == PS_TABLE_VIEW ? PS_COL_AGE : PS_COL_START;
	default: return PS_COL_BYTES;
	}
}

/* Takes 'excess' columns off the endpoints, from the wider first, none
 * below its minimum.  Returns false when they cannot give that much. */
static bool shrink(int *wa, int *wb, const int *min_a, const int *min_b, int excess)
{
	if ((*wa - *min_a) + (*wb - *min_b) < excess)
		return false;
	while (excess-- > 0) {
		if ((*wa >= *wb && *wa > *min_a) || *wb == *min_b)
			(*wa)--;
		else
			(*wb)--;
	}
	return true;
}

int ps_table_layout(struct ps_table *t, const struct ps_agg_row *rows, int n, int max_width)
{
	int nat[PS_COL_MAX] = { 0 }, min_a = 1, min_b = 1, total, ncl;
	bool on[PS_COL_MAX] = { false }, can[PS_COL_MAX] = { false };
	const enum ps_col *cols;
	enum ps_col sc = sort_col(t);
	char buf[128], addr[80], sfx[16];

	col_list(t, &cols, &ncl);
	for (int i = 0; i < ncl; i++) {
		enum ps_col c = cols[i];

		if (!col_applies(t, c))
			continue;
		can[c] = true;
		nat[c] = strlen(ps_table_col_name(t, c));
		if (t->kind == PS_TABLE_VIEW && view_min_width(t, c) > nat[c])
			nat[c] = view_min_width(t, c);
	}
	for (int r = 0; r < n; r++) {
		for (int i = 0; i < ncl; i++) {
			enum ps_col c = cols[i];
			int l;

			if (!can[c])
				continue;
			cell(t, &rows[r], c, buf, sizeof(buf));
			l = strlen(buf);
			if (l > nat[c])
				nat[c] = l;
			if (c != PS_COL_A && c != PS_COL_B)
				continue;
			endpoint_parts(t, &rows[r].r, c == PS_COL_A, addr, sizeof(addr), sfx,
				       sizeof(sfx));
			l = ps_endpoint_fit(addr, sfx, 0, buf, sizeof(buf));
			if (c == PS_COL_A && l > min_a)
				min_a = l;
			if (c == PS_COL_B && l > min_b)
				min_b = l;
		}
	}
	t->ncols = 0;
	t->need = 0;
	if (max_width <= 0) {
		for (int c = 0; c < PS_COL_MAX; c++)
			on[c] = can[c];
	} else {
		int wa = nat[PS_COL_A], wb = nat[PS_COL_B];

		if (min_a + 1 + min_b > max_width) {
			t->need = min_a + 1 + min_b;
			return -ENOSPC;
		}
		total = wa + 1 + wb;
		if (total > max_width)
			shrink(&wa, &wb, &min_a, &min_b, total - max_width);
		total = wa + 1 + wb;
		on[PS_COL_A] = on[PS_COL_B] = true;
		for (int g = -1; g < (int)(sizeof(view_prio) / sizeof(view_prio[0])); g++) {
			enum ps_col grp[2] = { sc, 0 };
			int gw = 0, k = 1;

			if (g >= 0) {
				grp[0] = view_prio[g][0];
				grp[1] = view_prio[g][1];
				k = grp[1] ? 2 : 1;
			}
			for (int i = 0; i < k; i++)
				if (can[grp[i]] && !on[grp[i]])
					gw += nat[grp[i]] + 1;
			if (!gw)
				continue;
			if (total + gw > max_width &&
			    !((grp[0] == sc || grp[0] == PS_COL_R2) &&
			      shrink(&wa, &wb, &min_a, &min_b, total + gw - max_width)))
				break;
			for (int i = 0; i < k; i++)
				if (can[grp[i]])
					on[grp[i]] = true;
			total = wa + 1 + wb;
			for (int c = 0; c < PS_COL_MAX; c++)
				if (on[c] && c != PS_COL_A && c != PS_COL_B)
					total += nat[c] + 1;
		}
		nat[PS_COL_A] = wa;
		nat[PS_COL_B] = wb;
	}
	for (int i = 0; i < ncl; i++)
		if (on[cols[i]]) {
			t->cols[t->ncols++] = cols[i];
			t->width[cols[i]] = nat[cols[i]];
		}
	return 0;
}

/* Joins the cells, each padded to its column, without trailing blanks. */
static void join(const struct ps_table *t, char cells[][128], char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->ncols && at < len; i++) {
		enum ps_col c = t->cols[i];

		at += snprintf(buf + at, len - at, col_left(c) ? "%s%-*s" : "%s%*s", i ? " " : "",
			       t->width[c], cells[i]);
	}
	at = strlen(buf);
	while (at && buf[at - 1] == ' ')
		buf[--at] = '\0';
}

void ps_table_header(const struct ps_table *t, char *buf, size_t len)
{
	char cells[PS_COL_MAX][128];

	for (int i = 0; i < t->ncols; i++)
		snprintf(cells[i], sizeof(cells[i]), "%s", ps_table_col_name(t, t->cols[i]));
	join(t, cells, buf, len);
}

void ps_table_row(const struct ps_table *t, const struct ps_agg_row *row, char *buf, size_t len)
{
	char cells[PS_COL_MAX][128], addr[80], sfx[16];

	for (int i = 0; i < t->ncols; i++) {
		enum ps_col c = t->cols[i];

		if (c == PS_COL_A || c == PS_COL_B) {
			endpoint_parts(t, &row->r, c == PS_COL_A, addr, sizeof(addr), sfx,
				       sizeof(sfx));
			ps_endpoint_fit(addr, sfx, t->width[c], cells[i], sizeof(cells[i]));
		} else {
			cell(t, row, c, cells[i], sizeof(cells[i]));
		}
	}
	join(t, cells, buf, len);
}
