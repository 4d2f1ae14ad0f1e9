/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The bounded, cursor-based parser shared by every hook.
 *
 * It parses once into a struct ps_pkt that every later stage (counting, and
 * later filtering, flows, events) reads instead of the packet.  It never
 * guesses: a packet that is cut short or inconsistent stops the parse at the
 * first bad header with a named reason, and is passed on untouched.
 *
 * Two limits guard every read.  'lim' is where the headers say the data ends
 * (the frame length, then the IP total/payload length, so Ethernet padding is
 * never parsed as L4); reading past it is malformation.  'data_end' is where
 * the linear data the hook can read ends; a header that is within 'lim' but
 * beyond 'data_end' is not malformed, only unreadable here (PS_CTR_NONLINEAR).
 */
#ifndef PS_PARSE_BPF_H
#define PS_PARSE_BPF_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stdbool.h>
#include <bpf/bpf_endian.h>
#include "pktscope/abi.h"
#include "ctx.bpf.h"

#define PS_ETH_P_8021AD_OLD 0x9100 /* pre-standard QinQ outer tag */
#define PS_IP_MF 0x2000
#define PS_IP_OFFMASK 0x1fff
#define PS_IPV6_NEXTHDR_HOP 0
#define PS_IPV6_NEXTHDR_ROUTING 43
#define PS_IPV6_NEXTHDR_FRAGMENT 44
#define PS_IPV6_NEXTHDR_AUTH 51
#define PS_IPV6_NEXTHDR_NONE 59
#define PS_IPV6_NEXTHDR_DEST 60
#define PS_IPV6_NEXTHDR_MOBILITY 135
#define PS_IPV6_NEXTHDR_HIP 139
#define PS_IPV6_NEXTHDR_SHIM6 140
#define PS_ICMP_HDR_LEN 8   /* RFC 792: type, code, checksum, 4 bytes */
#define PS_ICMPV6_HDR_LEN 4 /* RFC 4443 2.1: type, code, checksum */

enum ps_frag {
	PS_FRAG_NONE = 0,
	PS_FRAG_FIRST = 1,
	PS_FRAG_LATER = 2,
};

/* The per-packet summary.  Offsets are from the start of the frame. */
struct ps_pkt {
	__u32 len;       /* wire length */
	__u16 l3_off;    /* IP or ARP header */
	__u16 l4_off;    /* TCP/UDP/ICMP header, valid when l4_ctr set */
	__u16 l3_end;    /* end of the IP datagram (excludes L2 padding) */
	__be16 sport;    /* TCP/UDP ports, or ICMP type/code */
	__be16 dport;
	__u8 result;     /* PS_CTR_OK or a malformed/unparsed reason */
	__u8 l2_ctr;     /* PS_CTR_L2_*, 0 if L2 did not parse */
	__u8 l4_ctr;     /* PS_CTR_L4_*, 0 if IP did not parse */
	__u8 vlan_q;     /* 802.1Q tags seen */
	__u8 vlan_ad;    /* 802.1ad tags seen */
	__u8 ip_ver;     /* 4 or 6 once the IP header is valid, else 0 */
	__u8 l4_proto;
	__u8 ttl;
	__u8 frag;       /* enum ps_frag */
	__u8 ip_opts;    /* IPv4 options / IPv6 extension headers present */
	__be16 eth_proto; /* innermost EtherType, once L2 parsed */
	__u8 l4_hlen;    /* TCP/UDP header length: payload starts after it */
	__u8 tcp_flags;  /* byte 13 of the TCP header, when valid */
	__u8 tcp_valid;
};

/*
 * Returns a readable pointer to 'size' bytes at 'off', or NULL after setting
 * the reason.  The pointer it returns is the one that was checked against
 * data_end, which is what the verifier needs to allow the read.
 */
