// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench: what pktscope's datapath costs per packet, as ratios to two
 * yardsticks that run the same way (bench/baseline.bpf.c):
 *
 *   empty     returns XDP_PASS: the test-run loop and the call itself
 *   counter   one per-CPU array lookup, packets++ and bytes += len
 *   datapath  ps_xdp, the real parser and counters
 *
 * Each program runs over each packet of a mix with BPF_PROG_TEST_RUN and a
 * large repeat count; rounds interleave the programs so that drift (turbo,
 * a noisy neighbour) hits all of them alike, and the median round is kept.
 * Absolute figures depend on the machine; the ratios are the point, and
 * (datapath - empty) / (counter - empty) is the one net of the test-run
 * overhead that all three pay.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
/* libpcap's struct bpf_insn (classic) under another name: see filter.h. */
#define bpf_insn pcap_bpf_insn
#include <pcap/pcap.h>
#undef bpf_insn
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pktscope/abi.h"
#include "datapath.skel.h"
#include "baseline.skel.h"
#include "flowmix.skel.h"
#include "datapath.h"
#include "filter.h"
#include "testrun.h"
#include "pkt.h"

enum { P_EMPTY, P_COUNTER, P_DATAPATH, P_OTHER, NPROG };

static const char *const prog_names[NPROG] = { "empty", "counter", "datapath", "other" };

/* The mix: the common cases and the ones that walk further. */
static const struct {
	const char *label;
	const char *pkt; /* a row of pkt_cases.c */
} mix[] = {
	{ "ipv4 tcp", "ipv4_tcp_data" },
	{ "ipv4 udp", "ipv4_udp" },
	{ "ipv6 tcp", "ipv6_tcp_syn" },
	{ "vlan ipv4 udp", "vlan_q_ipv4_udp" },
	{ "ipv4 icmp", "ipv4_icmp_echo" },
	{ "arp", "arp_request" },
	{ "ipv6 5 ext hdrs tcp", "ipv6_ext_chain_tcp" },
	{ "ipv4 fragment", "ipv4_frag_later" },
};
#define NMIX (sizeof(mix) / sizeof(mix[0]))

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * ns per run of one program over one packet.  Timed around the syscall
 * rather than taken from the kernel's 'duration', which is whole
 * nanoseconds: too coarse for a program that takes a few.  The one-off
 * set-up inside the syscall is spread over 'repeat' runs.
 */
static int time_run(int fd, const struct pkt_case *c, __u32 repeat, double *ns)
{
	struct ps_run_result res;
	double t0 = now_ns();
	int err;

	err = ps_run(fd, c->data, c->len, NULL, 0, repeat, &res);
	if (err)
		return err;
	*ns = (now_ns() - t0) / repeat;
	if (res.retval != XDP_PASS)
		return -EPROTO;
	return 0;
}

/* Below this, counter - empty is noise (timings on the reference VM step
 * by 4 ns) and the net ratio would be a quotient of noise. */
#define NET_MIN_NS 2.0

static void print_row(const char *label, unsigned int len, double e, double k, double d)
{
	char net[16] = "n/a";

	if (k - e >= NET_MIN_NS)
		snprintf(net, sizeof(net), "%.2fx", (d - e) / (k - e));
	printf("%-22s %5.0u %8.2fns %8.2fns %8.2fns %9.2fx %9.2fx %12s\n", label, len, e, k, d,
	       d / k, d / e, net);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: bench [-m MODE] [-n REPEAT] [-r ROUNDS] [-c OBJECT]\n"
		   "  -m MODE    datapath (against the yardsticks), filter (pcap-filter\n"
		   "             expressions with events on), flows (flow tracking against\n"
		   "             stats only, 1 to 100,000 flows) or all (default)\n"
		   "  -n REPEAT  test runs per measurement (default 1000000)\n"
		   "  -r ROUNDS  measurements per program and packet; the median is kept (default 7)\n"
		   "  -c OBJECT  also time ps_xdp of another datapath.bpf.o (say, an older build),\n"
		   "             in the same rounds: an A/B comparison on equal terms\n");
}

