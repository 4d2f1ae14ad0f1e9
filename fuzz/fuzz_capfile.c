// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The capture writer (src/capture/capfile.c), pcap and pcapng, read back.
 *
 * The input is a script: the file's options (format, snap length, link
 * type, time precision, -C rotation, direct I/O or not), then interfaces
 * to declare and records to write, one by one (ps_capfile_write_rec(),
 * ps_capfile_write()) or in batches as the live ring hands them over
 * (ps_capfile_write_recs()), with flushes between.  Optionally the file
 * size is limited (RLIMIT_FSIZE), so that writes fail part way, as on a
 * full disk.
 *
 * What is written is read back with libpcap (pcap_open_offline(), the
 * reader of tcpdump) and with pktscope's reader.  Without a size limit
 * the files hold exactly the records the script wrote, in order, with
 * their interfaces, lengths, bytes, time fields and directions; those the
 * writer must refuse (another link type in a pcap file, a time past 2106
 * in one, a batch record over the snap length) are counted as write
 * errors and absent.  With a limit, the promise of capfile.h: every file
 * still reads to its end, what it holds is records of the script in order
 * (some missing), and each record given is either in a file or counted as
 * a write error (a file whose header a failed write took is left empty).
 * With -C, no record goes into a file already past the size, and no file
 * but the last is without a record.  A pcapng record is no longer than
 * its interface block's snap length (libpcap refuses the file otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "capfile.h"
#include "capread.h"
#include "fuzz.h"

#define MAX_RECS 512
#define MAX_FILES 64
#define MAX_CAP 262144u
#define SNAP_MAX 262144u

struct want {
	bool ok;             /* to be written */
	__u32 iface;         /* pcapng: its interface's index in the file */
	__u32 caplen, len;
	__u32 ts_hi, ts_lo;  /* the fields the file holds */
	__u8 dir;
	__u8 seed;           /* its bytes: frame_bytes(seed) */
};

struct script {
	struct ps_capfile_opts o;
	__u32 snap;          /* the effective snap length */
	__u32 file_link;     /* pcap: the link type records must have */
	__u64 fsize;         /* RLIMIT_FSIZE, 0: none */
	struct want w[MAX_RECS];
	size_t n;
	/* pcapng interfaces in declaration order */
	struct {
		__u32 key, linktype, snaplen;
		__u8 tsresol;
		__s64 tsoffset;
		bool live;
		char name[64];
	} ifc[80];
	int nifc;
	bool too_many;       /* a declaration was refused (E2BIG) */
};

static __u8 frame[MAX_CAP + 64];

static void frame_bytes(__u8 seed, __u32 len)
{
	for (__u32 j = 0; j < len; j++)
		frame[j] = (__u8)(seed * 31 + j * 7 + (j >> 8));
}

static int iface_of(const struct script *s, __u32 key)
{
	for (int i = 0; i < s->nifc; i++)
		if (s->ifc[i].key == key)
			return i;
	return -1;
}

/* The interface a pcapng record of 'key' goes on, declared as a live one
 * (Ethernet, nanoseconds) when it was not: its index, or -1 when the
 * writer has no room for it. */
static int pcapng_iface(struct script *s, __u32 key)
{
	int i = iface_of(s, key);

	if (i >= 0)
		return i;
	if (s->nifc == 64)
		return -1;
	i = s->nifc++;
	s->ifc[i].key = key;
	s->ifc[i].linktype = DLT_EN10MB;
	s->ifc[i].snaplen = 0;
	s->ifc[i].tsresol = 9;
	s->ifc[i].tsoffset = 0;
	s->ifc[i].live = true;
	snprintf(s->ifc[i].name, sizeof(s->ifc[i].name), "?");
	return i;
}

static __u32 pick_caplen(struct fz *f)
{
	__u8 sel = fz_u8(f);

	if (sel < 200)
		return fz_range(f, 0, 1600);
	if (sel < 245)
		return fz_range(f, 0, 70000);
	return fz_range(f, MAX_CAP - 64, MAX_CAP + 64);
}

