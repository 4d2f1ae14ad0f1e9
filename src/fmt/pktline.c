// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One line per packet event, as tcpdump prints one.  With the frame's
 * bytes (-e, -v, -x, -X, -A) the text after the direction is tcpdump
 * 4.99's (src/pktfmt_*.c); without them, or for what those printers do not
 * decode, it is made from the event's summary: time, interface,
 * direction, protocol, addresses and ports, flags, length, TTL.  Either
 * way pktscope adds the interface, the direction, the frame's size and
 * its marks (fragments, options, low TTL, malformation).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "counters.h"
#include "datapath.h"
#include "pktfmt.h"
#include "pktline.h"

static bool egress(__u8 slot)
{
	return !strcmp(ps_slot_direction(slot), "egress");
}

static const char *dir_name(__u8 slot)
{
	return egress(slot) ? "Out" : "In";
}

static const char *hook_name(__u8 slot)
{
	return ps_slot_hook(slot);
}

__u32 ps_line_snaplen(const struct ps_line_opts *o)
{
	if (o->verbose || o->hex || o->hex_ascii || o->ascii)
		return PS_SNAPLEN_MAX;
	return o->eth ? PS_LINE_HDR_SNAP : 0;
}

static bool wants_bytes(const struct ps_line_opts *o)
{
	return ps_line_snaplen(o) != 0;
}

static void fmt_addr(const struct ps_event *e, const __u8 *a, char *buf, size_t len)
{
	inet_ntop(e->ip_ver == 6 ? AF_INET6 : AF_INET, a, buf, len);
}

/* tcpdump's flag letters, in its order: [S.] is SYN-ACK. */
void ps_tcp_flags_str(__u8 f, char *buf, size_t len)
{
	static const struct { __u8 bit; char c; } map[] = {
		{ PS_TCP_FIN, 'F' }, { PS_TCP_SYN, 'S' }, { PS_TCP_RST, 'R' },
		{ PS_TCP_PSH, 'P' }, { PS_TCP_ACK, '.' }, { PS_TCP_URG, 'U' },
		{ PS_TCP_ECE, 'E' }, { PS_TCP_CWR, 'W' },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]) && n + 1 < len; i++)
		if (f & map[i].bit)
			buf[n++] = map[i].c;
	if (!n && len > 4) {
		memcpy(buf, "none", 4);
		n = 4;
	}
	buf[n < len ? n : len - 1] = '\0';
}

/* The summary's names: tcpdump's where it prints just a name, pktscope's
 * for the messages tcpdump describes from their bytes. */
static const char *icmp_name(const struct ps_event *e)
{
	__u8 type = ntohs(e->sport);

	if (e->ip_ver == 6)
		return pf_icmp6_name(type);
	switch (type) {
	case 0: return "echo reply";
	case 3: return "unreachable";
	case 4: return "source quench";
	case 5: return "redirect";
	case 8: return "echo request";
	case 9: return "router advertisement";
	case 10: return "router solicitation";
	case 11: return "time exceeded";
	case 12: return "parameter problem";
	case 13: return "time stamp request";
	case 14: return "time stamp reply";
	case 15: return "information request";
	case 16: return "information reply";
	case 17: return "address mask request";
	case 18: return "address mask reply";
	}
	return NULL;
}

static void fmt_time(__u64 ts_ns, char *buf, size_t len)
{
	time_t sec = ts_ns / 1000000000ULL;
	struct tm tm;
	char hms[16];

	localtime_r(&sec, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06llu", hms, (unsigned long long)(ts_ns % 1000000000ULL) / 1000);
}

static const char *malformed_name(const struct ps_event *e)
{
	return e->result != PS_CTR_OK && e->result < PS_CTR_MAX ? ps_counter_info[e->result].name
								 : NULL;
}

static bool mac_set(const __u8 *m)
{
	return m[0] | m[1] | m[2] | m[3] | m[4] | m[5];
}

static void arp_summary(struct ps_text *t, const struct ps_event *e)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	__u16 op = ntohs(e->sport);
	const __u8 *m;

	inet_ntop(AF_INET, e->saddr, src, sizeof(src));
	inet_ntop(AF_INET, e->daddr, dst, sizeof(dst));
	if (op == 1) {
		ps_text_add(t, "ARP, Request who-has %s", dst);
		m = e->daddr + 4;
		if (mac_set(m))
			ps_text_add(t, " (%02x:%02x:%02x:%02x:%02x:%02x)", m[0], m[1], m[2], m[3],
				    m[4], m[5]);
		ps_text_add(t, " tell %s", src);
	} else if (op == 2) {
		m = e->saddr + 4;
		ps_text_add(t, "ARP, Reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x", src, m[0], m[1],
			    m[2], m[3], m[4], m[5]);
	} else {
		ps_text_add(t, "ARP, op %u %s > %s", op, src, dst);
	}
	/* tcpdump's ARP length: what follows the link header. */
	ps_text_add(t, ", length %u", e->rec.len - 14 - 4 * e->vlan_tags);
}

