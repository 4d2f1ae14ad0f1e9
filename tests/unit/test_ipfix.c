// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPFIX exporter (src/flow/ipfix.c) against RFC 7011, on the wire: every test
 * exports to a UDP socket on the loopback, receives the datagrams and decodes
 * them here, with a decoder of its own that knows only the RFC and the
 * Information Elements pktscope promises (the IANA numbers and lengths
 * below), then checks every field of every record against the flow record
 * it came from, the Set and Message lengths, padding, Sequence Numbers,
 * Export Times and when Templates are (re)sent.
 *
 * Needs no privilege: only loopback UDP sockets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>
#include "cmtest.h"
#include "ipfix.h"
#include "ipfixdec.h"
#include "pktscope/abi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define T0_NS 1700000000000000000ull /* 2023-11-14 22:13:20 UTC */
#define SEC 1000000000ull

/* The decoder (tests/tools/ipfixdec.c), failing the test where a Message
 * breaks the format. */
static void decode(struct coll *c, const uint8_t *buf, unsigned int len, struct dmsg *m)
{
	char err[256];

	if (ipfix_decode(c, buf, len, m, err, sizeof(err)))
		fail_msg("IPFIX Message of %u bytes: %s", len, err);
}

/* ------------------------------------------------------------ sockets */

struct sink {
	int fd;
	uint16_t port;
	char hp[64];
};

static void sink_open(struct sink *s, int af)
{
	struct timeval tv = { .tv_sec = 2 };
	int big = 8 << 20;

	memset(s, 0, sizeof(*s));
	s->fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	if (af == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t l = sizeof(a);

		assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &l), 0);
		s->port = ntohs(a.sin_port);
		snprintf(s->hp, sizeof(s->hp), "127.0.0.1:%u", s->port);
	} else {
		/* Dual stack on [::]: takes IPv4 (mapped) and IPv6 alike. */
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any };
		socklen_t l = sizeof(a);
		int off = 0;

		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &l), 0);
		s->port = ntohs(a.sin6_port);
		snprintf(s->hp, sizeof(s->hp), "[::1]:%u", s->port);
	}
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Tests send a whole run before reading it back. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
}

static void sink_close(struct sink *s)
{
	if (s->fd > 0)
		close(s->fd);
	s->fd = -1;
}

static unsigned int sink_recv(struct sink *s, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(s->fd, buf, cap, MSG_TRUNC);

	assert_true(n > 0);
	assert_true((size_t)n <= cap);
	return (unsigned int)n;
}