/* The ps_xdp of another build of the datapath, for -c. */
static int load_other(const char *path, struct bpf_object **obj)
{
	struct bpf_program *prog;
	int err;

	*obj = bpf_object__open_file(path, NULL);
	if (!*obj)
		return -errno;
	err = bpf_object__load(*obj);
	if (err)
		return err;
	prog = bpf_object__find_program_by_name(*obj, "ps_xdp");
	return prog ? bpf_program__fd(prog) : -ENOENT;
}

/* The datapath against the yardsticks (and -c's other build). */
static int bench_datapath(const struct pkt_case *const *pk, __u32 repeat, int rounds,
			  const char *other_path, int cpu)
{
	static double samples[NPROG][NMIX][64];
	struct datapath_bpf *dp = NULL;
	struct baseline_bpf *bl = NULL;
	struct bpf_object *other = NULL;
	double med[NPROG][NMIX], avg[NPROG] = {}, best[NPROG] = {};
	int fds[NPROG], nprog = P_OTHER, err = 0;

	dp = datapath_bpf__open_and_load();
	bl = baseline_bpf__open_and_load();
	if (!dp || !bl) {
		err = -errno;
		fprintf(stderr, "bench: loading the programs failed: %s (run as root)\n",
			strerror(errno));
		goto out;
	}
	fds[P_EMPTY] = bpf_program__fd(bl->progs.bl_empty);
	fds[P_COUNTER] = bpf_program__fd(bl->progs.bl_count);
	fds[P_DATAPATH] = bpf_program__fd(dp->progs.ps_xdp);
	if (other_path) {
		fds[P_OTHER] = load_other(other_path, &other);
		if (fds[P_OTHER] < 0) {
			err = fds[P_OTHER];
			fprintf(stderr, "bench: no loadable ps_xdp in %s: %s\n", other_path,
				strerror(-err));
			goto out;
		}
		nprog = NPROG;
	}

	/* Warm-up: first runs pay for page faults and cold caches. */
	for (int p = 0; p < nprog; p++)
		for (size_t i = 0; i < NMIX; i++) {
			double ns;

			err = time_run(fds[p], pk[i], repeat / 10 ? repeat / 10 : 1, &ns);
			if (err) {
				fprintf(stderr, "bench: test run of %s failed: %s\n", prog_names[p],
					strerror(-err));
				goto out;
			}
		}
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < NMIX; i++)
			for (int p = 0; p < nprog; p++) {
				err = time_run(fds[p], pk[i], repeat, &samples[p][i][r]);
				if (err) {
					fprintf(stderr, "bench: test run of %s failed: %s\n",
						prog_names[p], strerror(-err));
					goto out;
				}
			}
	for (int p = 0; p < nprog; p++) {
		for (size_t i = 0; i < NMIX; i++) {
			med[p][i] = median(samples[p][i], rounds); /* sorts */
			avg[p] += med[p][i] / NMIX;
			best[p] += samples[p][i][0] / NMIX;
		}
	}

	printf("pktscope XDP datapath benchmark: BPF_PROG_TEST_RUN, repeat %u, median of %d rounds,"
	       " CPU %d, %ld CPUs online\n\n", repeat, rounds, cpu, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-22s %5s %9s %9s %9s %10s %10s %12s\n", "packet", "bytes", "empty", "counter",
	       "datapath", "dp/counter", "dp/empty", "net dp/cnt");
	for (size_t i = 0; i < NMIX; i++) {
		print_row(mix[i].label, pk[i]->len, med[P_EMPTY][i], med[P_COUNTER][i],
			  med[P_DATAPATH][i]);
	}
	print_row("mix (mean of medians)", 0, avg[P_EMPTY], avg[P_COUNTER], avg[P_DATAPATH]);
	print_row("mix (mean of best)", 0, best[P_EMPTY], best[P_COUNTER], best[P_DATAPATH]);

	printf("\nratios over the mix (medians): datapath/counter %.2f, datapath/empty %.2f,"
	       " counter/empty %.2f, (datapath-empty)/(counter-empty) ",
	       avg[P_DATAPATH] / avg[P_COUNTER], avg[P_DATAPATH] / avg[P_EMPTY],
	       avg[P_COUNTER] / avg[P_EMPTY]);
	if (avg[P_COUNTER] - avg[P_EMPTY] >= NET_MIN_NS)
		printf("%.2f\n", (avg[P_DATAPATH] - avg[P_EMPTY]) / (avg[P_COUNTER] - avg[P_EMPTY]));
	else
		printf("n/a: counter-empty is %.2f ns, below what this machine resolves\n",
		       avg[P_COUNTER] - avg[P_EMPTY]);
	printf("target: datapath <= 2x counter: %s (%.2fx)\n",
	       avg[P_DATAPATH] <= 2 * avg[P_COUNTER] ? "met" : "MISSED",
	       avg[P_DATAPATH] / avg[P_COUNTER]);
	if (nprog == NPROG) {
		printf("\n%s, same rounds:\n", other_path);
		printf("%-22s %9s %9s %10s %10s\n", "packet", "datapath", "other", "other/dp",
		       "other/cnt");
		for (size_t i = 0; i < NMIX; i++)
			printf("%-22s %8.2fns %8.2fns %9.2fx %9.2fx\n", mix[i].label,
			       med[P_DATAPATH][i], med[P_OTHER][i],
			       med[P_OTHER][i] / med[P_DATAPATH][i],
			       med[P_OTHER][i] / med[P_COUNTER][i]);
		printf("%-22s %8.2fns %8.2fns %9.2fx %9.2fx\n", "mix (mean of medians)",
		       avg[P_DATAPATH], avg[P_OTHER], avg[P_OTHER] / avg[P_DATAPATH],
		       avg[P_OTHER] / avg[P_COUNTER]);
	}
