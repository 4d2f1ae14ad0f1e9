// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include "testrun.h"

/* Metadata length placed before frames shorter than ETH_HLEN: a multiple of
 * 4, at most 32 (the kernel's xdp_metalen_invalid()), and at least ETH_HLEN
 * so that metadata + frame always passes the kernel's minimum size. */
#define PS_SHORT_META 16

int ps_run_xdp(int prog_fd, const void *pkt, __u32 len, void *out, __u32 out_cap,
	       __u32 repeat, struct ps_run_result *res)
{
	struct xdp_md ctx = {};
	unsigned char *buf = NULL;
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out_cap,
		.repeat = repeat,
	);

	if (len < ETH_HLEN) {
		buf = calloc(1, PS_SHORT_META + len);
		if (!buf)
			return -ENOMEM;
		memcpy(buf + PS_SHORT_META, pkt, len);
		ctx.data = PS_SHORT_META;
		ctx.data_end = PS_SHORT_META + len;
		opts.data_in = buf;
		opts.data_size_in = PS_SHORT_META + len;
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
	if (!err && res) {
		res->retval = opts.retval;
		res->duration = opts.duration;
		res->out_len = opts.data_size_out;
	}
	/* The kernel returns the metadata too: hand back only the frame. */
	if (!err && buf && out && res) {
		if (res->out_len >= PS_SHORT_META) {
			memmove(out, (char *)out + PS_SHORT_META, res->out_len - PS_SHORT_META);
			res->out_len -= PS_SHORT_META;
		}
	}
	free(buf);
	return err;
}

int ps_run_skb(int prog_fd, const void *pkt, __u32 len, void *out, __u32 out_cap,
	       __u32 repeat, struct ps_run_result *res)
{
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out_cap,
		.repeat = repeat,
	);

	if (len < ETH_HLEN)
		return -EINVAL;
	err = bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
	if (!err && res) {
		res->retval = opts.retval;
		res->duration = opts.duration;
		res->out_len = opts.data_size_out;
	}
	return err;
}