static void sink_expect_none(struct sink *s)
{
	uint8_t b[16];
	ssize_t n = recv(s->fd, b, sizeof(b), MSG_DONTWAIT);

	assert_int_equal(n, -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static uint8_t rxbuf[65536];

/* Receives and decodes the next Message. */
static void next_msg(struct sink *s, struct coll *c, struct dmsg *m)
{
	decode(c, rxbuf, sink_recv(s, rxbuf, sizeof(rxbuf)), m);
}

/* ------------------------------------------------------------ records */

static void set_addr(uint8_t *dst, int ver, const char *s)
{
	memset(dst, 0, 16);
	assert_int_equal(inet_pton(ver == 6 ? AF_INET6 : AF_INET, s, dst), 1);
}

static struct ps_flow_rec mkrec(int ver, uint8_t proto, const char *a, const char *b,
				uint16_t ap, uint16_t bp)
{
	struct ps_flow_rec r = { .ifindex = 7, .ip_ver = ver, .proto = proto,
				 .a_port = ap, .b_port = bp, .end = PS_FLOW_END_IDLE, .seq = 1 };

	set_addr(r.a_addr, ver, a);
	set_addr(r.b_addr, ver, b);
	r.ab = (struct ps_flow_side){ .packets = 10, .bytes = 1500, .first_ns = T0_NS + 123456789,
				      .last_ns = T0_NS + 5 * SEC + 987654321 };
	r.ba = (struct ps_flow_side){ .packets = 8, .bytes = 900, .first_ns = T0_NS + 223999999,
				      .last_ns = T0_NS + 5 * SEC + 887000001 };
	return r;
}

/* What one direction of r must decode to, from the RFC's definitions. */
static void check_uniflow(const struct drec *d, const struct ps_flow_rec *r, bool rev)
{
	const struct ps_flow_side *s = rev ? &r->ba : &r->ab;
	unsigned int alen = r->ip_ver == 6 ? 16 : 4;
	uint8_t icmp_proto = r->ip_ver == 6 ? 58 : 1;
	uint8_t want_end = r->end == PS_FLOW_END_NONE ? 2 : r->end;

	assert_int_equal(d->tmpl, r->ip_ver == 6 ? TMPL_V6 : TMPL_V4);
	assert_memory_equal(d->src, rev ? r->b_addr : r->a_addr, alen);
	assert_memory_equal(d->dst, rev ? r->a_addr : r->b_addr, alen);
	assert_int_equal(d->sport, rev ? r->b_port : r->a_port);
	assert_int_equal(d->dport, rev ? r->a_port : r->b_port);
	assert_int_equal(d->start_ms, s->first_ns / 1000000);
	assert_int_equal(d->end_ms, s->last_ns / 1000000);
	assert_int_equal(d->octets, s->bytes);
	assert_int_equal(d->packets, s->packets);
	assert_int_equal(d->ifindex, r->ifindex);
	assert_int_equal(d->proto, r->proto);
	assert_int_equal(d->flags, s->tcp_flags);
	assert_int_equal(d->icmp, r->proto == icmp_proto ? s->icmp_type * 256 + s->icmp_code : 0);
	assert_int_equal(d->end, want_end);
}

static void check_template(const struct coll *c, uint16_t id, const struct tfield *want, size_t n)
{
	const struct ttmpl *t = ipfix_coll_find(c, id);

	assert_non_null(t);
	assert_int_equal(t->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(t->f[i].id, want[i].id);
		assert_int_equal(t->f[i].len, want[i].len);
	}
}

static int xopen(struct ps_ipfix *x, const char *hp, const struct ps_ipfix_opts *o)
{
	int err = ps_ipfix_open(x, hp, o);

	assert_int_equal(err, 0);
	return err;
}

/* ------------------------------------------------------------ tests */

/* One TCP conversation, both directions: the Message, both Templates with
 * exactly pktscope's elements, and every field of both records. */
static void test_tcp_v4(void **state)
{
	struct ps_ipfix_opts o = { .domain_id = 0xdeadbeef };
	struct ps_flow_rec r = mkrec(4, 6, "192.0.2.1", "198.51.100.2", 40000, 443);
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;

	r.ab.tcp_flags = PS_TCP_SYN | PS_TCP_ACK | PS_TCP_PSH | PS_TCP_FIN;
	r.ba.tcp_flags = PS_TCP_SYN | PS_TCP_ACK | PS_TCP_RST | PS_TCP_CWR | PS_TCP_ECE;
	r.end = PS_FLOW_END_TCP;
	sink_open(&s, AF_INET);
	xopen(&x, s.hp, &o);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS + 7 * SEC + 999999999), 0);
	sink_expect_none(&s); /* buffered, not sent */
	assert_int_equal(ps_ipfix_flush(&x, T0_NS + 7 * SEC + 999999999), 0);
	next_msg(&s, &c, &m);

	assert_int_equal(m.export_s, T0_NS / SEC + 7);
	assert_int_equal(m.seq, 0);
	assert_int_equal(m.domain, 0xdeadbeef);
	assert_int_equal(m.ntmpl, 2);
	assert_false(m.data_before_tmpl);
	assert_int_equal(m.nsets, 2); /* Templates, IPv4 data */
	assert_int_equal(m.set_id[0], 2);
	assert_int_equal(m.set_id[1], TMPL_V4);
	check_template(&c, TMPL_V4, ipfix_want_v4, ARRAY_SIZE(ipfix_want_v4));
	check_template(&c, TMPL_V6, ipfix_want_v6, ARRAY_SIZE(ipfix_want_v6));
	assert_int_equal(m.length, ipfix_msize(true, 2, 0));
	assert_int_equal(m.nrec, 2);
	check_uniflow(&m.rec[0], &r, false);
	check_uniflow(&m.rec[1], &r, true);

	assert_int_equal(x.stats.messages, 1);
	assert_int_equal(x.stats.records, 2);
	assert_int_equal(x.stats.template_msgs, 1);
	assert_int_equal(x.stats.send_errors, 0);
	assert_int_equal(x.stats.records_lost, 0);
	ps_ipfix_close(&x);
	sink_expect_none(&s);
	sink_close(&s);
}

