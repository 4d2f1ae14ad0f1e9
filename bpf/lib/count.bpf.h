/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Counting: reads the parse summary, never the packet.  One per-CPU map
 * lookup per packet returns every counter of the hook's slot, so each
 * increment below is a plain add without atomics.
 */
#ifndef PS_COUNT_BPF_H
#define PS_COUNT_BPF_H

#include "pktscope/abi.h"
#include "config.bpf.h"
#include "parse.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PS_SLOT_MAX);
	__type(key, __u32);
	__type(value, struct ps_counters);
} ps_counters SEC(".maps");

static __always_inline void ps_inc(struct ps_counters *ctrs, __u32 idx, __u32 len)
{
	if (idx >= PS_CTR_MAX)
		return;
	ctrs->c[idx].packets++;
	ctrs->c[idx].bytes += len;
}

static __always_inline void ps_count(__u32 slot, const struct ps_pkt *p)
{
	struct ps_counters *ctrs;
	__u32 len = p->len;

	ctrs = bpf_map_lookup_elem(&ps_counters, &slot);
	if (!ctrs)
		return;

	ps_inc(ctrs, PS_CTR_TOTAL, len);
	ps_inc(ctrs, p->result, len);
	if (!p->l2_ctr)
		return;
	ps_inc(ctrs, p->l2_ctr, len);
	if (p->vlan_q)
		ps_inc(ctrs, PS_CTR_VLAN_8021Q, len);
	if (p->vlan_ad)
		ps_inc(ctrs, PS_CTR_VLAN_8021AD, len);
	if (!p->ip_ver)
		return;

	ps_inc(ctrs, p->l4_ctr, len);
	if (p->ttl < ps_cfg.ttl_threshold)
		ps_inc(ctrs, PS_CTR_TTL_LOW, len);
	if (p->ip_opts)
		ps_inc(ctrs, p->ip_ver == 4 ? PS_CTR_IPV4_OPTIONS : PS_CTR_IPV6_EXT, len);
	if (p->frag == PS_FRAG_FIRST)
		ps_inc(ctrs, p->ip_ver == 4 ? PS_CTR_FRAG4_FIRST : PS_CTR_FRAG6_FIRST, len);
	else if (p->frag == PS_FRAG_LATER)
		ps_inc(ctrs, p->ip_ver == 4 ? PS_CTR_FRAG4_LATER : PS_CTR_FRAG6_LATER, len);

	if (p->tcp_valid) {
		__u8 f = p->tcp_flags;

		if ((f & (PS_TCP_SYN | PS_TCP_ACK)) == PS_TCP_SYN)
			ps_inc(ctrs, PS_CTR_TCP_SYN, len);
		if ((f & (PS_TCP_SYN | PS_TCP_ACK)) == (PS_TCP_SYN | PS_TCP_ACK))
			ps_inc(ctrs, PS_CTR_TCP_SYNACK, len);
		if (f & PS_TCP_FIN)
			ps_inc(ctrs, PS_CTR_TCP_FIN, len);
		if (f & PS_TCP_RST)
			ps_inc(ctrs, PS_CTR_TCP_RST, len);
		if (!f)
			ps_inc(ctrs, PS_CTR_TCP_NULL, len);
		if ((f & (PS_TCP_SYN | PS_TCP_FIN)) == (PS_TCP_SYN | PS_TCP_FIN))
			ps_inc(ctrs, PS_CTR_TCP_SYNFIN, len);
		if ((f & (PS_TCP_FIN | PS_TCP_PSH | PS_TCP_URG)) == (PS_TCP_FIN | PS_TCP_PSH | PS_TCP_URG))
			ps_inc(ctrs, PS_CTR_TCP_XMAS, len);
	}
}

#endif /* PS_COUNT_BPF_H */
