// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ICMP and ICMPv6 as tcpdump 4.99 prints them: "ICMP echo request, id 7,
 * seq 1, length 64", "ICMP 10.0.0.2 udp port 53 unreachable, length 36"
 * (with -v the datagram the error quotes on the next lines), "ICMP6, echo
 * request, id 7, seq 1, length 64".  Neighbour discovery and MLD with -v
 * (their options) are tcpdump's alone.
 */
#include <stdio.h>
#include "pktfmt.h"

#define ICMP_MINLEN 8
#define ICMP_EXT_OFF 136 /* RFC 4884: extensions follow 128 bytes of datagram */

static const char *icmp_unreach_fmt(__u8 code)
{
	switch (code) {
	case 0: return "net %s unreachable";
	case 1: return "host %s unreachable";
	case 5: return "%s unreachable - source route failed";
	case 6: return "net %s unreachable - unknown";
	case 7: return "host %s unreachable - unknown";
	case 8: return "%s unreachable - source host isolated";
	case 9: return "net %s unreachable - admin prohibited";
	case 10: return "host %s unreachable - admin prohibited";
	case 11: return "net %s unreachable - tos prohibited";
	case 12: return "host %s unreachable - tos prohibited";
	case 13: return "host %s unreachable - admin prohibited filter";
	case 14: return "host %s unreachable - host precedence violation";
	case 15: return "host %s unreachable - precedence cutoff";
	}
	return NULL;
}

/* "hh:mm:ss.mmm" of milliseconds since midnight UTC (RFC 792). */
static void icmp_tstamp(struct pf *p, const char *what, __u32 ms)
{
	__u32 sec = ms / 1000, min = sec / 60, hrs = min / 60;

	ps_text_add(p->t, "%s%02u:%02u:%02u.%03u", what, hrs, min - hrs * 60, sec - min * 60,
		    ms % 1000);
}

static void lifetime(struct pf *p, __u16 l)
{
	if (l < 60)
		ps_text_add(p->t, "%u", l);
	else if (l < 60 * 60)
		ps_text_add(p->t, "%u:%02u", l / 60, l % 60);
	else
		ps_text_add(p->t, "%u:%02u:%02u", l / 3600, (l % 3600) / 60, l % 60);
}