/* IPv6 to an IPv6 collector: UDP both ways, ICMPv6 echo, a one-way flow. */
static void test_v6(void **state)
{
	struct ps_flow_rec r[3] = {
		mkrec(6, 17, "2001:db8::1", "2001:db8:ffff::2", 5353, 53),
		mkrec(6, 58, "2001:db8::1", "fe80::1:2:3:4", 0, 0),
		mkrec(6, 17, "::ffff:192.0.2.1", "ff02::fb", 5353, 5353),
	};
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;

	r[0].end = PS_FLOW_END_FORCED;
	r[1].ab.icmp_type = 128;
	r[1].ba.icmp_type = 129;
	r[1].end = PS_FLOW_END_ACTIVE;
	r[2].ba = (struct ps_flow_side){ 0 }; /* one-way: one record */
	sink_open(&s, AF_INET6);
	xopen(&x, s.hp, NULL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ps_ipfix_add(&x, &r[i], T0_NS + 10 * SEC), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS + 10 * SEC), 0);
	next_msg(&s, &c, &m);
	assert_int_equal(m.domain, 0);
	assert_int_equal(m.nsets, 2);
	assert_int_equal(m.set_id[1], TMPL_V6);
	assert_int_equal(m.n6, 5);
	assert_int_equal(m.length, ipfix_msize(true, 0, 5));
	check_uniflow(&m.rec[0], &r[0], false);
	check_uniflow(&m.rec[1], &r[0], true);
	check_uniflow(&m.rec[2], &r[1], false);
	check_uniflow(&m.rec[3], &r[1], true);
	check_uniflow(&m.rec[4], &r[2], false);
	assert_int_equal(m.rec[2].icmp, 128 << 8);
	assert_int_equal(m.rec[3].icmp, 129 << 8);
	ps_ipfix_close(&x);
	sink_close(&s);
}

/* ICMP type and code; no ICMP value for other protocols, whatever the
 * record's icmp fields say; the type/code element of the record's family. */
