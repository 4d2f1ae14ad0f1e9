// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <byteswap.h>
#include "capread.h"

/* pcap magics (as read in host order), libpcap's savefile.c. */
#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_MAGIC_KUZNETZOV 0xa1b2cd34u /* records carry 8 more bytes */
#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16

/* pcapng (draft-ietf-opsawg-pcapng) */
#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 0x00000001u
#define NG_OPB 0x00000002u /* obsolete packet block */
#define NG_SPB 0x00000003u
#define NG_EPB 0x00000006u
#define NG_BOM 0x1A2B3C4Du
#define NG_OPT_END 0
#define NG_IF_NAME 2
#define NG_IF_TSRESOL 9
#define NG_IF_TSOFFSET 14
#define NG_EPB_FLAGS 2
/* libpcap's largest block (sf-pcapng.c MAX_BLOCKSIZE_FOR_SNAPLEN of its
 * largest snap length, rounded up): a longer one is damage. */
#define NG_MAX_BLOCK (16u * 1024 * 1024)

struct ps_capread {
	FILE *f;
	bool own_file;            /* not standard input */
	enum ps_capread_format fmt;
	bool swapped;             /* file byte order is not ours */
	/* pcap */
	bool nsec;
	bool kuznetzov;
	int len_swap;             /* 0 no, 1 always, 2 when caplen > len
				   * (files older than 2.4 swapped the two) */
	/* pcapng: interfaces of every section, in file order; a section's
	 * interface ids count from section_base. */
	struct ps_capread_iface *ifaces;
	__u32 nifaces, cap_ifaces;
	__u32 section_base;
	__u32 seen;               /* IDBs met by the read so far */
	bool scanned;             /* ps_capread_scan() declared them all */
	__u64 records;
	__u64 blocks;             /* pcapng blocks met */
	__u8 pend[4];             /* bytes read ahead, given back first */
	__u32 npend;
	__u8 *buf;
	size_t buf_cap;
	char err[256];
};

static int fail(struct ps_capread *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return err;
}

static __u16 u16_at(const struct ps_capread *r, const __u8 *p)
{
	__u16 v;

	memcpy(&v, p, 2);
	return r->swapped ? bswap_16(v) : v;
}

static __u32 u32_at(const struct ps_capread *r, const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return r->swapped ? bswap_32(v) : v;
}

static __u64 u64_at(const struct ps_capread *r, const __u8 *p)
{
	__u64 v;

	memcpy(&v, p, 8);
	return r->swapped ? bswap_64(v) : v;
}