/* The text between "ICMP " and ", length N". */
static int icmp_what(struct pf *p, __u32 off, __u8 type, __u8 code)
{
	char a[PF_ADDRSTRLEN], b[PF_ADDRSTRLEN], port[32];
	__u32 oip = off + 8;

	switch (type) {
	case 0:
	case 8:
		PF_GET(p, off + 4, 4);
		ps_text_add(p->t, "echo %s, id %u, seq %u", type == 8 ? "request" : "reply",
			    pf_be16(p, off + 4), pf_be16(p, off + 6));
		return PF_OK;
	case 3:
		if (code == 3) {
			__u32 ohlen, ouh;
			__u8 op;

			PF_NEED(p, oip, 10);
			ohlen = (pf_u8(p, oip) & 0x0f) * 4;
			ouh = oip + ohlen;
			PF_GET(p, ouh + 2, 2);
			PF_GET(p, oip + 16, 4);
			op = pf_u8(p, oip + 9);
			pf_ip4str(p, oip + 16, a);
			if (op == IPPROTO_TCP || op == IPPROTO_UDP)
				ps_text_add(p->t, "%s %s port %s unreachable", a,
					    op == IPPROTO_TCP ? "tcp" : "udp",
					    pf_port(p, pf_be16(p, ouh + 2), op == IPPROTO_TCP, port,
						    sizeof(port)));
			else
				ps_text_add(p->t, "%s protocol %u port %u unreachable", a, op,
					    pf_be16(p, ouh + 2));
			return PF_OK;
		}
		PF_GET(p, oip + 16, 4);
		pf_ip4str(p, oip + 16, a);
		if (code == 2) {
			ps_text_add(p->t, "%s protocol %u unreachable", a, pf_u8(p, oip + 9));
		} else if (code == 4) {
			__u16 mtu = pf_be16(p, off + 6);

			ps_text_add(p->t, "%s unreachable - need to frag", a);
			if (mtu)
				ps_text_add(p->t, " (mtu %u)", mtu);
		} else if (icmp_unreach_fmt(code)) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			ps_text_add(p->t, icmp_unreach_fmt(code), a);
#pragma GCC diagnostic pop
		} else {
			ps_text_add(p->t, "%s unreachable - #%u", a, code);
		}
		return PF_OK;
	case 5: {
		static const char *const kind[] = { "redirect %s to net %s", "redirect %s to host %s",
						    "redirect-tos %s to net %s",
						    "redirect-tos %s to host %s" };

		PF_GET(p, oip + 16, 4);
		pf_ip4str(p, oip + 16, a);
		pf_ip4str(p, off + 4, b);
		if (code < 4) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			ps_text_add(p->t, kind[code], a, b);
#pragma GCC diagnostic pop
		} else {
			ps_text_add(p->t, "redirect-#%u %s to %s", code, a, b);
		}
		return PF_OK;
	}
	case 9: { /* router advertisement (RFC 1256) */
		__u8 num, size;

		ps_text_add(p->t, "router advertisement");
		PF_NEED(p, off + 4, 4);
		ps_text_add(p->t, " lifetime ");
		lifetime(p, pf_be16(p, off + 6));
		num = pf_u8(p, off + 4);
		size = pf_u8(p, off + 5);
		ps_text_add(p->t, " %u:", num);
		if (size != 2) {
			ps_text_add(p->t, " [size %u]", size);
			return PF_OK;
		}
		for (__u32 e = off + 8; num > 0; num--, e += 8) {
			PF_NEED(p, e, 8);
			ps_text_add(p->t, " {%s %u}", pf_ip4str(p, e, a), pf_be32(p, e + 4));
		}
		return PF_OK;
	}
	case 11:
		PF_NEED(p, oip + 16, 4);
		if (code == 0)
			ps_text_add(p->t, "time exceeded in-transit");
		else if (code == 1)
			ps_text_add(p->t, "ip reassembly time exceeded");
		else
			ps_text_add(p->t, "time exceeded-#%u", code);
		return PF_OK;
	case 12:
		if (code) {
			ps_text_add(p->t, "parameter problem - code %u", code);
		} else {
			PF_GET(p, off + 4, 1);
			ps_text_add(p->t, "parameter problem - octet %u", pf_u8(p, off + 4));
		}
		return PF_OK;
	case 18:
		PF_GET(p, off + 8, 4);
		ps_text_add(p->t, "address mask is 0x%08x", pf_be32(p, off + 8));
		return PF_OK;
	case 13:
		PF_GET(p, off + 4, 4);
		ps_text_add(p->t, "time stamp query id %u seq %u", pf_be16(p, off + 4),
			    pf_be16(p, off + 6));
		return PF_OK;
	case 14:
		PF_NEED(p, off + 4, 16);
		ps_text_add(p->t, "time stamp reply id %u seq %u: ", pf_be16(p, off + 4),
			    pf_be16(p, off + 6));
		icmp_tstamp(p, "org ", pf_be32(p, off + 8));
		icmp_tstamp(p, ", recv ", pf_be32(p, off + 12));
		icmp_tstamp(p, ", xmit ", pf_be32(p, off + 16));
		return PF_OK;
	case 4:
		ps_text_add(p->t, "source quench");
		return PF_OK;
	case 10:
		ps_text_add(p->t, "router solicitation");
		return PF_OK;
	case 15:
		ps_text_add(p->t, "information request");
		return PF_OK;
	case 16:
		ps_text_add(p->t, "information reply");
		return PF_OK;
	case 17:
		ps_text_add(p->t, "address mask request");
		return PF_OK;
	}
	ps_text_add(p->t, "type-#%u", type);
	return PF_OK;
}

