/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event stage: after parse and count, a packet the filter keeps (every
 * packet when there is no filter) is sampled and sent to user space through
 * one ring buffer, with rec.caplen bytes of the frame when capturing.
 *
 * With a filter, the datapath stashes the parse summary in a per-CPU map and
 * tail-calls the translated filter; the filter tail-calls the emit program
 * when it keeps the packet, and that program reads the stash.  Without one,
 * the datapath emits directly.  Filtering and sampling happen before the
 * ring buffer, never after, and every lost event is counted.
 */
#ifndef PS_EVENT_BPF_H
#define PS_EVENT_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "pktscope/abi.h"
#include "config.bpf.h"
#include "ctx.bpf.h"
#include "parse.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* user space sizes it before load */
} ps_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_ev_counters);
} ps_ev_counters SEC(".maps");

/* Where an event is built before it is copied into the ring: the ring's
 * reserve needs a size known to the verifier, an event's size is not. */
struct ps_scratch {
	struct ps_event ev;
	__u8 data[PS_SNAPLEN_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* user space: one per possible CPU */
	__type(key, __u32);
	__type(value, struct ps_scratch);
} ps_scratch SEC(".maps");

/* What the datapath hands to the filter and emit programs. */
struct ps_stash {
	struct ps_pkt p;
	__u32 slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ps_stash);
} ps_stash SEC(".maps");

/* Tail-call targets, one array per program type. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PS_PROG_MAX);
	__type(key, __u32);
	__type(value, __u32);
} ps_xdp_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, PS_PROG_MAX);
	__type(key, __u32);
	__type(value, __u32);
} ps_tc_progs SEC(".maps");

static __always_inline struct ps_ev_counters *ps_evc(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ps_ev_counters, &zero);
}

#define PS_NSEC_PER_SEC 1000000000ULL

static __always_inline void ps_event_addrs(void *ctx, bool is_xdp, const struct ps_pkt *p,
					   struct ps_event *e)
{
	__u32 l3 = p->l3_off;

	if (p->ip_ver == 4) {
		ps_load(ctx, is_xdp, l3 + 12, e->saddr, 4);
		ps_load(ctx, is_xdp, l3 + 16, e->daddr, 4);
	} else if (p->ip_ver == 6) {
		ps_load(ctx, is_xdp, l3 + 8, e->saddr, 16);
		ps_load(ctx, is_xdp, l3 + 24, e->daddr, 16);
	} else if (p->l2_ctr == PS_CTR_L2_ARP && p->result == PS_CTR_OK) {
		__u8 hdr[8];

		/* Ethernet/IPv4 ARP only: the addresses tcpdump prints. */
		if (ps_load(ctx, is_xdp, l3, hdr, sizeof(hdr)) || hdr[4] != 6 || hdr[5] != 4)
			return;
		__builtin_memcpy(&e->sport, hdr + 6, 2); /* opcode, network order */
		ps_load(ctx, is_xdp, l3 + 14, e->saddr, 4);
		ps_load(ctx, is_xdp, l3 + 8, e->saddr + 4, 6); /* sender MAC */
		ps_load(ctx, is_xdp, l3 + 24, e->daddr, 4);
		ps_load(ctx, is_xdp, l3 + 18, e->daddr + 4, 6); /* target MAC */
	}
}

/* Copies the first 'cap' bytes of the frame as it was on the wire. */
static __always_inline int ps_event_copy(void *ctx, bool is_xdp, const struct ps_ctx *c,
					 __u8 *dst, __u32 cap)
{
	__u8 tag[4];

	if (!c->vlan_proto || cap <= 12)
		return ps_load_max(ctx, is_xdp, 0, dst, cap, PS_SNAPLEN_MAX);
	/* A tag the kernel moved into skb metadata goes back after the MAC
	 * addresses, so the capture holds what tcpdump would show. */
	if (ps_load(ctx, is_xdp, 0, dst, 12))
		return -1;
	*(__be16 *)tag = c->vlan_proto;
	*(__be16 *)(tag + 2) = bpf_htons(c->vlan_tci);
	__builtin_memcpy(dst + 12, tag, 4);
	if (cap <= 16)
		return 0;
	return ps_load_max(ctx, is_xdp, 12, dst + 16, cap - 16, PS_SNAPLEN_MAX - 16);
}

/* Sends the event of a packet the filter kept ('evc': this CPU's event
 * counters, MATCHED already counted). */
