// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * inject: the helpers of bench/capture_vs_tcpdump.sh.
 *
 *   inject mix [-w FILE]     prints the packet mix; -w writes its templates
 *                            to a pcap file (one of each)
 *   inject send -i IFACE -n COUNT [-b BATCH] [--flows N | --max-len BYTES]
 *                            sends COUNT packets of the mix into IFACE (one
 *                            end of a veth pair) at the highest rate one CPU
 *                            reaches: BPF_PROG_TEST_RUN of inject.bpf.c with
 *                            BPF_F_TEST_XDP_LIVE_FRAMES; prints key=value,
 *                            flows= the number of IP conversations sent.
 *                            --flows N rewrites the TCP/UDP templates'
 *                            ephemeral ports so that the same mix holds
 *                            exactly N conversations (see plan_flows());
 *                            --max-len only the templates of at most BYTES
 *                            (small packets: --max-len 128, 60-118 bytes)
 *   inject run -p PIDFILE -o STATSFILE -- CMD [ARG]...
 *                            runs CMD, passes SIGINT and SIGTERM on to it,
 *                            and writes its rusage (CPU in microseconds) to
 *                            STATSFILE when it ends; exits as CMD did
 *   inject count FILE        packets and bytes in a pcap file
 *   inject gro IFACE on|off  GRO on a veth: it gives the veth the NAPI
 *                            context that frames redirected into its peer
 *                            need when no XDP program is attached to it
 *   inject offload IFACE gro|gso|tso on|off
 *                            the same for GRO, GSO or TSO (bulk TCP runs
 *                            turn all three off: every frame on the veth
 *                            is then one full-size packet, as on a wire)
 *
 * The mix: 256 templates in a fixed shuffled order, cycled; sizes in the
 * spirit of IMIX (mostly small, a third mid-size, a tenth full-size), all
 * addresses from the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32), each template its own flow (ports) so
 * that GRO on the receiving veth never merges two of them.  DNS over UDP
 * is 26 of the 256 (10.2%): the filter `udp port 53` keeps about 10%.
 * The plain mix holds 247 IP conversations (`inject mix` prints it).
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
/* libpcap's struct bpf_insn (classic) under another name: see src/filter/filter.h. */
#define bpf_insn pcap_bpf_insn
#include <pcap/pcap.h>
#undef bpf_insn
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
/* The same layout as struct inj_var in inject.bpf.c (the skeleton names it). */
struct inj_var {
	uint16_t port_off;
	uint16_t csum_off;
	uint16_t base;
	uint8_t udp;
	uint8_t pad;
	uint32_t n;
};
#include "inject.skel.h"
#include "pkt.h"

#define NTMPL 256
#define FRAME_MAX 1514

/* The same layout as struct inj_tmpl in inject.bpf.c. */
struct tmpl {
	uint32_t len;
	uint8_t data[FRAME_MAX];
};

enum kind {
	K_TCP4_ACK, K_TCP6_ACK, K_TCP4_FULL, K_TCP6_FULL, K_TCP4_MID, K_TCP4_CTRL,
	K_DNS_QUERY, K_DNS_REPLY, K_QUIC_FULL, K_QUIC_SMALL, K_UDP6, K_ICMP4, K_ICMP6,
	K_VLAN_SYSLOG, K_ARP, NKIND,
};

/* Where a template's headers are, for --flows and for counting its
 * conversations. */
struct tmeta {
	int ip_ver;   /* 0: not IP (ARP) */
	int proto;
	int ip_off;
	int l4_off;
	int eph_off;  /* the ephemeral port (TCP, UDP), or -1 */
};

