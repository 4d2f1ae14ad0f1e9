// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pkt.h"

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8

static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t ip4_src[4] = { 10, 0, 0, 1 };
static const uint8_t ip4_dst[4] = { 10, 0, 0, 2 };
static const uint8_t ip6_src[16] = { 0xfd, 0, [15] = 1 };
static const uint8_t ip6_dst[16] = { 0xfd, 0, [15] = 2 };

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static uint16_t get16(const uint8_t *b)
{
	return b[0] << 8 | b[1];
}

/* Appends n zeroed bytes.  On overflow the packet is marked unusable and the
 * caller writes into a sink, so that no builder call needs an error path. */
static uint8_t *put(struct pkt *p, uint32_t n)
{
	static uint8_t sink[PKT_MAX];
	uint8_t *b;

	if (p->overflow || n > PKT_MAX - p->len) {
		p->overflow = true;
		memset(sink, 0, n < PKT_MAX ? n : PKT_MAX);
		return sink;
	}
	b = p->data + p->len;
	memset(b, 0, n);
	p->len += n;
	return b;
}

static void bound_at(struct pkt *p, enum pkt_bound_kind kind, uint32_t end)
{
	if (p->lay.n >= PKT_MAX_BOUNDS) {
		p->overflow = true;
		return;
	}
	p->lay.b[p->lay.n].kind = kind;
	p->lay.b[p->lay.n].end = end;
	p->lay.n++;
}

static void bound(struct pkt *p, enum pkt_bound_kind kind)
{
	bound_at(p, kind, p->len);
}

static void fill_type(struct pkt *p, uint16_t type)
{
	if (p->type_off >= 0)
		put16(p->data + p->type_off, type);
	p->type_off = -1;
}

static void fill_proto(struct pkt *p, uint8_t proto)
{
	if (p->proto_off >= 0)
		p->data[p->proto_off] = proto;
	p->proto_off = -1;
}

uint16_t pkt_csum(const void *buf, uint32_t n, uint32_t sum)
{
	const uint8_t *b = buf;
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(b + i);
	if (n & 1)
		sum += b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->type_off = -1;
	p->proto_off = -1;
	p->ip_off = -1;
	p->l4_off = -1;
}

void pkt_eth(struct pkt *p)
{
	uint8_t *b = put(p, ETH_HLEN);

	memcpy(b, mac_dst, 6);
	memcpy(b + 6, mac_src, 6);
	p->type_off = p->len - 2;
	bound(p, PKT_B_ETH);
}

void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid)
{
	uint8_t *b;

	fill_type(p, tpid);
	b = put(p, 4);
	put16(b, vid & 0xfff);
	p->type_off = p->len - 2;
	bound(p, PKT_B_VLAN);
}

void pkt_ethertype(struct pkt *p, uint16_t type)
{
	fill_type(p, type);
}

void pkt_arp(struct pkt *p, uint16_t op)
{
	uint8_t *b;

	fill_type(p, 0x0806);
	b = put(p, 28);
	put16(b, 1);          /* Ethernet */
	put16(b + 2, 0x0800); /* IPv4 */
	b[4] = 6;
	b[5] = 4;
	put16(b + 6, op);
	memcpy(b + 8, mac_src, 6);
	memcpy(b + 14, ip4_src, 4);
	if (op == 2)
		memcpy(b + 18, mac_dst, 6);
	memcpy(b + 24, ip4_dst, 4);
	bound_at(p, PKT_B_ARP_FIXED, p->len - 20);
	bound(p, PKT_B_ARP_ADDRS);
}

void pkt_ipv4(struct pkt *p, uint8_t ttl)
{
	uint8_t *b;

	fill_type(p, 0x0800);
	p->ip_off = p->len;
	b = put(p, IP4_HLEN);
	b[0] = 0x45;
	put16(b + 4, 0x1234); /* id */
	b[8] = ttl;
	memcpy(b + 12, ip4_src, 4);
	memcpy(b + 16, ip4_dst, 4);
	p->proto_off = p->ip_off + 9;
	p->ip_ver = 4;
	p->ip_ttl = ttl;
	p->l4_off = -1;
	bound(p, PKT_B_IP4_FIXED);
}

void pkt_ip4_options(struct pkt *p, const uint8_t *opts, uint32_t n)
{
	uint32_t padded = (n + 3) & ~3u;
	uint8_t *b;

	if (p->ip_ver != 4 || IP4_HLEN + padded > 60) {
		p->overflow = true;
		return;
	}
	b = put(p, padded); /* the zero padding is End-of-Options */
	memcpy(b, opts, n);
	p->data[p->ip_off] = 0x40 | (p->len - p->ip_off) / 4;
	bound(p, PKT_B_IP4_OPTS);
}

