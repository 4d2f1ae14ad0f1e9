// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkpcap: writes the crafted packets of pkt_cases.c, or a seeded mix of
 * valid traffic, to a capture file, so that tests can feed the very same
 * packets to pktscope and to other tools (tshark, tcpdump).
 *
 * With --expect it also writes, as JSON, the counters pktscope must report
 * for exactly the packets written (the table's expectations, summed), so a
 * test that replays the file needs no second list of what each packet is.
 *
 * Files are written by tests/tools/capwrite.c (libpcap's dumper for pcap),
 * not by src/capture/capfile.c, the writer of `pktscope capture`: the tests that
 * read a file mkpcap wrote and one pktscope wrote must not share a writer
 * whose bug would then cancel out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "capwrite.h"
#include "counters.h"
#include "pkt.h"

/* Fixed timestamps, one millisecond apart, so that files are reproducible. */
#define TS_START 1700000000u

struct writer {
	struct capwrite *cw;
	unsigned long n;
	bool eth_src_set; /* --eth-src: written into every frame of 12 bytes or more */
	uint8_t eth_src[6];
};

static int writer_open(struct writer *w, const char *path, bool pcapng)
{
	return capwrite_open(&w->cw, path, pcapng, "crafted");
}

static int writer_put(struct writer *w, const uint8_t *data, uint32_t len)
{
	static uint8_t buf[PKT_MAX];
	uint64_t ts = (uint64_t)(TS_START + w->n / 1000) * 1000000000ULL +
		      (w->n % 1000) * 1000000ULL;

	w->n++;
	if (w->eth_src_set && len >= 12) {
		if (len > sizeof(buf))
			return -E2BIG;
		memcpy(buf, data, len);
		memcpy(buf + 6, w->eth_src, 6);
		data = buf;
	}
	return capwrite_put(w->cw, ts, data, len);
}

static int writer_close(struct writer *w)
{
	return capwrite_close(w->cw);
}

/* The counters a hook reports for a set of packets, as pktscope's JSON
 * hook object has them: the total first, then every other counter. */
struct expect_sum {
	struct ps_counters c;
};

static void expect_add(struct expect_sum *e, uint64_t ctrs, uint32_t len)
{
	for (int i = 0; i < PS_CTR_MAX; i++) {
		if (!(ctrs >> i & 1))
			continue;
		e->c.c[i].packets++;
		e->c.c[i].bytes += len;
	}
}

static int expect_write(const struct expect_sum *e, int ttl_threshold, const char *path)
{
	json_t *root = json_object(), *ctrs = json_object();
	char key[96];
	int err;

	if (!root || !ctrs)
		return -ENOMEM;
	json_object_set_new(root, "packets", json_integer(e->c.c[PS_CTR_TOTAL].packets));
	json_object_set_new(root, "bytes", json_integer(e->c.c[PS_CTR_TOTAL].bytes));
	for (int i = 0; i < PS_CTR_MAX; i++) {
		if (i == PS_CTR_TOTAL)
			continue;
		snprintf(key, sizeof(key), "%s.%s", ps_counter_info[i].group,
			 ps_counter_info[i].name);
		json_object_set_new(ctrs, key, json_pack("{s:I,s:I}",
							 "packets", (json_int_t)e->c.c[i].packets,
							 "bytes", (json_int_t)e->c.c[i].bytes));
	}
	json_object_set_new(root, "counters", ctrs);
	json_object_set_new(root, "ttl_threshold", json_integer(ttl_threshold));
	err = json_dump_file(root, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER) ? -EIO : 0;
	json_decref(root);
	return err;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	char end;

	return sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%c", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5], &end) == 6 ? 0 : -EINVAL;
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l == n && !strncmp(p, name, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mkpcap [OPTIONS] FILE\n"
		"Writes pktscope's crafted test packets, or a seeded mix of valid traffic,\n"
		"to FILE as pcap (or pcapng).\n\n"
		"  --valid          only the crafted packets that parse without error\n"
		"  --only N1,N2     only the crafted packets with these names\n"
		"  --mix COUNT      COUNT random-ish valid packets instead of the table\n"
		"  --seed SEED      seed for --mix (default 1): same seed, same file\n"
		"  --pcapng         write pcapng instead of pcap\n"
		"  --eth-src MAC    write MAC as every frame's Ethernet source address\n"
		"  --expect JSON    also write to JSON the counters pktscope must report\n"
		"                   for the crafted packets written: {\"packets\", \"bytes\",\n"
		"                   \"counters\": {\"<group>.<name>\": {\"packets\", \"bytes\"}},\n"
		"                   \"ttl_threshold\"}\n"
		"  --ttl-threshold N  the --ttl-threshold those counters are for (default %d)\n"
		"  --list           print the crafted packets' names and exit\n\n"
		"Examples:\n"
		"  mkpcap --valid crafted.pcap\n"
		"  mkpcap --mix 5000 --seed 7 mix.pcap\n"
		"  mkpcap --only ipv4_tcp_syn,arp_request --pcapng two.pcapng\n"
		"  mkpcap --valid --expect crafted.json --ttl-threshold 10 crafted.pcap\n",
		PKT_DEFAULT_TTL_THRESHOLD);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "valid", no_argument, NULL, 'v' },
		{ "only", required_argument, NULL, 'o' },
		{ "mix", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "pcapng", no_argument, NULL, 'n' },
		{ "list", no_argument, NULL, 'l' },
		{ "eth-src", required_argument, NULL, 'e' },
		{ "expect", required_argument, NULL, 'x' },
		{ "ttl-threshold", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *only = NULL, *path, *expect_path = NULL;
	unsigned long mix = 0, thr;
	uint64_t seed = 1;
	bool valid = false, pcapng = false, list = false, thr_set = false;
	int ttl_threshold = PKT_DEFAULT_TTL_THRESHOLD;
	const struct pkt_case *cases;
	struct expect_sum *sum = NULL;
	struct writer w = {};
	size_t ncases;
	char *end;
	int c, err;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': valid = true; break;
		case 'o': only = optarg; break;
		case 'n': pcapng = true; break;
		case 'l': list = true; break;
		case 'x': expect_path = optarg; break;
		case 'e':
			if (parse_mac(optarg, w.eth_src)) {
				fprintf(stderr, "mkpcap: --eth-src wants a MAC address (aa:bb:cc:dd:ee:ff), not '%s'\n",
					optarg);
				return 2;
			}
			w.eth_src_set = true;
			break;
		case 't':
			/* pktscope's own range: a TTL is one byte. */
			thr = strtoul(optarg, &end, 0);
			if (*end || !*optarg || *optarg == '-' || thr > 255) {
				fprintf(stderr, "mkpcap: --ttl-threshold wants 0..255, not '%s'\n", optarg);
				return 2;
			}
			ttl_threshold = thr;
			thr_set = true;
			break;
		case 'm':
			mix = strtoul(optarg, &end, 0);
			if (*end || !*optarg) {
				fprintf(stderr, "mkpcap: --mix wants a packet count, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end || !*optarg) {
				fprintf(stderr, "mkpcap: --seed wants a number, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	cases = pkt_cases(&ncases);
	if (!cases) {
		fprintf(stderr, "mkpcap: out of memory\n");
		return 1;
	}
	if (list) {
		for (size_t i = 0; i < ncases; i++)
			printf("%-28s %s%s%u bytes: %s\n", cases[i].name,
			       cases[i].flags & PKT_F_VALID ? "valid, " : "malformed, ",
			       cases[i].flags & PKT_F_XDP_ONLY ? "xdp only, " : "",
			       cases[i].len, cases[i].what);
		return 0;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "mkpcap: give one output file (try --help)\n");
		return 2;
	}
	path = argv[optind];
	if (mix && (valid || only)) {
		fprintf(stderr, "mkpcap: --mix writes generated packets: it takes no --valid or --only\n");
		return 2;
	}
	if (mix && expect_path) {
		fprintf(stderr, "mkpcap: --expect is for the crafted packets: the table knows their counters, not --mix's\n");
		return 2;
	}
	if (thr_set && !expect_path) {
		fprintf(stderr, "mkpcap: --ttl-threshold only changes what --expect writes: give --expect\n");
		return 2;
	}
	if (expect_path) {
		sum = calloc(1, sizeof(*sum));
		if (!sum) {
			fprintf(stderr, "mkpcap: out of memory\n");
			return 1;
		}
	}
	if (only) {
		/* A misspelt name would silently write fewer packets. */
		for (const char *p = only; *p;) {
			const char *e = strchr(p, ',');
			char name[64];

			snprintf(name, sizeof(name), "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
			if (!pkt_case_by_name(name)) {
				fprintf(stderr, "mkpcap: no crafted packet '%s' (see --list)\n", name);
				return 2;
			}
			if (!e)
				break;
			p = e + 1;
		}
	}

	err = writer_open(&w, path, pcapng);
	if (err) {
		fprintf(stderr, "mkpcap: cannot write %s: %s\n", path, strerror(-err));
		writer_close(&w);
		return 1;
	}
	if (mix) {
		struct pkt *p = malloc(sizeof(*p));

		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		for (unsigned long i = 0; i < mix && !err; i++) {
			pkt_random(p, &seed);
			err = writer_put(&w, p->data, p->len);
		}
		free(p);
	} else {
		for (size_t i = 0; i < ncases && !err; i++) {
			if (valid && !(cases[i].flags & PKT_F_VALID))
				continue;
			if (only && !in_list(only, cases[i].name))
				continue;
			err = writer_put(&w, cases[i].data, cases[i].len);
			if (sum)
				expect_add(sum, pkt_case_expect(&cases[i], ttl_threshold),
					   cases[i].len);
		}
	}
out:
	c = writer_close(&w);
	err = err ?: c;
	if (err) {
		fprintf(stderr, "mkpcap: writing %s: %s\n", path, strerror(-err));
		free(sum);
		return 1;
	}
	if (sum) {
		err = expect_write(sum, ttl_threshold, expect_path);
		free(sum);
		if (err) {
			fprintf(stderr, "mkpcap: writing %s: %s\n", expect_path, strerror(-err));
			return 1;
		}
	}
	printf("wrote %lu packets to %s\n", w.n, path);
	return 0;
}
