// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkfmt: writes crafted frames for the tests of `pktscope watch -e/-v/-x`
 * against tcpdump: each a case of tcpdump's text that the frames of
 * pkt_cases.c do not reach (a TCP conversation with every option kind and
 * its relative sequence numbers, IPv4 options and ECN, checksums right and
 * wrong, every ICMP and ICMPv6 message tcpdump names, errors quoting a
 * datagram, RFC 4884 extensions, IPv6 option headers, ARP's operations,
 * VLAN priorities).  All are valid for the datapath.
 *
 * Some are known to print apart: tcpdump decodes them further (DNS,
 * neighbour discovery options, MLD, ...) and pktscope prints its summary.
 * --apart writes which (packet numbers from 1, comma-separated), for all
 * options or only with -v; --list names every case.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capfile.h"
#include "pkt.h"

#define TS_START 1700000000u

enum { APART_ALWAYS = 1, APART_V = 2 };

struct fcase {
	const char *name;
	int apart;
	uint8_t data[PKT_MAX];
	uint32_t len;
};

static struct fcase *cases;
static size_t ncases, cap;
static struct pkt P_;
static struct pkt *P = &P_;

static void add(const char *name, int apart)
{
	struct fcase *c;

	if (P->overflow) {
		fprintf(stderr, "mkfmt: case %s does not fit\n", name);
		exit(1);
	}
	if (ncases == cap) {
		cap = cap ? 2 * cap : 64;
		cases = realloc(cases, cap * sizeof(*cases));
		if (!cases)
			exit(1);
	}
	c = &cases[ncases++];
	c->name = name;
	c->apart = apart;
	memcpy(c->data, P->data, P->len);
	c->len = P->len;
}

static void put32(uint32_t off, uint32_t v)
{
	pkt_set16(P, off, v >> 16);
	pkt_set16(P, off + 2, v & 0xffff);
}

static void v4(void)
{
	pkt_init(P);
	pkt_eth(P);
	pkt_ipv4(P, 64);
}

static void v6(void)
{
	pkt_init(P);
	pkt_eth(P);
	pkt_ipv6(P, 64);
}

/* A TCP segment of the conversation 10.0.0.1.40000 <-> 10.0.0.2.5001
 * (fd00::1/2 for IPv6). */
static void tcp(bool ipv6, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
		const uint8_t *opts, uint32_t nopts, uint32_t payload)
{
	if (ipv6)
		v6();
	else
		v4();
	if (!from_client) {
		uint8_t a[16];
		uint32_t n = ipv6 ? 16 : 4, s = P->ip_off + (ipv6 ? 8 : 12);

		memcpy(a, P->data + s, n);
		memcpy(P->data + s, P->data + s + n, n);
		memcpy(P->data + s + n, a, n);
	}
	pkt_tcp(P, from_client ? 40000 : 5001, from_client ? 5001 : 40000, flags);
	put32(P->l4_off + 4, seq);
	put32(P->l4_off + 8, ack);
	if (nopts)
		pkt_tcp_options(P, opts, nopts);
	pkt_payload(P, payload);
	pkt_finish(P, 60);
}

