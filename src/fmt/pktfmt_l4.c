// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TCP and UDP as tcpdump 4.99 prints them: "Flags [S.], cksum 0x1c46
 * (correct), seq 1, ack 2, win 502, options [mss 1460,sackOK,TS val 1
 * ecr 0,nop,wscale 7], length 0" and "UDP, length 12".
 *
 * tcpdump shows sequence numbers relative to the first ones it saw of a
 * conversation (unless -S): it records them from the first segment with
 * ACK set, and again from any SYN with ACK, in a table keyed by both
 * endpoints.  ps_line_state is that table; its rule is tcpdump's, so the
 * same packets in the same order print the same numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "pktfmt.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PUSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

/* Conversations remembered for relative sequence numbers; past this the
 * oldest is forgotten (its next segment then prints absolute numbers, as
 * for a conversation first seen).  tcpdump keeps every one for ever. */
#define SEQ_TABLE_MAX 65536

struct seq_key {
	__u8 ver;
	__u8 pad[3];
	__u32 port;     /* lower port << 16 | the other, as tcpdump orders */
	__u8 src[16];
	__u8 dst[16];
};

struct seq_ent {
	struct seq_key k;
	__u32 seq;
	__u32 ack;
	UT_hash_handle hh;
};

struct ps_line_state {
	struct seq_ent *tab;
	unsigned long n;
};

struct ps_line_state *ps_line_state_new(void)
{
	return calloc(1, sizeof(struct ps_line_state));
}

void ps_line_state_free(struct ps_line_state *st)
{
	struct seq_ent *e, *tmp;

	if (!st)
		return;
	HASH_ITER(hh, st->tab, e, tmp) {
		HASH_DEL(st->tab, e);
		free(e);
	}
	free(st);
}

static struct seq_ent *seq_get(struct ps_line_state *st, const struct seq_key *k)
{
	struct seq_ent *e;

	HASH_FIND(hh, st->tab, k, sizeof(*k), e);
	if (e)
		return e;
	if (st->n >= SEQ_TABLE_MAX) {
		e = st->tab; /* the oldest: uthash keeps insertion order */
		HASH_DEL(st->tab, e);
		st->n--;
	} else {
		e = malloc(sizeof(*e));
		if (!e)
			return NULL;
	}
	memset(e, 0, sizeof(*e));
	e->k = *k;
	HASH_ADD(hh, st->tab, k, sizeof(e->k), e);
	st->n++;
	return e;
}

static const char *tcp_option_name(__u8 opt, char *buf, size_t len)
{
	switch (opt) {
	case 0: return "eol";
	case 1: return "nop";
	case 2: return "mss";
	case 3: return "wscale";
	case 4: return "sackOK";
	case 5: return "sack";
	case 6: return "echo";
	case 7: return "echoreply";
	case 8: return "TS";
	case 11: return "cc";
	case 12: return "ccnew";
	case 13: return "";
	case 19: return "md5";
	case 20: return "scps";
	case 28: return "uto";
	case 29: return "tcp-ao";
	case 30: return "mptcp";
	case 34: return "tfo";
	case 254: return "exp";
	}
	snprintf(buf, len, "unknown-%u", opt);
	return buf;
}

static void tfo_print(struct pf *p, __u32 cp, __u32 datalen, bool exp)
{
	if (exp)
		ps_text_add(p->t, "tfo");
	if (!datalen) {
		ps_text_add(p->t, " cookiereq");
	} else if (datalen % 2 || datalen < 4 || datalen > 16) {
		ps_text_add(p->t, " (invalid)");
	} else {
		ps_text_add(p->t, " cookie ");
		for (__u32 i = 0; i < datalen; i++)
			ps_text_add(p->t, "%02x", pf_u8(p, cp + i));
	}
}

struct tcp_rel {
	bool rev;
	__u32 thseq, thack;
};

/* The options, from ", options [" to "]".  Returns PF_OK, PF_TRUNC, or
 * -1 when tcpdump stops at a bad option ("[bad opt]", no length after). */
