// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IPFIX exporter (RFC 7011) over UDP.
 *
 * A Message is: the 16-byte header, then, when they are due, one Template
 * Set holding both Templates, then up to one Data Set per Template.  Records
 * are staged per Set and the Message is assembled when it is sent, so that
 * IPv4 and IPv6 records arriving interleaved still make two Sets, not one
 * Set (4 bytes of header) per change of family.
 *
 * Uniflows, not biflows: each direction of a conversation is its own Data
 * Record with its own source and destination.  RFC 5103 biflows (reverse
 * Information Elements under Private Enterprise Number 29305) would carry a
 * conversation in one record, but the collectors do not understand them:
 * nfcapd 1.7.1 maps only the reverse packet and octet counters (into its
 * "out" counters) and drops the reverse flags, times and ICMP type; pmacct
 * 1.7.7 knows only Cisco ASA's initiator/responder counters, not PEN 29305.
 *
 * The Information Elements (IANA numbers) and why each is there:
 *   flowStartMilliseconds(152), flowEndMilliseconds(153): absolute times
 *     in ms, decoded as such by both collectors; the sysUpTime-relative
 *     elements (22, 21) would only add an exporter uptime to carry along.
 *   octetDeltaCount(1), packetDeltaCount(2): 8 bytes each, so counters
 *     past 2^32 (a 4 GiB flow between two records) arrive whole; both
 *     collectors read 8-byte counters.  Delta, because ps_flow_rec counts
 *     since the conversation's previous record.
 *   ingressInterface(10): the ifindex the conversation was seen on.
 *     ps_flow_rec has one ifindex per conversation and does not say which
 *     direction entered the host through it, so both records carry it here,
 *     the element nfdump ("in") and pmacct (in_iface) show as the flow's
 *     interface; egressInterface and flowDirection(61) are left out rather
 *     than guessed.
 *   source/destinationIPv4Address(8, 12) or source/destinationIPv6Address
 *     (27, 28), source/destinationTransportPort(7, 11): 0 for protocols
 *     without ports, as in the record.
 *   icmpTypeCodeIPv4(32) / icmpTypeCodeIPv6(139): type * 256 + code for
 *     ICMP / ICMPv6, else 0.  It comes before destinationTransportPort:
 *     nfcapd 1.7.1 stores both in the same dstPort slot and for protocols
 *     other than TCP, UDP and ICMP keeps whichever came last.
 *   protocolIdentifier(4).
 *   tcpControlBits(6): one byte, reduced-size encoding of the unsigned16
 *     (RFC 7011 6.2; RFC 7125's bits above CWR are not in ps_flow_rec), and
 *     the only length pmacct 1.7.7 reads (NF_tcp_flags_handler: len == 1).
 *   flowEndReason(136): ps_flow_rec's `end`, already in IANA's numbering.
 *
 * Byte order and alignment: every field is written a byte at a time,
 * big-endian (RFC 7011 6.1), into a byte buffer, so no unaligned store
 * happens whatever the record lengths (53 and 77 bytes) do to alignment.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "ipfix.h"
#include "hostport.h"
#include "log.h"

#define IPFIX_VERSION 10
#define MSG_HDR_LEN 16
#define SET_HDR_LEN 4
#define TMPL_REC_HDR_LEN 4
#define FIELD_SPEC_LEN 4
#define SET_ID_TEMPLATE 2
#define TMPL_ID_V4 256 /* Template IDs below 256 are Set IDs (RFC 7011 3.4.1) */
#define TMPL_ID_V6 257

/* The largest UDP payload over IPv4 (65535 - 20 - 8); the Message Length
 * field (16 bits) would allow 65535. */
#define MAX_MSG_LIMIT 65507

enum {
	IE_OCTET_DELTA = 1,
	IE_PACKET_DELTA = 2,
	IE_PROTOCOL = 4,
	IE_TCP_FLAGS = 6,
	IE_SRC_PORT = 7,
	IE_SRC_V4 = 8,
	IE_INGRESS_IF = 10,
	IE_DST_PORT = 11,
	IE_DST_V4 = 12,
	IE_SRC_V6 = 27,
	IE_DST_V6 = 28,
	IE_ICMP_V4 = 32,
	IE_END_REASON = 136,
	IE_ICMP_V6 = 139,
	IE_START_MS = 152,
	IE_END_MS = 153,
};

struct field {
	__u16 id;
	__u16 len;
};

/* The encoder writes each record from these tables, so the Templates and
 * the records cannot differ.  Wide fields first (a collector that reads in
 * place finds them aligned in a Set's first record); the ICMP element
 * before destinationTransportPort, see above. */
static const struct field fields_v4[] = {
	{ IE_START_MS, 8 },   { IE_END_MS, 8 },        { IE_OCTET_DELTA, 8 },
	{ IE_PACKET_DELTA, 8 }, { IE_INGRESS_IF, 4 },  { IE_SRC_V4, 4 },
	{ IE_DST_V4, 4 },     { IE_SRC_PORT, 2 },      { IE_ICMP_V4, 2 },
	{ IE_DST_PORT, 2 },   { IE_PROTOCOL, 1 },      { IE_TCP_FLAGS, 1 },
	{ IE_END_REASON, 1 },
};

static const struct field fields_v6[] = {
	{ IE_START_MS, 8 },   { IE_END_MS, 8 },        { IE_OCTET_DELTA, 8 },
	{ IE_PACKET_DELTA, 8 }, { IE_INGRESS_IF, 4 },  { IE_SRC_V6, 16 },
	{ IE_DST_V6, 16 },    { IE_SRC_PORT, 2 },      { IE_ICMP_V6, 2 },
	{ IE_DST_PORT, 2 },   { IE_PROTOCOL, 1 },      { IE_TCP_FLAGS, 1 },
	{ IE_END_REASON, 1 },
};

struct tmpl {
	__u16 id;
	__u16 nfields;
	const struct field *fields;
};

static const struct tmpl tmpl_v4 = { TMPL_ID_V4, sizeof(fields_v4) / sizeof(fields_v4[0]), fields_v4 };
static const struct tmpl tmpl_v6 = { TMPL_ID_V6, sizeof(fields_v6) / sizeof(fields_v6[0]), fields_v6 };

/* One direction of a conversation, as one Data Record says it. */
struct uniflow {
	const __u8 *src, *dst;
	__u64 start_ms, end_ms, octets, packets;
	__u32 ifindex;
	__u16 sport, dport, icmp;
	__u8 proto, tcp_flags, end_reason;
};

/* ------------------------------------------------------------ encoding */

/* The low `len` bytes of v, most significant first: network byte order,
 * and the reduced-size encoding of RFC 7011 6.2 when len is shorter than
 * the type. */
static void put_uint(__u8 *p, unsigned int len, __u64 v)
{
	while (len--) {
		p[len] = (__u8)v;
		v >>= 8;
	}
}

static unsigned int rec_len(const struct tmpl *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->nfields; i++)
		n += t->fields[i].len;
	return n;
}