static void tcp_cases(void)
{
	static const uint8_t syn[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0,
				       1, 3, 3, 7 };
	static const uint8_t synack[] = { 2, 4, 0x05, 0x78, 1, 1, 4, 2, 1, 3, 3, 9 };
	static const uint8_t ts[] = { 1, 1, 8, 10, 0, 0, 0, 101, 0, 0, 0, 200 };
	/* SACK of the client's bytes 101-201 and 301-401, relative. */
	static const uint8_t sack2[] = { 1, 1, 5, 18, 0x11, 0x22, 0x33, 0xa9, 0x11, 0x22, 0x34, 0x0d,
					 0x11, 0x22, 0x34, 0x71, 0x11, 0x22, 0x34, 0xd5 };
	static const uint8_t odd[] = { 99, 4, 0xab, 0xcd, 28, 4, 0x80, 0x03, 34, 2, 1, 0 };
	static const uint8_t tfo[] = { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 254, 8, 0xf9, 0x89,
				       9, 9, 9, 9 };
	static const uint8_t exp[] = { 254, 4, 0x12, 0x34, 20, 4, 0x5a, 7, 6, 6, 0, 0, 0, 9 };
	static const uint8_t md5[] = { 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t ao[] = { 29, 8, 3, 4, 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t longmss[] = { 2, 6, 0x05, 0xb4, 0, 0, 1, 1 };
	static const uint8_t badsack[] = { 5, 7, 1, 2, 3, 4, 5 };
	static const uint8_t eol[] = { 1, 0, 2, 4, 0x05, 0xb4 };
	static const uint8_t bad[] = { 1, 3, 1 };
	static const uint8_t rst[] = "reset: \x01\x1f\x7f\x80\xc1 because\r\nof this and that";
	uint32_t c = 0x11223344, s = 0x55667788;

	tcp(false, true, PS_TCP_SYN, c, 0, syn, sizeof(syn), 0);
	add("tcp_syn_options", 0);
	tcp(false, false, PS_TCP_SYN | PS_TCP_ACK, s, c + 1, synack, sizeof(synack), 0);
	add("tcp_synack_options", 0);
	tcp(false, true, PS_TCP_ACK, c + 1, s + 1, ts, sizeof(ts), 0);
	add("tcp_ack_ts", 0);
	tcp(false, true, PS_TCP_PSH | PS_TCP_ACK, c + 1, s + 1, ts, sizeof(ts), 100);
	add("tcp_data", 0);
	tcp(false, false, PS_TCP_ACK, s + 1, c + 101, sack2, sizeof(sack2), 0);
	add("tcp_sack_blocks", 0);
	tcp(false, false, PS_TCP_PSH | PS_TCP_ACK | PS_TCP_URG, s + 1, c + 101, NULL, 0, 20);
	pkt_set16(P, P->l4_off + 18, 7);
	pkt_finish(P, 60);
	add("tcp_urgent", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, odd, sizeof(odd), 0);
	add("tcp_unknown_uto_tfo_request", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, tfo, sizeof(tfo), 0);
	add("tcp_tfo_cookies", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, exp, sizeof(exp), 0);
	add("tcp_exp_scps_echo", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, md5, sizeof(md5), 4);
	add("tcp_md5", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, ao, sizeof(ao), 0);
	add("tcp_ao", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, longmss, sizeof(longmss), 0);
	add("tcp_option_longer_than_its_kind", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, badsack, sizeof(badsack), 0);
	add("tcp_sack_invalid", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, eol, sizeof(eol), 0);
	add("tcp_eol_then_more", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, bad, sizeof(bad), 0);
	add("tcp_bad_option", 0);
	tcp(false, true, PS_TCP_ACK, c + 101, s + 21, NULL, 0, 10);
	pkt_set16(P, P->l4_off + 16, 0xdead);
	add("tcp_bad_checksum", 0);
	tcp(false, true, PS_TCP_FIN | PS_TCP_ACK, c + 101, s + 21, NULL, 0, 0);
	add("tcp_fin", 0);
	tcp(false, false, PS_TCP_RST | PS_TCP_ACK, s + 21, c + 102, NULL, 0, 0);
	P->len -= P->len - (P->l4_off + 20); /* drop the builder's padding */
	pkt_bytes(P, rst, sizeof(rst) - 1);
	pkt_finish(P, 60);
	add("tcp_rst_with_text", 0);
	tcp(false, false, PS_TCP_RST, s + 22, 0, NULL, 0, 0);
	P->len = P->l4_off + 20;
	pkt_bytes(P, "short", 5);
	pkt_finish(P, 60);
	add("tcp_rst_short_text", 0);
	/* The same ports over IPv6: its own conversation. */
	tcp(true, true, PS_TCP_SYN, 7, 0, syn, sizeof(syn), 0);
	add("tcp6_syn", 0);
	tcp(true, false, PS_TCP_SYN | PS_TCP_ACK, 9, 8, synack, sizeof(synack), 0);
	add("tcp6_synack", 0);
	tcp(true, true, PS_TCP_PSH | PS_TCP_ACK, 8, 10, ts, sizeof(ts), 30);
	add("tcp6_data", 0);
}

/* Recomputes the UDP/TCP checksum of an IPv4 packet with 'dst' (4 bytes
 * at that offset) in the pseudo-header: a source-routed datagram's is its
 * final destination (RFC 1122 4.2.2.6). */
static void l4_csum_dst(uint32_t dst_off, uint32_t at)
{
	uint32_t n = P->len - P->l4_off, sum;
	uint8_t *ip = P->data + P->ip_off;

	n = ((ip[2] << 8 | ip[3]) - (ip[0] & 0xf) * 4);
	pkt_set16(P, P->l4_off + at, 0);
	sum = (pkt_csum(ip + 12, 4, 0) ^ 0xffff) + (pkt_csum(P->data + dst_off, 4, 0) ^ 0xffff);
	sum += P->l4_proto + n;
	pkt_set16(P, P->l4_off + at, pkt_csum(P->data + P->l4_off, n, sum));
}

static void ipv4_cases(void)
{
	static const uint8_t lsrr[] = { 1, 131, 11, 4, 192, 0, 2, 9, 10, 0, 0, 99 };
	static const uint8_t ts_only[] = { 68, 12, 9, 0x20, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t ts_addr[] = { 68, 20, 13, 1, 10, 0, 0, 1, 0, 0, 0, 5, 10, 0, 0, 2,
					   0, 0, 0, 6 };
	static const uint8_t ts_pre[] = { 68, 12, 5, 3, 10, 0, 0, 1, 0, 0, 0, 5 };
	static const uint8_t ts_bad[] = { 68, 8, 5, 2, 0, 0, 0, 0 };
	static const uint8_t misc[] = { 148, 4, 0, 1, 130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					82, 12, 0, 1, 0, 2, 0, 3, 10, 0, 0, 5, 0x99, 3, 7 };
	static const uint8_t rr_mid[] = { 7, 11, 8, 10, 0, 0, 7, 0, 0, 0, 0 };
	static const uint8_t badlen[] = { 1, 7, 1 };
	static const uint8_t tos[] = { 0x10, 0x03, 0x02, 0x01, 0xb8 };

	for (size_t i = 0; i < sizeof(tos); i++) {
		v4();
		pkt_set8(P, P->ip_off + 1, tos[i]);
		pkt_set16(P, P->ip_off + 4, 0xbeef);
		pkt_set16(P, P->ip_off + 6, 0x4000);
		pkt_udp(P, 40001, 40002);
		pkt_payload(P, 8);
		pkt_finish(P, 60);
		add("ipv4_tos_ecn_df", 0);
	}
	v4();
	pkt_set16(P, P->ip_off + 6, 0xe000);
	pkt_ipproto(P, 253);
	pkt_payload(P, 4);
	pkt_finish(P, 60);
	add("ipv4_flags_rsvd_df_mf", 0);

	v4();
	pkt_ip4_options(P, lsrr, sizeof(lsrr));
	pkt_tcp(P, 40000, 5002, PS_TCP_SYN);
	pkt_finish(P, 60);
	l4_csum_dst(P->ip_off + 20 + 8, 16);
	add("ipv4_lsrr_tcp_checksum_final_hop", 0);
	v4();
	pkt_ip4_options(P, lsrr, sizeof(lsrr));
	pkt_udp(P, 40000, 5002);
	pkt_payload(P, 6);
	pkt_finish(P, 60);
	l4_csum_dst(P->ip_off + 20 + 8, 6);
	add("ipv4_lsrr_udp_checksum_final_hop", 0);

	const uint8_t *opts[] = { ts_only, ts_addr, ts_pre, ts_bad, misc, rr_mid, badlen };
	const uint32_t nopts[] = { sizeof(ts_only), sizeof(ts_addr), sizeof(ts_pre),
				   sizeof(ts_bad), sizeof(misc), sizeof(rr_mid), sizeof(badlen) };
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		v4();
		pkt_ip4_options(P, opts[i], nopts[i]);
		pkt_udp(P, 40001, 40002);
		pkt_finish(P, 60);
		add("ipv4_options", 0);
	}

	v4();
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 4);
	pkt_finish(P, 60);
	pkt_set16(P, P->ip_off + 10, 0x1111);
	add("ipv4_bad_header_checksum", 0);
	v4();
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 4);
	pkt_finish(P, 60);
	pkt_set16(P, P->l4_off + 6, 0);
	add("udp_no_checksum", 0);
	v4();
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 4);
	pkt_finish(P, 60);
	pkt_set16(P, P->l4_off + 6, 0x1234);
	add("udp_bad_checksum", 0);
	v6();
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 4);
	pkt_finish(P, 60);
	pkt_set16(P, P->l4_off + 6, 0x1234);
	add("udp6_bad_checksum", 0);

	v4();
	pkt_ipproto(P, 59);
	pkt_finish(P, 60);
	add("ipv4_no_next_header", 0);
	v4();
	pkt_ipproto(P, 47);
	pkt_payload(P, 8);
	pkt_finish(P, 60);
	add("ipv4_gre", APART_ALWAYS);
	v4();
	pkt_udp(P, 40001, 53);
	pkt_payload(P, 12);
	pkt_finish(P, 60);
	add("udp_dns_port", APART_ALWAYS);
}

