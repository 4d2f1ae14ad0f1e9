// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ethernet (with -e: "MAC > MAC, ethertype IPv4 (0x0800), length N: ",
 * each VLAN tag as "vlan V, p P, "), and ARP as tcpdump 4.99 prints them.
 */
#include <stdio.h>
#include <string.h>
#include "pktfmt.h"
#include "capread.h"
#include "linkview.h"

#define ETH_HLEN 14
#define ETH_MAX_LENGTH_VAL 1500 /* type field values up to here are 802.3 lengths */

/* EtherType names as tcpdump spells them, for the types pktscope meets
 * most; any other is "Unknown" here (tcpdump may know a name for it). */
static const struct {
	__u16 type;
	const char *name;
} ethertypes[] = {
	{ 0x0800, "IPv4" },        { 0x0806, "ARP" },
	{ 0x86dd, "IPv6" },        { 0x8100, "802.1Q" },
	{ 0x88a8, "802.1Q-QinQ" }, { 0x9100, "802.1Q-9100" },
	{ 0x9200, "802.1Q-9200" }, { 0x8035, "Reverse ARP" },
	{ 0x8847, "MPLS unicast" }, { 0x8848, "MPLS multicast" },
	{ 0x8863, "PPPoE D" },     { 0x8864, "PPPoE S" },
	{ 0x888e, "EAPOL" },       { 0x88cc, "LLDP" },
	{ 0x88f7, "PTP" },         { 0x8809, "Slow Protocols" },
	{ 0x9000, "Loopback" },    { 0x88e5, "802.1AE MACsec" },
};

/* The EtherTypes with no name in tcpdump either. */
static bool local_experimental(__u16 type)
{
	return type == 0x88b5 || type == 0x88b6;
}

static const char *ethertype_name(__u16 type)
{
	for (size_t i = 0; i < sizeof(ethertypes) / sizeof(ethertypes[0]); i++)
		if (ethertypes[i].type == type)
			return ethertypes[i].name;
	return NULL;
}

static bool is_vlan_tpid(__u16 type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200;
}

int pf_trunc(struct pf *p)
{
	ps_text_add(p->t, " [|%s]", p->proto);
	return PF_TRUNC;
}

int pf_trunc_jump(struct pf *p)
{
	ps_text_add(p->t, " [|%s]", p->proto);
	p->ll_hdr_len = 0;
	p->jumped = true;
	return PF_TRUNC;
}

static const char *arp_hrd_name(__u16 hrd, char *buf, size_t len)
{
	switch (hrd) {
	case 1: return "Ethernet";
	case 6: return "TokenRing";
	case 7: return "ArcNet";
	case 23: return "Strip";
	case 24: return "IEEE 1394";
	case 32: return "InfiniBand";
	}
	snprintf(buf, len, "Unknown Hardware (%u)", hrd);
	return buf;
}

