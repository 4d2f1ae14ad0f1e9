// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "capwrite.h"

#define SNAPLEN 65535

/* pcapng (draft-ietf-opsawg-pcapng): the three blocks a one-interface
 * Ethernet capture needs, in host byte order (readers go by the byte-order
 * magic). */
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 0x00000001u
#define NG_EPB 0x00000006u
#define NG_BYTE_ORDER 0x1a2b3c4du
#define NG_OPT_END 0
#define NG_IF_NAME 2
#define NG_IF_TSRESOL 9

struct capwrite {
	pcap_t *dead;          /* pcap: libpcap's dumper */
	pcap_dumper_t *dumper;
	FILE *ng;              /* pcapng */
	bool ng_is_stdout;
	const char *path;
	int err;               /* the first write error */
};

static size_t ng_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	size_t pad = (4 - len % 4) % 4;

	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	if (len)
		memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, pad);
	return 4 + len + pad;
}

struct piece {
	const void *p;
	size_t len;
};

/* One block: type, total length, the body pieces (each body a multiple of
 * 4 bytes in all), total length again. */
static int ng_block(struct capwrite *w, uint32_t type, const struct piece *body, int n)
{
	uint32_t total = 12;

	for (int i = 0; i < n; i++)
		total += body[i].len;
	if (fwrite(&type, 4, 1, w->ng) != 1 || fwrite(&total, 4, 1, w->ng) != 1)
		return -EIO;
	for (int i = 0; i < n; i++)
		if (body[i].len && fwrite(body[i].p, 1, body[i].len, w->ng) != body[i].len)
			return -EIO;
	return fwrite(&total, 4, 1, w->ng) == 1 ? 0 : -EIO;
}

static int ng_open(struct capwrite *w, const char *ifname)
{
	uint8_t b[256];
	uint32_t magic = NG_BYTE_ORDER, snap = SNAPLEN;
	uint16_t major = 1, minor = 0, linktype = DLT_EN10MB, reserved = 0;
	int64_t section_len = -1; /* not given */
	uint8_t tsresol = 9;      /* nanoseconds */
	size_t n;
	int err;

	memcpy(b, &magic, 4);
	memcpy(b + 4, &major, 2);
	memcpy(b + 6, &minor, 2);
	memcpy(b + 8, &section_len, 8);
	err = ng_block(w, NG_SHB, &(struct piece){ b, 16 }, 1);
	if (err)
		return err;
	memcpy(b, &linktype, 2);
	memcpy(b + 2, &reserved, 2);
	memcpy(b + 4, &snap, 4);
	n = 8;
	n += ng_opt(b + n, NG_IF_NAME, ifname, strnlen(ifname, 200));
	n += ng_opt(b + n, NG_IF_TSRESOL, &tsresol, 1);
	n += ng_opt(b + n, NG_OPT_END, NULL, 0);
	return ng_block(w, NG_IDB, &(struct piece){ b, n }, 1);
}

int capwrite_open(struct capwrite **out, const char *path, bool pcapng, const char *ifname)
{
	struct capwrite *w = calloc(1, sizeof(*w));
	int err = 0;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->path = path;
	if (!pcapng) {
		w->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAPLEN,
							       PCAP_TSTAMP_PRECISION_NANO);
		if (!w->dead) {
			err = -ENOMEM;
			goto out;
		}
		w->dumper = pcap_dump_open(w->dead, path);
		if (!w->dumper) {
			fprintf(stderr, "cannot write %s: %s\n", path, pcap_geterr(w->dead));
			err = -EIO;
		}
		goto out;
	}
	w->ng_is_stdout = !strcmp(path, "-");
	w->ng = w->ng_is_stdout ? stdout : fopen(path, "wb");
	if (!w->ng) {
		err = -errno;
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		goto out;
	}
	err = ng_open(w, ifname);
	if (err)
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(-err));
out:
	if (err)
		capwrite_close(w);
	else
		*out = w;
	return err;
}

int capwrite_put(struct capwrite *w, uint64_t ts_ns, const void *data, uint32_t len)
{
	static const uint8_t zeros[3];
	uint32_t epb[5];

	if (len > SNAPLEN)
		return -E2BIG;
	if (w->dumper) {
		/* In a nanosecond dumper, tv_usec holds nanoseconds. */
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = ts_ns / 1000000000ULL, .tv_usec = ts_ns % 1000000000ULL },
			.caplen = len,
			.len = len,
		};

		pcap_dump((u_char *)w->dumper, &h, data);
		return 0;
	}
	/* Interface 0, time in if_tsresol units, caplen, wire length; the
	 * frame padded to 4 bytes; no options. */
	epb[0] = 0;
	epb[1] = ts_ns >> 32;
	epb[2] = (uint32_t)ts_ns;
	epb[3] = len;
	epb[4] = len;
	if (ng_block(w, NG_EPB, (struct piece[]){ { epb, sizeof(epb) }, { data, len },
						  { zeros, (4 - len % 4) % 4 } }, 3))
		return w->err = -EIO;
	return 0;
}

int capwrite_close(struct capwrite *w)
{
	int err;

	if (!w)
		return 0;
	err = w->err;
	if (w->dumper) {
		/* pcap_dump() reports nothing: the stream's error state does. */
		if ((pcap_dump_flush(w->dumper) || ferror(pcap_dump_file(w->dumper))) && !err)
			err = -EIO;
		pcap_dump_close(w->dumper);
	}
	if (w->dead)
		pcap_close(w->dead);
	if (w->ng) {
		if ((fflush(w->ng) || ferror(w->ng)) && !err)
			err = -EIO;
		if (!w->ng_is_stdout && fclose(w->ng) && !err)
			err = -EIO;
	}
	free(w);
	return err;
}
