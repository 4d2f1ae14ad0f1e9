/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The text tcpdump 4.99 prints for a frame, made from the frame's bytes,
 * for the protocols pktscope decodes: Ethernet with up to two VLAN tags,
 * ARP, IPv4 (options, fragments), IPv6 (hop-by-hop, destination options
 * and fragment headers), TCP, UDP, ICMP and ICMPv6.  Internal to
 * pktline.c, which falls back to its own summary of the event where a
 * printer returns PF_NOTSUP.
 *
 * Each printer reads within p->end, the bytes readable at that point: the
 * captured bytes, cut to the end of the IP datagram being printed (as
 * tcpdump cuts its snap end).  Running out prints " [|proto]" and stops
 * (PF_TRUNC), as tcpdump does.
 */
#ifndef PS_PKTFMT_H
#define PS_PKTFMT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <linux/types.h>
#include "pktline.h"
#include "textbuf.h"

enum {
	PF_OK = 0,
	PF_TRUNC = 1,  /* the bytes ended: " [|proto]" printed, stop */
	PF_NOTSUP = 2, /* something pktscope does not print as tcpdump */
};

struct ps_line_state;

struct pf {
	struct ps_text *t;
	const __u8 *pkt;             /* the frame */
	__u32 caplen;                /* bytes of it captured */
	__u32 wirelen;               /* its length on the wire */
	__u32 end;                   /* bytes readable now (see above) */
	const struct ps_line_opts *o;
	struct ps_line_state *st;    /* TCP's relative sequence numbers */
	__u32 ll_hdr_len;            /* the link header, which -x leaves out */
	const char *proto;           /* named by " [|proto]" */
	bool jumped;                 /* the bytes ended where tcpdump stops all
				      * printers, not only the current one */
};

static inline bool pf_have(const struct pf *p, __u32 off, __u32 n)
{
	return off <= p->end && n <= p->end - off;
}

static inline __u8 pf_u8(const struct pf *p, __u32 off)
{
	return p->pkt[off];
}

static inline __u16 pf_be16(const struct pf *p, __u32 off)
{
	return (__u16)p->pkt[off] << 8 | p->pkt[off + 1];
}

static inline __u32 pf_be32(const struct pf *p, __u32 off)
{
	return (__u32)pf_be16(p, off) << 16 | pf_be16(p, off + 2);
}

/* " [|proto]"; returns PF_TRUNC.  tcpdump stops at the end of the bytes
 * two ways: a check that returns from the printer (PF_NEED: its -x dump
 * still leaves out the link header) and a read that jumps out of them all
 * (PF_GET: the dump is then the whole frame). */
int pf_trunc(struct pf *p);
int pf_trunc_jump(struct pf *p);
#define PF_NEED(p, off, n)                       \
	do {                                     \
		if (!pf_have((p), (off), (n)))   \
			return pf_trunc(p);      \
	} while (0)
#define PF_GET(p, off, n)                          \
	do {                                       \
		if (!pf_have((p), (off), (n)))     \
			return pf_trunc_jump(p);   \
	} while (0)

/* The whole frame: link header (with -e), then its payload.  PF_NOTSUP
 * leaves the -e part in the text and p->ll_hdr_len set; 'body' is where
 * the payload's text starts. */
int pf_frame(struct pf *p, size_t *body);
/* The same for a record of another link type (p->o->cooked): tcpdump's -e
 * text of its link header (SLL, SLL2, NULL, LOOP, raw IP), then its
 * payload. */
int pf_cooked(struct pf *p, size_t *body);

/* pktfmt_ip.c: an IPv4 or IPv6 datagram at 'off', 'length' bytes on the
 * wire as the layer below counts them. */
int pf_ip4(struct pf *p, __u32 off, __u32 length);
int pf_ip6(struct pf *p, __u32 off, __u32 length);
/* The protocol after an IP header: 'iph' is that header's offset. */
int pf_ip_demux(struct pf *p, __u32 off, __u32 length, int ver, bool fragmented, __u8 nh,
		__u32 iph);

/* pktfmt_l4.c */
int pf_tcp(struct pf *p, __u32 off, __u32 length, __u32 iph, bool fragmented);
int pf_udp(struct pf *p, __u32 off, __u32 length, __u32 iph, bool fragmented);
/* The options of the TCP header 'seg' ('hlen' bytes) as tcpdump lists
 * them ("mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7"), SACK blocks
 * absolute; -1 when there are none or one is bad. */
int pf_tcp_option_list(struct ps_text *t, const __u8 *seg, __u32 hlen);
/* pktfmt_icmp.c */
int pf_icmp(struct pf *p, __u32 off, __u32 length, __u32 iph, bool fragmented);
int pf_icmp6(struct pf *p, __u32 off, __u32 length, __u32 iph, bool fragmented);

/* Internet checksum (RFC 1071) of the bytes [off, off+n) of the frame,
 * continuing 'sum' (0 to start); pf_csum_fold() complements it. */
__u64 pf_csum_add(const struct pf *p, __u32 off, __u32 n, __u64 sum);
__u16 pf_csum_fold(__u64 sum);
/* The same over an L4 segment with the IPv4/IPv6 pseudo-header of the
 * header at 'iph'; 0 when the segment is intact. */
__u16 pf_l4_csum(const struct pf *p, __u32 iph, __u32 off, __u32 len, __u8 proto);
/* What a checksum field should have held: tcpdump's "-> 0x...". */
__u16 pf_csum_shouldbe(__u16 field, __u16 computed);

/* Address and port text as tcpdump -n prints them (ports by name from
 * /etc/services without -n). */
const char *pf_ip4str(const struct pf *p, __u32 off, char *buf);
const char *pf_ip6str(const struct pf *p, __u32 off, char *buf);
const char *pf_port(const struct pf *p, __u16 port, bool tcp, char *buf, size_t len);
const char *ps_port_str(__u16 port, bool tcp, bool numeric, char *buf, size_t len);
/* tcpdump's name of an ICMPv6 type ("echo request", "mtrace response") or
 * NULL. */
const char *pf_icmp6_name(__u8 type);
/* tcpdump's protocol name ("TCP", "ICMPv6", "Options", ...) or NULL. */
const char *pf_ipproto_name(__u8 proto);

#define PF_ADDRSTRLEN 48

/* pktfmt_dump.c: tcpdump's hex_print() ("<ident>0x0000:  4500 ..."),
 * hex_and_ascii_print() and ascii_print() of 'len' bytes. */
void pf_hex(struct ps_text *t, const char *ident, const __u8 *b, __u32 len, __u32 oset);
void pf_hex_ascii(struct ps_text *t, const char *ident, const __u8 *b, __u32 len);
void pf_ascii(struct ps_text *t, const __u8 *b, __u32 len);

#endif
