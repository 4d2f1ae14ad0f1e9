// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <uthash.h>
#include "pktscope/abi.h"
#include "flowagg.h"
#include "pktline.h"

/* A group's key: the endpoints in a fixed order (x the lower), so the two
 * directions, and conversations started from either end, meet. */
struct agg_key {
	__u32 ifindex;
	__u8 ip_ver;
	__u8 proto;
	__u16 pad;
	__u8 x[16];
	__u8 y[16];
	__u16 xport;
	__u16 yport;
	__u32 pad2;
	__u64 serial;      /* per_record: the record's number */
};

struct ps_agg_grp {
	struct agg_key k;
	struct ps_flow_side xy, yx;
	__u64 earliest;    /* the earliest record's first packet */
	bool x_started;    /* and its 'a' was x */
	__u64 rtt_ns;
	__u32 records, open;
	double rate[PS_RATE_WINDOWS];
	enum ps_flow_end end;
	UT_hash_handle hh;
};

static const char *const by_names[] = { "5tuple", "hostpair", "src", "dst" };
static const char *const sort_names[] = { "bytes", "packets", "rate", "age" };

int ps_agg_by_parse(const char *s, enum ps_agg_by *by)
{
	for (size_t i = 0; i < sizeof(by_names) / sizeof(by_names[0]); i++)
		if (!strcmp(s, by_names[i])) {
			*by = i;
			return 0;
		}
	return -EINVAL;
}

int ps_agg_sort_parse(const char *s, enum ps_agg_sort *sort)
{
	for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
		if (!strcmp(s, sort_names[i])) {
			*sort = i;
			return 0;
		}
	return -EINVAL;
}

const char *ps_agg_by_name(enum ps_agg_by by)
{
	return by_names[by];
}

const char *ps_agg_sort_name(enum ps_agg_sort sort)
{
	return sort_names[sort];
}

void ps_agg_init(struct ps_agg *g, enum ps_agg_by by)
{
	memset(g, 0, sizeof(*g));
	g->by = by;
}

static void side_add(struct ps_flow_side *s, const struct ps_flow_side *r)
{
	if (!r->packets)
		return;
	if (!s->packets || r->first_ns < s->first_ns) {
		s->first_ns = r->first_ns;
		s->icmp_type = r->icmp_type;
		s->icmp_code = r->icmp_code;
	}
	if (r->last_ns > s->last_ns)
		s->last_ns = r->last_ns;
	s->packets += r->packets;
	s->bytes += r->bytes;
	s->tcp_flags |= r->tcp_flags;
}

__u64 ps_flow_first_ns(const struct ps_flow_rec *r)
{
	if (!r->ab.packets)
		return r->ba.first_ns;
	if (!r->ba.packets)
		return r->ab.first_ns;
	return r->ab.first_ns < r->ba.first_ns ? r->ab.first_ns : r->ba.first_ns;
}

__u64 ps_flow_last_ns(const struct ps_flow_rec *r)
{
	return r->ab.last_ns > r->ba.last_ns ? r->ab.last_ns : r->ba.last_ns;
}

/*
 * A rate is an average over a window.  Over a record that lasted less than
 * a second, bits over its duration extrapolate a burst to a second it never
 * lasted (two packets a microsecond apart would be gigabits per second);
 * over one second, it is what the flow carried in that second, which it
 * did.  The view's shortest window is 2 s for the same reason.
 */
double ps_flow_mean_rate(const struct ps_flow_rec *r)
{
	__u64 first = ps_flow_first_ns(r), last = ps_flow_last_ns(r);
	double secs = last > first ? (last - first) / 1e9 : 0;

	return (r->ab.bytes + r->ba.bytes) * 8.0 / (secs > 1 ? secs : 1);
}

