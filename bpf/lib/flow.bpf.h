/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flow stage: every packet the expression keeps (all without one) is
 * added to its conversation's entry in a hash map all CPUs share.  Counts
 * and flags are atomic; first and last times are plain stores (two CPUs
 * racing for one write both hold a time of that flow's packets).
 *
 * The map is preallocated: memory is fixed at load (max entries set by user
 * space, --max-flows), and an insert into a full table fails at once.  That
 * packet is then counted as overflow, never dropped silently.
 *
 * User space reads the table by running ps_flow_dump (below) with
 * BPF_PROG_TEST_RUN: one system call walks the map in the kernel and
 * copies each entry that changed since the last sweep or the one before
 * into an array user space has mapped.
 */
#ifndef PS_FLOW_BPF_H
#define PS_FLOW_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "pktscope/abi.h"
#include "config.bpf.h"
#include "ctx.bpf.h"
#include "parse.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* user space sizes it before load */
	__type(key, struct ps_flow_key);
	__type(value, struct ps_flow_val);
} ps_flows SEC(".maps");

/* The dump's output: as many entries as ps_flows, mapped by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ps_flow_snaprec);
} ps_flow_snap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_flow_counters);
} ps_flow_counters SEC(".maps");

/* The flow clock with ps_cfg.user_clock: user space writes each packet's
 * time here before it runs the packet (.bss is mapped into user space, so
 * that costs no system call). */
volatile __u64 ps_user_clock_ns;

/* Moved on by user space after each read of the table (struct
 * ps_flow_dir's rec_* fields). */
volatile __u32 ps_flow_epoch;

/* The dump: user space sets 'since' (0: every entry); the dump writes how
 * many entries it wrote and whether the snapshot was too small for them. */
volatile __u32 ps_flow_dump_since;
volatile __u32 ps_flow_dump_count;
volatile __u32 ps_flow_dump_full;

#define PS_ICMP_ECHOREPLY 0
#define PS_ICMP_ECHO 8
#define PS_ICMP_TIMESTAMPREPLY 14
#define PS_ICMP_INFO_REPLY 16
#define PS_ICMP_ADDRESSREPLY 18
#define PS_ICMPV6_ECHO_REQUEST 128
#define PS_ICMPV6_ECHO_REPLY 129

/* The request type of a reply, so a request and its reply share a key. */
static __always_inline __u8 ps_icmp_key_type(__u8 ip_ver, __u8 type)
{
	if (ip_ver == 4) {
		if (type == PS_ICMP_ECHOREPLY)
			return PS_ICMP_ECHO;
		if (type == PS_ICMP_TIMESTAMPREPLY || type == PS_ICMP_INFO_REPLY ||
		    type == PS_ICMP_ADDRESSREPLY)
			return type - 1;
		return type;
	}
	return type == PS_ICMPV6_ECHO_REPLY ? PS_ICMPV6_ECHO_REQUEST : type;
}

/* A locked instruction waits for every store before it to complete: only
 * when a bit is new (the packets of a flow mostly repeat their flags). */
static __always_inline void ps_flow_or(struct ps_flow_dir *d, int byte, __u8 v)
{
	__u64 bits = (__u64)v << PS_FLOW_FW_SHIFT(byte);

	if ((d->flag_word & bits) != bits)
		__sync_fetch_and_or(&d->flag_word, bits);
}