static void mac(struct pf *p, __u32 off)
{
	const __u8 *m = p->pkt + off;

	ps_text_add(p->t, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A hardware address of any length, as tcpdump's linkaddr_string(). */
static void linkaddr(struct pf *p, __u32 off, __u32 len)
{
	if (!len) {
		ps_text_add(p->t, "<empty>");
		return;
	}
	for (__u32 i = 0; i < len; i++)
		ps_text_add(p->t, i ? ":%02x" : "%02x", pf_u8(p, off + i));
}

static void ethertype_print(struct pf *p, __u16 type)
{
	const char *name = ethertype_name(type);

	ps_text_add(p->t, "ethertype %s (0x%04x)", name ? name : "Unknown", type);
}

static void arp_ip(struct pf *p, __u16 pro, __u8 pln, __u32 off)
{
	char a[PF_ADDRSTRLEN];

	if (pro != 0x0800 && pro != 0x1000) /* IPv4, or Trailer */
		ps_text_add(p->t, "<wrong proto type>");
	else if (pln != 4)
		ps_text_add(p->t, "<wrong len>");
	else
		ps_text_add(p->t, "%s", pf_ip4str(p, off, a));
}

static bool all_zero(const struct pf *p, __u32 off, __u32 n)
{
	for (__u32 i = 0; i < n; i++)
		if (pf_u8(p, off + i))
			return false;
	return true;
}

/* ARP with hardware addresses tcpdump prints as Ethernet's (all but ATM's
 * and Frame Relay's, which have printers of their own). */
static int arp(struct pf *p, __u32 off, __u32 length)
{
	static const char *const ops[] = {
		[1] = "Request", [2] = "Reply", [3] = "Reverse Request", [4] = "Reverse Reply",
		[8] = "Inverse Request", [9] = "Inverse Reply", [10] = "NACK Reply",
	};
	__u16 hrd, pro, op;
	__u8 hln, pln;
	__u32 sha, spa, tha, tpa;
	const char *pro_name;
	char hname[32];

	p->proto = "arp";
	PF_GET(p, off, 8);
	hrd = pf_be16(p, off);
	pro = pf_be16(p, off + 2);
	hln = pf_u8(p, off + 4);
	pln = pf_u8(p, off + 5);
	op = pf_be16(p, off + 6);
	if (hrd == 15 || hrd == 19)
		return PF_NOTSUP;
	sha = off + 8;
	spa = sha + hln;
	tha = spa + pln;
	tpa = tha + hln;
	PF_GET(p, tpa, pln);
	if (!p->o->eth)
		ps_text_add(p->t, "ARP, ");
	if ((pro != 0x0800 && pro != 0x1000) || pln != 4 || !hln || p->o->verbose) {
		pro_name = ethertype_name(pro);
		if (!pro_name)
			return PF_NOTSUP;
		ps_text_add(p->t, "%s (len %u), %s (len %u)", arp_hrd_name(hrd, hname, sizeof(hname)),
			    hln, pro_name, pln);
		if (!p->o->verbose)
			goto out;
	}
	if (op >= sizeof(ops) / sizeof(ops[0]) || !ops[op])
		return PF_NOTSUP; /* tcpdump dumps the bytes */
	ps_text_add(p->t, "%s%s ", p->o->verbose ? ", " : "", ops[op]);
	switch (op) {
	case 1:
		ps_text_add(p->t, "who-has ");
		arp_ip(p, pro, pln, tpa);
		if (!all_zero(p, tha, hln)) {
			ps_text_add(p->t, " (");
			linkaddr(p, tha, hln);
			ps_text_add(p->t, ")");
		}
		ps_text_add(p->t, " tell ");
		arp_ip(p, pro, pln, spa);
		break;
	case 2:
		arp_ip(p, pro, pln, spa);
		ps_text_add(p->t, " is-at ");
		linkaddr(p, sha, hln);
		break;
	case 3:
	case 8:
		ps_text_add(p->t, "who-is ");
		linkaddr(p, tha, hln);
		ps_text_add(p->t, " tell ");
		linkaddr(p, sha, hln);
		break;
	case 4:
		linkaddr(p, tha, hln);
		ps_text_add(p->t, " at ");
		arp_ip(p, pro, pln, tpa);
		break;
	case 9:
		linkaddr(p, sha, hln);
		ps_text_add(p->t, " at ");
		arp_ip(p, pro, pln, spa);
		break;
	default:
		return PF_NOTSUP;
	}
out:
	ps_text_add(p->t, ", length %u", length);
	return PF_OK;
}

/* The network layer after a link header: what tcpdump decodes by type. */
static int pf_ethertype(struct pf *p, __u16 type, __u32 off, __u32 length)
{
	switch (type) {
	case 0x0800:
		return pf_ip4(p, off, length);
	case 0x86dd:
		return pf_ip6(p, off, length);
	case 0x0806:
		return arp(p, off, length);
	}
	return PF_NOTSUP;
}

int pf_frame(struct pf *p, size_t *body)
{
	__u32 off = 12, length = p->wirelen;
	bool printed_length = false;
	__u16 type;

	p->proto = "ether";
	p->ll_hdr_len = 0;
	*body = p->t->len;
	if (p->caplen < ETH_HLEN || p->wirelen < p->caplen)
		return PF_NOTSUP;
	if (p->o->eth) {
		mac(p, 6);
		ps_text_add(p->t, " > ");
		mac(p, 0);
		ps_text_add(p->t, ", ");
	}
	type = pf_be16(p, off);
	off += 2;
	while (is_vlan_tpid(type)) {
		if (p->caplen - off < 4 || length - off < 4) {
			p->proto = "vlan";
			*body = p->t->len;
			pf_trunc(p);
			/* tcpdump takes it all for the link header: no dump. */
			p->ll_hdr_len = p->caplen;
			return PF_TRUNC;
		}
		if (p->o->eth) {
			__u16 tci = pf_be16(p, off);

			ethertype_print(p, type);
			if (!printed_length)
				ps_text_add(p->t, ", length %u: ", p->wirelen);
			else
				ps_text_add(p->t, ", ");
			printed_length = true;
			ps_text_add(p->t, "vlan %u, p %u%s, ", tci & 0xfff, tci >> 13,
				    (tci & 0x1000) ? ", DEI" : "");
		}
		type = pf_be16(p, off + 2);
		off += 4;
	}
	p->ll_hdr_len = off;
	length -= off;
	if (type <= ETH_MAX_LENGTH_VAL) {
		/* 802.3 with an LLC header: not printed here. */
		if (p->o->eth) {
			ps_text_add(p->t, "802.3");
			if (!printed_length)
				ps_text_add(p->t, ", length %u: ", type < length ? type : length);
		}
		*body = p->t->len;
		return PF_NOTSUP;
	}
	if (p->o->eth) {
		ethertype_print(p, type);
		if (printed_length)
			ps_text_add(p->t, ", ");
		else
			ps_text_add(p->t, ", length %u: ", p->wirelen);
	}
	*body = p->t->len;
	/* The IEEE 802 local experimental EtherTypes, which no tcpdump
	 * printer claims: its generic text and dump. */
	if (local_experimental(type)) {
		if (!p->o->eth) {
			mac(p, 6);
			ps_text_add(p->t, " > ");
			mac(p, 0);
			ps_text_add(p->t, ", ");
			ethertype_print(p, type);
			ps_text_add(p->t, ", length %u: ", p->wirelen);
		}
		if (!p->o->hex && !p->o->hex_ascii)
			pf_hex_ascii(p->t, "\n\t", p->pkt + off, p->caplen - off);
		return PF_OK;
	}
	return pf_ethertype(p, type, off, length);
}

/* tcpdump's print-sll.c names of the cooked header's packet types. */
static const char *sll_type_name(__u8 t)
{
	static const char *const names[] = { "In", "B", "M", "P", "Out" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* print-null.c: BSD address families. */
static const char *af_name(__u32 af)
{
	switch (af) {
	case 2: return "IPv4";
	case 24:
	case 28:
	case 30: return "IPv6";
	default: return "Unknown";
	}
}

int pf_cooked(struct pf *p, size_t *body)
{
	const __u8 *d = p->pkt;
	struct ps_linkview v;
	__u32 off, length;
	__u16 type;

	p->proto = "link";
	p->ll_hdr_len = 0;
	*body = p->t->len;
	if (ps_linkview(p->o->linktype, d, p->caplen, p->wirelen, &v) || !v.synth)
		return PF_NOTSUP;
	off = v.hdrlen;
	type = (__u16)v.eth[12] << 8 | v.eth[13];
	if (p->o->eth) {
		switch (p->o->linktype) {
		case PS_LINKTYPE_LINUX_SLL:
			ps_text_add(p->t, "%3s ", sll_type_name(d[1]));
			linkaddr(p, 6, pf_be16(p, 4) < 8 ? pf_be16(p, 4) : 8);
			ps_text_add(p->t, " ");
			break;
		case PS_LINKTYPE_LINUX_SLL2:
			/* tcpdump prints the interface by the name the
			 * reading host gives its index; pktscope by the index. */
			ps_text_add(p->t, "ifindex %u ", pf_be32(p, 4));
			linkaddr(p, 12, d[11] < 8 ? d[11] : 8);
			ps_text_add(p->t, " ");
			break;
		case PS_LINKTYPE_NULL:
		case PS_LINKTYPE_LOOP: {
			__u32 af;

			memcpy(&af, d, 4);
			if (p->o->linktype == PS_LINKTYPE_LOOP)
				af = ntohl(af);
			else if (af & 0xffff0000u)
				af = __builtin_bswap32(af);
			ps_text_add(p->t, "AF %s (%u), length %u: ", af_name(af), af, p->wirelen);
			break;
		}
		default: /* raw IP */
			ps_text_add(p->t, "ip: ");
		}
		if (p->o->linktype == PS_LINKTYPE_LINUX_SLL ||
		    p->o->linktype == PS_LINKTYPE_LINUX_SLL2) {
			ethertype_print(p, type);
			ps_text_add(p->t, ", length %u: ", p->wirelen);
		}
	}
	p->ll_hdr_len = off;
	*body = p->t->len;
	length = p->wirelen - off;
	return pf_ethertype(p, type, off, length);
}
