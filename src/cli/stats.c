// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope stats: attach the datapath to interfaces (or run it over a file)
 * and print what crosses them, every interval and in total on exit.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "common.h"
#include "datapath.h"
#include "log.h"
#include "counters.h"
#include "replay.h"
#include "stats_report.h"

#define MAX_IFACES CLI_MAX_IFACES

struct stats_args {
	const char *ifaces[MAX_IFACES];
	int nifaces;
	const char *file;
	struct ps_datapath_opts dp;
	bool xdp_mode_set;
	double interval;
	long count; /* intervals; 0 = until a signal */
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktscope stats [-i IFACE]... [OPTIONS]\n"
"       pktscope stats -r FILE [--hook auto|xdp|tc] [--json]\n"
"\n"
"Attaches pktscope's datapath to interfaces and prints, every interval, what\n"
"crosses them: packets, bytes and rates by L2 type, VLAN, L4 protocol,\n"
"fragments, TCP flag classes, low TTL, IP options and malformation reason,\n"
"per hook and direction.  On exit (Ctrl-C, SIGTERM, -c) it detaches and prints\n"
"the totals.  With -r it runs the same kernel program over a pcap or pcapng\n"
"file and prints the totals.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE  interface to watch; repeat for several (default: the\n"
"                         interface of the default route)\n"
"  -r, --read FILE        count the packets of a pcap/pcapng file instead\n"
"      --hook auto|xdp|tc auto (default): TC on ingress and egress of a virtual\n"
"                         interface (veth, bridge, tun...) or where another\n"
"                         program holds XDP, else native XDP on ingress (TC if\n"
"                         the driver refuses it), TC on egress; the stderr line\n"
"                         says which and why.  xdp: XDP on ingress, TC on\n"
"                         egress; tc: TC (clsact) on ingress and egress\n"
"      --xdp-mode MODE    with --hook xdp: auto (default), native or generic\n"
"      --interval SEC     seconds between reports (default 1, may be fractional)\n"
"  -c, --count N          stop after N reports\n"
"      --json             one JSON object per report, one per line\n"
"      --ttl-threshold N  count IP packets whose TTL/hop limit is below N\n"
"                         (0-255, default 2)\n"
"  -v, --verbose          show libbpf's and the verifier's messages\n"
"  -h, --help             this help\n"
"\n"
"Examples:\n"
"  pktscope stats                          # default-route interface, every second\n"
"  pktscope stats -i eth0 -i eth1 --hook tc --interval 5\n"
"  pktscope stats -i eth0 --json -c 10 | jq .total.pps\n"
"  pktscope stats -r trace.pcapng\n");
}