out:
	datapath_bpf__destroy(dp);
	baseline_bpf__destroy(bl);
	bpf_object__close(other);
	return err;
}

/*
 * -m filter: what a pcap-filter expression costs in the datapath with the
 * event stage on.  Per event mode (watch: the event record only; capture:
 * the record and the whole frame), three loads of the same datapath:
 *
 *   none     no expression: every packet is emitted
 *   nothing  an expression no packet of the mix matches: parse, count,
 *            stash, tail call into the filter, which rejects
 *   all      an expression every packet matches: the same, then a second
 *            tail call into the emit program, which emits
 *
 * and the stats-only datapath (events off) as the floor.  A test run of
 * 'repeat' packets that all match writes 'repeat' events; the ring is
 * sized to hold all of them and emptied after every run, outside the
 * timed syscall, so a full ring never makes a run look cheaper.  The
 * kernel's lost_ringbuf_full counter is printed to prove it.
 */
#define EXPR_NOTHING "host 192.0.2.99"
#define EXPR_ALL "len >= 0"

enum { F_STATS, F_W_NONE, F_W_NOTHING, F_W_ALL, F_C_NONE, F_C_NOTHING, F_C_ALL, NFCONF };

static const struct {
	const char *label;
	bool events;
	bool capture; /* frame bytes in the event */
	const char *expr;
} fconf[NFCONF] = {
	[F_STATS] = { "stats-only", false, false, NULL },
	[F_W_NONE] = { "watch, no filter", true, false, NULL },
	[F_W_NOTHING] = { "watch, '" EXPR_NOTHING "'", true, false, EXPR_NOTHING },
	[F_W_ALL] = { "watch, '" EXPR_ALL "'", true, false, EXPR_ALL },
	[F_C_NONE] = { "capture, no filter", true, true, NULL },
	[F_C_NOTHING] = { "capture, '" EXPR_NOTHING "'", true, true, EXPR_NOTHING },
	[F_C_ALL] = { "capture, '" EXPR_ALL "'", true, true, EXPR_ALL },
};

static int count_record(void *ctx, void *data, size_t size)
{
	(*(__u64 *)ctx)++;
	return 0;
}

/* Ring bytes that hold 'repeat' events of the longest packet, rounded up
 * to a power of 2 as the kernel wants it. */
static __u64 ring_for(__u32 repeat, bool capture, __u32 maxlen)
{
	__u64 rec = 8 /* ring record header */ + sizeof(struct ps_event) + (capture ? maxlen : 0);
	__u64 need = (rec + 7) / 8 * 8 * repeat, p = 4096;

	while (p < need)
		p <<= 1;
	return p;
}