/* RFC 4884 extensions after an error's 128 bytes of datagram (-v). */
static int icmp_ext(struct pf *p, __u32 off, __u32 plen)
{
	__u32 ext = off + ICMP_EXT_OFF, hlen = plen - ICMP_EXT_OFF, obj;
	__u8 ver;

	PF_NEED(p, off, ICMP_EXT_OFF + 5);
	/* Senders that leave the length field 0: an extension is there only
	 * if its checksum holds. */
	if (!pf_u8(p, off + 5) && pf_have(p, ext, hlen) &&
	    pf_csum_fold(pf_csum_add(p, ext, hlen, 0)))
		return PF_OK;
	ver = pf_u8(p, ext) >> 4;
	ps_text_add(p->t, "\n\tICMP Multi-Part extension v%u", ver);
	if (ver != 2) {
		ps_text_add(p->t, " packet not supported");
		return PF_OK;
	}
	if (pf_have(p, ext, hlen))
		ps_text_add(p->t, ", checksum 0x%04x (%scorrect), length %u", pf_be16(p, ext + 2),
			    pf_csum_fold(pf_csum_add(p, ext, hlen, 0)) ? "in" : "", hlen);
	hlen -= 4;
	obj = ext + 4;
	while (hlen > 4) {
		__u32 tlen;
		__u8 cls, ctype;

		PF_NEED(p, obj, 4);
		tlen = pf_be16(p, obj);
		cls = pf_u8(p, obj + 2);
		ctype = pf_u8(p, obj + 3);
		obj += 4;
		ps_text_add(p->t, "\n\t  %s Object (%u), Class-Type: %u, length %u",
			    cls == 1 ? "MPLS Stack Entry" : cls == 2 ? "Interface Identification" :
								  "unknown",
			    cls, ctype, tlen);
		hlen -= 4;
		if (!cls || tlen < 4)
			return PF_OK;
		tlen -= 4;
		if (cls == 1 && ctype == 1) {
			__u32 e;

			PF_GET(p, obj, 4);
			e = pf_be32(p, obj);
			ps_text_add(p->t, "\n\t    label %u, tc %u", e >> 12, (e >> 9) & 7);
			if (e & 0x100)
				ps_text_add(p->t, ", [S]");
			ps_text_add(p->t, ", ttl %u", e & 0xff);
		} else if (obj > p->end) {
			ps_text_add(p->t, "\n\t    Dissector error: print_unknown_data called with pointer past end of packet");
		} else {
			pf_hex(p->t, "\n\t    ", p->pkt + obj, p->end - obj < tlen ? p->end - obj : tlen,
			       0);
		}
		if (hlen < tlen)
			break;
		hlen -= tlen;
		obj += tlen;
	}
	return PF_OK;
}

int pf_icmp(struct pf *p, __u32 off, __u32 plen, __u32 iph, bool fragmented)
{
	size_t start;
	__u8 type, code;
	int err;

	p->proto = "icmp";
	PF_GET(p, off, 2);
	type = pf_u8(p, off);
	code = pf_u8(p, off + 1);
	/* tcpdump makes this text apart and prints it whole: a cut-short
	 * packet shows none of it. */
	start = p->t->len;
	ps_text_add(p->t, "ICMP ");
	err = icmp_what(p, off, type, code);
	if (err == PF_TRUNC) {
		ps_text_cut(p->t, start);
		ps_text_add(p->t, " [|icmp]");
	}
	if (err)
		return err;
	ps_text_add(p->t, ", length %u", plen);
	if (p->o->verbose && !fragmented && pf_have(p, off, plen)) {
		__u16 sum = pf_csum_fold(pf_csum_add(p, off, plen, 0));

		if (sum)
			PF_GET(p, off + 2, 2);
		if (sum)
			ps_text_add(p->t, " (wrong icmp cksum %x (->%x)!)", pf_be16(p, off + 2),
				    pf_csum_shouldbe(pf_be16(p, off + 2), sum));
	}
	/* An error quotes the datagram it is about: with -v, printed too. */
	if (p->o->verbose && (type == 3 || type == 4 || type == 5 || type == 11 || type == 12)) {
		__u32 saved = p->end, inner = off + ICMP_MINLEN, ilen;

		ps_text_add(p->t, "\n\t");
		PF_GET(p, inner + 2, 2);
		ilen = pf_be16(p, inner + 2);
		if (inner + ilen < p->end)
			p->end = inner + ilen;
		err = pf_ip4(p, inner, ilen);
		p->end = saved;
		/* A printer that ran out only returns: the extensions follow. */
		if (err && !(err == PF_TRUNC && !p->jumped))
			return err;
		p->proto = "icmp";
	}
	if (p->o->verbose && plen > ICMP_EXT_OFF && (type == 3 || type == 11 || type == 12))
		return icmp_ext(p, off, plen);
	return PF_OK;
}