static __always_inline void ps_flow_add(struct ps_flow_dir *d, const struct ps_pkt *p, __u64 now)
{
	__u32 epoch = ps_flow_epoch;

	if (!d->packets || d->epoch != epoch) {
		d->epoch = epoch;
		d->rec_first_ns = now;
		__sync_fetch_and_and(&d->flag_word,
				     ~((__u64)0xff << PS_FLOW_FW_SHIFT(PS_FLOW_FW_REC)));
	}
	if (!d->packets) {
		d->first_ns = now;
		if (p->l4_ctr == PS_CTR_L4_ICMP || p->l4_ctr == PS_CTR_L4_ICMPV6) {
			ps_flow_or(d, PS_FLOW_FW_ICMP_TYPE, bpf_ntohs(p->sport));
			ps_flow_or(d, PS_FLOW_FW_ICMP_CODE, bpf_ntohs(p->dport));
		}
	}
	__sync_fetch_and_add(&d->packets, 1);
	__sync_fetch_and_add(&d->bytes, p->len);
	d->last_ns = now;
	if (p->tcp_valid) {
		__u8 f = p->tcp_flags;

		ps_flow_or(d, PS_FLOW_FW_TCP, f);
		ps_flow_or(d, PS_FLOW_FW_REC, f);
		if ((f & PS_TCP_SYN) && !d->syn_ns)
			d->syn_ns = now;
		if ((f & (PS_TCP_SYN | PS_TCP_ACK)) == PS_TCP_ACK && !d->ack_ns)
			d->ack_ns = now;
	}
}

/* The addresses straight from the packet: the parser read the IP header
 * from linear data, so it is there (unless an skb pull moved data; then the
 * bounds check fails and the helper below reads them).  Returns true if
 * done. */
static __always_inline bool ps_flow_addrs_direct(const struct ps_ctx *c, const struct ps_pkt *p,
						 struct ps_flow_key *k)
{
	__u32 l3 = p->l3_off;
	__u8 *ip;

	if (l3 > 64) /* two VLAN tags at most: a bound for the verifier */
		return false;
	ip = c->data + l3;
	if (p->ip_ver == 4) {
		if ((void *)(ip + 20) > c->data_end)
			return false;
		__builtin_memcpy(k->addr[0], ip + 12, 4);
		__builtin_memcpy(k->addr[1], ip + 16, 4);
		return true;
	}
	if ((void *)(ip + 40) > c->data_end)
		return false;
	__builtin_memcpy(k->addr[0], ip + 8, 16);
	__builtin_memcpy(k->addr[1], ip + 24, 16);
	return true;
}

static __always_inline int ps_flow_addrs_load(void *ctx, bool is_xdp, const struct ps_pkt *p,
					      struct ps_flow_key *k)
{
	__u32 l3 = p->l3_off;

	if (p->ip_ver == 4) {
		if (ps_load(ctx, is_xdp, l3 + 12, k->addr[0], 4))
			return -1;
		return ps_load(ctx, is_xdp, l3 + 16, k->addr[1], 4) ? -1 : 0;
	}
	return ps_load(ctx, is_xdp, l3 + 8, k->addr, 32) ? -1 : 0;
}

/* Fills the key with the packet's endpoints in the fixed order; returns the
 * direction (0: the packet goes from endpoint 0 to endpoint 1), or -1 when
 * the addresses cannot be read. */
static __always_inline int ps_flow_key(void *ctx, bool is_xdp, const struct ps_ctx *c,
				       const struct ps_pkt *p, struct ps_flow_key *k)
{
	bool icmp = p->l4_ctr == PS_CTR_L4_ICMP || p->l4_ctr == PS_CTR_L4_ICMPV6;
	__u64 a0, a1, b0, b1;
	int dir = 0;

	k->ifindex = c->ifindex;
	k->ip_ver = p->ip_ver;
	k->proto = p->l4_proto;
	if (!ps_flow_addrs_direct(c, p, k) && ps_flow_addrs_load(ctx, is_xdp, p, k))
		return -1;
	if (icmp) {
		k->port[0] = bpf_htons(ps_icmp_key_type(p->ip_ver, bpf_ntohs(p->sport)));
		k->port[1] = p->dport;
	} else {
		k->port[0] = p->sport;
		k->port[1] = p->dport;
	}
	a0 = *(__u64 *)&k->addr[0][0];
	a1 = *(__u64 *)&k->addr[0][8];
	b0 = *(__u64 *)&k->addr[1][0];
	b1 = *(__u64 *)&k->addr[1][8];
	/* Any fixed total order will do; user space never recomputes it. */
	if (a0 > b0 || (a0 == b0 && a1 > b1))
		dir = 1;
	else if (a0 == b0 && a1 == b1 && !icmp && bpf_ntohs(k->port[0]) > bpf_ntohs(k->port[1]))
		dir = 1;
	if (dir) {
		__u8 tmp[16];
		__be16 port;

		__builtin_memcpy(tmp, k->addr[0], 16);
		__builtin_memcpy(k->addr[0], k->addr[1], 16);
		__builtin_memcpy(k->addr[1], tmp, 16);
		if (!icmp) {
			port = k->port[0];
			k->port[0] = k->port[1];
			k->port[1] = port;
		}
	}
	return dir;
}

