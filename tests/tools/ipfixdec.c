// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "ipfixdec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const struct tfield ipfix_want_v4[IPFIX_NFIELDS] = {
	{ 152, 8 }, { 153, 8 }, { 1, 8 },  { 2, 8 }, { 10, 4 }, { 8, 4 },  { 12, 4 },
	{ 7, 2 },   { 32, 2 },  { 11, 2 }, { 4, 1 }, { 6, 1 },  { 136, 1 },
};
const struct tfield ipfix_want_v6[IPFIX_NFIELDS] = {
	{ 152, 8 }, { 153, 8 }, { 1, 8 },  { 2, 8 }, { 10, 4 }, { 27, 16 }, { 28, 16 },
	{ 7, 2 },   { 139, 2 }, { 11, 2 }, { 4, 1 }, { 6, 1 },  { 136, 1 },
};

unsigned int ipfix_msize(bool tmpl, unsigned int n4, unsigned int n6)
{
	unsigned int len = 16 + (tmpl ? TMPL_SET_LEN : 0);

	if (n4)
		len += (4 + n4 * REC_V4 + 3) & ~3u;
	if (n6)
		len += (4 + n6 * REC_V6 + 3) & ~3u;
	return len;
}

static uint64_t be(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	while (len--)
		v = v << 8 | *p++;
	return v;
}

const struct ttmpl *ipfix_coll_find(const struct coll *c, uint16_t id)
{
	for (unsigned int i = 0; i < c->nt; i++)
		if (c->t[i].id == id)
			return &c->t[i];
	return NULL;
}

struct ctx {
	char *err;
	size_t errlen;
};

static int bad(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int decode_tmpl_set(struct ctx *x, struct coll *c, struct dmsg *m, const uint8_t *p,
			   unsigned int len)
{
	unsigned int off = 0;

	while (len - off >= 4) {
		struct ttmpl t = { .id = be(p + off, 2), .n = be(p + off + 2, 2) };
		struct ttmpl *slot = (struct ttmpl *)ipfix_coll_find(c, t.id);

		off += 4;
		if (t.id < 256)
			return bad(x, "Template ID %u is below 256", t.id);
		if (t.n == 0 || t.n > ARRAY_SIZE(t.f))
			return bad(x, "Template %u has %u fields", t.id, t.n);
		if (off + 4 * t.n > len)
			return bad(x, "Template %u runs past its Set", t.id);
		for (unsigned int i = 0; i < t.n; i++, off += 4) {
			t.f[i].id = be(p + off, 2);
			t.f[i].len = be(p + off + 2, 2);
			if (t.f[i].id & 0x8000) /* no enterprise elements */
				return bad(x, "Template %u has an enterprise element", t.id);
		}
		if (!slot) {
			if (c->nt == ARRAY_SIZE(c->t))
				return bad(x, "more than %zu Templates", ARRAY_SIZE(c->t));
			slot = &c->t[c->nt++];
		}
		*slot = t;
		m->ntmpl++;
	}
	if (off != len) /* Template Sets: nothing left over */
		return bad(x, "%u bytes left over in a Template Set", len - off);
	return 0;
}

static int decode_record(struct ctx *x, const struct ttmpl *t, const uint8_t *p, struct drec *r)
{
	memset(r, 0, sizeof(*r));
	r->tmpl = t->id;
	for (unsigned int i = 0; i < t->n; i++) {
		const struct tfield *f = &t->f[i];

		switch (f->id) {
		case 152: r->start_ms = be(p, f->len); break;
		case 153: r->end_ms = be(p, f->len); break;
		case 1: r->octets = be(p, f->len); break;
		case 2: r->packets = be(p, f->len); break;
		case 10: r->ifindex = be(p, f->len); break;
		case 8: case 27: memcpy(r->src, p, f->len > 16 ? 16 : f->len); break;
		case 12: case 28: memcpy(r->dst, p, f->len > 16 ? 16 : f->len); break;
		case 7: r->sport = be(p, f->len); break;
		case 11: r->dport = be(p, f->len); break;
		case 32: case 139: r->icmp = be(p, f->len); break;
		case 4: r->proto = be(p, f->len); break;
		case 6: r->flags = be(p, f->len); break;
		case 136: r->end = be(p, f->len); break;
		default: return bad(x, "unexpected element %u", f->id);
		}
		p += f->len;
	}
	return 0;
}

static unsigned int tmpl_rec_len(const struct ttmpl *t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < t->n; i++)
		n += t->f[i].len;
	return n;
}

int ipfix_decode(struct coll *c, const uint8_t *buf, unsigned int len, struct dmsg *m,
		 char *err, size_t errlen)
{
	struct ctx x = { err, errlen };
	unsigned int off = 16;
	bool seen_data = false;

	memset(m, 0, offsetof(struct dmsg, rec));
	if (len < 16)
		return bad(&x, "a Message of %u bytes", len);
	m->version = be(buf, 2);
	m->length = be(buf + 2, 2);
	m->export_s = be(buf + 4, 4);
	m->seq = be(buf + 8, 4);
	m->domain = be(buf + 12, 4);
	if (m->version != 10)
		return bad(&x, "version %u", m->version);
	if (m->length != len) /* one Message per datagram */
		return bad(&x, "Message Length %u in a datagram of %u", m->length, len);

	while (off < len) {
		uint16_t id, slen;

		if (len - off < 4)
			return bad(&x, "%u bytes after the last Set", len - off);
		id = be(buf + off, 2);
		slen = be(buf + off + 2, 2);
		if (slen <= 4 || off + slen > len)
			return bad(&x, "Set %u of %u bytes at %u in %u", id, slen, off, len);
		/* pktscope pads every Set to 4 bytes (RFC 7011 3.3.1 allows it) */
		if (slen % 4)
			return bad(&x, "Set %u of %u bytes: not padded to 4", id, slen);
		if (m->nsets == ARRAY_SIZE(m->set_id))
			return bad(&x, "more than %zu Sets", ARRAY_SIZE(m->set_id));
		m->set_id[m->nsets++] = id;
		if (id == 2) {
			if (seen_data)
				m->data_before_tmpl = true;
			if (decode_tmpl_set(&x, c, m, buf + off + 4, slen - 4))
				return -1;
		} else {
			const struct ttmpl *t = ipfix_coll_find(c, id);
			unsigned int rl, body = slen - 4, n, i;

			if (id < 256)
				return bad(&x, "Set ID %u", id);
			if (!t) /* the Template went out before its data */
				return bad(&x, "a Data Set of Template %u before the Template", id);
			rl = tmpl_rec_len(t);
			n = rl ? body / rl : 0;
			if (!n)
				return bad(&x, "a Data Set of %u bytes for records of %u", body, rl);
			/* Padding: shorter than a record, and zero. */
			if (body - n * rl >= rl || body - n * rl >= 4)
				return bad(&x, "%u bytes of padding", body - n * rl);
			for (i = n * rl; i < body; i++)
				if (buf[off + 4 + i])
					return bad(&x, "padding byte %#x", buf[off + 4 + i]);
			for (i = 0; i < n; i++) {
				if (m->nrec == ARRAY_SIZE(m->rec))
					return bad(&x, "more than %zu records", ARRAY_SIZE(m->rec));
				if (decode_record(&x, t, buf + off + 4 + i * rl, &m->rec[m->nrec++]))
					return -1;
			}
			if (id == TMPL_V4)
				m->n4 += n;
			else
				m->n6 += n;
			seen_data = true;
		}
		off += slen;
	}
	return 0;
}
