// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope's datapath: the entry points of every hook.  Each one adapts its
 * context and runs the same pipeline: parse, count, then, when flows or
 * events are on, the filter verdict, the flow update and the event.
 * Nothing here depends on the hook but the slot its counters go to and the
 * verdict that lets the packet go on.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/ctx.bpf.h"
#include "lib/parse.bpf.h"
#include "lib/count.bpf.h"
#include "lib/event.bpf.h"
#include "lib/flow.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* A packet the expression kept (every packet without one). */
static __always_inline void ps_keep(void *ctx, bool is_xdp, const struct ps_ctx *c,
				    const struct ps_pkt *p, __u32 slot)
{
	struct ps_ev_counters *evc = ps_evc();

	if (!evc)
		return;
	evc->c[PS_EV_MATCHED]++;
	if (ps_cfg.flows)
		ps_flow(ctx, is_xdp, c, p);
	if (ps_cfg.events)
		ps_emit(ctx, is_xdp, c, p, slot, evc);
}

static __always_inline void ps_pipeline(void *ctx, bool is_xdp, const struct ps_ctx *c,
					__u32 slot)
{
	struct ps_pkt p = {};

	if (ps_cfg.replay) {
		slot = ps_replay.slot;
		if (slot >= PS_SLOT_MAX)
			return; /* a probe of the test run's limits */
	}
	ps_parse(ctx, is_xdp, c, &p);
	ps_count(slot, &p);
	if (!ps_cfg.events && !ps_cfg.flows)
		return;
	if (!ps_cfg.filter) {
		ps_keep(ctx, is_xdp, c, &p, slot);
	} else if (ps_cfg.replay && ps_replay.verdict != PS_VERDICT_KERNEL) {
		/* libpcap decided on the record as the file holds it. */
		if (ps_replay.verdict == PS_VERDICT_KEEP)
			ps_keep(ctx, is_xdp, c, &p, slot);
	} else {
		ps_to_filter(ctx, is_xdp, &p, slot);
	}
}

SEC("xdp.frags")
int ps_xdp(struct xdp_md *xdp)
{
	struct ps_ctx c;

	ps_ctx_from_xdp(&c, xdp);
	ps_pipeline(xdp, true, &c, PS_SLOT_XDP_INGRESS);
	return XDP_PASS;
}

/* TC_ACT_UNSPEC is TCX_NEXT: the programs and filters after ours still run. */
SEC("tc")
int ps_tc_ingress(struct __sk_buff *skb)
{
	struct ps_ctx c;

	ps_ctx_from_skb(&c, skb);
	ps_pipeline(skb, false, &c, PS_SLOT_TC_INGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int ps_tc_egress(struct __sk_buff *skb)
{
	struct ps_ctx c;

	ps_ctx_from_skb(&c, skb);
	ps_pipeline(skb, false, &c, PS_SLOT_TC_EGRESS);
	return TC_ACT_UNSPEC;
}

/* --hook socket: user space runs each packet its AF_PACKET socket kept
 * (the filter ran there, as a socket filter) through these with
 * BPF_PROG_TEST_RUN, so it is parsed, counted and emitted by the same code. */
SEC("xdp.frags")
int ps_sock_in(struct xdp_md *xdp)
{
	struct ps_ctx c;

	ps_ctx_from_xdp(&c, xdp);
	ps_pipeline(xdp, true, &c, PS_SLOT_SOCK_INGRESS);
	return XDP_PASS;
}

SEC("xdp.frags")
int ps_sock_out(struct xdp_md *xdp)
{
	struct ps_ctx c;

	ps_ctx_from_xdp(&c, xdp);
	ps_pipeline(xdp, true, &c, PS_SLOT_SOCK_EGRESS);
	return XDP_PASS;
}

/* Tail-call targets of the filter program: the packet was kept. */
static __always_inline void ps_emit_stashed(void *ctx, bool is_xdp, const struct ps_ctx *c)
{
	struct ps_stash *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&ps_stash, &zero);
	if (st)
		ps_keep(ctx, is_xdp, c, &st->p, st->slot);
}

SEC("xdp.frags")
int ps_xdp_emit(struct xdp_md *xdp)
{
	struct ps_ctx c;

	ps_ctx_from_xdp(&c, xdp);
	ps_emit_stashed(xdp, true, &c);
	return XDP_PASS;
}

SEC("tc")
int ps_tc_emit(struct __sk_buff *skb)
{
	struct ps_ctx c;

	ps_ctx_from_skb(&c, skb);
	ps_emit_stashed(skb, false, &c);
	return TC_ACT_UNSPEC;
}

/* Not attached anywhere: user space runs it (BPF_PROG_TEST_RUN, any
 * frame) to snapshot the flow table (lib/flow.bpf.h). */
SEC("xdp")
int ps_flow_dump_prog(struct xdp_md *xdp)
{
	ps_flow_dump();
	return XDP_PASS;
}
