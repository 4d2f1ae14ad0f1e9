// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Traffic for bench/capture_vs_tcpdump.sh: run with BPF_PROG_TEST_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES, inj_xdp turns each frame the kernel hands it
 * into the next packet of a mix of templates and redirects it into a veth,
 * whose peer then receives it as if from a wire, at several Mpps from one
 * CPU.  The templates (bench/inject.c builds them) are cycled in order, so
 * the mix holds over any stretch of a few hundred packets.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

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

/* One injecting CPU at a time: plain globals, read after the run. */
__u64 inj_seq;
__u64 inj_redirected;
__u64 inj_failed;

SEC("xdp")
int inj_xdp(struct xdp_md *ctx)
{
	__u32 i = inj_seq++ & (inj_ntmpl - 1) & (INJ_TMPL_MAX - 1), len;
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
	inj_redirected++;
	return bpf_redirect(inj_ifindex, 0);
fail:
	inj_failed++;
	return XDP_DROP;
}