static int tcp_options(struct pf *p, __u32 cp, __u32 hlen, __u32 paylen, __u32 payoff,
		       const struct tcp_rel *r)
{
	char name[16], ch = '\0';
	__u32 len, datalen, i;
	__u8 opt;

	ps_text_add(p->t, ", options [");
	while (hlen > 0) {
		if (ch)
			ps_text_add(p->t, "%c", ch);
		if (!pf_have(p, cp, 1))
			return pf_trunc_jump(p);
		opt = pf_u8(p, cp++);
		if (opt == 0 || opt == 1) {
			len = 1;
		} else {
			if (!pf_have(p, cp, 1))
				return pf_trunc_jump(p);
			len = pf_u8(p, cp++);
			if (len < 2 || len > hlen)
				goto bad;
			--hlen;
		}
		--hlen;
		datalen = 0;
/* tcpdump's LENCHECK: beyond the option is a bad option, beyond the
 * bytes captured a cut packet. */
#define LENCHECK(l)                                      \
	do {                                             \
		if ((l) > hlen)                          \
			goto bad;                        \
		if (!pf_have(p, cp, (l)))                \
			goto trunc;                      \
	} while (0)
		ps_text_add(p->t, "%s", tcp_option_name(opt, name, sizeof(name)));
		switch (opt) {
		case 2: /* mss */
			datalen = 2;
			LENCHECK(datalen);
			ps_text_add(p->t, " %u", pf_be16(p, cp));
			break;
		case 3: /* window scale */
			datalen = 1;
			LENCHECK(datalen);
			ps_text_add(p->t, " %u", pf_u8(p, cp));
			break;
		case 5: /* SACK blocks, relative as the sequence numbers */
			datalen = len - 2;
			if (datalen % 8) {
				ps_text_add(p->t, " invalid sack");
				break;
			}
			ps_text_add(p->t, " %u ", datalen / 8);
			for (i = 0; i < datalen; i += 8) {
				__u32 s, e;

				LENCHECK(i + 4);
				s = pf_be32(p, cp + i);
				LENCHECK(i + 8);
				e = pf_be32(p, cp + i + 4);
				s -= r->rev ? r->thseq : r->thack;
				e -= r->rev ? r->thseq : r->thack;
				ps_text_add(p->t, "{%u:%u}", s, e);
			}
			break;
		case 6:
		case 7:
		case 11:
		case 12:
		case 13:
			datalen = 4;
			LENCHECK(datalen);
			ps_text_add(p->t, " %u", pf_be32(p, cp));
			break;
		case 8: /* timestamps */
			datalen = 8;
			LENCHECK(datalen);
			ps_text_add(p->t, " val %u ecr %u", pf_be32(p, cp), pf_be32(p, cp + 4));
			break;
		case 19: /* MD5 signature: tcpdump cannot check it without -M */
			datalen = 16;
			LENCHECK(datalen);
			ps_text_add(p->t, " %s, can't check - ",
				    pf_have(p, payoff, paylen) ? "shared secret not supplied with -M"
							       : "snaplen too short");
			for (i = 0; i < 16; i++)
				ps_text_add(p->t, "%02x", pf_u8(p, cp + i));
			break;
		case 20: /* SCPS capabilities */
			datalen = 2;
			LENCHECK(datalen);
			ps_text_add(p->t, " cap %02x id %u", pf_u8(p, cp), pf_u8(p, cp + 1));
			break;
		case 29: /* TCP-AO */
			datalen = len - 2;
			if (datalen < 2) {
				ps_text_add(p->t, " (invalid)");
				break;
			}
			LENCHECK(1);
			ps_text_add(p->t, " keyid %u", pf_u8(p, cp));
			LENCHECK(2);
			ps_text_add(p->t, " rnextkeyid %u", pf_u8(p, cp + 1));
			if (datalen > 2) {
				ps_text_add(p->t, " mac 0x");
				for (i = 2; i < datalen; i++) {
					LENCHECK(i + 1);
					ps_text_add(p->t, "%02x", pf_u8(p, cp + i));
				}
			}
			break;
		case 0:
		case 1:
		case 4:
			break;
		case 28: { /* user timeout */
			__u16 uto;

			datalen = 2;
			LENCHECK(datalen);
			uto = pf_be16(p, cp);
			ps_text_add(p->t, " 0x%x %u", uto, uto & 1 ? (uto >> 1) * 60 : uto >> 1);
			break;
		}
		case 30: /* MPTCP: its own printer in tcpdump */
			return PF_NOTSUP;
		case 34: /* TCP fast open */
			datalen = len - 2;
			LENCHECK(datalen);
			ps_text_add(p->t, " ");
			tfo_print(p, cp, datalen, false);
			break;
		case 254: { /* experimental (RFC 6994) */
			__u16 magic;

			datalen = len - 2;
			LENCHECK(datalen);
			if (datalen < 2)
				goto bad;
			magic = pf_be16(p, cp);
			ps_text_add(p->t, "-");
			if (magic == 0xf989)
				tfo_print(p, cp + 2, datalen - 2, true);
			else
				ps_text_add(p->t, "%04x", magic);
			break;
		}
		default:
			datalen = len - 2;
			if (datalen)
				ps_text_add(p->t, " 0x");
			for (i = 0; i < datalen; i++) {
				LENCHECK(i + 1);
				ps_text_add(p->t, "%02x", pf_u8(p, cp + i));
			}
		}
#undef LENCHECK
		cp += datalen;
		hlen -= datalen;
		datalen += opt == 0 || opt == 1 ? 1 : 2;
		if (datalen != len)
			ps_text_add(p->t, "[len %u]", len);
		ch = ',';
		if (opt == 0)
			break;
	}
	ps_text_add(p->t, "]");
	return PF_OK;
bad:
	ps_text_add(p->t, "[bad opt]");
	if (ch)
		ps_text_add(p->t, "]");
	return -1;
trunc:
	pf_trunc(p);
	if (ch)
		ps_text_add(p->t, ">");
	return PF_TRUNC;
}

