// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The replay's reader (src/capture/capread.c) and link views (src/capture/linkview.c) on
 * any file: the input is the file.
 *
 * Reference: libpcap's own reader, pcap_fopen_offline(), on the same bytes
 * (the reader of `tcpdump -r`).  capread promises that a file libpcap reads
 * is read to the same records: while libpcap gives records, capread gives
 * the same ones (lengths, bytes, time); where libpcap ends cleanly, capread
 * ends; where libpcap calls the file damaged, capread does too, but for
 * the limits capread drops on purpose (src/capture/capread.h): pcapng interfaces
 * of different link types or snap lengths, sections of different byte
 * orders.  Time stamps are compared through what they mean, with
 * libpcap's known sign extension of pcap seconds of 2^31 and more left
 * out (the raw fields are compared instead).
 *
 * Invariants of capread alone: a record is at most 262144 bytes and its
 * bytes are readable (ASan sees a copy of exactly caplen bytes); a pcap
 * record's nanoseconds are its fields added up; reading ahead first
 * (ps_capread_scan()) changes no record.  Of ps_linkview() on every
 * record: a view never reaches past the record, its lengths are the
 * record's less the link header plus an Ethernet header, and its wire
 * length is never below what it holds when the record's is not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <byteswap.h>
#include <pcap/pcap.h>
#include "capread.h"
#include "linkview.h"
#include "fuzz.h"

#define MAX_RECS 4096

struct rec {
	struct ps_capread_rec r;
	struct ps_capread_iface ifc;
	uint8_t *data; /* a copy */
};

struct pass {
	struct rec *recs;
	size_t n;
	int end;       /* 0 (clean end), -errno, or 1: more than MAX_RECS */
	char err[256];
	bool opened;
};

static void pass_free(struct pass *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->recs[i].data);
	free(p->recs);
	memset(p, 0, sizeof(*p));
}

static void check_linkview(const struct ps_capread_rec *r, const struct ps_capread_iface *ifc)
{
	struct ps_linkview v;
	uint8_t *exact = malloc(r->caplen ? r->caplen : 1), *frame;
	int rc;

	if (!exact)
		abort();
	memcpy(exact, r->data, r->caplen);
	rc = ps_linkview(ifc->linktype, exact, r->caplen, r->len, &v);
	if (!ps_linktype_supported(ifc->linktype)) {
		if (rc != -EPROTONOSUPPORT)
			fz_fail("linkview: link type %u is not read, but ps_linkview() returned %d",
				ifc->linktype, rc);
		goto out;
	}
	if (rc)
		fz_fail("linkview: link type %u: ps_linkview() returned %d", ifc->linktype, rc);
	if (v.dir > PS_DIR_OUT)
		fz_fail("linkview: direction %u", v.dir);
	if (ifc->linktype == PS_LINKTYPE_ETHERNET) {
		if (v.synth || v.hdrlen || v.view_len != r->len || v.view_cap != r->caplen)
			fz_fail("linkview: an Ethernet record's view is not the record (synth %d "
				"hdrlen %u view %u/%u record %u/%u)", v.synth, v.hdrlen, v.view_cap,
				v.view_len, r->caplen, r->len);
		goto out;
	}
	if (!v.synth) {
		/* Its own link header cut short. */
		if (v.view_len || v.view_cap || (r->caplen >= v.hdrlen && r->len >= v.hdrlen))
			fz_fail("linkview: link type %u, record %u/%u, header %u: no view but "
				"view %u/%u", ifc->linktype, r->caplen, r->len, v.hdrlen, v.view_cap,
				v.view_len);
		goto out;
	}
	if (v.hdrlen > r->caplen || v.hdrlen > r->len)
		fz_fail("linkview: link type %u: a header of %u bytes in a record of %u/%u",
			ifc->linktype, v.hdrlen, r->caplen, r->len);
	if (v.view_cap != 14 + r->caplen - v.hdrlen)
		fz_fail("linkview: link type %u: view holds %u bytes, record %u less header %u "
			"plus 14", ifc->linktype, v.view_cap, r->caplen, v.hdrlen);
	if ((uint64_t)v.view_len != 14 + (uint64_t)r->len - v.hdrlen &&
	    !(r->len - v.hdrlen > UINT32_MAX - 14 && v.view_len == UINT32_MAX))
		fz_fail("linkview: link type %u: view is %u bytes on the wire, record %u less "
			"header %u plus 14 (saturated at 2^32-1)", ifc->linktype, v.view_len, r->len,
			v.hdrlen);
	if (r->len >= r->caplen && v.view_len < v.view_cap)
		fz_fail("linkview: link type %u: view %u/%u holds more than its wire length "
			"(record %u/%u)", ifc->linktype, v.view_cap, v.view_len, r->caplen, r->len);
	/* What the replay builds from it (src/core/replay.c run_record()). */
	frame = malloc(v.view_cap);
	if (!frame)
		abort();
	memcpy(frame, v.eth, 14);
	memcpy(frame + 14, exact + v.hdrlen, v.view_cap - 14);
	free(frame);
out:
	free(exact);
}