static int parse_args(int argc, char **argv, struct stats_args *a)
{
	enum { OPT_HOOK = 256, OPT_XDP_MODE, OPT_INTERVAL, OPT_JSON, OPT_TTL };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "hook", required_argument, NULL, OPT_HOOK },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "ttl-threshold", required_argument, NULL, OPT_TTL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	cli_dp_defaults(&a->dp);
	a->interval = 1.0;

	opterr = 0; /* our own one-line messages */
	while ((opt = getopt_long(argc, argv, ":i:r:c:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (cli_opt_iface(optarg, a->ifaces, &a->nifaces))
				return -EINVAL;
			break;
		case 'r':
			a->file = optarg;
			break;
		case OPT_HOOK:
			if (ps_hook_parse(optarg, &a->dp.hook) || a->dp.hook == PS_HOOK_SOCKET) {
				ps_err("stats counts at --hook auto, xdp or tc, not '%s' (--hook "
				       "socket is for watch and capture)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_XDP_MODE:
			if (cli_opt_xdp_mode(optarg, &a->dp, &a->xdp_mode_set))
				return -EINVAL;
			break;
		case OPT_INTERVAL:
			if (ps_parse_double(optarg, 86400, &a->interval) || a->interval < 0.01) {
				ps_err("--interval takes seconds from 0.01 to 86400, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'c':
			if (cli_opt_count(optarg, &a->count, "reports"))
				return -EINVAL;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_TTL:
			if (cli_opt_ttl(optarg, &a->dp))
				return -EINVAL;
			break;
		case 'v':
			ps_verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(PS_EXIT_OK);
		default:
			return cli_opt_error(opt, argv, "stats");
		}
	}
	if (optind < argc) {
		ps_err("unexpected argument '%s': stats takes no filter expression yet",
		       argv[optind]);
		return -EINVAL;
	}
	if (cli_check_source(a->file, a->nifaces, &a->dp, a->xdp_mode_set))
		return -EINVAL;
	return 0;
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static void timespec_add(struct timespec *t, double sec)
{
	long ns = (long)((sec - (long)sec) * 1e9);

	t->tv_sec += (long)sec;
	t->tv_nsec += ns;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Fills 'views' from the datapaths; with 'base', as the change since base. */
static int snapshot(struct ps_datapath *dps, int n, struct ps_iface_view *views,
		    struct ps_counters (*cur)[PS_SLOT_MAX], struct ps_counters (*base)[PS_SLOT_MAX])
{
	enum ps_slot slots[PS_SLOT_MAX];
	int err;

	for (int i = 0; i < n; i++) {
		int ns = ps_hook_slots(dps[i].opts.hook, slots);

		views[i].name = dps[i].ifname;
		views[i].ifindex = dps[i].ifindex;
		views[i].hook_asked = dps[i].hook_auto ? "auto" : ps_hook_name(dps[i].opts.hook);
		views[i].hook_why = dps[i].hook_auto ? dps[i].hook_why : NULL;
		views[i].nhooks = ns;
		for (int h = 0; h < ns; h++) {
			enum ps_slot s = slots[h];
			struct ps_hook_view *hv = &views[i].hooks[h];

			err = ps_datapath_read(&dps[i], s, &cur[i][s]);
			if (err) {
				ps_err("cannot read the counters of %s: %s", dps[i].ifname,
				       strerror(-err));
				return err;
			}
			hv->hook = ps_slot_hook(s);
			hv->direction = ps_slot_direction(s);
			hv->mode = dps[i].att[s].mode;
			if (base)
				ps_counters_sub(&hv->c, &cur[i][s], &base[i][s]);
			else
				hv->c = cur[i][s];
		}
	}
	return 0;
}

static void report(const struct stats_args *a, struct ps_stats_view *v)
{
	clock_gettime(CLOCK_REALTIME, &v->now);
	if (a->json)
		ps_stats_print_json(stdout, v);
	else
		ps_stats_print_text(stdout, v);
}

static int run_file(const struct stats_args *a)
{
	struct ps_replay_hooks hooks = { .stop = &cli_stop };
	struct ps_datapath_opts o = a->dp;
	struct ps_replay_stats st;
	struct ps_iface_view view = {};
	struct ps_counters cur[1][PS_SLOT_MAX];
	struct ps_stats_view v = { .summary = true, .nifaces = 1, .ifaces = &view };
	struct ps_replay *rp;
	struct timespec t0, t1;
	struct ps_datapath dp;
	char why[256];
	int err;

	/* The file first: a file pktscope cannot read is refused before
	 * anything is loaded. */
	err = ps_replay_open(&rp, a->file, NULL);
	if (err)
		return err;
	o.replay = true;
	err = ps_datapath_load(&dp, &o, true);
	if (err)
		goto out_file;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ps_replay_run(rp, &dp, &st, &hooks);
	if (err)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(dp.ifname, sizeof(dp.ifname), "file");
	err = snapshot(&dp, 1, &view, cur, NULL);
	if (err)
		goto out;
	view.name = a->file;
	/* The ingress program ran every record; those a pcapng file or a
	 * cooked (SLL) header says were sent are counted as egress, shown
	 * when there are any. */
	if (!view.hooks[1].c.c[PS_CTR_TOTAL].packets)
		view.nhooks = 1;
	for (int h = 0; h < view.nhooks; h++)
		view.hooks[h].mode = "test-run";
	/* Rates of a file are those of the traffic it recorded, over its own
	 * time span, as capinfos gives them; how fast it ran is run_s. */
	v.seconds = st.last_ts - st.first_ts;
	v.extra = json_pack("{s:{s:I,s:I,s:I,s:f}}", "file", "packets_read",
			    (json_int_t)st.packets_read, "snaplen_cut", (json_int_t)st.snaplen_cut,
			    "not_run", (json_int_t)st.not_run, "run_s", elapsed(&t0, &t1));
	report(a, &v);
	json_decref(v.extra);
	if (!a->json && st.snaplen_cut)
		fprintf(stdout, "%llu packets were cut by the capture's snap length: counted with "
			"their length on the wire, parsed as far as the capture kept them\n",
			(unsigned long long)st.snaplen_cut);
	if (!a->json && st.not_run) {
		ps_replay_not_run_str(&st, why, sizeof(why));
		fprintf(stdout, "%llu packets could not be run: the kernel's test run refused them "
			"(%s)\n", (unsigned long long)st.not_run, why);
	}
out:
	ps_datapath_close(&dp);
out_file:
	ps_replay_close(rp);
	return err;
}

static int run_live(struct stats_args *a)
{
	struct ps_datapath dps[MAX_IFACES];
	struct ps_counters start[MAX_IFACES][PS_SLOT_MAX], last[MAX_IFACES][PS_SLOT_MAX],
		cur[MAX_IFACES][PS_SLOT_MAX];
	struct ps_iface_view views[MAX_IFACES];
	struct ps_stats_view v = { .nifaces = 0, .ifaces = views };
	struct timespec t0, tprev, tnow, next;
	int n = a->nifaces, err;
	long reports = 0;

	err = cli_pick_ifaces(a->ifaces, &a->nifaces);
	if (err)
		return err;
	n = a->nifaces;
	err = cli_attach_all(dps, a->ifaces, n, &a->dp);
	if (err)
		return err;
	v.nifaces = n;

	err = snapshot(dps, n, views, start, NULL);
	if (err)
		goto out;
	memcpy(last, start, sizeof(last));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	tprev = next = t0;
	cli_announce(dps, n);

	while (!cli_stop && (!a->count || reports < a->count)) {
		timespec_add(&next, a->interval);
		while (!cli_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (cli_stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &tnow);
		err = snapshot(dps, n, views, cur, last);
		if (err)
			goto out;
		v.summary = false;
		v.seconds = elapsed(&tprev, &tnow);
		report(a, &v);
		memcpy(last, cur, sizeof(last));
		tprev = tnow;
		reports++;
	}

	clock_gettime(CLOCK_MONOTONIC, &tnow);
	err = snapshot(dps, n, views, cur, start);
	if (err)
		goto out;
	v.summary = true;
	v.seconds = elapsed(&t0, &tnow);
	report(a, &v);
out:
	cli_close_all(dps, n);
	return err;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_args a;
	int err;

	err = parse_args(argc, argv, &a);
	if (!err)
		err = cli_need_privs("stats");
	if (err)
		return ps_exit_code(err);
	cli_signals();
	err = a.file ? run_file(&a) : run_live(&a);
	return ps_exit_code(err);
}