/* An IPv4 datagram (UDP, TCP or GRE) from 10.0.0.2 to 192.0.2.7, as an
 * ICMP error quotes it: its header and 'keep' bytes after it. */
static struct pkt inner_;
static const struct pkt *inner(uint8_t proto, uint32_t payload)
{
	struct pkt *q = &inner_;

	pkt_init(q);
	pkt_eth(q);
	pkt_ipv4(q, 63);
	q->data[q->ip_off + 12 + 3] = 2;
	memcpy(q->data + q->ip_off + 16, (uint8_t[]){ 192, 0, 2, 7 }, 4);
	if (proto == 17)
		pkt_udp(q, 40123, 33435);
	else if (proto == 6)
		pkt_tcp(q, 40124, 5001, PS_TCP_ACK);
	else
		pkt_ipproto(q, proto);
	pkt_payload(q, payload);
	pkt_finish(q, 0);
	return q;
}

static void icmp_error(uint8_t type, uint8_t code, const struct pkt *q, uint32_t word)
{
	v4();
	memcpy(P->data + P->ip_off + 12, (uint8_t[]){ 10, 0, 0, 9 }, 4);
	pkt_icmp(P, type, code);
	put32(P->l4_off + 4, word);
	pkt_bytes(P, q->data + q->ip_off, q->len - q->ip_off);
	pkt_finish(P, 60);
}

