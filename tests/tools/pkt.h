/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small packet builder for tests and benchmarks, and the table of named,
 * crafted packets that the unit tests, mkpcap and the benchmark share.
 *
 * Layers are appended in wire order; each layer fills in the "next type"
 * field the layer before it left open (EtherType, IP protocol, IPv6 next
 * header), so a packet reads like its tcpdump line:
 *
 *	pkt_init(p); pkt_eth(p); pkt_vlan(p, 0x8100, 10);
 *	pkt_ipv4(p, 64); pkt_udp(p, 53, 5353); pkt_payload(p, 20);
 *	pkt_finish(p, 60);
 *
 * pkt_finish() writes every length and checksum, so a builder packet is valid
 * unless a pkt_set_* helper breaks it on purpose afterwards.
 *
 * The builder also records where each L2/L3 layer ends (struct pkt_layout):
 * a test derives from it what a cut-short copy of the packet must count as.
 */
#ifndef PS_TEST_PKT_H
#define PS_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pktscope/abi.h"

#define PKT_MAX 20000 /* room for the multi-buffer (> 4 KiB) cases */

/* The kinds of boundary a truncation can fall before. */
enum pkt_bound_kind {
	PKT_B_ETH,         /* Ethernet header */
	PKT_B_VLAN,        /* one VLAN tag */
	PKT_B_ARP_FIXED,   /* ARP fixed part (8 bytes) */
	PKT_B_ARP_ADDRS,   /* ARP addresses */
	PKT_B_IP4_FIXED,   /* IPv4 20-byte header */
	PKT_B_IP4_OPTS,    /* IPv4 options (IHL) */
	PKT_B_IP4_TOTAL,   /* IPv4 total length */
	PKT_B_IP6_FIXED,   /* IPv6 40-byte header */
	PKT_B_IP6_PAYLOAD, /* IPv6 payload length */
};

#define PKT_MAX_BOUNDS 12

struct pkt_bound {
	enum pkt_bound_kind kind;
	uint32_t end; /* offset just past this part */
};

/* Where the L2/L3 parts of a packet end, in wire order. */
struct pkt_layout {
	struct pkt_bound b[PKT_MAX_BOUNDS];
	int n;
};

struct pkt {
	uint8_t data[PKT_MAX];
	uint32_t len;
	/* Fields the next layer fills in: -1 when none is open. */
	int type_off;  /* a 2-byte EtherType */
	int proto_off; /* a 1-byte IP protocol / IPv6 next header */
	/* The IP header lengths and checksums are fixed up for. */
	int ip_off;
	int ip_ver;     /* 4, 6, or 0 before any IP header */
	int ip_ttl;     /* TTL / hop limit of that header */
	int ip4_frag;   /* IPv4 offset or MF set */
	int ip6_frag;   /* IPv6 fragment header with offset or M set */
	int l4_off;     /* -1 until an L4 header */
	int l4_proto;
	struct pkt_layout lay;
	bool overflow;  /* a layer did not fit: the packet is unusable */
};

/* Building, in wire order. */
void pkt_init(struct pkt *p);
void pkt_eth(struct pkt *p);
void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid);
/* Fills the open EtherType: for "other" EtherTypes and 802.3 lengths. */
void pkt_ethertype(struct pkt *p, uint16_t type);
void pkt_arp(struct pkt *p, uint16_t op);
void pkt_ipv4(struct pkt *p, uint8_t ttl);
/* Must follow pkt_ipv4 directly: appends options and raises the IHL.
 * 'n' is rounded up to a multiple of 4 with End-of-Options bytes. */
void pkt_ip4_options(struct pkt *p, const uint8_t *opts, uint32_t n);
/* Marks the last IPv4 header a fragment: 'offset' in 8-byte units. */
void pkt_ip4_frag(struct pkt *p, uint16_t offset, bool more);
void pkt_ipv6(struct pkt *p, uint8_t hop_limit);
/* An extension header of 'size' bytes (a multiple of 8; for AH, of 4 and at
 * least 12): hop-by-hop (0), routing (43), dest opts (60), AH (51). */