static __u32 pick_len(struct fz *f, __u32 caplen)
{
	switch (fz_u8(f) % 4) {
	case 0:
		return fz_u32(f);
	case 1:
		return caplen + fz_u8(f);
	default:
		return caplen;
	}
}

static __u8 pick_dir(struct fz *f)
{
	return fz_u8(f) % 3;
}

static const char *pick_hook(struct fz *f, char *buf, size_t len)
{
	const __u8 *p;
	size_t n;

	switch (fz_u8(f) % 4) {
	case 0:
		return NULL;
	case 1:
		return "xdp";
	case 2:
		return "tc";
	default:
		n = fz_take(f, fz_range(f, 0, 48), &p);
		if (n >= len)
			n = len - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return buf;
	}
}

static __u32 cut(const struct script *s, __u32 caplen)
{
	return caplen > s->snap ? s->snap : caplen;
}

/* One record through ps_capfile_write_rec() (raw: as -r from a file of the
 * same kind hands them over) or ps_capfile_write() (live). */
static void one_record(struct fz *f, struct script *s, struct ps_capfile *cf, bool live)
{
	struct want *w = &s->w[s->n++];
	struct ps_capfile_rec r = {};
	char hook[64];
	__u64 ts_ns;
	int idx = 0;

	memset(w, 0, sizeof(*w));
	w->caplen = pick_caplen(f);
	w->len = pick_len(f, w->caplen);
	w->seed = fz_u8(f);
	w->dir = pick_dir(f);
	frame_bytes(w->seed, w->caplen);
	r.caplen = w->caplen;
	r.len = w->len;
	r.data = frame;
	r.dir = w->dir;
	r.hook = pick_hook(f, hook, sizeof(hook));
	if (fz_u8(f) < 8)
		ts_ns = fz_u64(f); /* any: past 2106 too */
	else
		ts_ns = 1700000000000000000ull + fz_u32(f) * 1000ull + fz_u16(f);
	r.ts_ns = ts_ns;
	w->ok = true;
	if (s->o.pcapng) {
		__u32 key = live ? fz_u8(f) % 8 : s->nifc ? s->ifc[fz_u8(f) % s->nifc].key : 0;

		idx = pcapng_iface(s, key);
		if (idx < 0) {
			w->ok = false;
			idx = 0;
		}
		r.iface = key;
		w->iface = idx;
		/* Records of an interface described in full come as -r hands
		 * them over: the count of its units, as the input held it. */
		if (!s->ifc[idx].live && !live) {
			r.raw = true;
			r.ts_hi = fz_u32(f);
			r.ts_lo = fz_u32(f);
			w->ts_hi = r.ts_hi;
			w->ts_lo = r.ts_lo;
		} else {
			w->ts_hi = ts_ns >> 32;
			w->ts_lo = (__u32)ts_ns;
		}
		/* The direction flag goes only where one is known. */
	} else {
		/* ps_capfile_write() writes Ethernet frames. */
		r.linktype = live ? DLT_EN10MB : fz_u8(f) < 16 ? fz_u16(f) : s->file_link;
		r.iface = fz_u8(f);
		if (r.linktype != s->file_link)
			w->ok = false;
		if (!live && fz_bool(f)) {
			r.raw = true;
			r.ts_hi = fz_u32(f);
			r.ts_lo = fz_u32(f);
			w->ts_hi = r.ts_hi;
			w->ts_lo = r.ts_lo;
		} else {
			if (ts_ns / 1000000000ull > UINT32_MAX)
				w->ok = false;
			w->ts_hi = (__u32)(ts_ns / 1000000000ull);
			w->ts_lo = (__u32)(ts_ns % 1000000000ull / (s->o.usec ? 1000 : 1));
		}
		w->dir = 0; /* pcap holds none */
	}
	w->caplen = cut(s, w->caplen);
	/* pcapng: and to the snap length of its interface block. */
	if (s->o.pcapng && w->ok && s->ifc[w->iface].snaplen && w->caplen > s->ifc[w->iface].snaplen)
		w->caplen = s->ifc[w->iface].snaplen;
	if (live)
		ps_capfile_write(cf, ts_ns, r.iface, w->dir != PS_DIR_OUT, r.hook, frame, r.caplen,
				 r.len);
	else
		ps_capfile_write_rec(cf, &r);
	if (s->o.pcapng && live)
		w->dir = w->dir == PS_DIR_OUT ? PS_DIR_OUT : PS_DIR_IN;
}

