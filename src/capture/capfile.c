// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/uio.h>
#include <pcap/pcap.h>
#include "capdio.h"
#include "capfile.h"
#include "dio.h"
#include "log.h"

#define MAX_IFACES 64

/* pcapng (draft-ietf-opsawg-pcapng) block types and option codes. */
#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 0x00000001u
#define NG_EPB 0x00000006u
#define NG_BYTE_ORDER 0x1A2B3C4Du
#define NG_OPT_END 0
#define NG_OPT_COMMENT 1
#define NG_SHB_USERAPPL 4
#define NG_IF_NAME 2
#define NG_IF_TSRESOL 9
#define NG_IF_TSOFFSET 14
#define NG_EPB_FLAGS 2
#define NG_EPB_INBOUND 1
#define NG_EPB_OUTBOUND 2
#define NG_BLOCK_MAX (PS_CAP_MAX_FRAME + 256)
#define PS_CAP_MAX_FRAME 262144

/* pcap: the nanosecond-resolution magic, as libpcap's dumper writes it. */
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_HDR_LEN 24
/* Records of ps_capfile_write() gather here before a write(2): what stdio
 * would do, with a buffer large enough that the syscalls do not count.
 * (With direct I/O, every record is staged by src/capture/capdio.c instead.) */
#define PCAP_BUF_LEN (2u << 20)
/* Room for one more record of any size. */
#define PCAP_BUF_CAP (PCAP_BUF_LEN + PS_CAP_MAX_FRAME + 16)

/* The records queued for one writev(2), all for the current file. */
struct recs_batch {
	struct iovec iov[IOV_MAX];
	__u32 caplen[IOV_MAX];
	int n;
};

struct ps_capfile {
	struct ps_capfile_opts o;
	FILE *f;                /* pcapng */
	int fd;                 /* pcap; -1 when closed */
	bool broken;            /* a record was cut short in a stream that
				 * cannot be truncated, or (pcapng) a failed
				 * write took an interface block with it: the
				 * rest of this file would not parse, nothing
				 * more goes in */
	__u64 idb_end;          /* pcapng: where the last interface block (or
				 * the section header) ends */
	__u64 disk_bytes;       /* pcap: bytes of whole records (and the file
				 * header) written to the current file */
	__u8 *buf;              /* pcap: ps_capfile_write()'s records */
	__u32 buf_len;
	__u32 buf_recs;         /* records in buf, and their frame bytes */
	__u64 buf_data;
	/* Direct I/O (src/capture/dio.h): the current pcap file is written by 'dx'
	 * (src/capture/capdio.c), which also finishes the files rotated away. */
	struct ps_capdio *dx;
	bool dio;
	struct recs_batch batch; /* pcap: ps_capfile_write_recs()'s */
	struct {
		__u32 key;       /* the ifindex live, the input's index (-r) */
		char name[64];
		__u32 linktype, snaplen;
		__u8 tsresol;
		__s64 tsoffset;
	} ifaces[MAX_IFACES];
	int nifaces;
	__u64 file_bytes;       /* the current file's size once all is written */
	__u64 head_bytes;       /* of which headers: pcap's, or pcapng's section
				 * and interface blocks (-C never rotates a file
				 * holding only them) */
	__u64 file_start_s;     /* time the current file began (for -G) */
	unsigned int seq;       /* -C suffix of the current file */
	bool started;
	unsigned int closed;    /* pcap files closed so far */
	int err;                /* first write error */
	/* pcapng goes through stdio: a record counts as written once a flush
	 * took it; ng_good is what the file surely holds. */
	__u64 ng_good, ng_pend_recs, ng_pend_data;
	struct ps_capfile_stats st;
	__u8 block[NG_BLOCK_MAX];
};

/* tcpdump's naming: strftime(path) under -G, then a number under -C. */
static void file_name(const struct ps_capfile *cf, char *buf, size_t len)
{
	char base[PATH_MAX - 16]; /* room for the -C number */

	if (cf->o.rotate_secs) {
		time_t t = cf->file_start_s;
		struct tm tm;

		localtime_r(&t, &tm);
		if (!strftime(base, sizeof(base), cf->o.path, &tm))
			snprintf(base, sizeof(base), "%s", cf->o.path);
	} else {
		snprintf(base, sizeof(base), "%s", cf->o.path);
	}
	if (cf->seq)
		snprintf(buf, len, "%s%u", base, cf->seq);
	else
		snprintf(buf, len, "%s", base);
}

