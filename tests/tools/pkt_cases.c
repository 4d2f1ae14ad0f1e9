// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The crafted packets: one row per case, each with the counters the spec in
 * include/pktscope/abi.h says it drives.  Every counter has at least one row
 * (test_datapath checks that), and every malformed row breaks exactly one
 * thing, so the row's name is its reason.
 */
#include <stdlib.h>
#include <string.h>
#include "pkt.h"

#define C(id) PKT_CTR(id)
#define OK4 (C(OK) | C(L2_IPV4))
#define OK6 (C(OK) | C(L2_IPV6))

/* Frames above what one page of XDP test-run data holds (4096 minus 256 of
 * headroom and 320 of skb_shared_info) go multi-buffer, and are beyond what
 * a TC test run accepts. */
#define PKT_LINEAR_MAX 3520

_Static_assert(PS_CTR_MAX <= 64, "expectations are a 64-bit mask");

static struct pkt_case *cases;
static size_t ncases, cap;
static struct pkt *P; /* the packet being built */

static void add(const char *name, const char *what, uint64_t expect)
{
	struct pkt_case *c;
	uint8_t *data;

	if (P->overflow)
		abort(); /* a table bug, not a runtime condition */
	if (ncases == cap) {
		cap = cap ? 2 * cap : 128;
		cases = realloc(cases, cap * sizeof(*cases));
		if (!cases)
			abort();
	}
	data = malloc(P->len ? P->len : 1);
	if (!data)
		abort();
	memcpy(data, P->data, P->len);
	c = &cases[ncases++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->what = what;
	c->data = data;
	c->len = P->len;
	c->expect = expect | C(TOTAL);
	c->ttl = P->ip_ver ? P->ip_ttl : -1;
	c->lay = P->lay;
	if (expect & C(OK))
		c->flags |= PKT_F_VALID;
	if (P->len > PKT_LINEAR_MAX)
		c->flags |= PKT_F_BIG;
	if (P->len < 14 || P->len > PKT_LINEAR_MAX)
		c->flags |= PKT_F_XDP_ONLY;
}

static void v4(uint8_t ttl)
{
	pkt_init(P);
	pkt_eth(P);
	pkt_ipv4(P, ttl);
}

static void v6(uint8_t hop_limit)
{
	pkt_init(P);
	pkt_eth(P);
	pkt_ipv6(P, hop_limit);
}

static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
static const uint8_t tcp_ts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0 };
static const uint8_t ip4_router_alert[] = { 0x94, 4, 0, 0 };
/* Record Route with room for 9 addresses: the largest IPv4 header. */
static const uint8_t ip4_rr[39] = { 7, 39, 4 };

static void tcp_flag_cases(void)
{
	static const struct {
		const char *name, *what;
		uint8_t flags;
		uint64_t expect;
	} f[] = {
		{ "ipv4_tcp_syn", "SYN with MSS option", PS_TCP_SYN, C(TCP_SYN) },
		{ "ipv4_tcp_synack", "SYN+ACK", PS_TCP_SYN | PS_TCP_ACK, C(TCP_SYNACK) },
		{ "ipv4_tcp_fin", "FIN+ACK: a fin", PS_TCP_FIN | PS_TCP_ACK, C(TCP_FIN) },
		{ "ipv4_tcp_rst", "bare RST", PS_TCP_RST, C(TCP_RST) },
		{ "ipv4_tcp_rstack", "RST+ACK", PS_TCP_RST | PS_TCP_ACK, C(TCP_RST) },
		{ "ipv4_tcp_null", "no flags: null scan", 0, C(TCP_NULL) },
		{ "ipv4_tcp_synfin", "SYN+FIN: also a syn and a fin",
		  PS_TCP_SYN | PS_TCP_FIN, C(TCP_SYN) | C(TCP_FIN) | C(TCP_SYNFIN) },
		{ "ipv4_tcp_xmas", "FIN+PSH+URG: xmas, and a fin",
		  PS_TCP_FIN | PS_TCP_PSH | PS_TCP_URG, C(TCP_FIN) | C(TCP_XMAS) },
		{ "ipv4_tcp_xmas_all", "all eight flags: synack, fin, rst, synfin, xmas",
		  0xff, C(TCP_SYNACK) | C(TCP_FIN) | C(TCP_RST) | C(TCP_SYNFIN) | C(TCP_XMAS) },
		{ "ipv4_tcp_ece_cwr", "only ECE+CWR: not null, no class",
		  PS_TCP_ECE | PS_TCP_CWR, 0 },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		v4(64);
		pkt_tcp(P, 40000, 80, f[i].flags);
		if (f[i].flags & PS_TCP_SYN)
			pkt_tcp_options(P, mss, sizeof(mss));
		pkt_finish(P, 60);
		add(f[i].name, f[i].what, OK4 | C(L4_TCP) | f[i].expect);
	}
}