/* Reads the whole file with capread; 'scan' reads ahead first. */
static void read_capread(const char *path, bool scan, struct pass *p)
{
	struct ps_capread *r;
	struct ps_capread_rec rec;
	char err[256];
	int rc;

	memset(p, 0, sizeof(*p));
	rc = ps_capread_open(&r, path, err, sizeof(err));
	if (rc) {
		p->end = rc;
		snprintf(p->err, sizeof(p->err), "%s", err);
		return;
	}
	p->opened = true;
	if (scan) {
		rc = ps_capread_scan(r);
		if (rc)
			fz_fail("capread: reading ahead a regular file failed: %d", rc);
	}
	while (p->n < MAX_RECS && (rc = ps_capread_next(r, &rec)) == 1) {
		const struct ps_capread_iface *ifc;
		struct rec *x;
		__u32 nif;

		if (!(p->n & (p->n - 1))) { /* 0, 1, 2, 4...: grow */
			p->recs = realloc(p->recs, (p->n ? 2 * p->n : 1) * sizeof(*p->recs));
			if (!p->recs)
				abort();
		}
		x = &p->recs[p->n++];

		if (rec.caplen > PS_CAPREAD_MAX_CAPLEN)
			fz_fail("capread: record %zu holds %u bytes, above %u", p->n, rec.caplen,
				PS_CAPREAD_MAX_CAPLEN);
		ifc = ps_capread_ifaces(r, &nif);
		if (rec.iface >= nif)
			fz_fail("capread: record %zu on interface %u of %u", p->n, rec.iface, nif);
		if (rec.dir > PS_DIR_OUT)
			fz_fail("capread: record %zu direction %u", p->n, rec.dir);
		x->r = rec;
		x->ifc = ifc[rec.iface];
		x->data = malloc(rec.caplen ? rec.caplen : 1);
		if (!x->data)
			abort();
		memcpy(x->data, rec.data, rec.caplen);
		x->r.data = x->data;
		if (ps_capread_format(r) == PS_CAPREAD_PCAP &&
		    rec.ts_ns != rec.ts_hi * 1000000000ULL +
				 (uint64_t)rec.ts_lo * (ps_capread_nsec(r) ? 1 : 1000))
			fz_fail("capread: pcap record %zu: %u s + %u is not %llu ns", p->n,
				rec.ts_hi, rec.ts_lo, (unsigned long long)rec.ts_ns);
		check_linkview(&x->r, &x->ifc);
	}
	p->end = rc;
	snprintf(p->err, sizeof(p->err), "%s", rc < 0 ? ps_capread_error(r) : "");
	ps_capread_close(r);
}

static bool same_iface(const struct ps_capread_iface *a, const struct ps_capread_iface *b)
{
	return a->linktype == b->linktype && a->linktype_field == b->linktype_field &&
	       a->snaplen == b->snaplen && a->tsresol == b->tsresol && a->units == b->units &&
	       a->tsoffset == b->tsoffset && !strcmp(a->name, b->name) && a->swapped == b->swapped;
}

