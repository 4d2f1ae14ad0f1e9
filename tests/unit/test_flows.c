// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flow stage (bpf/lib/flow.bpf.h) and the user-space table reader
 * (src/flow/flowtab.c) on crafted packets with BPF_PROG_TEST_RUN, at XDP and at
 * TC: both directions in one entry, the handshake times, ICMP request and
 * reply as one conversation, every packet accounted (a flow, not IP, or
 * overflow when the table is full), every crafted packet and every
 * truncation of the valid ones; and the records the reader writes on idle,
 * active and TCP-end timeouts; the view's 2/10/40 s rates and the ended
 * flows it holds, on a clock the test sets; a conversation left out
 * (pktscope's own IPFIX export) and counted; timeouts on a clock near
 * 2^64 ns.
 *
 * Needs root; nothing is attached.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cmtest.h"
#include "datapath.h"
#include "flowtab.h"
#include "testrun.h"
#include "pkt.h"

#define L4_BITS (PKT_CTR(L4_TCP) | PKT_CTR(L4_UDP) | PKT_CTR(L4_ICMP) | PKT_CTR(L4_ICMPV6) | \
		 PKT_CTR(L4_OTHER) | PKT_CTR(L4_FRAGMENT))

struct fx {
	struct ps_datapath dp;
	int prog;
	enum ps_hook hook;
};

static int load(struct fx *f, enum ps_hook hook, __u32 max_flows)
{
	struct ps_datapath_opts o = { .hook = hook, .ttl_threshold = 2, .flows = true,
				      .max_flows = max_flows, .user_clock = true };
	enum ps_slot slots[PS_SLOT_MAX];
	int err;

	f->hook = hook;
	err = ps_datapath_load(&f->dp, &o, true);
	if (err)
		return err;
	ps_hook_slots(hook, slots);
	f->prog = ps_datapath_prog_fd(&f->dp, slots[0]);
	return 0;
}

static int add_table(struct ps_flowtab *t, struct fx *f)
{
	struct ps_flow_source src;

	ps_datapath_flow_source(&f->dp, &src);
	return ps_flowtab_add_map(t, &src);
}

static void run_at(struct fx *f, const struct pkt *p, __u64 t)
{
	ps_datapath_set_clock(&f->dp, t);
	assert_int_equal(ps_run(f->prog, p->data, p->len, NULL, 0, 1, NULL), 0);
}

static struct ps_flow_counters counters(struct fx *f)
{
	struct ps_flow_counters c;

	assert_int_equal(ps_datapath_read_flows(&f->dp, &c), 0);
	return c;
}

/* An IPv4 (or IPv6) TCP segment from 'a' to 'b' or back ('reply' swaps
 * the addresses and the ports). */
static void tcp_seg(struct pkt *p, int ver, bool reply, __u8 flags, __u32 payload)
{
	pkt_init(p);
	pkt_eth(p);
	if (ver == 4)
		pkt_ipv4(p, 64);
	else
		pkt_ipv6(p, 64);
	pkt_tcp(p, reply ? 80 : 40000, reply ? 40000 : 80, flags);
	pkt_payload(p, payload);
	assert_int_equal(pkt_finish(p, 60), 0);
	if (reply) {
		__u32 off = p->ip_off + (ver == 4 ? 12 : 8), n = ver == 4 ? 4 : 16;
		__u8 tmp[16];

		memcpy(tmp, p->data + off, n);
		memmove(p->data + off, p->data + off + n, n);
		memcpy(p->data + off + n, tmp, n);
	}
}

struct recs {
	struct ps_flow_rec r[16];
	int n;
};

static void take(void *ctx, const struct ps_flow_rec *r)
{
	struct recs *rs = ctx;

	assert_true(rs->n < 16);
	rs->r[rs->n++] = *r;
}

