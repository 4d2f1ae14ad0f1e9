// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcap-filter expressions through the whole filter path: libpcap compiles
 * the expression as `tcpdump -r` does (ps_filter_compile_file(), on a
 * handle reading an Ethernet file), src/filter/filter.c translates the classic
 * program for every hook, the kernel loads it, and each verdict on the
 * frames of the input is libpcap's own interpreter's (fuzz/filter_check.h).
 *
 * The input: a byte of options (bit 0: the expression is the input's text
 * up to a NUL, with fuzz/fuzz_filter_expr.dict; else it is generated from
 * the bytes by a small grammar of pcap-filter(7): protocols, hosts, nets,
 * ports and ranges, lengths, VLAN and MPLS, byte tests with arithmetic,
 * TCP flags, and/or/not; bits 1-6: which hooks, all when none), the
 * expression, then the frames.  An expression libpcap refuses is not
 * pktscope's to take; one it compiles must load and agree on every frame.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "filter.h"
#include "filter_check.h"
#include "fuzz.h"

#define EXPR_MAX 600
#define MAX_INSNS 400
#define BACKJUMP_MAX_INSNS 60

struct gen {
	struct fz *f;
	char buf[EXPR_MAX + 64];
	size_t len;
	int terms;
};

static void put(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (g->len >= EXPR_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(g->buf + g->len, sizeof(g->buf) - g->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		g->len += (size_t)n < sizeof(g->buf) - g->len ? (size_t)n : sizeof(g->buf) - g->len - 1;
}

static const char *pick(struct gen *g, const char *const *list, size_t n)
{
	return list[fz_u8(g->f) % n];
}

#define PICK(g, ...) pick(g, (const char *const[]){ __VA_ARGS__ }, \
			  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Numbers the crafted frames hold, edges, and anything. */
static uint32_t number(struct gen *g)
{
	static const uint32_t near[] = {
		0, 1, 2, 4, 6, 8, 12, 14, 17, 20, 40, 53, 54, 58, 60, 64, 80, 443, 1500, 1514,
		4000, 4001, 33434, 40000, 40001, 40002, 65535, 0x7fffffff, 0x80000000, 0xffffffff,
	};

	switch (fz_u8(g->f) % 4) {
	case 0:
		return near[fz_u8(g->f) % (sizeof(near) / sizeof(near[0]))];
	case 1:
		return fz_u8(g->f);
	case 2:
		return fz_u16(g->f);
	default:
		return fz_u32(g->f);
	}
}

static void v4addr(struct gen *g)
{
	if (fz_u8(g->f) % 2)
		put(g, "10.0.0.%u", 1 + fz_u8(g->f) % 3);
	else
		put(g, "%u.%u.%u.%u", fz_u8(g->f), fz_u8(g->f), fz_u8(g->f), fz_u8(g->f));
}

static void v6addr(struct gen *g)
{
	if (fz_u8(g->f) % 2)
		put(g, "fd00::%u", 1 + fz_u8(g->f) % 3);
	else
		put(g, "%x:%x::%x", fz_u16(g->f), fz_u16(g->f), fz_u16(g->f));
}

static void arith(struct gen *g, int depth)
{
	unsigned int k = depth > 2 ? fz_u8(g->f) % 3 : fz_u8(g->f) % 7;

	switch (k) {
	case 0:
		put(g, "%u", number(g));
		break;
	case 1:
		put(g, "len");
		break;
	case 2:
	case 3:
		put(g, "%s[", PICK(g, "ether", "ip", "ip6", "tcp", "udp", "icmp", "icmp6", "arp",
				   "link", "vlan", "igmp", "sctp"));
		if (depth < 3 && fz_u8(g->f) % 4 == 0)
			arith(g, depth + 1);
		else
			put(g, "%u", fz_u8(g->f) % 4 ? fz_u8(g->f) % 64 : number(g));
		if (fz_bool(g->f))
			put(g, ":%s", PICK(g, "1", "2", "4"));
		put(g, "]");
		break;
	case 4:
		put(g, "(");
		arith(g, depth + 1);
		put(g, ")");
		break;
	case 5:
		put(g, "-");
		arith(g, depth + 1);
		break;
	default:
		arith(g, depth + 1);
		put(g, " %s ", PICK(g, "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"));
		arith(g, depth + 1);
	}
}

static void term(struct gen *g, int depth)
{
	const char *dir = PICK(g, "", "src ", "dst ", "src or dst ", "src and dst ");

	g->terms++;
	switch (fz_u8(g->f) % 16) {
	case 0:
		put(g, "%s", PICK(g, "tcp", "udp", "icmp", "icmp6", "arp", "rarp", "ip", "ip6",
				  "sctp", "igmp", "ah", "esp", "pim", "vrrp", "llc", "stp", "ipx",
				  "decnet", "atalk", "aarp", "iso", "netbeui", "mpls", "pppoed"));
		break;
	case 1:
		put(g, "%s%sport %u", PICK(g, "", "tcp ", "udp ", "sctp "), dir,
		    fz_u8(g->f) % 2 ? number(g) & 0xffff : number(g));
		break;
	case 2:
		put(g, "%s%shost ", PICK(g, "", "ip ", "ip6 ", "arp "), dir);
		fz_bool(g->f) ? v4addr(g) : v6addr(g);
		break;
	case 3:
		put(g, "%snet ", dir);
		if (fz_bool(g->f)) {
			v4addr(g);
			put(g, "/%u", fz_u8(g->f) % 33);
		} else {
			v6addr(g);
			put(g, "/%u", fz_u8(g->f) % 129);
		}
		break;
	case 4:
		switch (fz_u8(g->f) % 3) {
		case 0:
			put(g, "len %s %u", PICK(g, "=", "!=", "<", ">", "<=", ">="), number(g));
			break;
		case 1:
			put(g, "greater %u", number(g));
			break;
		default:
			put(g, "less %u", number(g));
		}
		break;
	case 5:
		put(g, "%s", PICK(g, "vlan", "mpls", "pppoes"));
		if (fz_bool(g->f))
			put(g, " %u", fz_u8(g->f) % 2 ? number(g) % 4096 : number(g));
		break;
	case 6:
		switch (fz_u8(g->f) % 5) {
		case 0:
			put(g, "ether proto %u", fz_u8(g->f) % 2 ? number(g) & 0xffff : number(g));
			break;
		case 1:
			put(g, "ether %shost 02:00:00:00:00:%02x", dir, fz_u8(g->f) % 4);
			break;
		default:
			put(g, "%s", PICK(g, "ether broadcast", "ether multicast", "ip broadcast",
					  "ip multicast", "ip6 multicast", "ip6 broadcast"));
		}
		break;
	case 7:
		put(g, "%s proto %u", PICK(g, "ip", "ip6"), number(g) & 0xff);
		break;
	case 8:
		put(g, "%s%sportrange %u-%u", PICK(g, "", "tcp ", "udp "), dir, number(g) & 0xffff,
		    number(g) & 0xffff);
		break;
	case 9:
	case 10:
		arith(g, depth);
		put(g, " %s ", PICK(g, "=", "!=", "<", ">", "<=", ">="));
		arith(g, depth);
		break;
	case 11:
		switch (fz_u8(g->f) % 3) {
		case 0:
			put(g, "tcp[tcpflags] & (%s) %s 0", PICK(g, "tcp-syn", "tcp-ack", "tcp-fin|tcp-ack",
								 "tcp-syn|tcp-ack", "tcp-rst",
								 "tcp-push|tcp-urg", "tcp-ece|tcp-cwr"),
			    PICK(g, "!=", "="));
			break;
		case 1:
			put(g, "icmp[icmptype] %s %s", PICK(g, "=", "!="),
			    PICK(g, "icmp-echo", "icmp-echoreply", "icmp-unreach", "icmp-timxceed", "8"));
			break;
		default:
			put(g, "icmp6[icmp6type] = %s", PICK(g, "icmp6-echo", "icmp6-echoreply", "128"));
		}
		break;
	case 12:
		/* Backward jumps: libpcap's interpreter in a child. */
		put(g, "%s protochain %u", PICK(g, "ip", "ip6"),
		    fz_u8(g->f) % 2 ? (unsigned)fz_u8(g->f) : 6u);
		break;
	case 13:
		put(g, "%s", PICK(g, "ip[6:2] & 0x1fff != 0", "ip6[6] = 44", "ip[0] & 0xf > 5",
				  "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
				  "udp[8:2] = 0x1234", "ether[12:2] > 1500"));
		break;
	default:
		if (depth < 4) {
			put(g, "(");
			term(g, depth + 1);
			put(g, " %s ", PICK(g, "and", "or", "&&", "||"));
			term(g, depth + 1);
			put(g, ")");
		} else {
			put(g, "%s", PICK(g, "tcp", "udp", "ip", "vlan"));
		}
	}
}

static void expr(struct gen *g, int depth)
{
	if (fz_u8(g->f) % 5 == 0)
		put(g, "not ");
	term(g, depth);
	while (g->len < EXPR_MAX - 100 && g->terms < 10 && fz_u8(g->f) % 3 == 0) {
		put(g, " %s ", PICK(g, "and", "or", "and not", "or not"));
		term(g, depth);
	}
}

/* A one-record Ethernet pcap file, for compiling as `tcpdump -r` does. */
static const char *eth_file(void)
{
	static char path[64];
	static int fd = -1;
	static const uint32_t hdr[6] = { 0xa1b2c3d4u, 2 | 4 << 16, 0, 0, 262144, 1 };

	if (fd < 0)
		fd = fz_memfile(hdr, sizeof(hdr), path, sizeof(path));
	if (fd < 0)
		fz_fail("memfd: %s", strerror(-fd));
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fc_frames frames;
	static struct gen g;
	char err[PCAP_ERRBUF_SIZE + 64], what[EXPR_MAX + 80];
	struct bpf_program bp;
	unsigned int mask;
	struct fz f;
	uint8_t opt;

	fz_init(&f, data, size);
	opt = fz_u8(&f);
	mask = (opt >> 1) & FC_ALL;
	if (!mask)
		mask = FC_ALL;
	memset(&g, 0, sizeof(g));
	g.f = &f;
	if (opt & 1) {
		const uint8_t *p;
		size_t n = 0;

		while (n < f.n && n < EXPR_MAX && f.p[n])
			n++;
		fz_take(&f, n, &p);
		memcpy(g.buf, p, n);
		g.buf[n] = '\0';
		fz_u8(&f); /* the NUL */
	} else {
		expr(&g, 0);
	}
	if (ps_filter_compile_file(eth_file(), g.buf, 0, &bp, err, sizeof(err)))
		return 0; /* libpcap refuses it: so does tcpdump */
	/* The verifier's time grows with the paths: with protochain's loop
	 * and VLAN's moving offsets a program of 120 classic insns takes it
	 * 15 s per hook.  Such programs are left out to keep the runs many. */
	if (bp.bf_len > (fc_has_backjump(&bp) ? BACKJUMP_MAX_INSNS : MAX_INSNS)) {
		ps_filter_free(&bp);
		return 0;
	}
	fc_frames_build(&frames, &f, fc_has_backjump(&bp) ? 600 : FC_FRAME_MAX);
	snprintf(what, sizeof(what), "'%s'", g.buf);
	fc_check(&bp, mask, &frames, what);
	ps_filter_free(&bp);
	return 0;
}
