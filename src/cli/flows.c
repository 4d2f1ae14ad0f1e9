// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope flows: the conversations crossing interfaces (or recorded in a
 * file), tracked in the kernel's flow table, as a live view, as JSON flow
 * records, or as a table of a file's conversations.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "cli.h"
#include "evsession.h"
#include "flowagg.h"
#include "flowtab.h"
#include "flowtable.h"
#include "flowview.h"
#include "ipfix.h"
#include "log.h"
#include "replay.h"

struct flows_args {
	struct ev_args ev;   /* -i, -r, --hook, the expression, -c, --duration */
	double idle, active, linger, interval;
	long max_flows;
	enum ps_agg_by by;
	bool by_set;
	enum ps_agg_sort sort;
	long top;
	const char *ipfix;   /* --ipfix HOST:PORT */
};

/* Everything a run updates. */
struct flows_run {
	const struct flows_args *a;
	struct ps_flowtab t;
	struct ps_agg agg;   /* -r's table */
	bool table;          /* -r without --json: print the table at the end */
	bool view;           /* live on a terminal without --json */
	const char *file_label;
	struct ps_datapath *dps;
	int ndps;
	__u64 written;       /* records written */
	__u64 write_errors;  /* records that could not be written */
	__u64 not_run;
	__u64 next_sweep;    /* flow clock */
	/* -r: the first record's time, and the earliest and latest of all */
	bool started;
	__u64 first_ts, min_ts, max_ts;
	struct ps_ipfix x;   /* --ipfix */
	bool exporting;
};

/* A wait of the live loop is cut to this, so that a signal that lands
 * just before it starts is still seen within 100 ms. */
#define WAIT_MAX_MS 50
/* The view holds an ended conversation this long: as long as the longest
 * rate window, so its 40 s rate has fallen to 0 before it goes. */
#define VIEW_HOLD_NS 40000000000ULL

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktscope flows [-i IFACE]... [OPTIONS] [EXPRESSION]\n"
"       pktscope flows -r FILE [OPTIONS] [EXPRESSION]\n"
"\n"
"Shows the conversations crossing the interfaces: one row per flow with both\n"
"directions merged (protocol, endpoints, rates over the last 2, 10 and 40 s\n"
"as iftop's, packets and bytes in all and each way, age, TCP state,\n"
"handshake RTT).  The flow table lives in the kernel; only packets the\n"
"expression keeps are counted.  On a terminal it is a live view (keys: b p r\n"
"a sort, g grouping, q quit) that fits the terminal's width, dropping the\n"
"least important columns first; a flow that ended stays 40 s, dimmed.\n"
"Without a terminal, or with --json, it writes one JSON record each time a\n"
"flow ends (idle timeout, TCP FIN both ways or RST) or reaches the active\n"
"timeout, and at exit.  With -r it runs the kernel programs over the file,\n"
"in the file's time, and prints one row per record (RATE: its bits over its\n"
"duration, or over 1 s if it lasted less).\n"
"\n"
"Options:\n"
"  -i, --interface IFACE  interface to watch; repeat for several (default:\n"
"                         the interface of the default route)\n"
"  -r, --read FILE        read packets from a pcap/pcapng file instead\n"
"      --hook HOOK        auto (default: TC both ways on a virtual interface or\n"
"                         where another program holds XDP, else native XDP in,\n"
"                         TC out), xdp (XDP in, TC out) or tc (TC both ways)\n"
"      --xdp-mode MODE    with --hook xdp: auto (default), native or generic\n"
"      --json             JSON flow records, one per line, and a summary\n"
"      --idle-timeout S   a flow without packets for S seconds ends (default 15)\n"
"      --active-timeout S a longer flow is exported every S seconds (default 60;\n"
"                         0: only when it ends)\n"
"      --fin-timeout S    a TCP flow ended by FIN both ways or RST is exported\n"
"                         once quiet for S seconds (default 1, for the last ACK)\n"
"      --max-flows N      size of the kernel flow table (default 65536; with -r\n"
"                         of a file, no more than it can hold); packets of new\n"
"                         flows when it is full are counted as overflow\n"
"      --interval S       how often the table is read and the view redrawn\n"
"                         (default 1)\n"
"      --sort KEY         bytes (default), packets, rate or age (oldest\n"
"                         first): the BYTES, PKTS, 2s (-r: RATE) or AGE\n"
"                         (-r: START) column\n"
"      --top N            show the first N rows only\n"
"      --by KEY           5tuple (default), hostpair, src or dst: one row per\n"
"                         conversation, per host pair, or per host that\n"
"                         started / was sent the conversations\n"
"      --ipfix HOST:PORT  also export every record as IPFIX (RFC 7011) over UDP to\n"
"                         a collector (nfcapd, nfacctd...); IPv6: [ADDR]:PORT.\n"
"                         The export's own packets are left out of the flows\n"
"                         (and counted: own_export in the summary)\n"
"  -c, --count N          stop after N flow records\n"
"      --duration SEC     stop after SEC seconds (of the file's time with -r)\n"
"  -v, --verbose          show libbpf's and the verifier's messages\n"
"  -h, --help             this help\n"
"\n"
"Memory: the kernel table is preallocated, %zu bytes per entry plus the\n"
"hash's own, and a %zu-byte snapshot entry user space reads it through (the\n"
"summary reports the kernel's figure); user space holds %zu bytes per live\n"
"flow (%zu in the live view, which keeps 40 s of history for the rates).\n"
"\n"
"Examples:\n"
"  pktscope flows -i eth0\n"
"  pktscope flows -i eth0 --json --idle-timeout 5 tcp | jq -c '{a, b, a_to_b}'\n"
"  pktscope flows -r trace.pcap --by hostpair --top 10\n"
"  pktscope flows -i eth0 --json --ipfix 192.0.2.10:4739 > flows.jsonl\n",
		sizeof(struct ps_flow_key) + sizeof(struct ps_flow_val),
		sizeof(struct ps_flow_snaprec), ps_flowtab_conv_bytes(false),
		ps_flowtab_conv_bytes(true));
}