static void handshake(void **state, int ver, enum ps_hook hook)
{
	struct ps_flowtab_opts to = { .idle_ns = 10000000000ULL, .linger_ns = 1000000000ULL };
	struct ps_flowtab t;
	struct recs rs = {};
	struct pkt p;
	struct fx f;
	__u64 len_a = 0, len_b = 0;

	assert_int_equal(load(&f, hook, 64), 0);
	tcp_seg(&p, ver, false, PS_TCP_SYN, 0);
	run_at(&f, &p, 1000);
	len_a += p.len;
	tcp_seg(&p, ver, true, PS_TCP_SYN | PS_TCP_ACK, 0);
	run_at(&f, &p, 1800);
	len_b += p.len;
	tcp_seg(&p, ver, false, PS_TCP_ACK, 0);
	run_at(&f, &p, 2500);
	len_a += p.len;
	tcp_seg(&p, ver, false, PS_TCP_ACK | PS_TCP_PSH, 100);
	run_at(&f, &p, 3000);
	len_a += p.len;
	tcp_seg(&p, ver, true, PS_TCP_ACK | PS_TCP_FIN, 0);
	run_at(&f, &p, 4000);
	len_b += p.len;
	tcp_seg(&p, ver, false, PS_TCP_ACK | PS_TCP_FIN, 0);
	run_at(&f, &p, 5000);
	len_a += p.len;

	assert_int_equal(counters(&f).c[PS_FL_CREATED], 1);
	assert_int_equal(counters(&f).c[PS_FL_PACKETS], 6);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	assert_int_equal(add_table(&t, &f), 0);
	/* FIN both ways, but within the linger: not yet. */
	assert_int_equal(ps_flowtab_sweep(&t, 5000 + 500000000ULL, false, take, &rs), 0);
	assert_int_equal(rs.n, 0);
	assert_int_equal(ps_flowtab_sweep(&t, 5000 + 1000000000ULL, false, take, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].end, PS_FLOW_END_TCP);
	assert_int_equal(rs.r[0].seq, 1);
	assert_int_equal(rs.r[0].proto, 6);
	assert_int_equal(rs.r[0].ip_ver, ver);
	assert_int_equal(rs.r[0].a_port, 40000); /* the client, though its port is higher */
	assert_int_equal(rs.r[0].b_port, 80);
	assert_int_equal(rs.r[0].ab.packets, 4);
	assert_int_equal(rs.r[0].ba.packets, 2);
	assert_int_equal(rs.r[0].ab.bytes, len_a);
	assert_int_equal(rs.r[0].ba.bytes, len_b);
	assert_int_equal(rs.r[0].ab.first_ns, 1000);
	assert_int_equal(rs.r[0].ab.last_ns, 5000);
	assert_int_equal(rs.r[0].ba.first_ns, 1800);
	assert_int_equal(rs.r[0].rtt_ns, 1500); /* SYN at 1000 to the ACK at 2500 */
	assert_int_equal(rs.r[0].ab.tcp_flags, PS_TCP_SYN | PS_TCP_ACK | PS_TCP_PSH | PS_TCP_FIN);
	/* Evicted: the kernel table is empty, the reader forgot it. */
	assert_int_equal(t.ended_tcp, 1);
	assert_int_equal(t.ended_idle, 0);
	assert_int_equal(t.nconvs, 0);
	{
		struct ps_flow_key next;

		assert_int_equal(bpf_map_get_next_key(ps_datapath_flows_fd(&f.dp), NULL, &next),
				 -ENOENT);
	}
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

static void t_handshake_v4_xdp(void **s) { handshake(s, 4, PS_HOOK_XDP); }
static void t_handshake_v6_xdp(void **s) { handshake(s, 6, PS_HOOK_XDP); }
static void t_handshake_v4_tc(void **s) { handshake(s, 4, PS_HOOK_TC); }
static void t_handshake_v6_tc(void **s) { handshake(s, 6, PS_HOOK_TC); }

/* An echo request and its reply are the two directions of one flow. */
static void t_icmp_echo(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = 10 };
	struct ps_flowtab t;
	struct recs rs = {};
	struct pkt p;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 64), 0);
	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, 64);
	pkt_icmp(&p, 8, 0);
	assert_int_equal(pkt_finish(&p, 60), 0);
	run_at(&f, &p, 100);
	/* The reply: addresses swapped, type 0. */
	{
		__u8 tmp[4];

		memcpy(tmp, p.data + p.ip_off + 12, 4);
		memmove(p.data + p.ip_off + 12, p.data + p.ip_off + 16, 4);
		memcpy(p.data + p.ip_off + 16, tmp, 4);
		p.data[p.l4_off] = 0;
	}
	run_at(&f, &p, 200);
	assert_int_equal(counters(&f).c[PS_FL_CREATED], 1);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	add_table(&t, &f);
	assert_int_equal(ps_flowtab_sweep(&t, 1000, false, take, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].end, PS_FLOW_END_IDLE);
	assert_int_equal(rs.r[0].ab.packets, 1);
	assert_int_equal(rs.r[0].ba.packets, 1);
	assert_int_equal(rs.r[0].ab.icmp_type, 8);
	assert_int_equal(rs.r[0].ba.icmp_type, 0);
	assert_int_equal(rs.r[0].ab.first_ns, 100);
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

