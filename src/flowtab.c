// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <uthash.h>
#include "flowtab.h"
#include "log.h"

/* One conversation as user space knows it. */
struct ps_conv {
	struct ps_flow_key key;
	int map;                 /* index into fds */
	int a;                   /* the kernel direction whose sender is 'a' */
	__u32 seq;               /* records written */
	__u64 gen;               /* last sweep that saw it */
	struct ps_flow_val cur;  /* the kernel's totals, summed over CPUs */
	struct ps_flow_dir base[2]; /* the totals the last record reached */
	__u64 rec_start;         /* flow clock: where the current record began */
	/* For the view's rates. */
	__u64 prev_packets, prev_bytes, prev_ns;
	double bps, pps;
	UT_hash_handle hh;
};

#define PS_BATCH 4096

int ps_flowtab_init(struct ps_flowtab *t, const struct ps_flowtab_opts *o)
{
	memset(t, 0, sizeof(*t));
	t->o = *o;
	t->ncpu = libbpf_num_possible_cpus();
	if (t->ncpu <= 0)
		return t->ncpu < 0 ? t->ncpu : -EINVAL;
	/* Per-CPU values come back one per possible CPU, each rounded up to
	 * 8 bytes. */
	t->stride = (sizeof(struct ps_flow_val) + 7) & ~(size_t)7;
	t->batch = PS_BATCH;
	t->keys = calloc(t->batch, sizeof(struct ps_flow_key));
	t->vals = calloc((size_t)t->batch * t->ncpu, t->stride);
	t->one = calloc(t->ncpu, t->stride);
	if (!t->keys || !t->vals || !t->one) {
		ps_flowtab_free(t);
		return -ENOMEM;
	}
	return 0;
}

int ps_flowtab_add_map(struct ps_flowtab *t, int map_fd)
{
	if (t->nfds == (int)(sizeof(t->fds) / sizeof(t->fds[0])))
		return -E2BIG;
	t->fds[t->nfds++] = map_fd;
	return 0;
}

