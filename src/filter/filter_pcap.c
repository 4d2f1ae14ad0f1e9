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

/* Compiles 'expr' (NULL: every packet) on the handle 'p'; libpcap's message
 * in 'err' when it refuses. */
static int compile_on(pcap_t *p, const char *expr, bpf_u_int32 mask, struct bpf_program *out,
		      char *err, size_t errlen)
{
	if (pcap_compile(p, out, expr ? expr : "", 1, mask) < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return 0;
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
	/* Netmask 0, as `tcpdump -r` compiles (so `ip broadcast` is
	 * 255.255.255.255 or 0.0.0.0 there, not an error). */
	ret = compile_on(p, expr, 0, out, err, errlen);
	pcap_close(p);
	return ret;
}

int ps_filter_compile_file(const char *path, const char *expr, int snaplen,
			   struct bpf_program *out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = NULL;
	int ret = 0;

	/* Standard input can be read only once: the replay's. */
	if (path && strcmp(path, "-"))
		p = pcap_open_offline(path, ebuf);
	if (p && pcap_datalink(p) != DLT_EN10MB) {
		pcap_close(p);
		p = NULL;
	}
	if (!p)
		return ps_filter_compile(expr, snaplen, out, err, errlen);
	memset(out, 0, sizeof(*out));
	ret = compile_on(p, expr, 0, out, err, errlen);
	pcap_close(p);
	return ret;
}

/* A handle on 'ifname', activated: what tcpdump compiles with. */
static pcap_t *live_handle(const char *ifname, int snaplen, int *rc, char *ebuf)
{
	pcap_t *p = pcap_create(ifname, ebuf);

	if (!p) {
		*rc = PCAP_ERROR;
		return NULL;
	}
	/* It only compiles: no promiscuous mode, a small buffer, and it is
	 * closed before any packet is read. */
	pcap_set_snaplen(p, snaplen);
	pcap_set_promisc(p, 0);
	pcap_set_buffer_size(p, 65536);
	pcap_set_immediate_mode(p, 1);
	*rc = pcap_activate(p);
	if (*rc < 0)
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(p));
	return p;
}

int ps_filter_compile_live(const char *ifname, const char *expr, int snaplen,
			   struct bpf_program *out, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "", ebuf2[PCAP_ERRBUF_SIZE] = "";
	bpf_u_int32 net = 0, mask = 0;
	pcap_t *p;
	int ret = 0, rc, rc2, dlt;

	memset(out, 0, sizeof(*out));
	if (snaplen <= 0)
		snaplen = PS_FILTER_SNAPLEN_DEFAULT;
	p = live_handle(ifname, snaplen, &rc, ebuf);
	if (p && rc == PCAP_ERROR_IFACE_NOT_UP) {
		/* libpcap activates only an interface that is up (tcpdump:
		 * "That device is not up"), and pktscope may attach before
		 * it is.  Its code for a live Linux Ethernet handle depends
		 * on nothing else of the interface but its netmask (given
		 * below): lo, when up, compiles the same. */
		pcap_t *lo = live_handle("lo", snaplen, &rc2, ebuf2);

		if (lo && rc2 >= 0 && pcap_datalink(lo) == DLT_EN10MB) {
			pcap_close(p);
			p = lo;
			rc = rc2;
		} else if (lo) {
			pcap_close(lo);
		}
	}
	if (!p || rc < 0) {
		switch (rc) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			ret = -ENODEV;
			break;
		case PCAP_ERROR_PERM_DENIED:
			ret = -EPERM;
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			ret = -ENETDOWN;
			break;
		default:
			ret = -EIO;
		}
		snprintf(err, errlen, "libpcap cannot open %s to compile the expression for it: %s",
			 ifname, ebuf);
		goto out;
	}
	dlt = pcap_datalink(p);
	if (dlt != DLT_EN10MB) {
		snprintf(err, errlen, "%s has link type %s; pktscope filters Ethernet frames only",
			 ifname, pcap_datalink_val_to_name(dlt) ?: "unknown");
		ret = -EOPNOTSUPP;
		goto out;
	}
	/* As tcpdump: the interface's IPv4 netmask, 0 when it has none. */
	if (pcap_lookupnet(ifname, &net, &mask, ebuf) < 0)
		mask = 0;
	ret = compile_on(p, expr, mask, out, err, errlen);
out:
	if (p)
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