/* A long flow: a record at each active timeout with what came since, and
 * the rest when it is flushed. */
static void t_active_timeout(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = 100, .active_ns = 60, .linger_ns = 1 };
	struct ps_flowtab t;
	struct recs rs = {};
	struct pkt p;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 64), 0);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	add_table(&t, &f);
	tcp_seg(&p, 4, false, PS_TCP_ACK | PS_TCP_PSH, 10);
	run_at(&f, &p, 10);
	tcp_seg(&p, 4, false, PS_TCP_ACK, 10);
	for (int i = 1; i < 10; i++)
		run_at(&f, &p, 10 + i);   /* 10 packets at 10..19 */
	assert_int_equal(ps_flowtab_sweep(&t, 50, false, take, &rs), 0);
	assert_int_equal(rs.n, 0);
	assert_int_equal(ps_flowtab_sweep(&t, 70, false, take, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].end, PS_FLOW_END_ACTIVE);
	assert_int_equal(rs.r[0].ab.packets, 10);
	assert_int_equal(rs.r[0].ab.tcp_flags, PS_TCP_ACK | PS_TCP_PSH);
	for (int i = 0; i < 3; i++)
		run_at(&f, &p, 80 + i);
	/* A sweep in between that writes nothing must not move the record's
	 * start. */
	assert_int_equal(ps_flowtab_sweep(&t, 85, false, take, &rs), 0);
	assert_int_equal(rs.n, 1);
	run_at(&f, &p, 86);
	assert_int_equal(ps_flowtab_sweep(&t, 90, true, take, &rs), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[1].end, PS_FLOW_END_FORCED);
	assert_int_equal(rs.r[1].seq, 2);
	assert_int_equal(rs.r[1].ab.packets, 4);
	assert_int_equal(rs.r[1].ab.bytes, 4ULL * p.len);
	assert_int_equal(rs.r[1].ab.first_ns, 80); /* its own first packet */
	assert_int_equal(rs.r[1].ab.last_ns, 86);
	assert_int_equal(rs.r[1].ab.tcp_flags, PS_TCP_ACK); /* its own flags: no PSH */
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

/* The snapshot holds what changed since the previous read: an idle flow is
 * not copied again, yet its totals stand and its record comes out; a
 * packet that lands after a read copied its entry but before the epoch
 * moved on is still read by the next sweep. */
static void flow_from(struct pkt *p, __u16 sport)
{
	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, 64);
	pkt_tcp(p, sport, 80, PS_TCP_ACK);
	pkt_payload(p, 10);
	assert_int_equal(pkt_finish(p, 60), 0);
}

