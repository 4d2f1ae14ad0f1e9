// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The libpcap side of ps_filter: everything that needs <pcap/pcap.h>, whose
 * struct bpf_insn (classic) must not meet the kernel's (eBPF) of filter.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include "filter.h"

/* filter.c reads the classic instructions as struct sock_filter, the
 * kernel's name for the same 8-byte layout. */
_Static_assert(sizeof(struct bpf_insn) == 8, "classic insn is 8 bytes");

const void *ps__filter_classic(const struct bpf_program *prog, size_t *n);

const void *ps__filter_classic(const struct bpf_program *prog, size_t *n)
{
	*n = prog->bf_len;
	return prog->bf_insns;
}

int ps_filter_compile(const char *expr, int snaplen, struct bpf_program *out,
		      char *err, size_t errlen)
{
	pcap_t *p;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (snaplen <= 0)
		snaplen = PS_FILTER_SNAPLEN_DEFAULT;
	p = pcap_open_dead(DLT_EN10MB, snaplen);
	if (!p) {
		snprintf(err, errlen, "libpcap cannot open a handle to compile with");
		return -ENOMEM;
	}
	if (pcap_compile(p, out, expr ? expr : "", 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		memset(out, 0, sizeof(*out));
		ret = -EINVAL;
	}
	pcap_close(p);
	return ret;
}

void ps_filter_free(struct bpf_program *prog)
{
	if (prog)
		pcap_freecode(prog);
}

unsigned int ps_filter_interpret(const struct bpf_program *prog, const void *pkt,
				 unsigned int wirelen, unsigned int caplen)
{
	return bpf_filter(prog->bf_insns, pkt, wirelen, caplen);
}

void ps_filter_dump(const struct bpf_program *prog, void *file)
{
	FILE *f = file;
	unsigned int i;

	for (i = 0; i < prog->bf_len; i++)
		fprintf(f, "%s\n", bpf_image(&prog->bf_insns[i], (int)i));
}