int ps_agg_add(struct ps_agg *g, const struct ps_flow_rec *r, const double *rate)
{
	struct agg_key k = { .ifindex = r->ifindex, .ip_ver = r->ip_ver,
			     .serial = g->per_record ? g->ngroups + 1 : 0 };
	const struct ps_flow_side *from_a = &r->ab, *from_b = &r->ba;
	struct ps_agg_grp *e;
	bool a_is_x = true;
	__u64 first = ps_flow_first_ns(r);

	switch (g->by) {
	case PS_BY_5TUPLE:
		k.proto = r->proto;
		/* fallthrough */
	case PS_BY_HOSTPAIR: {
		int c = memcmp(r->a_addr, r->b_addr, 16);

		if (g->by == PS_BY_5TUPLE && !c)
			c = (int)r->a_port - (int)r->b_port;
		a_is_x = c <= 0;
		memcpy(k.x, a_is_x ? r->a_addr : r->b_addr, 16);
		memcpy(k.y, a_is_x ? r->b_addr : r->a_addr, 16);
		if (g->by == PS_BY_5TUPLE) {
			k.xport = a_is_x ? r->a_port : r->b_port;
			k.yport = a_is_x ? r->b_port : r->a_port;
		}
		break;
	}
	case PS_BY_SRC:
		memcpy(k.x, r->a_addr, 16);
		break;
	case PS_BY_DST:
		/* x is the destination: keep the sides as initiator ->
		 * responder, with the responder in y's place. */
		memcpy(k.y, r->b_addr, 16);
		break;
	}
	HASH_FIND(hh, g->groups, &k, sizeof(k), e);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->k = k;
		e->earliest = first;
		e->x_started = a_is_x;
		HASH_ADD(hh, g->groups, k, sizeof(e->k), e);
		g->ngroups++;
	} else if (first && first < e->earliest) {
		e->earliest = first;
		e->x_started = a_is_x;
	}
	side_add(&e->xy, a_is_x ? from_a : from_b);
	side_add(&e->yx, a_is_x ? from_b : from_a);
	if (!e->rtt_ns)
		e->rtt_ns = r->rtt_ns;
	e->records++;
	if (r->end == PS_FLOW_END_NONE)
		e->open++;
	else
		e->end = r->end;
	for (int w = 0; rate && w < PS_RATE_WINDOWS; w++)
		e->rate[w] += rate[w];
	return 0;
}

static void grp_row(const struct ps_agg *g, const struct ps_agg_grp *e, struct ps_agg_row *row)
{
	struct ps_flow_rec *r = &row->r;
	bool x_is_a = e->x_started || g->by == PS_BY_SRC || g->by == PS_BY_DST;

	memset(row, 0, sizeof(*row));
	r->ifindex = e->k.ifindex;
	r->ip_ver = e->k.ip_ver;
	r->proto = e->k.proto;
	memcpy(r->a_addr, x_is_a ? e->k.x : e->k.y, 16);
	memcpy(r->b_addr, x_is_a ? e->k.y : e->k.x, 16);
	r->a_port = x_is_a ? e->k.xport : e->k.yport;
	r->b_port = x_is_a ? e->k.yport : e->k.xport;
	r->ab = x_is_a ? e->xy : e->yx;
	r->ba = x_is_a ? e->yx : e->xy;
	r->rtt_ns = e->rtt_ns;
	r->end = e->open ? PS_FLOW_END_NONE : e->end;
	r->seq = e->records;
	row->records = e->records;
	row->open = e->open;
	memcpy(row->rate, e->rate, sizeof(row->rate));
}

