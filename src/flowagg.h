/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Conversations as people read them: flow records (or live snapshots)
 * summed by 5-tuple, by host pair, or by source or destination host
 * (--by), sorted (--sort), and written as table rows or JSON objects.
 */
#ifndef PS_FLOWAGG_H
#define PS_FLOWAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "flowrec.h"

enum ps_agg_by {
	PS_BY_5TUPLE,   /* protocol, both addresses and ports */
	PS_BY_HOSTPAIR, /* both addresses, every protocol */
	PS_BY_SRC,      /* the address that started each conversation */
	PS_BY_DST,      /* the address each conversation was started to */
};

enum ps_agg_sort {
	PS_SORT_BYTES,
	PS_SORT_PACKETS,
	PS_SORT_RATE,
	PS_SORT_AGE,    /* oldest first */
};

int ps_agg_by_parse(const char *s, enum ps_agg_by *by);
int ps_agg_sort_parse(const char *s, enum ps_agg_sort *sort);
const char *ps_agg_by_name(enum ps_agg_by by);
const char *ps_agg_sort_name(enum ps_agg_sort sort);

/* One group: its oriented totals as a record ('a' started the earliest
 * conversation in it; a_port/b_port 0 unless by 5-tuple; proto 0 unless by
 * 5-tuple), how many records went in, and the current rate. */
struct ps_agg_row {
	struct ps_flow_rec r;
	__u32 records;
	__u32 convs;    /* live conversations in it (view) */
	double bps, pps;
};

struct ps_agg_grp;

struct ps_agg {
	enum ps_agg_by by;
	struct ps_agg_grp *groups; /* uthash */
	size_t ngroups;
};

void ps_agg_init(struct ps_agg *g, enum ps_agg_by by);
/* Adds a record (or a snapshot, with its rate) to its group. */
int ps_agg_add(struct ps_agg *g, const struct ps_flow_rec *r, double bps, double pps);
/* The groups, sorted; the caller frees the array.  Returns the count or
 * -errno. */
int ps_agg_rows(const struct ps_agg *g, enum ps_agg_sort sort, struct ps_agg_row **rows);
void ps_agg_clear(struct ps_agg *g);

/* Formatting shared by the view, -r's table and the JSON records. */
const char *ps_flow_proto_name(__u8 proto, char *buf, size_t len);
/* "syn_sent", "established", "closing", "closed", "reset", "mid-stream";
 * NULL when not TCP. */
const char *ps_flow_tcp_state(const struct ps_flow_rec *r);
/* "addr.port" as tcpdump prints it (no port when 0 and not by 5-tuple). */
void ps_flow_endpoint(const struct ps_flow_rec *r, bool a, bool with_port, char *buf,
		      size_t len);
const char *ps_flow_end_name(enum ps_flow_end end);
/* One JSON object; 'by' PS_BY_5TUPLE for kernel conversations. */
json_t *ps_flow_json(const struct ps_flow_rec *r, const char *ifname, enum ps_agg_by by,
		     __u32 records);
/* The table: header and rows, 'human' with K/M/G units. */
void ps_flow_table_header(char *buf, size_t len, enum ps_agg_by by);
void ps_flow_table_row(char *buf, size_t len, const struct ps_agg_row *row, enum ps_agg_by by,
		       bool human, __u64 now_real_ns);

#endif