static const struct {
	const char *what;
	int count; /* of NTMPL */
} kinds[NKIND] = {
	[K_TCP4_ACK] = { "IPv4 TCP ACK, timestamps, no data", 63 },
	[K_TCP6_ACK] = { "IPv6 TCP ACK, timestamps, no data", 30 },
	[K_TCP4_FULL] = { "IPv4 TCP data, 1448 B (full-size frame)", 14 },
	[K_TCP6_FULL] = { "IPv6 TCP data, 1428 B (full-size frame)", 6 },
	[K_TCP4_MID] = { "IPv4 TCP data, 536 B", 30 },
	[K_TCP4_CTRL] = { "IPv4 TCP SYN, SYN-ACK, FIN, RST", 8 },
	[K_DNS_QUERY] = { "IPv4 UDP DNS query (dport 53), 30-60 B", 13 },
	[K_DNS_REPLY] = { "IPv4 UDP DNS reply (sport 53), 80-400 B", 13 },
	[K_QUIC_FULL] = { "IPv4 UDP 443 (QUIC), 1200-1300 B", 12 },
	[K_QUIC_SMALL] = { "IPv4 UDP 443 (QUIC), 20-50 B", 14 },
	[K_UDP6] = { "IPv6 UDP, 200-600 B", 20 },
	[K_ICMP4] = { "IPv4 ICMP echo, 56 B", 8 },
	[K_ICMP6] = { "IPv6 ICMPv6 echo, 56 B", 6 },
	[K_VLAN_SYSLOG] = { "802.1Q IPv4 UDP 514 (syslog), 100-250 B", 10 },
	[K_ARP] = { "ARP request and reply", 9 },
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const uint8_t tcp_ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
static const uint8_t tcp_mss[] = { 2, 4, 0x05, 0xb4 };

/* Client n in 192.0.2.0/24, server in 198.51.100.0/24 or 203.0.113.0/24. */
static void set_v4(struct pkt *p, int n, bool to_server)
{
	uint8_t cli[4] = { 192, 0, 2, 1 + n % 200 };
	uint8_t srv[4] = { n % 2 ? 198 : 203, n % 2 ? 51 : 0, n % 2 ? 100 : 113, 1 + n % 50 };

	memcpy(p->data + p->ip_off + 12, to_server ? cli : srv, 4);
	memcpy(p->data + p->ip_off + 16, to_server ? srv : cli, 4);
}

static void set_v6(struct pkt *p, int n, bool to_server)
{
	uint8_t cli[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 + n % 200 };
	uint8_t srv[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 + n % 50 };

	memcpy(p->data + p->ip_off + 8, to_server ? cli : srv, 16);
	memcpy(p->data + p->ip_off + 24, to_server ? srv : cli, 16);
}

/* Template n (of its kind, i) into t: each one its own flow. */
static int build(struct tmpl *t, struct tmeta *m, enum kind k, int n, uint64_t *seed)
{
	static const uint8_t ctrl[] = { PS_TCP_SYN, PS_TCP_SYN | PS_TCP_ACK, PS_TCP_FIN | PS_TCP_ACK,
					PS_TCP_RST };
	uint16_t eph = 32768 + n * 97 % 28000; /* distinct per template */
	bool up = n % 2; /* to the server or from it */
	struct pkt *p = calloc(1, sizeof(*p));
	int err, eph_at = -1; /* 0: the source port is the ephemeral one, 2: the destination */

	if (!p)
		return -ENOMEM;
	pkt_init(p);
	pkt_eth(p);
	switch (k) {
	case K_TCP4_ACK:
	case K_TCP4_FULL:
	case K_TCP4_MID:
	case K_TCP4_CTRL:
		if (k == K_TCP4_CTRL) /* SYN and FIN from the client */
			up = ctrl[n % 4] == PS_TCP_SYN || (ctrl[n % 4] & PS_TCP_FIN);
		pkt_ipv4(p, 64);
		set_v4(p, n, up);
		pkt_tcp(p, up ? eph : 443, up ? 443 : eph,
			k == K_TCP4_CTRL ? ctrl[n % 4] : PS_TCP_ACK | (k == K_TCP4_ACK ? 0 : PS_TCP_PSH));
		eph_at = up ? 0 : 2;
		if (k == K_TCP4_CTRL && (ctrl[n % 4] & PS_TCP_SYN))
			pkt_tcp_options(p, tcp_mss, sizeof(tcp_mss));
		else
			pkt_tcp_options(p, tcp_ts, sizeof(tcp_ts));
		pkt_payload(p, k == K_TCP4_FULL ? 1448 : k == K_TCP4_MID ? 536 : 0);
		break;
	case K_TCP6_ACK:
	case K_TCP6_FULL:
		pkt_ipv6(p, 64);
		set_v6(p, n, up);
		pkt_tcp(p, up ? eph : 443, up ? 443 : eph, PS_TCP_ACK | (k == K_TCP6_FULL ? PS_TCP_PSH : 0));
		eph_at = up ? 0 : 2;
		pkt_tcp_options(p, tcp_ts, sizeof(tcp_ts));
		pkt_payload(p, k == K_TCP6_FULL ? 1428 : 0);
		break;
	case K_DNS_QUERY:
	case K_DNS_REPLY:
		pkt_ipv4(p, 64);
		set_v4(p, n, k == K_DNS_QUERY);
		pkt_udp(p, k == K_DNS_QUERY ? eph : 53, k == K_DNS_QUERY ? 53 : eph);
		eph_at = k == K_DNS_QUERY ? 0 : 2;
		pkt_payload(p, k == K_DNS_QUERY ? 30 + rnd(seed) % 31 : 80 + rnd(seed) % 321);
		break;
	case K_QUIC_FULL:
	case K_QUIC_SMALL:
		pkt_ipv4(p, 64);
		set_v4(p, n, up);
		pkt_udp(p, up ? eph : 443, up ? 443 : eph);
		eph_at = up ? 0 : 2;
		pkt_payload(p, k == K_QUIC_FULL ? 1200 + rnd(seed) % 101 : 20 + rnd(seed) % 31);
		break;
	case K_UDP6:
		pkt_ipv6(p, 64);
		set_v6(p, n, up);
		pkt_udp(p, eph, 40000 + n);
		eph_at = 0;
		pkt_payload(p, 200 + rnd(seed) % 401);
		break;
	case K_ICMP4:
		pkt_ipv4(p, 64);
		set_v4(p, n, up);
		pkt_icmp(p, up ? 8 : 0, 0);
		pkt_payload(p, 56);
		break;
	case K_ICMP6:
		pkt_ipv6(p, 64);
		set_v6(p, n, up);
		pkt_icmp6(p, up ? 128 : 129, 0);
		pkt_payload(p, 56);
		break;
	case K_VLAN_SYSLOG:
		pkt_vlan(p, 0x8100, 100 + n % 4);
		pkt_ipv4(p, 64);
		set_v4(p, n, true);
		pkt_udp(p, eph, 514);
		eph_at = 0;
		pkt_payload(p, 100 + rnd(seed) % 151);
		break;
	case K_ARP: {
		uint8_t *b;

		pkt_arp(p, 1 + n % 2);
		b = p->data + p->len - 28;
		memcpy(b + 14, (uint8_t[]){ 192, 0, 2, 1 + n % 200 }, 4);
		memcpy(b + 24, (uint8_t[]){ 192, 0, 2, 254 }, 4);
		break;
	}
	default:
		break;
	}
	err = pkt_finish(p, 60);
	if (!err && (p->overflow || p->len > FRAME_MAX))
		err = -E2BIG;
	if (!err) {
		t->len = p->len;
		memcpy(t->data, p->data, p->len);
		m->ip_ver = p->ip_ver;
		m->proto = p->ip_ver ? p->l4_proto : 0;
		m->ip_off = p->ip_off;
		m->l4_off = p->l4_off;
		m->eph_off = eph_at >= 0 ? p->l4_off + eph_at : -1;
	}
	free(p);
	return err;
}

static int build_mix(struct tmpl *t, struct tmeta *meta, enum kind *kind_of)
{
	enum kind order[NTMPL];
	uint64_t seed = 0x5eed5eed12345678ULL;
	int n = 0, err;

	for (int k = 0; k < NKIND; k++)
		for (int i = 0; i < kinds[k].count; i++)
			order[n++] = k;
	if (n != NTMPL) {
		fprintf(stderr, "inject: the mix has %d templates, not %d\n", n, NTMPL);
		return -EINVAL;
	}
	/* A fixed shuffle: kinds interleave, every run the same order. */
	for (int i = NTMPL - 1; i > 0; i--) {
		int j = rnd(&seed) % (i + 1);
		enum kind x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	for (int i = 0; i < NTMPL; i++) {
		err = build(&t[i], &meta[i], order[i], i, &seed);
		if (err) {
			fprintf(stderr, "inject: cannot build template %d (%s)\n", i,
				kinds[order[i]].what);
			return err;
		}
		if (kind_of)
			kind_of[i] = order[i];
	}
	return 0;
}

/*
 * Conversations, as pktscope's flow table keys them: IP version, protocol,
 * the two endpoints in either order (TCP, UDP: address and port; ICMP: the
 * addresses, with the request's type and the code).
 */
struct conv {
	uint8_t ver, proto;
	uint8_t a[16], b[16];
	uint16_t pa, pb;
};

static void conv_of(const struct tmpl *t, const struct tmeta *m, bool with_ports, struct conv *c)
{
	const uint8_t *ip = t->data + m->ip_off, *l4 = t->data + m->l4_off;
	int alen = m->ip_ver == 4 ? 4 : 16;
	uint8_t a[16] = {}, b[16] = {};
	uint16_t pa = 0, pb = 0;
	bool icmp = m->proto == 1 || m->proto == 58;
	int cmp;

	memcpy(a, ip + (m->ip_ver == 4 ? 12 : 8), alen);
	memcpy(b, ip + (m->ip_ver == 4 ? 16 : 24), alen);
	if (icmp) {
		/* An echo reply belongs to its request's conversation. */
		pa = l4[0] == 0 ? 8 : l4[0] == 129 ? 128 : l4[0];
		pb = l4[1];
	} else if (with_ports) {
		pa = l4[0] << 8 | l4[1];
		pb = l4[2] << 8 | l4[3];
	}
	memset(c, 0, sizeof(*c));
	c->ver = m->ip_ver;
	c->proto = m->proto;
	cmp = memcmp(a, b, 16);
	if (cmp > 0 || (cmp == 0 && !icmp && pa > pb)) {
		memcpy(c->a, b, 16);
		memcpy(c->b, a, 16);
		c->pa = icmp ? pa : pb;
		c->pb = icmp ? pb : pa;
	} else {
		memcpy(c->a, a, 16);
		memcpy(c->b, b, 16);
		c->pa = pa;
		c->pb = pb;
	}
}

static bool conv_eq(const struct conv *x, const struct conv *y)
{
	return !memcmp(x, y, sizeof(*x));
}

/* --flows: ephemeral ports come from [VARY_LO, VARY_HI], where no template's
 * other port lies, so a rewritten port never meets a fixed one. */
#define VARY_LO 1024
#define VARY_HI 32767

/*
 * Lays out the rewriting for 'want' conversations (0: none, the mix as
 * built) and returns how many distinct conversations the traffic holds, or
 * -1 when 'want' cannot be made.
 *
 * ICMP templates keep their conversations (their key has no port to vary);
 * each TCP/UDP template gets a share of the rest, as a range of ephemeral
 * ports.  Templates that differ only in their ports (same addresses and
 * protocol) get disjoint ranges, so every (template, port) is its own
 * conversation and the count is exact.  Template i is sent once per round
 * of the cycle, with the next port of its range: all of a template's
 * conversations see packets within (its share) rounds.
 */
static long long plan_flows(const struct tmpl *t, const struct tmeta *m, long long want,
			    struct inj_var *vars)
{
	struct conv fixed[NTMPL], grp[NTMPL];
	int group[NTMPL], used[NTMPL] = {}, nfixed = 0, nvary = 0, rank = 0;
	long long share, extra;

	memset(vars, 0, NTMPL * sizeof(*vars));
	/* Conversations that stay as built: all of them without --flows. */
	for (int i = 0; i < NTMPL; i++) {
		struct conv c;
		bool seen = false;

		if (!m[i].ip_ver)
			continue;
		if (want && m[i].eph_off >= 0) {
			nvary++;
			continue;
		}
		conv_of(&t[i], &m[i], true, &c);
		for (int j = 0; j < nfixed && !seen; j++)
			seen = conv_eq(&fixed[j], &c);
		if (!seen)
			fixed[nfixed++] = c;
	}
	if (!want)
		return nfixed;
	if (want < nfixed + nvary) {
		fprintf(stderr, "inject: --flows takes at least %d (%d ICMP conversations and one "
			"per TCP/UDP template)\n", nfixed + nvary, nfixed);
		return -1;
	}
	share = (want - nfixed) / nvary;
	extra = (want - nfixed) % nvary;
	for (int i = 0; i < NTMPL; i++) {
		const uint8_t *l4 = t[i].data + m[i].l4_off;
		int other, g = i;
		long long n;

		if (!m[i].ip_ver || m[i].eph_off < 0)
			continue;
		other = m[i].eph_off == m[i].l4_off ? l4[2] << 8 | l4[3] : l4[0] << 8 | l4[1];
		if (other >= VARY_LO && other <= VARY_HI) {
			fprintf(stderr, "inject: template %d's fixed port %d is in the --flows range\n",
				i, other);
			return -1;
		}
		/* Same addresses and protocol as an earlier template: share
		 * its port space. */
		conv_of(&t[i], &m[i], false, &grp[i]);
		for (int j = 0; j < i; j++)
			if (m[j].ip_ver && m[j].eph_off >= 0 && conv_eq(&grp[j], &grp[i])) {
				g = group[j];
				break;
			}
		group[i] = g;
		n = share + (rank++ < extra);
		if (used[g] + n > VARY_HI - VARY_LO + 1) {
			fprintf(stderr, "inject: --flows %lld is too many: templates with the same "
				"addresses run out of ports\n", want);
			return -1;
		}
		vars[i].port_off = m[i].eph_off;
		vars[i].csum_off = m[i].l4_off + (m[i].proto == 6 ? 16 : 6);
		vars[i].udp = m[i].proto == 17;
		vars[i].base = VARY_LO + used[g];
		vars[i].n = n;
		used[g] += n;
		if (vars[i].port_off > 0xff - 2 || vars[i].csum_off > 0xff - 2) {
			fprintf(stderr, "inject: template %d's ports lie beyond 255 bytes\n", i);
			return -1;
		}
	}
	return want;
}

static int cmd_mix(int argc, char **argv)
{
	static struct tmpl t[NTMPL];
	static struct inj_var vars[NTMPL];
	struct tmeta meta[NTMPL];
	enum kind kind_of[NTMPL];
	const char *out = NULL;
	uint64_t bytes = 0;
	int c;

	while ((c = getopt(argc, argv, "w:")) != -1) {
		if (c != 'w')
			return 2;
		out = optarg;
	}
	if (build_mix(t, meta, kind_of))
		return 1;
	printf("%-44s %6s %7s %10s\n", "kind", "of 256", "share", "bytes");
	for (int k = 0; k < NKIND; k++) {
		unsigned int lo = ~0u, hi = 0;

		for (int i = 0; i < NTMPL; i++)
			if (kind_of[i] == (enum kind)k) {
				lo = t[i].len < lo ? t[i].len : lo;
				hi = t[i].len > hi ? t[i].len : hi;
			}
		printf("%-44s %6d %6.1f%% %4u-%-5u\n", kinds[k].what, kinds[k].count,
		       100.0 * kinds[k].count / NTMPL, lo, hi);
	}
	for (int i = 0; i < NTMPL; i++)
		bytes += t[i].len;
	printf("mean frame: %.1f bytes\n", (double)bytes / NTMPL);
	printf("IP conversations: %lld (send --flows N makes N of them)\n",
	       plan_flows(t, meta, 0, vars));
	if (out) {
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
		pcap_dumper_t *d = dead ? pcap_dump_open(dead, out) : NULL;

		if (!d) {
			fprintf(stderr, "inject: cannot write %s\n", out);
			return 1;
		}
		for (int i = 0; i < NTMPL; i++) {
			struct pcap_pkthdr h = { .ts = { .tv_sec = 1, .tv_usec = i },
						 .caplen = t[i].len, .len = t[i].len };

			pcap_dump((u_char *)d, &h, t[i].data);
		}
		pcap_dump_close(d);
		pcap_close(dead);
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* --max-len: the mix's templates of at most max_len bytes, in the mix's
 * order, cycled to fill all NTMPL slots (the ones that fit are kept at
 * their share of one another). */
static int small_only(struct tmpl *t, struct tmeta *meta, unsigned int max_len)
{
	static struct tmpl keep[NTMPL];
	struct tmeta kmeta[NTMPL];
	int n = 0;

	for (int i = 0; i < NTMPL; i++) {
		if (t[i].len > max_len)
			continue;
		keep[n] = t[i];
		kmeta[n++] = meta[i];
	}
	if (!n) {
		fprintf(stderr, "inject send: no template of at most %u bytes\n", max_len);
		return -EINVAL;
	}
	for (int i = 0; i < NTMPL; i++) {
		t[i] = keep[i % n];
		meta[i] = kmeta[i % n];
	}
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "max-len", required_argument, NULL, 'm' },
		{},
	};
	static struct tmpl t[NTMPL];
	static struct inj_var vars[NTMPL];
	static uint8_t frame[FRAME_MAX];
	struct tmeta meta[NTMPL];
	long long want_flows = 0, nflows;
	char *end;
	struct inject_bpf *skel = NULL;
	const char *iface = NULL;
	unsigned long long count = 0, done = 0;
	unsigned int batch = 64, max_len = 0;
	struct rusage r0, r1;
	double t0, t1;
	int c, err = 0, fd, ifindex;

	while ((c = getopt_long(argc, argv, "i:n:b:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'b': batch = strtoul(optarg, NULL, 0); break;
		case 'f':
			want_flows = strtoll(optarg, &end, 10);
			if (*end || want_flows < 1) {
				fprintf(stderr, "inject send: --flows takes a number of conversations\n");
				return 2;
			}
			break;
		case 'm': max_len = strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!iface || !count || !batch || batch > 256 || (max_len && want_flows)) {
		fprintf(stderr, "inject send: needs -i IFACE and -n COUNT > 0 (-b BATCH 1..256, "
			"--flows N or --max-len BYTES)\n");
		return 2;
	}
	ifindex = if_nametoindex(iface);
	if (!ifindex) {
		fprintf(stderr, "inject send: no interface %s\n", iface);
		return 2;
	}
	if (build_mix(t, meta, NULL))
		return 1;
	if (max_len && small_only(t, meta, max_len))
		return 2;
	nflows = plan_flows(t, meta, want_flows, vars);
	if (nflows < 0)
		return 2;
	skel = inject_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->inj_ifindex = ifindex;
	skel->rodata->inj_ntmpl = NTMPL;
	skel->rodata->inj_vary = want_flows > 0;
	memcpy(skel->rodata->inj_vars, vars, sizeof(vars));
	err = inject_bpf__load(skel);
	if (err) {
		fprintf(stderr, "inject send: cannot load inject.bpf.o: %s (root?)\n", strerror(-err));
		goto out;
	}
	for (__u32 i = 0; i < NTMPL; i++)
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.inj_tmpls), &i, &t[i], BPF_ANY)) {
			err = -errno;
			goto out;
		}
	/* The first frame of every page: a full-size one, so that growing to
	 * any template never needs more room than the page was set up with. */
	memcpy(frame, t[0].data, t[0].len);
	fd = bpf_program__fd(skel->progs.inj_xdp);

	getrusage(RUSAGE_SELF, &r0);
	t0 = now_s();
	while (done < count) {
		__u32 n = count - done > (1u << 20) ? 1u << 20 : count - done;
		LIBBPF_OPTS(bpf_test_run_opts, o,
			.data_in = frame,
			.data_size_in = sizeof(frame),
			.repeat = n,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			.batch_size = batch,
		);

		if (bpf_prog_test_run_opts(fd, &o)) {
			err = -errno;
			fprintf(stderr, "inject send: test run failed: %s\n", strerror(-err));
			goto out;
		}
		done += n;
	}
	t1 = now_s();
	getrusage(RUSAGE_SELF, &r1);
	printf("sent=%llu redirected=%llu failed=%llu secs=%.3f mpps=%.3f cpu_user_s=%.3f "
	       "cpu_sys_s=%.3f flows=%lld\n", done, (unsigned long long)skel->bss->inj_redirected,
	       (unsigned long long)skel->bss->inj_failed, t1 - t0, done / (t1 - t0) / 1e6,
	       tv_s(r1.ru_utime) - tv_s(r0.ru_utime), tv_s(r1.ru_stime) - tv_s(r0.ru_stime),
	       nflows);
out:
	inject_bpf__destroy(skel);
	return err ? 1 : 0;
}

static volatile pid_t child;

static void pass_on(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static int cmd_run(int argc, char **argv)
{
	const char *pidfile = NULL, *statsfile = NULL;
	struct sigaction sa = { .sa_handler = pass_on };
	struct rusage ru;
	int c, status;
	pid_t pid;
	FILE *f;

	while ((c = getopt(argc, argv, "+p:o:")) != -1) {
		switch (c) {
		case 'p': pidfile = optarg; break;
		case 'o': statsfile = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc || !statsfile) {
		fprintf(stderr, "inject run: -o STATSFILE [-p PIDFILE] -- CMD [ARG]...\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "inject run: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	child = pid;
	if (pidfile && (f = fopen(pidfile, "w"))) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return 1;
	f = fopen(statsfile, "w");
	if (f) {
		fprintf(f, "utime_us=%lld stime_us=%lld maxrss_kb=%ld\n",
			(long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
			(long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, ru.ru_maxrss);
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Walks the records of a pcap file (either timestamp resolution). */
static int cmd_count(int argc, char **argv)
{
	unsigned long long pkts = 0, bytes = 0;
	uint32_t hdr[6], rec[4];
	FILE *f;
	bool swap;

	if (argc < 2) {
		fprintf(stderr, "inject count: FILE\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f || fread(hdr, sizeof(hdr), 1, f) != 1) {
		fprintf(stderr, "inject count: cannot read %s\n", argv[1]);
		return 1;
	}
	swap = hdr[0] == 0xd4c3b2a1 || hdr[0] == 0x4d3cb2a1;
	if (!swap && hdr[0] != 0xa1b2c3d4 && hdr[0] != 0xa1b23c4d) {
		fprintf(stderr, "inject count: %s is not a pcap file\n", argv[1]);
		return 1;
	}
	while (fread(rec, sizeof(rec), 1, f) == 1) {
		uint32_t caplen = swap ? __builtin_bswap32(rec[2]) : rec[2];

		if (fseek(f, caplen, SEEK_CUR))
			break;
		pkts++;
		bytes += caplen;
	}
	fclose(f);
	printf("packets=%llu bytes=%llu\n", pkts, bytes);
	return 0;
}

/* ethtool -K IFACE gro|gso|tso on|off, without ethtool (not installed
 * here): the legacy ethtool ioctls, which the kernel maps onto features. */
static int set_offload(const char *ifname, const char *feature, const char *state)
{
	static const struct {
		const char *name;
		__u32 cmd;
	} feats[] = { { "gro", ETHTOOL_SGRO }, { "gso", ETHTOOL_SGSO }, { "tso", ETHTOOL_STSO } };
	struct ethtool_value ev = { .cmd = 0 };
	struct ifreq ifr = {};
	int fd, err = 0;

	for (size_t i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
		if (!strcmp(feature, feats[i].name))
			ev.cmd = feats[i].cmd;
	if (!ev.cmd || (strcmp(state, "on") && strcmp(state, "off"))) {
		fprintf(stderr, "inject offload: IFACE gro|gso|tso on|off\n");
		return 2;
	}
	ev.data = !strcmp(state, "on");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCETHTOOL, &ifr)) {
		err = errno;
		fprintf(stderr, "inject offload: %s %s: %s\n", ifname, feature, strerror(err));
	}
	if (fd >= 0)
		close(fd);
	return err ? 1 : 0;
}

static int cmd_offload(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "inject offload: IFACE gro|gso|tso on|off\n");
		return 2;
	}
	return set_offload(argv[1], argv[2], argv[3]);
}

static int cmd_gro(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "inject gro: IFACE on|off\n");
		return 2;
	}
	return set_offload(argv[1], "gro", argv[2]);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: inject mix|send|run|count|gro|offload ... (see bench/inject.c)\n");
		return 2;
	}
	if (!strcmp(argv[1], "mix"))
		return cmd_mix(argc - 1, argv + 1);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "count"))
		return cmd_count(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gro"))
		return cmd_gro(argc - 1, argv + 1);
	if (!strcmp(argv[1], "offload"))
		return cmd_offload(argc - 1, argv + 1);
	fprintf(stderr, "inject: unknown command %s\n", argv[1]);
	return 2;
}