static void test_icmp(void **state)
{
	struct ps_flow_rec r[4] = {
		mkrec(4, 1, "192.0.2.1", "192.0.2.2", 0, 0),
		mkrec(4, 1, "192.0.2.1", "192.0.2.3", 0, 0),
		mkrec(4, 6, "192.0.2.1", "192.0.2.4", 1, 2),
		mkrec(6, 58, "2001:db8::1", "2001:db8::2", 0, 0),
	};
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;

	r[0].ab.icmp_type = 8;  /* echo request, echo reply */
	r[0].ba.icmp_type = 0;
	r[1].ab.icmp_type = 3;  /* port unreachable, one way */
	r[1].ab.icmp_code = 3;
	r[1].ba = (struct ps_flow_side){ 0 };
	r[2].ab.icmp_type = 3;  /* not ICMP: must not show */
	r[2].ab.icmp_code = 1;
	r[3].ab.icmp_type = 1;  /* ICMPv6 destination unreachable, code 4 */
	r[3].ab.icmp_code = 4;
	r[3].ba.icmp_type = 255;
	r[3].ba.icmp_code = 255;
	sink_open(&s, AF_INET);
	xopen(&x, s.hp, NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ps_ipfix_add(&x, &r[i], T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	next_msg(&s, &c, &m);
	assert_int_equal(m.n4, 5);
	assert_int_equal(m.n6, 2);
	assert_int_equal(m.set_id[1], TMPL_V4); /* IPv4 Set, then IPv6 */
	assert_int_equal(m.set_id[2], TMPL_V6);
	check_uniflow(&m.rec[0], &r[0], false);
	check_uniflow(&m.rec[1], &r[0], true);
	check_uniflow(&m.rec[2], &r[1], false);
	check_uniflow(&m.rec[3], &r[2], false);
	check_uniflow(&m.rec[4], &r[2], true);
	check_uniflow(&m.rec[5], &r[3], false);
	check_uniflow(&m.rec[6], &r[3], true);
	assert_int_equal(m.rec[0].icmp, 0x0800);
	assert_int_equal(m.rec[2].icmp, 0x0303);
	assert_int_equal(m.rec[3].icmp, 0);
	assert_int_equal(m.rec[5].icmp, 0x0104);
	assert_int_equal(m.rec[6].icmp, 0xffff);
	ps_ipfix_close(&x);
	sink_close(&s);
}

/* Counters past 2^32 (and times, ports, ifindex at their limits) arrive
 * whole; flowEndReason as given, a snapshot as active timeout. */
static void test_limits(void **state)
{
	struct ps_flow_rec r = mkrec(4, 17, "255.255.255.255", "0.0.0.0", 65535, 1);
	struct ps_flow_rec r2 = mkrec(4, 17, "10.0.0.1", "10.0.0.2", 1, 65535);
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;

	r.ifindex = 0xffffffff;
	r.ab.bytes = (1ull << 40) + 5;
	r.ab.packets = (1ull << 33) + 1;
	r.ba.bytes = 0xffffffffffffffffull;
	r.ba.packets = 0x8000000000000001ull;
	r.ab.first_ns = 4102444800ull * SEC + 999999; /* 2100-01-01, under 1 ms */
	r.ab.last_ns = 4102444800ull * SEC + 1000000;
	r.end = PS_FLOW_END_NONE;
	r2.end = PS_FLOW_END_FORCED;
	sink_open(&s, AF_INET);
	xopen(&x, s.hp, NULL);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_add(&x, &r2, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	next_msg(&s, &c, &m);
	assert_int_equal(m.nrec, 4);
	check_uniflow(&m.rec[0], &r, false);
	check_uniflow(&m.rec[1], &r, true);
	check_uniflow(&m.rec[2], &r2, false);
	check_uniflow(&m.rec[3], &r2, true);
	assert_int_equal(m.rec[0].octets, (1ull << 40) + 5);
	assert_int_equal(m.rec[1].octets, 0xffffffffffffffffull);
	assert_int_equal(m.rec[0].start_ms, 4102444800000ull);
	assert_int_equal(m.rec[0].end_ms, 4102444800001ull);
	assert_int_equal(m.rec[0].end, 2);
	assert_int_equal(m.rec[2].end, 4);
	ps_ipfix_close(&x);
	sink_close(&s);
}

/* A conversation with no packets either way exports nothing; flush with
 * nothing buffered and no Templates due sends nothing. */
static void test_empty(void **state)
{
	struct ps_flow_rec r = mkrec(4, 6, "192.0.2.1", "192.0.2.2", 1, 2);
	struct ps_ipfix x;
	struct sink s;

	r.ab.packets = r.ba.packets = 0;
	sink_open(&s, AF_INET);
	xopen(&x, s.hp, NULL);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	sink_expect_none(&s);
	r.ip_ver = 5;
	r.ab.packets = 1;
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), -EINVAL);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	sink_expect_none(&s);
	assert_int_equal(x.stats.messages, 0);
	ps_ipfix_close(&x);
	assert_int_equal(x.stats.records_lost, 0);
	sink_close(&s);
}

/* One uniflow as it was added: its record and which direction. */
struct uf {
	const struct ps_flow_rec *r;
	bool rev;
};

/* Many records, IPv4 and IPv6 interleaved, at a given Message size: every
 * Message within the size, filled until the next record would not fit,
 * every record exactly once and in order, Sequence Numbers counting the
 * Data Records of the Messages before. */
static void run_many(unsigned int max_msg, unsigned int nconv)
{
	struct ps_ipfix_opts o = { .max_msg = max_msg, .refresh_msgs = 1000 };
	struct ps_flow_rec *r = calloc(nconv, sizeof(*r));
	struct uf *u = calloc(2 * nconv, sizeof(*u));
	unsigned int nu = 0, next = 0, nmsg = 0, i;
	uint32_t seq = 0;
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;
	char a[64], b[64];

	assert_non_null(r);
	assert_non_null(u);
	for (i = 0; i < nconv; i++) {
		int ver = i % 3 == 1 ? 6 : 4;
		uint8_t proto = (uint8_t[]){ 6, 17, 1 }[i % 4 % 3];

		if (ver == 6) {
			snprintf(a, sizeof(a), "2001:db8::%x", i + 1);
			snprintf(b, sizeof(b), "2001:db8:1::%x", i * 7 + 1);
			proto = proto == 1 ? 58 : proto;
		} else {
			snprintf(a, sizeof(a), "10.%u.%u.1", i / 256, i % 256);
			snprintf(b, sizeof(b), "172.16.%u.%u", i % 256, i / 256);
		}
		r[i] = mkrec(ver, proto, a, b, proto == 1 || proto == 58 ? 0 : 1024 + i,
			     proto == 1 || proto == 58 ? 0 : 80 + i % 7);
		r[i].ifindex = i;
		r[i].ab.packets = i + 1;
		r[i].ab.bytes = (uint64_t)i * 1000003 + (i % 5 == 0 ? 1ull << 32 : 0);
		r[i].ab.tcp_flags = proto == 6 ? i & 0xff : 0;
		r[i].ab.icmp_type = proto == 1 || proto == 58 ? i % 256 : 0;
		r[i].ba.packets = i % 4 == 3 ? 0 : i + 2;
		r[i].ba.bytes = i * 77;
		r[i].end = 1 + i % 4;
		u[nu++] = (struct uf){ &r[i], false };
		if (r[i].ba.packets)
			u[nu++] = (struct uf){ &r[i], true };
	}

	sink_open(&s, AF_INET);
	xopen(&x, s.hp, &o);
	for (i = 0; i < nconv; i++)
		assert_int_equal(ps_ipfix_add(&x, &r[i], T0_NS + i * 1000000ull), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS + nconv * 1000000ull), 0);

	while (next < nu) {
		unsigned int k4 = 0, k6 = 0, j;

		next_msg(&s, &c, &m);
		nmsg++;
		assert_true(m.length <= max_msg);
		assert_int_equal(m.length, ipfix_msize(m.ntmpl > 0, m.n4, m.n6));
		assert_int_equal(m.ntmpl, nmsg == 1 ? 2 : 0);
		assert_int_equal(m.seq, seq);
		seq += m.nrec;
		assert_true(next + m.nrec <= nu);
		/* The next m.nrec uniflows, IPv4 ones in the IPv4 Set and IPv6
		 * ones in the IPv6 Set, each in the order added. */
		for (j = 0; j < m.nrec; j++) {
			const struct uf *e = &u[next + j];

			if (e->r->ip_ver == 4)
				check_uniflow(&m.rec[k4++], e->r, e->rev);
			else
				check_uniflow(&m.rec[m.n4 + k6++], e->r, e->rev);
		}
		assert_int_equal(k4, m.n4);
		assert_int_equal(k6, m.n6);
		next += m.nrec;
		/* Full: the record after it would not have fitted. */
		if (next < nu) {
			bool v6 = u[next].r->ip_ver == 6;

			assert_true(ipfix_msize(m.ntmpl > 0, m.n4 + !v6, m.n6 + v6) > max_msg);
		}
	}
	sink_expect_none(&s);
	assert_int_equal(x.stats.messages, nmsg);
	assert_int_equal(x.stats.records, nu);
	assert_int_equal(x.stats.records_lost, 0);
	print_message("# max_msg %u: %u conversations, %u records in %u messages\n", max_msg,
		      nconv, nu, nmsg);
	ps_ipfix_close(&x);
	sink_close(&s);
	free(r);
	free(u);
}