static int parse_secs(const char *opt, const char *arg, bool zero_ok, double *out)
{
	if (zero_ok && !strcmp(arg, "0")) {
		*out = 0;
		return 0;
	}
	if (ps_parse_double(arg, 1e7, out)) {
		ps_err("%s takes a number of seconds%s, not '%s'", opt,
		       zero_ok ? " (0: none)" : " above 0", arg);
		return -EINVAL;
	}
	return 0;
}

/*
 * -r of a regular file without --max-flows: a file cannot hold more
 * conversations than records, nor more records than 16-byte headers fit
 * in it.  The table is preallocated (its size is what it costs to create,
 * ~416 bytes an entry), so a small file gets a small table and a fast start.
 */
static long file_max_flows(const char *path, long dflt)
{
	struct stat st;
	long bound;

	if (!strcmp(path, "-") || stat(path, &st) || !S_ISREG(st.st_mode))
		return dflt;
	bound = st.st_size / 16 + 1;
	if (bound < 64)
		bound = 64;
	return bound < dflt ? bound : dflt;
}

static int parse_args(int argc, char **argv, struct flows_args *fa)
{
	enum { OPT_HOOK = 256, OPT_XDP_MODE, OPT_JSON, OPT_IDLE, OPT_ACTIVE, OPT_FIN,
	       OPT_MAX, OPT_INTERVAL, OPT_SORT, OPT_TOP, OPT_BY, OPT_DURATION, OPT_IPFIX };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "hook", required_argument, NULL, OPT_HOOK },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "active-timeout", required_argument, NULL, OPT_ACTIVE },
		{ "fin-timeout", required_argument, NULL, OPT_FIN },
		{ "max-flows", required_argument, NULL, OPT_MAX },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "by", required_argument, NULL, OPT_BY },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "ipfix", required_argument, NULL, OPT_IPFIX },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct ev_args *a = &fa->ev;
	bool max_set = false;
	int opt;

	memset(fa, 0, sizeof(*fa));
	cli_dp_defaults(&a->dp);
	a->dp.flows = true;
	fa->idle = 15;
	fa->active = 60;
	fa->linger = 1;
	fa->interval = 1;
	fa->max_flows = 65536;

	opterr = 0;
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
				ps_err("--hook takes auto, xdp or tc for flows, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_XDP_MODE:
			if (cli_opt_xdp_mode(optarg, &a->dp, &a->xdp_mode_set))
				return -EINVAL;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_IDLE:
			if (parse_secs("--idle-timeout", optarg, false, &fa->idle))
				return -EINVAL;
			break;
		case OPT_ACTIVE:
			if (parse_secs("--active-timeout", optarg, true, &fa->active))
				return -EINVAL;
			break;
		case OPT_FIN:
			if (parse_secs("--fin-timeout", optarg, true, &fa->linger))
				return -EINVAL;
			break;
		case OPT_INTERVAL:
			if (parse_secs("--interval", optarg, false, &fa->interval))
				return -EINVAL;
			break;
		case OPT_MAX:
			max_set = true;
			if (ps_parse_long(optarg, 1, 1L << 24, &fa->max_flows)) {
				ps_err("--max-flows takes a table size from 1 to 16777216, not '%s'",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_SORT:
			if (ps_agg_sort_parse(optarg, &fa->sort)) {
				ps_err("--sort takes bytes, packets, rate or age, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_TOP:
			if (ps_parse_long(optarg, 1, 1L << 30, &fa->top)) {
				ps_err("--top takes a number of rows, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_BY:
			if (ps_agg_by_parse(optarg, &fa->by)) {
				ps_err("--by takes 5tuple, hostpair, src or dst, not '%s'", optarg);
				return -EINVAL;
			}
			fa->by_set = true;
			break;
		case 'c':
			if (cli_opt_count(optarg, &a->count, "flow records"))
				return -EINVAL;
			break;
		case OPT_DURATION:
			if (parse_secs("--duration", optarg, false, &a->duration))
				return -EINVAL;
			break;
		case OPT_IPFIX:
			fa->ipfix = optarg;
			break;
		case 'v':
			ps_verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(PS_EXIT_OK);
		default:
			return cli_opt_error(opt, argv, "flows");
		}
	}
	if (optind < argc) {
		a->expr = ev_join_words(argc - optind, argv + optind);
		if (!a->expr)
			return -ENOMEM;
	}
	if (cli_check_source(a->file, a->nifaces, &a->dp, a->xdp_mode_set))
		return -EINVAL;
	if (a->file && !max_set)
		fa->max_flows = file_max_flows(a->file, fa->max_flows);
	a->dp.max_flows = fa->max_flows;
	a->dp.user_clock = a->file != NULL;
	return 0;
}

static const char *ifname_of(struct flows_run *r, __u32 ifindex)
{
	if (r->file_label)
		return r->file_label;
	for (int i = 0; i < r->ndps; i++)
		if ((__u32)r->dps[i].ifindex == ifindex)
			return r->dps[i].ifname;
	return "";
}

static bool count_reached(const struct flows_run *r)
{
	return r->a->ev.count && r->written >= (__u64)r->a->ev.count;
}

static void on_record(void *ctx, const struct ps_flow_rec *rec)
{
	struct flows_run *r = ctx;
	json_t *o;

	if (count_reached(r))
		return;
	/* The collector gets every record, whatever is shown here; a record
	 * it could not be sent is counted by the exporter (records_lost). */
	if (r->exporting)
		ps_ipfix_add(&r->x, rec, 0);
	if (r->table) {
		if (ps_agg_add(&r->agg, rec, NULL))
			r->write_errors++;
		else
			r->written++;
		return;
	}
	if (r->view) {
		r->written++;
		return;
	}
	o = ps_flow_json(rec, ifname_of(r, rec->ifindex), PS_BY_5TUPLE, 0);
	if (cli_json_line(o, JSON_COMPACT | JSON_REAL_PRECISION(9))) {
		clearerr(stdout);
		r->write_errors++;
	} else {
		r->written++;
	}
	json_decref(o);
}

static int sweep(struct flows_run *r, __u64 now, bool flush)
{
	int err = ps_flowtab_sweep(&r->t, now, flush, on_record, r);

	/* A sweep's records leave together (and templates when due). */
	if (r->exporting)
		ps_ipfix_flush(&r->x, 0);
	if (err)
		ps_err("reading the flow table failed: %s", strerror(-err));
	if (!r->table && !r->view)
		fflush(stdout);
	return err;
}

static __u64 ns(double secs)
{
	return (__u64)(secs * 1e9);
}

static __u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 sat_add(__u64 a, __u64 b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The sweep interval in ns: never 0, or the schedule would not move. */
static __u64 interval_ns(const struct flows_run *r)
{
	__u64 iv = ns(r->a->interval);

	return iv ? iv : 1;
}

/*
 * Timeouts run on the file's clock, at the interval they would live: the
 * sweeps a live run would have made before this packet arrived.  Any __u64
 * is a time here (a capture's clock may sit near 2^32 s, or a reader may
 * hand over a wrapped one): the schedule saturates instead of wrapping,
 * and a gap of any length costs at most two sweeps, the first due and the
 * last before the packet, which do all the skipped ones would have (no
 * flow is due between them that is not due at the last).
 */
static int before_record(void *ctx, __u64 ts_ns)
{
	struct flows_run *r = ctx;
	__u64 iv = interval_ns(r), due;

	if (!r->started) {
		r->started = true;
		r->first_ts = r->min_ts = r->max_ts = ts_ns;
		r->next_sweep = sat_add(ts_ns, iv);
	}
	if (ts_ns < r->min_ts)
		r->min_ts = ts_ns;
	if (ts_ns > r->max_ts)
		r->max_ts = ts_ns;
	if (ts_ns < r->next_sweep || cli_stop)
		return cli_stop != 0;
	due = r->next_sweep;
	if (sweep(r, due, false))
		return 1;
	if (ts_ns - due >= iv) {
		/* the last point of the schedule at or before the packet */
		due += (ts_ns - due) / iv * iv;
		if (sweep(r, due, false))
			return 1;
	}
	/* Saturated at the end of the clock: sweeps stay due at every packet
	 * there, which is what a live run would do too. */
	r->next_sweep = sat_add(due, iv);
	return cli_stop != 0;
}

static int after_record(void *ctx, __u64 ts_ns)
{
	struct flows_run *r = ctx;

	if (r->a->ev.duration && ts_ns >= r->first_ts &&
	    (ts_ns - r->first_ts) / 1e9 >= r->a->ev.duration)
		return 1;
	return count_reached(r) || cli_stop;
}

/* The counts every exit reports, and the memory the table holds. */
struct flows_totals {
	struct ps_ev_counters ev;
	struct ps_flow_counters fl;
	__u64 kernel_bytes;
};

static int add_table(struct flows_run *r, struct ps_datapath *dp)
{
	struct ps_flow_source src;
	int err;

	ps_datapath_flow_source(dp, &src);
	err = ps_flowtab_add_map(&r->t, &src);
	if (err)
		ps_err("cannot map the flow table's snapshot: %s", strerror(-err));
	return err;
}

static void sum_totals(struct flows_run *r, struct flows_totals *tot)
{
	memset(tot, 0, sizeof(*tot));
	for (int i = 0; i < r->ndps; i++) {
		struct ps_ev_counters ev;
		struct ps_flow_counters fl;
		struct ps_flow_source src;

		if (!ps_datapath_read_events(&r->dps[i], &ev))
			for (int k = 0; k < PS_EV_MAX; k++)
				tot->ev.c[k] += ev.c[k];
		if (!ps_datapath_read_flows(&r->dps[i], &fl))
			for (int k = 0; k < PS_FL_MAX; k++)
				tot->fl.c[k] += fl.c[k];
		ps_datapath_flow_source(&r->dps[i], &src);
		tot->kernel_bytes += ps_map_kernel_bytes(src.map_fd) +
				     ps_map_kernel_bytes(src.snap_fd);
	}
}

static void report(struct flows_run *r, const struct flows_totals *tot)
{
	const __u64 *f = tot->fl.c;

	if (r->a->ev.json) {
		json_t *o = json_pack(
			"{s:s,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I}},"
			"s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I}}",
			"type", "summary", "written", (json_int_t)r->written, "write_errors",
			(json_int_t)r->write_errors, "flows", "records", (json_int_t)r->t.records,
			"open", (json_int_t)r->t.nconvs, "ended_idle", (json_int_t)r->t.ended_idle,
			"ended_tcp", (json_int_t)r->t.ended_tcp,
			"read_errors", (json_int_t)r->t.read_errors, "own_export",
			"records", (json_int_t)r->t.excl_records,
			"packets", (json_int_t)r->t.excl_packets,
			"bytes", (json_int_t)r->t.excl_bytes, "kernel", "matched",
			(json_int_t)tot->ev.c[PS_EV_MATCHED], "filter_missing",
			(json_int_t)tot->ev.c[PS_EV_FILTER_MISSING], "flow_packets",
			(json_int_t)f[PS_FL_PACKETS], "flow_bytes", (json_int_t)f[PS_FL_BYTES],
			"created", (json_int_t)f[PS_FL_CREATED], "overflow_packets",
			(json_int_t)f[PS_FL_OVERFLOW_PACKETS], "overflow_bytes",
			(json_int_t)f[PS_FL_OVERFLOW_BYTES], "not_flow_packets",
			(json_int_t)f[PS_FL_NOT_IP_PACKETS], "not_flow_bytes",
			(json_int_t)f[PS_FL_NOT_IP_BYTES], "memory", "max_flows",
			(json_int_t)r->a->max_flows, "kernel_bytes", (json_int_t)tot->kernel_bytes,
			"user_bytes", (json_int_t)ps_flowtab_user_bytes(&r->t),
			"user_bytes_per_flow", (json_int_t)ps_flowtab_conv_bytes(r->t.o.view));

		if (r->a->ev.file)
			json_object_set_new(o, "not_run", json_integer(r->not_run));
		if (r->exporting)
			json_object_set_new(o, "ipfix", json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}",
				"collector", r->a->ipfix,
				"messages", (json_int_t)r->x.stats.messages,
				"records", (json_int_t)r->x.stats.records,
				"template_messages", (json_int_t)r->x.stats.template_msgs,
				"send_errors", (json_int_t)r->x.stats.send_errors,
				"records_lost", (json_int_t)r->x.stats.records_lost));
		json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9));
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(o);
		return;
	}
	fflush(stdout);
	fprintf(stderr, "%llu flow records written; %llu conversations ended idle, %llu by TCP "
		"close, %llu open\n", (unsigned long long)r->written,
		(unsigned long long)r->t.ended_idle, (unsigned long long)r->t.ended_tcp,
		(unsigned long long)r->t.nconvs);
	fprintf(stderr, "%llu packets matched: %llu in flows, %llu without an IP header (not a "
		"flow), %llu not in a flow because the table was full (raise --max-flows)\n",
		(unsigned long long)tot->ev.c[PS_EV_MATCHED], (unsigned long long)f[PS_FL_PACKETS],
		(unsigned long long)f[PS_FL_NOT_IP_PACKETS],
		(unsigned long long)f[PS_FL_OVERFLOW_PACKETS]);
	if (r->exporting)
		fprintf(stderr, "%llu IPFIX records sent to %s in %llu messages, %llu lost (%llu send "
			"errors); the export's own %llu packets (%llu bytes) seen here are not in "
			"the flows\n", (unsigned long long)r->x.stats.records, r->a->ipfix,
			(unsigned long long)r->x.stats.messages,
			(unsigned long long)r->x.stats.records_lost,
			(unsigned long long)r->x.stats.send_errors,
			(unsigned long long)r->t.excl_packets, (unsigned long long)r->t.excl_bytes);
	if (r->not_run)
		fprintf(stderr, "%llu packets of %s not run: the kernel's test run refused them "
			"(frames under 14 bytes; at --hook tc also over a page or shorter than "
			"their IP header)\n", (unsigned long long)r->not_run, r->a->ev.file);
	if (r->write_errors || tot->ev.c[PS_EV_FILTER_MISSING] || r->t.read_errors)
		fprintf(stderr, "%llu records not written (output errors), %llu packets without "
			"a filter program, %llu failed reads of the table\n",
			(unsigned long long)r->write_errors,
			(unsigned long long)tot->ev.c[PS_EV_FILTER_MISSING],
			(unsigned long long)r->t.read_errors);
}

/* -r's table: every column, as wide as its widest cell. */
static void print_table(struct flows_run *r)
{
	struct ps_agg_row *rows;
	struct ps_table t;
	char line[1024];
	int n;

	n = ps_agg_rows(&r->agg, r->a->sort, false, &rows);
	if (n < 0)
		return;
	if (r->a->top && n > r->a->top)
		n = r->a->top;
	ps_table_init(&t, PS_TABLE_FILE, r->a->by, r->a->sort, r->min_ts);
	ps_table_layout(&t, rows, n, 0);
	ps_table_header(&t, line, sizeof(line));
	printf("%s\n", line);
	for (int i = 0; i < n; i++) {
		ps_table_row(&t, &rows[i], line, sizeof(line));
		printf("%s\n", line);
	}
	free(rows);
}

/* -r --json --by KEY: the file's groups, one object each. */
static void print_groups_json(struct flows_run *r)
{
	struct ps_agg_row *rows;
	int n;

	n = ps_agg_rows(&r->agg, r->a->sort, false, &rows);
	if (n < 0)
		return;
	for (int i = 0; i < n && (!r->a->top || i < r->a->top); i++) {
		json_t *o = ps_flow_json(&rows[i].r, r->file_label, r->a->by, rows[i].records);

		cli_json_line(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
		json_decref(o);
	}
	free(rows);
}

static int run_file(struct flows_run *r)
{
	const struct flows_args *a = r->a;
	struct ps_replay_stats rs = {};
	struct flows_totals tot;
	struct ps_datapath dp;
	int err;

	err = ps_datapath_load(&dp, &a->ev.dp, true);
	if (err)
		return err;
	r->dps = &dp;
	r->ndps = 1;
	r->file_label = a->ev.file;
	/* The table (or --by's groups) is printed at the end: a row per
	 * record by 5-tuple, a row per group else. */
	r->table = !a->ev.json || a->by_set;
	r->agg.per_record = a->by == PS_BY_5TUPLE;
	err = add_table(r, &dp);
	if (err)
		goto out;
	err = ps_replay_run(a->ev.replay, &dp, &rs, &(struct ps_replay_hooks){
		.before = before_record, .after = after_record, .ctx = r, .stop = &cli_stop });
	r->not_run = rs.not_run;
	/* What is left ends at the file's last time (forced). */
	if (!err)
		err = sweep(r, r->max_ts, true);
	sum_totals(r, &tot);
	if (err)
		goto out;
	if (r->table && !a->ev.json)
		print_table(r);
	else if (r->table)
		print_groups_json(r);
	report(r, &tot);
out:
	ps_datapath_close(&dp);
	return err;
}

struct view_snaps {
	struct ps_agg agg;
	__u64 convs, ended;  /* the conversations shown, and of those ended */
};

static void snap_to_agg(void *ctx, const struct ps_flow_snap *s)
{
	struct view_snaps *vs = ctx;

	vs->convs++;
	vs->ended += s->total.end != PS_FLOW_END_NONE;
	ps_agg_add(&vs->agg, &s->total, s->rate);
}

static void draw(struct flows_run *r, struct flowview *v, const struct flows_totals *tot)
{
	struct view_snaps vs = {};
	struct ps_agg_row *rows;
	char title[256], st[7][96];
	const char *status[7];
	int n, len = 0, nst = 0;

	/* By 5-tuple a row per conversation: one that ended and a new one
	 * on the same 5-tuple are two. */
	ps_agg_init(&vs.agg, v->by);
	vs.agg.per_record = v->by == PS_BY_5TUPLE;
	ps_flowtab_foreach(&r->t, snap_to_agg, &vs);
	n = ps_agg_rows(&vs.agg, v->sort, true, &rows);
	len += snprintf(title + len, sizeof(title) - len, "pktscope flows:");
	for (int i = 0; i < r->ndps && len < (int)sizeof(title); i++)
		len += snprintf(title + len, sizeof(title) - len, " %s", r->dps[i].ifname);
	if (r->a->ev.expr && len < (int)sizeof(title))
		snprintf(title + len, sizeof(title) - len, " '%s'", r->a->ev.expr);
	/* Most important first: what is lost must show on a narrow one. */
	snprintf(st[nst++], sizeof(st[0]), "flows %llu (%llu ended)", (unsigned long long)vs.convs,
		 (unsigned long long)vs.ended);
	snprintf(st[nst++], sizeof(st[0]), "packets %llu",
		 (unsigned long long)tot->fl.c[PS_FL_PACKETS]);
	snprintf(st[nst++], sizeof(st[0]), "overflow %llu",
		 (unsigned long long)tot->fl.c[PS_FL_OVERFLOW_PACKETS]);
	snprintf(st[nst++], sizeof(st[0]), "not-IP %llu",
		 (unsigned long long)tot->fl.c[PS_FL_NOT_IP_PACKETS]);
	snprintf(st[nst++], sizeof(st[0]), "table %llu/%ld", (unsigned long long)r->t.nconvs,
		 r->a->max_flows);
	if (r->exporting)
		snprintf(st[nst++], sizeof(st[0]), "own-IPFIX %llu",
			 (unsigned long long)r->t.excl_packets);
	snprintf(st[nst++], sizeof(st[0]), "records %llu", (unsigned long long)r->t.records);
	for (int i = 0; i < nst; i++)
		status[i] = st[i];
	if (n >= 0) {
		flowview_draw(v, title, status, nst, rows, n, clock_ns(CLOCK_REALTIME));
		free(rows);
	}
	ps_agg_clear(&vs.agg);
}

/* The collector may be reached through a watched interface: the export's
 * own datagrams would then be one of the host's flows, and each record of
 * it would make more.  Its socket's two ends name it. */
static int exclude_own_export(struct flows_run *r)
{
	struct sockaddr_storage ss[2];
	struct ps_flow_excl e = { .proto = IPPROTO_UDP };
	int err;

	for (int i = 0; i < 2; i++) {
		socklen_t sl = sizeof(ss[i]);

		/* the socket ipfix.c connected to the collector */
		err = i ? getpeername(r->x.fd, (struct sockaddr *)&ss[i], &sl) :
			  getsockname(r->x.fd, (struct sockaddr *)&ss[i], &sl);
		if (err) {
			err = -errno;
			ps_err("cannot read the IPFIX socket's address: %s", strerror(-err));
			return err;
		}
		if (ss[i].ss_family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)&ss[i];

			e.ip_ver = 4;
			memcpy(e.addr[i], &s4->sin_addr, 4);
			e.port[i] = ntohs(s4->sin_port);
		} else {
			const struct sockaddr_in6 *s6 = (const void *)&ss[i];

			e.ip_ver = 6;
			memcpy(e.addr[i], &s6->sin6_addr, 16);
			e.port[i] = ntohs(s6->sin6_port);
		}
	}
	err = ps_flowtab_exclude(&r->t, &e);
	if (err)
		ps_err("cannot leave the IPFIX export out of the flows: %s", strerror(-err));
	return err;
}

static int run_live(struct flows_run *r)
{
	struct flows_args *fa = (struct flows_args *)r->a;
	struct ev_args *a = &fa->ev;
	struct ps_datapath dps[CLI_MAX_IFACES];
	struct flowview v = { .sort = fa->sort, .by = fa->by, .top = fa->top };
	struct flows_totals tot;
	__u64 t0, now;
	int n, err = 0, i;

	n = ev_attach_live(a, dps);
	if (n < 0)
		return n;
	r->dps = dps;
	r->ndps = n;
	for (i = 0; !err && i < n; i++)
		err = add_table(r, &dps[i]);
	if (err)
		goto out;
	cli_announce(dps, n);
	r->view = !a->json && isatty(STDOUT_FILENO);
	if (r->view && flowview_open(&v)) {
		ps_err("cannot open the terminal view for TERM=%s: set TERM to your "
		       "terminal's type, or use --json", getenv("TERM") ? getenv("TERM") : "(unset)");
		err = -ENOTTY;
		goto out;
	}
	if (r->exporting) {
		err = exclude_own_export(r);
		if (err)
			goto out;
	}
	t0 = clock_ns(CLOCK_MONOTONIC);
	r->next_sweep = sat_add(t0, interval_ns(r));
	/* The view is there at once, not after the first interval. */
	if (r->view) {
		sum_totals(r, &tot);
		draw(r, &v, &tot);
	}
	while (!cli_stop && !count_reached(r)) {
		now = clock_ns(CLOCK_MONOTONIC);
		if (now < r->next_sweep) {
			__u64 wait_ms = (r->next_sweep - now) / 1000000 + 1;
			int ms = wait_ms < WAIT_MAX_MS ? (int)wait_ms : WAIT_MAX_MS;

			if (r->view) {
				enum flowview_action act = flowview_key(&v, ms);

				if (act == FV_QUIT)
					break;
				if (act == FV_CHANGED) {
					sum_totals(r, &tot);
					draw(r, &v, &tot);
				}
			} else {
				usleep(ms * 1000);
			}
			continue;
		}
		err = sweep(r, now, false);
		if (err)
			break;
		r->next_sweep = sat_add(now, interval_ns(r));
		if (r->view) {
			sum_totals(r, &tot);
			draw(r, &v, &tot);
		}
		if (a->duration && (now - t0) / 1e9 >= a->duration)
			break;
	}
	flowview_close(&v);
	/* Whatever is still in the table leaves as records (forced end): to
	 * the collector, and as JSON lines unless the view was what the user
	 * asked for (the report then says how many). */
	if (!err) {
		if (!a->json)
			r->table = false;
		err = sweep(r, clock_ns(CLOCK_MONOTONIC), true);
	}
	/* The export's last messages went out after that read: what the
	 * kernel counted of them is counted as the rest of it was. */
	if (!err && r->exporting)
		ps_flowtab_settle_excluded(&r->t);
	sum_totals(r, &tot);
	report(r, &tot);
out:
	flowview_close(&v);
	cli_close_all(dps, n);
	return err;
}

int cmd_flows(int argc, char **argv)
{
	struct flows_args fa;
	struct flows_run r = { .a = &fa };
	struct ps_flowtab_opts to;
	int err;

	err = parse_args(argc, argv, &fa);
	if (!err)
		err = cli_need_privs("flows");
	if (!err)
		err = ev_prepare(&fa.ev);
	if (err)
		goto out;
	to = (struct ps_flowtab_opts){
		.idle_ns = ns(fa.idle),
		.active_ns = ns(fa.active),
		.linger_ns = ns(fa.linger < fa.idle ? fa.linger : fa.idle),
		/* Live, the kernel's clock is CLOCK_MONOTONIC; over a file the
		 * flow clock is the file's own time. */
		.clock_to_real_ns = fa.ev.file ? 0 :
				    (__s64)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)),
		/* The live view: the rates' history from now (nothing is
		 * attached yet: the table is empty), and the ended flows. */
		.view = !fa.ev.file && !fa.ev.json && isatty(STDOUT_FILENO),
		.start_ns = clock_ns(CLOCK_MONOTONIC),
		.hold_ns = VIEW_HOLD_NS,
	};
	err = ps_flowtab_init(&r.t, &to);
	if (err) {
		ps_err("cannot set up the flow table: %s", strerror(-err));
		goto out;
	}
	ps_agg_init(&r.agg, fa.by);
	/* Before anything is attached: a bad collector address is a usage
	 * error. */
	if (fa.ipfix) {
		err = ps_ipfix_open(&r.x, fa.ipfix, NULL);
		if (err)
			goto out_tab;
		r.exporting = true;
	}
	cli_signals();
	err = fa.ev.file ? run_file(&r) : run_live(&r);
	if (r.exporting)
		ps_ipfix_close(&r.x);
out_tab:
	ps_agg_clear(&r.agg);
	ps_flowtab_free(&r.t);
out:
	ev_args_free(&fa.ev);
	return ps_exit_code(err);
}