static void ipv4_cases(void)
{
	v4(64);
	pkt_tcp(P, 40000, 443, PS_TCP_PSH | PS_TCP_ACK);
	pkt_tcp_options(P, tcp_ts, sizeof(tcp_ts));
	pkt_payload(P, 200);
	pkt_finish(P, 60);
	add("ipv4_tcp_data", "PSH+ACK, timestamps, 200 bytes of data", OK4 | C(L4_TCP));

	v4(64);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 30);
	pkt_finish(P, 60);
	add("ipv4_udp", "UDP, 30 bytes of data", OK4 | C(L4_UDP));

	v4(64);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 2);
	pkt_finish(P, 60);
	add("ipv4_udp_padded", "44-byte frame padded to 60: padding is no UDP data",
	    OK4 | C(L4_UDP));

	v4(64);
	pkt_set16(P, P->ip_off + 6, 0x4000);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 10);
	pkt_finish(P, 60);
	add("ipv4_udp_df", "Don't Fragment is not a fragment", OK4 | C(L4_UDP));

	v4(64);
	pkt_icmp(P, 8, 0);
	pkt_payload(P, 56);
	pkt_finish(P, 60);
	add("ipv4_icmp_echo", "ICMP echo request", OK4 | C(L4_ICMP));

	v4(64);
	pkt_ip4_options(P, ip4_router_alert, sizeof(ip4_router_alert));
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 60);
	add("ipv4_options_tcp", "IHL 6 (Router Alert), TCP SYN",
	    OK4 | C(IPV4_OPTIONS) | C(L4_TCP) | C(TCP_SYN));

	v4(64);
	pkt_ip4_options(P, ip4_rr, sizeof(ip4_rr));
	pkt_udp(P, 5000, 5001);
	pkt_finish(P, 60);
	add("ipv4_options_max_udp", "IHL 15 (Record Route), UDP",
	    OK4 | C(IPV4_OPTIONS) | C(L4_UDP));

	static const struct { const char *name; uint8_t ttl; uint64_t low; } t[] = {
		{ "ipv4_ttl0_udp", 0, C(TTL_LOW) },
		{ "ipv4_ttl1_udp", 1, C(TTL_LOW) },
		{ "ipv4_ttl2_udp", 2, 0 },
		{ "ipv4_ttl9_udp", 9, 0 },
		{ "ipv4_ttl10_udp", 10, 0 },
		{ "ipv4_ttl255_udp", 255, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v4(t[i].ttl);
		pkt_udp(P, 33434, 33435);
		pkt_payload(P, 12);
		pkt_finish(P, 60);
		add(t[i].name, "TTL probe: low below the threshold (2 by default)",
		    OK4 | C(L4_UDP) | t[i].low);
	}

	v4(64);
	pkt_ip4_frag(P, 0, true);
	pkt_udp(P, 4000, 4001);
	pkt_payload(P, 64);
	pkt_finish(P, 60);
	pkt_udp_set_len(P, 1480);
	add("ipv4_frag_first_udp", "first fragment: UDP length is the whole datagram's",
	    OK4 | C(FRAG4_FIRST) | C(L4_UDP));

	v4(64);
	pkt_ip4_frag(P, 0, true);
	pkt_tcp(P, 40000, 80, PS_TCP_ACK);
	pkt_payload(P, 100);
	pkt_finish(P, 60);
	add("ipv4_frag_first_tcp", "first fragment of a TCP segment",
	    OK4 | C(FRAG4_FIRST) | C(L4_TCP));

	v4(64);
	pkt_ip4_frag(P, 185, true);
	pkt_ipproto(P, 17);
	pkt_payload(P, 100);
	pkt_finish(P, 60);
	add("ipv4_frag_later", "middle fragment: no L4 header to read",
	    OK4 | C(FRAG4_LATER) | C(L4_FRAGMENT));

	v4(64);
	pkt_ip4_frag(P, 370, false);
	pkt_ipproto(P, 6);
	pkt_payload(P, 50);
	pkt_finish(P, 60);
	add("ipv4_frag_last", "last fragment (offset, no MF)",
	    OK4 | C(FRAG4_LATER) | C(L4_FRAGMENT));

	v4(64);
	pkt_ip4_frag(P, 1, false);
	pkt_ipproto(P, 17);
	pkt_finish(P, 60);
	add("ipv4_frag_later_empty", "later fragment with no data at all",
	    OK4 | C(FRAG4_LATER) | C(L4_FRAGMENT));

	v4(64);
	pkt_ipproto(P, 253);
	pkt_payload(P, 24);
	pkt_finish(P, 60);
	add("ipv4_proto253", "protocol 253 (experimental): other", OK4 | C(L4_OTHER));

	v4(64);
	pkt_ipproto(P, 58);
	pkt_payload(P, 8);
	pkt_finish(P, 60);
	add("ipv4_proto58", "ICMPv6's number inside IPv4: other", OK4 | C(L4_OTHER));

	v4(64);
	pkt_finish(P, 60);
	add("ipv4_hdr_only", "a 20-byte datagram without payload", OK4 | C(L4_OTHER));
}

