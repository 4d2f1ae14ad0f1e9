/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The thin layer that lets one pipeline run at every hook: each entry point
 * fills a struct ps_ctx from its own context, and nothing after that knows
 * whether it came from XDP or from an skb.
 */
#ifndef PS_CTX_BPF_H
#define PS_CTX_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ps_ctx {
	void *data;
	void *data_end;
	__u32 len; /* wire length of the frame: what is counted as bytes */
};

/* How much of an skb the parser wants in linear memory: two VLAN tags, an
 * IPv6 header with a few extension headers and a TCP header fit. */
#define PS_SKB_PULL_LEN 256

static __always_inline void ps_ctx_from_xdp(struct ps_ctx *c, struct xdp_md *xdp)
{
	c->data = (void *)(long)xdp->data;
	c->data_end = (void *)(long)xdp->data_end;
	/* Counts multi-buffer frames whole (the program is loaded xdp.frags,
	 * so jumbo frames and large replayed packets are accepted). */
	c->len = bpf_xdp_get_buff_len(xdp);
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
}

#endif /* PS_CTX_BPF_H */