static void test_many_default(void **state)
{
	run_many(PS_IPFIX_DEFAULT_MAX_MSG, 500);
}

static void test_many_smallest(void **state)
{
	run_many(ipfix_msize(true, 0, 1), 60); /* the Templates and one IPv6 record */
}

static void test_many_largest(void **state)
{
	run_many(65507, 1000);
}

/* Templates in every refresh_msgs-th Message; Data Records' Template
 * unchanged between. */
static void test_refresh_msgs(void **state)
{
	struct ps_ipfix_opts o = { .refresh_msgs = 3, .refresh_s = 3600 };
	struct ps_flow_rec r = mkrec(4, 17, "192.0.2.1", "192.0.2.2", 1, 2);
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;

	sink_open(&s, AF_INET);
	xopen(&x, s.hp, &o);
	for (unsigned int i = 0; i < 10; i++) {
		assert_int_equal(ps_ipfix_add(&x, &r, T0_NS + i * SEC), 0);
		assert_int_equal(ps_ipfix_flush(&x, T0_NS + i * SEC), 0);
		next_msg(&s, &c, &m);
		assert_int_equal(m.ntmpl, i % 3 == 0 ? 2 : 0);
		assert_int_equal(m.nsets, i % 3 == 0 ? 2 : 1);
		assert_int_equal(m.seq, 2 * i);
		assert_int_equal(m.export_s, T0_NS / SEC + i);
		check_uniflow(&m.rec[0], &r, false);
	}
	assert_int_equal(x.stats.template_msgs, 4);
	ps_ipfix_close(&x);
	sink_close(&s);
}