/* The line's protocol part from the event's summary. */
static void summary_body(struct ps_text *t, const struct ps_event *e,
			 const struct ps_line_opts *o)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sp[32], dp[32], fl[16];
	const char *bad = malformed_name(e);

	if (e->ip_ver) {
		bool tcp = e->l4_proto == IPPROTO_TCP;
		/* Ports exist only where the L4 header parsed. */
		bool has_ports = !bad && (e->l4_ctr == PS_CTR_L4_TCP || e->l4_ctr == PS_CTR_L4_UDP);

		fmt_addr(e, e->saddr, src, sizeof(src));
		fmt_addr(e, e->daddr, dst, sizeof(dst));
		ps_text_add(t, "%s ", e->ip_ver == 6 ? "IP6" : "IP");
		if (has_ports) {
			ps_port_str(ntohs(e->sport), tcp, o->numeric, sp, sizeof(sp));
			ps_port_str(ntohs(e->dport), tcp, o->numeric, dp, sizeof(dp));
			ps_text_add(t, "%s.%s > %s.%s: ", src, sp, dst, dp);
		} else {
			ps_text_add(t, "%s > %s: ", src, dst);
		}
		switch (e->l4_ctr) {
		case PS_CTR_L4_TCP:
			if (bad) {
				ps_text_add(t, "tcp");
				break;
			}
			ps_tcp_flags_str(e->tcp_flags, fl, sizeof(fl));
			ps_text_add(t, "Flags [%s], length %u", fl, e->l4_payload);
			break;
		case PS_CTR_L4_UDP:
			if (bad)
				ps_text_add(t, "udp");
			else
				ps_text_add(t, "UDP, length %u", e->l4_payload);
			break;
		case PS_CTR_L4_ICMP:
		case PS_CTR_L4_ICMPV6: {
			const char *name = bad ? NULL : icmp_name(e);

			ps_text_add(t, "%s", e->l4_ctr == PS_CTR_L4_ICMP ? "ICMP" : "ICMP6,");
			if (name)
				ps_text_add(t, " %s", name);
			else if (!bad)
				ps_text_add(t, " type %u code %u", ntohs(e->sport), ntohs(e->dport));
			if (!bad)
				ps_text_add(t, ", length %u", e->l4_payload);
			break;
		}
		default:
			ps_text_add(t, "ip-proto-%u", e->l4_proto);
		}
		ps_text_add(t, e->ip_ver == 6 ? ", hlim %u" : ", ttl %u", e->ttl);
	} else if (e->l2_ctr == PS_CTR_L2_ARP && !bad &&
		   (e->saddr[0] | e->saddr[1] | e->saddr[2] | e->saddr[3] | e->daddr[0] |
		    e->daddr[1] | e->daddr[2] | e->daddr[3])) {
		arp_summary(t, e);
	} else if (e->l2_ctr == PS_CTR_L2_ARP) {
		ps_text_add(t, "ARP");
	} else if (e->l2_ctr == PS_CTR_L2_IPV4) {
		ps_text_add(t, "IP");
	} else if (e->l2_ctr == PS_CTR_L2_IPV6) {
		ps_text_add(t, "IP6");
	} else if (e->l2_ctr) {
		ps_text_add(t, "ethertype 0x%04x", ntohs(e->eth_proto));
	} else {
		ps_text_add(t, "frame");
	}
}

/* -x, -X, -A as tcpdump: from the network layer, or (doubled) the whole
 * frame; after a cut-short decode, the whole frame. */
