// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "capfile.h"
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
#define NG_EPB_FLAGS 2
#define NG_EPB_INBOUND 1
#define NG_EPB_OUTBOUND 2
#define NG_BLOCK_MAX (PS_CAP_MAX_FRAME + 256)
#define PS_CAP_MAX_FRAME 262144

struct ps_capfile {
	struct ps_capfile_opts o;
	FILE *f;                /* pcapng */
	pcap_t *dead;           /* pcap: libpcap's dumper */
	pcap_dumper_t *dumper;
	struct {
		__u32 ifindex;
		char name[32];
	} ifaces[MAX_IFACES];
	int nifaces;
	__u64 file_bytes;
	__u64 file_start_s;     /* time the current file began (for -G) */
	unsigned int seq;       /* -C suffix of the current file */
	bool started;
	int err;                /* first write error */
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
		return -EIO;
	cf->file_bytes += total;
	return 0;
}

static int ng_idb(struct ps_capfile *cf, const char *name)
{
	__u8 *p = cf->block, res = 9; /* timestamps in nanoseconds */
	__u16 linktype = DLT_EN10MB, reserved = 0;
	__u32 snap = cf->o.snaplen;
	size_t n = 0;

	memcpy(p, &linktype, 2);
	memcpy(p + 2, &reserved, 2);
	memcpy(p + 4, &snap, 4);
	n = 8;
	n += put_opt(p + n, NG_IF_NAME, name, strlen(name));
	n += put_opt(p + n, NG_IF_TSRESOL, &res, 1);
	n += put_opt(p + n, NG_OPT_END, NULL, 0);
	return ng_write(cf, NG_IDB, n);
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
	/* A new file repeats every interface block: each file stands alone. */
	for (int i = 0; !err && i < cf->nifaces; i++)
		err = ng_idb(cf, cf->ifaces[i].name);
	return err;
}

static void close_current(struct ps_capfile *cf)
{
	if (cf->dumper) {
		pcap_dump_flush(cf->dumper);
		if (ferror(pcap_dump_file(cf->dumper)) && !cf->err)
			cf->err = -EIO;
		pcap_dump_close(cf->dumper);
		cf->dumper = NULL;
	}
	if (cf->f) {
		if ((fflush(cf->f) || ferror(cf->f)) && !cf->err)
			cf->err = -EIO;
		if (cf->f != stdout)
			fclose(cf->f);
		cf->f = NULL;
	}
}

static int open_current(struct ps_capfile *cf)
{
	char path[PATH_MAX];
	bool to_stdout = !strcmp(cf->o.path, "-");

	file_name(cf, path, sizeof(path));
	cf->file_bytes = 0;
	if (!cf->o.pcapng) {
		cf->dumper = pcap_dump_open(cf->dead, to_stdout ? "-" : path);
		if (!cf->dumper) {
			ps_err("cannot write %s: %s", path, pcap_geterr(cf->dead));
			return -EINVAL;
		}
		cf->file_bytes = 24;
	} else {
		cf->f = to_stdout ? stdout : fopen(path, "we");
		if (!cf->f) {
			int err = -errno;

			ps_err("cannot write %s: %s", path, strerror(-err));
			return err;
		}
		setvbuf(cf->f, NULL, _IOFBF, 1 << 20);
		if (ng_header(cf)) {
			ps_err("cannot write %s: %s", path, strerror(errno));
			return -EIO;
		}
	}
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
	if (!cf->o.snaplen || cf->o.snaplen > PS_CAP_MAX_FRAME)
		cf->o.snaplen = PS_CAP_MAX_FRAME;
	cf->file_start_s = time(NULL);
	if (!o->pcapng) {
		cf->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, cf->o.snaplen,
								PCAP_TSTAMP_PRECISION_NANO);
		if (!cf->dead) {
			free(cf);
			return -ENOMEM;
		}
	}
	/* The first file is opened now, so a path that cannot be written is
	 * refused before anything is attached. */
	err = open_current(cf);
	if (err) {
		if (cf->dead)
			pcap_close(cf->dead);
		free(cf);
		return err;
	}
	*out = cf;
	return 0;
}