/* Records laid out as the ring holds them, through ps_capfile_write_recs(). */
static void batch(struct fz *f, struct script *s, struct ps_capfile *cf)
{
	unsigned int n = fz_range(f, 1, 24), k = 0;
	const struct ps_pcap_rec *recs[24];
	__u8 *mem[24];

	for (unsigned int i = 0; i < n && s->n < MAX_RECS; i++) {
		struct want *w = &s->w[s->n++];
		struct ps_pcap_rec h;

		memset(w, 0, sizeof(*w));
		w->caplen = pick_caplen(f);
		w->len = pick_len(f, w->caplen);
		w->seed = fz_u8(f);
		w->ts_hi = fz_u8(f) < 8 ? fz_u32(f) : 1700000000u + fz_u16(f);
		w->ts_lo = fz_u32(f) % 1000000000u;
		/* The ring's records are never over the snap length, but the
		 * writer must not take one that is (a write error). */
		w->ok = !s->o.pcapng && w->caplen <= s->snap;
		h = (struct ps_pcap_rec){ w->ts_hi, w->ts_lo, w->caplen, w->len };
		mem[k] = malloc(sizeof(h) + w->caplen);
		if (!mem[k])
			abort();
		memcpy(mem[k], &h, sizeof(h));
		frame_bytes(w->seed, w->caplen);
		memcpy(mem[k] + sizeof(h), frame, w->caplen);
		recs[k] = (const struct ps_pcap_rec *)mem[k];
		k++;
	}
	ps_capfile_write_recs(cf, recs, k);
	for (unsigned int i = 0; i < k; i++)
		free(mem[i]);
}

static void declare(struct fz *f, struct script *s, struct ps_capfile *cf)
{
	static const __u32 links[] = { 1, 101, 113, 276, 0, 108, 228, 229, 12 };
	struct ps_capfile_iface d = {};
	__u32 key = fz_u8(f) < 32 ? 100 + fz_u8(f) : fz_u8(f) % 8;
	const __u8 *p;
	char name[80];
	size_t n;
	int i, rc;

	if (fz_bool(f)) {
		/* A live interface. */
		rc = ps_capfile_add_iface(cf, key, "eth0");
		i = iface_of(s, key);
		if (i < 0 && s->nifc < 64) {
			i = pcapng_iface(s, key);
			snprintf(s->ifc[i].name, sizeof(s->ifc[i].name), "eth0");
		}
	} else {
		n = fz_take(f, fz_range(f, 0, 70), &p);
		memcpy(name, p, n);
		name[n] = '\0';
		d.name = name;
		d.linktype = fz_u8(f) < 8 ? fz_u16(f) : links[fz_u8(f) % 9];
		d.snaplen = fz_u8(f) < 200 ? 0 : fz_range(f, 1, SNAP_MAX + 10);
		/* if_tsresol values pktscope's reader and libpcap take. */
		d.tsresol = fz_bool(f) ? fz_range(f, 0, 19) : 0x80 | fz_range(f, 0, 63);
		d.tsoffset = fz_u8(f) < 200 ? 0 : (__s64)fz_u64(f) >> fz_range(f, 0, 63);
		rc = ps_capfile_add_iface_as(cf, key, &d);
		i = iface_of(s, key);
		if (i < 0 && s->nifc < 64) {
			i = s->nifc++;
			s->ifc[i].key = key;
			s->ifc[i].linktype = d.linktype;
			s->ifc[i].snaplen = d.snaplen;
			s->ifc[i].tsresol = d.tsresol;
			s->ifc[i].tsoffset = d.tsoffset;
			s->ifc[i].live = false;
			snprintf(s->ifc[i].name, sizeof(s->ifc[i].name), "%s", name);
		}
	}
	if ((i < 0) != (rc < 0) || (i >= 0 && rc != i))
		fz_fail("declaring interface key %u: the writer says %d, want %d", key, rc, i);
}