static int bench_filter(const struct pkt_case *const *pk, __u32 repeat, int rounds, int cpu)
{
	static double samples[NFCONF][NMIX][64];
	struct ps_datapath dps[NFCONF];
	struct ring_buffer *rb[NFCONF] = {};
	struct bpf_program cbpf[NFCONF];
	bool loaded[NFCONF] = {}, compiled[NFCONF] = {};
	__u64 received[NFCONF] = {}, runs = 0;
	double med[NFCONF][NMIX], avg[NFCONF] = {};
	__u32 maxlen = 0;
	int err = 0;

	for (size_t i = 0; i < NMIX; i++)
		if (pk[i]->len > maxlen)
			maxlen = pk[i]->len;
	for (int f = 0; f < NFCONF; f++) {
		struct ps_datapath_opts o = { .hook = PS_HOOK_XDP, .ttl_threshold = 2 };
		char msg[PCAP_ERRBUF_SIZE];
		__u64 ring;

		if (fconf[f].expr) {
			if (ps_filter_compile(fconf[f].expr, 0, &cbpf[f], msg, sizeof(msg))) {
				fprintf(stderr, "bench: cannot compile '%s': %s\n", fconf[f].expr, msg);
				err = -EINVAL;
				goto out;
			}
			compiled[f] = true;
			o.filter = &cbpf[f];
		}
		if (fconf[f].events) {
			ring = ring_for(repeat, fconf[f].capture, maxlen);
			if (ring > (1u << 30)) {
				fprintf(stderr, "bench: %u events need a %llu-byte ring, more than the "
					"1 GiB the datapath takes: lower -n\n", repeat,
					(unsigned long long)ring);
				err = -E2BIG;
				goto out;
			}
			o.events = true;
			o.ring_bytes = ring;
			o.snaplen = fconf[f].capture ? PS_SNAPLEN_MAX : 0;
		}
		err = ps_datapath_load(&dps[f], &o, true);
		if (err) {
			fprintf(stderr, "bench: loading the datapath (%s) failed: %s\n",
				fconf[f].label, strerror(-err));
			goto out;
		}
		loaded[f] = true;
		if (fconf[f].events) {
			rb[f] = ring_buffer__new(ps_datapath_ring_fd(&dps[f]), count_record,
						 &received[f], NULL);
			if (!rb[f]) {
				err = -errno;
				fprintf(stderr, "bench: cannot read the ring buffer: %s\n",
					strerror(-err));
				goto out;
			}
		}
	}

	/* Warm-up, as for the datapath table. */
	for (int f = 0; f < NFCONF; f++)
		for (size_t i = 0; i < NMIX; i++) {
			double ns;
			__u32 n = repeat / 10 ? repeat / 10 : 1;

			err = time_run(ps_datapath_prog_fd(&dps[f], PS_SLOT_XDP_INGRESS), pk[i], n, &ns);
			if (err) {
				fprintf(stderr, "bench: test run (%s) failed: %s\n", fconf[f].label,
					strerror(-err));
				goto out;
			}
			runs += f == 0 ? n : 0;
			if (rb[f])
				ring_buffer__consume(rb[f]);
		}
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < NMIX; i++) {
			for (int f = 0; f < NFCONF; f++) {
				err = time_run(ps_datapath_prog_fd(&dps[f], PS_SLOT_XDP_INGRESS), pk[i],
					       repeat, &samples[f][i][r]);
				if (err) {
					fprintf(stderr, "bench: test run (%s) failed: %s\n",
						fconf[f].label, strerror(-err));
					goto out;
				}
				/* Emptied outside the timed call: the next run
				 * starts with a ring that holds all it writes. */
				if (rb[f])
					ring_buffer__consume(rb[f]);
			}
			runs += repeat;
		}
	for (int f = 0; f < NFCONF; f++)
		for (size_t i = 0; i < NMIX; i++) {
			med[f][i] = median(samples[f][i], rounds);
			avg[f] += med[f][i] / NMIX;
		}

	printf("\npktscope filter cost, events on: BPF_PROG_TEST_RUN of ps_xdp, repeat %u, median of %d"
	       " rounds, CPU %d\n"
	       "  nothing = '%s' (matches no packet of the mix), all = '%s'\n"
	       "  watch: event record only (snaplen 0); capture: record + whole frame\n\n",
	       repeat, rounds, cpu, EXPR_NOTHING, EXPR_ALL);
	printf("%-22s %5s %9s | %9s %9s %9s | %9s %9s %9s\n", "", "", "", "watch", "", "",
	       "capture", "", "");
	printf("%-22s %5s %9s | %9s %9s %9s | %9s %9s %9s\n", "packet", "bytes", "stats", "none",
	       "nothing", "all", "none", "nothing", "all");
	for (size_t i = 0; i <= NMIX; i++) {
		const double *v = NULL;
		double row[NFCONF];

		for (int f = 0; f < NFCONF; f++)
			row[f] = i < NMIX ? med[f][i] : avg[f];
		v = row;
		if (i < NMIX)
			printf("%-22s %5u", mix[i].label, pk[i]->len);
		else
			printf("%-22s %5s", "mix (mean of medians)", "");
		printf(" %7.2fns | %7.2fns %7.2fns %7.2fns | %7.2fns %7.2fns %7.2fns\n", v[F_STATS],
		       v[F_W_NONE], v[F_W_NOTHING], v[F_W_ALL], v[F_C_NONE], v[F_C_NOTHING],
		       v[F_C_ALL]);
	}
	printf("\nratios over the mix (medians)        watch   capture\n");
	printf("  nothing / none   (b)/(a)          %6.2fx  %6.2fx\n", avg[F_W_NOTHING] / avg[F_W_NONE],
	       avg[F_C_NOTHING] / avg[F_C_NONE]);
	printf("  all / none       (c)/(a)          %6.2fx  %6.2fx\n", avg[F_W_ALL] / avg[F_W_NONE],
	       avg[F_C_ALL] / avg[F_C_NONE]);
	printf("  none / stats     (a)/stats        %6.2fx  %6.2fx\n", avg[F_W_NONE] / avg[F_STATS],
	       avg[F_C_NONE] / avg[F_STATS]);
	printf("  nothing / stats  (b)/stats        %6.2fx  %6.2fx\n",
	       avg[F_W_NOTHING] / avg[F_STATS], avg[F_C_NOTHING] / avg[F_STATS]);
	printf("  all / stats      (c)/stats        %6.2fx  %6.2fx\n", avg[F_W_ALL] / avg[F_STATS],
	       avg[F_C_ALL] / avg[F_STATS]);
	printf("  all - none, ns                    %6.2f   %6.2f\n", avg[F_W_ALL] - avg[F_W_NONE],
	       avg[F_C_ALL] - avg[F_C_NONE]);
	printf("  nothing - stats, ns               %6.2f   %6.2f\n",
	       avg[F_W_NOTHING] - avg[F_STATS], avg[F_C_NOTHING] - avg[F_STATS]);

	printf("\nevents (kernel counters; every configuration ran %llu packets):\n",
	       (unsigned long long)runs);
	printf("%-30s %12s %12s %12s %12s %10s\n", "datapath", "matched", "sent", "received",
	       "lost_full", "ring");
	for (int f = 1; f < NFCONF; f++) {
		struct ps_ev_counters k;
		__u64 want = fconf[f].expr && !strcmp(fconf[f].expr, EXPR_NOTHING) ? 0 : runs;

		if (ps_datapath_read_events(&dps[f], &k)) {
			fprintf(stderr, "bench: cannot read the event counters\n");
			err = -EIO;
			goto out;
		}
		printf("%-30s %12llu %12llu %12llu %12llu %8lluMB\n", fconf[f].label,
		       (unsigned long long)k.c[PS_EV_MATCHED], (unsigned long long)k.c[PS_EV_SENT],
		       (unsigned long long)received[f], (unsigned long long)k.c[PS_EV_LOST_FULL],
		       (unsigned long long)(ring_for(repeat, fconf[f].capture, maxlen) >> 20));
		if (k.c[PS_EV_LOST_FULL] || k.c[PS_EV_MATCHED] != want || k.c[PS_EV_SENT] != want ||
		    received[f] != want || k.c[PS_EV_FILTER_MISSING]) {
			fprintf(stderr, "bench: %s: expected %llu events matched, sent and received "
				"and none lost: its figures are wrong\n", fconf[f].label,
				(unsigned long long)want);
			err = -EPROTO;
		}
	}
	if (!err)
		printf("no event lost: every run wrote into a ring with room for all of it\n");
