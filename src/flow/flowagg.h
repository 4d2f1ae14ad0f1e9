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
#include "flowtab.h"

enum ps_agg_by {
	PS_BY_5TUPLE,   /* protocol, both addresses and ports */
	PS_BY_HOSTPAIR, /* both addresses, every protocol */
	PS_BY_SRC,      /* the address that started each conversation */
	PS_BY_DST,      /* the address each conversation was started to */
};

/* Each sorts by a column the table shows, the largest first. */
enum ps_agg_sort {
	PS_SORT_BYTES,   /* BYTES: both directions */
	PS_SORT_PACKETS, /* PKTS: both directions */
	PS_SORT_RATE,    /* the view's 2 s rate; -r's RATE */
	PS_SORT_AGE,     /* the oldest first: the view's AGE, -r's START */
};

int ps_agg_by_parse(const char *s, enum ps_agg_by *by);
int ps_agg_sort_parse(const char *s, enum ps_agg_sort *sort);
const char *ps_agg_by_name(enum ps_agg_by by);
const char *ps_agg_sort_name(enum ps_agg_sort sort);

/* One group: its oriented totals as a record ('a' started the earliest
 * conversation in it; a_port/b_port 0 unless by 5-tuple; proto 0 unless by
 * 5-tuple; end NONE while a conversation in it is open, else why the last
 * one ended), how many records or snapshots went in, and the view's rates. */
struct ps_agg_row {
	struct ps_flow_rec r;
	__u32 records;
	__u32 open;     /* of those, snapshots of open conversations (view) */
	double rate[PS_RATE_WINDOWS]; /* bits per second (view) */
};

struct ps_agg_grp;

struct ps_agg {
	enum ps_agg_by by;
	bool per_record; /* a row for each record added, none merged */
	struct ps_agg_grp *groups; /* uthash */
	size_t ngroups;
};

void ps_agg_init(struct ps_agg *g, enum ps_agg_by by);
/* Adds a record (or a snapshot, with its rates; NULL for none) to its
 * group. */
int ps_agg_add(struct ps_agg *g, const struct ps_flow_rec *r, const double *rate);
/* The groups, sorted (ties: the earliest first, then by endpoints, so the
 * order is the same every time); 'view': the rates are the view's, else a
 * row's rate is its mean (ps_flow_mean_rate()).  The caller frees the
 * array.  Returns the count or -errno. */
int ps_agg_rows(const struct ps_agg *g, enum ps_agg_sort sort, bool view, struct ps_agg_row **rows);
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
/* The first and last packet of a record, in either direction. */
__u64 ps_flow_first_ns(const struct ps_flow_rec *r);
__u64 ps_flow_last_ns(const struct ps_flow_rec *r);
/* A record's mean rate in bits per second, both directions: its bytes over
 * its duration, or over one second when it lasted less (see README: a
 * burst of two packets a microsecond apart is not 1.6 Mb/s). */
double ps_flow_mean_rate(const struct ps_flow_rec *r);

#endif