/* ---- reading back ---- */

struct got {
	__u32 iface, caplen, len, ts_hi, ts_lo;
	__u8 dir;
	__u8 *data;
	size_t file;
};

struct readback {
	struct got g[MAX_RECS * 2];
	size_t n;
	size_t nfiles;
	__u64 bytes;
};

static void file_path(const char *base, size_t i, char *buf, size_t len)
{
	if (i)
		snprintf(buf, len, "%s%zu", base, i);
	else
		snprintf(buf, len, "%s", base);
}

/* What the file held before its last record went in: pcap records follow
 * each other; pcapng blocks are walked for the last packet block (an
 * interface declared later may follow it). */
static __u64 before_last(const char *path, bool pcapng, __u32 last_caplen, __u64 size)
{
	__u64 off = 0, last = 0;
	__u8 *buf;
	FILE *f;

	if (!pcapng)
		return size - 16 - last_caplen;
	buf = malloc(size);
	f = fopen(path, "rbe");
	if (!buf || !f || fread(buf, 1, size, f) != size)
		fz_fail("%s: cannot read it back whole", path);
	fclose(f);
	while (size - off >= 12) {
		__u32 type, len;

		memcpy(&type, buf + off, 4);
		memcpy(&len, buf + off + 4, 4);
		if (len < 12 || len > size - off)
			fz_fail("%s: a block of %u bytes at %llu", path, len, (unsigned long long)off);
		if (type == 6)
			last = off;
		off += len;
	}
	free(buf);
	return last;
}

static void read_one(const struct script *s, const char *path, size_t fileno, struct readback *rb)
{
	struct ps_capread *r;
	struct ps_capread_rec rec;
	const struct ps_capread_iface *ifs;
	char err[256];
	size_t first = rb->n;
	struct stat st;
	__u32 nif;
	int rc;

	/* A file whose very header could not be written holds nothing. */
	if (s->fsize && !stat(path, &st) && !st.st_size)
		return;
	rc = ps_capread_open(&r, path, err, sizeof(err));
	if (rc)
		fz_fail("%s: pktscope's reader refuses it: %s", path, err);
	while ((rc = ps_capread_next(r, &rec)) == 1) {
		struct got *g;

		if (rb->n == sizeof(rb->g) / sizeof(rb->g[0]))
			fz_fail("%s: more records than were written", path);
		g = &rb->g[rb->n++];
		g->iface = rec.iface;
		g->caplen = rec.caplen;
		g->len = rec.len;
		g->ts_hi = rec.ts_hi;
		g->ts_lo = rec.ts_lo;
		g->dir = rec.dir;
		g->file = fileno;
		g->data = malloc(rec.caplen ? rec.caplen : 1);
		if (!g->data)
			abort();
		memcpy(g->data, rec.data, rec.caplen);
		rb->bytes += rec.caplen;
	}
	if (rc < 0)
		fz_fail("%s: damaged after %zu records: %s", path, rb->n - first, ps_capread_error(r));
	ifs = ps_capread_ifaces(r, &nif);
	if (s->o.pcapng) {
		/* Every file declares every interface declared when it began;
		 * their descriptions are what was declared. */
		for (__u32 i = 0; i < nif; i++) {
			if (i >= (__u32)s->nifc)
				fz_fail("%s: interface %u was never declared", path, i);
			if (ifs[i].linktype != (s->ifc[i].linktype & 0xffff) ||
			    ifs[i].snaplen != (s->ifc[i].snaplen ? s->ifc[i].snaplen : s->snap) ||
			    ifs[i].tsresol != s->ifc[i].tsresol || ifs[i].tsoffset != s->ifc[i].tsoffset ||
			    strncmp(ifs[i].name, s->ifc[i].name, 63))
				fz_fail("%s: interface %u reads back as link %u snap %u tsresol %#x "
					"offset %lld '%s', declared link %u snap %u tsresol %#x offset "
					"%lld '%s'", path, i, ifs[i].linktype, ifs[i].snaplen,
					ifs[i].tsresol, (long long)ifs[i].tsoffset, ifs[i].name,
					s->ifc[i].linktype, s->ifc[i].snaplen, s->ifc[i].tsresol,
					(long long)s->ifc[i].tsoffset, s->ifc[i].name);
		}
	} else {
		__u32 hsnap = s->o.header_snaplen ? s->o.header_snaplen : s->snap;

		if (nif != 1 || ifs[0].linktype_field != (s->o.linktype_set ? s->o.linktype : 1) ||
		    ifs[0].snaplen != hsnap || ifs[0].units != (s->o.usec ? 1000000u : 1000000000u))
			fz_fail("%s: pcap header reads back as link %#x snap %u units %llu", path,
				nif ? ifs[0].linktype_field : 0, nif ? ifs[0].snaplen : 0,
				nif ? (unsigned long long)ifs[0].units : 0);
	}
	ps_capread_close(r);
	if (s->o.rotate_bytes && rb->n > first && !stat(path, &st) &&
	    before_last(path, s->o.pcapng, rb->g[rb->n - 1].caplen, st.st_size) > s->o.rotate_bytes)
		fz_fail("%s: -C %llu, but its last record went in at %llu bytes", path,
			(unsigned long long)s->o.rotate_bytes,
			(unsigned long long)before_last(path, s->o.pcapng, rb->g[rb->n - 1].caplen,
							st.st_size));
}