static unsigned int tmpl_set_len(void)
{
	return SET_HDR_LEN + 2 * TMPL_REC_HDR_LEN +
	       (tmpl_v4.nfields + tmpl_v6.nfields) * FIELD_SPEC_LEN;
}

/* RFC 7011 3.3.1: a Set may end in zero padding, shorter than a record,
 * so that the next Set starts 4-byte aligned. */
static unsigned int data_set_len(unsigned int n, unsigned int reclen)
{
	return n ? (SET_HDR_LEN + n * reclen + 3) & ~3u : 0;
}

static unsigned int msg_len(bool tmpl, unsigned int n4, unsigned int n6)
{
	return MSG_HDR_LEN + (tmpl ? tmpl_set_len() : 0) +
	       data_set_len(n4, rec_len(&tmpl_v4)) + data_set_len(n6, rec_len(&tmpl_v6));
}

static __u8 *put_template(__u8 *p, const struct tmpl *t)
{
	unsigned int i;

	put_uint(p, 2, t->id);
	put_uint(p + 2, 2, t->nfields);
	p += TMPL_REC_HDR_LEN;
	for (i = 0; i < t->nfields; i++, p += FIELD_SPEC_LEN) {
		/* Enterprise bit 0: all are IANA elements. */
		put_uint(p, 2, t->fields[i].id);
		put_uint(p + 2, 2, t->fields[i].len);
	}
	return p;
}