static void t_snapshot_changed(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = 10000, .linger_ns = 1 };
	struct ps_flow_source src;
	struct ps_flowtab t;
	struct recs rs = {};
	struct pkt a, b;
	__u64 read;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 64), 0);
	ps_datapath_flow_source(&f.dp, &src);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	assert_int_equal(add_table(&t, &f), 0);
	flow_from(&a, 40000);
	flow_from(&b, 40001);
	run_at(&f, &a, 100);
	run_at(&f, &b, 100);
	assert_int_equal(ps_flowtab_sweep(&t, 1000, false, take, &rs), 0);
	assert_int_equal(t.read_entries, 2);
	assert_int_equal(t.nconvs, 2);
	run_at(&f, &a, 1500);
	/* The first two reads take everything. */
	assert_int_equal(ps_flowtab_sweep(&t, 2000, false, take, &rs), 0);
	assert_int_equal(t.read_entries, 4);
	/* Then only a: its packet came after the first read. */
	assert_int_equal(ps_flowtab_sweep(&t, 3000, false, take, &rs), 0);
	assert_int_equal(t.read_entries, 5);
	assert_int_equal(ps_flowtab_sweep(&t, 4000, false, take, &rs), 0);
	assert_int_equal(t.read_entries, 5);
	/* A packet of b between a read and the epoch's move: as if the
	 * epoch were still the one before. */
	*src.epoch = (__u32)t.gen - 1;
	run_at(&f, &b, 4500);
	*src.epoch = (__u32)t.gen;
	read = t.read_entries;
	assert_int_equal(ps_flowtab_sweep(&t, 5000, false, take, &rs), 0);
	assert_int_equal(t.read_entries, read + 1);
	assert_int_equal(rs.n, 0);
	/* Idle: both end, with every packet. */
	assert_int_equal(ps_flowtab_sweep(&t, 20000, false, take, &rs), 0);
	assert_int_equal(rs.n, 2);
	for (int i = 0; i < 2; i++) {
		bool is_a = rs.r[i].a_port == 40000;

		assert_int_equal(rs.r[i].end, PS_FLOW_END_IDLE);
		assert_int_equal(rs.r[i].ab.packets, 2);
		assert_int_equal(rs.r[i].ab.bytes, 2ULL * a.len);
		assert_int_equal(rs.r[i].ab.first_ns, 100);
		assert_int_equal(rs.r[i].ab.last_ns, is_a ? 1500 : 4500);
	}
	assert_int_equal(t.nconvs, 0);
	assert_int_equal(t.ended_idle, 2);
	assert_int_equal(t.ended_tcp, 0);
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

/* A full table: the packets of flows that find no room are overflow,
 * counted with their bytes; the flows in the table go on counting. */
static void t_overflow(void **state)
{
	struct ps_flow_counters c;
	struct pkt p;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 2), 0);
	for (int i = 0; i < 5; i++) {
		pkt_init(&p);
		pkt_eth(&p);
		pkt_ipv4(&p, 64);
		pkt_udp(&p, 1000 + i, 53);
		pkt_payload(&p, 20);
		assert_int_equal(pkt_finish(&p, 60), 0);
		run_at(&f, &p, 1);
		run_at(&f, &p, 2);
	}
	c = counters(&f);
	/* The preallocated table may hold a spare per CPU: at least the two
	 * asked for, and every packet somewhere. */
	assert_true(c.c[PS_FL_CREATED] >= 2);
	assert_int_equal(c.c[PS_FL_PACKETS], 2 * c.c[PS_FL_CREATED]);
	assert_int_equal(c.c[PS_FL_OVERFLOW_PACKETS], 10 - 2 * c.c[PS_FL_CREATED]);
	assert_int_equal(c.c[PS_FL_OVERFLOW_BYTES], c.c[PS_FL_OVERFLOW_PACKETS] * p.len);
	assert_true(c.c[PS_FL_OVERFLOW_PACKETS] > 0);
	ps_datapath_close(&f.dp);
}