static void ipv6_cases(void)
{
	v6(64);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_tcp_options(P, mss, sizeof(mss));
	pkt_finish(P, 60);
	add("ipv6_tcp_syn", "IPv6 TCP SYN", OK6 | C(L4_TCP) | C(TCP_SYN));

	v6(64);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 40);
	pkt_finish(P, 60);
	add("ipv6_udp", "IPv6 UDP", OK6 | C(L4_UDP));

	v6(64);
	pkt_icmp6(P, 128, 0);
	pkt_payload(P, 56);
	pkt_finish(P, 60);
	add("ipv6_icmpv6_echo", "ICMPv6 echo request", OK6 | C(L4_ICMPV6));

	v6(255);
	pkt_ipproto(P, 58);
	pkt_bytes(P, "\xc8\x00\x00\x00", 4); /* type 200: private use */
	pkt_finish(P, 60);
	add("ipv6_icmpv6_min", "ICMPv6 with only its 4-byte header", OK6 | C(L4_ICMPV6));

	static const struct { const char *name; uint8_t hl; uint64_t low; } t[] = {
		{ "ipv6_hlim0_udp", 0, C(TTL_LOW) },
		{ "ipv6_hlim1_udp", 1, C(TTL_LOW) },
		{ "ipv6_hlim10_udp", 10, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v6(t[i].hl);
		pkt_udp(P, 33434, 33435);
		pkt_finish(P, 60);
		add(t[i].name, "hop-limit probe", OK6 | C(L4_UDP) | t[i].low);
	}

	v6(64);
	pkt_ip6_ext(P, 0, 8);
	pkt_ip6_ext(P, 60, 16);
	pkt_ip6_ext(P, 43, 24);
	pkt_ip6_ext(P, 51, 24);
	pkt_ip6_ext(P, 60, 8);
	pkt_tcp(P, 40000, 22, PS_TCP_SYN);
	pkt_finish(P, 0);
	add("ipv6_ext_chain_tcp", "hop-by-hop, dest opts, routing, AH (4-byte units), dest opts, TCP SYN",
	    OK6 | C(IPV6_EXT) | C(L4_TCP) | C(TCP_SYN));

	v6(64);
	pkt_ip6_ext(P, 0, 8);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 20);
	pkt_finish(P, 0);
	add("ipv6_hbh_udp", "hop-by-hop then UDP", OK6 | C(IPV6_EXT) | C(L4_UDP));

	v6(64);
	for (int i = 0; i < PS_IPV6_MAX_EXT; i++)
		pkt_ip6_ext(P, 60, 8);
	pkt_udp(P, 1000, 2000);
	pkt_finish(P, 0);
	add("ipv6_ext_max_udp", "exactly as many extension headers as the parser walks",
	    OK6 | C(IPV6_EXT) | C(L4_UDP));

	v6(64);
	pkt_ip6_ext(P, 51, 16);
	pkt_icmp6(P, 129, 0);
	pkt_finish(P, 0);
	add("ipv6_ah_icmpv6", "AH of 16 bytes (hdrlen 2), ICMPv6 echo reply",
	    OK6 | C(IPV6_EXT) | C(L4_ICMPV6));

	v6(64);
	pkt_ip6_frag(P, 0, true);
	pkt_udp(P, 4000, 4001);
	pkt_payload(P, 64);
	pkt_finish(P, 0);
	pkt_udp_set_len(P, 3000);
	add("ipv6_frag_first_udp", "first fragment: UDP length is the whole datagram's",
	    OK6 | C(IPV6_EXT) | C(FRAG6_FIRST) | C(L4_UDP));

	v6(64);
	pkt_ip6_frag(P, 100, true);
	pkt_ipproto(P, 17);
	pkt_payload(P, 64);
	pkt_finish(P, 0);
	add("ipv6_frag_later", "middle fragment", OK6 | C(IPV6_EXT) | C(FRAG6_LATER) | C(L4_FRAGMENT));

	v6(64);
	pkt_ip6_ext(P, 0, 8);
	pkt_ip6_frag(P, 200, false);
	pkt_ipproto(P, 6);
	pkt_payload(P, 30);
	pkt_finish(P, 0);
	add("ipv6_hbh_frag_last", "hop-by-hop, last fragment",
	    OK6 | C(IPV6_EXT) | C(FRAG6_LATER) | C(L4_FRAGMENT));

	v6(64);
	pkt_ip6_frag(P, 0, false);
	pkt_udp(P, 4000, 4001);
	pkt_finish(P, 0);
	add("ipv6_frag_atomic", "atomic fragment (offset 0, no M): not a fragment",
	    OK6 | C(IPV6_EXT) | C(L4_UDP));

	v6(64);
	pkt_ipproto(P, 59);
	pkt_finish(P, 60);
	add("ipv6_no_next", "next header 59, empty payload", OK6 | C(L4_OTHER));

	v6(64);
	pkt_ipproto(P, 1);
	pkt_payload(P, 8);
	pkt_finish(P, 0);
	add("ipv6_proto1", "ICMP's number inside IPv6: other", OK6 | C(L4_OTHER));
}