static void put_record(__u8 *p, const struct tmpl *t, const struct uniflow *u)
{
	unsigned int i;

	for (i = 0; i < t->nfields; i++) {
		const struct field *f = &t->fields[i];

		switch (f->id) {
		case IE_START_MS: put_uint(p, f->len, u->start_ms); break;
		case IE_END_MS: put_uint(p, f->len, u->end_ms); break;
		case IE_OCTET_DELTA: put_uint(p, f->len, u->octets); break;
		case IE_PACKET_DELTA: put_uint(p, f->len, u->packets); break;
		case IE_INGRESS_IF: put_uint(p, f->len, u->ifindex); break;
		case IE_SRC_V4:
		case IE_SRC_V6: memcpy(p, u->src, f->len); break;
		case IE_DST_V4:
		case IE_DST_V6: memcpy(p, u->dst, f->len); break;
		case IE_SRC_PORT: put_uint(p, f->len, u->sport); break;
		case IE_DST_PORT: put_uint(p, f->len, u->dport); break;
		case IE_ICMP_V4:
		case IE_ICMP_V6: put_uint(p, f->len, u->icmp); break;
		case IE_PROTOCOL: put_uint(p, f->len, u->proto); break;
		case IE_TCP_FLAGS: put_uint(p, f->len, u->tcp_flags); break;
		case IE_END_REASON: put_uint(p, f->len, u->end_reason); break;
		default: memset(p, 0, f->len); break;
		}
		p += f->len;
	}
}

/* One direction of r as a uniflow: a -> b, or b -> a when reverse. */
static void make_uniflow(struct uniflow *u, const struct ps_flow_rec *r, bool reverse)
{
	const struct ps_flow_side *s = reverse ? &r->ba : &r->ab;
	__u8 icmp_proto = r->ip_ver == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;

	u->src = reverse ? r->b_addr : r->a_addr;
	u->dst = reverse ? r->a_addr : r->b_addr;
	u->sport = reverse ? r->b_port : r->a_port;
	u->dport = reverse ? r->a_port : r->b_port;
	u->start_ms = s->first_ns / 1000000;
	u->end_ms = s->last_ns / 1000000;
	u->octets = s->bytes;
	u->packets = s->packets;
	u->ifindex = r->ifindex;
	u->icmp = r->proto == icmp_proto ? (__u16)(s->icmp_type << 8 | s->icmp_code) : 0;
	u->proto = r->proto;
	u->tcp_flags = s->tcp_flags;
	/* A snapshot of a live flow (PS_FLOW_END_NONE) tells the collector
	 * what an active-timeout record does: the counts so far, the flow
	 * goes on.  0 is not a defined flowEndReason value. */
	u->end_reason = r->end == PS_FLOW_END_NONE ? PS_FLOW_END_ACTIVE : (__u8)r->end;
}

/* ------------------------------------------------------------ sending */

static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* RFC 7011 8.4: over UDP, where nothing tells the exporter that a collector
 * lost or never had the Templates (it restarted, or started after us), they
 * are resent periodically, at a configurable interval; the RFC sets no
 * default.  The two bounds (either one makes them due) cap what such a
 * collector throws away: 20 Messages under load (about 500 records at 1400
 * bytes, for 116 bytes of Templates every 20 Messages, < 0.5%), and 600 s,
 * the interval exporters commonly use, when Messages are rare.  A clock that
 * went back counts as due. */
static bool tmpl_due(const struct ps_ipfix *x, __u64 now_ns)
{
	return !x->tmpl_sent || now_ns < x->tmpl_ns || now_ns - x->tmpl_ns >= x->refresh_ns ||
	       x->msgs_since_tmpl + 1 >= x->refresh_msgs;
}

static __u8 *put_data_set(__u8 *p, const struct tmpl *t, const __u8 *recs, unsigned int n)
{
	unsigned int body = n * rec_len(t), len = data_set_len(n, rec_len(t));

	if (!n)
		return p;
	put_uint(p, 2, t->id);
	put_uint(p + 2, 2, len);
	memcpy(p + SET_HDR_LEN, recs, body);
	memset(p + SET_HDR_LEN + body, 0, len - SET_HDR_LEN - body); /* padding is zero */
	return p + len;
}

/* Sends the Message being filled.  A Message that fails still moves the
 * Sequence Number on by its records, so the collector sees the gap: RFC
 * 7011 3.1 counts the Data Records sent, and 10.2.2 asks an exporter that
 * discards records (there, over SCTP) to let the numbers show it.  Here
 * they are also counted in records_lost. */