int pf_tcp_option_list(struct ps_text *t, const __u8 *seg, __u32 hlen)
{
	static const struct ps_line_opts o = { .numeric = true };
	struct pf p = { .t = t, .pkt = seg, .caplen = hlen, .wirelen = hlen, .end = hlen, .o = &o };
	struct tcp_rel r = {};
	size_t start = t->len, head = strlen(", options [");
	int err;

	if (hlen <= 20)
		return -1;
	err = tcp_options(&p, 20, hlen - 20, 0, hlen, &r);
	if (err || t->oom || t->len < start + head + 1) {
		ps_text_cut(t, start);
		return -1;
	}
	/* Without tcpdump's ", options [" and "]". */
	memmove(t->s + start, t->s + start + head, t->len - start - head - 1);
	ps_text_cut(t, t->len - head - 1);
	return 0;
}

/* tcpdump's rule for relative numbers (see the top of the file). */
/* The IP header's addresses at iph, as the line prints them. */
static void pf_ip_addrs(const struct pf *p, __u32 iph, bool v6, char *a, char *b)
{
	if (v6) {
		pf_ip6str(p, iph + 8, a);
		pf_ip6str(p, iph + 24, b);
	} else {
		pf_ip4str(p, iph + 12, a);
		pf_ip4str(p, iph + 16, b);
	}
}

static void tcp_relative(struct pf *p, __u32 iph, __u16 sport, __u16 dport, __u8 flags,
			 __u32 *seq, __u32 *ack, struct tcp_rel *r)
{
	bool v6 = (pf_u8(p, iph) >> 4) == 6;
	__u32 alen = v6 ? 16 : 4, src = iph + (v6 ? 8 : 12), dst = src + alen;
	struct seq_key k = { .ver = v6 ? 6 : 4 };
	struct seq_ent *e;

	memset(r, 0, sizeof(*r));
	if (!p->st || !(flags & TH_ACK))
		return;
	if (sport > dport)
		r->rev = true;
	else if (sport == dport && memcmp(p->pkt + src, p->pkt + dst, alen) > 0)
		r->rev = true;
	if (r->rev) {
		memcpy(k.src, p->pkt + dst, alen);
		memcpy(k.dst, p->pkt + src, alen);
		k.port = (__u32)dport << 16 | sport;
	} else {
		memcpy(k.src, p->pkt + src, alen);
		memcpy(k.dst, p->pkt + dst, alen);
		k.port = (__u32)sport << 16 | dport;
	}
	HASH_FIND(hh, p->st->tab, &k, sizeof(k), e);
	if (!e || (flags & TH_SYN)) {
		e = seq_get(p->st, &k);
		if (!e)
			return; /* no memory: absolute numbers */
		if (r->rev) {
			e->ack = *seq;
			e->seq = *ack - 1;
		} else {
			e->seq = *seq;
			e->ack = *ack - 1;
		}
	} else if (r->rev) {
		*seq -= e->ack;
		*ack -= e->seq;
	} else {
		*seq -= e->seq;
		*ack -= e->ack;
	}
	r->thseq = e->seq;
	r->thack = e->ack;
}

