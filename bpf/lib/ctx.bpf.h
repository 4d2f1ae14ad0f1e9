/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The thin layer that lets one pipeline run at every hook: each entry point
 * fills a struct ps_ctx from its own context, and nothing after that knows
 * whether it came from XDP or from an skb.
 */
#ifndef PS_CTX_BPF_H
#define PS_CTX_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "config.bpf.h"

/* -r: written by user space before each test run (struct ps_replay_meta). */
volatile struct ps_replay_meta ps_replay;

struct ps_ctx {
	void *data;
	void *data_end;
	__u32 len;        /* length of the frame as the program sees it */
	__u32 cap;        /* its bytes there are: len live, the bytes the file
			   * holds with -r (ps_replay) */
	__u32 wire_len;   /* length on the wire: what is counted as bytes */
	__be16 vlan_proto; /* TPID of a tag the kernel took out of the frame
			    * into skb metadata (VLAN offload), else 0 */
	__u16 vlan_tci;    /* and its TCI */
	__u32 ifindex;
};

#define PS_VLAN_HLEN 4

/* How much of an skb the parser wants in linear memory: two VLAN tags, an
 * IPv6 header with a few extension headers and a TCP header fit. */
#define PS_SKB_PULL_LEN 256

/* A replayed record's lengths are the file's, not the test run's frame. */
static __always_inline void ps_ctx_replay(struct ps_ctx *c)
{
	if (!ps_cfg.replay)
		return;
	c->len = ps_replay.view_len;
	c->cap = ps_replay.view_cap;
	c->wire_len = ps_replay.wire_len;
}

static __always_inline void ps_ctx_from_xdp(struct ps_ctx *c, struct xdp_md *xdp)
{
	c->data = (void *)(long)xdp->data;
	c->data_end = (void *)(long)xdp->data_end;
	/* Counts multi-buffer frames whole (the program is loaded xdp.frags,
	 * so jumbo frames and large replayed packets are accepted). */
	c->len = bpf_xdp_get_buff_len(xdp);
	c->cap = c->len;
	c->wire_len = c->len;
	c->vlan_proto = 0;
	c->vlan_tci = 0;
	c->ifindex = xdp->ingress_ifindex;
	ps_ctx_replay(c);
}

static __always_inline void ps_ctx_from_skb(struct ps_ctx *c, struct __sk_buff *skb)
{
	__u32 want = skb->len < PS_SKB_PULL_LEN ? skb->len : PS_SKB_PULL_LEN;

	/* Headers of an skb may sit in paged fragments; pulling makes them
	 * readable without changing a byte of the packet. */
	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	c->data = (void *)(long)skb->data;
	c->data_end = (void *)(long)skb->data_end;
	c->len = skb->len;
	c->cap = c->len;
	c->wire_len = skb->len;
	c->vlan_proto = 0;
	c->vlan_tci = 0;
	c->ifindex = skb->ifindex;
	/* The stack strips the outer VLAN tag of a received frame before TC
	 * ingress, and a device with VLAN offload gets outgoing tags as
	 * metadata: count the tag and its bytes as tcpdump shows them. */
	if (skb->vlan_present) {
		c->vlan_proto = (__be16)skb->vlan_proto;
		c->vlan_tci = skb->vlan_tci;
		c->wire_len += PS_VLAN_HLEN;
	}
	ps_ctx_replay(c);
}

/* Makes 'x' opaque to clang: it can no longer substitute an equal value
 * held in another register, so the register the verifier saw checked is the
 * one that reaches the helper. */
#define ps_barrier_var(x) asm volatile("" : "+r"(x))

/* Reads bytes of the frame whatever the hook; 'is_xdp' is a constant at
 * every call site, so only the right helper is ever emitted.  A variable
 * 'len' must be in [1, room at dst] for the verifier: checked here, on the
 * register passed on (64-bit: a u32 would be checked in a zero-extended
 * copy). */
static __always_inline long ps_load_max(void *ctx, bool is_xdp, __u32 off, void *dst,
				       __u64 len, __u64 max)
{
	ps_barrier_var(len);
	if (len < 1 || len > max)
		return -1;
	if (is_xdp)
		return bpf_xdp_load_bytes(ctx, off, dst, len);
	return bpf_skb_load_bytes(ctx, off, dst, len);
}

#define ps_load(ctx, is_xdp, off, dst, len) ps_load_max(ctx, is_xdp, off, dst, len, len)

#endif /* PS_CTX_BPF_H */