static void icmp_cases(void)
{
	static const char *const unreach[] = {
		"icmp_net_unreach", "icmp_host_unreach", "icmp_proto_unreach", "icmp_port_unreach",
		"icmp_need_frag", "icmp_srcroute_failed", "icmp_net_unknown", "icmp_host_unknown",
		"icmp_isolated", "icmp_net_prohib", "icmp_host_prohib", "icmp_tos_net",
		"icmp_tos_host", "icmp_filter_prohib", "icmp_precedence_violation",
		"icmp_precedence_cutoff", "icmp_unreach_code16",
	};
	uint8_t ext[128 + 4 + 8 + 12];

	for (uint8_t code = 0; code < 17; code++) {
		icmp_error(3, code, inner(17, 12), code == 4 ? 1400 : 0);
		add(unreach[code], 0);
	}
	icmp_error(3, 4, inner(17, 12), 0);
	add("icmp_need_frag_no_mtu", 0);
	icmp_error(3, 3, inner(6, 0), 0);
	add("icmp_port_unreach_tcp", 0);
	icmp_error(3, 3, inner(47, 8), 0);
	add("icmp_port_unreach_gre", APART_V); /* -v quotes GRE: tcpdump's printer */
	for (uint8_t code = 0; code < 5; code++) {
		icmp_error(5, code, inner(17, 4), 0x0a000001);
		add("icmp_redirect", 0);
	}
	for (uint8_t code = 0; code < 3; code++) {
		icmp_error(11, code, inner(17, 4), 0);
		add("icmp_time_exceeded", 0);
	}
	icmp_error(12, 0, inner(17, 4), 20u << 24);
	add("icmp_param_problem_octet", 0);
	icmp_error(12, 1, inner(17, 4), 0);
	add("icmp_param_problem_code", 0);
	icmp_error(4, 0, inner(17, 4), 0);
	add("icmp_source_quench", 0);

	/* RFC 4884: 128 bytes of datagram, then an extension with an MPLS
	 * label stack entry and an interface object. */
	{
		const struct pkt *q = inner(17, 100);
		uint32_t n = q->len - q->ip_off;

		memset(ext, 0, sizeof(ext));
		memcpy(ext, q->data + q->ip_off, n < 128 ? n : 128);
		ext[128] = 0x20; /* version 2 */
		ext[132] = 0;    /* object: length 8, class 1 (MPLS), c-type 1 */
		ext[133] = 8;
		ext[134] = 1;
		ext[135] = 1;
		ext[136] = 0x00;
		ext[137] = 0x01;
		ext[138] = 0x13; /* label 17, tc 1, bottom of stack */
		ext[139] = 0xfe; /* ttl 254 */
		ext[141] = 12;   /* object: length 12, class 2, c-type 3 */
		ext[142] = 2;
		ext[143] = 3;
		for (int i = 0; i < 8; i++)
			ext[144 + i] = 0xa0 + i;
		uint16_t ck = pkt_csum(ext + 128, 24, 0);

		ext[130] = ck >> 8;
		ext[131] = ck;
		v4();
		pkt_icmp(P, 11, 0);
		put32(P->l4_off + 4, 32u << 16); /* length: 32 words of datagram */
		pkt_bytes(P, ext, sizeof(ext));
		pkt_finish(P, 60);
		add("icmp_time_exceeded_mpls_extension", 0);
		/* The same without the length field: found by its checksum. */
		v4();
		pkt_icmp(P, 3, 1);
		pkt_bytes(P, ext, sizeof(ext));
		pkt_finish(P, 60);
		add("icmp_unreach_extension_no_length", 0);
		/* A long error whose bytes past 128 are no extension. */
		v4();
		pkt_icmp(P, 3, 1);
		pkt_bytes(P, q->data + q->ip_off, n);
		pkt_payload(P, 60);
		pkt_finish(P, 60);
		add("icmp_unreach_long_no_extension", 0);
	}

	static const struct { uint8_t type; uint32_t word; uint32_t body; const char *name; } q[] = {
		{ 8, 0x00070003, 20, "icmp_echo_request" },
		{ 0, 0x00070003, 20, "icmp_echo_reply" },
		{ 13, 0x00090001, 12, "icmp_timestamp_request" },
		{ 14, 0x00090001, 12, "icmp_timestamp_reply" },
		{ 17, 0x000a0001, 4, "icmp_mask_request" },
		{ 18, 0x000a0001, 4, "icmp_mask_reply" },
		{ 10, 0, 0, "icmp_router_solicitation" },
		{ 15, 0x000b0001, 0, "icmp_info_request" },
		{ 16, 0x000b0001, 0, "icmp_info_reply" },
		{ 42, 0, 8, "icmp_unknown_type" },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		v4();
		pkt_icmp(P, q[i].type, 0);
		put32(P->l4_off + 4, q[i].word);
		pkt_payload(P, q[i].body);
		if (q[i].type == 14) {
			put32(P->l4_off + 8, 3600000);
			put32(P->l4_off + 12, 45296789); /* 12:34:56.789 */
			put32(P->l4_off + 16, 86399999);
		}
		if (q[i].type == 18)
			put32(P->l4_off + 8, 0xffffff00);
		pkt_finish(P, 60);
		add(q[i].name, 0);
	}
	static const uint16_t lifetimes[] = { 30, 1800, 9000 };
	for (size_t i = 0; i < 3; i++) {
		v4();
		pkt_icmp(P, 9, 0);
		put32(P->l4_off + 4, 0x02020000 | lifetimes[i]);
		pkt_bytes(P, (uint8_t[]){ 10, 0, 0, 1, 0, 0, 0, 5, 10, 0, 0, 3, 0xff, 0xff, 0xff, 0xff },
			  16);
		pkt_finish(P, 60);
		add("icmp_router_advertisement", 0);
	}
	v4();
	pkt_icmp(P, 8, 0);
	pkt_payload(P, 8);
	pkt_finish(P, 60);
	pkt_set16(P, P->l4_off + 2, 0xbad0);
	add("icmp_bad_checksum", 0);
}