/* "[RST+ text]": the data of a reset, with -v. */
static void tcp_rst_data(struct pf *p, __u32 sp, __u32 length)
{
	ps_text_add(p->t, pf_have(p, sp, length) ? " [RST" : " [!RST");
	if (length > 30) {
		length = 30;
		ps_text_add(p->t, "+");
	}
	ps_text_add(p->t, " ");
	for (; length && sp < p->end; sp++, length--) {
		__u8 c = pf_u8(p, sp);

		if (c & 0x80) {
			c &= 0x7f;
			ps_text_add(p->t, "M-");
		}
		if (c < 0x20 || c == 0x7f) {
			c ^= 0x40;
			ps_text_add(p->t, "^");
		}
		ps_text_putc(p->t, c);
	}
	ps_text_add(p->t, "]");
}

int pf_tcp(struct pf *p, __u32 off, __u32 length, __u32 iph, bool fragmented)
{
	static const char fl_chars[] = "FSRP.UEW";
	static const __u8 fl_bits[] = { TH_FIN, TH_SYN, TH_RST, TH_PUSH, TH_ACK, TH_URG, 0x40, 0x80 };
	char a[PF_ADDRSTRLEN], b[PF_ADDRSTRLEN], sp[32], dp[32], fl[12];
	bool v6 = (pf_u8(p, iph) >> 4) == 6;
	__u32 hlen, seq, ack, n = 0;
	__u16 sport, dport, win, urp;
	struct tcp_rel r;
	__u8 flags;
	int err;

	p->proto = "tcp";
	pf_ip_addrs(p, iph, v6, a, b);
	if (!pf_have(p, off, 4)) {
		ps_text_add(p->t, "%s > %s:", a, b);
		return pf_trunc(p);
	}
	sport = pf_be16(p, off);
	dport = pf_be16(p, off + 2);
	pf_port(p, sport, true, sp, sizeof(sp));
	pf_port(p, dport, true, dp, sizeof(dp));
	/* After IPv6 extension headers the addresses were printed apart. */
	if (pf_u8(p, iph + (v6 ? 6 : 9)) == IPPROTO_TCP)
		ps_text_add(p->t, "%s.%s > %s.%s: ", a, sp, b, dp);
	else
		ps_text_add(p->t, "%s > %s: ", sp, dp);
	PF_NEED(p, off, 20);
	hlen = (pf_u8(p, off + 12) >> 4) * 4;
	if (hlen < 20)
		return PF_NOTSUP; /* the datapath's tcp_bad_doff */
	seq = pf_be32(p, off + 4);
	ack = pf_be32(p, off + 8);
	flags = pf_u8(p, off + 13);
	win = pf_be16(p, off + 14);
	urp = pf_be16(p, off + 18);
	for (int i = 0; i < 8; i++)
		if (flags & fl_bits[i])
			fl[n++] = fl_chars[i];
	fl[n] = '\0';
	ps_text_add(p->t, "Flags [%s]", n ? fl : "none");
	tcp_relative(p, iph, sport, dport, flags, &seq, &ack, &r);
	if (hlen > length)
		return PF_NOTSUP; /* the datapath's tcp_doff_beyond */
	if (p->o->verbose && !fragmented && pf_have(p, off, length)) {
		__u16 sum = pf_l4_csum(p, iph, off, length, IPPROTO_TCP), field = pf_be16(p, off + 16);

		ps_text_add(p->t, ", cksum 0x%04x", field);
		if (sum)
			ps_text_add(p->t, " (incorrect -> 0x%04x)", pf_csum_shouldbe(field, sum));
		else
			ps_text_add(p->t, " (correct)");
	}
	length -= hlen;
	if (p->o->verbose > 1 || length > 0 || (flags & (TH_SYN | TH_FIN | TH_RST))) {
		ps_text_add(p->t, ", seq %u", seq);
		if (length > 0)
			ps_text_add(p->t, ":%u", seq + length);
	}
	if (flags & TH_ACK)
		ps_text_add(p->t, ", ack %u", ack);
	ps_text_add(p->t, ", win %u", win);
	if (flags & TH_URG)
		ps_text_add(p->t, ", urg %u", urp);
	if (hlen > 20) {
		err = tcp_options(p, off + 20, hlen - 20, length, off + hlen, &r);
		if (err)
			return err < 0 ? PF_OK : err;
	}
	ps_text_add(p->t, ", length %u", length);
	if (!length)
		return PF_OK;
	if (!pf_have(p, off, hlen)) {
		ps_text_add(p->t, " [remaining caplen(%u) < header length(%u)]",
			    p->end > off ? p->end - off : 0, hlen);
		return pf_trunc_jump(p);
	}
	/* What tcpdump prints of the data after this (HTTP, BGP, DNS, ...
	 * by port) pktscope does not. */
	if ((flags & TH_RST) && p->o->verbose)
		tcp_rst_data(p, off + hlen, length);
	return PF_OK;
}

