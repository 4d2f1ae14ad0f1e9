// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One line per packet event, as tcpdump prints one, made from the event's
 * summary (no packet bytes needed): time, interface, direction, protocol,
 * addresses and ports, flags, length, TTL, fragment and anomaly marks.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "counters.h"
#include "datapath.h"
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

static void fmt_addr(const struct ps_event *e, const __u8 *a, char *buf, size_t len)
{
	inet_ntop(e->ip_ver == 6 ? AF_INET6 : AF_INET, a, buf, len);
}

/* tcpdump's flag letters, in its order: [S.] is SYN-ACK. */
void ps_tcp_flags_str(__u8 f, char *buf, size_t len)
{
	static const struct { __u8 bit; char c; } map[] = {
		{ PS_TCP_FIN, 'F' }, { PS_TCP_SYN, 'S' }, { PS_TCP_RST, 'R' },
		{ PS_TCP_PSH, 'P' }, { PS_TCP_URG, 'U' }, { PS_TCP_ECE, 'E' },
		{ PS_TCP_CWR, 'W' }, { PS_TCP_ACK, '.' },
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

static void fmt_port(__be16 port, const char *proto, bool numeric, char *buf, size_t len)
{
	struct servent *se = NULL;

	/* /etc/services only: pktscope never sends a DNS query to print. */
	if (!numeric)
		se = getservbyport(port, proto);
	if (se)
		snprintf(buf, len, "%s", se->s_name);
	else
		snprintf(buf, len, "%u", ntohs(port));
}

static const char *icmp_name(const struct ps_event *e)
{
	__u8 type = ntohs(e->sport);

	if (e->ip_ver == 4) {
		switch (type) {
		case 0: return "echo reply";
		case 3: return "unreachable";
		case 5: return "redirect";
		case 8: return "echo request";
		case 11: return "time exceeded";
		case 13: return "time stamp request";
		case 14: return "time stamp reply";
		}
	} else {
		switch (type) {
		case 1: return "destination unreachable";
		case 2: return "packet too big";
		case 3: return "time exceeded";
		case 128: return "echo request";
		case 129: return "echo reply";
		case 133: return "router solicitation";
		case 134: return "router advertisement";
		case 135: return "neighbor solicitation";
		case 136: return "neighbor advertisement";
		case 143: return "multicast listener report v2";
		}
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

void ps_line_text(FILE *f, const struct ps_event *e, __u64 ts_ns, const char *ifname,
		  const struct ps_line_opts *o)
{
	char when[32], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sp[32], dp[32], fl[16];
	const char *bad = malformed_name(e);

	fmt_time(ts_ns, when, sizeof(when));
	fprintf(f, "%s %s %-3s ", when, ifname, dir_name(e->slot));
	if (o->verbose)
		fprintf(f, "(%s) ", hook_name(e->slot));
	if (e->flags & (PS_EVF_VLAN_Q | PS_EVF_VLAN_AD))
		fprintf(f, "vlan%s ", (e->flags & PS_EVF_VLAN_AD) ? " (qinq)" : "");

	if (e->ip_ver) {
		const char *pn = e->l4_proto == IPPROTO_TCP ? "tcp" : "udp";
		/* Ports exist only where the L4 header parsed. */
		bool has_ports = !bad && (e->l4_ctr == PS_CTR_L4_TCP || e->l4_ctr == PS_CTR_L4_UDP);

		fmt_addr(e, e->saddr, src, sizeof(src));
		fmt_addr(e, e->daddr, dst, sizeof(dst));
		fprintf(f, "%s ", e->ip_ver == 6 ? "IP6" : "IP");
		if (has_ports) {
			fmt_port(e->sport, pn, o->numeric, sp, sizeof(sp));
			fmt_port(e->dport, pn, o->numeric, dp, sizeof(dp));
			fprintf(f, "%s.%s > %s.%s: ", src, sp, dst, dp);
		} else {
			fprintf(f, "%s > %s: ", src, dst);
		}
		switch (e->l4_ctr) {
		case PS_CTR_L4_TCP:
			if (bad) {
				fprintf(f, "tcp");
				break;
			}
			ps_tcp_flags_str(e->tcp_flags, fl, sizeof(fl));
			fprintf(f, "Flags [%s], length %u", fl, e->l4_payload);
			break;
		case PS_CTR_L4_UDP:
			if (bad)
				fprintf(f, "udp");
			else
				fprintf(f, "UDP, length %u", e->l4_payload);
			break;
		case PS_CTR_L4_ICMP:
		case PS_CTR_L4_ICMPV6: {
			const char *name = bad ? NULL : icmp_name(e);

			fprintf(f, "%s", e->l4_ctr == PS_CTR_L4_ICMP ? "ICMP" : "ICMP6");
			if (name)
				fprintf(f, " %s", name);
			else if (!bad)
				fprintf(f, " type %u code %u", ntohs(e->sport),
					ntohs(e->dport));
			break;
		}
		case PS_CTR_L4_FRAGMENT:
			fprintf(f, "ip-proto-%u", e->l4_proto);
			break;
		default:
			fprintf(f, "ip-proto-%u", e->l4_proto);
		}
		fprintf(f, e->ip_ver == 6 ? ", hlim %u" : ", ttl %u", e->ttl);
	} else if (e->l2_ctr == PS_CTR_L2_ARP && !bad && e->saddr[0] | e->saddr[1] | e->saddr[2] |
		   e->saddr[3] | e->daddr[0] | e->daddr[1] | e->daddr[2] | e->daddr[3]) {
		__u16 op = ntohs(e->sport);

		inet_ntop(AF_INET, e->saddr, src, sizeof(src));
		inet_ntop(AF_INET, e->daddr, dst, sizeof(dst));
		if (op == 1)
			fprintf(f, "ARP, Request who-has %s tell %s", dst, src);
		else if (op == 2)
			fprintf(f, "ARP, Reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x, to %s", src,
				e->saddr[4], e->saddr[5], e->saddr[6], e->saddr[7], e->saddr[8],
				e->saddr[9], dst);
		else
			fprintf(f, "ARP, op %u %s > %s", op, src, dst);
	} else if (e->l2_ctr == PS_CTR_L2_ARP) {
		fprintf(f, "ARP");
	} else if (e->l2_ctr == PS_CTR_L2_IPV4) {
		fprintf(f, "IP");
	} else if (e->l2_ctr == PS_CTR_L2_IPV6) {
		fprintf(f, "IP6");
	} else if (e->l2_ctr) {
		fprintf(f, "ethertype 0x%04x", ntohs(e->eth_proto));
	} else {
		fprintf(f, "frame");
	}

	/* After an L4 "length" (its payload, as tcpdump prints it) the frame's
	 * size reads apart; other lines end with tcpdump's "length". */
	if (e->ip_ver)
		fprintf(f, ", %u bytes", e->rec.len);
	else
		fprintf(f, ", length %u", e->rec.len);
	if (e->flags & PS_EVF_FRAG_FIRST)
		fprintf(f, " [frag first]");
	if (e->flags & PS_EVF_FRAG_LATER)
		fprintf(f, " [frag]");
	if (e->flags & PS_EVF_IP_OPTS)
		fprintf(f, e->ip_ver == 6 ? " [ext hdrs]" : " [ip options]");
	if (e->flags & PS_EVF_TTL_LOW)
		fprintf(f, " [ttl low]");
	if (bad)
		fprintf(f, " [%s: %s]",
			e->result == PS_CTR_NONLINEAR ? "unparsed" : "malformed", bad);
	fputc('\n', f);
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

json_t *ps_line_json(const struct ps_event *e, __u64 ts_ns, const char *ifname)
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
	return o;
}