/* libpcap reads the file to the records pktscope's reader gave. */
static void libpcap_one(const struct script *s, const char *path, const struct readback *rb,
			size_t fileno)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct stat st;
	size_t i = 0;
	pcap_t *p;
	int rc;

	/* libpcap 1.10 reads a pcapng file only when all its interfaces
	 * have one link type and one snap length, and no record is longer
	 * than that: other files are for pktscope's reader alone. */
	if (s->o.pcapng) {
		for (int k = 1; k < s->nifc; k++)
			if ((s->ifc[k].linktype & 0xffff) != (s->ifc[0].linktype & 0xffff) ||
			    (s->ifc[k].snaplen ? s->ifc[k].snaplen : s->snap) !=
				    (s->ifc[0].snaplen ? s->ifc[0].snaplen : s->snap))
				return;
		for (size_t k = 0; k < rb->n; k++)
			if (rb->g[k].file == fileno && s->nifc &&
			    rb->g[k].caplen > (s->ifc[0].snaplen ? s->ifc[0].snaplen : s->snap))
				return;
	}
	if (s->fsize && !stat(path, &st) && !st.st_size)
		return;
	p = pcap_open_offline_with_tstamp_precision(path, s->o.usec && !s->o.pcapng ?
							  PCAP_TSTAMP_PRECISION_MICRO :
							  PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!p) {
		bool recs = false;

		for (size_t k = 0; k < rb->n; k++)
			recs |= rb->g[k].file == fileno;
		/* A pcapng file with no interface is one libpcap refuses:
		 * none was declared, or a failed write took the first one
		 * (the file then holds no packet). */
		if (s->o.pcapng && (!s->nifc || (s->fsize && !recs)) &&
		    strstr(ebuf, "no Interface Description Blocks"))
			return;
		fz_fail("%s: libpcap refuses it: %s", path, ebuf);
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		const struct got *g = NULL;
		__u32 want_cap;

		while (i < rb->n && rb->g[i].file != fileno)
			i++;
		if (i == rb->n)
			fz_fail("%s: libpcap reads more records than pktscope's reader", path);
		g = &rb->g[i++];
		want_cap = g->caplen;
		if (!s->o.pcapng && want_cap > (__u32)pcap_snapshot(p))
			want_cap = pcap_snapshot(p); /* libpcap cuts to the header's */
		if (h->caplen != want_cap || h->len != g->len || memcmp(d, g->data, h->caplen))
			fz_fail("%s: libpcap reads a record of %u/%u bytes, pktscope's reader %u/%u",
				path, h->caplen, h->len, g->caplen, g->len);
		if (!s->o.pcapng &&
		    ((__u32)h->ts.tv_sec != g->ts_hi || (__u32)h->ts.tv_usec != g->ts_lo))
			fz_fail("%s: libpcap's time %lld.%ld, fields %u %u", path,
				(long long)h->ts.tv_sec, (long)h->ts.tv_usec, g->ts_hi, g->ts_lo);
	}
	if (rc == PCAP_ERROR)
		fz_fail("%s: libpcap finds it damaged: %s", path, pcap_geterr(p));
	while (i < rb->n && rb->g[i].file != fileno)
		i++;
	if (i != rb->n && rb->g[i].file == fileno)
		fz_fail("%s: libpcap reads fewer records than pktscope's reader", path);
	pcap_close(p);
}

