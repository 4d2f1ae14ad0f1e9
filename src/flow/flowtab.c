// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <uthash.h>
#include "flowtab.h"
#include "log.h"

/* One conversation as user space knows it.  The hash handle and the key
 * come first: a lookup that walks past an entry touches one cache line of
 * it, and the one it finds has its key and cur in its first four. */
struct ps_conv {
	UT_hash_handle hh;
	struct ps_flow_key key;
	int map;                 /* index into fds */
	int a;                   /* the kernel direction whose sender is 'a' */
	__u32 seq;               /* records written */
	struct ps_flow_val cur;  /* the kernel's totals */
	struct ps_flow_dir base[2]; /* the totals the last record reached */
	__u64 rec_start;         /* flow clock: where the current record began */
	/* The current record's own first packet and flags, per direction,
	 * gathered from every read whose epoch is not older than the last
	 * record's (export_epoch). */
	__u64 pend_first[2];
	__u8 pend_flags[2];
	__u32 export_epoch;
	bool excluded;           /* ps_flowtab_exclude(): never written */
	struct ps_conv_view *v;  /* with opts.view, else NULL */
};

/* What only the view needs: kept apart, so that without the view a
 * conversation costs none of it. */
struct ps_conv_view {
	/* Its bytes (both directions, since it began) at checkpoint n, in
	 * slot n % PS_RATE_SLOTS.  A slot of a checkpoint from before it
	 * began has never been written (those of the last PS_RATE_SLOTS
	 * checkpoints are only written at them): 0, as it was then. */
	__u64 hist[PS_RATE_SLOTS];
	double rate[PS_RATE_WINDOWS];
	/* Once it ended: when, why, and the next in t->ended. */
	__u64 ended_ns;
	enum ps_flow_end end;
	struct ps_conv *next;
};

/*
 * uthash makes a table of 32 buckets and doubles it only when a chain
 * reaches ten entries: with 100,000 conversations that left about three a
 * bucket, and a lookup walked a chain of cache misses (a third of a sweep's
 * time in perf).  The table is made with a bucket for every kernel entry
 * instead (t->buckets_log2, set by ps_flowtab_add_map()), so chains stay
 * near one.  These macros are read where HASH_ADD makes the table, in
 * find_or_add(), which has 't'.
 */
#undef HASH_INITIAL_NUM_BUCKETS
#undef HASH_INITIAL_NUM_BUCKETS_LOG2
#define HASH_INITIAL_NUM_BUCKETS (1U << t->buckets_log2)
#define HASH_INITIAL_NUM_BUCKETS_LOG2 (t->buckets_log2)
#define PS_BUCKETS_LOG2_MIN 5  /* uthash's own */
#define PS_BUCKETS_LOG2_MAX 22 /* 4 M buckets, 64 MiB */

/* Snapshot entries hashed ahead of their lookups at a time. */
#define PS_CHUNK 4096
/* How far ahead of its lookup an entry's hash bucket, then the bucket's
 * first conversation, are prefetched (see read_map()). */
#define PS_PREFETCH_BUCKET 16
#define PS_PREFETCH_CONV 8

/* A deadline: a time plus a timeout, saturating instead of wrapping (a
 * capture's clock can be anywhere in the __u64 range). */
static __u64 sat_add(__u64 a, __u64 b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int ps_flowtab_init(struct ps_flowtab *t, const struct ps_flowtab_opts *o)
{
	memset(t, 0, sizeof(*t));
	t->o = *o;
	/* Checkpoint 0: the table is empty when counting starts. */
	t->ck_ns[0] = o->start_ns;
	t->nck = 1;
	t->buckets_log2 = PS_BUCKETS_LOG2_MIN;
	t->hashes = calloc(PS_CHUNK, sizeof(*t->hashes));
	return t->hashes ? 0 : -ENOMEM;
}

int ps_flowtab_add_map(struct ps_flowtab *t, const struct ps_flow_source *src)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	void *m;

	if (t->nsrc == PS_FLOWTAB_MAPS)
		return -E2BIG;
	/* An mmapable array's entries are 8-byte aligned, back to back. */
	_Static_assert(sizeof(struct ps_flow_snaprec) % 8 == 0, "snapshot stride");
	len = (size_t)src->max_entries * sizeof(struct ps_flow_snaprec);
	len = (len + page - 1) / page * page;
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, src->snap_fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	t->src[t->nsrc] = *src;
	t->snap[t->nsrc] = m;
	t->snap_len[t->nsrc] = len;
	t->nsrc++;
	t->max_entries += src->max_entries;
	while (t->buckets_log2 < PS_BUCKETS_LOG2_MAX &&
	       (1ULL << t->buckets_log2) < t->max_entries)
		t->buckets_log2++;
	return 0;
}