static __always_inline void *ps_hdr(const struct ps_ctx *c, struct ps_pkt *p,
				    __u32 off, __u32 size, __u32 lim, __u8 reason)
{
	void *ptr = c->data + off;

	if (off + size > lim) {
		p->result = reason;
		return NULL;
	}
	/* -r: the program may be given zero padding after a short record:
	 * never parsed as packet. */
	if (ps_cfg.replay && off + size > c->cap) {
		p->result = PS_CTR_SNAPLEN;
		return NULL;
	}
	if (ptr + size > c->data_end) {
		p->result = PS_CTR_NONLINEAR;
		return NULL;
	}
	return ptr;
}

static __always_inline bool ps_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD) ||
	       proto == bpf_htons(PS_ETH_P_8021AD_OLD);
}

/* Returns the EtherType after the tags, in network order; on error sets the
 * reason (an EtherType of 0 is a valid 802.3 length, so no sentinel). */
static __always_inline __be16 ps_parse_l2(const struct ps_ctx *c, struct ps_pkt *p,
					  __u32 *off)
{
	struct ethhdr *eth;
	__be16 proto;
	__u8 q = 0, ad = 0, depth;
	int i;

	eth = ps_hdr(c, p, 0, sizeof(*eth), c->len, PS_CTR_BAD_ETH_SHORT);
	if (!eth)
		return 0;
	proto = eth->h_proto;
	*off = sizeof(*eth);

	/* The outer tag the kernel moved into skb metadata was the first tag
	 * on the wire, and it takes one of the two tags the parser walks. */
	depth = c->vlan_proto ? 1 : 0;
	if (c->vlan_proto == bpf_htons(ETH_P_8021Q))
		q++;
	else if (c->vlan_proto)
		ad++;

#pragma unroll
	for (i = 0; i < PS_VLAN_MAX_DEPTH; i++) {
		struct vlan_tag {
			__be16 tci;
			__be16 proto;
		} *tag;

		if (!ps_is_vlan(proto) || depth == PS_VLAN_MAX_DEPTH)
			break;
		depth++;
		if (proto == bpf_htons(ETH_P_8021Q))
			q++;
		else
			ad++;
		tag = ps_hdr(c, p, *off, sizeof(*tag), c->len, PS_CTR_BAD_VLAN_SHORT);
		if (!tag)
			return 0;
		proto = tag->proto;
		*off += sizeof(*tag);
	}
	if (ps_is_vlan(proto)) {
		p->result = PS_CTR_BAD_VLAN_DEEP;
		return 0;
	}

	p->vlan_q = q;
	p->vlan_ad = ad;
	p->eth_proto = proto;
	if (proto == bpf_htons(ETH_P_IP))
		p->l2_ctr = PS_CTR_L2_IPV4;
	else if (proto == bpf_htons(ETH_P_IPV6))
		p->l2_ctr = PS_CTR_L2_IPV6;
	else if (proto == bpf_htons(ETH_P_ARP))
		p->l2_ctr = PS_CTR_L2_ARP;
	else
		p->l2_ctr = PS_CTR_L2_OTHER;
	return proto;
}

static __always_inline void ps_parse_arp(const struct ps_ctx *c, struct ps_pkt *p, __u32 off)
{
	struct arp_fixed {
		__be16 htype, ptype;
		__u8 hlen, plen;
		__be16 op;
	} *arp;

	arp = ps_hdr(c, p, off, sizeof(*arp), c->len, PS_CTR_BAD_ARP_SHORT);
	if (!arp)
		return;
	/* Sender and target hardware and protocol addresses follow. */
	if (off + sizeof(*arp) + 2 * ((__u32)arp->hlen + arp->plen) > c->len)
		p->result = PS_CTR_BAD_ARP_SHORT;
	else if (ps_cfg.replay && off + sizeof(*arp) + 2 * ((__u32)arp->hlen + arp->plen) > c->cap)
		p->result = PS_CTR_SNAPLEN;
}