/* An IPv6 datagram fd00::2 -> fd00::7 as an ICMPv6 error quotes it. */
static const struct pkt *inner6(uint8_t proto, bool hbh)
{
	struct pkt *q = &inner_;

	pkt_init(q);
	pkt_eth(q);
	pkt_ipv6(q, 63);
	q->data[q->ip_off + 8 + 15] = 2;
	q->data[q->ip_off + 24 + 15] = 7;
	if (hbh)
		pkt_ip6_ext(q, 0, 8);
	if (proto == 17)
		pkt_udp(q, 40123, 33435);
	else if (proto == 6)
		pkt_tcp(q, 40124, 5001, PS_TCP_SYN);
	else
		pkt_ipproto(q, proto);
	pkt_payload(q, 8);
	pkt_finish(q, 0);
	return q;
}

static void icmp6(uint8_t type, uint8_t code, uint32_t word, const void *body, uint32_t n)
{
	v6();
	pkt_icmp6(P, type, code);
	put32(P->l4_off + 4, word);
	if (n)
		pkt_bytes(P, body, n);
	pkt_finish(P, 60);
}

static void icmp6_cases(void)
{
	static const uint8_t target[16] = { 0xfe, 0x80, [15] = 9 };
	static const uint8_t redirect[32] = { 0xfe, 0x80, [15] = 1, [16] = 0x20, 1, 0x0d, 0xb8,
					      [31] = 5 };
	const struct pkt *q;

	for (uint8_t code = 0; code < 6; code++) {
		q = inner6(17, false);
		icmp6(1, code == 5 ? 7 : code, 0, q->data + q->ip_off, q->len - q->ip_off);
		/* An unknown code: tcpdump dumps the message in hex. */
		add("icmp6_unreach", 0);
	}
	q = inner6(6, true);
	icmp6(1, 4, 0, q->data + q->ip_off, q->len - q->ip_off);
	add("icmp6_port_unreach_tcp_after_hbh", 0);
	q = inner6(47, false);
	icmp6(1, 4, 0, q->data + q->ip_off, q->len - q->ip_off);
	add("icmp6_port_unreach_gre", 0);
	q = inner6(17, false);
	icmp6(2, 0, 1280, q->data + q->ip_off, q->len - q->ip_off);
	add("icmp6_packet_too_big", 0);
	for (uint8_t code = 0; code < 3; code++) {
		icmp6(3, code == 2 ? 5 : code, 0, q->data + q->ip_off, q->len - q->ip_off);
		add("icmp6_time_exceeded", 0);
	}
	for (uint8_t code = 0; code < 5; code++) {
		icmp6(4, code == 4 ? 9 : code, 42, q->data + q->ip_off, q->len - q->ip_off);
		add("icmp6_parameter_problem", 0);
	}
	icmp6(128, 0, 0x00070001, "ping", 4);
	add("icmp6_echo_request", 0);
	icmp6(129, 0, 0x00070001, "ping", 4);
	add("icmp6_echo_reply", 0);
	icmp6(135, 0, 0, target, 16);
	add("icmp6_neighbor_solicitation", APART_V); /* -v: its options */
	icmp6(136, 0, 0x60000000, target, 16);
	add("icmp6_neighbor_advertisement", APART_V);
	icmp6(133, 0, 0, NULL, 0);
	add("icmp6_router_solicitation", APART_V);
	icmp6(134, 0, 0x40000708, "\0\0\0\0\0\0\0\0", 8);
	add("icmp6_router_advertisement", APART_V);
	icmp6(137, 0, 0, redirect, 32);
	add("icmp6_redirect", APART_V);
	icmp6(130, 0, 0x27100000, target, 16);
	add("icmp6_mld_query", APART_ALWAYS);
	icmp6(144, 0, 0x12340000, NULL, 0);
	add("icmp6_ha_discovery_request", 0);
	icmp6(141, 0, 0, NULL, 0);
	add("icmp6_inverse_nd", 0);
	icmp6(250, 1, 0xaabbccdd, "xyz", 3);
	add("icmp6_unknown_type", 0);
	icmp6(128, 0, 0x00070002, "ping", 4);
	pkt_set16(P, P->l4_off + 2, 0xbad0);
	add("icmp6_bad_checksum", 0);
}

