// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkflows: writes a capture of realistic conversations, with file timestamps,
 * for `pktscope flows -r`, and with --expect the truth about them: per
 * conversation and direction the packets, bytes (frame length on the wire),
 * TCP flags, first and last packet time, and each TCP handshake's RTT (SYN
 * to the ACK of the SYN-ACK).
 *
 * What the file holds (times from 2026-11-21T10:00:00Z):
 *  - --many N short flows in the first ten seconds, all open at once: UDP
 *    request/response over IPv4 and IPv6, and small TCP connections
 *    (handshake, one request and answer, FIN both ways);
 *  - from 11 s: TCP connections with data both ways and FIN/FIN teardown
 *    (client or server closing first, IPv4 and IPv6), connections ended by
 *    RST, a refused connection (SYN, RST-ACK), a connection seen mid-stream
 *    (no handshake, the server's packet first), a bulk download of --bulk
 *    bytes, UDP request/response (one over an 802.1Q VLAN), ICMP echo (two
 *    ping sessions between the same hosts, one unanswered ping), ICMPv6
 *    echo, an ICMP port unreachable answering a UDP datagram, ESP;
 *  - a UDP 5-tuple and a TCP 5-tuple used, then unused for --gap seconds,
 *    then used again (the TCP one with a new handshake);
 *  - one long UDP flow: a packet every second (with jitter) for --long
 *    seconds, an answer every tenth second; and a TCP session (keystrokes
 *    and echoes every 2 s or so) over 3/4 of --long seconds, closed by FIN;
 *  - frames that are not flows: ARP, and IPv4 with a bad header length.
 *
 * The same seed writes the same bytes.  Files are written by
 * tests/tools/capwrite.c (libpcap's dumper for pcap), not by pktscope's own
 * writer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "capwrite.h"
#include "pkt.h"

#define NS 1000000000ULL
#define MS 1000000ULL
#define US 1000ULL
#define T0_NS (1795255200ULL * NS) /* 2026-11-21T10:00:00Z */
#define MSS 1448                   /* TCP payload of a full 1514-byte frame */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform in [lo, hi]. */
static uint64_t rnd_in(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static void die(const char *what)
{
	fprintf(stderr, "mkflows: %s\n", what);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

/* ------------------------------------------------------------ frames */

struct frame {
	uint64_t ts;
	uint64_t n;     /* order of generation: ties keep it */
	uint32_t len;
	uint8_t *data;
};

static struct frame *frames;
static size_t nframes, cframes;
static uint64_t file_bytes, notflow_packets, notflow_bytes;

static void emit(uint64_t ts, const uint8_t *data, uint32_t len)
{
	struct frame *f;

	if (nframes == cframes) {
		cframes = cframes ? cframes * 2 : 4096;
		frames = xrealloc(frames, cframes * sizeof(*frames));
	}
	f = &frames[nframes];
	f->ts = ts;
	f->n = nframes++;
	f->len = len;
	f->data = xrealloc(NULL, len);
	memcpy(f->data, data, len);
	file_bytes += len;
}

static int frame_cmp(const void *x, const void *y)
{
	const struct frame *a = x, *b = y;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* ------------------------------------------------------- conversations */

struct ep {
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint8_t mac[6];
	uint16_t port;
};

struct side {
	uint64_t packets, bytes, first, last;
	uint8_t flags;
	int icmp_type, icmp_code; /* -1: none */
};

struct conv {
	const char *kind;
	int ipver, proto;
	uint16_t vlan;
	struct ep a, b;           /* a started it: it sent the first packet */
	struct side s[2];         /* 0: a -> b, 1: b -> a */
	uint64_t syn_ns, rtt_ns;  /* TCP: SYN time, handshake RTT (0 none) */
	int instance;             /* 2 for the reuse of a 5-tuple */
	const char *ends;         /* "fin", "rst" or "none" */
	uint32_t seq[2];          /* TCP: next sequence number of each side */
	uint16_t ipid[2];
};

static struct conv **convs;
static size_t nconvs, cconvs;
static struct pkt P;

static struct conv *conv_new(const char *kind, int ipver, int proto, const struct ep *a,
			     const struct ep *b)
{
	struct conv *c = xrealloc(NULL, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->ipver = ipver;
	c->proto = proto;
	c->a = *a;
	c->b = *b;
	c->instance = 1;
	c->ends = "none";
	for (int d = 0; d < 2; d++) {
		c->s[d].icmp_type = c->s[d].icmp_code = -1;
		c->seq[d] = rnd();
		c->ipid[d] = rnd();
	}
	if (nconvs == cconvs) {
		cconvs = cconvs ? cconvs * 2 : 1024;
		convs = xrealloc(convs, cconvs * sizeof(*convs));
	}
	convs[nconvs++] = c;
	return c;
}

/* The same 5-tuple again, as a new conversation instance. */
static struct conv *conv_again(const struct conv *old)
{
	struct conv *c = conv_new(old->kind, old->ipver, old->proto, &old->a, &old->b);

	c->vlan = old->vlan;
	c->instance = old->instance + 1;
	return c;
}

static void ep4(struct ep *e, uint8_t x, uint8_t y, uint8_t z, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->addr[0] = 10;
	e->addr[1] = x;
	e->addr[2] = y;
	e->addr[3] = z;
	e->mac[0] = 0x02;
	e->mac[1] = 0x66;
	memcpy(e->mac + 2, e->addr, 4);
	e->port = port;
}

static void ep6(struct ep *e, uint16_t net, uint16_t host, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->addr[0] = 0xfd;
	e->addr[1] = 0x00;
	put16(e->addr + 2, net);
	put16(e->addr + 14, host);
	e->mac[0] = 0x02;
	e->mac[1] = 0x67;
	put16(e->mac + 2, net);
	put16(e->mac + 4, host);
	e->port = port;
}

/* A client port no other conversation of the basic scenarios has, so that
 * only the reuse scenario repeats a 5-tuple. */
static uint16_t ephemeral(void)
{
	static uint8_t used[65536];
	static unsigned n;
	uint16_t p;

	if (++n > 20000)
		die("out of distinct client ports");
	do
		p = rnd_in(32768, 60999);
	while (used[p]);
	used[p] = 1;
	return p;
}

/* Ethernet, VLAN, IP header of a packet of conversation c in direction d. */
static void begin(struct conv *c, int d)
{
	const struct ep *src = d ? &c->b : &c->a, *dst = d ? &c->a : &c->b;

	pkt_init(&P);
	pkt_eth(&P);
	memcpy(P.data, dst->mac, 6);
	memcpy(P.data + 6, src->mac, 6);
	if (c->vlan)
		pkt_vlan(&P, 0x8100, c->vlan);
	if (c->ipver == 4) {
		pkt_ipv4(&P, 64);
		put16(P.data + P.ip_off + 4, c->ipid[d]++);
		memcpy(P.data + P.ip_off + 12, src->addr, 4);
		memcpy(P.data + P.ip_off + 16, dst->addr, 4);
	} else {
		pkt_ipv6(&P, 64);
		memcpy(P.data + P.ip_off + 8, src->addr, 16);
		memcpy(P.data + P.ip_off + 24, dst->addr, 16);
	}
}

static void finish(struct conv *c, int d, uint64_t ts, uint8_t flags)
{
	struct side *s = &c->s[d];

	if (pkt_finish(&P, 60))
		die("a packet did not fit");
	emit(ts, P.data, P.len);
	if (!s->packets)
		s->first = ts;
	if (ts < s->last)
		die("packets of a conversation out of time order");
	s->last = ts;
	s->packets++;
	s->bytes += P.len;
	s->flags |= flags;
}

static void tcp_send(struct conv *c, int d, uint64_t ts, uint8_t flags, uint32_t payload)
{
	/* MSS 1460, SACK permitted, NOP, window scale 7 */
	static const uint8_t synopt[] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7 };
	const struct ep *src = d ? &c->b : &c->a, *dst = d ? &c->a : &c->b;

	begin(c, d);
	pkt_tcp(&P, src->port, dst->port, flags);
	put32(P.data + P.l4_off + 4, c->seq[d]);
	put32(P.data + P.l4_off + 8, flags & PS_TCP_ACK ? c->seq[!d] : 0);
	if (flags & PS_TCP_SYN)
		pkt_tcp_options(&P, synopt, sizeof(synopt));
	else
		put16(P.data + P.l4_off + 14, 502); /* scaled by 128 */
	if (flags & PS_TCP_SYN)
		put16(P.data + P.l4_off + 14, 64240);
	if (payload)
		pkt_payload(&P, payload);
	c->seq[d] += payload + (flags & (PS_TCP_SYN | PS_TCP_FIN) ? 1 : 0);
	finish(c, d, ts, flags);
}

static void udp_send(struct conv *c, int d, uint64_t ts, uint32_t payload)
{
	const struct ep *src = d ? &c->b : &c->a, *dst = d ? &c->a : &c->b;

	begin(c, d);
	pkt_udp(&P, src->port, dst->port);
	pkt_payload(&P, payload);
	finish(c, d, ts, 0);
}

static void icmp_send(struct conv *c, int d, uint64_t ts, uint8_t type, uint8_t code,
		      uint16_t id, uint16_t seq, uint32_t payload)
{
	begin(c, d);
	if (c->ipver == 4)
		pkt_icmp(&P, type, code);
	else
		pkt_icmp6(&P, type, code);
	put16(P.data + P.l4_off + 4, id);
	put16(P.data + P.l4_off + 6, seq);
	pkt_payload(&P, payload);
	c->s[d].icmp_type = type;
	c->s[d].icmp_code = code;
	finish(c, d, ts, 0);
}

/* ------------------------------------------------------------- TCP */

static const uint8_t SYN = PS_TCP_SYN, ACK = PS_TCP_ACK, PA = PS_TCP_PSH | PS_TCP_ACK,
		     FA = PS_TCP_FIN | PS_TCP_ACK, RST = PS_TCP_RST, RA = PS_TCP_RST | PS_TCP_ACK;

/* SYN, SYN-ACK, ACK from t; returns the time of the ACK.  'srv' and 'cli'
 * are the round trips from the capture point to the server and to the
 * client, so the handshake RTT seen here is their sum. */
static uint64_t handshake(struct conv *c, uint64_t t, uint64_t srv, uint64_t cli)
{
	c->syn_ns = t;
	tcp_send(c, 0, t, SYN, 0);
	tcp_send(c, 1, t + srv, SYN | ACK, 0);
	tcp_send(c, 0, t + srv + cli, ACK, 0);
	c->rtt_ns = srv + cli;
	return t + srv + cli;
}

/* A request from a and its answer from b, in segments of at most MSS, the
 * receiver acknowledging every second segment and the last. */
static uint64_t transfer(struct conv *c, int d, uint64_t t, uint64_t bytes, uint64_t gap,
			 uint64_t ack_delay)
{
	uint32_t n = 0;

	while (bytes) {
		uint32_t seg = bytes > MSS ? MSS : bytes;

		bytes -= seg;
		t += gap;
		tcp_send(c, d, t, bytes ? ACK : PA, seg);
		if (++n % 2 == 0 || !bytes)
			tcp_send(c, !d, t + ack_delay, ACK, 0);
	}
	return t + ack_delay;
}

/* FIN from side 'closer', FIN-ACK from the other, the last ACK. */
static uint64_t teardown(struct conv *c, int closer, uint64_t t, uint64_t srv, uint64_t cli)
{
	uint64_t there = closer ? cli : srv, back = closer ? srv : cli;

	tcp_send(c, closer, t, FA, 0);
	tcp_send(c, !closer, t + there, FA, 0);
	tcp_send(c, closer, t + there + back, ACK, 0);
	c->ends = "fin";
	return t + there + back;
}

/* A whole connection: handshake, requests and answers, FIN both ways. */
static uint64_t tcp_session(struct conv *c, uint64_t t, int exchanges, uint32_t req_max,
			    uint32_t resp_max, int closer)
{
	uint64_t srv = rnd_in(100 * US, 40 * MS), cli = rnd_in(20 * US, 5 * MS);

	t = handshake(c, t, srv, cli);
	for (int i = 0; i < exchanges; i++) {
		t = transfer(c, 0, t + rnd_in(10 * US, 2 * MS), rnd_in(1, req_max), 20 * US, srv);
		t = transfer(c, 1, t + rnd_in(10 * US, 30 * MS), rnd_in(1, resp_max), 15 * US, cli);
	}
	return teardown(c, closer, t + rnd_in(1 * MS, 500 * MS), srv, cli);
}

/* ------------------------------------------------------- scenarios */

/* Short flows, all open at once in [t, t + 10 s): no FIN before the last
 * one started, UDP flows left to the idle timeout. */
static void many_flows(uint64_t t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = t + (uint64_t)i * 10 * NS / (n ? n : 1) + rnd_in(0, 2 * MS);
		unsigned kind = rnd() % 20;
		struct ep a, b;
		struct conv *c;

		if (kind < 3) { /* IPv6 UDP */
			ep6(&a, 0x5, 1 + i, rnd_in(1024, 65000));
			ep6(&b, 0x6, 1 + i % 40, 9000 + i % 7);
			c = conv_new("many_udp6", 6, 17, &a, &b);
			udp_send(c, 0, at, rnd_in(20, 200));
			udp_send(c, 1, at + rnd_in(50 * US, 20 * MS), rnd_in(20, 1200));
		} else if (kind < 10) { /* IPv4 UDP */
			ep4(&a, 5, i / 200, 1 + i % 200, rnd_in(1024, 65000));
			ep4(&b, 6, 0, 1 + i % 40, 9000 + i % 7);
			c = conv_new("many_udp", 4, 17, &a, &b);
			udp_send(c, 0, at, rnd_in(20, 200));
			udp_send(c, 1, at + rnd_in(50 * US, 20 * MS), rnd_in(20, 1200));
		} else { /* a small TCP connection that ends after 11 s */
			uint64_t srv = rnd_in(100 * US, 20 * MS), cli = rnd_in(20 * US, 2 * MS);

			ep4(&a, 5, i / 200, 1 + i % 200, rnd_in(1024, 65000));
			ep4(&b, 6, 1, 1 + i % 40, i % 2 ? 80 : 8080);
			c = conv_new("many_tcp", 4, 6, &a, &b);
			at = handshake(c, at, srv, cli);
			at = transfer(c, 0, at + 50 * US, rnd_in(40, 600), 10 * US, srv);
			at = transfer(c, 1, at + rnd_in(100 * US, 50 * MS), rnd_in(100, 5000), 10 * US, cli);
			teardown(c, 0, t + 11 * NS + i * 10 * US, srv, cli);
		}
	}
}

static void tcp_sessions(uint64_t t)
{
	static const uint16_t ports[] = { 80, 443, 22, 8080, 25 };
	struct ep a, b;
	struct conv *c;

	for (int i = 0; i < 16; i++) {
		ep4(&a, 1, 0, 1 + i % 5, ephemeral());
		ep4(&b, 2, 0, 1 + i % 3, ports[i % 5]);
		c = conv_new(i % 4 == 3 ? "tcp_fin_server_first" : "tcp_fin", 4, 6, &a, &b);
		tcp_session(c, t + i * 700 * MS + rnd_in(0, 300 * MS), rnd_in(1, 6), 2000,
			    i % 5 == 0 ? 30000 : 4000, i % 4 == 3);
	}
	for (int i = 0; i < 6; i++) {
		ep6(&a, 0x1, 1 + i % 2, ephemeral());
		ep6(&b, 0x2, 1, i % 2 ? 443 : 80);
		c = conv_new("tcp6_fin", 6, 6, &a, &b);
		tcp_session(c, t + 300 * MS + i * 900 * MS, rnd_in(1, 4), 1500, 9000, i % 3 == 2);
	}
}

static void tcp_odd(uint64_t t)
{
	uint64_t srv, cli;
	struct ep a, b;
	struct conv *c;

	/* Data, then a reset: RST-ACK or RST from the client, RST-ACK from the server. */
	for (int i = 0; i < 3; i++) {
		srv = rnd_in(1 * MS, 30 * MS);
		cli = rnd_in(50 * US, 1 * MS);
		ep4(&a, 1, 1, 1 + i, ephemeral());
		ep4(&b, 2, 1, 1, 443);
		c = conv_new("tcp_rst", 4, 6, &a, &b);
		t = handshake(c, t + 500 * MS, srv, cli);
		t = transfer(c, 0, t + MS, rnd_in(100, 900), 20 * US, srv);
		t = transfer(c, 1, t + 5 * MS, rnd_in(500, 9000), 20 * US, cli);
		tcp_send(c, i == 2, t + 100 * MS, i == 1 ? RST : RA, 0);
		c->ends = "rst";
	}
	/* A refused connection: no handshake, so no RTT. */
	ep4(&a, 1, 1, 9, ephemeral());
	ep4(&b, 2, 1, 2, 5432);
	c = conv_new("tcp_refused", 4, 6, &a, &b);
	t += 300 * MS;
	tcp_send(c, 0, t, SYN, 0);
	tcp_send(c, 1, t + 300 * US, RA, 0);
	c->ends = "rst";
	/* A connection that began before the capture: the server speaks first. */
	ep4(&a, 2, 1, 3, 443);
	ep4(&b, 1, 1, 10, ephemeral());
	c = conv_new("tcp_midstream", 4, 6, &a, &b);
	t = transfer(c, 0, t + 200 * MS, rnd_in(3000, 20000), 30 * US, 2 * MS);
	t = transfer(c, 1, t + 10 * MS, rnd_in(200, 800), 30 * US, 10 * MS);
	transfer(c, 0, t + 10 * MS, rnd_in(3000, 20000), 30 * US, 2 * MS);
}

static void bulk(uint64_t t, uint64_t bytes)
{
	struct ep a, b;
	struct conv *c;

	if (!bytes)
		return;
	ep4(&a, 1, 2, 1, ephemeral());
	ep4(&b, 2, 2, 1, 443);
	c = conv_new("tcp_bulk", 4, 6, &a, &b);
	t = handshake(c, t, 12 * MS, 300 * US);
	t = transfer(c, 0, t + 100 * US, 517, 10 * US, 12 * MS);
	t = transfer(c, 1, t + 2 * MS, bytes, 12 * US, 300 * US);
	teardown(c, 0, t + 20 * MS, 12 * MS, 300 * US);
}

static void udp_flows(uint64_t t)
{
	struct ep a, b;
	struct conv *c;

	for (int i = 0; i < 10; i++) {
		int n = rnd_in(1, 8);

		if (i < 7) {
			ep4(&a, 1, 3, 1 + i % 4, ephemeral());
			ep4(&b, 2, 3, 1 + i % 2, i == 6 ? 123 : 9100 + i);
			c = conv_new(i == 6 ? "udp_ntp" : "udp", 4, 17, &a, &b);
		} else {
			ep6(&a, 0x1, 0x30 + i, ephemeral());
			ep6(&b, 0x2, 0x30, 9100 + i);
			c = conv_new("udp6", 6, 17, &a, &b);
		}
		if (i == 5)
			c->vlan = 100;
		for (int k = 0; k < n; k++, t += rnd_in(40 * MS, 300 * MS)) {
			uint32_t len = i == 6 ? 48 : rnd_in(10, 400);

			udp_send(c, 0, t, len);
			if (rnd() % 5)
				udp_send(c, 1, t + rnd_in(100 * US, 30 * MS),
					 i == 6 ? 48 : rnd_in(10, 1400));
		}
	}
}

static void icmp_flows(uint64_t t)
{
	struct ep a, b;
	struct conv *c;

	/* Two ping sessions between the same hosts (two echo identifiers):
	 * one conversation, requests one way, replies the other. */
	ep4(&a, 1, 4, 1, 0);
	ep4(&b, 2, 4, 1, 0);
	c = conv_new("icmp_echo", 4, 1, &a, &b);
	for (int s = 0; s < 2; s++) {
		uint16_t id = rnd();

		for (int k = 1; k <= 4; k++, t += NS / 5) {
			uint64_t rtt = rnd_in(50 * US, 3 * MS);

			icmp_send(c, 0, t, 8, 0, id, k, 56);
			icmp_send(c, 1, t + rtt, 0, 0, id, k, 56);
		}
	}
	/* A ping nobody answers. */
	ep4(&b, 2, 4, 99, 0);
	c = conv_new("icmp_unanswered", 4, 1, &a, &b);
	for (int k = 1; k <= 3; k++, t += NS / 5)
		icmp_send(c, 0, t, 8, 0, 0x77, k, 56);
	/* ICMPv6 echo. */
	ep6(&a, 0x1, 0x40, 0);
	ep6(&b, 0x2, 0x40, 0);
	c = conv_new("icmp6_echo", 6, 58, &a, &b);
	for (int k = 1; k <= 3; k++, t += NS / 5) {
		icmp_send(c, 0, t, 128, 0, 0x99, k, 56);
		icmp_send(c, 1, t + rnd_in(50 * US, 3 * MS), 129, 0, 0x99, k, 56);
	}
}

/* A UDP datagram to a closed port and the ICMP error that answers it: two
 * conversations, the error quoting the datagram's IP and UDP headers. */
static void port_unreachable(uint64_t t)
{
	struct ep a, b, ea, eb;
	struct conv *u, *e;
	uint8_t quote[28];

	ep4(&a, 1, 5, 1, ephemeral());
	ep4(&b, 2, 5, 1, 9999);
	u = conv_new("udp_closed_port", 4, 17, &a, &b);
	udp_send(u, 0, t, 32);
	memcpy(quote, P.data + P.ip_off, sizeof(quote));
	ea = b;
	eb = a;
	ea.port = eb.port = 0;
	e = conv_new("icmp_port_unreachable", 4, 1, &ea, &eb);
	begin(e, 0);
	pkt_icmp(&P, 3, 3);
	put16(P.data + P.l4_off + 4, 0);
	put16(P.data + P.l4_off + 6, 0);
	pkt_bytes(&P, quote, sizeof(quote));
	e->s[0].icmp_type = 3;
	e->s[0].icmp_code = 3;
	finish(e, 0, t + 400 * US, 0);
}

/* IPsec ESP between two gateways: no ports. */
static void esp(uint64_t t)
{
	struct ep a, b;
	struct conv *c;
	uint8_t hdr[8];

	ep4(&a, 1, 6, 1, 0);
	ep4(&b, 2, 6, 1, 0);
	c = conv_new("esp", 4, 50, &a, &b);
	for (int k = 1; k <= 6; k++) {
		int d = k % 2 == 0;

		begin(c, d);
		pkt_ipproto(&P, 50);
		put32(hdr, d ? 0x2001 : 0x1001);
		put32(hdr + 4, (k + 1) / 2);
		pkt_bytes(&P, hdr, sizeof(hdr));
		pkt_payload(&P, rnd_in(60, 300));
		finish(c, d, t + k * 20 * MS, 0);
	}
}

/* A 5-tuple used, idle for 'gap', used again. */
static void reuse(uint64_t t, uint64_t gap)
{
	struct ep a, b;
	struct conv *c;

	ep4(&a, 4, 0, 1, 40404);
	ep4(&b, 4, 0, 2, 9053);
	c = conv_new("udp_reused", 4, 17, &a, &b);
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < 3; k++) {
			udp_send(c, 0, t + k * NS, 60);
			udp_send(c, 1, t + k * NS + 2 * MS, 200);
		}
		if (!i)
			c = conv_again(c);
		t += gap;
	}
	t -= 2 * gap;
	ep4(&a, 4, 0, 3, 45000);
	ep4(&b, 4, 0, 4, 80);
	c = conv_new("tcp_reused", 4, 6, &a, &b);
	tcp_session(c, t + 5 * NS, 2, 300, 3000, 0);
	c = conv_again(c);
	tcp_session(c, t + 5 * NS + gap, 2, 300, 3000, 0);
}

static void long_flow(uint64_t t, unsigned secs)
{
	struct ep a, b;
	struct conv *c;

	ep4(&a, 3, 0, 1, 5004);
	ep4(&b, 3, 0, 2, 5004);
	c = conv_new("udp_long", 4, 17, &a, &b);
	for (unsigned k = 0; k < secs; k++) {
		/* jitter keeps packets off whole seconds, and so off the
		 * timeout boundaries a test picks */
		uint64_t at = t + k * NS + rnd_in(1 * MS, 90 * MS);

		udp_send(c, 0, at, 172);
		if (k % 10 == 9)
			udp_send(c, 1, at + 3 * MS, 80);
	}
}

/* An interactive session (keystrokes and their echo, every 2 s or so) over
 * 'secs' seconds, closed by FIN: a TCP flow that crosses the active timeout
 * and still ends as a TCP connection. */
static void long_tcp(uint64_t t, unsigned secs)
{
	uint64_t srv = 8 * MS, cli = 200 * US, end = t + (uint64_t)secs * NS;
	struct ep a, b;
	struct conv *c;

	ep4(&a, 3, 0, 3, ephemeral());
	ep4(&b, 3, 0, 4, 22);
	c = conv_new("tcp_long", 4, 6, &a, &b);
	t = handshake(c, t, srv, cli);
	for (t += NS; t + 3 * NS < end; t += rnd_in(1500 * MS, 2500 * MS)) {
		tcp_send(c, 0, t, PA, 36);
		tcp_send(c, 1, t + srv, PA, 36);
		tcp_send(c, 0, t + srv + cli, ACK, 0);
	}
	teardown(c, 0, t, srv, cli);
}

static void not_flows(uint64_t t)
{
	for (int i = 0; i < 6; i++) {
		pkt_init(&P);
		pkt_eth(&P);
		if (i < 4) {
			pkt_arp(&P, 1 + i % 2);
		} else {
			/* IPv4 with a header length of 16 bytes: no valid IP header */
			pkt_ipv4(&P, 64);
			P.data[P.ip_off + 12] = 10;
			P.data[P.ip_off + 13] = 9;
			P.data[P.ip_off + 16] = 10;
			P.data[P.ip_off + 17] = 9;
			pkt_udp(&P, 1000, 2000);
			pkt_payload(&P, 20);
		}
		if (pkt_finish(&P, 60))
			die("a packet did not fit");
		if (i >= 4)
			pkt_ip4_set_ihl(&P, 4);
		emit(t + i * 3 * NS + rnd_in(0, NS), P.data, P.len);
		notflow_packets++;
		notflow_bytes += P.len;
	}
}

/* ------------------------------------------------------------ output */

static const char *proto_name(int proto)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	case 50: return "esp";
	}
	return "other";
}