static void dump(struct ps_text *t, const __u8 *data, __u32 caplen, __u32 ll,
		 const struct ps_line_opts *o)
{
	if (o->hex_ascii) {
		if (o->hex_ascii > 1)
			pf_hex_ascii(t, "\n\t", data, caplen);
		else if (caplen > ll)
			pf_hex_ascii(t, "\n\t", data + ll, caplen - ll);
	} else if (o->hex) {
		if (o->hex > 1)
			pf_hex(t, "\n\t", data, caplen, 0);
		else if (caplen > ll)
			pf_hex(t, "\n\t", data + ll, caplen - ll, 0);
	} else if (o->ascii) {
		if (o->ascii > 1)
			pf_ascii(t, data, caplen);
		else if (caplen > ll)
			pf_ascii(t, data + ll, caplen - ll);
	}
}

/* Not malformed: headers there are but that could not be read (beyond the
 * hook's linear data, or beyond what a file's record kept). */
static bool unparsed(const struct ps_event *e)
{
	return e->result == PS_CTR_NONLINEAR || e->result == PS_CTR_SNAPLEN;
}

void ps_line_text(struct ps_text *t, const struct ps_event *e, const __u8 *data, __u64 ts_ns,
		  const char *ifname, const struct ps_line_opts *o, struct ps_line_state *st)
{
	const char *bad = malformed_name(e);
	bool bytes = wants_bytes(o) && e->rec.caplen && data;
	struct pf p = {
		.t = t, .pkt = data, .caplen = e->rec.caplen, .wirelen = e->rec.len,
		.end = e->rec.caplen, .o = o, .st = st,
	};
	char when[32];

	fmt_time(ts_ns, when, sizeof(when));
	ps_text_add(t, "%s %s %-3s ", when, ifname, dir_name(e->slot));
	if (o->verbose)
		ps_text_add(t, "(%s) ", hook_name(e->slot));
	/* tcpdump shows VLAN tags only with -e: pktscope always does. */
	if (!o->eth && (e->flags & (PS_EVF_VLAN_Q | PS_EVF_VLAN_AD)))
		ps_text_add(t, "vlan%s ", (e->flags & PS_EVF_VLAN_AD) ? " (qinq)" : "");
	if (bytes) {
		size_t body;
		int err = o->cooked ? pf_cooked(&p, &body) : pf_frame(&p, &body);

		/* The datapath's verdict on a malformed packet, rather than
		 * tcpdump's way of reporting one. */
		if (err == PF_NOTSUP || (bad && !unparsed(e))) {
			ps_text_cut(t, body);
			summary_body(t, e, o);
		}
	} else {
		summary_body(t, e, o);
	}

	/* pktscope's additions at the end of the description: the frame's
	 * size and its marks. */
	ps_text_add(t, ", %u bytes", e->rec.len);
	if (e->flags & PS_EVF_FRAG_FIRST)
		ps_text_add(t, " [frag first]");
	if (e->flags & PS_EVF_FRAG_LATER)
		ps_text_add(t, " [frag]");
	if (e->flags & PS_EVF_IP_OPTS)
		ps_text_add(t, e->ip_ver == 6 ? " [ext hdrs]" : " [ip options]");
	if (e->flags & PS_EVF_TTL_LOW)
		ps_text_add(t, " [ttl low]");
	if (bad)
		ps_text_add(t, " [%s: %s]", unparsed(e) ? "unparsed" : "malformed",
			    bad);
	if (bytes)
		dump(t, data, e->rec.caplen, p.ll_hdr_len, o);
	ps_text_putc(t, '\n');
}

void ps_iso_time(__u64 ts_ns, char *buf, size_t len)
{
	time_t sec = ts_ns / 1000000000ULL;
	char base[32];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09lluZ", base, (unsigned long long)(ts_ns % 1000000000ULL));
}

static json_t *mac_json(const __u8 *m)
{
	char s[18];

	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return json_string(s);
}

/* Where the L4 header starts after the IPv6 header at 'l3' and its
 * extension headers, or 0. */