static void same_passes(const struct pass *a, const struct pass *b)
{
	if (a->n != b->n || a->end != b->end || strcmp(a->err, b->err))
		fz_fail("capread: reading ahead changed the read: %zu records then %d '%s', "
			"ahead %zu then %d '%s'", a->n, a->end, a->err, b->n, b->end, b->err);
	for (size_t i = 0; i < a->n; i++) {
		const struct ps_capread_rec *x = &a->recs[i].r, *y = &b->recs[i].r;

		if (x->caplen != y->caplen || x->len != y->len || x->ts_hi != y->ts_hi ||
		    x->ts_lo != y->ts_lo || x->ts_ns != y->ts_ns || x->iface != y->iface ||
		    x->dir != y->dir || memcmp(x->data, y->data, x->caplen) ||
		    !same_iface(&a->recs[i].ifc, &b->recs[i].ifc))
			fz_fail("capread: reading ahead changed record %zu", i + 1);
	}
}

/* libpcap errors capread does not share on purpose (src/capture/capread.h). */
static bool deliberate(const char *lerr)
{
	static const char *const known[] = {
		"different from the type of the first interface",
		"different from the snapshot length of the first interface",
		"sections with different byte orders",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(lerr, known[i]))
			return true;
	return false;
}

/* pcapng: how many packet blocks come before the first section whose byte
 * order is not the first one's (libpcap 1.10 reads on in the first order
 * and fails there, with one message or another); SIZE_MAX without one. */
static size_t packets_before_flip(const uint8_t *d, size_t size)
{
	size_t off = 0, packets = 0;
	bool first_swapped = false, swapped = false;

	while (size - off >= 12) {
		uint32_t type, len, bom;

		memcpy(&type, d + off, 4);
		if (type == 0x0A0D0D0Au) {
			memcpy(&bom, d + off + 8, 4);
			if (bom != 0x1A2B3C4Du && bom != bswap_32(0x1A2B3C4Du))
				break;
			swapped = bom != 0x1A2B3C4Du;
			if (!off)
				first_swapped = swapped;
			else if (swapped != first_swapped)
				return packets;
		}
		memcpy(&len, d + off + 4, 4);
		if (swapped) {
			type = bswap_32(type);
			len = bswap_32(len);
		}
		if (len < 12 || len % 4 || len > size - off)
			break;
		if (type == 2 || type == 3 || type == 6)
			packets++;
		off += len;
	}
	return SIZE_MAX;
}

/* A pcapng time stamp as libpcap gives it with nanosecond precision,
 * in ns since 1970; false when libpcap's own arithmetic overflowed (it
 * computes in 64 bits and does not check). */
static bool libpcap_ng_ns(const struct ps_capread_rec *r, const struct ps_capread_iface *ifc,
			  __int128 *ns)
{
	uint64_t count = (uint64_t)r->ts_hi << 32 | r->ts_lo, frac = count % ifc->units;
	__int128 sec = (__int128)(count / ifc->units) + ifc->tsoffset;

	if ((ifc->tsresol & 0x80) && ifc->units > 1000000000 && frac > UINT64_MAX / 1000000000)
		return false; /* frac * 10^9 wrapped */
	if (sec > INT64_MAX || sec < INT64_MIN)
		return false;
	*ns = sec * 1000000000 + (__int128)((unsigned __int128)frac * 1000000000 / ifc->units);
	return true;
}

