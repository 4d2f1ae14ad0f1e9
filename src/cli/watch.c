// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope watch: one line per packet, as tcpdump prints them, from the
 * kernel datapath's event stream.  Sampling (and filtering) are decided in
 * the kernel, before the ring buffer; every event lost on the way is
 * counted and reported on exit.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "common.h"
#include "events.h"
#include "log.h"
#include "pktline.h"
#include "replay.h"

struct watch_args {
	const char *ifaces[CLI_MAX_IFACES];
	int nifaces;
	const char *file;
	const char *expr;
	struct ps_datapath_opts dp;
	bool xdp_mode_set;
	long count;
	bool json;
	struct ps_line_opts line;
};

struct watch_state {
	const struct watch_args *a;
	struct ps_events ev;
	const char *file_label; /* interface name printed for -r */
	__u64 printed;
	__u64 write_errors;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktscope watch [-i IFACE]... [OPTIONS] [EXPRESSION]\n"
"       pktscope watch -r FILE [OPTIONS] [EXPRESSION]\n"
"\n"
"Prints one line per packet crossing the interfaces (or recorded in FILE), as\n"
"tcpdump does: time, interface, direction, protocol, addresses and ports,\n"
"TCP flags, length, TTL, fragment and anomaly marks.  The lines come from the\n"
"kernel datapath through a ring buffer; --sample is decided in the kernel.\n"
"On exit it reports, like tcpdump, what was received and what was lost.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE  interface to watch; repeat for several (default:\n"
"                         the interface of the default route)\n"
"  -r, --read FILE        read packets from a pcap/pcapng file instead\n"
"      --hook xdp|tc      as for stats (default xdp: XDP in, TC out)\n"
"      --xdp-mode MODE    auto (default), native or generic\n"
"  -c, --count N          stop after N packets\n"
"  -n                     port numbers instead of service names\n"
"  -v                     more detail (the hook)\n"
"      --json             one JSON object per packet, one per line\n"
"      --sample N         keep 1 packet in N, decided in the kernel\n"
"  -B, --buffer-size KiB  ring buffer size (default 8192, a power of 2)\n"
"      --ttl-threshold N  mark TTL/hop limit below N as low (default 2)\n"
"  -h, --help             this help\n"
"\n"
"Examples:\n"
"  pktscope watch -i eth0 -c 20\n"
"  pktscope watch -i eth0 --json --sample 100 | jq -c '{src, dst, l4}'\n"
"  pktscope watch -r trace.pcap -n\n");
}