static int send_msg(struct ps_ipfix *x, __u64 now_ns)
{
	unsigned int n = x->n4 + x->n6, len = msg_len(x->cur_tmpl, x->n4, x->n6);
	__u32 export_s = (__u32)(now_ns / 1000000000ull);
	__u8 *p = x->msg;
	ssize_t ret;
	int err = 0;

	/* RFC 7011 8.2: Template management is sequenced by Export Time, so
	 * it must not go back when the clock does. */
	if (export_s < x->last_export_s)
		export_s = x->last_export_s;

	put_uint(p, 2, IPFIX_VERSION);
	put_uint(p + 2, 2, len);
	put_uint(p + 4, 4, export_s);
	put_uint(p + 8, 4, x->seq);
	put_uint(p + 12, 4, x->domain_id);
	p += MSG_HDR_LEN;
	if (x->cur_tmpl) {
		/* Before the Data Sets that use them (RFC 7011 8.2). */
		put_uint(p, 2, SET_ID_TEMPLATE);
		put_uint(p + 2, 2, tmpl_set_len());
		p = put_template(p + SET_HDR_LEN, &tmpl_v4);
		p = put_template(p, &tmpl_v6);
	}
	p = put_data_set(p, &tmpl_v4, x->rec4, x->n4);
	p = put_data_set(p, &tmpl_v6, x->rec6, x->n6);

	do
		ret = send(x->fd, x->msg, len, 0);
	while (ret < 0 && errno == EINTR);

	if (ret == (ssize_t)len) {
		x->stats.messages++;
		x->stats.records += n;
		if (x->cur_tmpl) {
			x->stats.template_msgs++;
			x->tmpl_sent = true;
			x->tmpl_ns = now_ns;
			x->msgs_since_tmpl = 0;
		} else {
			x->msgs_since_tmpl++;
		}
	} else {
		/* Templates that did not go out stay due: tmpl_* unchanged. */
		err = ret < 0 ? -errno : -EMSGSIZE;
		x->stats.send_errors++;
		x->stats.records_lost += n;
		x->stats.last_error = err;
	}
	x->seq += n; /* modulo 2^32, as the field */
	x->last_export_s = export_s;
	x->n4 = x->n6 = 0;
	x->cur_tmpl = false;
	return err;
}

/* Stages one uniflow, sending the current Message first when it would not
 * fit.  Whether a Message carries Templates is decided when its first
 * record arrives, so its size is known from then on. */
static int stage(struct ps_ipfix *x, const struct ps_flow_rec *r, bool reverse, __u64 now_ns)
{
	bool v6 = r->ip_ver == 6;
	const struct tmpl *t = v6 ? &tmpl_v6 : &tmpl_v4;
	struct uniflow u;
	int err = 0;

	if (x->n4 + x->n6 == 0) {
		x->cur_tmpl = tmpl_due(x, now_ns);
	} else if (msg_len(x->cur_tmpl, x->n4 + !v6, x->n6 + v6) > x->max_msg) {
		err = send_msg(x, now_ns);
		x->cur_tmpl = tmpl_due(x, now_ns);
	}
	make_uniflow(&u, r, reverse);
	if (v6)
		put_record(x->rec6 + x->n6++ * rec_len(t), t, &u);
	else
		put_record(x->rec4 + x->n4++ * rec_len(t), t, &u);
	return err;
}

int ps_ipfix_add(struct ps_ipfix *x, const struct ps_flow_rec *r, __u64 now_ns)
{
	int err = 0, e;

	if (r->ip_ver != 4 && r->ip_ver != 6)
		return -EINVAL;
	if (!now_ns)
		now_ns = realtime_ns();
	if (r->ab.packets) {
		e = stage(x, r, false, now_ns);
		if (e)
			err = e;
	}
	if (r->ba.packets) {
		e = stage(x, r, true, now_ns);
		if (e && !err)
			err = e;
	}
	return err;
}

int ps_ipfix_flush(struct ps_ipfix *x, __u64 now_ns)
{
	if (!now_ns)
		now_ns = realtime_ns();
	if (x->n4 + x->n6 == 0) {
		/* Nothing to send: Templates alone, when their time has come,
		 * and only once there has been something to describe. */
		if (!x->tmpl_sent || !(now_ns < x->tmpl_ns || now_ns - x->tmpl_ns >= x->refresh_ns))
			return 0;
		x->cur_tmpl = true;
	}
	return send_msg(x, now_ns);
}

/* ------------------------------------------------------------ set-up */

/* Splits HOST:PORT; IPv6 literals in brackets.  Writes one ps_err() line
 * and returns -EINVAL when it is not of that form. */