const char *pf_icmp6_name(__u8 type)
{
	switch (type) {
	case 1: return "destination unreachable";
	case 2: return "packet too big";
	case 3: return "time exceeded in-transit";
	case 4: return "parameter problem";
	case 128: return "echo request";
	case 129: return "echo reply";
	case 130: return "multicast listener query";
	case 131: return "multicast listener report";
	case 132: return "multicast listener done";
	case 133: return "router solicitation";
	case 134: return "router advertisement";
	case 135: return "neighbor solicitation";
	case 136: return "neighbor advertisement";
	case 137: return "redirect";
	case 138: return "router renumbering";
	case 139: return "who-are-you request";
	case 140: return "who-are-you reply";
	case 141: return "inverse neighbor solicitation";
	case 142: return "inverse neighbor advertisement";
	case 143: return "multicast listener report v2";
	case 144: return "ha discovery request";
	case 145: return "ha discovery reply";
	case 146: return "mobile router solicitation";
	case 147: return "mobile router advertisement";
	case 155: return "RPL";
	case 200: return "mtrace response";
	case 201: return "mtrace message";
	}
	return NULL;
}

/* The TCP/UDP header after the quoted IPv6 header and its extension
 * headers (tcpdump's get_upperlayer()): its offset, or 0. */
static __u32 icmp6_upper(const struct pf *p, __u32 bp, __u8 *prot)
{
	__u32 hlen = 40;
	__u8 nh;

	if (!pf_have(p, bp + 6, 1))
		return 0;
	nh = pf_u8(p, bp + 6);
	while (bp < p->end) {
		bp += hlen;
		switch (nh) {
		case IPPROTO_UDP:
		case IPPROTO_TCP:
			if (!pf_have(p, bp + 2, 2))
				return 0;
			*prot = nh;
			return bp;
		case 0:
		case 43:
		case 60:
			if (!pf_have(p, bp + 1, 1))
				return 0;
			nh = pf_u8(p, bp);
			hlen = (pf_u8(p, bp + 1) + 1) << 3;
			break;
		case 44:
			if (!pf_have(p, bp + 2, 2) || (pf_be16(p, bp + 2) & 0xfff8))
				return 0;
			nh = pf_u8(p, bp);
			hlen = 8;
			break;
		case 51:
			if (!pf_have(p, bp + 1, 1))
				return 0;
			nh = pf_u8(p, bp);
			hlen = (pf_u8(p, bp + 1) + 2) << 2;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

int pf_icmp6(struct pf *p, __u32 off, __u32 length, __u32 iph, bool fragmented)
{
	char a[PF_ADDRSTRLEN], b[PF_ADDRSTRLEN], port[32];
	int v = p->o->verbose;
	__u32 oip = off + 8, uh;
	const char *name;
	__u8 type, code, prot;

	p->proto = "icmp6";
	if (!length) {
		ps_text_add(p->t, "ICMP6, length 0 (invalid)");
		return PF_OK;
	}
	if (v && !fragmented && pf_have(p, off, length)) {
		__u16 sum = pf_l4_csum(p, iph, off, length, IPPROTO_ICMPV6), field;

		PF_GET(p, off + 2, 2);
		field = pf_be16(p, off + 2);
		if (sum)
			ps_text_add(p->t, "[bad icmp6 cksum 0x%04x -> 0x%04x!] ", field,
				    pf_csum_shouldbe(field, sum));
		else
			ps_text_add(p->t, "[icmp6 sum ok] ");
	}
	PF_GET(p, off, 1);
	type = pf_u8(p, off);
	name = pf_icmp6_name(type);
	if (name)
		ps_text_add(p->t, "ICMP6, %s", name);
	else
		ps_text_add(p->t, "ICMP6, unknown icmp6 type (%u)", type);
	if (v && (type == 133 || type == 134 || type == 136 || type == 135 || type == 137 ||
		  type == 145 || type == 147))
		ps_text_add(p->t, ", length %u", length);
	PF_GET(p, off + 1, 1);
	code = pf_u8(p, off + 1);
	switch (type) {
	case 1: {
		static const char *const codes[] = { "unreachable route", " unreachable prohibited",
						     "beyond scope", "unreachable address",
						     "unreachable port" };

		if (code < 5)
			ps_text_add(p->t, ", %s", codes[code]);
		else
			ps_text_add(p->t, ", unknown unreach code (%u)", code);
		switch (code) {
		case 0:
		case 1:
		case 3:
			PF_GET(p, oip + 24, 16);
			ps_text_add(p->t, " %s", pf_ip6str(p, oip + 24, a));
			break;
		case 2:
			PF_GET(p, oip + 8, 32);
			ps_text_add(p->t, " %s, source address %s", pf_ip6str(p, oip + 24, a),
				    pf_ip6str(p, oip + 8, b));
			break;
		case 4:
			uh = icmp6_upper(p, oip, &prot);
			if (!uh)
				return pf_trunc(p);
			PF_GET(p, oip + 24, 16);
			pf_ip6str(p, oip + 24, a);
			if (prot == IPPROTO_TCP || prot == IPPROTO_UDP)
				ps_text_add(p->t, ", %s %s port %s", a, prot == IPPROTO_TCP ? "tcp" : "udp",
					    pf_port(p, pf_be16(p, uh + 2), prot == IPPROTO_TCP, port,
						    sizeof(port)));
			else
				ps_text_add(p->t, ", %s protocol %u port %u unreachable", a, prot,
					    pf_be16(p, uh + 2));
			break;
		default:
			if (v <= 1) {
				pf_hex(p->t, "\n\t", p->pkt + off,
				       p->end - off < length ? p->end - off : length, 0);
				return PF_OK;
			}
		}
		break;
	}
	case 2:
		PF_GET(p, off + 4, 4);
		ps_text_add(p->t, ", mtu %u", pf_be32(p, off + 4));
		break;
	case 3:
		if (code == 0) {
			PF_GET(p, oip + 24, 16);
			ps_text_add(p->t, " for %s", pf_ip6str(p, oip + 24, a));
		} else if (code == 1) {
			ps_text_add(p->t, " (reassembly)");
		} else {
			ps_text_add(p->t, ", unknown code (%u)", code);
		}
		break;
	case 4: {
		static const char *const codes[] = { "erroneous", "next header", "option",
						     "incomplete header chain" };

		PF_NEED(p, oip + 24, 16);
		if (code < 4)
			ps_text_add(p->t, ", %s - octet %u", codes[code], pf_be32(p, off + 4));
		else
			ps_text_add(p->t, ", code-#%u", code);
		break;
	}
	case 128:
	case 129:
		PF_GET(p, off + 4, 4);
		ps_text_add(p->t, ", id %u, seq %u", pf_be16(p, off + 4), pf_be16(p, off + 6));
		break;
	case 133:
	case 134:
		if (v)
			return PF_NOTSUP; /* the options */
		break;
	case 135:
	case 136:
		PF_GET(p, off + 8, 16);
		ps_text_add(p->t, type == 135 ? ", who has %s" : ", tgt is %s",
			    pf_ip6str(p, off + 8, a));
		if (v)
			return PF_NOTSUP;
		break;
	case 137:
		PF_GET(p, off + 8, 32);
		ps_text_add(p->t, ", %s to %s", pf_ip6str(p, off + 24, a), pf_ip6str(p, off + 8, b));
		if (v)
			return PF_NOTSUP;
		break;
	case 141:
	case 142:
		break;
	case 144:
	case 146:
		PF_GET(p, off + 4, 2);
		ps_text_add(p->t, ", id 0x%04x", pf_be16(p, off + 4));
		break;
	case 145:
	case 147:
		if (v)
			return PF_NOTSUP;
		break;
	case 130:
	case 131:
	case 132:
	case 138:
	case 139:
	case 140:
	case 143:
	case 155:
		return PF_NOTSUP; /* MLD, router advertisement, node information, RPL */
	default:
		ps_text_add(p->t, ", length %u", length);
		if (v <= 1)
			pf_hex(p->t, "\n\t", p->pkt + off, p->end - off < length ? p->end - off : length,
			       0);
		return PF_OK;
	}
	if (!v)
		ps_text_add(p->t, ", length %u", length);
	return PF_OK;
}