static __always_inline void ps_flow(void *ctx, bool is_xdp, const struct ps_ctx *c,
				    const struct ps_pkt *p)
{
	struct ps_flow_counters *fc;
	struct ps_flow_key k = {};
	struct ps_flow_val *v;
	__u32 zero = 0;
	__u64 now;
	int dir;

	fc = bpf_map_lookup_elem(&ps_flow_counters, &zero);
	if (!fc)
		return;
	if (!p->ip_ver) {
		fc->c[PS_FL_NOT_IP_PACKETS]++;
		fc->c[PS_FL_NOT_IP_BYTES] += p->len;
		return;
	}
	dir = ps_flow_key(ctx, is_xdp, c, p, &k);
	if (dir < 0) {
		/* The parser read these bytes: cannot happen, still counted. */
		fc->c[PS_FL_NOT_IP_PACKETS]++;
		fc->c[PS_FL_NOT_IP_BYTES] += p->len;
		return;
	}
	now = ps_cfg.user_clock ? ps_user_clock_ns : bpf_ktime_get_ns();
	v = bpf_map_lookup_elem(&ps_flows, &k);
	if (!v) {
		struct ps_flow_val nv = {};
		long err;

		ps_flow_add(&nv.d[dir & 1], p, now);
		err = bpf_map_update_elem(&ps_flows, &k, &nv, BPF_NOEXIST);
		if (!err) {
			fc->c[PS_FL_CREATED]++;
			fc->c[PS_FL_PACKETS]++;
			fc->c[PS_FL_BYTES] += p->len;
			return;
		}
		/* Another CPU created it first: add to that entry. */
		v = err == -17 /* EEXIST */ ? bpf_map_lookup_elem(&ps_flows, &k) : NULL;
		if (!v) {
			fc->c[PS_FL_OVERFLOW_PACKETS]++;
			fc->c[PS_FL_OVERFLOW_BYTES] += p->len;
			return;
		}
	}
	ps_flow_add(&v->d[dir & 1], p, now);
	fc->c[PS_FL_PACKETS]++;
	fc->c[PS_FL_BYTES] += p->len;
}

/*
 * A direction changed since user space's previous read if its epoch is the
 * one that read set or later, or the one before: a packet that came during
 * that read, after its entry was copied, still holds the older epoch.
 */
static __always_inline bool ps_flow_changed(const struct ps_flow_dir *d, __u32 since)
{
	return d->packets && d->epoch >= since;
}

static long ps_flow_dump_one(void *map, const struct ps_flow_key *k, struct ps_flow_val *v,
			     void *ctx)
{
	__u32 since = ps_flow_dump_since, i = ps_flow_dump_count;
	struct ps_flow_snaprec *r;

	if (since && !ps_flow_changed(&v->d[0], since) && !ps_flow_changed(&v->d[1], since))
		return 0;
	r = bpf_map_lookup_elem(&ps_flow_snap, &i);
	if (!r) {
		/* Cannot happen (the snapshot is as large as the table and
		 * only user space removes entries); told, not hidden. */
		ps_flow_dump_full = 1;
		return 1;
	}
	__builtin_memcpy(&r->key, k, sizeof(*k));
	__builtin_memcpy(&r->val, v, sizeof(*v));
	ps_flow_dump_count = i + 1;
	return 0;
}

static __always_inline void ps_flow_dump(void)
{
	ps_flow_dump_count = 0;
	ps_flow_dump_full = 0;
	bpf_for_each_map_elem(&ps_flows, ps_flow_dump_one, NULL, 0);
}

#endif /* PS_FLOW_BPF_H */
