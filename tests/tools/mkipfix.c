// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkipfix: exports flow records read as JSON lines with pktscope's IPFIX
 * exporter (src/flow/ipfix.c), so that tests can hand the very records they
 * wrote to real collectors (nfcapd, nfacctd) and compare what those decode.
 *
 *   mkipfix [--max-msg N] [--domain N] [--refresh-s N] [--refresh-msgs N]
 *           HOST:PORT [FILE]
 *
 * One ps_flow_rec per line (FILE, or stdin), every field optional but "a"
 * and "b"; the IP version follows from the addresses:
 *   {"ifindex": 3, "proto": 6, "a": "192.0.2.1", "b": "192.0.2.2",
 *    "a_port": 40000, "b_port": 80, "end": 3,
 *    "ab": {"packets": 10, "bytes": 1500, "first_ns": ..., "last_ns": ...,
 *           "tcp_flags": 27, "icmp_type": 0, "icmp_code": 0},
 *    "ba": {...}}
 * At the end it flushes and prints the exporter's counters as one JSON
 * object; the exit status is 1 when a send failed or a record was lost.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "ipfix.h"

static __u64 num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (__u64)json_integer_value(v) : 0;
}

static void side(json_t *o, const char *key, struct ps_flow_side *s)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_object(j))
		return;
	s->packets = num(j, "packets");
	s->bytes = num(j, "bytes");
	s->first_ns = num(j, "first_ns");
	s->last_ns = num(j, "last_ns");
	s->tcp_flags = (__u8)num(j, "tcp_flags");
	s->icmp_type = (__u8)num(j, "icmp_type");
	s->icmp_code = (__u8)num(j, "icmp_code");
}

static int addr(json_t *o, const char *key, __u8 *out, __u8 *ver)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, out) == 1) {
		*ver = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*ver = 6;
		return 0;
	}
	return -EINVAL;
}

static int parse(const char *line, struct ps_flow_rec *r)
{
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);
	__u8 va = 0, vb = 0;
	int err = -EINVAL;

	if (!json_is_object(o))
		goto out;
	memset(r, 0, sizeof(*r));
	if (addr(o, "a", r->a_addr, &va) || addr(o, "b", r->b_addr, &vb) || va != vb)
		goto out;
	r->ip_ver = va;
	r->ifindex = (__u32)num(o, "ifindex");
	r->proto = (__u8)num(o, "proto");
	r->a_port = (__u16)num(o, "a_port");
	r->b_port = (__u16)num(o, "b_port");
	r->end = (enum ps_flow_end)num(o, "end");
	side(o, "ab", &r->ab);
	side(o, "ba", &r->ba);
	err = 0;
out:
	json_decref(o);
	return err;
}

static void usage(void)
{
	fprintf(stderr, "usage: mkipfix [--max-msg N] [--domain N] [--refresh-s N] "
			"[--refresh-msgs N] HOST:PORT [FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "max-msg", required_argument, NULL, 'm' },
		{ "domain", required_argument, NULL, 'd' },
		{ "refresh-s", required_argument, NULL, 's' },
		{ "refresh-msgs", required_argument, NULL, 'n' },
		{ 0 },
	};
	struct ps_ipfix_opts o = { 0 };
	struct ps_ipfix x;
	struct ps_flow_rec r;
	unsigned long lineno = 0, nrec = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *in = stdin;
	int c, err, failed = 0;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.max_msg = strtoul(optarg, NULL, 0); break;
		case 'd': o.domain_id = strtoul(optarg, NULL, 0); break;
		case 's': o.refresh_s = strtoul(optarg, NULL, 0); break;
		case 'n': o.refresh_msgs = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		usage();
	if (argc - optind == 2 && !(in = fopen(argv[optind + 1], "r"))) {
		fprintf(stderr, "mkipfix: %s: %s\n", argv[optind + 1], strerror(errno));
		return 2;
	}
	err = ps_ipfix_open(&x, argv[optind], &o);
	if (err)
		return err == -EINVAL ? 2 : 1;
	while (getline(&line, &cap, in) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (parse(line, &r)) {
			fprintf(stderr, "mkipfix: line %lu is not a flow record\n", lineno);
			failed = 2;
			break;
		}
		nrec++;
		if (ps_ipfix_add(&x, &r, 0))
			failed = 1;
	}
	if (ps_ipfix_flush(&x, 0))
		failed = 1;
	ps_ipfix_close(&x);
	printf("{\"flow_records\": %lu, \"messages\": %llu, \"records\": %llu, "
	       "\"template_msgs\": %llu, \"send_errors\": %llu, \"records_lost\": %llu}\n",
	       nrec, (unsigned long long)x.stats.messages, (unsigned long long)x.stats.records,
	       (unsigned long long)x.stats.template_msgs, (unsigned long long)x.stats.send_errors,
	       (unsigned long long)x.stats.records_lost);
	free(line);
	if (in != stdin)
		fclose(in);
	if (!failed && x.stats.records_lost)
		failed = 1;
	return failed;
}