static int grow(struct ps_capread *r, size_t need)
{
	size_t cap = r->buf_cap ? r->buf_cap : 65536;
	__u8 *b;

	if (need <= r->buf_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	b = realloc(r->buf, cap);
	if (!b)
		return fail(r, -ENOMEM, "out of memory for a %zu-byte record", need);
	r->buf = b;
	r->buf_cap = cap;
	return 0;
}

/* Reads exactly n bytes: 1, 0 when the file ends before the first byte, or
 * -EINVAL when it ends inside them ('what' names them for the message). */
static int read_n(struct ps_capread *r, void *dst, size_t n, const char *what)
{
	size_t got = 0;

	if (r->npend) {
		got = n < r->npend ? n : r->npend;
		memcpy(dst, r->pend, got);
		memmove(r->pend, r->pend + got, r->npend - got);
		r->npend -= got;
	}
	got += fread((__u8 *)dst + got, 1, n - got, r->f);

	if (got == n)
		return 1;
	if (ferror(r->f))
		return fail(r, -EIO, "read error after %llu records: %s",
			    (unsigned long long)r->records, strerror(errno));
	if (!got)
		return 0;
	return fail(r, -EINVAL, "truncated dump file; tried to read %zu %s bytes, only got %zu",
		    n, what, got);
}

static int add_iface(struct ps_capread *r, const struct ps_capread_iface *ifc)
{
	if (r->nifaces == r->cap_ifaces) {
		__u32 cap = r->cap_ifaces ? 2 * r->cap_ifaces : 8;
		struct ps_capread_iface *n = realloc(r->ifaces, cap * sizeof(*n));

		if (!n)
			return fail(r, -ENOMEM, "out of memory for interface %u", r->nifaces);
		r->ifaces = n;
		r->cap_ifaces = cap;
	}
	r->ifaces[r->nifaces++] = *ifc;
	return 0;
}

/* 10^n or 2^n units per second, as if_tsresol says; 0 when too fine to
 * count in 64 bits (libpcap refuses those files too). */
static __u64 tsresol_units(__u8 res)
{
	__u64 u = 1;

	if (res & 0x80)
		return (res & 0x7f) < 64 ? 1ULL << (res & 0x7f) : 0;
	if (res > 19)
		return 0;
	while (res--)
		u *= 10;
	return u;
}

/* ------------------------------------------------------------------ pcap */

static int pcap_open(struct ps_capread *r, __u32 magic)
{
	struct ps_capread_iface ifc = { .tsresol = 6, .units = 1000000 };
	__u8 h[PCAP_HDR_LEN];
	__u16 major, minor;
	int rc;

	memcpy(h, &magic, 4);
	rc = read_n(r, h + 4, sizeof(h) - 4, "file header");
	if (rc <= 0)
		return rc ? rc : fail(r, -EINVAL, "truncated dump file; tried to read %d file "
				      "header bytes, only got 4", PCAP_HDR_LEN);
	if (magic != PCAP_MAGIC_USEC && magic != PCAP_MAGIC_NSEC && magic != PCAP_MAGIC_KUZNETZOV) {
		r->swapped = true;
		magic = bswap_32(magic);
	}
	r->fmt = PS_CAPREAD_PCAP;
	r->nsec = magic == PCAP_MAGIC_NSEC;
	r->kuznetzov = magic == PCAP_MAGIC_KUZNETZOV;
	major = u16_at(r, h + 4);
	minor = u16_at(r, h + 6);
	if (major < 2)
		return fail(r, -EINVAL, "archaic pcap savefile format");
	/* libpcap takes 2.x up to 2.4, and 543.0 (an AIX quirk). */
	if (!(major == 2 && minor <= 4) && !(major == 543 && minor == 0))
		return fail(r, -EINVAL, "unsupported pcap savefile version %u.%u", major, minor);
	if (major == 2 && minor < 3)
		r->len_swap = 1;
	else if (major == 2 && minor == 3)
		r->len_swap = 2;
	ifc.snaplen = u32_at(r, h + 16);
	ifc.swapped = r->swapped;
	ifc.linktype_field = u32_at(r, h + 20);
	ifc.linktype = ifc.linktype_field & 0x03FFFFFF;
	if (r->nsec) {
		ifc.tsresol = 9;
		ifc.units = 1000000000;
	}
	return add_iface(r, &ifc);
}

static int pcap_next(struct ps_capread *r, struct ps_capread_rec *rec)
{
	__u8 h[PCAP_REC_LEN + 8];
	size_t hlen = PCAP_REC_LEN + (r->kuznetzov ? 8 : 0);
	__u32 caplen, len;
	int rc;

	rc = read_n(r, h, hlen, "header");
	if (rc <= 0)
		return rc;
	memset(rec, 0, sizeof(*rec));
	rec->ts_hi = u32_at(r, h);
	rec->ts_lo = u32_at(r, h + 4);
	caplen = u32_at(r, h + 8);
	len = u32_at(r, h + 12);
	if (r->len_swap == 1 || (r->len_swap == 2 && caplen > len)) {
		__u32 t = caplen;

		caplen = len;
		len = t;
	}
	if (caplen > PS_CAPREAD_MAX_CAPLEN)
		return fail(r, -EINVAL, "invalid packet capture length %u, bigger than maximum of %u",
			    caplen, PS_CAPREAD_MAX_CAPLEN);
	rc = grow(r, caplen ? caplen : 1);
	if (rc)
		return rc;
	if (caplen) {
		rc = read_n(r, r->buf, caplen, "captured");
		if (rc <= 0)
			return rc ? rc : fail(r, -EINVAL, "truncated dump file; tried to read %u "
					      "captured bytes, only got 0", caplen);
	}
	rec->data = r->buf;
	rec->caplen = caplen;
	rec->len = len;
	/* Seconds as the unsigned field they are; a fraction of a second or
	 * more (a damaged or crafted record) is kept as it adds up. */
	rec->ts_ns = rec->ts_hi * 1000000000ULL + (__u64)rec->ts_lo * (r->nsec ? 1 : 1000);
	return 1;
}

/* ---------------------------------------------------------------- pcapng */

/* The options after 'fixed' bytes of a block body of 'blen' bytes: calls
 * fn for each until opt_endofopt.  A malformed option list ends the walk;
 * the record itself stands (libpcap reads the same way). */
static void ng_options(const struct ps_capread *r, const __u8 *body, __u32 blen, __u32 fixed,
		       void (*fn)(const struct ps_capread *r, __u16 code, const __u8 *v,
				  __u16 len, void *ctx),
		       void *ctx)
{
	__u32 off = fixed;

	while (off + 4 <= blen) {
		__u16 code = u16_at(r, body + off), len = u16_at(r, body + off + 2);

		if (code == NG_OPT_END || off + 4 + len > blen)
			return;
		fn(r, code, body + off + 4, len, ctx);
		off += 4 + ((len + 3u) & ~3u);
	}
}

/* An interface block's options, checked as libpcap checks them (a file
 * whose interface block libpcap refuses is damaged here too): each option
 * whole in the block, opt_endofopt empty, if_tsresol one byte and
 * if_tsoffset eight, each at most once. */
static int idb_options(struct ps_capread *r, __u32 blen, struct ps_capread_iface *ifc)
{
	bool tsresol = false, tsoffset = false;
	__u32 off = 8;

	while (off < blen) {
		__u16 code, len;
		const __u8 *v;

		if (blen - off < 4 || ((u16_at(r, r->buf + off + 2) + 3u) & ~3u) > blen - off - 4)
			return fail(r, -EINVAL, "interface description block is too short for its "
				    "options");
		code = u16_at(r, r->buf + off);
		len = u16_at(r, r->buf + off + 2);
		v = r->buf + off + 4;
		if (code == NG_OPT_END) {
			if (len)
				return fail(r, -EINVAL, "interface description block has "
					    "opt_endofopt option with length %u != 0", len);
			return 0;
		} else if (code == NG_IF_NAME) {
			size_t n = len < sizeof(ifc->name) - 1 ? len : sizeof(ifc->name) - 1;

			memcpy(ifc->name, v, n);
			ifc->name[n] = '\0';
			ifc->name[strcspn(ifc->name, "\0")] = '\0';
		} else if (code == NG_IF_TSRESOL) {
			if (len != 1 || tsresol)
				return fail(r, -EINVAL, "interface description block has a second "
					    "if_tsresol option, or one of %u bytes", len);
			tsresol = true;
			ifc->tsresol = v[0];
		} else if (code == NG_IF_TSOFFSET) {
			if (len != 8 || tsoffset)
				return fail(r, -EINVAL, "interface description block has a second "
					    "if_tsoffset option, or one of %u bytes", len);
			tsoffset = true;
			ifc->tsoffset = (__s64)u64_at(r, v);
		}
		off += 4 + ((len + 3u) & ~3u);
	}
	return 0;
}

static void epb_option(const struct ps_capread *r, __u16 code, const __u8 *v, __u16 len,
		       void *ctx)
{
	struct ps_capread_rec *rec = ctx;

	if (code == NG_EPB_FLAGS && len >= 4) {
		switch (u32_at(r, v) & 3) {
		case 1: rec->dir = PS_DIR_IN; break;
		case 2: rec->dir = PS_DIR_OUT; break;
		}
	}
}

/* Reads one block's header, and its body (the bytes between the length
 * and the trailing length) into r->buf unless 'decl_only' says to skip a
 * block that declares nothing (ps_capread_scan()).  1, 0 at the end of
 * the file, or -errno. */
static int ng_block(struct ps_capread *r, __u32 *type, __u32 *blen, bool decl_only)
{
	__u8 h[8];
	__u32 total, bom = 0;
	int rc;

	rc = read_n(r, h, 8, "block header");
	if (rc <= 0)
		return rc;
	memcpy(type, h, 4);
	if (*type == NG_SHB) {
		/* A section sets its own byte order: the length is in it. */
		rc = read_n(r, &bom, 4, "section header");
		if (rc <= 0)
			return rc ? rc : fail(r, -EINVAL, "truncated section header block");
		if (bom == NG_BOM)
			r->swapped = false;
		else if (bom == bswap_32(NG_BOM))
			r->swapped = true;
		else
			return fail(r, -EINVAL, "section header block has an unknown byte-order "
				    "magic 0x%08x", bom);
	}
	*type = u32_at(r, h);
	total = u32_at(r, h + 4);
	if (total < (*type == NG_SHB ? 28u : 12u) || total % 4)
		return fail(r, -EINVAL, "block in pcapng dump file has a length of %u that is "
			    "not a multiple of 4 or is too short", total);
	if (total > NG_MAX_BLOCK)
		return fail(r, -EINVAL, "pcapng block size %u > maximum %u", total, NG_MAX_BLOCK);
	*blen = total - 12;
	if (decl_only && *type != NG_SHB && *type != NG_IDB) {
		if (fseek(r->f, *blen + 4, SEEK_CUR))
			return fail(r, -errno, "cannot skip a block: %s", strerror(errno));
		return 1;
	}
	rc = grow(r, *blen + 4);
	if (rc)
		return rc;
	if (*type == NG_SHB) {
		memcpy(r->buf, &bom, 4);
		rc = read_n(r, r->buf + 4, *blen, "section header");
	} else {
		rc = read_n(r, r->buf, *blen + 4, "block");
	}
	if (rc <= 0)
		return rc ? rc : fail(r, -EINVAL, "truncated dump file; a block of %u bytes ends "
				      "early", total);
	/* libpcap checks the length a block ends with on every block but
	 * the file's first section header. */
	if (r->blocks++ && u32_at(r, r->buf + *blen) != total)
		return fail(r, -EINVAL, "block total length in header and trailer don't match");
	return 1;
}

static int ng_shb(struct ps_capread *r, __u32 blen)
{
	__u16 major;

	if (blen < 16)
		return fail(r, -EINVAL, "section header block is too short");
	major = u16_at(r, r->buf + 4);
	if (major != 1)
		return fail(r, -EINVAL, "unsupported pcapng savefile version %u.%u", major,
			    u16_at(r, r->buf + 6));
	r->section_base = r->seen;
	return 0;
}

static int ng_idb(struct ps_capread *r, __u32 blen)
{
	struct ps_capread_iface ifc = { .tsresol = 6 };
	int rc;

	if (blen < 8)
		return fail(r, -EINVAL, "interface description block is too short");
	ifc.linktype = ifc.linktype_field = u16_at(r, r->buf);
	ifc.swapped = r->swapped;
	ifc.snaplen = u32_at(r, r->buf + 4);
	rc = idb_options(r, blen, &ifc);
	if (rc)
		return rc;
	ifc.units = tsresol_units(ifc.tsresol);
	if (!ifc.units)
		return fail(r, -EINVAL, "interface description block if_tsresol option "
			    "resolution 0x%02x is too high", ifc.tsresol);
	r->seen++;
	/* Read ahead by ps_capread_scan(): declared already. */
	if (r->seen <= r->nifaces)
		return 0;
	return add_iface(r, &ifc);
}

/* pcapng time: a count of the interface's units, plus its offset. */
static __u64 ng_ns(const struct ps_capread_iface *ifc, __u32 hi, __u32 lo)
{
	unsigned __int128 count = ((__u64)hi << 32) | lo, ns;
	__int128 total;

	ns = count % ifc->units * 1000000000u / ifc->units;
	total = (__int128)(count / ifc->units) * 1000000000 + (__int128)ns +
		(__int128)ifc->tsoffset * 1000000000;
	if (total < 0)
		return 0;
	if (total > (__int128)UINT64_MAX)
		return UINT64_MAX;
	return (__u64)total;
}

static int ng_packet(struct ps_capread *r, __u32 type, __u32 blen, struct ps_capread_rec *rec)
{
	__u32 id, fixed, caplen, len, snap;
	const struct ps_capread_iface *ifc;

	memset(rec, 0, sizeof(*rec));
	if (type == NG_SPB) {
		if (blen < 4)
			return fail(r, -EINVAL, "simple packet block is too short");
		id = 0;
		len = u32_at(r, r->buf);
		fixed = 4;
		caplen = len;
	} else {
		fixed = 20;
		if (blen < fixed)
			return fail(r, -EINVAL, "%s packet block is too short",
				    type == NG_EPB ? "enhanced" : "obsolete");
		id = type == NG_EPB ? u32_at(r, r->buf) : u16_at(r, r->buf);
		rec->ts_hi = u32_at(r, r->buf + 4);
		rec->ts_lo = u32_at(r, r->buf + 8);
		caplen = u32_at(r, r->buf + 12);
		len = u32_at(r, r->buf + 16);
		if (caplen > blen - fixed)
			return fail(r, -EINVAL, "a packet block's captured length %u is larger "
				    "than the block", caplen);
	}
	if (id >= r->seen - r->section_base)
		return fail(r, -EINVAL, "a packet arrived on interface %u, but there's no "
			    "Interface Description Block for that interface", id);
	rec->iface = r->section_base + id;
	ifc = &r->ifaces[rec->iface];
	/* libpcap's limit: the interface's snap length, or the largest
	 * when it gives none.  A simple packet block holds that much of
	 * the packet, and libpcap calls it damaged when it does not. */
	snap = ifc->snaplen && ifc->snaplen < PS_CAPREAD_MAX_CAPLEN ? ifc->snaplen :
								     PS_CAPREAD_MAX_CAPLEN;
	if (type == NG_SPB) {
		caplen = len < snap ? len : snap;
		if (caplen > blen - 4)
			return fail(r, -EINVAL, "a simple packet block of %u bytes is too short for "
				    "the %u its packet has", blen - 4, caplen);
	}
	if (caplen > snap)
		return fail(r, -EINVAL, "invalid packet capture length %u, bigger than snaplen of %u",
			    caplen, snap);
	rec->data = r->buf + fixed;
	rec->caplen = caplen;
	rec->len = len;
	rec->ts_ns = type == NG_SPB ? 0 : ng_ns(ifc, rec->ts_hi, rec->ts_lo);
	if (type != NG_SPB)
		ng_options(r, r->buf, blen, fixed + ((caplen + 3u) & ~3u), epb_option, rec);
	return 1;
}

static int ng_next(struct ps_capread *r, struct ps_capread_rec *rec)
{
	__u32 type, blen;
	int rc;

	for (;;) {
		rc = ng_block(r, &type, &blen, false);
		if (rc <= 0)
			return rc;
		switch (type) {
		case NG_SHB:
			rc = ng_shb(r, blen);
			break;
		case NG_IDB:
			rc = ng_idb(r, blen);
			break;
		case NG_EPB:
		case NG_SPB:
		case NG_OPB:
			return ng_packet(r, type, blen, rec);
		default:
			rc = 0; /* statistics, name resolution, custom: not packets */
		}
		if (rc)
			return rc;
	}
}

/* ------------------------------------------------------------------ API */

int ps_capread_open(struct ps_capread **out, const char *path, char *err, size_t errlen)
{
	struct ps_capread *r;
	__u32 magic;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!strcmp(path, "-")) {
		r->f = stdin;
	} else {
		r->f = fopen(path, "rbe");
		r->own_file = true;
	}
	if (!r->f) {
		rc = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		free(r);
		return rc;
	}
	setvbuf(r->f, NULL, _IOFBF, 1 << 20);
	rc = read_n(r, &magic, 4, "file header");
	if (rc == 0)
		rc = fail(r, -EINVAL, "truncated dump file; tried to read 4 file header bytes, "
			  "only got 0");
	if (rc < 0)
		goto err;
	if (magic == NG_SHB) {
		__u32 type, blen;

		r->fmt = PS_CAPREAD_PCAPNG;
		/* The block is read from its start: the magic goes back. */
		memcpy(r->pend, &magic, 4);
		r->npend = 4;
		rc = ng_block(r, &type, &blen, false);
		if (rc == 0)
			rc = fail(r, -EINVAL, "truncated section header block");
		else if (rc > 0)
			rc = ng_shb(r, blen);
	} else if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC ||
		   magic == PCAP_MAGIC_KUZNETZOV || magic == bswap_32(PCAP_MAGIC_USEC) ||
		   magic == bswap_32(PCAP_MAGIC_NSEC) || magic == bswap_32(PCAP_MAGIC_KUZNETZOV)) {
		rc = pcap_open(r, magic);
	} else {
		rc = fail(r, -EINVAL, "unknown file format");
	}
	if (rc < 0)
		goto err;
	*out = r;
	return 0;