static size_t put_opt(__u8 *p, __u16 code, const void *val, __u16 len)
{
	size_t pad = (4 - len % 4) % 4;

	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	if (len) /* opt_endofopt has no value: memcpy() from NULL is undefined */
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, pad);
	return 4 + len + pad;
}

/* Writes type, length, the body already in cf->block, length. */
static int ng_write(struct ps_capfile *cf, __u32 type, size_t body_len)
{
	__u32 total = 12 + body_len;

	if (fwrite(&type, 4, 1, cf->f) != 1 || fwrite(&total, 4, 1, cf->f) != 1 ||
	    fwrite(cf->block, 1, body_len, cf->f) != body_len || fwrite(&total, 4, 1, cf->f) != 1)
		return errno ? -errno : -EIO;
	cf->file_bytes += total;
	return 0;
}

/* A pcapng write or flush failed: the records since the last good flush
 * are write errors, and the file goes back to what it surely holds. */
static int ng_fail(struct ps_capfile *cf, int err)
{
	cf->st.packets -= cf->ng_pend_recs;
	cf->st.bytes -= cf->ng_pend_data;
	cf->st.write_errors += cf->ng_pend_recs;
	cf->ng_pend_recs = cf->ng_pend_data = 0;
	__fpurge(cf->f);
	clearerr(cf->f);
	if (cf->f != stdout && !ftruncate(fileno(cf->f), cf->ng_good))
		fseeko(cf->f, cf->ng_good, SEEK_SET);
	else
		cf->broken = true;
	/* Packets after a lost interface block (or section header) would
	 * name an interface the file does not declare. */
	if (cf->ng_good < cf->idb_end)
		cf->broken = true;
	cf->file_bytes = cf->ng_good;
	if (!cf->err)
		cf->err = err;
	return err;
}

static int ng_sync(struct ps_capfile *cf)
{
	if (fflush(cf->f))
		return ng_fail(cf, errno ? -errno : -EIO);
	cf->ng_good = cf->file_bytes;
	cf->ng_pend_recs = cf->ng_pend_data = 0;
	return 0;
}

static int ng_idb(struct ps_capfile *cf, int i)
{
	__u8 *p = cf->block;
	__u16 linktype = cf->ifaces[i].linktype, reserved = 0;
	__u32 snap = cf->ifaces[i].snaplen ? cf->ifaces[i].snaplen : cf->o.snaplen;
	const char *name = cf->ifaces[i].name;
	size_t n = 0;

	memcpy(p, &linktype, 2);
	memcpy(p + 2, &reserved, 2);
	memcpy(p + 4, &snap, 4);
	n = 8;
	if (name[0])
		n += put_opt(p + n, NG_IF_NAME, name, strlen(name));
	n += put_opt(p + n, NG_IF_TSRESOL, &cf->ifaces[i].tsresol, 1);
	if (cf->ifaces[i].tsoffset)
		n += put_opt(p + n, NG_IF_TSOFFSET, &cf->ifaces[i].tsoffset, 8);
	n += put_opt(p + n, NG_OPT_END, NULL, 0);
	if (ng_write(cf, NG_IDB, n))
		return -EIO;
	cf->idb_end = cf->file_bytes;
	return 0;
}

static int ng_header(struct ps_capfile *cf)
{
	static const char app[] = "pktscope";
	__u8 *p = cf->block;
	__u32 magic = NG_BYTE_ORDER;
	__u16 major = 1, minor = 0;
	__s64 section_len = -1;
	size_t n;
	int err;

	memcpy(p, &magic, 4);
	memcpy(p + 4, &major, 2);
	memcpy(p + 6, &minor, 2);
	memcpy(p + 8, &section_len, 8);
	n = 16;
	n += put_opt(p + n, NG_SHB_USERAPPL, app, sizeof(app) - 1);
	n += put_opt(p + n, NG_OPT_END, NULL, 0);
	err = ng_write(cf, NG_SHB, n);
	cf->idb_end = cf->file_bytes;
	/* A new file repeats every interface block: each file stands alone. */
	for (int i = 0; !err && i < cf->nifaces; i++)
		err = ng_idb(cf, i);
	return err;
}

/*
 * Writes iov[0..cnt) whole, through short writes and signals (a pipe's
 * reader may take it piecemeal).  Returns the bytes written; *err is 0 or
 * -errno of the write that failed.
 */