static int split_hostport(const char *hp, char *host, size_t hostlen, char *port, size_t portlen)
{
	enum ps_hostport_err e = ps_hostport_split(hp, host, hostlen, port, portlen);

	switch (e) {
	case PS_HP_OK:
		return 0;
	case PS_HP_BRACKET:
		ps_err("IPFIX collector '%s' is not [IPv6]:PORT (for example [2001:db8::1]:4739)", hp);
		break;
	case PS_HP_NO_PORT:
		ps_err("IPFIX collector '%s' has no port: give HOST:PORT (IPFIX's port is 4739)", hp);
		break;
	case PS_HP_V6_UNBRACKETED:
		ps_err("IPFIX collector '%s': put an IPv6 address in brackets, as [2001:db8::1]:4739", hp);
		break;
	case PS_HP_NO_HOST:
	case PS_HP_HOST_LONG:
		ps_err("IPFIX collector '%s' has %s host: give HOST:PORT", hp,
		       e == PS_HP_NO_HOST ? "no" : "too long a");
		break;
	case PS_HP_BAD_PORT:
		ps_err("IPFIX collector '%s': the port must be a number from 1 to 65535", hp);
		break;
	}
	return -EINVAL;
}

/* A connected socket: send() then reports a collector port found closed
 * (ICMP port unreachable) as ECONNREFUSED on a later Message instead of
 * every Message vanishing unnoticed. */
static int open_socket(const char *hp, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	int fd = -1, err, gerr;

	gerr = getaddrinfo(host, port, &hints, &res);
	if (gerr) {
		if (gerr == EAI_SYSTEM)
			err = errno ? -errno : -EIO;
		else if (gerr == EAI_MEMORY)
			err = -ENOMEM;
		else if (gerr == EAI_AGAIN)
			err = -EAGAIN;
		else
			err = -EINVAL;
		ps_err("IPFIX collector '%s': cannot resolve '%s': %s", hp, host,
		       gerr == EAI_SYSTEM ? strerror(-err) : gai_strerror(gerr));
		goto out;
	}
	err = -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		err = -errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		ps_err("IPFIX collector '%s': cannot send to it: %s", hp, strerror(-err));
		goto out;
	}
	err = fd;
out:
	if (res)
		freeaddrinfo(res);
	return err;
}

int ps_ipfix_open(struct ps_ipfix *x, const char *hostport, const struct ps_ipfix_opts *o)
{
	static const struct ps_ipfix_opts defaults;
	char host[NI_MAXHOST], port[8];
	unsigned int min_msg = msg_len(true, 0, 1);
	int err;

	memset(x, 0, sizeof(*x));
	x->fd = -1;
	if (!o)
		o = &defaults;
	x->domain_id = o->domain_id;
	x->max_msg = o->max_msg ? o->max_msg : PS_IPFIX_DEFAULT_MAX_MSG;
	x->refresh_ns = (__u64)(o->refresh_s ? o->refresh_s : PS_IPFIX_DEFAULT_REFRESH_S) * 1000000000ull;
	x->refresh_msgs = o->refresh_msgs ? o->refresh_msgs : PS_IPFIX_DEFAULT_REFRESH_MSGS;
	/* The smallest Message must hold the Templates and one IPv6 record. */
	if (x->max_msg < min_msg || x->max_msg > MAX_MSG_LIMIT) {
		ps_err("IPFIX message size %u is out of range: give %u to %u bytes", x->max_msg,
		       min_msg, MAX_MSG_LIMIT);
		return -EINVAL;
	}
	err = split_hostport(hostport, host, sizeof(host), port, sizeof(port));
	if (err)
		return err;

	x->msg = malloc(x->max_msg);
	x->rec4 = malloc(x->max_msg);
	x->rec6 = malloc(x->max_msg);
	if (!x->msg || !x->rec4 || !x->rec6) {
		err = -ENOMEM;
		goto fail;
	}
	err = open_socket(hostport, host, port);
	if (err < 0)
		goto fail;
	x->fd = err;
	return 0;
fail:
	free(x->msg);
	free(x->rec4);
	free(x->rec6);
	x->msg = x->rec4 = x->rec6 = NULL;
	return err;
}

void ps_ipfix_close(struct ps_ipfix *x)
{
	if (!x->msg)
		return;
	x->stats.records_lost += x->n4 + x->n6;
	x->n4 = x->n6 = 0;
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->msg);
	free(x->rec4);
	free(x->rec6);
	x->msg = x->rec4 = x->rec6 = NULL;
}