static bool excl_match(const struct ps_flow_excl *e, const struct ps_flow_key *k)
{
	if (k->proto != e->proto || k->ip_ver != e->ip_ver)
		return false;
	for (int s = 0; s < 2; s++)
		if (!memcmp(k->addr[0], e->addr[s], 16) && !memcmp(k->addr[1], e->addr[!s], 16) &&
		    ntohs(k->port[0]) == e->port[s] && ntohs(k->port[1]) == e->port[!s])
			return true;
	return false;
}

static bool excluded(const struct ps_flowtab *t, const struct ps_flow_key *k)
{
	for (int i = 0; i < t->nexcl; i++)
		if (excl_match(&t->excl[i], k))
			return true;
	return false;
}

int ps_flowtab_exclude(struct ps_flowtab *t, const struct ps_flow_excl *e)
{
	struct ps_conv *c;

	if (t->nexcl == (int)(sizeof(t->excl) / sizeof(t->excl[0])))
		return -E2BIG;
	t->excl[t->nexcl++] = *e;
	for (c = t->convs; c; c = c->hh.next)
		if (!c->excluded && excl_match(e, &c->key)) {
			c->excluded = true;
			free(c->v);
			c->v = NULL;
		}
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

/* Gathers the current record's first packet and flags: a direction whose
 * epoch is the last record's or later holds only packets after it (the
 * epoch moves on right after the read that wrote it).  min and OR: reading
 * the same values twice changes nothing. */
static void gather(const struct ps_flow_val *v, struct ps_conv *c)
{
	for (int d = 0; d < 2; d++) {
		const struct ps_flow_dir *s = &v->d[d];

		if (!s->packets || s->epoch < c->export_epoch)
			continue;
		c->pend_first[d] = min_set(c->pend_first[d], s->rec_first_ns);
		c->pend_flags[d] |= s->rec_flags;
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
	bool continued = base->packets != 0;
	__u64 first;

	memset(s, 0, sizeof(*s));
	s->packets = cur->packets - base->packets;
	s->bytes = cur->bytes - base->bytes;
	s->tcp_flags = continued ? c->pend_flags[d] : cur->tcp_flags;
	s->icmp_type = cur->icmp_type;
	s->icmp_code = cur->icmp_code;
	if (!s->packets)
		return;
	/* A continued record's first packet: the earliest the kernel saw
	 * after the read that wrote the previous record. */
	first = continued && c->pend_first[d] ? c->pend_first[d] : cur->first_ns;
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

/* An excluded conversation's record: only counted. */
static void count_excluded(struct ps_flowtab *t, struct ps_conv *c)
{
	for (int d = 0; d < 2; d++) {
		t->excl_packets += c->cur.d[d].packets - c->base[d].packets;
		t->excl_bytes += c->cur.d[d].bytes - c->base[d].bytes;
	}
}

/* Writes the conversation's record for what it gained since the last one. */
static void emit(struct ps_flowtab *t, struct ps_conv *c, enum ps_flow_end end, __u64 now,
		 ps_flow_rec_fn fn, void *ctx)
{
	struct ps_flow_rec r;

	if (!has_news(c))
		return;
	c->seq++;
	if (c->excluded) {
		count_excluded(t, c);
		t->excl_records++;
	} else {
		fill_rec(t, c, c->base, end, &r);
		fn(ctx, &r);
		t->records++;
	}
	c->base[0] = c->cur.d[0];
	c->base[1] = c->cur.d[1];
	c->rec_start = now;
	memset(c->pend_first, 0, sizeof(c->pend_first));
	memset(c->pend_flags, 0, sizeof(c->pend_flags));
	/* Packets from now on carry the epoch this sweep moves to. */
	c->export_epoch = t->gen;
}

/* The current record's first packet: the active timeout runs from it. */
static __u64 record_start(const struct ps_conv *c)
{
	__u64 first = min_set(c->pend_first[0], c->pend_first[1]);

	if (!c->seq || !first)
		return c->rec_start;
	return first;
}

static void conv_free(struct ps_conv *c)
{
	free(c->v);
	free(c);
}

/* An ended conversation leaves the table; the view holds it a while
 * longer, apart (a new conversation may take its key). */
static void retire(struct ps_flowtab *t, struct ps_conv *c, enum ps_flow_end end, __u64 now)
{
	HASH_DEL(t->convs, c);
	t->nconvs--;
	if (!c->v) {
		conv_free(c);
		return;
	}
	/* Held for the eye only (its records are written): at most as many
	 * as the kernel tables hold, so a scan of short flows cannot make
	 * the held ones grow without bound; the oldest go first. */
	if (t->nended >= t->max_entries && t->ended) {
		struct ps_conv *old = t->ended;

		t->ended = old->v->next;
		if (!t->ended)
			t->ended_tail = NULL;
		t->nended--;
		conv_free(old);
	}
	c->v->ended_ns = now;
	c->v->end = end;
	c->v->next = NULL;
	if (t->ended_tail)
		t->ended_tail->v->next = c;
	else
		t->ended = c;
	t->ended_tail = c;
	t->nended++;
}

/* Removes an ended flow from the kernel and takes its final totals: what
 * arrived between the read and the removal is in them, not lost. */
static void remove_ended(struct ps_flowtab *t, struct ps_conv *c)
{
	struct ps_flow_val v;

	if (!bpf_map_lookup_and_delete_elem(t->src[c->map].map_fd, &c->key, &v)) {
		c->cur = v;
		gather(&v, c);
	}
}

/* hv: the key's uthash hash (HASH_VALUE). */
static struct ps_conv *find_or_add(struct ps_flowtab *t, const struct ps_flow_key *k, unsigned hv,
				   int map, const struct ps_flow_val *v)
{
	struct ps_conv *c;

	HASH_FIND_BYHASHVALUE(hh, t->convs, k, sizeof(*k), hv, c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = *k;
	c->map = map;
	c->excluded = excluded(t, k);
	if (t->o.view && !c->excluded) {
		c->v = calloc(1, sizeof(*c->v));
		if (!c->v) {
			free(c);
			return NULL;
		}
	}
	/* Fixed at first sight, so every record of the flow is the same way
	 * round. */
	c->a = initiator(k, v);
	c->rec_start = min_set(v->d[0].first_ns, v->d[1].first_ns);
	HASH_ADD_BYHASHVALUE(hh, t->convs, key, sizeof(c->key), hv, c);
	t->nconvs++;
	return c;
}

/*
 * The view's rates.  A checkpoint is taken at a sweep at least
 * PS_RATE_RES_NS after the previous one; each window's rate is the bytes
 * since the checkpoint whose age is nearest the window, over that age: the
 * average over the last 2, 10 or 40 s, as near as sweeps fall (with
 * --interval above 2 s the 2 s rate is the last interval's).  Before 40 s
 * have passed, the oldest checkpoint is the start, when every count was 0.
 */
static bool checkpoint(struct ps_flowtab *t, __u64 now)
{
	__u64 last = t->ck_ns[(t->nck - 1) % PS_RATE_SLOTS];

	if (now <= last || now < sat_add(last, PS_RATE_RES_NS))
		return false;
	t->ck_ns[t->nck % PS_RATE_SLOTS] = now;
	t->nck++;
	return true;
}

static void pick_windows(struct ps_flowtab *t, __u64 now)
{
	static const __u64 win[PS_RATE_WINDOWS] = { 2000000000ULL, 10000000000ULL,
						     40000000000ULL };
	__u64 oldest = t->nck > PS_RATE_SLOTS ? t->nck - PS_RATE_SLOTS : 0;

	for (int w = 0; w < PS_RATE_WINDOWS; w++) {
		__u64 best = 0, best_d = UINT64_MAX;

		t->win_span_ns[w] = 0;
		/* Oldest first, and only a nearer one replaces it: a tie goes
		 * to the longer span. */
		for (__u64 j = oldest; j < t->nck; j++) {
			__u64 ck = t->ck_ns[j % PS_RATE_SLOTS], age, d;

			if (ck >= now)
				continue;
			age = now - ck;
			d = age > win[w] ? age - win[w] : win[w] - age;
			if (d < best_d) {
				best_d = d;
				best = j;
				t->win_span_ns[w] = age;
			}
		}
		t->win_ck[w] = best;
	}
}

static void view_update(const struct ps_flowtab *t, struct ps_conv *c, bool took)
{
	struct ps_conv_view *v = c->v;
	__u64 bytes = c->cur.d[0].bytes + c->cur.d[1].bytes;

	if (took)
		v->hist[(t->nck - 1) % PS_RATE_SLOTS] = bytes;
	for (int w = 0; w < PS_RATE_WINDOWS; w++) {
		__u64 j = t->win_ck[w];
		__u64 then = v->hist[j % PS_RATE_SLOTS];

		v->rate[w] = t->win_span_ns[w] && bytes >= then ?
			     (bytes - then) * 8e9 / t->win_span_ns[w] : 0;
	}
}

/* The ended conversations the view holds: rates on, and gone once held
 * hold_ns (oldest first: they are in the order they ended). */
static void view_ended(struct ps_flowtab *t, __u64 now, bool took)
{
	struct ps_conv *c;

	while ((c = t->ended) && now >= sat_add(c->v->ended_ns, t->o.hold_ns)) {
		t->ended = c->v->next;
		if (!t->ended)
			t->ended_tail = NULL;
		t->nended--;
		conv_free(c);
	}
	for (c = t->ended; c; c = c->v->next)
		view_update(t, c, took);
}

/* Prefetches the bucket a hash falls in or, with 'conv', the first
 * conversation in that bucket.  Only a hint: the table may grow before the
 * lookup, and a prefetch of a stale address does no harm.  Always inlined:
 * gcc takes a function that only prefetches for one without effect, and
 * drops its calls. */
static inline __attribute__((always_inline)) void prefetch_hash(const struct ps_flowtab *t,
								 unsigned hv, bool conv)
{
	const UT_hash_table *tbl;
	unsigned b;

	if (!t->convs)
		return;
	tbl = t->convs->hh.tbl;
	HASH_TO_BKT(hv, tbl->num_buckets, b);
	if (!conv)
		__builtin_prefetch(&tbl->buckets[b]);
	else if (tbl->buckets[b].hh_head)
		__builtin_prefetch(tbl->buckets[b].hh_head);
}

/* Snapshots one table in the kernel: one system call for all of it. */
static int dump_map(struct ps_flowtab *t, int map, __u32 *count)
{
	const struct ps_flow_source *src = &t->src[map];
	static const __u8 frame[64]; /* XDP test runs want an Ethernet header */
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = sizeof(frame));

	/* Changed since the previous read (epoch gen - 1 from then on) or
	 * during it (gen - 2); everything on the first read and after a
	 * failed one. */
	*src->since = t->gen > 2 && !t->reread ? (__u32)(t->gen - 2) : 0;
	if (bpf_prog_test_run_opts(src->dump_fd, &opts))
		return -errno;
	if (*src->full || *src->count > src->max_entries)
		return -EOVERFLOW;
	*count = *src->count;
	return 0;
}

/*
 * With many flows the conversations outgrow the cache (100,000 of them
 * take about 46 MB), and each lookup is a few cache misses: the bucket,
 * then every conversation in its chain.  The lookups do not depend on each
 * other, so a chunk of the snapshot is hashed first and each lookup's
 * bucket and first conversation are fetched a few entries ahead: the misses
 * overlap instead of following one another.  With 100,000 flows this
 * halved the user-space time of a sweep (docs/BENCHMARKS.md, "pktscope
 * flows: CPU and memory").
 */
static int read_map(struct ps_flowtab *t, int map)
{
	const struct ps_flow_snaprec *snap = t->snap[map];
	__u32 count = 0;
	int err;

	err = dump_map(t, map, &count);
	if (err)
		return err;
	t->read_entries += count;
	for (__u32 at = 0; at < count; at += PS_CHUNK) {
		const struct ps_flow_snaprec *r = snap + at;
		__u32 n = count - at < PS_CHUNK ? count - at : PS_CHUNK;

		for (__u32 i = 0; i < n; i++)
			HASH_VALUE(&r[i].key, sizeof(r[i].key), t->hashes[i]);
		for (__u32 i = 0; i < n; i++) {
			struct ps_conv *c;

			if (i + PS_PREFETCH_BUCKET < n)
				prefetch_hash(t, t->hashes[i + PS_PREFETCH_BUCKET], false);
			if (i + PS_PREFETCH_CONV < n)
				prefetch_hash(t, t->hashes[i + PS_PREFETCH_CONV], true);
			c = find_or_add(t, &r[i].key, t->hashes[i], map, &r[i].val);
			if (!c)
				return -ENOMEM;
			c->cur = r[i].val;
			gather(&r[i].val, c);
		}
	}
	return 0;
}

int ps_flowtab_sweep(struct ps_flowtab *t, __u64 now, bool flush, ps_flow_rec_fn fn, void *ctx)
{
	struct ps_conv *c, *tmp;
	bool took = false;
	int err;

	t->gen++;
	for (int i = 0; i < t->nsrc; i++) {
		err = read_map(t, i);
		if (err) {
			/* Nothing is decided on a partial read: the next sweep
			 * reads it all again. */
			t->read_errors++;
			t->reread = true;
			return err;
		}
	}
	t->reread = false;
	/* Right after the read: what the kernel adds from now on is told
	 * apart from what this sweep saw. */
	for (int i = 0; i < t->nsrc; i++)
		*t->src[i].epoch = (__u32)t->gen;
	if (t->o.view) {
		took = checkpoint(t, now);
		pick_windows(t, now);
	}
	/* A conversation the snapshot left out has had no packet since the
	 * previous read: its totals stand. */
	HASH_ITER(hh, t->convs, c, tmp) {
		__u64 last = last_seen(&c->cur);

		if (flush) {
			emit(t, c, PS_FLOW_END_FORCED, now, fn, ctx);
		} else if (tcp_ended(c) && now >= sat_add(last, t->o.linger_ns)) {
			remove_ended(t, c);
			emit(t, c, PS_FLOW_END_TCP, now, fn, ctx);
			t->ended_tcp++;
			retire(t, c, PS_FLOW_END_TCP, now);
			continue;
		} else if (now >= sat_add(last, t->o.idle_ns)) {
			remove_ended(t, c);
			emit(t, c, PS_FLOW_END_IDLE, now, fn, ctx);
			t->ended_idle++;
			retire(t, c, PS_FLOW_END_IDLE, now);
			continue;
		} else if (t->o.active_ns && now >= sat_add(record_start(c), t->o.active_ns)) {
			emit(t, c, PS_FLOW_END_ACTIVE, now, fn, ctx);
			c->rec_start = now;
		}
		if (c->v)
			view_update(t, c, took);
	}
	if (t->o.view)
		view_ended(t, now, took);
	return 0;
}

int ps_flowtab_settle_excluded(struct ps_flowtab *t)
{
	struct ps_conv *c;
	int err = 0;

	for (c = t->convs; c; c = c->hh.next) {
		struct ps_flow_val v;

		if (!c->excluded)
			continue;
		if (bpf_map_lookup_elem(t->src[c->map].map_fd, &c->key, &v)) {
			if (errno != ENOENT)
				err = -errno;
			continue;
		}
		c->cur = v;
		count_excluded(t, c);
		c->base[0] = v.d[0];
		c->base[1] = v.d[1];
	}
	return err;
}

static void snap_of(const struct ps_flowtab *t, const struct ps_conv *c, ps_flow_snap_fn fn,
		    void *ctx)
{
	static const struct ps_flow_dir zero[2];
	struct ps_flow_snap s;

	memset(&s, 0, sizeof(s));
	fill_rec(t, c, zero, c->v ? c->v->end : PS_FLOW_END_NONE, &s.total);
	s.total.seq = c->seq;
	if (c->v) {
		memcpy(s.rate, c->v->rate, sizeof(s.rate));
		s.ended_ns = c->v->ended_ns;
	}
	fn(ctx, &s);
}

void ps_flowtab_foreach(const struct ps_flowtab *t, ps_flow_snap_fn fn, void *ctx)
{
	const struct ps_conv *c;

	for (c = t->convs; c; c = c->hh.next)
		if (!c->excluded)
			snap_of(t, c, fn, ctx);
	for (c = t->ended; c; c = c->v->next)
		snap_of(t, c, fn, ctx);
}

size_t ps_flowtab_conv_bytes(bool view)
{
	/* The entry, and a uthash bucket per kernel entry (made with the
	 * table, up to 4 M; uthash doubles them past that). */
	return sizeof(struct ps_conv) + sizeof(UT_hash_bucket) +
	       (view ? sizeof(struct ps_conv_view) : 0);
}

size_t ps_flowtab_user_bytes(const struct ps_flowtab *t)
{
	size_t buckets = t->convs ? t->convs->hh.tbl->num_buckets : 0;
	size_t views = t->o.view ? t->nconvs + t->nended : 0;

	return (t->nconvs + t->nended) * sizeof(struct ps_conv) +
	       views * sizeof(struct ps_conv_view) + buckets * sizeof(UT_hash_bucket) +
	       (t->convs ? sizeof(UT_hash_table) : 0) + PS_CHUNK * sizeof(*t->hashes);
}

void ps_flowtab_free(struct ps_flowtab *t)
{
	struct ps_conv *c, *tmp;

	HASH_ITER(hh, t->convs, c, tmp) {
		HASH_DEL(t->convs, c);
		conv_free(c);
	}
	while ((c = t->ended)) {
		t->ended = c->v->next;
		conv_free(c);
	}
	t->ended_tail = NULL;
	t->nended = 0;
	for (int i = 0; i < t->nsrc; i++)
		munmap((void *)t->snap[i], t->snap_len[i]);
	t->nsrc = 0;
	free(t->hashes);
	t->hashes = NULL;
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
