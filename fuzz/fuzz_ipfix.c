// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The IPFIX exporter (src/flow/ipfix.c) on any flow records, options and clock:
 * every Message it sends to a loopback UDP collector is decoded by the
 * tests' RFC 7011 decoder (tests/tools/ipfixdec.c) and compared with the
 * records handed over.
 *
 * The input: the options (Observation Domain, Message size, in range or
 * not, Template refresh), the collector's family, then a script of
 * records to add and flushes, each at a time of its own (forwards,
 * backwards, far).  Checked, from RFC 7011 and ipfix.h alone:
 *  - ps_ipfix_open() takes exactly the Message sizes ipfix.h allows;
 *  - each Message decodes, is at most the size asked, is Templates and a
 *    Data Set per family, in that order, the first one with Templates,
 *    never more than refresh_msgs - 1 without in a row;
 *  - a Message sent to make room is full: the record that did not fit
 *    would not have;
 *  - Sequence Numbers count the Data Records sent before, Export Times
 *    never go back and are the caller's clock when it does not;
 *  - every direction with packets of every IPv4 or IPv6 record is one
 *    Data Record, in order within its family, with every field as the
 *    record says; other records are refused with -EINVAL;
 *  - the counts: every record sent or, at close, lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "ipfix.h"
#include "ipfixdec.h"
#include "fuzz.h"

#define MAX_UF 2048
#define MIN_MSG (16 + TMPL_SET_LEN + ((4 + REC_V6 + 3) & ~3u))

struct uf {
	struct ps_flow_rec r;
	bool rev;
};

struct run {
	struct uf uf[MAX_UF];
	size_t nuf;            /* uniflows handed over */
	size_t got4, got6;     /* of each family, decoded so far */
	size_t idx4[MAX_UF], idx6[MAX_UF], n4, n6; /* uniflows of each family, in order */
	__u32 max_msg, refresh_msgs;
	__u32 domain;
	__u32 seq;             /* Data Records decoded */
	__u32 last_export;
	__u64 msgs, tmpl_msgs;
	unsigned int since_tmpl;
	struct coll c;
	bool pending_full;     /* the last Message was sent to make room */
	unsigned int full_tmpl, full_n4, full_n6;
};

static int sock[2] = { -1, -1 }; /* IPv4, IPv6 collectors */
static char hostport[2][64];
static uint8_t rx[65536];
static struct dmsg msg;