err:
	snprintf(err, errlen, "%s", r->err);
	ps_capread_close(r);
	return rc;
}

int ps_capread_next(struct ps_capread *r, struct ps_capread_rec *rec)
{
	int rc = r->fmt == PS_CAPREAD_PCAP ? pcap_next(r, rec) : ng_next(r, rec);

	if (rc > 0)
		r->records++;
	return rc;
}

int ps_capread_scan(struct ps_capread *r)
{
	struct ps_capread save = *r;
	__u32 type, blen;
	long pos;

	if (r->fmt == PS_CAPREAD_PCAP || r->scanned)
		return 0;
	pos = ftell(r->f);
	if (pos < 0 || r->npend || fseek(r->f, pos, SEEK_SET))
		return -ESPIPE;
	/* Damage ends the scan quietly: the read proper reports it where it
	 * lies, after the records before it. */
	while (ng_block(r, &type, &blen, true) > 0) {
		if (type == NG_SHB && ng_shb(r, blen))
			break;
		if (type == NG_IDB && ng_idb(r, blen))
			break;
	}
	/* Back to where the read was, with what the scan declared. */
	save.ifaces = r->ifaces;
	save.nifaces = r->nifaces;
	save.cap_ifaces = r->cap_ifaces;
	save.buf = r->buf;
	save.buf_cap = r->buf_cap;
	save.scanned = true;
	*r = save;
	clearerr(r->f);
	return fseek(r->f, pos, SEEK_SET) ? -errno : 0;
}

const char *ps_capread_error(const struct ps_capread *r)
{
	return r->err;
}

const struct ps_capread_iface *ps_capread_ifaces(const struct ps_capread *r, __u32 *n)
{
	*n = r->nifaces;
	return r->ifaces;
}

enum ps_capread_format ps_capread_format(const struct ps_capread *r)
{
	return r->fmt;
}

bool ps_capread_nsec(const struct ps_capread *r)
{
	return r->nsec;
}

void ps_capread_close(struct ps_capread *r)
{
	if (!r)
		return;
	if (r->own_file && r->f)
		fclose(r->f);
	free(r->ifaces);
	free(r->buf);
	free(r);
}
