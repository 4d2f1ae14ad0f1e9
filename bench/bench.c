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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pktscope/abi.h"
#include "datapath.skel.h"
#include "baseline.skel.h"
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
	fprintf(f, "Usage: bench [-n REPEAT] [-r ROUNDS] [-c OBJECT]\n"
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

int main(int argc, char **argv)
{
	static double samples[NPROG][NMIX][64];
	struct datapath_bpf *dp = NULL;
	struct baseline_bpf *bl = NULL;
	struct bpf_object *other = NULL;
	const char *other_path = NULL;
	const struct pkt_case *pk[NMIX];
	double med[NPROG][NMIX], avg[NPROG] = {}, best[NPROG] = {};
	__u32 repeat = 1000000;
	int rounds = 7, fds[NPROG], nprog = P_OTHER, err = 0, c, cpu;
	cpu_set_t set;

	while ((c = getopt(argc, argv, "n:r:c:h")) != -1) {
		switch (c) {
		case 'c': other_path = optarg; break;
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
	return err ? 1 : 0;
}