static void l2_cases(void)
{
	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 10);
	pkt_ipv4(P, 64);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 20);
	pkt_finish(P, 64);
	add("vlan_q_ipv4_udp", "802.1Q, IPv4 UDP", OK4 | C(VLAN_8021Q) | C(L4_UDP));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x88a8, 100);
	pkt_vlan(P, 0x8100, 10);
	pkt_ipv4(P, 64);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 64);
	add("vlan_qinq_ipv4_tcp", "802.1ad outer, 802.1Q inner, TCP SYN",
	    OK4 | C(VLAN_8021AD) | C(VLAN_8021Q) | C(L4_TCP) | C(TCP_SYN));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x9100, 7);
	pkt_ipv6(P, 64);
	pkt_udp(P, 40001, 40002);
	pkt_finish(P, 64);
	add("vlan_9100_ipv6_udp", "pre-standard QinQ TPID 0x9100, IPv6 UDP",
	    OK6 | C(VLAN_8021AD) | C(L4_UDP));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 10);
	pkt_vlan(P, 0x8100, 20);
	pkt_ipv6(P, 64);
	pkt_icmp6(P, 128, 0);
	pkt_finish(P, 64);
	add("vlan_qq_ipv6_icmpv6", "two 802.1Q tags: counted once",
	    OK6 | C(VLAN_8021Q) | C(L4_ICMPV6));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x88a8, 100);
	pkt_arp(P, 1);
	pkt_finish(P, 64);
	add("vlan_ad_arp", "802.1ad, ARP", C(OK) | C(L2_ARP) | C(VLAN_8021AD));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 10);
	pkt_ethertype(P, 0x88b5);
	pkt_payload(P, 30);
	pkt_finish(P, 64);
	add("vlan_q_other", "802.1Q, EtherType 0x88b5: other", C(OK) | C(L2_OTHER) | C(VLAN_8021Q));

	pkt_init(P);
	pkt_eth(P);
	pkt_arp(P, 1);
	pkt_finish(P, 60);
	add("arp_request", "ARP who-has, padded", C(OK) | C(L2_ARP));

	pkt_init(P);
	pkt_eth(P);
	pkt_arp(P, 2);
	pkt_finish(P, 0);
	add("arp_reply", "ARP reply, unpadded 42 bytes", C(OK) | C(L2_ARP));

	pkt_init(P);
	pkt_eth(P);
	pkt_ethertype(P, 0x88b5);
	pkt_payload(P, 30);
	pkt_finish(P, 60);
	add("ether_other", "EtherType 0x88b5 (local experimental): other", C(OK) | C(L2_OTHER));

	pkt_init(P);
	pkt_eth(P);
	pkt_ethertype(P, 38); /* 802.3 length */
	pkt_bytes(P, "\x42\x42\x03", 3); /* LLC: STP */
	pkt_payload(P, 35);
	pkt_finish(P, 60);
	add("ether_8023_llc", "802.3 length field with LLC: other", C(OK) | C(L2_OTHER));

	pkt_init(P);
	pkt_eth(P);
	pkt_ethertype(P, 0x88b5);
	pkt_finish(P, 0);
	add("ether_only", "a bare 14-byte Ethernet header", C(OK) | C(L2_OTHER));
}