static int cmp_desc(double a, double b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_u64(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b;
}

struct sort_key {
	enum ps_agg_sort sort;
	bool view;
};

static int cmp_rows(const void *pa, const void *pb, void *key)
{
	const struct ps_agg_row *a = pa, *b = pb;
	const struct sort_key *k = key;
	int c = 0;

	switch (k->sort) {
	case PS_SORT_PACKETS:
		c = cmp_desc(a->r.ab.packets + a->r.ba.packets, b->r.ab.packets + b->r.ba.packets);
		break;
	case PS_SORT_RATE:
		if (!k->view) {
			c = cmp_desc(ps_flow_mean_rate(&a->r), ps_flow_mean_rate(&b->r));
			break;
		}
		for (int w = 0; !c && w < PS_RATE_WINDOWS; w++)
			c = cmp_desc(a->rate[w], b->rate[w]);
		break;
	case PS_SORT_AGE:
		break; /* the first tie-break: the earliest first */
	default:
		c = cmp_desc(a->r.ab.bytes + a->r.ba.bytes, b->r.ab.bytes + b->r.ba.bytes);
		break;
	}
	/* The same order every time, whatever order the rows came in. */
	if (!c)
		c = cmp_u64(ps_flow_first_ns(&a->r), ps_flow_first_ns(&b->r));
	if (!c)
		c = memcmp(a->r.a_addr, b->r.a_addr, 16);
	if (!c)
		c = memcmp(a->r.b_addr, b->r.b_addr, 16);
	if (!c)
		c = (int)a->r.a_port - (int)b->r.a_port;
	if (!c)
		c = (int)a->r.b_port - (int)b->r.b_port;
	if (!c)
		c = (int)a->r.proto - (int)b->r.proto;
	if (!c)
		c = cmp_u64(a->r.ifindex, b->r.ifindex);
	if (!c)
		c = cmp_u64(ps_flow_last_ns(&a->r), ps_flow_last_ns(&b->r));
	return c;
}

int ps_agg_rows(const struct ps_agg *g, enum ps_agg_sort sort, bool view, struct ps_agg_row **rows)
{
	struct sort_key key = { .sort = sort, .view = view };
	const struct ps_agg_grp *e;
	size_t n = 0;

	*rows = calloc(g->ngroups ? g->ngroups : 1, sizeof(**rows));
	if (!*rows)
		return -ENOMEM;
	for (e = g->groups; e; e = e->hh.next)
		grp_row(g, e, &(*rows)[n++]);
	qsort_r(*rows, n, sizeof(**rows), cmp_rows, &key);
	return (int)n;
}

void ps_agg_clear(struct ps_agg *g)
{
	struct ps_agg_grp *e, *tmp;

	HASH_ITER(hh, g->groups, e, tmp) {
		HASH_DEL(g->groups, e);
		free(e);
	}
	g->ngroups = 0;
}

const char *ps_flow_proto_name(__u8 proto, char *buf, size_t len)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmp6";
	case 0: return "any";
	}
	snprintf(buf, len, "ip-proto-%u", proto);
	return buf;
}

const char *ps_flow_tcp_state(const struct ps_flow_rec *r)
{
	__u8 a = r->ab.tcp_flags, b = r->ba.tcp_flags;

	if (r->proto != 6)
		return NULL;
	if ((a | b) & PS_TCP_RST)
		return "reset";
	if ((a & PS_TCP_FIN) && (b & PS_TCP_FIN))
		return "closed";
	if ((a | b) & PS_TCP_FIN)
		return "closing";
	if ((a & PS_TCP_SYN) && (b & PS_TCP_SYN))
		return "established";
	if (a & PS_TCP_SYN)
		return "syn_sent";
	return "mid-stream";
}

void ps_flow_endpoint(const struct ps_flow_rec *r, bool a, bool with_port, char *buf,
		      size_t len)
{
	const __u8 *addr = a ? r->a_addr : r->b_addr;
	static const __u8 none[16];
	char s[INET6_ADDRSTRLEN];
	__u16 port = a ? r->a_port : r->b_port;

	if (!with_port && !memcmp(addr, none, 16)) {
		snprintf(buf, len, "*"); /* --by src/dst: the other side is any */
		return;
	}
	inet_ntop(r->ip_ver == 6 ? AF_INET6 : AF_INET, addr, s, sizeof(s));
	if (with_port && (port || r->proto == 6 || r->proto == 17))
		snprintf(buf, len, "%s.%u", s, port);
	else
		snprintf(buf, len, "%s", s);
}

const char *ps_flow_end_name(enum ps_flow_end end)
{
	switch (end) {
	case PS_FLOW_END_IDLE: return "idle";
	case PS_FLOW_END_ACTIVE: return "active";
	case PS_FLOW_END_TCP: return "tcp_end";
	case PS_FLOW_END_FORCED: return "forced";
	default: return "none";
	}
}