static __always_inline void ps_emit(void *ctx, bool is_xdp, const struct ps_ctx *c,
				    const struct ps_pkt *p, __u32 slot, struct ps_ev_counters *evc)
{
	struct ps_scratch *s;
	struct ps_event *e;
	__u32 key = bpf_get_smp_processor_id(), cap = 0, size;
	__u64 flags = 0, now;

	if (ps_cfg.sample > 1 && evc->sample_seq++ % ps_cfg.sample) {
		evc->c[PS_EV_SAMPLED_OUT]++;
		return;
	}
	s = bpf_map_lookup_elem(&ps_scratch, &key);
	if (!s) {
		evc->c[PS_EV_LOST_FULL]++;
		return;
	}
	e = &s->ev;
	__builtin_memset(e, 0, sizeof(*e));
	/* Wall-clock time, as a pcap record holds it, so that capture writes
	 * the record as it is.  CLOCK_TAI, unlike CLOCK_MONOTONIC, follows
	 * steps of the system clock, as tcpdump's time stamps do; it differs
	 * from UTC by the leap seconds, which user space measured at load. */
	now = bpf_ktime_get_tai_ns() - ps_cfg.tai_utc_ns;
	e->rec.ts_sec = now / PS_NSEC_PER_SEC;
	e->rec.ts_nsec = now % PS_NSEC_PER_SEC;
	e->rec.len = p->len;
	e->ifindex = c->ifindex;
	e->slot = slot;
	e->result = p->result;
	e->l2_ctr = p->l2_ctr;
	e->l4_ctr = p->l4_ctr;
	e->ip_ver = p->ip_ver;
	e->l4_proto = p->l4_proto;
	e->tcp_flags = p->tcp_flags;
	e->ttl = p->ttl;
	e->eth_proto = p->eth_proto;
	e->sport = p->sport;
	e->dport = p->dport;
	e->vlan_tags = p->vlan_q + p->vlan_ad;
	if (p->vlan_q)
		e->flags |= PS_EVF_VLAN_Q;
	if (p->vlan_ad)
		e->flags |= PS_EVF_VLAN_AD;
	if (p->ip_ver) {
		if (p->ip_opts)
			e->flags |= PS_EVF_IP_OPTS;
		if (p->ttl < ps_cfg.ttl_threshold)
			e->flags |= PS_EVF_TTL_LOW;
		if (p->frag == PS_FRAG_FIRST)
			e->flags |= PS_EVF_FRAG_FIRST;
		else if (p->frag == PS_FRAG_LATER)
			e->flags |= PS_EVF_FRAG_LATER;
		if (p->l4_ctr && p->result == PS_CTR_OK && p->l3_end >= p->l4_off + p->l4_hlen)
			e->l4_payload = p->l3_end - p->l4_off - p->l4_hlen;
	}
	ps_event_addrs(ctx, is_xdp, p, e);

	if (ps_cfg.snaplen) {
		cap = p->len < ps_cfg.snaplen ? p->len : ps_cfg.snaplen;
		if (cap > PS_SNAPLEN_MAX)
			cap = PS_SNAPLEN_MAX;
		if (cap < p->len)
			e->flags |= PS_EVF_TRUNC;
		if (cap && ps_event_copy(ctx, is_xdp, c, s->data, cap)) {
			evc->c[PS_EV_LOST_FULL]++; /* cannot happen: the frame is that long */
			return;
		}
		e->rec.caplen = cap;
	}
	size = sizeof(*e) + cap;
	if (size > sizeof(*s))
		return;
	/* Adaptive wakeup: a reader woken whenever it has caught up is woken
	 * for nearly every event at high rates.  It is woken once wake_bytes
	 * wait instead, and polls with a timeout for the quiet times.  The
	 * wakeup comes as the waiting data crosses each multiple of
	 * wake_bytes, not at every event while it stays above: each wakeup
	 * is an irq_work on this CPU and, for a reader that sleeps, an IPI.
	 * A record another CPU adds between the query and the output can
	 * hide a crossing; the next multiple makes up for it. */
	if (ps_cfg.wake_bytes) {
		__u64 avail = bpf_ringbuf_query(&ps_events, BPF_RB_AVAIL_DATA);

		flags = avail / ps_cfg.wake_bytes != (avail + size) / ps_cfg.wake_bytes ?
				BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	}
	if (bpf_ringbuf_output(&ps_events, s, size, flags))
		evc->c[PS_EV_LOST_FULL]++;
	else
		evc->c[PS_EV_SENT]++;
}

/* Hands the packet to the filter program; returns only if none is there. */
static __always_inline void ps_to_filter(void *ctx, bool is_xdp, const struct ps_pkt *p,
					 __u32 slot)
{
	struct ps_stash *st;
	struct ps_ev_counters *evc;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&ps_stash, &zero);
	if (!st)
		return;
	st->p = *p;
	st->slot = slot;
	if (is_xdp)
		bpf_tail_call(ctx, &ps_xdp_progs, PS_PROG_FILTER);
	else if (slot == PS_SLOT_TC_EGRESS)
		bpf_tail_call(ctx, &ps_tc_progs, PS_PROG_FILTER_EGRESS);
	else
		bpf_tail_call(ctx, &ps_tc_progs, PS_PROG_FILTER);
	evc = ps_evc();
	if (evc)
		evc->c[PS_EV_FILTER_MISSING]++;
}

#endif /* PS_EVENT_BPF_H */