/* Frames beyond one page: XDP sees them as multi-buffer. */
static void big_cases(void)
{
	v4(64);
	pkt_udp(P, 9000, 9001);
	pkt_payload(P, 5000 - 14 - 20 - 8);
	pkt_finish(P, 0);
	add("ipv4_udp_5000", "5000-byte frame: counted whole", OK4 | C(L4_UDP));

	v6(64);
	pkt_tcp(P, 40000, 80, PS_TCP_ACK);
	pkt_payload(P, 9000 - 14 - 40 - 20);
	pkt_finish(P, 0);
	add("ipv6_tcp_9000", "9000-byte jumbo frame", OK6 | C(L4_TCP));

	v6(64);
	pkt_ip6_ext(P, 60, 2048);
	pkt_ip6_ext(P, 60, 2048);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 0);
	add("ipv6_nonlinear_l4", "TCP header past the first buffer: IPv6 valid, TCP unread",
	    C(NONLINEAR) | C(L2_IPV6) | C(IPV6_EXT) | C(L4_TCP));

	v6(64);
	pkt_ip6_ext(P, 60, 2048);
	pkt_ip6_ext(P, 60, 2048);
	pkt_ip6_ext(P, 60, 2048);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	add("ipv6_nonlinear_ext", "third extension header past the first buffer",
	    C(NONLINEAR) | C(L2_IPV6));
}

static void malformed_l2_cases(void)
{
	pkt_init(P);
	add("eth_empty", "a zero-length frame", C(BAD_ETH_SHORT));

	pkt_init(P);
	pkt_eth(P);
	pkt_truncate(P, 13);
	add("eth_short", "13 bytes: one short of Ethernet", C(BAD_ETH_SHORT));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 10);
	pkt_ipv4(P, 64);
	pkt_finish(P, 0);
	pkt_truncate(P, 16);
	add("vlan_short", "802.1Q tag cut after its TCI", C(BAD_VLAN_SHORT));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x88a8, 100);
	pkt_vlan(P, 0x8100, 10);
	pkt_ipv4(P, 64);
	pkt_finish(P, 0);
	pkt_truncate(P, 20);
	add("vlan_short_inner", "QinQ, inner tag cut short", C(BAD_VLAN_SHORT));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x88a8, 100);
	pkt_vlan(P, 0x8100, 10);
	pkt_vlan(P, 0x8100, 20);
	pkt_ipv4(P, 64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 64);
	add("vlan_too_deep", "three tags", C(BAD_VLAN_DEEP));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 10);
	pkt_vlan(P, 0x8100, 20);
	pkt_vlan(P, 0x8100, 30);
	pkt_truncate(P, 22);
	add("vlan_too_deep_cut", "a third TPID with nothing after it: too deep, not short",
	    C(BAD_VLAN_DEEP));

	pkt_init(P);
	pkt_eth(P);
	pkt_arp(P, 1);
	pkt_finish(P, 0);
	pkt_truncate(P, 14 + 6);
	add("arp_short_fixed", "ARP fixed part cut", C(BAD_ARP_SHORT) | C(L2_ARP));

	pkt_init(P);
	pkt_eth(P);
	pkt_arp(P, 1);
	pkt_finish(P, 0);
	pkt_truncate(P, 14 + 20);
	add("arp_short_addrs", "ARP addresses cut", C(BAD_ARP_SHORT) | C(L2_ARP));

	pkt_init(P);
	pkt_eth(P);
	pkt_arp(P, 1);
	pkt_finish(P, 60);
	pkt_set8(P, 14 + 4, 20);
	add("arp_long_hlen", "hardware address length 20: addresses beyond the frame",
	    C(BAD_ARP_SHORT) | C(L2_ARP));
}