static void ipv6_cases(void)
{
	static const uint8_t hbh[] = { 6, 1, 5, 2, 0, 1, 0, 0x3e, 1, 0xaa, 1, 4, 0, 0, 0, 0 };

	v6();
	pkt_set16(P, P->ip_off, 0x6ab1);
	pkt_set16(P, P->ip_off + 2, 0x2345);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 4);
	pkt_finish(P, 60);
	add("ipv6_class_flowlabel", 0);
	/* Hop-by-hop: router alert, pad1, an unknown option, padn. */
	v6();
	pkt_ipproto(P, 0);
	pkt_bytes(P, hbh, sizeof(hbh));
	P->proto_off = P->len - sizeof(hbh);
	pkt_tcp(P, 40000, 5003, PS_TCP_SYN);
	pkt_finish(P, 60);
	add("ipv6_hbh_router_alert_tcp", 0);
	v6();
	pkt_ip6_ext(P, 60, 16);
	pkt_udp(P, 40001, 40002);
	pkt_payload(P, 3);
	pkt_finish(P, 60);
	add("ipv6_dstopts_udp", 0);
	v6();
	pkt_ip6_ext(P, 60, 8);
	pkt_ip6_ext(P, 0, 8);
	pkt_udp(P, 40001, 40002);
	pkt_finish(P, 60);
	add("ipv6_hbh_not_first", 0);
	v6();
	pkt_ip6_frag(P, 0, true);
	pkt_icmp6(P, 128, 0);
	pkt_payload(P, 16);
	pkt_finish(P, 60);
	add("ipv6_first_fragment_icmp6", 0);
}