static void sink_open(int v6)
{
	int big = 8 << 20, off = 0;

	sock[v6] = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock[v6] < 0)
		fz_fail("socket: %s", strerror(errno));
	if (v6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = in6addr_loopback };
		socklen_t l = sizeof(a);

		setsockopt(sock[v6], IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (bind(sock[v6], (struct sockaddr *)&a, sizeof(a)) ||
		    getsockname(sock[v6], (struct sockaddr *)&a, &l))
			fz_fail("bind [::1]: %s", strerror(errno));
		snprintf(hostport[v6], sizeof(hostport[v6]), "[::1]:%u", ntohs(a.sin6_port));
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t l = sizeof(a);

		if (bind(sock[v6], (struct sockaddr *)&a, sizeof(a)) ||
		    getsockname(sock[v6], (struct sockaddr *)&a, &l))
			fz_fail("bind 127.0.0.1: %s", strerror(errno));
		snprintf(hostport[v6], sizeof(hostport[v6]), "127.0.0.1:%u", ntohs(a.sin_port));
	}
	if (setsockopt(sock[v6], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(sock[v6], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
}

static void check_rec(const struct drec *d, const struct uf *u, size_t k)
{
	const struct ps_flow_rec *r = &u->r;
	const struct ps_flow_side *s = u->rev ? &r->ba : &r->ab;
	unsigned int alen = r->ip_ver == 6 ? 16 : 4;
	uint8_t icmp_proto = r->ip_ver == 6 ? 58 : 1;
	uint8_t want_end = r->end == PS_FLOW_END_NONE ? PS_FLOW_END_ACTIVE : (uint8_t)r->end;

	if (d->tmpl != (r->ip_ver == 6 ? TMPL_V6 : TMPL_V4) ||
	    memcmp(d->src, u->rev ? r->b_addr : r->a_addr, alen) ||
	    memcmp(d->dst, u->rev ? r->a_addr : r->b_addr, alen) ||
	    d->sport != (u->rev ? r->b_port : r->a_port) ||
	    d->dport != (u->rev ? r->a_port : r->b_port) || d->start_ms != s->first_ns / 1000000 ||
	    d->end_ms != s->last_ns / 1000000 || d->octets != s->bytes ||
	    d->packets != s->packets || d->ifindex != r->ifindex || d->proto != r->proto ||
	    d->flags != s->tcp_flags ||
	    d->icmp != (r->proto == icmp_proto ? s->icmp_type * 256 + s->icmp_code : 0) ||
	    d->end != want_end)
		fz_fail("Data Record of uniflow %zu (IPv%u proto %u %s) decodes to other values: "
			"ports %u>%u, ms %llu-%llu, octets %llu, packets %llu, if %u, flags %#x, "
			"icmp %#x, end %u", k, r->ip_ver, r->proto, u->rev ? "b->a" : "a->b", d->sport,
			d->dport, (unsigned long long)d->start_ms, (unsigned long long)d->end_ms,
			(unsigned long long)d->octets, (unsigned long long)d->packets, d->ifindex,
			d->flags, d->icmp, d->end);
}

static void check_templates(const struct coll *c)
{
	static const struct {
		uint16_t id;
		const struct tfield *f;
	} want[] = { { TMPL_V4, ipfix_want_v4 }, { TMPL_V6, ipfix_want_v6 } };

	for (size_t k = 0; k < 2; k++) {
		const struct ttmpl *t = ipfix_coll_find(c, want[k].id);

		if (!t || t->n != IPFIX_NFIELDS)
			fz_fail("Template %u missing or of %u fields", want[k].id, t ? t->n : 0);
		for (unsigned int i = 0; i < IPFIX_NFIELDS; i++)
			if (t->f[i].id != want[k].f[i].id || t->f[i].len != want[k].f[i].len)
				fz_fail("Template %u field %u is element %u of %u bytes", want[k].id, i,
					t->f[i].id, t->f[i].len);
	}
}

/* Takes every Message waiting: 'now' is the clock of the call that sent
 * them, 'by_flush' whether that call was a flush. */
static void drain(struct run *rn, int v6, __u64 now, bool by_flush)
{
	char err[256];
	ssize_t len;

	while ((len = recv(sock[v6], rx, sizeof(rx), MSG_DONTWAIT | MSG_TRUNC)) > 0) {
		__u32 want_export = (__u32)(now / 1000000000ull);
		unsigned int k4 = 0, k6 = 0;

		if ((size_t)len > sizeof(rx))
			fz_fail("a datagram of %zd bytes", len);
		if (ipfix_decode(&rn->c, rx, len, &msg, err, sizeof(err)))
			fz_fail("Message %llu does not decode: %s", (unsigned long long)rn->msgs + 1, err);
		rn->msgs++;
		/* The Message before was sent to make room: this one's first
		 * record is the one that did not fit there. */
		if (rn->pending_full && msg.nrec) {
			/* Its first record staged: the earlier of its first
			 * IPv4 and first IPv6 ones. */
			bool nv6 = !msg.n4 || (msg.n6 && rn->idx6[rn->got6] < rn->idx4[rn->got4]);

			if (ipfix_msize(rn->full_tmpl, rn->full_n4 + !nv6, rn->full_n6 + nv6) <=
			    rn->max_msg)
				fz_fail("Message %llu went out with room for the next record",
					(unsigned long long)rn->msgs - 1);
		}
		rn->pending_full = false;
		if (msg.length > rn->max_msg)
			fz_fail("Message of %u bytes, max_msg %u", msg.length, rn->max_msg);
		if (msg.length != ipfix_msize(msg.ntmpl > 0, msg.n4, msg.n6))
			fz_fail("Message of %u bytes for %u Templates, %u and %u records", msg.length,
				msg.ntmpl, msg.n4, msg.n6);
		if (msg.data_before_tmpl || (msg.ntmpl && msg.ntmpl != 2) ||
		    (msg.ntmpl && msg.set_id[0] != 2))
			fz_fail("Templates: %u, not first in the Message", msg.ntmpl);
		if (msg.nsets > 3 || (msg.n4 && msg.n6 && msg.set_id[msg.nsets - 1] != TMPL_V6))
			fz_fail("Sets out of order");
		if (rn->msgs == 1 && !msg.ntmpl)
			fz_fail("the first Message has no Templates");
		if (msg.ntmpl) {
			check_templates(&rn->c);
			rn->tmpl_msgs++;
			rn->since_tmpl = 0;
		} else if (++rn->since_tmpl >= rn->refresh_msgs) {
			fz_fail("%u Messages without Templates, refresh_msgs %u", rn->since_tmpl,
				rn->refresh_msgs);
		}
		if (msg.seq != rn->seq)
			fz_fail("Sequence Number %u after %u Data Records", msg.seq, rn->seq);
		if (msg.domain != rn->domain)
			fz_fail("Observation Domain %u, want %u", msg.domain, rn->domain);
		if (msg.export_s < rn->last_export)
			fz_fail("Export Time %u after %u", msg.export_s, rn->last_export);
		if (msg.export_s != (want_export > rn->last_export ? want_export : rn->last_export))
			fz_fail("Export Time %u at %u s (last %u)", msg.export_s, want_export,
				rn->last_export);
		rn->last_export = msg.export_s;
		for (unsigned int i = 0; i < msg.nrec; i++) {
			const struct drec *d = &msg.rec[i];

			if (d->tmpl == TMPL_V4) {
				if (rn->got4 == rn->n4)
					fz_fail("more IPv4 Data Records than IPv4 uniflows");
				check_rec(d, &rn->uf[rn->idx4[rn->got4]], rn->idx4[rn->got4]);
				rn->got4++;
				k4++;
			} else {
				if (rn->got6 == rn->n6)
					fz_fail("more IPv6 Data Records than IPv6 uniflows");
				check_rec(d, &rn->uf[rn->idx6[rn->got6]], rn->idx6[rn->got6]);
				rn->got6++;
				k6++;
			}
		}
		rn->seq += msg.nrec;
		/* Within a call, only the last Message can be the one a flush
		 * sent; the others were sent to make room. */
		rn->pending_full = !by_flush;
		rn->full_tmpl = msg.ntmpl > 0;
		rn->full_n4 = msg.n4;
		rn->full_n6 = msg.n6;
	}
}

static void pick_side(struct fz *f, struct ps_flow_side *s)
{
	s->packets = fz_u8(f) < 64 ? 0 : fz_u8(f) < 16 ? fz_u64(f) : fz_u16(f);
	s->bytes = fz_u8(f) < 16 ? fz_u64(f) : fz_u32(f);
	s->first_ns = fz_u8(f) < 16 ? fz_u64(f) : 1700000000000000000ull + fz_u32(f) * 1000ull;
	s->last_ns = s->first_ns + fz_u32(f);
	s->tcp_flags = fz_u8(f);
	s->icmp_type = fz_u8(f);
	s->icmp_code = fz_u8(f);
}

static void pick_rec(struct fz *f, struct ps_flow_rec *r)
{
	static const __u8 protos[] = { 6, 17, 1, 58, 132, 47 };
	__u8 sel = fz_u8(f);
	const __u8 *p;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->ip_ver = sel < 8 ? fz_u8(f) : sel & 1 ? 6 : 4;
	r->proto = fz_u8(f) < 32 ? fz_u8(f) : protos[fz_u8(f) % 6];
	r->ifindex = fz_u8(f) < 16 ? fz_u32(f) : fz_u8(f);
	n = fz_take(f, 16, &p);
	memcpy(r->a_addr, p, n);
	n = fz_take(f, 16, &p);
	memcpy(r->b_addr, p, n);
	if (r->ip_ver == 4) { /* IPv4 addresses in the first 4 bytes */
		memset(r->a_addr + 4, 0, 12);
		memset(r->b_addr + 4, 0, 12);
	}
	r->a_port = fz_u16(f);
	r->b_port = fz_u16(f);
	pick_side(f, &r->ab);
	pick_side(f, &r->ba);
	r->rtt_ns = fz_u32(f);
	r->end = fz_u8(f) < 8 ? (enum ps_flow_end)fz_u8(f) : (enum ps_flow_end)(fz_u8(f) % 5);
	r->seq = fz_u32(f);
}

static __u64 pick_now(struct fz *f, __u64 *clock)
{
	switch (fz_u8(f) % 8) {
	case 0: /* back */
		*clock -= fz_u32(f) * 1000ull;
		break;
	case 1: /* anywhere (but 0: the exporter would read the real clock) */
		*clock = fz_u64(f) | 1;
		break;
	case 2: /* a long way on: a refresh by time */
		*clock += (__u64)fz_u16(f) * 1000000000ull;
		break;
	default:
		*clock += fz_u32(f);
	}
	if (!*clock)
		*clock = 1;
	return *clock;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run rn;
	struct ps_ipfix_opts o = {};
	struct ps_ipfix x;
	__u64 clock = 1700000000000000000ull, now = clock;
	bool v6c, want_open;
	struct fz f;
	int err;

	fz_init(&f, data, size);
	memset(&rn, 0, sizeof(rn));
	o.domain_id = fz_u32(&f);
	switch (fz_u8(&f) % 4) {
	case 0:
		o.max_msg = 0; /* the default */
		break;
	case 1:
		o.max_msg = fz_range(&f, MIN_MSG - 8, MIN_MSG + 400);
		break;
	case 2:
		o.max_msg = fz_range(&f, 65507 - 200, 65507 + 8);
		break;
	default:
		o.max_msg = fz_range(&f, 1, 70000);
	}
	o.refresh_s = fz_u8(&f) < 64 ? 0 : fz_range(&f, 1, 3600);
	o.refresh_msgs = fz_u8(&f) < 64 ? 0 : fz_range(&f, 1, 50);
	v6c = fz_bool(&f);
	if (sock[v6c] < 0)
		sink_open(v6c);
	while (recv(sock[v6c], rx, sizeof(rx), MSG_DONTWAIT) > 0)
		;
	rn.max_msg = o.max_msg ? o.max_msg : PS_IPFIX_DEFAULT_MAX_MSG;
	rn.refresh_msgs = o.refresh_msgs ? o.refresh_msgs : PS_IPFIX_DEFAULT_REFRESH_MSGS;
	rn.domain = o.domain_id;
	want_open = rn.max_msg >= MIN_MSG && rn.max_msg <= 65507;
	err = ps_ipfix_open(&x, hostport[v6c], &o);
	if (!want_open) {
		if (err != -EINVAL)
			fz_fail("max_msg %u is out of range, ps_ipfix_open() says %d", rn.max_msg, err);
		return 0;
	}
	if (err)
		fz_fail("ps_ipfix_open(%s, max_msg %u): %d", hostport[v6c], rn.max_msg, err);

	while (f.n && rn.nuf + 2 <= MAX_UF) {
		if (fz_u8(&f) % 4 == 0) {
			now = pick_now(&f, &clock);
			err = ps_ipfix_flush(&x, now);
			if (err)
				fz_fail("ps_ipfix_flush: %d", err);
			drain(&rn, v6c, now, true);
			continue;
		}
		struct ps_flow_rec r;

		pick_rec(&f, &r);
		now = pick_now(&f, &clock);
		err = ps_ipfix_add(&x, &r, now);
		if (r.ip_ver != 4 && r.ip_ver != 6) {
			if (err != -EINVAL)
				fz_fail("an IPv%u record: ps_ipfix_add() says %d", r.ip_ver, err);
			continue;
		}
		if (err)
			fz_fail("ps_ipfix_add: %d", err);
		for (int rev = 0; rev < 2; rev++) {
			if (!(rev ? r.ba.packets : r.ab.packets))
				continue;
			rn.uf[rn.nuf] = (struct uf){ r, rev };
			if (r.ip_ver == 6)
				rn.idx6[rn.n6++] = rn.nuf;
			else
				rn.idx4[rn.n4++] = rn.nuf;
			rn.nuf++;
		}
		drain(&rn, v6c, now, false);
	}
	if (fz_bool(&f)) {
		now = pick_now(&f, &clock);
		if (ps_ipfix_flush(&x, now))
			fz_fail("the last flush failed");
		drain(&rn, v6c, now, true);
	}
	/* Whatever the last record staged was, the Message it waits in has
	 * not gone out: no fullness to check. */
	rn.pending_full = false;
	ps_ipfix_close(&x);
	drain(&rn, v6c, now, true);
	if (x.stats.send_errors || x.stats.last_error)
		fz_fail("%llu send errors on the loopback", (unsigned long long)x.stats.send_errors);
	if (x.stats.messages != rn.msgs || x.stats.template_msgs != rn.tmpl_msgs)
		fz_fail("stats: %llu Messages (%llu with Templates), %llu decoded (%llu)",
			(unsigned long long)x.stats.messages, (unsigned long long)x.stats.template_msgs,
			(unsigned long long)rn.msgs, (unsigned long long)rn.tmpl_msgs);
	if (x.stats.records != rn.got4 + rn.got6 || x.stats.records + x.stats.records_lost != rn.nuf)
		fz_fail("stats: %llu records sent and %llu lost, %zu decoded of %zu",
			(unsigned long long)x.stats.records, (unsigned long long)x.stats.records_lost,
			rn.got4 + rn.got6, rn.nuf);
	return 0;
}