/* Returns false when the IPv4 header is not valid (reason set). */
static __always_inline bool ps_parse_ipv4(const struct ps_ctx *c, struct ps_pkt *p,
					  __u32 off, __u32 *l4_off, __u32 *lim)
{
	struct iphdr *iph;
	__u32 ihl, tot;
	__u16 frag;

	iph = ps_hdr(c, p, off, sizeof(*iph), c->len, PS_CTR_BAD_IPV4_SHORT);
	if (!iph)
		return false;
	if (iph->version != 4) {
		p->result = PS_CTR_BAD_IPV4_VERSION;
		return false;
	}
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph)) {
		p->result = PS_CTR_BAD_IPV4_IHL;
		return false;
	}
	if (off + ihl > c->len) {
		p->result = PS_CTR_BAD_IPV4_OPTS;
		return false;
	}
	tot = bpf_ntohs(iph->tot_len);
	if (tot < ihl || off + tot > c->len) {
		p->result = PS_CTR_BAD_IPV4_TOTLEN;
		return false;
	}

	frag = bpf_ntohs(iph->frag_off);
	if (frag & PS_IP_OFFMASK)
		p->frag = PS_FRAG_LATER;
	else if (frag & PS_IP_MF)
		p->frag = PS_FRAG_FIRST;
	p->ip_ver = 4;
	p->ip_opts = ihl > sizeof(*iph);
	p->ttl = iph->ttl;
	p->l4_proto = iph->protocol;
	*l4_off = off + ihl;
	*lim = off + tot;
	return true;
}

static __always_inline bool ps_ipv6_is_ext(__u8 nh)
{
	return nh == PS_IPV6_NEXTHDR_HOP || nh == PS_IPV6_NEXTHDR_ROUTING ||
	       nh == PS_IPV6_NEXTHDR_FRAGMENT || nh == PS_IPV6_NEXTHDR_AUTH ||
	       nh == PS_IPV6_NEXTHDR_DEST || nh == PS_IPV6_NEXTHDR_MOBILITY ||
	       nh == PS_IPV6_NEXTHDR_HIP || nh == PS_IPV6_NEXTHDR_SHIM6;
}

/*
 * The walk over IPv6 extension headers, in a function of its own.  Inline,
 * its eight unrolled steps multiplied every path before it (VLAN tags) by
 * every path after it (the L4 parse): 94% of the verifier's work, and most
 * of a command's start-up.  A global function is verified once, alone, and
 * its caller goes on with one state.  One per context type: a global
 * function takes the program's context, not the packet pointers.
 */
/* How deep into a frame a header may start and still be read directly: a
 * bound the verifier needs on an offset it cannot follow (one a global
 * function returns).  Deeper is unreadable (unparsed.nonlinear); no chain
 * of PS_IPV6_MAX_EXT extension headers reaches it (8 x 2 KiB at most). */
#define PS_HDR_MAX_OFF 0x7fff

struct ps_ext_walk {
	__u32 off;       /* in: the first extension header; out: L4 */
	__u32 end;       /* the end of the IPv6 payload */
	__u32 cap;       /* -r: the bytes the record holds */
	__u8 nh;         /* in: the first; out: the protocol after the chain */
	__u8 result;     /* out: PS_CTR_OK or the reason */
	__u8 frag;       /* out: enum ps_frag */
	__u8 pad;
};