static void arp(uint16_t op, uint16_t pro, uint8_t hln, uint8_t pln, bool tha)
{
	uint8_t *b;
	uint32_t n = 8 + 2 * (hln + pln);

	pkt_init(P);
	pkt_eth(P);
	pkt_ethertype(P, 0x0806);
	b = P->data + P->len;
	pkt_bytes(P, (uint8_t[]){ 0, 1, pro >> 8, pro & 0xff, hln, pln, 0, op }, 8);
	for (uint32_t i = 8; i < n; i++)
		pkt_bytes(P, (uint8_t[]){ 0 }, 1);
	for (uint32_t i = 0; i < hln; i++)
		b[8 + i] = 0x10 + i;                              /* sender hw */
	for (uint32_t i = 0; i < pln; i++)
		b[8 + hln + i] = i == 0 ? 10 : i == pln - 1u ? 1 : 0; /* sender ip */
	for (uint32_t i = 0; tha && i < hln; i++)
		b[8 + hln + pln + i] = 0x20 + i;                  /* target hw */
	for (uint32_t i = 0; i < pln; i++)
		b[8 + 2 * hln + pln + i] = i == 0 ? 10 : i == pln - 1u ? 2 : 0;
	pkt_finish(P, 60);
}

static void arp_cases(void)
{
	arp(1, 0x0800, 6, 4, true);
	add("arp_request_known_target", 0);
	arp(2, 0x0800, 6, 4, true);
	add("arp_reply", 0);
	arp(3, 0x0800, 6, 4, true);
	add("rarp_request", 0);
	arp(4, 0x0800, 6, 4, true);
	add("rarp_reply", 0);
	arp(8, 0x0800, 6, 4, true);
	add("inarp_request", 0);
	arp(9, 0x0800, 6, 4, true);
	add("inarp_reply", 0);
	arp(1, 0x86dd, 6, 16, false);
	add("arp_ipv6_addresses", 0);
	arp(1, 0x0800, 8, 4, true);
	add("arp_8_byte_hardware", 0);
	arp(5, 0x0800, 6, 4, false);
	add("arp_unknown_op", APART_ALWAYS);

	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 10);
	pkt_set16(P, 14, 0xb00a); /* priority 5, DEI, VLAN 10 */
	pkt_vlan(P, 0x9200, 20);
	pkt_arp(P, 1);
	pkt_finish(P, 60);
	add("vlan_priority_dei_9200_arp", 0);
	pkt_init(P);
	pkt_eth(P);
	pkt_vlan(P, 0x8100, 30);
	pkt_ethertype(P, 0x88b6);
	pkt_payload(P, 20);
	pkt_finish(P, 60);
	add("vlan_local_experimental", 0);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: mkfmt FILE          write the crafted frames to FILE (pcap)\n"
		   "       mkfmt --apart all|v  the packets (numbers from 1) pktscope prints apart\n"
		   "                            from tcpdump with any options, or with -v\n"
		   "       mkfmt --list         number and name of each\n");
}