static void malformed_ipv4_cases(void)
{
	v4(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_truncate(P, 14 + 19);
	add("ipv4_short", "19 bytes of IPv4 header", C(BAD_IPV4_SHORT) | C(L2_IPV4));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 60);
	pkt_ip4_set_version(P, 6);
	add("ipv4_bad_version", "EtherType IPv4, version 6", C(BAD_IPV4_VERSION) | C(L2_IPV4));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 60);
	pkt_ip4_set_ihl(P, 4);
	add("ipv4_bad_ihl", "IHL 4", C(BAD_IPV4_IHL) | C(L2_IPV4));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 60);
	pkt_ip4_set_ihl(P, 0);
	add("ipv4_bad_ihl0", "IHL 0", C(BAD_IPV4_IHL) | C(L2_IPV4));

	v4(64);
	pkt_ip4_options(P, ip4_rr, sizeof(ip4_rr));
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_truncate(P, 14 + 30);
	add("ipv4_options_short", "IHL 15, frame ends in the options",
	    C(BAD_IPV4_OPTS) | C(L2_IPV4));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_ip4_set_ihl(P, 15);
	add("ipv4_ihl_beyond", "IHL 15 in a 42-byte frame", C(BAD_IPV4_OPTS) | C(L2_IPV4));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_payload(P, 10);
	pkt_finish(P, 0);
	pkt_ip4_set_tot_len(P, 20 + 8 + 10 + 1);
	add("ipv4_totlen_beyond", "total length one past the frame",
	    C(BAD_IPV4_TOTLEN) | C(L2_IPV4));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 60);
	pkt_ip4_set_tot_len(P, 19);
	add("ipv4_totlen_below_hdr", "total length 19", C(BAD_IPV4_TOTLEN) | C(L2_IPV4));

	v4(64);
	pkt_ip4_options(P, ip4_router_alert, sizeof(ip4_router_alert));
	pkt_udp(P, 1, 2);
	pkt_finish(P, 60);
	pkt_ip4_set_tot_len(P, 20);
	add("ipv4_totlen_below_ihl", "IHL 6, total length 20: no options counted",
	    C(BAD_IPV4_TOTLEN) | C(L2_IPV4));

	v4(1);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_ip4_set_tot_len(P, 1000);
	add("ipv4_ttl1_bad_totlen", "TTL 1 in an invalid header: not counted low",
	    C(BAD_IPV4_TOTLEN) | C(L2_IPV4));

	v4(64);
	pkt_ip4_frag(P, 185, true);
	pkt_ipproto(P, 17);
	pkt_payload(P, 20);
	pkt_finish(P, 0);
	pkt_ip4_set_tot_len(P, 100);
	add("ipv4_frag_bad_totlen", "fragment in an invalid header: no fragment counted",
	    C(BAD_IPV4_TOTLEN) | C(L2_IPV4));

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 10);
	pkt_ipv4(P, 64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 64);
	pkt_ip4_set_ihl(P, 3);
	add("vlan_q_ipv4_bad_ihl", "802.1Q, IHL 3: L2 and VLAN still counted",
	    C(BAD_IPV4_IHL) | C(L2_IPV4) | C(VLAN_8021Q));
}