out:
	for (int f = 0; f < NFCONF; f++) {
		ring_buffer__free(rb[f]);
		if (loaded[f])
			ps_datapath_close(&dps[f]);
		if (compiled[f])
			ps_filter_free(&cbpf[f]);
	}
	return err;
}

/*
 * -m flows: what flow tracking adds per packet.  bench/flowmix.bpf.c
 * rewrites each run's source port so one frame becomes 'nflows' flows, then
 * tail-calls the datapath: stats-only, or with flows on and a table of
 * FLOW_TABLE entries (the mix has 4 packet types, so N flows per type are
 * 4N in the table).  Both pay the rewrite and the tail call; the ratio is
 * flows / stats over the same packets.  One flow is the best case (every
 * packet finds its entry hot in cache); 50,000 per type (200,000 in the
 * table) make most lookups
 * miss the caches, as a busy host would.
 */
#define FLOW_TABLE 524288

static const char *const flow_mix[] = { "ipv4_tcp_data", "ipv4_udp", "ipv6_tcp_syn",
					"vlan_q_ipv4_udp" };
#define NFMIX (sizeof(flow_mix) / sizeof(flow_mix[0]))

/* Where the L4 source port is: Ethernet, VLAN tags, IPv4 (IHL) or IPv6. */
static int sport_offset(const struct pkt_case *c)
{
	const __u8 *d = c->data;
	unsigned int off = 12, et;

	for (;;) {
		et = d[off] << 8 | d[off + 1];
		if (et != 0x8100 && et != 0x88a8)
			break;
		off += 4;
	}
	off += 2;
	if (et == 0x0800)
		return off + (d[off] & 0xf) * 4;
	if (et == 0x86dd)
		return off + 40;
	return -1;
}