static bool same(const struct want *w, const struct got *g)
{
	if (w->caplen != g->caplen || w->len != g->len || w->ts_hi != g->ts_hi ||
	    w->ts_lo != g->ts_lo || w->dir != g->dir || w->iface != g->iface)
		return false;
	frame_bytes(w->seed, w->caplen);
	return !memcmp(frame, g->data, w->caplen);
}

static void check(const struct script *s, const struct ps_capfile_stats *st, int close_err,
		  const char *base)
{
	struct readback *rb = calloc(1, sizeof(*rb));
	size_t j = 0, want_ok = 0, want_bad = 0;
	char path[600];

	if (!rb)
		abort();
	for (size_t i = 0; i < s->n; i++)
		s->w[i].ok ? want_ok++ : want_bad++;
	for (rb->nfiles = 0; rb->nfiles < MAX_FILES; rb->nfiles++) {
		file_path(base, rb->nfiles, path, sizeof(path));
		if (access(path, F_OK))
			break;
		read_one(s, path, rb->nfiles, rb);
		libpcap_one(s, path, rb, rb->nfiles);
	}
	if (rb->nfiles != st->files)
		fz_fail("%zu files on disk, the writer says %u", rb->nfiles, st->files);
	/* -C starts a new file only after a record went into the last one. */
	for (size_t k = 0; !s->fsize && k + 1 < rb->nfiles; k++) {
		size_t in = 0;

		for (size_t i = 0; i < rb->n; i++)
			in += rb->g[i].file == k;
		if (!in)
			fz_fail("file %zu of %zu holds no record", k + 1, rb->nfiles);
	}
	if (st->packets != rb->n || st->bytes != rb->bytes)
		fz_fail("the files hold %zu records (%llu bytes), the writer says %llu (%llu)", rb->n,
			(unsigned long long)rb->bytes, (unsigned long long)st->packets,
			(unsigned long long)st->bytes);
	if (st->packets + st->write_errors != s->n)
		fz_fail("%zu records given, %llu written and %llu write errors", s->n,
			(unsigned long long)st->packets, (unsigned long long)st->write_errors);
	/* In order: each record read is the next written one it matches;
	 * with no size limit, none is skipped but those refused. */
	for (size_t i = 0; i < rb->n; i++) {
		while (j < s->n && !(s->w[j].ok && same(&s->w[j], &rb->g[i]))) {
			if (!s->fsize && s->w[j].ok)
				fz_fail("record %zu of the script is not in the files (file record %zu "
					"is %u/%u bytes, iface %u, time %u %u, dir %u)", j + 1, i + 1,
					rb->g[i].caplen, rb->g[i].len, rb->g[i].iface, rb->g[i].ts_hi,
					rb->g[i].ts_lo, rb->g[i].dir);
			j++;
		}
		if (j == s->n)
			fz_fail("file record %zu (%u/%u bytes, iface %u, time %u %u, dir %u) was "
				"never written", i + 1, rb->g[i].caplen, rb->g[i].len, rb->g[i].iface,
				rb->g[i].ts_hi, rb->g[i].ts_lo, rb->g[i].dir);
		j++;
	}
	if (!s->fsize) {
		while (j < s->n && !s->w[j].ok)
			j++;
		if (j != s->n)
			fz_fail("record %zu of the script is not in the files", j + 1);
		if (st->write_errors != want_bad)
			fz_fail("%llu write errors, %zu records to refuse",
				(unsigned long long)st->write_errors, want_bad);
		if (!want_bad && close_err)
			fz_fail("closing says %d with every record written", close_err);
	}
	for (size_t i = 0; i < rb->n; i++)
		free(rb->g[i].data);
	free(rb);
}