static void malformed_ipv6_cases(void)
{
	v6(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_truncate(P, 14 + 39);
	add("ipv6_short", "39 bytes of IPv6 header", C(BAD_IPV6_SHORT) | C(L2_IPV6));

	v6(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_ip6_set_version(P, 4);
	add("ipv6_bad_version", "EtherType IPv6, version 4", C(BAD_IPV6_VERSION) | C(L2_IPV6));

	v6(64);
	pkt_udp(P, 1, 2);
	pkt_payload(P, 10);
	pkt_finish(P, 0);
	pkt_ip6_set_plen(P, 8 + 10 + 1);
	add("ipv6_plen_beyond", "payload length one past the frame",
	    C(BAD_IPV6_PLEN) | C(L2_IPV6));

	v6(64);
	pkt_ip6_ext(P, 0, 8);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_ip6_set_plen(P, 4);
	add("ipv6_ext_short_hdr", "payload ends inside the first 8 bytes of hop-by-hop",
	    C(BAD_IPV6_EXT_SHORT) | C(L2_IPV6));

	v6(64);
	pkt_ip6_ext(P, 0, 8);
	pkt_ip6_ext(P, 60, 24);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_ip6_set_plen(P, 8 + 16);
	pkt_truncate(P, 14 + 40 + 8 + 16);
	add("ipv6_ext_short_len", "dest opts says 24 bytes, 16 are there",
	    C(BAD_IPV6_EXT_SHORT) | C(L2_IPV6));

	v6(64);
	pkt_ip6_ext(P, 51, 24);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_ip6_set_plen(P, 20);
	add("ipv6_ah_short", "AH of 24 bytes (4-byte units), payload length 20",
	    C(BAD_IPV6_EXT_SHORT) | C(L2_IPV6));

	v6(1);
	pkt_ip6_ext(P, 0, 16);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	pkt_ip6_set_plen(P, 8);
	add("ipv6_hlim1_ext_short", "hop limit 1, broken chain: not counted low",
	    C(BAD_IPV6_EXT_SHORT) | C(L2_IPV6));

	v6(64);
	for (int i = 0; i <= PS_IPV6_MAX_EXT; i++)
		pkt_ip6_ext(P, 60, 8);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 0);
	add("ipv6_ext_too_many", "one extension header more than the parser walks",
	    C(BAD_IPV6_EXT_MANY) | C(L2_IPV6));
}

static void malformed_l4_cases(void)
{
	v4(64);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 60);
	pkt_ip4_set_tot_len(P, 20 + 10);
	add("tcp_short_totlen", "IP total length leaves 10 bytes of TCP in a padded frame",
	    C(BAD_TCP_SHORT) | C(L2_IPV4) | C(L4_TCP));

	v6(64);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 0);
	pkt_ip6_set_plen(P, 12);
	pkt_truncate(P, 14 + 40 + 12);
	add("ipv6_tcp_short", "12 bytes of TCP", C(BAD_TCP_SHORT) | C(L2_IPV6) | C(L4_TCP));

	v4(64);
	pkt_ip4_frag(P, 0, true);
	pkt_ipproto(P, 6);
	pkt_payload(P, 8);
	pkt_finish(P, 60);
	add("ipv4_frag_first_tcp_short", "tiny first fragment: 8 bytes of TCP",
	    C(BAD_TCP_SHORT) | C(L2_IPV4) | C(L4_TCP) | C(FRAG4_FIRST));

	v4(64);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 60);
	pkt_tcp_set_doff(P, 4);
	add("tcp_bad_doff", "SYN with data offset 4: flags not counted",
	    C(BAD_TCP_DOFF) | C(L2_IPV4) | C(L4_TCP));

	v4(0);
	pkt_ip4_options(P, ip4_router_alert, sizeof(ip4_router_alert));
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 60);
	pkt_tcp_set_doff(P, 0);
	add("ipv4_opts_ttl0_tcp_bad_doff", "valid IP (options, TTL 0), data offset 0",
	    C(BAD_TCP_DOFF) | C(L2_IPV4) | C(L4_TCP) | C(IPV4_OPTIONS) | C(TTL_LOW));

	v4(64);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 60);
	pkt_tcp_set_doff(P, 15);
	add("tcp_doff_beyond", "data offset 15 in a 20-byte segment",
	    C(BAD_TCP_DOFF_BEYOND) | C(L2_IPV4) | C(L4_TCP));

	v4(64);
	pkt_tcp(P, 40000, 80, PS_TCP_SYN);
	pkt_finish(P, 60);
	pkt_tcp_set_doff(P, 6);
	add("tcp_doff_in_padding", "data offset 6 reaches into padding, not into the datagram",
	    C(BAD_TCP_DOFF_BEYOND) | C(L2_IPV4) | C(L4_TCP));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_finish(P, 60);
	pkt_ip4_set_tot_len(P, 20 + 4);
	add("udp_short", "IP total length leaves 4 bytes of UDP",
	    C(BAD_UDP_SHORT) | C(L2_IPV4) | C(L4_UDP));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_payload(P, 10);
	pkt_finish(P, 60);
	pkt_udp_set_len(P, 7);
	add("udp_len_below", "UDP length 7", C(BAD_UDP_LEN) | C(L2_IPV4) | C(L4_UDP));

	v4(64);
	pkt_udp(P, 1, 2);
	pkt_payload(P, 2);
	pkt_finish(P, 60);
	pkt_udp_set_len(P, 20);
	add("udp_len_in_padding", "UDP length reaches into padding, not into the datagram",
	    C(BAD_UDP_LEN) | C(L2_IPV4) | C(L4_UDP));

	v6(64);
	pkt_udp(P, 1, 2);
	pkt_payload(P, 10);
	pkt_finish(P, 0);
	pkt_udp_set_len(P, 8 + 10 + 1);
	add("ipv6_udp_len_beyond", "UDP length one past the datagram",
	    C(BAD_UDP_LEN) | C(L2_IPV6) | C(L4_UDP));

	v6(64);
	pkt_ip6_frag(P, 0, true);
	pkt_ipproto(P, 17);
	pkt_payload(P, 4);
	pkt_finish(P, 0);
	add("ipv6_frag_first_udp_short", "first fragment with 4 bytes of UDP",
	    C(BAD_UDP_SHORT) | C(L2_IPV6) | C(L4_UDP) | C(IPV6_EXT) | C(FRAG6_FIRST));

	v4(64);
	pkt_ipproto(P, 1);
	pkt_payload(P, 4);
	pkt_finish(P, 60);
	add("icmp_short", "4 bytes of ICMP", C(BAD_ICMP_SHORT) | C(L2_IPV4) | C(L4_ICMP));

	v6(64);
	pkt_ipproto(P, 58);
	pkt_payload(P, 3);
	pkt_finish(P, 0);
	add("icmpv6_short", "3 bytes of ICMPv6", C(BAD_ICMPV6_SHORT) | C(L2_IPV6) | C(L4_ICMPV6));
}