static int bench_flows(__u32 repeat, int rounds, int cpu)
{
	static const __u32 nflows[] = { 1, 1000, 50000 }; /* ports: at most 64,512 */
	enum { NF = sizeof(nflows) / sizeof(nflows[0]) };
	static double samples[NF][2][NFMIX][64];
	struct ps_datapath dps[2];
	struct flowmix_bpf *fm[2] = {};
	bool loaded[2] = {};
	double med[NF][2];
	int err = 0;

	for (int f = 0; f < 2; f++) {
		struct ps_datapath_opts o = { .hook = PS_HOOK_XDP, .ttl_threshold = 2 };
		__u32 zero = 0;
		int fd;

		if (f) {
			o.flows = true;
			o.max_flows = FLOW_TABLE;
		}
		err = ps_datapath_load(&dps[f], &o, true);
		if (err) {
			fprintf(stderr, "bench: loading the datapath failed: %s\n", strerror(-err));
			goto out;
		}
		loaded[f] = true;
		fm[f] = flowmix_bpf__open_and_load();
		if (!fm[f]) {
			err = -errno;
			fprintf(stderr, "bench: loading flowmix failed: %s\n", strerror(-err));
			goto out;
		}
		fd = ps_datapath_prog_fd(&dps[f], PS_SLOT_XDP_INGRESS);
		if (bpf_map_update_elem(bpf_map__fd(fm[f]->maps.fm_next), &zero, &fd, BPF_ANY)) {
			err = -errno;
			fprintf(stderr, "bench: cannot chain flowmix to the datapath: %s\n",
				strerror(-err));
			goto out;
		}
	}
	for (int n = 0; n < NF; n++) {
		for (int f = 0; f < 2; f++)
			fm[f]->bss->fm_nflows = nflows[n];
		for (int r = 0; r < rounds; r++)
			for (size_t i = 0; i < NFMIX; i++) {
				const struct pkt_case *c = pkt_case_by_name(flow_mix[i]);

				for (int f = 0; f < 2; f++) {
					fm[f]->bss->fm_port_off = sport_offset(c);
					err = time_run(bpf_program__fd(fm[f]->progs.fm_xdp), c, repeat,
						       &samples[n][f][i][r]);
					if (err) {
						fprintf(stderr, "bench: test run failed: %s\n",
							strerror(-err));
						goto out;
					}
				}
			}
		for (int f = 0; f < 2; f++) {
			med[n][f] = 0;
			for (size_t i = 0; i < NFMIX; i++)
				med[n][f] += median(samples[n][f][i], rounds) / NFMIX;
		}
	}
	printf("\npktscope flow tracking cost: BPF_PROG_TEST_RUN, repeat %u, median of %d rounds, "
	       "CPU %d\n  mix: ", repeat, rounds, cpu);
	for (size_t i = 0; i < NFMIX; i++)
		printf("%s%s", i ? ", " : "", flow_mix[i]);
	printf("; flow table %u entries; each run's source port rewritten\n\n", FLOW_TABLE);
	printf("%-10s %12s %12s %10s %10s\n", "flows/type", "stats-only", "flows on", "ratio",
	       "added");
	for (int n = 0; n < NF; n++)
		printf("%-10u %10.2fns %10.2fns %9.2fx %8.2fns\n", nflows[n], med[n][0], med[n][1],
		       med[n][1] / med[n][0], med[n][1] - med[n][0]);
	{
		struct ps_flow_counters fc;

		if (!ps_datapath_read_flows(&dps[1], &fc))
			printf("\nflow stage counters: %llu packets in flows, %llu entries created, "
			       "%llu overflow, %llu not IP\n",
			       (unsigned long long)fc.c[PS_FL_PACKETS],
			       (unsigned long long)fc.c[PS_FL_CREATED],
			       (unsigned long long)fc.c[PS_FL_OVERFLOW_PACKETS],
			       (unsigned long long)fc.c[PS_FL_NOT_IP_PACKETS]);
	}
out:
	for (int f = 0; f < 2; f++) {
		flowmix_bpf__destroy(fm[f]);
		if (loaded[f])
			ps_datapath_close(&dps[f]);
	}
	return err;
}

