// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IPv4 and IPv6 as tcpdump 4.99 prints them: with -v the header line
 * ("IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6),
 * length 60)" and a new line; "IP6 (hlim 64, next-header TCP (6) payload
 * length: 40) "), IPv4 options, IPv6 hop-by-hop, destination options and
 * fragment headers, then the protocol inside.  Also the checksums and the
 * address and port text the other printers share.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include "pktfmt.h"

#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_RES 0x8000
#define IP_OFFMASK 0x1fff

/* IPv4 option kinds tcpdump names. */
#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_RR 7
#define IPOPT_TS 68
#define IPOPT_TRACEROUTE 82
#define IPOPT_SECURITY 130
#define IPOPT_LSRR 131
#define IPOPT_SSRR 137
#define IPOPT_RA 148

const char *pf_ip4str(const struct pf *p, __u32 off, char *buf)
{
	return inet_ntop(AF_INET, p->pkt + off, buf, PF_ADDRSTRLEN);
}

const char *pf_ip6str(const struct pf *p, __u32 off, char *buf)
{
	return inet_ntop(AF_INET6, p->pkt + off, buf, PF_ADDRSTRLEN);
}

const char *ps_port_str(__u16 port, bool tcp, bool numeric, char *buf, size_t len)
{
	struct servent *se = NULL;

	/* /etc/services only: pktscope never sends a DNS query to print. */
	if (!numeric)
		se = getservbyport(htons(port), tcp ? "tcp" : "udp");
	if (se)
		snprintf(buf, len, "%s", se->s_name);
	else
		snprintf(buf, len, "%u", port);
	return buf;
}

const char *pf_port(const struct pf *p, __u16 port, bool tcp, char *buf, size_t len)
{
	return ps_port_str(port, tcp, p->o->numeric, buf, len);
}

const char *pf_ipproto_name(__u8 proto)
{
	switch (proto) {
	case 0: return "Options";
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPIP";
	case 6: return "TCP";
	case 8: return "EGP";
	case 9: return "IGRP";
	case 17: return "UDP";
	case 33: return "DCCP";
	case 41: return "IPv6";
	case 43: return "Routing";
	case 44: return "Fragment";
	case 46: return "RSVP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 55: return "Mobile IP";
	case 58: return "ICMPv6";
	case 62: return "Mobile IP (old)";
	case 88: return "EIGRP";
	case 89: return "OSPF";
	case 103: return "PIM";
	case 108: return "Compressed IP";
	case 112: return "VRRP";
	case 113: return "PGM";
	case 132: return "SCTP";
	case 135: return "Mobility";
	case 143: return "Ethernet";
	}
	return NULL;
}

__u64 pf_csum_add(const struct pf *p, __u32 off, __u32 n, __u64 sum)
{
	const __u8 *b = p->pkt + off;
	__u32 i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (i < n)
		sum += (__u32)b[i] << 8;
	return sum;
}

