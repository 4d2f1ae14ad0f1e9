// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `-r FILE` end to end on any file: ps_replay_open() and ps_replay_run()
 * (src/core/replay.c) feed every record, whatever its lengths and time stamp,
 * through the real datapath with BPF_PROG_TEST_RUN, as stats, watch and
 * capture -r do, optionally with a filter expression.
 *
 * The input: a byte of options (the expression, from a list; XDP or TC),
 * then the file.  Checked:
 *  - the run reads as many records as pktscope's reader does alone, and
 *    fails exactly where that reader finds damage;
 *  - nothing is lost without a count: the kernel counted every record the
 *    test run took (packets_read less not_run), and, when all ran, with
 *    bytes their lengths on the wire;
 *  - with an expression, the records the kernel reports matched are as
 *    many as libpcap's own reader and interpreter keep (pcap_open_offline,
 *    pcap_compile, pcap_offline_filter: `tcpdump -r FILE EXPRESSION`),
 *    wherever libpcap reads the file to the same records.
 * Needs root.  The datapaths (one per expression and hook) are loaded once
 * and kept; their counters are read before and after each input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "capread.h"
#include "datapath.h"
#include "log.h"
#include "replay.h"
#include "fuzz.h"

static const char *const exprs[] = {
	NULL, "tcp", "udp port 53", "vlan", "ip6", "len > 100", "ether[0] & 1 = 0",
	"tcp[13] & 2 != 0", "ip and ip[6:2] & 0x1fff != 0", "not arp",
};
#define NEXPR (sizeof(exprs) / sizeof(exprs[0]))

static struct ps_datapath dps[NEXPR][2];
static bool loaded[NEXPR][2];

struct totals {
	__u64 packets, bytes, matched;
};

static void read_totals(struct ps_datapath *dp, struct totals *t)
{
	struct ps_ev_counters ev;

	memset(t, 0, sizeof(*t));
	for (int s = 0; s < PS_SLOT_MAX; s++) {
		struct ps_counters c;

		if (ps_datapath_read(dp, s, &c))
			fz_fail("cannot read the counters of slot %d", s);
		t->packets += c.c[PS_CTR_TOTAL].packets;
		t->bytes += c.c[PS_CTR_TOTAL].bytes;
	}
	if (ps_datapath_read_events(dp, &ev))
		fz_fail("cannot read the event counters");
	t->matched = ev.c[PS_EV_MATCHED];
}

/* pktscope's reader alone: how many records, their wire bytes, and
 * whether it ends cleanly. */
static int read_alone(const char *path, __u64 *n, __u64 *bytes)
{
	struct ps_capread *r;
	struct ps_capread_rec rec;
	char err[256];
	int rc;

	*n = *bytes = 0;
	if (ps_capread_open(&r, path, err, sizeof(err)))
		return -1;
	while ((rc = ps_capread_next(r, &rec)) == 1) {
		(*n)++;
		*bytes += rec.len;
	}
	ps_capread_close(r);
	return rc;
}

/* libpcap on the same bytes, as `tcpdump -r`: records read and kept, or
 * -1 when it does not read the file to its end. */
static long libpcap_kept(const char *path, const char *expr, __u64 *nread)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *d;
	long kept = 0;
	pcap_t *p;
	int rc;

	*nread = 0;
	p = pcap_open_offline(path, ebuf);
	if (!p)
		return -1;
	if (pcap_compile(p, &prog, expr, 1, 0)) {
		pcap_close(p);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		(*nread)++;
		kept += pcap_offline_filter(&prog, h, d) != 0;
	}
	pcap_freecode(&prog);
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK ? kept : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_replay_stats st;
	struct totals before, after;
	struct ps_replay *rp;
	struct ps_datapath *dp;
	__u64 n, bytes, lp_n;
	unsigned int e;
	const char *expr;
	char path[64];
	int fd, err, tc, alone;
	long kept;

	if (!size)
		return 0;
	e = (data[0] & 0x0f) % NEXPR;
	tc = !!(data[0] & 0x10);
	expr = exprs[e];
	fd = fz_memfile(data + 1, size - 1, path, sizeof(path));
	if (fd < 0)
		fz_fail("memfd: %s", strerror(-fd));
	err = ps_replay_open(&rp, path, expr);
	if (err)
		goto out; /* refused with one line: not a file pktscope reads */
	dp = &dps[e][tc];
	if (!loaded[e][tc]) {
		struct ps_datapath_opts o = {
			.hook = tc ? PS_HOOK_TC : PS_HOOK_XDP,
			.ttl_threshold = 2,
			.events = true,
			.filter = ps_replay_kernel_filter(rp),
			.replay = true,
			.replay_filter = expr != NULL,
			.ring_bytes = 64 << 10,
		};

		if (ps_datapath_load(dp, &o, true))
			fz_fail("cannot load the datapath for a replay ('%s', %s)", expr ? expr : "",
				tc ? "tc" : "xdp");
		loaded[e][tc] = true;
	}
	read_totals(dp, &before);
	err = ps_replay_run(rp, dp, &st, NULL);
	read_totals(dp, &after);
	ps_replay_close(rp);

	alone = read_alone(path, &n, &bytes);
	if (alone < 0 ? err != -EINVAL : err != 0)
		fz_fail("the replay ends with %d, pktscope's reader alone with %d", err, alone);
	if (st.packets_read != n)
		fz_fail("the replay read %llu records, pktscope's reader alone %llu",
			(unsigned long long)st.packets_read, (unsigned long long)n);
	if (st.not_run > st.packets_read ||
	    after.packets - before.packets != st.packets_read - st.not_run)
		fz_fail("%llu records read, %llu not run, but the kernel counted %llu",
			(unsigned long long)st.packets_read, (unsigned long long)st.not_run,
			(unsigned long long)(after.packets - before.packets));
	if (!st.not_run && after.bytes - before.bytes != bytes)
		fz_fail("the kernel counted %llu bytes, the records were %llu on the wire",
			(unsigned long long)(after.bytes - before.bytes), (unsigned long long)bytes);
	if (expr && !st.not_run && (kept = libpcap_kept(path, expr, &lp_n)) >= 0 && lp_n == n &&
	    after.matched - before.matched != (__u64)kept)
		fz_fail("'%s': the kernel matched %llu of %llu records, libpcap keeps %ld", expr,
			(unsigned long long)(after.matched - before.matched), (unsigned long long)n,
			kept);
out:
	close(fd);
	return 0;
}