static __u64 write_all(int fd, struct iovec *iov, int cnt, int *err)
{
	__u64 done = 0;
	ssize_t n;

	*err = 0;
	while (cnt > 0) {
		n = writev(fd, iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err = -errno;
			break;
		}
		if (n == 0) {
			*err = -EIO;
			break;
		}
		done += n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (__u8 *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return done;
}

/*
 * After a failed write: takes the current file back to its last whole
 * record, so that it still reads to the end, and makes the size accounting
 * match.  Where that is impossible (a pipe), the file is cut mid-record for
 * good: nothing more is written to it.
 */
static void cut_back(struct ps_capfile *cf, bool partial)
{
	if (partial && ftruncate(cf->fd, cf->disk_bytes))
		cf->broken = true;
	else if (partial && lseek(cf->fd, cf->disk_bytes, SEEK_SET) < 0)
		cf->broken = true;
	cf->file_bytes = cf->disk_bytes;
}

/* Writes what ps_capfile_write() gathered.  On failure the records that
 * reached the file whole stay, counted; the rest are write errors, and the
 * file is cut back to its last whole record. */
static int buf_flush(struct ps_capfile *cf)
{
	struct iovec iov = { .iov_base = cf->buf, .iov_len = cf->buf_len };
	__u64 done, off = 0, keep = 0, data = 0;
	__u32 whole = 0, caplen;
	int err = 0;

	if (!cf->buf_len)
		return 0;
	if (cf->broken) {
		err = -EIO;
		done = 0;
	} else {
		done = write_all(cf->fd, &iov, 1, &err);
	}
	if (err) {
		/* A new file's header leads its first buffer. */
		off = cf->disk_bytes ? 0 : PCAP_HDR_LEN;
		keep = off <= done ? off : 0;
		while (keep == off && off + sizeof(struct ps_pcap_rec) <= cf->buf_len) {
			memcpy(&caplen, cf->buf + off + offsetof(struct ps_pcap_rec, caplen),
			       sizeof(caplen));
			if (off + sizeof(struct ps_pcap_rec) + caplen > done)
				break;
			off += sizeof(struct ps_pcap_rec) + caplen;
			keep = off;
			whole++;
			data += caplen;
		}
		cf->st.packets -= cf->buf_recs - whole;
		cf->st.bytes -= cf->buf_data - data;
		cf->st.write_errors += cf->buf_recs - whole;
		cf->disk_bytes += keep;
		if (!cf->broken)
			cut_back(cf, done > keep);
		/* Records after a missing file header would not parse. */
		if (!cf->disk_bytes)
			cf->broken = true;
		if (!cf->err)
			cf->err = err;
	} else {
		cf->disk_bytes += done;
	}
	cf->buf_len = 0;
	cf->buf_recs = 0;
	cf->buf_data = 0;
	return err;
}

/* The current file left direct I/O (a write failed): it goes on here,
 * through the page cache, from where src/capture/capdio.c left it.  Returns
 * whether it did. */
static bool dio_left(struct ps_capfile *cf)
{
	struct ps_capdio_left left;

	if (!cf->dio || ps_capdio_current(cf->dx, &left))
		return false;
	cf->dio = false;
	cf->disk_bytes = left.disk_bytes;
	cf->file_bytes = left.file_bytes;
	cf->broken = left.broken;
	cf->buf_len = cf->buf_recs = cf->buf_data = 0;
	return true;
}

/* Direct I/O: stages one record (header and frame, as the file holds
 * them), counted as it is staged; a failed write takes it back.  Returns
 * 0, or 1 if the file has just left direct I/O (not staged). */
static int dio_stage(struct ps_capfile *cf, const struct ps_pcap_rec *h, const void *frame)
{
	if (!ps_capdio_stage(cf->dx, h, frame)) {
		cf->file_bytes += sizeof(*h) + h->caplen;
		return 0;
	}
	dio_left(cf);
	return 1;
}

static void close_current(struct ps_capfile *cf)
{
	/* Direct I/O: the file is closed once its writes are done, while the
	 * next one fills; unless it has just left direct I/O. */
	if (cf->dio && !ps_capdio_end(cf->dx)) {
		cf->dio = false;
		cf->fd = -1;
	}
	dio_left(cf);
	if (cf->fd >= 0) {
		cf->st.direct_io = false;
		cf->closed++;
		buf_flush(cf);
		if (cf->fd != STDOUT_FILENO && close(cf->fd) && !cf->err)
			cf->err = -EIO;
		cf->fd = -1;
	}
	if (cf->f) {
		ng_sync(cf);
		if (cf->f != stdout)
			fclose(cf->f);
		cf->f = NULL;
	}
}

/* The file header, as libpcap's dumper writes it: version 2.4, no time
 * zone, the snap length, the link type (Ethernet live).  With direct I/O
 * it is the first thing staged (with O_DIRECT 'align'); if that cannot
 * be, the file is written through the page cache. */
static void pcap_header(struct ps_capfile *cf, __u32 align, const char *path)
{
	struct pcap_file_header h = {
		.magic = cf->o.usec ? PCAP_MAGIC_USEC : PCAP_MAGIC_NSEC,
		.version_major = PCAP_VERSION_MAJOR,
		.version_minor = PCAP_VERSION_MINOR,
		.snaplen = cf->o.header_snaplen ? cf->o.header_snaplen : cf->o.snaplen,
		.linktype = cf->o.linktype_set ? cf->o.linktype : DLT_EN10MB,
	};

	_Static_assert(sizeof(h) == PCAP_HDR_LEN, "pcap file header");
	cf->file_bytes = sizeof(h);
	cf->buf_len = cf->buf_recs = cf->buf_data = 0;
	if (cf->dio && !ps_capdio_begin(cf->dx, cf->fd, align, path, &h, sizeof(h)))
		return;
	if (cf->dio) {
		cf->dio = false;
		ps_dio_disable(cf->fd);
	}
	memcpy(cf->buf, &h, sizeof(h));
	cf->buf_len = sizeof(h);
}

static int open_current(struct ps_capfile *cf)
{
	char path[PATH_MAX];
	bool to_stdout = !strcmp(cf->o.path, "-");

	file_name(cf, path, sizeof(path));
	cf->file_bytes = 0;
	if (!cf->o.pcapng) {
		__u32 align = 0;

		/* The same name again (-G without a time in it): the old
		 * file's writes must not land in the new one. */
		if (cf->dx && !to_stdout)
			ps_capdio_wait_path(cf->dx, path);
		cf->fd = to_stdout ? STDOUT_FILENO :
				     open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (cf->fd < 0) {
			int err = -errno;

			ps_err("cannot write %s: %s", path, strerror(-err));
			return err;
		}
		cf->broken = false;
		cf->disk_bytes = 0;
		cf->dio = !to_stdout && !cf->o.no_direct_io && !ps_dio_enable(cf->fd, &align);
		/* The writer thread and its ring come with the first file
		 * that takes direct I/O. */
		if (cf->dio && !cf->dx) {
			struct ps_capdio_owner own = { .st = &cf->st, .err = &cf->err,
						       .closed = &cf->closed };

			if (ps_capdio_open(&cf->dx, &own)) {
				cf->dio = false;
				ps_dio_disable(cf->fd);
			}
		}
		pcap_header(cf, align, path);
	} else {
		cf->f = to_stdout ? stdout : fopen(path, "we");
		if (!cf->f) {
			int err = -errno;

			ps_err("cannot write %s: %s", path, strerror(-err));
			return err;
		}
		setvbuf(cf->f, NULL, _IOFBF, 1 << 20);
		cf->ng_good = cf->ng_pend_recs = cf->ng_pend_data = 0;
		cf->broken = false;
		if (ng_header(cf)) {
			ps_err("cannot write %s: %s", path, strerror(errno));
			return -EIO;
		}
	}
	cf->head_bytes = cf->file_bytes;
	cf->st.files++;
	return 0;
}

int ps_capfile_open(struct ps_capfile **out, const struct ps_capfile_opts *o)
{
	struct ps_capfile *cf;
	int err;

	if (!strcmp(o->path, "-") && (o->rotate_bytes || o->rotate_secs)) {
		ps_err("-C and -G rotate files: they cannot apply to standard output");
		return -EINVAL;
	}
	cf = calloc(1, sizeof(*cf));
	if (!cf)
		return -ENOMEM;
	cf->o = *o;
	cf->fd = -1;
	if (!cf->o.snaplen || cf->o.snaplen > PS_CAP_MAX_FRAME)
		cf->o.snaplen = PS_CAP_MAX_FRAME;
	cf->file_start_s = time(NULL);
	if (!o->pcapng) {
		cf->buf = malloc(PCAP_BUF_CAP);
		if (!cf->buf) {
			err = -ENOMEM;
			goto err_free;
		}
	}
	/* The first file is opened now, so a path that cannot be written is
	 * refused before anything is attached. */
	err = open_current(cf);
	if (err)
		goto err_free;
	*out = cf;
	return 0;

err_free:
	ps_capdio_close(cf->dx);
	free(cf->buf);
	free(cf);
	return err;
}

int ps_capfile_add_iface_as(struct ps_capfile *cf, __u32 key, const struct ps_capfile_iface *d)
{
	int i;

	for (i = 0; i < cf->nifaces; i++)
		if (cf->ifaces[i].key == key)
			return i;
	if (cf->nifaces == MAX_IFACES)
		return -E2BIG;
	i = cf->nifaces++;
	cf->ifaces[i].key = key;
	snprintf(cf->ifaces[i].name, sizeof(cf->ifaces[0].name), "%s", d->name ? d->name : "");
	cf->ifaces[i].linktype = d->linktype;
	cf->ifaces[i].snaplen = d->snaplen;
	cf->ifaces[i].tsresol = d->tsresol;
	cf->ifaces[i].tsoffset = d->tsoffset;
	if (cf->f && !cf->broken) {
		__u64 before = cf->file_bytes;

		if (ng_idb(cf, i)) {
			/* What was pending goes, and the interface is not in
			 * the file: its packets could not be read. */
			ng_fail(cf, -EIO);
			cf->broken = true;
		} else {
			cf->head_bytes += cf->file_bytes - before;
		}
	}
	return i;
}

int ps_capfile_add_iface(struct ps_capfile *cf, __u32 ifindex, const char *name)
{
	struct ps_capfile_iface d = { .name = name, .linktype = DLT_EN10MB, .tsresol = 9 };

	return ps_capfile_add_iface_as(cf, ifindex, &d);
}

int ps_capfile_error(const struct ps_capfile *cf)
{
	return cf->err;
}

static bool rotation_due(const struct ps_capfile *cf, __u64 ts_s, __u32 record)
{
	bool by_time = cf->o.rotate_secs && ts_s >= cf->file_start_s + cf->o.rotate_secs;
	bool by_size = cf->o.rotate_bytes && cf->file_bytes + record > cf->o.rotate_bytes &&
		       cf->file_bytes > cf->head_bytes;

	return by_time || by_size;
}

static int rotate(struct ps_capfile *cf, __u64 ts_s)
{
	bool by_time = cf->o.rotate_secs && ts_s >= cf->file_start_s + cf->o.rotate_secs;

	close_current(cf);
	if (by_time) {
		/* Files start on multiples of -G from the first one's start,
		 * so a quiet spell does not shift the schedule. */
		cf->file_start_s += (ts_s - cf->file_start_s) / cf->o.rotate_secs *
				    cf->o.rotate_secs;
		cf->seq = 0;
	} else {
		cf->seq++;
	}
	return open_current(cf);
}

/* -G's first period starts with the first packet's time, which is the
 * clock of a replayed file too. */
static int first_record(struct ps_capfile *cf, __u64 ts_s)
{
	char old[PATH_MAX];

	cf->started = true;
	if (!cf->o.rotate_secs || ts_s == cf->file_start_s)
		return 0;
	/* The file opened at start-up (to refuse a bad path early) holds only
	 * headers and is named for another period: it makes way for the first
	 * packet's. */
	file_name(cf, old, sizeof(old));
	close_current(cf);
	unlink(old);
	cf->st.files--;
	cf->file_start_s = ts_s;
	return open_current(cf);
}

/* What comes before each record: the first file's period, a new file when
 * -C or -G says so.  'record' is what the record adds to the file. */
static int before_record(struct ps_capfile *cf, __u64 ts_s, __u32 record)
{
	if (!cf->started && first_record(cf, ts_s))
		return -EIO;
	if (rotation_due(cf, ts_s, record) && rotate(cf, ts_s))
		return -EIO;
	return 0;
}

static int write_error(struct ps_capfile *cf, __u64 n, int err)
{
	cf->st.write_errors += n;
	if (!cf->err)
		cf->err = err;
	return err;
}

/* Adds one record to the buffer, writing the buffer out first if full. */
static int buf_put(struct ps_capfile *cf, const struct ps_pcap_rec *h, const void *data)
{
	__u32 caplen = h->caplen, need = sizeof(*h) + caplen;

	if (cf->buf_len + need > PCAP_BUF_LEN)
		buf_flush(cf);
	if (cf->fd < 0 || cf->broken || need > PCAP_BUF_LEN)
		return -EIO;
	memcpy(cf->buf + cf->buf_len, h, sizeof(*h));
	memcpy(cf->buf + cf->buf_len + sizeof(*h), data, caplen);
	cf->buf_len += need;
	cf->buf_recs++;
	cf->buf_data += caplen;
	cf->file_bytes += need;
	return 0;
}

int ps_capfile_write_rec(struct ps_capfile *cf, const struct ps_capfile_rec *r)
{
	__u64 ts_s = r->ts_ns / 1000000000ULL;
	__u32 caplen = r->caplen;
	int idx, err;

	if (caplen > cf->o.snaplen)
		caplen = cf->o.snaplen;
	if (!cf->o.pcapng &&
	    r->linktype != (cf->o.linktype_set ? cf->o.linktype & 0x03FFFFFF : DLT_EN10MB))
		return write_error(cf, 1, -EPROTOTYPE);
	if (before_record(cf, ts_s, caplen + 64))
		return write_error(cf, 1, -EIO);

	if (!cf->o.pcapng) {
		struct ps_pcap_rec h = {
			.ts_sec = r->ts_hi,
			.ts_nsec = r->ts_lo,
			.caplen = caplen,
			.len = r->len,
		};

		if (!r->raw) {
			/* The pcap field holds seconds up to 2^32 - 1. */
			if (ts_s > UINT32_MAX)
				return write_error(cf, 1, -EOVERFLOW);
			h.ts_sec = ts_s;
			h.ts_nsec = r->ts_ns % 1000000000ULL / (cf->o.usec ? 1000 : 1);
		}
		/* Counted as it is staged; a failed write takes it back. */
		if (cf->dio && !dio_stage(cf, &h, r->data))
			return cf->err;
		if (buf_put(cf, &h, r->data))
			return write_error(cf, 1, -EIO);
	} else {
		__u8 *p = cf->block;
		__u32 v, flags = r->dir == PS_DIR_OUT ? NG_EPB_OUTBOUND : NG_EPB_INBOUND;
		__u64 ts = r->raw ? ((__u64)r->ts_hi << 32 | r->ts_lo) : r->ts_ns;
		char comment[32];
		size_t n, pad;

		idx = ps_capfile_add_iface(cf, r->iface, "?");
		if (idx < 0 || cf->broken)
			return write_error(cf, 1, -EIO);
		/* No longer than its interface block says: libpcap refuses
		 * a file with a longer one (a pcap input's records may be
		 * longer than its header's snap length: libpcap cuts them). */
		if (cf->ifaces[idx].snaplen && caplen > cf->ifaces[idx].snaplen)
			caplen = cf->ifaces[idx].snaplen;
		pad = (4 - caplen % 4) % 4;
		v = idx;
		memcpy(p, &v, 4);
		v = ts >> 32;
		memcpy(p + 4, &v, 4);
		v = (__u32)ts;
		memcpy(p + 8, &v, 4);
		memcpy(p + 12, &caplen, 4);
		memcpy(p + 16, &r->len, 4);
		memcpy(p + 20, r->data, caplen);
		memset(p + 20 + caplen, 0, pad);
		n = 20 + caplen + pad;
		if (r->dir != PS_DIR_UNKNOWN)
			n += put_opt(p + n, NG_EPB_FLAGS, &flags, 4);
		if (r->hook) {
			snprintf(comment, sizeof(comment), "hook %s", r->hook);
			n += put_opt(p + n, NG_OPT_COMMENT, comment, strlen(comment));
		}
		n += put_opt(p + n, NG_OPT_END, NULL, 0);
		if ((err = ng_write(cf, NG_EPB, n))) {
			ng_fail(cf, err);
			return write_error(cf, 1, err);
		}
		cf->ng_pend_recs++;
		cf->ng_pend_data += caplen;
	}
	cf->st.packets++;
	cf->st.bytes += caplen;
	return 0;
}

int ps_capfile_write(struct ps_capfile *cf, __u64 ts_ns, __u32 ifindex, bool inbound,
		     const char *hook, const void *data, __u32 caplen, __u32 wirelen)
{
	struct ps_capfile_rec r = {
		.iface = ifindex,
		.linktype = DLT_EN10MB,
		.ts_ns = ts_ns,
		.caplen = caplen,
		.len = wirelen,
		.data = data,
		.dir = inbound ? PS_DIR_IN : PS_DIR_OUT,
		.hook = hook,
	};

	return ps_capfile_write_rec(cf, &r);
}

/* Writes the batch; the records that did not get out whole are errors,
 * and a record cut short is truncated away. */
static int batch_flush(struct ps_capfile *cf, struct recs_batch *b)
{
	__u64 done = 0, whole = 0;
	int err = 0, i = 0;

	if (!b->n)
		return 0;
	/* A file opened by a rotation within the batch has its header
	 * waiting in the buffer: it goes first. */
	buf_flush(cf);
	if (cf->broken)
		err = -EIO;
	else
		done = write_all(cf->fd, b->iov, b->n, &err);
	/* write_all() moved the iovecs on: lengths come from the records. */
	for (; i < b->n && whole + sizeof(struct ps_pcap_rec) + b->caplen[i] <= done; i++) {
		whole += sizeof(struct ps_pcap_rec) + b->caplen[i];
		cf->st.packets++;
		cf->st.bytes += b->caplen[i];
	}
	cf->disk_bytes += whole;
	if (err) {
		write_error(cf, b->n - i, err);
		if (!cf->broken)
			cut_back(cf, done > whole);
	}
	b->n = 0;
	return err;
}

int ps_capfile_write_recs(struct ps_capfile *cf, const struct ps_pcap_rec *const *recs,
			  unsigned int n)
{
	struct recs_batch *b = &cf->batch;
	int err = 0, e;

	if (cf->o.pcapng)
		return write_error(cf, n, -EINVAL);
	b->n = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct ps_pcap_rec h;

		memcpy(&h, recs[i], sizeof(h));
		if (h.caplen > cf->o.snaplen) {
			e = write_error(cf, 1, -EINVAL);
			err = err ?: e;
			continue;
		}
		if (!cf->started || rotation_due(cf, h.ts_sec, h.caplen + 64)) {
			/* What is queued belongs to the file before. */
			e = batch_flush(cf, b);
			err = err ?: e;
			if (before_record(cf, h.ts_sec, h.caplen + 64)) {
				e = write_error(cf, 1, -EIO);
				err = err ?: e;
				continue;
			}
		}
		if (cf->fd < 0) {
			e = write_error(cf, 1, -EIO);
			err = err ?: e;
			continue;
		}
		if (cf->dio && !dio_stage(cf, &h, recs[i] + 1))
			continue;
		b->iov[b->n].iov_base = (void *)recs[i];
		b->iov[b->n].iov_len = sizeof(h) + h.caplen;
		b->caplen[b->n] = h.caplen;
		b->n++;
		cf->file_bytes += sizeof(h) + h.caplen;
		if (b->n == IOV_MAX) {
			e = batch_flush(cf, b);
			err = err ?: e;
		}
	}
	e = batch_flush(cf, b);
	/* With direct I/O a failure shows as the writes come back. */
	return err ?: e ?: cf->err;
}

int ps_capfile_flush(struct ps_capfile *cf)
{
	if (cf->dx)
		ps_capdio_flush(cf->dx);
	if (cf->dio && !dio_left(cf))
		return cf->err;
	if (cf->fd >= 0)
		return buf_flush(cf) ?: cf->err;
	if (cf->f)
		return ng_sync(cf);
	return cf->err;
}

int ps_capfile_sync(struct ps_capfile *cf)
{
	int err = ps_capfile_flush(cf);

	if (cf->dx) {
		ps_capdio_sync(cf->dx);
		dio_left(cf);
	}
	return err ?: cf->err;
}

void ps_capfile_hold_writes(struct ps_capfile *cf, bool hold)
{
	if (cf->dx)
		ps_capdio_hold(cf->dx, hold);
}

void ps_capfile_stats(const struct ps_capfile *cf, struct ps_capfile_stats *st)
{
	*st = cf->st;
}

int ps_capfile_close(struct ps_capfile *cf, struct ps_capfile_stats *st)
{
	int err;

	if (!cf)
		return 0;
	close_current(cf);
	/* Every write done, every file closed. */
	ps_capdio_close(cf->dx);
	if (st)
		*st = cf->st;
	err = cf->err;
	free(cf->buf);
	free(cf);
	return err;
}
