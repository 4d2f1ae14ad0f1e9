// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Traffic for bench/capture_vs_tcpdump.sh: run with BPF_PROG_TEST_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES, inj_xdp turns each frame the kernel hands it
 * into the next packet of a mix of templates and redirects it into a veth,
 * whose peer then receives it as if from a wire, at several Mpps from one
 * CPU.  The templates (bench/inject.c builds them) are cycled in order, so
 * the mix holds over any stretch of a few hundred packets.
 *
 * With inj_vary set (`inject send --flows N`), the ephemeral port of each
 * TCP/UDP template is rewritten to the next of the template's own range of
 * values (inj_vars, laid out by user space so that no two templates' ranges
 * make the same conversation), and the L4 checksum is updated to match: the
 * same mix of packets then holds N conversations instead of a few hundred.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define INJ_TMPL_MAX 256   /* a power of 2: the index is masked */
#define INJ_FRAME_MAX 1514 /* Ethernet frame without FCS */

struct inj_tmpl {
	__u32 len;
	__u8 data[INJ_FRAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, INJ_TMPL_MAX);
	__type(key, __u32);
	__type(value, struct inj_tmpl);
} inj_tmpls SEC(".maps");

const volatile __u32 inj_ifindex; /* the veth to redirect into */
const volatile __u32 inj_ntmpl = INJ_TMPL_MAX; /* a power of 2 */

/* How template i varies with --flows: round r of the cycle (r = seq / ntmpl)
 * sends it with port base + r % n.  n = 0: sent as built (ICMP, ARP). */
struct inj_var {
	__u16 port_off;  /* the ephemeral port, from the frame's start */
	__u16 csum_off;  /* the TCP/UDP checksum */
	__u16 base;
	__u8 udp;        /* a UDP checksum of 0 means none, and stays 0 */
	__u8 pad;
	__u32 n;
};

const volatile __u32 inj_vary;
const volatile struct inj_var inj_vars[INJ_TMPL_MAX];

/* One injecting CPU at a time: plain globals, read after the run. */
__u64 inj_seq;
__u64 inj_redirected;
__u64 inj_failed;

/* Sets the ephemeral port of packet seq (template seq % ntmpl, in round
 * seq / ntmpl of the cycle), and updates the checksum incrementally
 * (RFC 1624: HC' = ~(~HC + ~m + m')). */
static __always_inline int vary(struct xdp_md *ctx, __u64 seq)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	/* The template's index again, from seq: the lookup key's copy went
	 * through the stack, where the verifier loses its bounds. */
	__u32 i = seq & (inj_ntmpl - 1) & (INJ_TMPL_MAX - 1), n = inj_vars[i].n, sum;
	__u64 round = seq / inj_ntmpl;
	__u16 *port, *csum, old, new, c, v;

	if (!n)
		return 0;
	port = data + (inj_vars[i].port_off & 0xff);
	csum = data + (inj_vars[i].csum_off & 0xff);
	if ((void *)(port + 1) > data_end || (void *)(csum + 1) > data_end)
		return -1;
	old = *port;
	v = inj_vars[i].base + (__u16)(round % n);
	new = bpf_htons(v);
	*port = new;
	c = *csum;
	if (inj_vars[i].udp && !c)
		return 0;
	sum = (__u16)~c + (__u16)~old + new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	c = ~sum;
	if (inj_vars[i].udp && !c)
		c = 0xffff;
	*csum = c;
	return 0;
}

SEC("xdp")
int inj_xdp(struct xdp_md *ctx)
{
	__u64 seq = inj_seq++;
	__u32 i = seq & (inj_ntmpl - 1) & (INJ_TMPL_MAX - 1), len;
	struct inj_tmpl *t;
	long cur;

	t = bpf_map_lookup_elem(&inj_tmpls, &i);
	if (!t)
		goto fail;
	len = t->len;
	if (len < 14 || len > INJ_FRAME_MAX)
		goto fail;
	/* A recycled page keeps the length its last packet had. */
	cur = (long)ctx->data_end - (long)ctx->data;
	if (cur != len && bpf_xdp_adjust_tail(ctx, (int)len - (int)cur))
		goto fail;
	if (bpf_xdp_store_bytes(ctx, 0, t->data, len))
		goto fail;
	if (inj_vary && vary(ctx, seq))
		goto fail;
	inj_redirected++;
	return bpf_redirect(inj_ifindex, 0);
fail:
	inj_failed++;
	return XDP_DROP;
}