void pkt_ip6_ext(struct pkt *p, uint8_t type, uint32_t size);
void pkt_ip6_frag(struct pkt *p, uint16_t offset, bool more);
/* Fills the open IP protocol / next header, for protocols without a
 * builder (GRE, "no next header"). */
void pkt_ipproto(struct pkt *p, uint8_t proto);
void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags);
/* Must follow pkt_tcp directly: appends options and raises the offset. */
void pkt_tcp_options(struct pkt *p, const uint8_t *opts, uint32_t n);
void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport);
void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code);  /* 8 bytes */
void pkt_icmp6(struct pkt *p, uint8_t type, uint8_t code); /* 8 bytes */
void pkt_payload(struct pkt *p, uint32_t n);
void pkt_bytes(struct pkt *p, const void *b, uint32_t n);
/* Writes IP lengths, UDP length and checksums, then pads the frame with
 * zeros to 'min_len' (60 for a minimum Ethernet frame, 0 for none).
 * Returns 0 or -E2BIG if some layer did not fit. */
int pkt_finish(struct pkt *p, uint32_t min_len);

/*
 * Breaking a finished packet on purpose.  Each changes one field and, where
 * the field is covered by the IPv4 header checksum, rewrites the checksum so
 * that the field under test is the only thing wrong.
 */
void pkt_set8(struct pkt *p, uint32_t off, uint8_t v);
void pkt_set16(struct pkt *p, uint32_t off, uint16_t v); /* host order in */
void pkt_truncate(struct pkt *p, uint32_t len);
void pkt_ip4_set_version(struct pkt *p, uint8_t v);
void pkt_ip4_set_ihl(struct pkt *p, uint8_t ihl_words);
void pkt_ip4_set_tot_len(struct pkt *p, uint16_t tot);
void pkt_ip6_set_version(struct pkt *p, uint8_t v);
void pkt_ip6_set_plen(struct pkt *p, uint16_t plen);
void pkt_tcp_set_doff(struct pkt *p, uint8_t doff_words);
void pkt_udp_set_len(struct pkt *p, uint16_t len);

/* Internet checksum of 'n' bytes, folded, in network order as stored. */
uint16_t pkt_csum(const void *b, uint32_t n, uint32_t sum);

/* The crafted table. */
enum {
	PKT_F_VALID = 1 << 0,    /* parses to OK: used for truncation sweeps */
	PKT_F_XDP_ONLY = 1 << 1, /* under 14 bytes or beyond a TC test run */
	PKT_F_BIG = 1 << 2,      /* beyond one page: XDP multi-buffer */
};

#define PKT_CTR(id) (1ULL << PS_CTR_##id)

struct pkt_case {
	const char *name;
	const char *what;     /* one line: what it is and why it is here */
	const uint8_t *data;
	uint32_t len;
	unsigned int flags;
	uint64_t expect;      /* PKT_CTR() bits that count it, default config */
	int ttl;              /* TTL / hop limit of the IP header, -1 if none */
	struct pkt_layout lay;
};

/* The crafted packets, built once; never NULL unless out of memory. */
const struct pkt_case *pkt_cases(size_t *n);
const struct pkt_case *pkt_case_by_name(const char *name);

/* The threshold the table's 'expect' is written for: pktscope's default. */
#define PKT_DEFAULT_TTL_THRESHOLD 2

/* What case 'c' counts with --ttl-threshold 'ttl_threshold': its 'expect',
 * with TTL_LOW exactly when the IP header is valid (which is when the L4
 * class is counted) and its TTL is below the threshold. */
uint64_t pkt_case_expect(const struct pkt_case *c, int ttl_threshold);

/* A random-ish but valid packet of a mixed kind (TCP, UDP, ICMP, IPv4 and
 * IPv6, VLAN, ARP), from a caller-held seed: the same seed, the same file. */
void pkt_random(struct pkt *p, uint64_t *seed);

#endif
