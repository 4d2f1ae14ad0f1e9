// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For bench/bench.c -m flows: makes one test-run frame many flows.  Each
 * run rewrites the frame's TCP/UDP source port to the next of 'nflows'
 * values, then tail-calls the datapath under test (ps_xdp, put in fm_next
 * by user space), so a test run with a large repeat count walks a table of
 * 'nflows' conversations instead of hitting one entry.  The baseline pays
 * the same rewrite and tail call into a stats-only datapath.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fm_next SEC(".maps");

volatile __u32 fm_port_off; /* where the source port is in the frame */
volatile __u32 fm_nflows;
__u32 fm_seq;

SEC("xdp.frags")
int fm_xdp(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data, *data_end = (void *)(long)xdp->data_end;
	__u32 off = fm_port_off & 0xff;
	__be16 *port = data + off;

	if ((void *)(port + 1) <= data_end && fm_nflows)
		*port = bpf_htons(1024 + fm_seq++ % fm_nflows);
	bpf_tail_call(xdp, &fm_next, 0);
	return XDP_ABORTED; /* the datapath was not there */
}