void pkt_ip4_frag(struct pkt *p, uint16_t offset, bool more)
{
	if (p->ip_ver != 4)
		return;
	put16(p->data + p->ip_off + 6, (offset & 0x1fff) | (more ? 0x2000 : 0));
	p->ip4_frag = offset || more;
}

void pkt_ipv6(struct pkt *p, uint8_t hop_limit)
{
	uint8_t *b;

	fill_type(p, 0x86dd);
	p->ip_off = p->len;
	b = put(p, IP6_HLEN);
	b[0] = 0x60;
	b[7] = hop_limit;
	memcpy(b + 8, ip6_src, 16);
	memcpy(b + 24, ip6_dst, 16);
	p->proto_off = p->ip_off + 6;
	p->ip_ver = 6;
	p->ip_ttl = hop_limit;
	p->l4_off = -1;
	bound(p, PKT_B_IP6_FIXED);
}

/* Pad1/PadN options filling n bytes of a hop-by-hop or dest opts header. */
static void ip6_pad_opts(uint8_t *b, uint32_t n)
{
	while (n) {
		uint32_t l;

		if (n == 1) {
			b[0] = 0; /* Pad1 */
			return;
		}
		l = n - 2 > 255 ? 255 : n - 2;
		b[0] = 1; /* PadN */
		b[1] = l;
		b += 2 + l;
		n -= 2 + l;
	}
}

void pkt_ip6_ext(struct pkt *p, uint8_t type, uint32_t size)
{
	bool ah = type == 51;
	int off = p->len;
	uint8_t *b;

	if (ah ? size < 12 || size % 4 || size > 1028 : size < 8 || size % 8 || size > 2048) {
		p->overflow = true;
		return;
	}
	fill_proto(p, type);
	b = put(p, size);
	b[1] = ah ? size / 4 - 2 : size / 8 - 1;
	if (ah) {
		put16(b + 6, 0x0100); /* SPI */
		b[11] = 1;            /* sequence number */
	} else if (type == 43) {
		b[2] = 0; /* routing type 0 with no segments left: ignored */
		b[3] = 0;
	} else {
		ip6_pad_opts(b + 2, size - 2);
	}
	p->proto_off = off;
}

void pkt_ip6_frag(struct pkt *p, uint16_t offset, bool more)
{
	int off = p->len;
	uint8_t *b;

	fill_proto(p, 44);
	b = put(p, 8);
	put16(b + 2, (uint16_t)(offset << 3) | more);
	put16(b + 6, 0xbeef); /* identification */
	p->proto_off = off;
	p->ip6_frag = offset || more; /* an atomic fragment is whole */
}

void pkt_ipproto(struct pkt *p, uint8_t proto)
{
	fill_proto(p, proto);
}

void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t *b;

	fill_proto(p, 6);
	p->l4_off = p->len;
	p->l4_proto = 6;
	b = put(p, TCP_HLEN);
	put16(b, sport);
	put16(b + 2, dport);
	put16(b + 6, 1000);                     /* seq */
	if (flags & PS_TCP_ACK)
		put16(b + 10, 2000);            /* ack */
	b[12] = 5 << 4;
	b[13] = flags;
	put16(b + 14, 65535);                   /* window */
}

void pkt_tcp_options(struct pkt *p, const uint8_t *opts, uint32_t n)
{
	uint32_t padded = (n + 3) & ~3u;
	uint8_t *b;

	if (p->l4_proto != 6 || p->l4_off < 0 || TCP_HLEN + padded > 60) {
		p->overflow = true;
		return;
	}
	b = put(p, padded); /* zero padding is End-of-Options */
	memcpy(b, opts, n);
	p->data[p->l4_off + 12] = ((p->len - p->l4_off) / 4) << 4;
}

void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *b;

	fill_proto(p, 17);
	p->l4_off = p->len;
	p->l4_proto = 17;
	b = put(p, UDP_HLEN);
	put16(b, sport);
	put16(b + 2, dport);
}

static void icmp_common(struct pkt *p, uint8_t proto, uint8_t type, uint8_t code)
{
	uint8_t *b;

	fill_proto(p, proto);
	p->l4_off = p->len;
	p->l4_proto = proto;
	b = put(p, 8);
	b[0] = type;
	b[1] = code;
	put16(b + 4, 0x4242); /* echo identifier */
	put16(b + 6, 1);      /* echo sequence */
}

void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	icmp_common(p, 1, type, code);
}

void pkt_icmp6(struct pkt *p, uint8_t type, uint8_t code)
{
	icmp_common(p, 58, type, code);
}

void pkt_payload(struct pkt *p, uint32_t n)
{
	uint8_t *b = put(p, n);

	for (uint32_t i = 0; i < n; i++)
		b[i] = 'a' + i % 26;
}