int ps_capfile_add_iface(struct ps_capfile *cf, __u32 ifindex, const char *name)
{
	for (int i = 0; i < cf->nifaces; i++)
		if (cf->ifaces[i].ifindex == ifindex)
			return i;
	if (cf->nifaces == MAX_IFACES)
		return -E2BIG;
	cf->ifaces[cf->nifaces].ifindex = ifindex;
	snprintf(cf->ifaces[cf->nifaces].name, sizeof(cf->ifaces[0].name), "%s", name);
	if (cf->f && ng_idb(cf, name) && !cf->err)
		cf->err = -EIO;
	return cf->nifaces++;
}

static int rotate_if_due(struct ps_capfile *cf, __u64 ts_s, __u32 record)
{
	bool by_time = cf->o.rotate_secs && ts_s >= cf->file_start_s + cf->o.rotate_secs;
	bool by_size = cf->o.rotate_bytes && cf->file_bytes + record > cf->o.rotate_bytes &&
		       cf->file_bytes > 32 /* more than the headers */;

	if (!by_time && !by_size)
		return 0;
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

int ps_capfile_write(struct ps_capfile *cf, __u64 ts_ns, __u32 ifindex, bool inbound,
		     const char *hook, const void *data, __u32 caplen, __u32 wirelen)
{
	__u64 ts_s = ts_ns / 1000000000ULL;
	int err, idx;

	if (!cf->started) {
		/* -G's first period starts with the first packet's time, which
		 * is the clock of a replayed file too. */
		cf->started = true;
		if (cf->o.rotate_secs && ts_s != cf->file_start_s) {
			char old[PATH_MAX];

			/* The file opened at start-up (to refuse a bad path
			 * early) holds only headers and is named for another
			 * period: it makes way for the first packet's. */
			file_name(cf, old, sizeof(old));
			close_current(cf);
			unlink(old);
			cf->st.files--;
			cf->file_start_s = ts_s;
			if (open_current(cf))
				goto fail;
		}
	}
	if (caplen > cf->o.snaplen)
		caplen = cf->o.snaplen;
	if (rotate_if_due(cf, ts_s, caplen + 64))
		goto fail;

	if (!cf->o.pcapng) {
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = ts_s, .tv_usec = ts_ns % 1000000000ULL },
			.caplen = caplen,
			.len = wirelen,
		};

		pcap_dump((u_char *)cf->dumper, &h, data);
		if (ferror(pcap_dump_file(cf->dumper)))
			goto fail;
		cf->file_bytes += 16 + caplen;
	} else {
		__u8 *p = cf->block;
		__u32 v, flags = inbound ? NG_EPB_INBOUND : NG_EPB_OUTBOUND;
		char comment[32];
		size_t n, pad = (4 - caplen % 4) % 4;

		idx = ps_capfile_add_iface(cf, ifindex, "?");
		if (idx < 0)
			goto fail;
		v = idx;
		memcpy(p, &v, 4);
		v = ts_ns >> 32;
		memcpy(p + 4, &v, 4);
		v = (__u32)ts_ns;
		memcpy(p + 8, &v, 4);
		memcpy(p + 12, &caplen, 4);
		memcpy(p + 16, &wirelen, 4);
		memcpy(p + 20, data, caplen);
		memset(p + 20 + caplen, 0, pad);
		n = 20 + caplen + pad;
		n += put_opt(p + n, NG_EPB_FLAGS, &flags, 4);
		snprintf(comment, sizeof(comment), "hook %s", hook);
		n += put_opt(p + n, NG_OPT_COMMENT, comment, strlen(comment));
		n += put_opt(p + n, NG_OPT_END, NULL, 0);
		if (ng_write(cf, NG_EPB, n))
			goto fail;
	}
	cf->st.packets++;
	cf->st.bytes += caplen;
	return 0;

fail:
	cf->st.write_errors++;
	err = -EIO;
	if (!cf->err)
		cf->err = err;
	return err;
}

int ps_capfile_close(struct ps_capfile *cf, struct ps_capfile_stats *st)
{
	int err;

	if (!cf)
		return 0;
	close_current(cf);
	if (cf->dead)
		pcap_close(cf->dead);
	if (st)
		*st = cf->st;
	err = cf->err;
	free(cf);
	return err;
}