static __always_inline int ps_ext_walk(void *data, void *data_end, struct ps_ext_walk *w)
{
	__u32 off = w->off, size;
	__u8 nh = w->nh;
	int i;

#pragma unroll
	for (i = 0; i < PS_IPV6_MAX_EXT; i++) {
		struct ext {
			__u8 nexthdr;
			__u8 hdrlen;
			__be16 frag_off; /* fragment header only */
		} *ext;

		if (!ps_ipv6_is_ext(nh))
			break;
		if (off > PS_HDR_MAX_OFF) {
			w->result = PS_CTR_NONLINEAR;
			return 0;
		}
		ext = data + off;
		/* Every extension header is at least 8 bytes long (RFC 8200
		 * 4.2); a constant size also keeps the verifier's range exact. */
		if (off + 8 > w->end) {
			w->result = PS_CTR_BAD_IPV6_EXT_SHORT;
			return 0;
		}
		if (ps_cfg.replay && off + 8 > w->cap) {
			w->result = PS_CTR_SNAPLEN;
			return 0;
		}
		if ((void *)ext + 8 > data_end) {
			w->result = PS_CTR_NONLINEAR;
			return 0;
		}
		if (nh == PS_IPV6_NEXTHDR_FRAGMENT) {
			__u16 fo = bpf_ntohs(ext->frag_off);

			size = 8;
			if (fo & 0xfff8) {
				/* Later fragments carry no further headers. */
				w->frag = PS_FRAG_LATER;
				w->nh = ext->nexthdr;
				w->off = off + size;
				return 0;
			}
			if (fo & 1)
				w->frag = PS_FRAG_FIRST;
		} else if (nh == PS_IPV6_NEXTHDR_AUTH) {
			size = ((__u32)ext->hdrlen + 2) * 4;
		} else {
			size = ((__u32)ext->hdrlen + 1) * 8;
		}
		if (off + size > w->end) {
			w->result = PS_CTR_BAD_IPV6_EXT_SHORT;
			return 0;
		}
		nh = ext->nexthdr;
		off += size;
	}
	if (ps_ipv6_is_ext(nh)) {
		w->result = PS_CTR_BAD_IPV6_EXT_MANY;
		return 0;
	}
	w->nh = nh;
	w->off = off;
	return 0;
}

__noinline int ps_ext_walk_xdp(struct xdp_md *xdp, struct ps_ext_walk *w)
{
	if (!w)
		return 0;
	return ps_ext_walk((void *)(long)xdp->data, (void *)(long)xdp->data_end, w);
}

__noinline int ps_ext_walk_skb(struct __sk_buff *skb, struct ps_ext_walk *w)
{
	if (!w)
		return 0;
	return ps_ext_walk((void *)(long)skb->data, (void *)(long)skb->data_end, w);
}

/* Returns false when the IPv6 header or its extension chain is not valid. */
static __always_inline bool ps_parse_ipv6(void *ctx, bool is_xdp, const struct ps_ctx *c,
					  struct ps_pkt *p, __u32 off, __u32 *l4_off, __u32 *lim)
{
	struct ps_ext_walk w = {};
	struct ipv6hdr *ip6;
	__u32 end;
	__u8 nh;

	ip6 = ps_hdr(c, p, off, sizeof(*ip6), c->len, PS_CTR_BAD_IPV6_SHORT);
	if (!ip6)
		return false;
	if (ip6->version != 6) {
		p->result = PS_CTR_BAD_IPV6_VERSION;
		return false;
	}
	end = off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (end > c->len) {
		p->result = PS_CTR_BAD_IPV6_PLEN;
		return false;
	}
	nh = ip6->nexthdr;
	p->ttl = ip6->hop_limit;
	off += sizeof(*ip6);
	if (ps_ipv6_is_ext(nh)) {
		p->ip_opts = 1;
		w.off = off;
		w.end = end;
		w.cap = c->cap;
		w.nh = nh;
		w.result = PS_CTR_OK;
		if (is_xdp)
			ps_ext_walk_xdp(ctx, &w);
		else
			ps_ext_walk_skb(ctx, &w);
		if (w.result != PS_CTR_OK) {
			p->result = w.result;
			return false;
		}
		p->frag = w.frag;
		nh = w.nh;
		off = w.off;
		if (off > PS_HDR_MAX_OFF) {
			p->result = PS_CTR_NONLINEAR;
			return false;
		}
	}
	p->ip_ver = 6;
	p->l4_proto = nh;
	*l4_off = off;
	*lim = end;
	return true;
}