static void udp_addrs(struct pf *p, __u32 iph, int sport, int dport)
{
	char a[PF_ADDRSTRLEN], b[PF_ADDRSTRLEN], sp[32], dp[32];
	bool v6 = (pf_u8(p, iph) >> 4) == 6;

	pf_ip_addrs(p, iph, v6, a, b);
	if (sport >= 0) {
		pf_port(p, sport, false, sp, sizeof(sp));
		pf_port(p, dport, false, dp, sizeof(dp));
	}
	if (pf_u8(p, iph + (v6 ? 6 : 9)) == IPPROTO_UDP) {
		if (sport < 0)
			ps_text_add(p->t, "%s > %s: ", a, b);
		else
			ps_text_add(p->t, "%s.%s > %s.%s: ", a, sp, b, dp);
	} else if (sport >= 0) {
		ps_text_add(p->t, "%s > %s: ", sp, dp);
	}
}

int pf_udp(struct pf *p, __u32 off, __u32 length, __u32 iph, bool fragmented)
{
	bool v6 = (pf_u8(p, iph) >> 4) == 6;
	__u16 sport, dport;
	__u32 ulen, cp;

	p->proto = "udp";
	if (!pf_have(p, off, 4)) {
		udp_addrs(p, iph, -1, -1);
		return pf_trunc(p);
	}
	sport = pf_be16(p, off);
	dport = pf_be16(p, off + 2);
	if (length < 8)
		return PF_NOTSUP; /* the datapath's udp_short */
	if (!pf_have(p, off + 4, 2)) {
		udp_addrs(p, iph, sport, dport);
		return pf_trunc(p);
	}
	ulen = pf_be16(p, off + 4);
	if (ulen < 8)
		return PF_NOTSUP; /* the datapath's udp_bad_length */
	ulen -= 8;
	length -= 8;
	if (ulen < length)
		length = ulen;
	cp = off + 8;
	if (cp > p->end) {
		udp_addrs(p, iph, sport, dport);
		return pf_trunc(p);
	}
	udp_addrs(p, iph, sport, dport);
	/* NFS over UDP (by port and RPC direction) has its own printer. */
	if (pf_have(p, cp + 4, 4) && ((dport == 2049 && pf_be32(p, cp + 4) == 0) ||
				      (sport == 2049 && pf_be32(p, cp + 4) == 1)))
		return PF_NOTSUP;
	/* tcpdump checks IPv4's optional checksum only with -vv. */
	if (p->o->verbose && !fragmented && (v6 || p->o->verbose > 1)) {
		__u16 field = pf_be16(p, off + 6), sum;

		if (!v6 && !field) {
			ps_text_add(p->t, "[no cksum] ");
		} else if (pf_have(p, cp, length)) {
			sum = pf_l4_csum(p, iph, off, length + 8, IPPROTO_UDP);
			if (sum)
				ps_text_add(p->t, "[bad udp cksum 0x%04x -> 0x%04x!] ", field,
					    pf_csum_shouldbe(field, sum));
			else
				ps_text_add(p->t, "[udp sum ok] ");
		}
	}
	/* tcpdump decodes what many ports carry (DNS, NTP, DHCP, ...) where
	 * pktscope prints the length. */
	if (ulen > length && !fragmented)
		ps_text_add(p->t, "UDP, bad length %u > %u", ulen, length);
	else
		ps_text_add(p->t, "UDP, length %u", ulen);
	return PF_OK;
}