int main(int argc, char **argv)
{
	const char *other_path = NULL, *mode = "all";
	const struct pkt_case *pk[NMIX];
	__u32 repeat = 1000000;
	int rounds = 7, err = 0, c, cpu;
	cpu_set_t set;

	while ((c = getopt(argc, argv, "n:r:c:m:h")) != -1) {
		switch (c) {
		case 'c': other_path = optarg; break;
		case 'm': mode = optarg; break;
		case 'n': repeat = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!repeat || rounds < 1 || rounds > 64) {
		fprintf(stderr, "bench: REPEAT must be > 0 and ROUNDS 1..64\n");
		return 2;
	}
	if (strcmp(mode, "all") && strcmp(mode, "datapath") && strcmp(mode, "filter") &&
	    strcmp(mode, "flows")) {
		fprintf(stderr, "bench: -m takes datapath, filter, flows or all, not '%s'\n", mode);
		return 2;
	}
	for (size_t i = 0; i < NMIX; i++) {
		pk[i] = pkt_case_by_name(mix[i].pkt);
		if (!pk[i]) {
			fprintf(stderr, "bench: no crafted packet %s\n", mix[i].pkt);
			return 1;
		}
	}

	/* Test runs execute on the calling CPU: keep it one CPU, so that all
	 * programs see the same caches and clock. */
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);

	if (!strcmp(mode, "all") || !strcmp(mode, "datapath"))
		err = bench_datapath(pk, repeat, rounds, other_path, cpu);
	if (!err && (!strcmp(mode, "all") || !strcmp(mode, "filter")))
		err = bench_filter(pk, repeat, rounds, cpu);
	if (!err && (!strcmp(mode, "all") || !strcmp(mode, "flows")))
		err = bench_flows(repeat, rounds, cpu);
	return err ? 1 : 0;
}