/* Every crafted packet, and every truncation of the valid ones: a packet
 * with a valid IP header is in a flow, any other is not IP; none lost. */
static void crafted(void **state, enum ps_hook hook)
{
	size_t n;
	const struct pkt_case *cs = pkt_cases(&n);
	__u64 runs = 0, want_flow = 0;
	struct ps_flow_counters c;
	struct fx f;

	assert_int_equal(load(&f, hook, 65536), 0);
	for (size_t i = 0; i < n; i++) {
		const struct pkt_case *pc = &cs[i];
		bool ip = pc->expect & L4_BITS;

		if (pc->len < 14 || ps_run(f.prog, pc->data, pc->len, NULL, 0, 1, NULL))
			continue; /* the test run refuses it (see testrun.h) */
		runs++;
		want_flow += ip;
		c = counters(&f);
		assert_int_equal(c.c[PS_FL_PACKETS] + c.c[PS_FL_NOT_IP_PACKETS] +
				 c.c[PS_FL_OVERFLOW_PACKETS], runs);
		if (c.c[PS_FL_PACKETS] != want_flow)
			fail_msg("%s: in a flow %s, expected %s", pc->name,
				 ip ? "no" : "yes", ip ? "yes" : "no");
		if (hook != PS_HOOK_XDP || pc->expect & PKT_CTR(NONLINEAR))
			continue;
		for (__u32 len = 14; len < pc->len && len < 400; len++) {
			if (ps_run(f.prog, pc->data, len, NULL, 0, 1, NULL))
				continue;
			runs++;
		}
		c = counters(&f);
		assert_int_equal(c.c[PS_FL_PACKETS] + c.c[PS_FL_NOT_IP_PACKETS] +
				 c.c[PS_FL_OVERFLOW_PACKETS], runs);
		want_flow = c.c[PS_FL_PACKETS];
	}
	assert_int_equal(c.c[PS_FL_OVERFLOW_PACKETS], 0);
	ps_datapath_close(&f.dp);
}

static void t_crafted_xdp(void **s) { crafted(s, PS_HOOK_XDP); }
static void t_crafted_tc(void **s) { crafted(s, PS_HOOK_TC); }

/* UDP from port 'sport' (the builder's addresses), 'payload' bytes. */
static void udp_from(struct pkt *p, __u16 sport, __u16 dport, __u32 payload)
{
	pkt_init(p);
	pkt_eth(p);
	pkt_ipv4(p, 64);
	pkt_udp(p, sport, dport);
	pkt_payload(p, payload);
	assert_int_equal(pkt_finish(p, 60), 0);
}

struct snaps {
	struct ps_flow_snap s[8];
	int n;
};

static void take_snap(void *ctx, const struct ps_flow_snap *s)
{
	struct snaps *ss = ctx;

	assert_true(ss->n < 8);
	ss->s[ss->n++] = *s;
}

static struct snaps snaps_of(const struct ps_flowtab *t)
{
	struct snaps ss = {};

	ps_flowtab_foreach(t, take_snap, &ss);
	return ss;
}

#define SEC 1000000000ULL
#define T0 (1000 * SEC)

/* Second by second from 'from_s' to 'to_s' (after T0): with 'send', 10
 * packets of p in it (every 100 ms from 50 ms in), then a sweep at its
 * end, as live. */
static void seconds(struct fx *f, struct ps_flowtab *t, const struct pkt *p, bool send,
		    int from_s, int to_s, struct recs *rs)
{
	for (int s = from_s; s <= to_s; s++) {
		for (int i = 0; send && i < 10; i++)
			run_at(f, p, T0 + (__u64)(s - 1) * SEC + SEC / 20 + (__u64)i * SEC / 10);
		assert_int_equal(ps_flowtab_sweep(t, T0 + (__u64)s * SEC, false, take, rs), 0);
	}
}