int main(int argc, char **argv)
{
	struct ps_capfile_opts o = { .snaplen = 65535 };
	struct ps_capfile *cf;
	int err;

	tcp_cases();
	ipv4_cases();
	icmp_cases();
	icmp6_cases();
	ipv6_cases();
	arp_cases();
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < ncases; i++)
			printf("%zu %s%s\n", i + 1, cases[i].name,
			       cases[i].apart == APART_ALWAYS ? " (apart)" :
			       cases[i].apart == APART_V ? " (apart with -v)" : "");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--apart")) {
		bool v = !strcmp(argv[2], "v");
		const char *sep = "";

		for (size_t i = 0; i < ncases; i++) {
			if (cases[i].apart == APART_ALWAYS || (v && cases[i].apart == APART_V)) {
				printf("%s%zu", sep, i + 1);
				sep = ",";
			}
		}
		printf("\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		usage(stderr);
		return 2;
	}
	o.path = argv[1];
	err = ps_capfile_open(&cf, &o);
	for (size_t i = 0; !err && i < ncases; i++)
		err = ps_capfile_write(cf, (uint64_t)(TS_START + i / 1000) * 1000000000ULL +
						   (i % 1000) * 1000000ULL,
				       0, true, "crafted", cases[i].data, cases[i].len, cases[i].len);
	if (!err)
		err = ps_capfile_close(cf, NULL);
	if (err) {
		fprintf(stderr, "mkfmt: writing %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	printf("wrote %zu packets to %s\n", ncases, argv[1]);
	return 0;
}