static json_t *side_json(const struct ps_flow_rec *r, const struct ps_flow_side *s)
{
	json_t *o = json_pack("{s:I,s:I}", "packets", (json_int_t)s->packets, "bytes",
			      (json_int_t)s->bytes);

	if (r->proto == 6 && s->packets) {
		/* One letter per flag, in header bit order from FIN up (as
		 * flow tools print them): "SA" is a SYN-ACK, "" none. */
		static const char letters[] = "FSRPAUEC";
		char fl[9];
		int n = 0;

		for (int i = 0; i < 8; i++)
			if (s->tcp_flags & (1u << i))
				fl[n++] = letters[i];
		fl[n] = '\0';
		json_object_set_new(o, "tcp_flags", json_string(fl));
	} else if ((r->proto == 1 || r->proto == 58) && s->packets) {
		json_object_set_new(o, "icmp_type", json_integer(s->icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(s->icmp_code));
	}
	if (s->packets) {
		json_object_set_new(o, "first_ns", json_integer((json_int_t)s->first_ns));
		json_object_set_new(o, "last_ns", json_integer((json_int_t)s->last_ns));
	}
	return o;
}

static json_t *end_json(const struct ps_flow_rec *r, bool a, bool ports)
{
	char s[INET6_ADDRSTRLEN] = "";
	const __u8 *addr = a ? r->a_addr : r->b_addr;
	static const __u8 none[16];
	json_t *o = json_object();

	if (ports || memcmp(addr, none, 16)) {
		inet_ntop(r->ip_ver == 6 ? AF_INET6 : AF_INET, addr, s, sizeof(s));
		json_object_set_new(o, "addr", json_string(s));
	}
	if (ports && r->proto != 1 && r->proto != 58)
		json_object_set_new(o, "port", json_integer(a ? r->a_port : r->b_port));
	return o;
}

json_t *ps_flow_json(const struct ps_flow_rec *r, const char *ifname, enum ps_agg_by by,
		     __u32 records)
{
	__u64 first = ps_flow_first_ns(r);
	__u64 last = ps_flow_last_ns(r);
	char f[48], l[48], pb[24];
	const char *state = ps_flow_tcp_state(r);
	json_t *o;

	ps_iso_time(first, f, sizeof(f));
	ps_iso_time(last, l, sizeof(l));
	o = json_pack("{s:s,s:s,s:i,s:i}", "type", "flow", "interface", ifname ? ifname : "",
		      "ifindex", (int)r->ifindex, "ip_version", r->ip_ver);
	if (by == PS_BY_5TUPLE) {
		json_object_set_new(o, "protocol",
				    json_string(ps_flow_proto_name(r->proto, pb, sizeof(pb))));
		json_object_set_new(o, "proto", json_integer(r->proto));
	} else {
		json_object_set_new(o, "by", json_string(ps_agg_by_name(by)));
		json_object_set_new(o, "protocol", json_string("any"));
	}
	json_object_set_new(o, "a", end_json(r, true, by == PS_BY_5TUPLE));
	json_object_set_new(o, "b", end_json(r, false, by == PS_BY_5TUPLE));
	json_object_set_new(o, "a_to_b", side_json(r, &r->ab));
	json_object_set_new(o, "b_to_a", side_json(r, &r->ba));
	json_object_set_new(o, "first_seen", json_string(f));
	json_object_set_new(o, "last_seen", json_string(l));
	json_object_set_new(o, "duration_s", json_real(last >= first ? (last - first) / 1e9 : 0));
	if (state && by == PS_BY_5TUPLE)
		json_object_set_new(o, "tcp_state", json_string(state));
	if (r->rtt_ns && by == PS_BY_5TUPLE)
		json_object_set_new(o, "rtt_us", json_real(r->rtt_ns / 1e3));
	if (r->end != PS_FLOW_END_NONE)
		json_object_set_new(o, "end_reason", json_string(ps_flow_end_name(r->end)));
	if (by == PS_BY_5TUPLE && !records)
		json_object_set_new(o, "record", json_integer(r->seq));
	else
		json_object_set_new(o, "records", json_integer(records));
	return o;
}