__u16 pf_csum_fold(__u64 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

__u16 pf_csum_shouldbe(__u16 field, __u16 computed)
{
	__u32 s = (__u32)field + computed;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The destination the IPv4 pseudo-header holds: the last hop of a loose
 * or strict source route, else the header's own (RFC 1122 4.2.2.6, as
 * tcpdump's ip_finddst() walks the options). */
static __u32 ip4_finddst(const struct pf *p, __u32 iph)
{
	__u32 hlen = (pf_u8(p, iph) & 0x0f) * 4, cp = iph + 20, len;

	if (hlen < 20)
		return iph + 16;
	for (__u32 left = hlen - 20; left; cp += len, left -= len) {
		__u8 tt;

		if (!pf_have(p, cp, 1))
			break;
		tt = pf_u8(p, cp);
		if (tt == IPOPT_EOL)
			break;
		if (tt == IPOPT_NOP) {
			len = 1;
		} else {
			if (!pf_have(p, cp + 1, 1))
				break;
			len = pf_u8(p, cp + 1);
			if (len < 2)
				break;
		}
		if (left < len || !pf_have(p, cp, len))
			break;
		if ((tt == IPOPT_SSRR || tt == IPOPT_LSRR) && len >= 7)
			return cp + len - 4;
	}
	return iph + 16;
}

__u16 pf_l4_csum(const struct pf *p, __u32 iph, __u32 off, __u32 len, __u8 proto)
{
	__u64 sum = 0;

	if ((pf_u8(p, iph) >> 4) == 4) {
		sum = pf_csum_add(p, iph + 12, 4, sum);
		sum = pf_csum_add(p, ip4_finddst(p, iph), 4, sum);
		sum += proto + (len & 0xffff);
	} else {
		sum = pf_csum_add(p, iph + 8, 32, sum);
		sum += (len >> 16) + (len & 0xffff) + proto;
	}
	return pf_csum_fold(pf_csum_add(p, off, len, sum));
}

/* " a.b.c.d," for each address of a recorded or source route. */
static int ip4_route(struct pf *p, __u32 cp, __u32 length)
{
	char a[PF_ADDRSTRLEN];
	__u32 ptr;

	if (length < 3) {
		ps_text_add(p->t, " [bad length %u]", length);
		return PF_OK;
	}
	if ((length + 1) & 3)
		ps_text_add(p->t, " [bad length %u]", length);
	ptr = pf_u8(p, cp + 2) - 1u;
	if (ptr < 3 || ((ptr + 1) & 3) || ptr > length + 1)
		ps_text_add(p->t, " [bad ptr %u]", pf_u8(p, cp + 2));
	for (__u32 len = 3; len < length; len += 4) {
		if (!pf_have(p, cp + len, 4))
			return -1;
		ps_text_add(p->t, " %s", pf_ip4str(p, cp + len, a));
		if (ptr > len)
			ps_text_add(p->t, ",");
	}
	return PF_OK;
}

/* The timestamp option (RFC 791): " TS{TSONLY 1@ 2@ ^ }". */
static int ip4_timestamp(struct pf *p, __u32 cp, __u32 length)
{
	char a[PF_ADDRSTRLEN];
	__u32 ptr, len = 0, hoplen;
	__u8 flg;
	const char *type;

	if (length < 4) {
		ps_text_add(p->t, "[bad length %u]", length);
		return PF_OK;
	}
	ps_text_add(p->t, " TS{");
	flg = pf_u8(p, cp + 3);
	hoplen = (flg & 0xf) != 0 ? 8 : 4;
	if ((length - 4) & (hoplen - 1))
		ps_text_add(p->t, "[bad length %u]", length);
	ptr = pf_u8(p, cp + 2) - 1u;
	if (ptr < 4 || ((ptr - 4) & (hoplen - 1)) || ptr > length + 1)
		ps_text_add(p->t, "[bad ptr %u]", pf_u8(p, cp + 2));
	switch (flg & 0xf) {
	case 0:
		ps_text_add(p->t, "TSONLY");
		break;
	case 1:
		ps_text_add(p->t, "TS+ADDR");
		break;
	case 3:
		ps_text_add(p->t, "PRESPEC");
		break;
	default:
		ps_text_add(p->t, "[bad ts type %u]", flg & 0xf);
		goto done;
	}
	type = " ";
	for (len = 4; len < length; len += hoplen) {
		if (ptr == len)
			type = " ^ ";
		if (!pf_have(p, cp + len, hoplen))
			return -1;
		ps_text_add(p->t, "%s%u@%s", type, pf_be32(p, cp + len + hoplen - 4),
			    hoplen != 8 ? "" : pf_ip4str(p, cp + len, a));
		type = " ";
	}
done:
	ps_text_add(p->t, "%s", ptr == len ? " ^ " : "");
	if (flg >> 4)
		ps_text_add(p->t, " [%u hops not recorded]} ", flg >> 4);
	else
		ps_text_add(p->t, "}");
	return PF_OK;
}

static const char *ip4_option_name(__u8 code)
{
	switch (code) {
	case IPOPT_EOL: return "EOL";
	case IPOPT_NOP: return "NOP";
	case IPOPT_TS: return "timestamp";
	case IPOPT_SECURITY: return "security";
	case IPOPT_RR: return "RR";
	case IPOPT_SSRR: return "SSRR";
	case IPOPT_LSRR: return "LSRR";
	case IPOPT_RA: return "RA";
	case IPOPT_TRACEROUTE: return "traceroute";
	}
	return NULL;
}

/* Returns PF_OK, PF_TRUNC (" [|ip]" printed), or -1 when an option is
 * cut short: tcpdump's " [truncated-option]". */
static int ip4_options(struct pf *p, __u32 cp, __u32 length)
{
	const char *sep = "", *name;
	__u32 option_len;
	int err;

	for (; length > 0; cp += option_len, length -= option_len) {
		__u8 code;

		ps_text_add(p->t, "%s", sep);
		sep = ",";
		PF_GET(p, cp, 1);
		code = pf_u8(p, cp);
		name = ip4_option_name(code);
		if (name)
			ps_text_add(p->t, "%s", name);
		else
			ps_text_add(p->t, "unknown %u", code);
		if (code == IPOPT_NOP || code == IPOPT_EOL) {
			option_len = 1;
		} else {
			PF_GET(p, cp + 1, 1);
			option_len = pf_u8(p, cp + 1);
			if (option_len < 2) {
				ps_text_add(p->t, " [bad length %u]", option_len);
				return PF_OK;
			}
		}
		if (option_len > length) {
			ps_text_add(p->t, " [bad length %u]", option_len);
			return PF_OK;
		}
		if (!pf_have(p, cp, option_len))
			return -1;
		switch (code) {
		case IPOPT_EOL:
			return PF_OK;
		case IPOPT_TS:
			err = ip4_timestamp(p, cp, option_len);
			if (err)
				return err;
			break;
		case IPOPT_RR:
		case IPOPT_SSRR:
		case IPOPT_LSRR:
			err = ip4_route(p, cp, option_len);
			if (err)
				return err;
			break;
		case IPOPT_RA:
			if (option_len < 4) {
				ps_text_add(p->t, " [bad length %u]", option_len);
				break;
			}
			if (pf_be16(p, cp + 2))
				ps_text_add(p->t, " value %u", pf_be16(p, cp + 2));
			break;
		}
	}
	return PF_OK;
}

static const char *ip4_frag_flags(__u16 off, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (off & IP_MF)
		n += snprintf(buf + n, len - n, "+");
	if (off & IP_DF)
		n += snprintf(buf + n, len - n, "%sDF", n ? ", " : "");
	if (off & IP_RES)
		n += snprintf(buf + n, len - n, "%srsvd", n ? ", " : "");
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

int pf_ip4(struct pf *p, __u32 off, __u32 length)
{
	char src[PF_ADDRSTRLEN], dst[PF_ADDRSTRLEN], fl[32];
	__u32 hlen, len, saved_end = p->end;
	__u16 frag;
	__u8 proto;
	int err = PF_OK;

	p->proto = "ip";
	PF_GET(p, off, 1);
	if ((pf_u8(p, off) >> 4) != 4)
		return PF_NOTSUP;
	if (!p->o->eth)
		ps_text_add(p->t, "IP ");
	PF_NEED(p, off, 20);
	hlen = (pf_u8(p, off) & 0x0f) * 4;
	len = pf_be16(p, off + 2);
	/* What tcpdump reports as truncated-ip or bad-hlen/bad-len the
	 * datapath counts as malformed: pktscope's line names the reason. */
	if (length < 20 || hlen < 20 || length < len || len < hlen)
		return PF_NOTSUP;
	if (off + len < p->end)
		p->end = off + len;
	frag = pf_be16(p, off + 6);
	proto = pf_u8(p, off + 9);
	pf_ip4str(p, off + 12, src);
	pf_ip4str(p, off + 16, dst);
	if (p->o->verbose) {
		__u8 tos = pf_u8(p, off + 1), ttl = pf_u8(p, off + 8);
		const char *pname = pf_ipproto_name(proto);
		static const char *const ecn[] = { "", ",ECT(1)", ",ECT(0)", ",CE" };

		ps_text_add(p->t, "(tos 0x%x%s", tos, ecn[tos & 3]);
		if (ttl >= 1)
			ps_text_add(p->t, ", ttl %u", ttl);
		ps_text_add(p->t, ", id %u, offset %u, flags [%s], proto %s (%u), length %u",
			    pf_be16(p, off + 4), (frag & IP_OFFMASK) * 8,
			    ip4_frag_flags(frag, fl, sizeof(fl)), pname ? pname : "unknown", proto,
			    len);
		if (hlen > 20) {
			ps_text_add(p->t, ", options (");
			err = ip4_options(p, off + 20, hlen - 20);
			if (err > 0)
				goto out;
			if (err < 0)
				ps_text_add(p->t, " [truncated-option]");
			ps_text_add(p->t, ")");
		}
		if (pf_have(p, off, hlen)) {
			__u16 sum = pf_csum_fold(pf_csum_add(p, off, hlen, 0));

			if (sum)
				ps_text_add(p->t, ", bad cksum %x (->%x)!", pf_be16(p, off + 10),
					    pf_csum_shouldbe(pf_be16(p, off + 10), sum));
		}
		ps_text_add(p->t, ")\n    ");
		if (err < 0) {
			ps_text_add(p->t, "%s > %s: ", src, dst);
			err = pf_trunc(p);
			goto out;
		}
	}
	len -= hlen;
	if (!(frag & IP_OFFMASK)) {
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP &&
		    proto != IPPROTO_DCCP)
			ps_text_add(p->t, "%s > %s: ", src, dst);
		if (!pf_have(p, off, hlen)) {
			ps_text_add(p->t, " [remaining caplen(%u) < header length(%u)]",
				    p->end > off ? p->end - off : 0, hlen);
			err = pf_trunc_jump(p);
			goto out;
		}
		err = pf_ip_demux(p, off + hlen, len, 4, frag & IP_MF, proto, off);
	} else {
		struct protoent *pe = p->o->numeric ? NULL : getprotobynumber(proto);

		ps_text_add(p->t, "%s > %s:", src, dst);
		if (pe)
			ps_text_add(p->t, " %s", pe->p_name);
		else
			ps_text_add(p->t, " ip-proto-%u", proto);
		err = PF_OK;
	}
out:
	p->end = saved_end;
	return err;
}

/* Hop-by-hop and destination options: " (padn)" and the like with -v. */
static int ip6_options(struct pf *p, __u32 bp, __u32 len)
{
	bool v = p->o->verbose;
	__u32 optlen;

	for (__u32 i = 0; i < len; i += optlen) {
		__u8 type = pf_u8(p, bp + i);

		if (type == 0) {
			optlen = 1;
		} else {
			if (i + 1 >= len)
				return PF_TRUNC;
			optlen = pf_u8(p, bp + i + 1) + 2;
		}
		if (i + optlen > len)
			return PF_TRUNC;
		switch (type) {
		case 0:
			if (v)
				ps_text_add(p->t, "(pad1)");
			break;
		case 1:
			if (v)
				ps_text_add(p->t, "(padn)");
			break;
		case 5: /* router alert */
			if (len - i < 4) {
				ps_text_add(p->t, "(rtalert: trunc)");
				return PF_TRUNC;
			}
			if (pf_u8(p, bp + i + 1) != 2) {
				ps_text_add(p->t, "(rtalert: invalid len %u)", pf_u8(p, bp + i + 1));
				return PF_TRUNC;
			}
			if (v)
				ps_text_add(p->t, "(rtalert: 0x%04x) ", pf_be16(p, bp + i + 2));
			break;
		case 0xc2: /* jumbo payload */
		case 0xc9: /* home address */
			return PF_NOTSUP;
		default:
			if (v)
				ps_text_add(p->t, "(opt_type 0x%02x: len=%u)", type,
					    pf_u8(p, bp + i + 1));
		}
	}
	if (v)
		ps_text_add(p->t, " ");
	return PF_OK;
}

/* HBH or DSTOPT: returns the header's length, or -PF_TRUNC/-PF_NOTSUP. */
static int ip6_opts_hdr(struct pf *p, __u32 cp, bool hbh)
{
	__u32 hl;
	int err;

	p->proto = hbh ? "hbhopt" : "dstopt";
	if (!pf_have(p, cp, 2))
		return -pf_trunc_jump(p);
	hl = (pf_u8(p, cp + 1) + 1) << 3;
	if (!pf_have(p, cp, hl)) {
		ps_text_add(p->t, " [|%s]", p->proto);
		return -PF_TRUNC;
	}
	ps_text_add(p->t, hbh ? "HBH " : "DSTOPT ");
	/* Only with -v are a destination header's options read. */
	if (hbh || p->o->verbose) {
		err = ip6_options(p, cp + 2, hl - 2);
		if (err == PF_TRUNC)
			ps_text_add(p->t, " [|%s]", p->proto);
		if (err)
			return -err;
	}
	return hl;
}

int pf_ip6(struct pf *p, __u32 off, __u32 length)
{
	char src[PF_ADDRSTRLEN], dst[PF_ADDRSTRLEN];
	__u32 plen, len, saved_end = p->end, cp, advance, total = 0;
	bool fragmented = false, found_hbh = false;
	unsigned long long flen;
	__u8 nh, ph = 255;
	int err = PF_OK, n;

	p->proto = "ip6";
	PF_NEED(p, off, 40);
	if (length < 40 || (pf_u8(p, off) >> 4) != 6)
		return PF_NOTSUP;
	plen = pf_be16(p, off + 4);
	/* A payload length of 0 is a jumbogram's (not printed here: the
	 * datapath does not parse them either) or an empty datagram's;
	 * tcpdump then walks what the frame holds. */
	len = plen ? plen + 40 : length + 40;
	if (plen && length < len)
		return PF_NOTSUP; /* the datapath's ipv6_bad_payload_length */
	if (!p->o->eth)
		ps_text_add(p->t, "IP6 ");
	nh = pf_u8(p, off + 6);
	pf_ip6str(p, off + 8, src);
	pf_ip6str(p, off + 24, dst);
	if (p->o->verbose) {
		__u32 flow = pf_be32(p, off);
		const char *pname = pf_ipproto_name(nh);

		ps_text_add(p->t, "(");
		if (flow & 0x0ff00000)
			ps_text_add(p->t, "class 0x%02x, ", (flow & 0x0ff00000) >> 20);
		if (flow & 0x000fffff)
			ps_text_add(p->t, "flowlabel 0x%05x, ", flow & 0x000fffff);
		ps_text_add(p->t, "hlim %u, next-header %s (%u) payload length: %u) ",
			    pf_u8(p, off + 7), pname ? pname : "unknown", nh, plen);
	}
	if (off + len < p->end)
		p->end = off + len;
	cp = off;
	advance = 40;
	while (cp < p->end && advance > 0) {
		if (len < advance) {
			err = pf_trunc(p);
			break;
		}
		cp += advance;
		len -= advance;
		total += advance;
		if (cp == off + 40 && nh != IPPROTO_TCP && nh != IPPROTO_UDP &&
		    nh != IPPROTO_DCCP && nh != IPPROTO_SCTP)
			ps_text_add(p->t, "%s > %s: ", src, dst);
		switch (nh) {
		case 0: /* hop-by-hop options */
			if (found_hbh) {
				ps_text_add(p->t, "[The Hop-by-Hop Options header was already found] (invalid)");
				goto out;
			}
			if (ph != 255) {
				ps_text_add(p->t, "[The Hop-by-Hop Options header don't follow the IPv6 header] (invalid)");
				goto out;
			}
			if (!plen) {
				err = PF_NOTSUP; /* a jumbogram, or an invalid one */
				goto out;
			}
			/* fall through */
		case 60: /* destination options */
			n = ip6_opts_hdr(p, cp, nh == 0);
			if (n < 0) {
				err = n == -PF_TRUNC ? PF_OK : -n;
				goto out;
			}
			found_hbh |= nh == 0;
			advance = n;
			nh = pf_u8(p, cp);
			break;
		case 44: /* fragment */
			p->proto = "frag6";
			/* Without -v tcpdump reads no identification; its
			 * length is size_t arithmetic, wrapping as such. */
			if (!pf_have(p, cp, p->o->verbose ? 8 : 4)) {
				err = pf_trunc_jump(p);
				goto out;
			}
			flen = 40ULL + plen - (cp - off) - 8;
			if (p->o->verbose)
				ps_text_add(p->t, "frag (0x%08x:%u|%llu)", pf_be32(p, cp + 4),
					    pf_be16(p, cp + 2) & 0xfff8, flen);
			else
				ps_text_add(p->t, "frag (%u|%llu)", pf_be16(p, cp + 2) & 0xfff8, flen);
			/* A later fragment has no header to decode. */
			if (pf_be16(p, cp + 2) & 0xfff8)
				goto out;
			ps_text_add(p->t, " ");
			advance = 8;
			if (p->end <= cp + advance)
				goto out;
			fragmented = true;
			nh = pf_u8(p, cp);
			break;
		case 43:  /* routing */
		case 51:  /* AH (the demuxer's) */
		case 62:  /* mobility (old) */
		case 135: /* mobility */
			err = PF_NOTSUP;
			goto out;
		default:
			if (!plen) {
				if (total > 40) {
					err = pf_trunc(p);
					goto out;
				}
				len = 0;
				p->end = off + 40 < p->end ? off + 40 : p->end;
			}
			err = pf_ip_demux(p, cp, len, 6, fragmented, nh, off);
			goto out;
		}
		ph = nh;
		p->proto = "ip6";
	}
out:
	p->end = saved_end;
	return err;
}

int pf_ip_demux(struct pf *p, __u32 off, __u32 length, int ver, bool fragmented, __u8 nh,
		__u32 iph)
{
	struct protoent *pe;

	switch (nh) {
	case IPPROTO_TCP:
		return pf_tcp(p, off, length, iph, fragmented);
	case IPPROTO_UDP:
		return pf_udp(p, off, length, iph, fragmented);
	case IPPROTO_ICMP:
		if (ver == 4)
			return pf_icmp(p, off, length, iph, fragmented);
		ps_text_add(p->t, "[ICMP requires IPv4] (invalid)");
		return PF_OK;
	case IPPROTO_ICMPV6:
		if (ver == 6)
			return pf_icmp6(p, off, length, iph, fragmented);
		ps_text_add(p->t, "[ICMPv6 requires IPv6] (invalid)");
		return PF_OK;
	case IPPROTO_IGMP:
		if (ver == 4)
			return PF_NOTSUP;
		ps_text_add(p->t, "[IGMP requires IPv4] (invalid)");
		return PF_OK;
	case 143: /* Ethernet */
		if (ver == 6)
			return PF_NOTSUP;
		ps_text_add(p->t, "[Ethernet requires IPv6] (invalid)");
		return PF_OK;
	case 77: /* Sun ND */
		ps_text_add(p->t, " nd %u", length);
		return PF_OK;
	case IPPROTO_NONE:
		ps_text_add(p->t, "no next header");
		return PF_OK;
	/* Protocols tcpdump has printers for and pktscope has not. */
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case IPPROTO_COMP:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case 9:   /* IGRP */
	case 88:  /* EIGRP */
	case IPPROTO_EGP:
	case 89:  /* OSPF */
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
	case IPPROTO_RSVP:
	case IPPROTO_GRE:
	case 55:  /* mobile IP */
	case IPPROTO_PIM:
	case 112: /* VRRP */
	case 113: /* PGM */
		return PF_NOTSUP;
	}
	pe = p->o->numeric ? NULL : getprotobynumber(nh);
	if (pe)
		ps_text_add(p->t, " %s", pe->p_name);
	else
		ps_text_add(p->t, " ip-proto-%u", nh);
	ps_text_add(p->t, " %u", length);
	return PF_OK;
}