void pkt_bytes(struct pkt *p, const void *bytes, uint32_t n)
{
	memcpy(put(p, n), bytes, n);
}

static void ip4_csum(struct pkt *p)
{
	uint8_t *ip = p->data + p->ip_off;
	uint32_t hl = (ip[0] & 0xf) * 4;

	/* A broken IHL still gets a checksum over what is there, so the
	 * IHL stays the only fault. */
	if (hl < IP4_HLEN)
		hl = IP4_HLEN;
	if (p->ip_off + hl > p->len)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, pkt_csum(ip, hl, 0));
}

/* Checksum of the L4 segment from l4_off to 'end', with the pseudo-header
 * RFC 793 / RFC 8200 8.1 ask for (ICMPv4 has none). */
static void l4_csum(struct pkt *p, uint32_t end)
{
	uint8_t *l4 = p->data + p->l4_off, *ip = p->data + p->ip_off;
	uint32_t n = end - p->l4_off, sum = 0, at;
	uint16_t ck;

	switch (p->l4_proto) {
	case 6: at = 16; break;
	case 17: at = 6; break;
	case 1: case 58: at = 2; break;
	default: return;
	}
	if (at + 2 > n)
		return;
	put16(l4 + at, 0);
	if (p->ip_ver == 4 && p->l4_proto != 1) {
		sum = pkt_csum(ip + 12, 8, 0) ^ 0xffff; /* addresses, unfolded */
		sum += p->l4_proto + n;
	} else if (p->ip_ver == 6) {
		sum = pkt_csum(ip + 8, 32, 0) ^ 0xffff;
		sum += p->l4_proto + n;
	}
	ck = pkt_csum(l4, n, sum);
	/* UDP sends a computed 0 as 0xffff: 0 means "no checksum". */
	if (p->l4_proto == 17 && !ck)
		ck = 0xffff;
	put16(l4 + at, ck);
}

int pkt_finish(struct pkt *p, uint32_t min_len)
{
	uint32_t end = p->len;

	fill_proto(p, 59); /* nothing followed: IPv6 "no next header" */
	if (p->ip_ver == 4) {
		put16(p->data + p->ip_off + 2, end - p->ip_off);
		ip4_csum(p);
		bound(p, PKT_B_IP4_TOTAL);
	} else if (p->ip_ver == 6) {
		put16(p->data + p->ip_off + 4, end - p->ip_off - IP6_HLEN);
		bound(p, PKT_B_IP6_PAYLOAD);
	}
	if (p->l4_off >= 0 && p->l4_proto == 17)
		put16(p->data + p->l4_off + 4, end - p->l4_off);
	/* A first fragment's checksum would cover the whole datagram, which
	 * one fragment does not have: the one over the part present is wrong
	 * but, unlike 0, not illegal for UDP over IPv6. */
	if (p->l4_off >= 0)
		l4_csum(p, end);
	if (p->len < min_len)
		put(p, min_len - p->len);
	return p->overflow ? -E2BIG : 0;
}

void pkt_set8(struct pkt *p, uint32_t off, uint8_t v)
{
	if (off < p->len)
		p->data[off] = v;
}

void pkt_set16(struct pkt *p, uint32_t off, uint16_t v)
{
	if (off + 2 <= p->len)
		put16(p->data + off, v);
}

void pkt_truncate(struct pkt *p, uint32_t len)
{
	if (len < p->len)
		p->len = len;
}

void pkt_ip4_set_version(struct pkt *p, uint8_t v)
{
	uint8_t *b = p->data + p->ip_off;

	*b = (v << 4) | (*b & 0xf);
	ip4_csum(p);
}

void pkt_ip4_set_ihl(struct pkt *p, uint8_t ihl_words)
{
	uint8_t *b = p->data + p->ip_off;

	*b = (*b & 0xf0) | (ihl_words & 0xf);
	ip4_csum(p);
}

void pkt_ip4_set_tot_len(struct pkt *p, uint16_t tot)
{
	put16(p->data + p->ip_off + 2, tot);
	ip4_csum(p);
}

void pkt_ip6_set_version(struct pkt *p, uint8_t v)
{
	uint8_t *b = p->data + p->ip_off;

	*b = (v << 4) | (*b & 0xf);
}

void pkt_ip6_set_plen(struct pkt *p, uint16_t plen)
{
	put16(p->data + p->ip_off + 4, plen);
}

void pkt_tcp_set_doff(struct pkt *p, uint8_t doff_words)
{
	p->data[p->l4_off + 12] = doff_words << 4;
}

void pkt_udp_set_len(struct pkt *p, uint16_t len)
{
	put16(p->data + p->l4_off + 4, len);
}