static void flags_str(uint8_t f, char *buf)
{
	static const char letters[] = "FSRPAUEC";

	for (int i = 0; i < 8; i++)
		if (f >> i & 1)
			*buf++ = letters[i];
	*buf = 0;
}

static json_t *ep_json(const struct conv *c, const struct ep *e)
{
	char buf[64];
	json_t *o = json_object();

	if (c->ipver == 4)
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", e->addr[0], e->addr[1], e->addr[2],
			 e->addr[3]);
	else
		snprintf(buf, sizeof(buf), "fd00:%x::%x", e->addr[2] << 8 | e->addr[3],
			 e->addr[14] << 8 | e->addr[15]);
	json_object_set_new(o, "addr", json_string(buf));
	if (c->proto == 6 || c->proto == 17)
		json_object_set_new(o, "port", json_integer(e->port));
	return o;
}

static json_t *side_json(const struct conv *c, const struct side *s)
{
	json_t *o = json_pack("{s:I,s:I,s:I,s:I}", "packets", (json_int_t)s->packets,
			      "bytes", (json_int_t)s->bytes, "first_ns", (json_int_t)s->first,
			      "last_ns", (json_int_t)s->last);
	char f[9];

	if (c->proto == 6) {
		flags_str(s->flags, f);
		json_object_set_new(o, "tcp_flags", json_string(f));
	}
	if (s->icmp_type >= 0) {
		json_object_set_new(o, "icmp_type", json_integer(s->icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(s->icmp_code));
	}
	return o;
}

static int write_expect(const char *path, const json_t *params)
{
	json_t *root = json_object(), *arr = json_array();
	uint64_t first = nframes ? frames[0].ts : 0, last = nframes ? frames[nframes - 1].ts : 0;
	int err;

	json_object_set(root, "params", (json_t *)params);
	json_object_set_new(root, "file", json_pack("{s:I,s:I,s:I,s:I}",
		"packets", (json_int_t)nframes, "bytes", (json_int_t)file_bytes,
		"first_ns", (json_int_t)first, "last_ns", (json_int_t)last));
	json_object_set_new(root, "not_flow", json_pack("{s:I,s:I}",
		"packets", (json_int_t)notflow_packets, "bytes", (json_int_t)notflow_bytes));
	for (size_t i = 0; i < nconvs; i++) {
		const struct conv *c = convs[i];
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string(c->kind));
		json_object_set_new(o, "instance", json_integer(c->instance));
		json_object_set_new(o, "ip_version", json_integer(c->ipver));
		json_object_set_new(o, "protocol", json_string(proto_name(c->proto)));
		json_object_set_new(o, "proto", json_integer(c->proto));
		if (c->vlan)
			json_object_set_new(o, "vlan", json_integer(c->vlan));
		json_object_set_new(o, "a", ep_json(c, &c->a));
		json_object_set_new(o, "b", ep_json(c, &c->b));
		json_object_set_new(o, "a_to_b", side_json(c, &c->s[0]));
		json_object_set_new(o, "b_to_a", side_json(c, &c->s[1]));
		json_object_set_new(o, "rtt_ns", c->rtt_ns ? json_integer(c->rtt_ns) : json_null());
		json_object_set_new(o, "ends", json_string(c->ends));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "conversations", arr);
	err = json_dump_file(root, path, JSON_COMPACT | JSON_PRESERVE_ORDER) ? -EIO : 0;
	json_decref(root);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mkflows [OPTIONS] FILE\n"
		"Writes a capture of realistic conversations with file timestamps (TCP with\n"
		"handshakes, data and FIN or RST, UDP, ICMP and ICMPv6 echo, IPv6, ESP, a\n"
		"reused 5-tuple, one long flow, thousands of short ones) to FILE.\n\n"
		"  --seed SEED     same seed, same bytes (default 1)\n"
		"  --many N        short flows, all open at once (default 3000)\n"
		"  --bulk BYTES    size of the one bulk download (default 11000000; 0: none)\n"
		"  --long SECONDS  length of the long UDP flow, a packet a second (default 200);\n"
		"                  the long TCP session lasts 3/4 of it\n"
		"  --gap SECONDS   idle time before the reused 5-tuples come back (default 120)\n"
		"  --pcapng        write pcapng instead of pcap\n"
		"  --expect JSON   also write the truth: per conversation (a = the endpoint\n"
		"                  that sent the first packet, or the SYN) and direction the\n"
		"                  packets, bytes (frame lengths), first_ns, last_ns, TCP\n"
		"                  flags, ICMP type/code; each TCP handshake's RTT (rtt_ns,\n"
		"                  SYN to the ACK of the SYN-ACK); the not-flow frames\n\n"
		"Examples:\n"
		"  mkflows --expect flows.json flows.pcap\n"
		"  mkflows --many 0 --bulk 0 --long 20 --pcapng small.pcapng\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (*end || !*s || *s == '-' || errno || *v > max) {
		fprintf(stderr, "mkflows: %s wants a number up to %llu, not '%s'\n", opt,
			(unsigned long long)max, s);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "many", required_argument, NULL, 'm' },
		{ "bulk", required_argument, NULL, 'b' },
		{ "long", required_argument, NULL, 'l' },
		{ "gap", required_argument, NULL, 'g' },
		{ "pcapng", no_argument, NULL, 'n' },
		{ "expect", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t seed = 1, many = 3000, bulk_bytes = 11000000, long_s = 200, gap_s = 120;
	const char *expect_path = NULL, *path;
	struct capwrite *cw;
	bool pcapng = false;
	json_t *params;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': if (parse_u64("--seed", optarg, UINT64_MAX, &seed)) return 2; break;
		case 'm': if (parse_u64("--many", optarg, 50000, &many)) return 2; break;
		case 'b': if (parse_u64("--bulk", optarg, 1ULL << 32, &bulk_bytes)) return 2; break;
		case 'l': if (parse_u64("--long", optarg, 100000, &long_s)) return 2; break;
		case 'g': if (parse_u64("--gap", optarg, 100000, &gap_s)) return 2; break;
		case 'n': pcapng = true; break;
		case 'x': expect_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "mkflows: give one output file (try --help)\n");
		return 2;
	}
	path = argv[optind];
	rng = seed ? seed * 0x9e3779b97f4a7c15ULL : 0x9e3779b97f4a7c15ULL;
	if (!rng)
		rng = 1;

	many_flows(T0_NS + 500 * MS, many);
	tcp_sessions(T0_NS + 11 * NS);
	tcp_odd(T0_NS + 14 * NS);
	bulk(T0_NS + 12 * NS, bulk_bytes);
	udp_flows(T0_NS + 17 * NS);
	icmp_flows(T0_NS + 22 * NS);
	port_unreachable(T0_NS + 25 * NS);
	esp(T0_NS + 26 * NS);
	reuse(T0_NS + 40 * NS, gap_s * NS);
	long_flow(T0_NS + 20 * NS, long_s);
	long_tcp(T0_NS + 20 * NS + 500 * MS, long_s * 3 / 4);
	not_flows(T0_NS + 2 * NS);
	qsort(frames, nframes, sizeof(*frames), frame_cmp);

	err = capwrite_open(&cw, path, pcapng, "flows");
	if (err) {
		fprintf(stderr, "mkflows: cannot write %s: %s\n", path, strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < nframes && !err; i++)
		err = capwrite_put(cw, frames[i].ts, frames[i].data, frames[i].len);
	c = capwrite_close(cw);
	err = err ?: c;
	if (err) {
		fprintf(stderr, "mkflows: writing %s: %s\n", path, strerror(-err));
		return 1;
	}
	if (expect_path) {
		params = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "seed", (json_int_t)seed,
				   "many", (json_int_t)many, "bulk", (json_int_t)bulk_bytes,
				   "long_s", (json_int_t)long_s, "gap_s", (json_int_t)gap_s,
				   "t0_ns", (json_int_t)T0_NS);
		err = write_expect(expect_path, params);
		json_decref(params);
		if (err) {
			fprintf(stderr, "mkflows: writing %s: %s\n", expect_path, strerror(-err));
			return 1;
		}
	}
	printf("wrote %zu packets (%zu conversations) to %s\n", nframes, nconvs, path);
	return 0;
}