static void assert_rate(double got, double want)
{
	if (got < want * 0.999999 || got > want * 1.000001)
		fail_msg("rate %.3f b/s, expected %.3f", got, want);
}

/*
 * The view's rates, on a clock the test sets: 10 packets a second for 60 s
 * (rate R), sweeps every second.  The 2 and 10 s rates are R as soon as the
 * view has run that long; the 40 s rate is over the time since the start
 * until 40 s have passed; after the flow stops each falls to 0 once its
 * window has passed.  The flow ends idle and stays, ended, for hold_ns,
 * its 40 s rate falling; a new conversation on the same 5-tuple meanwhile
 * is a row of its own.
 */
static void t_view_rates(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = 15 * SEC, .linger_ns = SEC, .view = true,
				      .start_ns = T0, .hold_ns = 40 * SEC };
	struct ps_flowtab t;
	struct recs rs = {};
	struct snaps ss;
	struct pkt p;
	struct fx f;
	double bits;

	assert_int_equal(load(&f, PS_HOOK_XDP, 64), 0);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	assert_int_equal(add_table(&t, &f), 0);
	udp_from(&p, 5000, 6000, 1000);
	bits = p.len * 8.0;
	/* 12 s in: 2 and 10 s windows full, 40 s over the 12 s since T0 */
	seconds(&f, &t, &p, true, 1, 12, &rs);
	ss = snaps_of(&t);
	assert_int_equal(ss.n, 1);
	assert_rate(ss.s[0].rate[0], 20 * bits / 2);
	assert_rate(ss.s[0].rate[1], 100 * bits / 10);
	assert_rate(ss.s[0].rate[2], 120 * bits / 12);
	/* 50 s in: 40 s of it */
	seconds(&f, &t, &p, true, 13, 50, &rs);
	ss = snaps_of(&t);
	assert_rate(ss.s[0].rate[2], 400 * bits / 40);
	/* stopped at 60 s: at 65 s, 2 s and 10 s hold 0 and 5 s of packets */
	seconds(&f, &t, &p, true, 51, 60, &rs);
	seconds(&f, &t, &p, false, 61, 65, &rs);
	ss = snaps_of(&t);
	assert_int_equal(ss.n, 1);
	assert_rate(ss.s[0].rate[0], 0);
	assert_rate(ss.s[0].rate[1], 50 * bits / 10);
	assert_rate(ss.s[0].rate[2], 350 * bits / 40);
	assert_int_equal(ss.s[0].total.end, PS_FLOW_END_NONE);
	assert_int_equal(rs.n, 0);
	/* idle from 59.95 s: ends at the 75 s sweep, and stays, ended */
	seconds(&f, &t, &p, false, 66, 75, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].end, PS_FLOW_END_IDLE);
	assert_int_equal(t.nconvs, 0);
	assert_int_equal(t.nended, 1);
	ss = snaps_of(&t);
	assert_int_equal(ss.n, 1);
	assert_int_equal(ss.s[0].total.end, PS_FLOW_END_IDLE);
	assert_int_equal(ss.s[0].ended_ns, T0 + 75 * SEC);
	assert_int_equal(ss.s[0].total.ab.packets, 600);
	assert_rate(ss.s[0].rate[1], 0);
	assert_rate(ss.s[0].rate[2], 250 * bits / 40);
	/* the same 5-tuple again at 80 s: a conversation of its own */
	seconds(&f, &t, &p, false, 76, 80, &rs);
	run_at(&f, &p, T0 + 80 * SEC + SEC / 2);
	seconds(&f, &t, &p, false, 81, 81, &rs);
	ss = snaps_of(&t);
	assert_int_equal(ss.n, 2);
	assert_int_equal(ss.s[0].total.end, PS_FLOW_END_NONE);
	assert_int_equal(ss.s[0].total.ab.packets, 1);
	assert_rate(ss.s[0].rate[0], bits / 2);
	assert_int_equal(ss.s[1].total.end, PS_FLOW_END_IDLE);
	assert_int_equal(ss.s[1].total.ab.packets, 600);
	/* held until 40 s after its end (the new one ended idle at 96 s) */
	seconds(&f, &t, &p, false, 82, 114, &rs);
	ss = snaps_of(&t);
	assert_int_equal(ss.n, 2);
	assert_int_equal(ss.s[0].total.ab.packets, 600);
	assert_rate(ss.s[0].rate[2], 0);
	assert_int_equal(ss.s[1].total.ab.packets, 1);
	assert_int_equal(ss.s[1].ended_ns, T0 + 96 * SEC);
	seconds(&f, &t, &p, false, 115, 115, &rs);
	ss = snaps_of(&t);
	assert_int_equal(ss.n, 1);
	assert_int_equal(ss.s[0].total.ab.packets, 1);
	assert_int_equal(t.nended, 1);
	assert_int_equal(t.ended_idle, 2);
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