static __u32 ip6_l4_off(const __u8 *d, __u32 cap, __u32 l3, __u8 *nh)
{
	__u32 off = l3 + 40, len;

	*nh = d[l3 + 6];
	for (int i = 0; i <= PS_IPV6_MAX_EXT; i++) {
		if (off + 4 > cap)
			return 0;
		switch (*nh) {
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			len = (d[off + 1] + 1) * 8;
			break;
		case 44: /* fragment: a later one has no L4 header */
			if ((d[off + 2] << 8 | d[off + 3]) & 0xfff8)
				return 0;
			len = 8;
			break;
		case 51: /* AH, in 4-byte units */
			len = (d[off + 1] + 2) * 4;
			break;
		default:
			return off;
		}
		*nh = d[off];
		off += len;
	}
	return 0;
}

/* The fields only the frame's bytes give: link addresses and tags, IP
 * identification, TCP sequence numbers and options, ICMP echo ids. */
static void json_bytes(json_t *o, const struct ps_event *e, const __u8 *d)
{
	__u32 cap = e->rec.caplen, off = 12, l3, l4 = 0;
	json_t *vlans;
	__u16 type;
	__u8 nh = 0;

	if (cap < 14)
		return;
	json_object_set_new(o, "eth_src", mac_json(d + 6));
	json_object_set_new(o, "eth_dst", mac_json(d));
	vlans = json_array();
	type = d[off] << 8 | d[off + 1];
	while ((type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200) &&
	       off + 6 <= cap) {
		json_array_append_new(vlans, json_integer((d[off + 2] << 8 | d[off + 3]) & 0xfff));
		type = d[off + 4] << 8 | d[off + 5];
		off += 4;
	}
	json_object_set_new(o, "vlan_ids", vlans);
	l3 = off + 2;
	if (malformed_name(e) || !e->ip_ver)
		return;
	if (e->ip_ver == 4 && l3 + 20 <= cap) {
		__u16 frag = d[l3 + 6] << 8 | d[l3 + 7];

		json_object_set_new(o, "ip_id", json_integer(d[l3 + 4] << 8 | d[l3 + 5]));
		json_object_set_new(o, "ip_tos", json_integer(d[l3 + 1]));
		json_object_set_new(o, "ip_df", json_boolean(frag & 0x4000));
		json_object_set_new(o, "ip_frag_offset", json_integer((frag & 0x1fff) * 8));
		nh = d[l3 + 9];
		if (!(frag & 0x1fff))
			l4 = l3 + (d[l3] & 0x0f) * 4;
	} else if (e->ip_ver == 6 && l3 + 40 <= cap) {
		__u32 flow = (__u32)d[l3] << 24 | d[l3 + 1] << 16 | d[l3 + 2] << 8 | d[l3 + 3];

		json_object_set_new(o, "ip_class", json_integer((flow >> 20) & 0xff));
		json_object_set_new(o, "ip_flowlabel", json_integer(flow & 0xfffff));
		l4 = ip6_l4_off(d, cap, l3, &nh);
	}
	if (!l4)
		return;
	if (nh == IPPROTO_TCP && e->l4_ctr == PS_CTR_L4_TCP && l4 + 20 <= cap) {
		__u32 hlen = (d[l4 + 12] >> 4) * 4;
		struct ps_text t = {};

		json_object_set_new(o, "tcp_seq", json_integer((json_int_t)((__u32)d[l4 + 4] << 24 |
			d[l4 + 5] << 16 | d[l4 + 6] << 8 | d[l4 + 7])));
		json_object_set_new(o, "tcp_ack", json_integer((json_int_t)((__u32)d[l4 + 8] << 24 |
			d[l4 + 9] << 16 | d[l4 + 10] << 8 | d[l4 + 11])));
		json_object_set_new(o, "tcp_win", json_integer(d[l4 + 14] << 8 | d[l4 + 15]));
		if (hlen > 20 && l4 + hlen <= cap && !pf_tcp_option_list(&t, d + l4, hlen))
			json_object_set_new(o, "tcp_options", json_string(t.s));
		ps_text_free(&t);
	} else if (l4 + 8 <= cap && ((nh == IPPROTO_ICMP && e->l4_ctr == PS_CTR_L4_ICMP &&
				      (d[l4] == 0 || d[l4] == 8)) ||
				     (nh == IPPROTO_ICMPV6 && e->l4_ctr == PS_CTR_L4_ICMPV6 &&
				      (d[l4] == 128 || d[l4] == 129)))) {
		json_object_set_new(o, "icmp_id", json_integer(d[l4 + 4] << 8 | d[l4 + 5]));
		json_object_set_new(o, "icmp_seq", json_integer(d[l4 + 6] << 8 | d[l4 + 7]));
	}
}