static void clear_dir(const char *dir, const char *name)
{
	char base[512], path[600];

	snprintf(base, sizeof(base), "%s/%s", dir, name);
	for (size_t i = 0; i < MAX_FILES + 1; i++) {
		file_path(base, i, path, sizeof(path));
		unlink(path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct script s;
	static const __u32 links[] = { 1, 101, 113, 276, 0, 108, 228, 229 };
	struct ps_capfile_stats st = {};
	struct ps_capfile *cf;
	struct rlimit old, lim;
	char base[600];
	const char *dir;
	struct fz f;
	__u8 flags;
	int err, close_err;

	fz_init(&f, data, size);
	memset(&s, 0, sizeof(s));
	flags = fz_u8(&f);
	s.o.pcapng = flags & 1;
	s.o.usec = flags & 2;
	s.o.no_direct_io = flags & 8;
	dir = flags & 4 ? fz_tmpdir_disk() : fz_tmpdir();
	snprintf(base, sizeof(base), "%s/out", dir);
	clear_dir(dir, "out");
	s.o.path = base;
	s.o.snaplen = fz_u8(&f) < 128 ? 0 : fz_range(&f, 1, SNAP_MAX + 16);
	s.snap = !s.o.snaplen || s.o.snaplen > SNAP_MAX ? SNAP_MAX : s.o.snaplen;
	if (fz_u8(&f) < 32)
		s.o.header_snaplen = fz_range(&f, 1, SNAP_MAX);
	if (flags & 64) {
		s.o.linktype_set = true;
		s.o.linktype = links[fz_u8(&f) % 8] | (fz_u8(&f) < 16 ? (__u32)fz_range(&f, 0, 63) << 26 : 0);
	}
	s.file_link = s.o.linktype_set ? s.o.linktype & 0x03FFFFFF : DLT_EN10MB;
	if (flags & 16)
		s.o.rotate_bytes = fz_range(&f, 4096, 1 << 20);
	if (flags & 32)
		s.fsize = fz_range(&f, 16, 4 << 20);

	if (s.fsize) {
		/* A file past RLIMIT_FSIZE is a write error (EFBIG), as pktscope
		 * capture has it (src/cli/common.c); libFuzzer's own handler
		 * (-handle_xfsz) would call it a crash. */
		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &old);
		lim = old;
		lim.rlim_cur = s.fsize;
		setrlimit(RLIMIT_FSIZE, &lim);
	}
	err = ps_capfile_open(&cf, &s.o);
	if (err) {
		if (s.fsize)
			setrlimit(RLIMIT_FSIZE, &old);
		fz_fail("ps_capfile_open(%s): %d", base, err);
	}
	while (f.n && s.n < MAX_RECS) {
		switch (fz_u8(&f) % 8) {
		case 0:
		case 1:
		case 2:
			one_record(&f, &s, cf, false);
			break;
		case 3:
			one_record(&f, &s, cf, true);
			break;
		case 4:
			batch(&f, &s, cf);
			break;
		case 5:
			ps_capfile_flush(cf);
			break;
		default:
			if (s.o.pcapng)
				declare(&f, &s, cf);
			else
				one_record(&f, &s, cf, false);
		}
	}
	close_err = ps_capfile_close(cf, &st);
	if (s.fsize)
		setrlimit(RLIMIT_FSIZE, &old);
	check(&s, &st, close_err, base);
	clear_dir(dir, "out");
	return 0;
}