/* Without the view, nothing of it is kept: no rates, an ended flow gone. */
static void t_no_view(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = 2 * SEC, .linger_ns = SEC };
	struct ps_flowtab t;
	struct recs rs = {};
	struct pkt p;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 64), 0);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	assert_int_equal(add_table(&t, &f), 0);
	udp_from(&p, 5000, 6000, 100);
	seconds(&f, &t, &p, true, 1, 3, &rs);
	assert_int_equal(snaps_of(&t).n, 1);
	assert_rate(snaps_of(&t).s[0].rate[0], 0);
	seconds(&f, &t, &p, false, 4, 6, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(snaps_of(&t).n, 0);
	assert_int_equal(t.nended, 0);
	assert_true(ps_flowtab_user_bytes(&t) < ps_flowtab_conv_bytes(false) * 64 + 65536);
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

/* A conversation excluded (the export's own): no record, not in the view,
 * every packet of it counted; settle counts what came after the last
 * sweep.  Another conversation between the same hosts is untouched. */
static void t_exclude(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = 10 * SEC, .linger_ns = SEC, .view = true,
				      .start_ns = T0, .hold_ns = SEC };
	struct ps_flow_excl e = { .ip_ver = 4, .proto = 17, .port = { 4739, 5000 } };
	struct ps_flowtab t;
	struct recs rs = {};
	struct pkt own, other;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 64), 0);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	assert_int_equal(add_table(&t, &f), 0);
	udp_from(&own, 5000, 4739, 300);
	udp_from(&other, 5001, 4739, 300);
	/* the endpoints as the socket has them: the collector's end first */
	memcpy(e.addr[0], own.data + own.ip_off + 16, 4);
	memcpy(e.addr[1], own.data + own.ip_off + 12, 4);
	assert_int_equal(ps_flowtab_exclude(&t, &e), 0);
	for (int i = 0; i < 3; i++) {
		run_at(&f, &own, T0 + 100 + i);
		run_at(&f, &other, T0 + 200 + i);
	}
	assert_int_equal(ps_flowtab_sweep(&t, T0 + SEC, false, take, &rs), 0);
	assert_int_equal(snaps_of(&t).n, 1);
	assert_int_equal(snaps_of(&t).s[0].total.a_port, 5001);
	assert_int_equal(ps_flowtab_sweep(&t, T0 + 2 * SEC, true, take, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].a_port, 5001);
	assert_int_equal(t.records, 1);
	assert_int_equal(t.excl_records, 1);
	assert_int_equal(t.excl_packets, 3);
	assert_int_equal(t.excl_bytes, 3ULL * own.len);
	/* the export's last message, after the last sweep */
	run_at(&f, &own, T0 + 3 * SEC);
	assert_int_equal(ps_flowtab_settle_excluded(&t), 0);
	assert_int_equal(t.excl_packets, 4);
	assert_int_equal(t.excl_bytes, 4ULL * own.len);
	assert_int_equal(ps_flowtab_settle_excluded(&t), 0);
	assert_int_equal(t.excl_packets, 4);
	/* kernel: every packet in a flow; records + excluded = all of them */
	assert_int_equal(counters(&f).c[PS_FL_PACKETS], rs.r[0].ab.packets + t.excl_packets);
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