/* Templates again once refresh_s has passed, in a data Message or, with
 * no data, alone; a clock that went back resends them and the Export Time
 * does not go back. */
static void test_refresh_time(void **state)
{
	struct ps_ipfix_opts o = { .refresh_s = 10, .refresh_msgs = 1000 };
	struct ps_flow_rec r = mkrec(6, 6, "2001:db8::1", "2001:db8::2", 1, 2);
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;
	struct {
		uint64_t t;     /* ns after T0 */
		bool add;       /* a record, or a flush of nothing */
		int tmpl;       /* -1: no Message at all */
		uint32_t seq, export_s;
	} steps[] = {
		{ 0, true, 2, 0, 0 },
		{ 9 * SEC + 999999999, true, 0, 2, 9 },
		{ 10 * SEC, true, 2, 4, 10 },
		{ 15 * SEC, false, -1, 0, 0 },
		{ 19 * SEC, true, 0, 6, 19 },
		{ 20 * SEC, false, 2, 8, 20 },  /* Templates alone */
		{ 21 * SEC, true, 0, 8, 21 },
		{ 25 * SEC, false, -1, 0, 0 },
		{ 5 * SEC, true, 2, 10, 21 },   /* clock back 20 s */
		{ 6 * SEC, true, 0, 12, 21 },
	};

	sink_open(&s, AF_INET);
	xopen(&x, s.hp, &o);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (steps[i].add)
			assert_int_equal(ps_ipfix_add(&x, &r, T0_NS + steps[i].t), 0);
		assert_int_equal(ps_ipfix_flush(&x, T0_NS + steps[i].t), 0);
		if (steps[i].tmpl < 0) {
			sink_expect_none(&s);
			continue;
		}
		next_msg(&s, &c, &m);
		print_message("# step %zu: %u templates, seq %u, export +%u s\n", i, m.ntmpl, m.seq,
			      (unsigned int)(m.export_s - T0_NS / SEC));
		assert_int_equal(m.ntmpl, steps[i].tmpl);
		assert_int_equal(m.seq, steps[i].seq);
		assert_int_equal(m.export_s, T0_NS / SEC + steps[i].export_s);
		assert_int_equal(m.nrec, steps[i].add ? 2 : 0);
		assert_int_equal(m.length, ipfix_msize(m.ntmpl > 0, 0, steps[i].add ? 2 : 0));
	}
	assert_int_equal(x.stats.messages, 8);
	assert_int_equal(x.stats.template_msgs, 4);
	ps_ipfix_close(&x);
	sink_close(&s);
}

/* The Sequence Number wraps modulo 2^32 (white box: it starts near the
 * top). */
