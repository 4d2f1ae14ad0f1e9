// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Yardsticks for bench/bench.c: what the datapath's per-packet cost is
 * compared with.  bl_empty is the floor (the test-run loop and the program
 * call); bl_count is the least a counting program can do (one per-CPU
 * lookup, two adds).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct bl_val {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bl_val);
} bl_counter SEC(".maps");

SEC("xdp")
int bl_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int bl_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 key = 0;
	struct bl_val *v;

	v = bpf_map_lookup_elem(&bl_counter, &key);
	if (v) {
		v->packets++;
		v->bytes += data_end - data;
	}
	return XDP_PASS;
}