static void compare_libpcap(const uint8_t *data, size_t size, const struct pass *a)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *d;
	uint32_t magic = 0;
	bool ng, nsec;
	size_t i = 0;
	FILE *f;
	pcap_t *p;
	int rc;

	if (size < 4)
		return;
	memcpy(&magic, data, 4);
	ng = magic == 0x0A0D0D0Au;
	nsec = ng || magic == 0xa1b23c4du || magic == bswap_32(0xa1b23c4du);
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		abort();
	/* The precision the file holds: libpcap then hands the fraction on
	 * as it is (pcap) or scaled to nanoseconds (pcapng). */
	p = pcap_fopen_offline_with_tstamp_precision(f, nsec ? PCAP_TSTAMP_PRECISION_NANO :
							       PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p) {
		fclose(f);
		/* capread may read what libpcap refuses (a pcapng file
		 * without interfaces, or of several link types), not the
		 * reverse. */
		return;
	}
	if (!a->opened)
		fz_fail("capread refuses a file libpcap opens: '%s'", a->err);
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		const struct rec *x;
		uint32_t want_cap;

		if (i == a->n) {
			if (a->end == 1)
				goto out;
			fz_fail("record %zu: libpcap reads it (%u/%u bytes), capread ended with %d "
				"'%s'", i + 1, h->caplen, h->len, a->end, a->err);
		}
		x = &a->recs[i++];
		if (i == 1 && ps_linktype_supported(x->ifc.linktype) &&
		    pcap_datalink(p) != ps_linktype_dlt(x->ifc.linktype))
			fz_fail("link type: libpcap DLT %d, capread %u", pcap_datalink(p),
				x->ifc.linktype);
		/* libpcap cuts a pcap record longer than the file's snap
		 * length to it; capread keeps the record as held. */
		want_cap = x->r.caplen;
		if (!ng && want_cap > (uint32_t)pcap_snapshot(p))
			want_cap = pcap_snapshot(p);
		if (h->caplen != want_cap || h->len != x->r.len)
			fz_fail("record %zu: libpcap %u/%u bytes, capread %u/%u (snap %d)", i,
				h->caplen, h->len, x->r.caplen, x->r.len, pcap_snapshot(p));
		if (memcmp(d, x->data, h->caplen))
			fz_fail("record %zu: bytes differ: libpcap %s", i, fz_hex(d, h->caplen));
		if (!ng) {
			/* libpcap reads pcap seconds as signed 32 bits: the
			 * fields, not the instant, are what both hold. */
			if ((uint32_t)h->ts.tv_sec != x->r.ts_hi || (uint32_t)h->ts.tv_usec != x->r.ts_lo)
				fz_fail("record %zu: time libpcap %lld.%ld, capread fields %u %u", i,
					(long long)h->ts.tv_sec, (long)h->ts.tv_usec, x->r.ts_hi,
					x->r.ts_lo);
		} else {
			__int128 ns;
			uint64_t want;

			/* A simple packet block has no time stamp: capread
			 * gives 0, libpcap the interface's offset. */
			if (!x->r.ts_hi && !x->r.ts_lo && !x->r.ts_ns)
				continue;
			if (!libpcap_ng_ns(&x->r, &x->ifc, &ns))
				continue;
			if ((__int128)h->ts.tv_sec * 1000000000 + h->ts.tv_usec != ns)
				fz_fail("record %zu: libpcap's time %lld.%09ld is not its own fields'",
					i, (long long)h->ts.tv_sec, (long)h->ts.tv_usec);
			want = ns < 0 ? 0 : ns > (__int128)UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
			if (x->r.ts_ns != want)
				fz_fail("record %zu: time libpcap %lld.%09ld, capread %llu ns (units %llu "
					"offset %lld)", i, (long long)h->ts.tv_sec, (long)h->ts.tv_usec,
					(unsigned long long)x->r.ts_ns,
					(unsigned long long)x->ifc.units, (long long)x->ifc.tsoffset);
		}
	}
	if (rc == PCAP_ERROR && ng && i == packets_before_flip(data, size))
		goto out;
	if (a->end != 1 && (rc == 0 || (rc == PCAP_ERROR && !deliberate(pcap_geterr(p))))) {
		if (i != a->n || (rc == 0) != (a->end == 0))
			fz_fail("libpcap: %zu records then %s '%s'; capread: %zu records then %d '%s'",
				i, rc ? "damage" : "the end", rc ? pcap_geterr(p) : "", a->n, a->end,
				a->err);
	}
out:
	pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pass plain, ahead;
	char path[64];
	int fd;

	fd = fz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		fz_fail("memfd: %s", strerror(-fd));
	read_capread(path, false, &plain);
	read_capread(path, true, &ahead);
	close(fd);
	if (plain.opened)
		same_passes(&plain, &ahead);
	compare_libpcap(data, size, &plain);
	pass_free(&plain);
	pass_free(&ahead);
	return 0;
}