static void test_seq_wrap(void **state)
{
	struct ps_flow_rec r = mkrec(4, 17, "192.0.2.1", "192.0.2.2", 1, 2);
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;

	sink_open(&s, AF_INET);
	xopen(&x, s.hp, NULL);
	x.seq = UINT32_MAX - 2;
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	next_msg(&s, &c, &m);
	assert_int_equal(m.seq, UINT32_MAX - 2);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	next_msg(&s, &c, &m);
	assert_int_equal(m.seq, 1);
	ps_ipfix_close(&x);
	sink_close(&s);
}

/* A collector that goes away: the kernel takes the next Message (the port
 * unreachable comes back after), refuses the one after, whose records are
 * counted lost; once the collector is back it gets Messages again, whose
 * Sequence Number shows the gap, and the Templates again since the last
 * ones that went out may have been lost with it. */
static void test_send_error(void **state)
{
	struct ps_ipfix_opts o = { .refresh_msgs = 2 };
	struct ps_flow_rec r = mkrec(4, 6, "192.0.2.1", "192.0.2.2", 1, 2);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;
	unsigned int adds;
	int err;

	sink_open(&s, AF_INET);
	a.sin_port = htons(s.port);
	xopen(&x, s.hp, &o);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	next_msg(&s, &c, &m); /* seq 0, Templates */
	assert_int_equal(m.ntmpl, 2);
	sink_close(&s);

	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0); /* seq 2: into the void */
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	err = ps_ipfix_flush(&x, T0_NS);                /* seq 4: refused */
	assert_int_equal(err, -ECONNREFUSED);
	assert_int_equal(x.stats.messages, 2);
	assert_int_equal(x.stats.records, 4);
	assert_int_equal(x.stats.send_errors, 1);
	assert_int_equal(x.stats.records_lost, 2);
	assert_int_equal(x.stats.last_error, -ECONNREFUSED);

	/* Back on the same port. */
	s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s.fd >= 0);
	assert_int_equal(bind(s.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	next_msg(&s, &c, &m);
	assert_int_equal(m.seq, 6);
	assert_int_equal(m.ntmpl, 2); /* the refused Message was to carry them */
	check_uniflow(&m.rec[0], &r, false);
	assert_int_equal(x.stats.messages, 3);
	assert_int_equal(x.stats.records_lost, 2);

	/* A send error while adding: the failed Message's records are lost,
	 * the record being added is kept for the next Message.  (With the
	 * collector gone the kernel again takes one Message, then refuses
	 * one.) */
	sink_close(&s);
	err = 0;
	for (adds = 0; adds < 1000 && !err; adds++)
		err = ps_ipfix_add(&x, &r, T0_NS);
	assert_int_equal(err, -ECONNREFUSED);
	assert_int_equal(x.stats.send_errors, 2);
	assert_true(x.n4 > 0);
	ps_ipfix_close(&x);
	/* Nothing vanished: every record is either sent or counted lost. */
	assert_int_equal(x.stats.records + x.stats.records_lost, 2 * (4 + adds));
	print_message("# %u conversations added: %llu records sent, %llu lost\n", adds,
		      (unsigned long long)x.stats.records, (unsigned long long)x.stats.records_lost);
}

/* Records still buffered at close are counted lost. */
static void test_close_unflushed(void **state)
{
	struct ps_flow_rec r = mkrec(6, 17, "2001:db8::1", "2001:db8::2", 1, 2);
	struct ps_ipfix x;
	struct sink s;

	sink_open(&s, AF_INET);
	xopen(&x, s.hp, NULL);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	ps_ipfix_close(&x);
	assert_int_equal(x.stats.records_lost, 2);
	assert_int_equal(x.stats.messages, 0);
	ps_ipfix_close(&x); /* twice is harmless */
	sink_expect_none(&s);
	sink_close(&s);
}

/* A host name resolves (/etc/hosts' localhost: IPv4 or IPv6, the sink
 * takes both). */
static void test_name(void **state)
{
	struct ps_flow_rec r = mkrec(4, 17, "192.0.2.1", "192.0.2.2", 1, 2);
	struct ps_ipfix x;
	struct coll c = { 0 };
	static struct dmsg m;
	struct sink s;
	char hp[64];

	sink_open(&s, AF_INET6);
	snprintf(hp, sizeof(hp), "localhost:%u", s.port);
	xopen(&x, hp, NULL);
	assert_int_equal(ps_ipfix_add(&x, &r, T0_NS), 0);
	assert_int_equal(ps_ipfix_flush(&x, T0_NS), 0);
	next_msg(&s, &c, &m);
	assert_int_equal(m.nrec, 2);
	ps_ipfix_close(&x);
	sink_close(&s);
}

/* Runs ps_ipfix_open with stderr captured; returns its result. */
static int open_captured(const char *hp, const struct ps_ipfix_opts *o, char *err, size_t cap)
{
	struct ps_ipfix x;
	FILE *tmp = tmpfile();
	int saved, ret;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	ret = ps_ipfix_open(&x, hp, o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, cap - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	if (!ret)
		ps_ipfix_close(&x);
	return ret;
}

/* Every bad HOST:PORT or option: -EINVAL and exactly one line saying so. */
static void test_bad_args(void **state)
{
	static const char *bad[] = {
		"127.0.0.1", "127.0.0.1:", ":4739", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:47x9", "127.0.0.1:-1", "127.0.0.1: 4739", "::1:4739", "[::1]4739",
		"[::1]", "[::1:4739", "[]:4739", "2001:db8::1", "",
	};
	struct ps_ipfix_opts small = { .max_msg = ipfix_msize(true, 0, 1) - 1 };
	struct ps_ipfix_opts large = { .max_msg = 65508 };
	struct ps_ipfix_opts ok = { .max_msg = ipfix_msize(true, 0, 1) };
	char err[1024];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = open_captured(bad[i], NULL, err, sizeof(err));

		print_message("# '%s': %s", bad[i], err);
		assert_int_equal(ret, -EINVAL);
		assert_true(!strncmp(err, "pktscope: ", 10));
		assert_non_null(strchr(err, '\n'));
		assert_int_equal(strchr(err, '\n')[1], '\0');
	}
	assert_int_equal(open_captured("127.0.0.1:4739", &small, err, sizeof(err)), -EINVAL);
	print_message("# %s", err);
	assert_true(!strncmp(err, "pktscope: ", 10));
	assert_int_equal(open_captured("127.0.0.1:4739", &large, err, sizeof(err)), -EINVAL);
	assert_int_equal(open_captured("127.0.0.1:4739", &ok, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(open_captured("[::1]:4739", NULL, err, sizeof(err)), 0);
	assert_int_equal(open_captured("localhost:4739", NULL, err, sizeof(err)), 0);
}

int main(void)
{
	struct CMUnitTest tests[32];
	size_t n = 0;
	int ret;

	add_test(tests, &n, test_tcp_v4, NULL, "tcp_v4_both_directions");
	add_test(tests, &n, test_v6, NULL, "ipv6_to_ipv6_collector");
	add_test(tests, &n, test_icmp, NULL, "icmp_type_code");
	add_test(tests, &n, test_limits, NULL, "limits_big_counters_end_reason");
	add_test(tests, &n, test_empty, NULL, "nothing_to_send");
	add_test(tests, &n, test_many_default, NULL, "message_size_1400");
	add_test(tests, &n, test_many_smallest, NULL, "message_size_smallest");
	add_test(tests, &n, test_many_largest, NULL, "message_size_largest");
	add_test(tests, &n, test_refresh_msgs, NULL, "template_refresh_by_messages");
	add_test(tests, &n, test_refresh_time, NULL, "template_refresh_by_time");
	add_test(tests, &n, test_seq_wrap, NULL, "sequence_wraps");
	add_test(tests, &n, test_send_error, NULL, "send_errors_counted");
	add_test(tests, &n, test_close_unflushed, NULL, "close_counts_unflushed");
	add_test(tests, &n, test_name, NULL, "host_name");
	add_test(tests, &n, test_bad_args, NULL, "bad_arguments");

	ret = _cmocka_run_group_tests("ipfix", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	return ret;
}
