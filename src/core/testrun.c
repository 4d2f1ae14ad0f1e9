// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include "testrun.h"

int ps_run(int prog_fd, const void *pkt, __u32 len, void *out, __u32 out_cap,
	   __u32 repeat, struct ps_run_result *res)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out_cap,
		.repeat = repeat,
	);

	if (len < ETH_HLEN)
		return -EINVAL;
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	if (res) {
		res->retval = opts.retval;
		res->duration = opts.duration;
		res->out_len = opts.data_size_out;
	}
	return 0;
}
