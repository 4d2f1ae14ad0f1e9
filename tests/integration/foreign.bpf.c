// SPDX-License-Identifier: GPL-2.0
/*
 * A program that is not pktscope's, for the tests where another tool already
 * holds a hook: it counts what it sees, so a test can tell that pktscope's
 * refusal left it attached and working.  Built by the tests themselves.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fx_count SEC(".maps");

static __always_inline void fx_inc(void)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&fx_count, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int fx_xdp(struct xdp_md *ctx)
{
	fx_inc();
	return XDP_PASS;
}

SEC("tc")
int fx_tc(struct __sk_buff *skb)
{
	fx_inc();
	return -1; /* TC_ACT_UNSPEC: let the rest run */
}

char LICENSE[] SEC("license") = "GPL";