static __u64 min_set(__u64 a, __u64 b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* Sums the per-CPU parts of one entry: counts add up, first times are the
 * earliest any CPU saw, last times the latest. */
static void merge(const struct ps_flowtab *t, const void *percpu, struct ps_flow_val *m)
{
	memset(m, 0, sizeof(*m));
	for (int cpu = 0; cpu < t->ncpu; cpu++) {
		const struct ps_flow_val *v = (const void *)((const char *)percpu + cpu * t->stride);

		for (int d = 0; d < 2; d++) {
			const struct ps_flow_dir *s = &v->d[d];
			struct ps_flow_dir *o = &m->d[d];

			if (!s->packets)
				continue;
			if (!o->packets || s->first_ns < o->first_ns) {
				o->icmp_type = s->icmp_type;
				o->icmp_code = s->icmp_code;
			}
			o->first_ns = min_set(o->first_ns, s->first_ns);
			o->packets += s->packets;
			o->bytes += s->bytes;
			if (s->last_ns > o->last_ns)
				o->last_ns = s->last_ns;
			o->syn_ns = min_set(o->syn_ns, s->syn_ns);
			o->ack_ns = min_set(o->ack_ns, s->ack_ns);
			o->tcp_flags |= s->tcp_flags;
		}
	}
}

/* Which kernel direction started the conversation: the one that sent the
 * first SYN, else the one whose first packet came first. */
static int initiator(const struct ps_flow_key *k, const struct ps_flow_val *v)
{
	const struct ps_flow_dir *d = v->d;

	if (k->proto == 6 && (d[0].syn_ns || d[1].syn_ns))
		return d[1].syn_ns && (!d[0].syn_ns || d[1].syn_ns < d[0].syn_ns);
	if (!d[0].packets)
		return 1;
	return d[1].packets && d[1].first_ns < d[0].first_ns;
}

static bool tcp_ended(const struct ps_conv *c)
{
	__u8 f0 = c->cur.d[0].tcp_flags, f1 = c->cur.d[1].tcp_flags;

	return c->key.proto == 6 &&
	       (((f0 | f1) & PS_TCP_RST) || ((f0 & PS_TCP_FIN) && (f1 & PS_TCP_FIN)));
}

static __u64 last_seen(const struct ps_flow_val *v)
{
	return v->d[0].last_ns > v->d[1].last_ns ? v->d[0].last_ns : v->d[1].last_ns;
}

/* SYN, SYN-ACK, then the ACK of the SYN-ACK, as tshark's iRTT: from the
 * client's SYN to its ACK, with the server's SYN in between. */
static __u64 handshake_rtt(const struct ps_conv *c)
{
	const struct ps_flow_dir *cl = &c->cur.d[c->a], *sv = &c->cur.d[!c->a];

	if (c->key.proto != 6 || !cl->syn_ns || !sv->syn_ns || !cl->ack_ns)
		return 0;
	if (sv->syn_ns < cl->syn_ns || cl->ack_ns < sv->syn_ns)
		return 0;
	return cl->ack_ns - cl->syn_ns;
}

static void fill_side(const struct ps_flowtab *t, const struct ps_conv *c, int d,
		      const struct ps_flow_dir *base, struct ps_flow_side *s)
{
	const struct ps_flow_dir *cur = &c->cur.d[d];
	__u64 first;

	memset(s, 0, sizeof(*s));
	s->packets = cur->packets - base->packets;
	s->bytes = cur->bytes - base->bytes;
	s->tcp_flags = cur->tcp_flags;
	s->icmp_type = cur->icmp_type;
	s->icmp_code = cur->icmp_code;
	if (!s->packets)
		return;
	/* A continued record's first packet came after the sweep that wrote
	 * the previous one: that sweep's time is the earliest it can be. */
	first = base->packets ? c->rec_start : cur->first_ns;
	if (first > cur->last_ns)
		first = cur->last_ns;
	s->first_ns = first + t->o.clock_to_real_ns;
	s->last_ns = cur->last_ns + t->o.clock_to_real_ns;
}

static void fill_rec(const struct ps_flowtab *t, const struct ps_conv *c,
		     const struct ps_flow_dir base[2], enum ps_flow_end end,
		     struct ps_flow_rec *r)
{
	const struct ps_flow_key *k = &c->key;
	int a = c->a;

	memset(r, 0, sizeof(*r));
	r->ifindex = k->ifindex;
	r->ip_ver = k->ip_ver;
	r->proto = k->proto;
	memcpy(r->a_addr, k->addr[a], 16);
	memcpy(r->b_addr, k->addr[!a], 16);
	/* ICMP keys hold type and code, not ports. */
	if (k->proto != 1 && k->proto != 58) {
		r->a_port = ntohs(k->port[a]);
		r->b_port = ntohs(k->port[!a]);
	}
	fill_side(t, c, a, &base[a], &r->ab);
	fill_side(t, c, !a, &base[!a], &r->ba);
	r->rtt_ns = handshake_rtt(c);
	r->end = end;
	r->seq = c->seq;
}

static bool has_news(const struct ps_conv *c)
{
	return c->cur.d[0].packets != c->base[0].packets ||
	       c->cur.d[1].packets != c->base[1].packets;
}

/* Writes the conversation's record for what it gained since the last one. */
static void emit(struct ps_flowtab *t, struct ps_conv *c, enum ps_flow_end end, __u64 now,
		 ps_flow_rec_fn fn, void *ctx)
{
	struct ps_flow_rec r;

	if (!has_news(c))
		return;
	c->seq++;
	fill_rec(t, c, c->base, end, &r);
	fn(ctx, &r);
	t->records++;
	c->base[0] = c->cur.d[0];
	c->base[1] = c->cur.d[1];
	c->rec_start = now;
}

static void forget(struct ps_flowtab *t, struct ps_conv *c)
{
	HASH_DEL(t->convs, c);
	free(c);
	t->nconvs--;
}

/* Removes an ended flow from the kernel and takes its final totals: what
 * arrived between the read and the removal is in them, not lost. */
static void evict(struct ps_flowtab *t, struct ps_conv *c)
{
	if (!bpf_map_lookup_and_delete_elem(t->fds[c->map], &c->key, t->one))
		merge(t, t->one, &c->cur);
	t->evicted++;
}

static struct ps_conv *find_or_add(struct ps_flowtab *t, const struct ps_flow_key *k, int map,
				   const struct ps_flow_val *v)
{
	struct ps_conv *c;

	HASH_FIND(hh, t->convs, k, sizeof(*k), c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = *k;
	c->map = map;
	/* Fixed at first sight, so every record of the flow is the same way
	 * round. */
	c->a = initiator(k, v);
	c->rec_start = min_set(v->d[0].first_ns, v->d[1].first_ns);
	HASH_ADD(hh, t->convs, key, sizeof(c->key), c);
	t->nconvs++;
	return c;
}

static void update_rate(struct ps_conv *c, __u64 now)
{
	__u64 p = c->cur.d[0].packets + c->cur.d[1].packets;
	__u64 b = c->cur.d[0].bytes + c->cur.d[1].bytes;

	if (c->prev_ns && now > c->prev_ns) {
		double dt = (now - c->prev_ns) / 1e9;

		c->pps = (p - c->prev_packets) / dt;
		c->bps = (b - c->prev_bytes) * 8.0 / dt;
	}
	c->prev_packets = p;
	c->prev_bytes = b;
	c->prev_ns = now;
}

static int read_map(struct ps_flowtab *t, int map)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 in = 0, out = 0, count;
	bool first = true;
	int err;

	for (;;) {
		count = t->batch;
		err = bpf_map_lookup_batch(t->fds[map], first ? NULL : &in, &out, t->keys, t->vals,
					   &count, &opts);
		if (err && errno != ENOENT)
			return -errno;
		for (__u32 i = 0; i < count; i++) {
			const struct ps_flow_key *k = (struct ps_flow_key *)t->keys + i;
			struct ps_flow_val m;
			struct ps_conv *c;

			merge(t, (char *)t->vals + (size_t)i * t->ncpu * t->stride, &m);
			c = find_or_add(t, k, map, &m);
			if (!c)
				return -ENOMEM;
			c->cur = m;
			c->gen = t->gen;
		}
		if (err) /* ENOENT: that was the last bucket */
			return 0;
		in = out;
		first = false;
	}
}

int ps_flowtab_sweep(struct ps_flowtab *t, __u64 now, bool flush, ps_flow_rec_fn fn, void *ctx)
{
	struct ps_conv *c, *tmp;
	int err;

	t->gen++;
	for (int i = 0; i < t->nfds; i++) {
		err = read_map(t, i);
		if (err) {
			/* Nothing is decided on a partial read: the next sweep
			 * reads it all again. */
			t->read_errors++;
			return err;
		}
	}
	HASH_ITER(hh, t->convs, c, tmp) {
		__u64 last = last_seen(&c->cur);

		if (c->gen != t->gen) {
			/* Gone from the kernel without us: nothing to write
			 * (it had no packets beyond what was written). */
			forget(t, c);
			continue;
		}
		update_rate(c, now);
		if (flush) {
			emit(t, c, PS_FLOW_END_FORCED, now, fn, ctx);
		} else if (tcp_ended(c) && now >= last + t->o.linger_ns) {
			evict(t, c);
			emit(t, c, PS_FLOW_END_TCP, now, fn, ctx);
			forget(t, c);
		} else if (now >= last + t->o.idle_ns) {
			evict(t, c);
			emit(t, c, PS_FLOW_END_IDLE, now, fn, ctx);
			forget(t, c);
		} else if (t->o.active_ns && now >= c->rec_start + t->o.active_ns) {
			emit(t, c, PS_FLOW_END_ACTIVE, now, fn, ctx);
			c->rec_start = now;
		}
	}
	t->last_sweep = now;
	return 0;
}

void ps_flowtab_foreach(const struct ps_flowtab *t, ps_flow_snap_fn fn, void *ctx)
{
	static const struct ps_flow_dir zero[2];
	const struct ps_conv *c;
	struct ps_flow_snap s;

	for (c = t->convs; c; c = c->hh.next) {
		fill_rec(t, c, zero, PS_FLOW_END_NONE, &s.total);
		s.total.seq = c->seq;
		s.bps = c->bps;
		s.pps = c->pps;
		fn(ctx, &s);
	}
}

size_t ps_flowtab_conv_bytes(void)
{
	/* The entry, and at most one uthash bucket (it keeps fewer buckets
	 * than entries: it grows them when chains pass ten). */
	return sizeof(struct ps_conv) + sizeof(UT_hash_bucket);
}

size_t ps_flowtab_user_bytes(const struct ps_flowtab *t)
{
	return t->nconvs * ps_flowtab_conv_bytes() +
	       (size_t)t->batch * (sizeof(struct ps_flow_key) + t->ncpu * t->stride) +
	       t->ncpu * t->stride;
}

void ps_flowtab_free(struct ps_flowtab *t)
{
	struct ps_conv *c, *tmp;

	HASH_ITER(hh, t->convs, c, tmp) {
		HASH_DEL(t->convs, c);
		free(c);
	}
	free(t->keys);
	free(t->vals);
	free(t->one);
	t->keys = t->vals = t->one = NULL;
	t->nconvs = 0;
}

__u64 ps_map_kernel_bytes(int map_fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", map_fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}