json_t *ps_line_json(const struct ps_event *e, const __u8 *data, __u64 ts_ns, const char *ifname,
		     bool with_data, bool cooked)
{
	char when[48], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], fl[16];
	const char *bad = malformed_name(e);
	json_t *o;

	ps_iso_time(ts_ns, when, sizeof(when));
	o = json_pack("{s:s,s:s,s:i,s:s,s:s,s:i,s:i}", "time", when, "ifname", ifname, "ifindex",
		      (int)e->ifindex, "hook", hook_name(e->slot), "direction",
		      egress(e->slot) ? "egress" : "ingress", "length",
		      (int)e->rec.len, "caplen", (int)e->rec.caplen);
	if (e->l2_ctr) {
		char et[8];

		snprintf(et, sizeof(et), "0x%04x", ntohs(e->eth_proto));
		json_object_set_new(o, "ethertype", json_string(et));
	}
	json_object_set_new(o, "vlan_8021q", json_boolean(e->flags & PS_EVF_VLAN_Q));
	json_object_set_new(o, "vlan_8021ad", json_boolean(e->flags & PS_EVF_VLAN_AD));
	if (e->ip_ver) {
		fmt_addr(e, e->saddr, src, sizeof(src));
		fmt_addr(e, e->daddr, dst, sizeof(dst));
		json_object_set_new(o, "ip_version", json_integer(e->ip_ver));
		json_object_set_new(o, "src", json_string(src));
		json_object_set_new(o, "dst", json_string(dst));
		json_object_set_new(o, "protocol", json_integer(e->l4_proto));
		json_object_set_new(o, "ttl", json_integer(e->ttl));
		json_object_set_new(o, "ttl_low", json_boolean(e->flags & PS_EVF_TTL_LOW));
		json_object_set_new(o, "ip_options", json_boolean(e->flags & PS_EVF_IP_OPTS));
		json_object_set_new(o, "fragment",
				    (e->flags & PS_EVF_FRAG_FIRST) ? json_string("first") :
				    (e->flags & PS_EVF_FRAG_LATER) ? json_string("later") :
								     json_null());
		if (e->l4_ctr == PS_CTR_L4_TCP || e->l4_ctr == PS_CTR_L4_UDP) {
			json_object_set_new(o, "sport", json_integer(ntohs(e->sport)));
			json_object_set_new(o, "dport", json_integer(ntohs(e->dport)));
			json_object_set_new(o, "payload_length", json_integer(e->l4_payload));
		}
		if (e->l4_ctr == PS_CTR_L4_ICMP || e->l4_ctr == PS_CTR_L4_ICMPV6) {
			json_object_set_new(o, "icmp_type", json_integer(ntohs(e->sport)));
			json_object_set_new(o, "icmp_code", json_integer(ntohs(e->dport)));
		}
		if (e->l4_ctr == PS_CTR_L4_TCP && !bad) {
			ps_tcp_flags_str(e->tcp_flags, fl, sizeof(fl));
			json_object_set_new(o, "tcp_flags", json_string(fl));
		}
	}
	if (e->l4_ctr)
		json_object_set_new(o, "l4", json_string(ps_counter_info[e->l4_ctr].name));
	json_object_set_new(o, "malformed", bad ? json_string(bad) : json_null());
	if (data && e->rec.caplen) {
		/* The fields read from an Ethernet frame's bytes; a record of
		 * another link type has its hex only. */
		if (!cooked)
			json_bytes(o, e, data);
		if (with_data) {
			static const char hx[] = "0123456789abcdef";
			struct ps_text h = {};

			for (__u32 i = 0; i < e->rec.caplen; i++) {
				ps_text_putc(&h, hx[data[i] >> 4]);
				ps_text_putc(&h, hx[data[i] & 0xf]);
			}
			if (!h.oom)
				json_object_set_new(o, "data", json_string(h.s));
			ps_text_free(&h);
		}
	}
	return o;
}