static __always_inline void ps_parse_l4(const struct ps_ctx *c, struct ps_pkt *p,
					__u32 off, __u32 lim)
{
	__u8 proto = p->l4_proto;

	if (p->frag == PS_FRAG_LATER) {
		p->l4_ctr = PS_CTR_L4_FRAGMENT;
		return;
	}

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th;
		__u32 doff;

		p->l4_ctr = PS_CTR_L4_TCP;
		th = ps_hdr(c, p, off, sizeof(*th), lim, PS_CTR_BAD_TCP_SHORT);
		if (!th)
			return;
		doff = th->doff * 4;
		if (doff < sizeof(*th)) {
			p->result = PS_CTR_BAD_TCP_DOFF;
			return;
		}
		if (off + doff > lim) {
			p->result = PS_CTR_BAD_TCP_DOFF_BEYOND;
			return;
		}
		p->sport = th->source;
		p->dport = th->dest;
		p->l4_hlen = doff;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_valid = 1;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh;
		__u32 ulen;

		p->l4_ctr = PS_CTR_L4_UDP;
		uh = ps_hdr(c, p, off, sizeof(*uh), lim, PS_CTR_BAD_UDP_SHORT);
		if (!uh)
			return;
		ulen = bpf_ntohs(uh->len);
		/* A first fragment holds only part of the datagram the UDP
		 * length describes. */
		if (ulen < sizeof(*uh) || (p->frag == PS_FRAG_NONE && off + ulen > lim)) {
			p->result = PS_CTR_BAD_UDP_LEN;
			return;
		}
		p->l4_hlen = sizeof(*uh);
		p->sport = uh->source;
		p->dport = uh->dest;
	} else if (proto == IPPROTO_ICMP && p->ip_ver == 4) {
		__u8 *icmp;

		p->l4_ctr = PS_CTR_L4_ICMP;
		icmp = ps_hdr(c, p, off, PS_ICMP_HDR_LEN, lim, PS_CTR_BAD_ICMP_SHORT);
		if (!icmp)
			return;
		p->sport = bpf_htons(icmp[0]); /* type, in network order as ports */
		p->dport = bpf_htons(icmp[1]); /* code */
	} else if (proto == IPPROTO_ICMPV6 && p->ip_ver == 6) {
		__u8 *icmp;

		p->l4_ctr = PS_CTR_L4_ICMPV6;
		icmp = ps_hdr(c, p, off, PS_ICMPV6_HDR_LEN, lim, PS_CTR_BAD_ICMPV6_SHORT);
		if (!icmp)
			return;
		p->sport = bpf_htons(icmp[0]);
		p->dport = bpf_htons(icmp[1]);
	} else {
		p->l4_ctr = PS_CTR_L4_OTHER;
	}
}

/* Parses the frame described by c (from ctx, the program's context) into
 * p, which the caller zeroed. */
static __always_inline void ps_parse(void *ctx, bool is_xdp, const struct ps_ctx *c,
				     struct ps_pkt *p)
{
	__u32 off = 0, l4_off = 0, lim = 0;
	__be16 proto;
	bool ok;

	/*
	 * Keep the summary in memory.  Fully inlined, clang would otherwise
	 * split it into scalars and, at every early exit, store each field's
	 * current value for the join before counting: three times the code,
	 * and a third more time per packet (see docs/BENCHMARKS.md).
	 */
	asm volatile("" : : "r"(p) : "memory");
	p->len = c->wire_len;
	p->result = PS_CTR_OK;

	proto = ps_parse_l2(c, p, &off);
	if (p->result != PS_CTR_OK)
		return;
	p->l3_off = off;

	if (proto == bpf_htons(ETH_P_IP))
		ok = ps_parse_ipv4(c, p, off, &l4_off, &lim);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ok = ps_parse_ipv6(ctx, is_xdp, c, p, off, &l4_off, &lim);
	else {
		if (proto == bpf_htons(ETH_P_ARP))
			ps_parse_arp(c, p, off);
		return;
	}
	if (!ok)
		return;
	p->l4_off = l4_off;
	p->l3_end = lim;
	ps_parse_l4(c, p, l4_off, lim);
}

#endif /* PS_PARSE_BPF_H */