static void build(void)
{
	P = malloc(sizeof(*P));
	if (!P)
		return;
	tcp_flag_cases();
	ipv4_cases();
	ipv6_cases();
	l2_cases();
	big_cases();
	malformed_l2_cases();
	malformed_ipv4_cases();
	malformed_ipv6_cases();
	malformed_l4_cases();
	free(P);
	P = NULL;
}

const struct pkt_case *pkt_cases(size_t *n)
{
	if (!cases)
		build();
	*n = ncases;
	return cases;
}

const struct pkt_case *pkt_case_by_name(const char *name)
{
	size_t n;
	const struct pkt_case *c = pkt_cases(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return &c[i];
	return NULL;
}

uint64_t pkt_case_expect(const struct pkt_case *c, int ttl_threshold)
{
	const uint64_t l4 = C(L4_TCP) | C(L4_UDP) | C(L4_ICMP) | C(L4_ICMPV6) |
			    C(L4_OTHER) | C(L4_FRAGMENT);
	uint64_t e = c->expect & ~C(TTL_LOW);

	if ((c->expect & l4) && c->ttl >= 0 && c->ttl < ttl_threshold)
		e |= C(TTL_LOW);
	return e;
}

/* xorshift64*: small, seedable, good enough to vary test traffic. */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 0x2545f4914f6cdd1dULL) >> 32;
}

void pkt_random(struct pkt *p, uint64_t *seed)
{
	static const uint8_t flags[] = {
		PS_TCP_SYN, PS_TCP_SYN | PS_TCP_ACK, PS_TCP_ACK, PS_TCP_PSH | PS_TCP_ACK,
		PS_TCP_FIN | PS_TCP_ACK, PS_TCP_RST,
	};
	uint32_t kind, r;
	uint8_t ttl;

	if (!*seed)
		*seed = 0x9e3779b97f4a7c15ULL; /* xorshift must not start at 0 */
	kind = rnd(seed) % 8;
	r = rnd(seed);
	ttl = r % 16 ? 64 : 1;

	pkt_init(p);
	pkt_eth(p);
	if (kind == 6)
		pkt_vlan(p, 0x8100, r % 4095);
	if (kind == 7) {
		pkt_arp(p, 1 + r % 2);
		pkt_finish(p, 60);
		return;
	}
	if (kind == 2 || kind == 3 || kind == 5) {
		pkt_ipv6(p, ttl);
		p->data[p->ip_off + 23] = 1 + r % 200;  /* vary the source */
		p->data[p->ip_off + 39] = 1 + (r >> 8) % 200;
	} else {
		pkt_ipv4(p, ttl);
		p->data[p->ip_off + 15] = 1 + r % 200;
		p->data[p->ip_off + 19] = 1 + (r >> 8) % 200;
	}
	switch (kind) {
	case 0:
	case 2:
		pkt_tcp(p, 50000 + rnd(seed) % 10000, (r >> 16) % 2 ? 443 : 80,
			flags[rnd(seed) % sizeof(flags)]);
		break;
	case 1:
	case 3:
	case 6:
		pkt_udp(p, 50000 + rnd(seed) % 10000, 40000 + (r >> 16) % 1000);
		break;
	case 4:
		pkt_icmp(p, 8, 0);
		break;
	case 5:
		pkt_icmp6(p, 128, 0);
		break;
	}
	pkt_payload(p, rnd(seed) % 1200);
	pkt_finish(p, 60);
}