static int parse_args(int argc, char **argv, struct watch_args *a)
{
	enum { OPT_HOOK = 256, OPT_XDP_MODE, OPT_JSON, OPT_SAMPLE, OPT_TTL };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "hook", required_argument, NULL, OPT_HOOK },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "ttl-threshold", required_argument, NULL, OPT_TTL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	long v;
	int opt;

	memset(a, 0, sizeof(*a));
	a->dp.hook = PS_HOOK_XDP;
	a->dp.xdp_mode = PS_XDP_AUTO;
	a->dp.ttl_threshold = 2;
	a->dp.events = true;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:r:c:B:nvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (a->nifaces == CLI_MAX_IFACES) {
				ps_err("at most %d interfaces at once", CLI_MAX_IFACES);
				return -EINVAL;
			}
			a->ifaces[a->nifaces++] = optarg;
			break;
		case 'r':
			a->file = optarg;
			break;
		case OPT_HOOK:
			if (ps_hook_parse(optarg, &a->dp.hook)) {
				ps_err("--hook takes xdp or tc, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_XDP_MODE:
			if (ps_xdp_mode_parse(optarg, &a->dp.xdp_mode)) {
				ps_err("--xdp-mode takes auto, native or generic, not '%s'", optarg);
				return -EINVAL;
			}
			a->xdp_mode_set = true;
			break;
		case 'c':
			if (ps_parse_long(optarg, 1, 1L << 40, &a->count)) {
				ps_err("-c takes a positive number of packets, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_SAMPLE:
			if (ps_parse_long(optarg, 1, 1L << 30, &v)) {
				ps_err("--sample takes N >= 1 (keep 1 packet in N), not '%s'", optarg);
				return -EINVAL;
			}
			a->dp.sample = v;
			break;
		case 'B':
			if (ps_parse_long(optarg, 4, 1L << 20, &v)) {
				ps_err("-B takes a ring buffer size in KiB from 4 to 1048576, not '%s'",
				       optarg);
				return -EINVAL;
			}
			a->dp.ring_bytes = v * 1024;
			break;
		case OPT_TTL:
			if (ps_parse_long(optarg, 0, 255, &v)) {
				ps_err("--ttl-threshold takes 0 to 255, not '%s'", optarg);
				return -EINVAL;
			}
			a->dp.ttl_threshold = v;
			break;
		case 'n':
			a->line.numeric = true;
			break;
		case 'v':
			a->line.verbose++;
			ps_verbose = a->line.verbose > 1;
			break;
		case 'h':
			usage(stdout);
			exit(PS_EXIT_OK);
		case ':':
			ps_err("%s needs a value: see `pktscope watch --help`", argv[optind - 1]);
			return -EINVAL;
		default:
			ps_err("unknown option '%s': see `pktscope watch --help`", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		/* Like tcpdump, the expression may come as several words. */
		ps_err("filter expressions are not supported yet ('%s')", argv[optind]);
		return -EINVAL;
	}
	if (a->xdp_mode_set && a->dp.hook != PS_HOOK_XDP) {
		ps_err("--xdp-mode applies to --hook xdp only");
		return -EINVAL;
	}
	if (a->file && a->nifaces) {
		ps_err("-r reads a file and -i watches an interface: give one of them");
		return -EINVAL;
	}
	return 0;
}

static int on_event(void *ctx, const struct ps_event *e, const __u8 *data, __u64 ts_ns)
{
	struct watch_state *st = ctx;
	const struct watch_args *a = st->a;
	char name[IF_NAMESIZE];
	const char *ifname = st->file_label;

	if (st->a->count && st->printed >= (__u64)a->count)
		return 1;
	if (!ifname)
		ifname = if_indextoname(e->ifindex, name) ?: "?";
	if (a->json) {
		json_t *o = ps_line_json(e, ts_ns, ifname);

		if (st->file_label) /* the test run's, not an interface's */
			json_object_set_new(o, "ifindex", json_integer(0));

		json_object_set_new(o, "type", json_string("packet"));
		if (json_dumpf(o, stdout, JSON_COMPACT) || fputc('\n', stdout) == EOF)
			st->write_errors++;
		json_decref(o);
	} else {
		ps_line_text(stdout, e, ts_ns, ifname, &a->line);
	}
	if (ferror(stdout)) {
		st->write_errors++;
		clearerr(stdout);
	} else {
		st->printed++;
	}
	return a->count && st->printed >= (__u64)a->count ? 1 : 0;
}

/* tcpdump's closing lines, or one JSON summary; counts from every stage. */
static void report(struct watch_state *st, struct ps_datapath *dps, int n)
{
	struct ps_ev_counters sum = {}, one;

	for (int i = 0; i < n; i++)
		if (!ps_datapath_read_events(&dps[i], &one))
			for (int k = 0; k < PS_EV_MAX; k++)
				sum.c[k] += one.c[k];
	fflush(stdout);
	if (st->a->json) {
		json_t *o = json_pack("{s:s,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I}}",
				      "type", "summary", "printed", (json_int_t)st->printed,
				      "received", (json_int_t)st->ev.received, "kernel",
				      "matched", (json_int_t)sum.c[PS_EV_MATCHED],
				      "sampled_out", (json_int_t)sum.c[PS_EV_SAMPLED_OUT],
				      "sent", (json_int_t)sum.c[PS_EV_SENT],
				      "lost_ringbuf_full", (json_int_t)sum.c[PS_EV_LOST_FULL],
				      "filter_missing", (json_int_t)sum.c[PS_EV_FILTER_MISSING],
				      "user", "write_errors", (json_int_t)st->write_errors,
				      "malformed_records", (json_int_t)st->ev.malformed);
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(o);
		return;
	}
	fprintf(stderr, "%llu packets printed\n", (unsigned long long)st->printed);
	fprintf(stderr, "%llu packets received from the kernel (%llu matched, %llu left out "
		"by --sample)\n", (unsigned long long)st->ev.received,
		(unsigned long long)sum.c[PS_EV_MATCHED],
		(unsigned long long)sum.c[PS_EV_SAMPLED_OUT]);
	fprintf(stderr, "%llu packets dropped by kernel (ring buffer full)\n",
		(unsigned long long)sum.c[PS_EV_LOST_FULL]);
	if (st->write_errors || st->ev.malformed)
		fprintf(stderr, "%llu packets not written (output errors), %llu bad records\n",
			(unsigned long long)st->write_errors, (unsigned long long)st->ev.malformed);
}

static int drain_after_record(void *ctx, __u64 ts_ns)
{
	struct watch_state *st = ctx;

	st->ev.ts_override_ns = ts_ns;
	ps_events_drain(&st->ev);
	return (st->a->count && st->printed >= (__u64)st->a->count) || cli_stop;
}

static int run_file(struct watch_args *a, struct watch_state *st)
{
	struct ps_replay_stats rs;
	struct ps_datapath dp;
	int err;

	err = ps_datapath_load(&dp, &a->dp, true);
	if (err)
		return err;
	st->file_label = a->file;
	err = ps_events_open(&st->ev, ps_datapath_ring_fd(&dp), on_event, st);
	if (err) {
		ps_err("cannot read the event ring buffer: %s", strerror(-err));
		goto out;
	}
	err = ps_replay_file(&dp, a->file, &rs, drain_after_record, st);
	if (!err)
		report(st, &dp, 1);
	ps_events_close(&st->ev);
out:
	ps_datapath_close(&dp);
	return err;
}

static int run_live(struct watch_args *a, struct watch_state *st)
{
	struct ps_datapath dps[CLI_MAX_IFACES];
	int n, err, i;

	err = cli_pick_ifaces(a->ifaces, &a->nifaces);
	if (err)
		return err;
	n = a->nifaces;
	err = cli_attach_all(dps, a->ifaces, n, &a->dp);
	if (err)
		return err;
	err = ps_events_open(&st->ev, ps_datapath_ring_fd(&dps[0]), on_event, st);
	for (i = 1; !err && i < n; i++)
		err = ps_events_add(&st->ev, ps_datapath_ring_fd(&dps[i]));
	if (err) {
		ps_err("cannot read the event ring buffer: %s", strerror(-err));
		goto out;
	}
	cli_announce(dps, n);
	while (!cli_stop) {
		/* The timeout bounds how late a lone packet is printed: the
		 * kernel wakes the reader only when it had caught up. */
		err = ps_events_poll(&st->ev, 100);
		if (err < 0) {
			ps_err("reading events failed: %s", strerror(-err));
			goto out_events;
		}
		if (a->count && st->printed >= (__u64)a->count)
			break;
	}
	/* What the kernel had already sent is printed, not dropped. */
	if (!a->count || st->printed < (__u64)a->count)
		ps_events_drain(&st->ev);
	err = 0;
	report(st, dps, n);
out_events:
	ps_events_close(&st->ev);
out:
	cli_close_all(dps, n);
	return err < 0 ? err : 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_state st = {};
	struct watch_args a;
	int err;

	err = parse_args(argc, argv, &a);
	if (!err)
		err = cli_need_privs("watch");
	if (err)
		return ps_exit_code(err);
	st.a = &a;
	cli_signals();
	err = a.file ? run_file(&a, &st) : run_live(&a, &st);
	return ps_exit_code(err);
}