/* A clock near the end of __u64 (a capture's time read as a wrapped
 * value): a timeout past it saturates instead of wrapping, so a flow is
 * not ended at once (idle, active) by a deadline that wrapped to 0. */
static void t_clock_end(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = 15 * SEC, .active_ns = 60 * SEC,
				      .linger_ns = SEC };
	const __u64 end = UINT64_MAX - 5 * SEC;
	struct ps_flowtab t;
	struct recs rs = {};
	struct pkt p;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 64), 0);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	assert_int_equal(add_table(&t, &f), 0);
	udp_from(&p, 5000, 6000, 100);
	run_at(&f, &p, end);
	run_at(&f, &p, end + SEC);
	assert_int_equal(ps_flowtab_sweep(&t, end + 2 * SEC, false, take, &rs), 0);
	assert_int_equal(ps_flowtab_sweep(&t, end + 4 * SEC, false, take, &rs), 0);
	assert_int_equal(rs.n, 0);
	assert_int_equal(t.nconvs, 1);
	assert_int_equal(ps_flowtab_sweep(&t, UINT64_MAX, true, take, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].end, PS_FLOW_END_FORCED);
	assert_int_equal(rs.r[0].ab.packets, 2);
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

/* The ended flows the view holds are bounded by the table's size: a scan
 * of short flows cannot grow them; the oldest go first. */
static void t_view_held_bound(void **state)
{
	struct ps_flowtab_opts to = { .idle_ns = SEC, .linger_ns = SEC, .view = true,
				      .start_ns = T0, .hold_ns = 1000 * SEC };
	struct ps_flowtab t;
	struct recs rs = {};
	struct snaps ss;
	struct pkt p;
	struct fx f;

	assert_int_equal(load(&f, PS_HOOK_XDP, 2), 0);
	assert_int_equal(ps_flowtab_init(&t, &to), 0);
	assert_int_equal(add_table(&t, &f), 0);
	for (int i = 0; i < 4; i++) {
		udp_from(&p, 5000 + i, 6000, 10);
		run_at(&f, &p, T0 + (__u64)(3 * i) * SEC + 1);
		seconds(&f, &t, &p, false, 3 * i + 1, 3 * i + 3, &rs);
	}
	assert_int_equal(rs.n, 4);
	assert_int_equal(t.ended_idle, 4);
	assert_int_equal(t.nended, t.max_entries);
	ss = snaps_of(&t);
	assert_int_equal(ss.n, (int)t.max_entries);
	/* the newest held, oldest first */
	assert_int_equal(ss.s[ss.n - 1].total.a_port, 5003);
	assert_int_equal(ss.s[0].total.a_port, 5004 - t.max_entries);
	ps_flowtab_free(&t);
	ps_datapath_close(&f.dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_handshake_v4_xdp),
		cmocka_unit_test(t_handshake_v6_xdp),
		cmocka_unit_test(t_handshake_v4_tc),
		cmocka_unit_test(t_handshake_v6_tc),
		cmocka_unit_test(t_icmp_echo),
		cmocka_unit_test(t_active_timeout),
		cmocka_unit_test(t_snapshot_changed),
		cmocka_unit_test(t_overflow),
		cmocka_unit_test(t_crafted_xdp),
		cmocka_unit_test(t_crafted_tc),
		cmocka_unit_test(t_view_rates),
		cmocka_unit_test(t_no_view),
		cmocka_unit_test(t_view_held_bound),
		cmocka_unit_test(t_exclude),
		cmocka_unit_test(t_clock_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
