// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The datapath against the spec in include/pktscope/abi.h, on crafted
 * packets, with BPF_PROG_TEST_RUN (kernel-selftests style: one row per
 * packet, {name, bytes, expected counters}).
 *
 * Every run diffs the whole counter vector of the hook's slot: a packet must
 * move exactly the counters it is expected to (packets 1, bytes its length)
 * and nothing else, be passed on (XDP_PASS / TC_ACT_UNSPEC) and come out
 * byte for byte as it went in.
 *
 * Needs root (CAP_BPF + CAP_NET_ADMIN for test runs); nothing is attached.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cmtest.h"
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pktscope/abi.h"
#include "datapath.skel.h"
#include "counters.h"
#include "datapath.h"
#include "replay.h"
#include "testrun.h"
#include "pkt.h"

#define C(id) PKT_CTR(id)
#define L2_BITS (C(L2_IPV4) | C(L2_IPV6) | C(L2_ARP) | C(L2_OTHER) | \
		 C(VLAN_8021Q) | C(VLAN_8021AD))
#define DEFAULT_TTL_THRESHOLD PKT_DEFAULT_TTL_THRESHOLD

struct hook {
	const char *name;
	int prog_fd;
	__u32 slot;
	__u32 verdict;
	bool xdp;
};

/* One loaded datapath: the shared one, or one with another config. */
struct dp {
	struct datapath_bpf *skel;
	int map_fd;
	struct hook hooks[3]; /* XDP, TC ingress, TC egress */
};

static struct dp main_dp;
static const struct pkt_case *cases;
static size_t ncases;

static int dp_load(struct dp *dp, int ttl_threshold)
{
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->skel = datapath_bpf__open();
	if (!dp->skel)
		return -errno;
	/* rodata is frozen at load: the only time to change the config. */
	if (ttl_threshold >= 0)
		dp->skel->rodata->ps_cfg.ttl_threshold = ttl_threshold;
	err = datapath_bpf__load(dp->skel);
	if (err) {
		datapath_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return err;
	}
	dp->map_fd = bpf_map__fd(dp->skel->maps.ps_counters);
	dp->hooks[0] = (struct hook){ "xdp", bpf_program__fd(dp->skel->progs.ps_xdp),
				      PS_SLOT_XDP_INGRESS, XDP_PASS, true };
	dp->hooks[1] = (struct hook){ "tc_ingress", bpf_program__fd(dp->skel->progs.ps_tc_ingress),
				      PS_SLOT_TC_INGRESS, (__u32)TC_ACT_UNSPEC, false };
	dp->hooks[2] = (struct hook){ "tc_egress", bpf_program__fd(dp->skel->progs.ps_tc_egress),
				      PS_SLOT_TC_EGRESS, (__u32)TC_ACT_UNSPEC, false };
	return 0;
}

static void dp_unload(struct dp *dp)
{
	datapath_bpf__destroy(dp->skel);
	dp->skel = NULL;
}

static const char *ctr_name(int i)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s.%s", ps_counter_info[i].group, ps_counter_info[i].name);
	return buf;
}

/*
 * Checks the rules of abi.h that hold for any packet, whatever the spec
 * expects of it: TOTAL once, exactly one outcome, and the L2 identity.
 * Returns the number of problems, printed.
 */
static int check_rules(const struct ps_counters *d, const char *what)
{
	__u64 outcomes = 0, l2;
	int bad = 0;

	for (int i = PS_CTR_FIRST_BAD; i <= PS_CTR_LAST_BAD; i++)
		outcomes += d->c[i].packets;
	outcomes += d->c[PS_CTR_OK].packets;
	if (d->c[PS_CTR_TOTAL].packets != 1 || outcomes != 1) {
		print_error("%s: rule: total %llu (want 1), outcomes %llu (want 1)\n", what,
			    (unsigned long long)d->c[PS_CTR_TOTAL].packets,
			    (unsigned long long)outcomes);
		bad++;
	}
	l2 = d->c[PS_CTR_L2_IPV4].packets + d->c[PS_CTR_L2_IPV6].packets +
	     d->c[PS_CTR_L2_ARP].packets + d->c[PS_CTR_L2_OTHER].packets;
	/* An unparsed packet (cut by the snap length, or headers beyond the
	 * readable data) may have stopped before its L2 class too. */
	if (l2 != d->c[PS_CTR_TOTAL].packets - d->c[PS_CTR_BAD_ETH_SHORT].packets -
			  d->c[PS_CTR_BAD_VLAN_SHORT].packets - d->c[PS_CTR_BAD_VLAN_DEEP].packets &&
	    !(l2 == 0 && d->c[PS_CTR_SNAPLEN].packets + d->c[PS_CTR_NONLINEAR].packets)) {
		print_error("%s: rule: ipv4+ipv6+arp+other != total - eth_short - vlan_short - vlan_too_deep\n",
			    what);
		bad++;
	}
	return bad;
}

/*
 * Frames the kernel's BPF_PROG_TEST_RUN refuses with EINVAL before running
 * the program (seen on 6.18): XDP and TC frames under ETH_HLEN, even behind
 * XDP metadata, and TC frames whose EtherType is IPv4 or IPv6 but that are
 * shorter than the fixed IP header (the skb path looks at it first).  Live
 * hooks can still see some of these; the parser handles them, but a test run
 * cannot deliver them.
 */
static bool kernel_may_refuse(const struct hook *h, const uint8_t *data, uint32_t len)
{
	uint16_t type;

	if (len < 14)
		return true;
	if (h->xdp)
		return false;
	type = data[12] << 8 | data[13];
	return (type == 0x0800 && len < 14 + 20) || (type == 0x86dd && len < 14 + 40);
}

static uint64_t driven; /* counters some run has moved */

/*
 * Runs 'len' bytes of 'data' through one hook and asserts the exact counter
 * delta 'expect', the verdict and the unchanged packet.  Returns false when
 * the kernel refused the run (see kernel_may_refuse), after checking that
 * nothing was counted.
 */
static bool run_expect(const struct dp *dp, const struct hook *h, const char *name,
		       const uint8_t *data, uint32_t len, uint64_t expect)
{
	static uint8_t out[PKT_MAX + 64];
	struct ps_counters before, after, d;
	struct ps_run_result res = {};
	char what[160];
	int err, bad = 0;
	bool refused;

	snprintf(what, sizeof(what), "%s %s len %u", h->name, name, len);
	err = ps_counters_read(dp->map_fd, h->slot, &before);
	if (err)
		fail_msg("%s: reading counters: %s", what, strerror(-err));
	err = ps_run(h->prog_fd, data, len, out, sizeof(out), 1, &res);
	refused = err == -EINVAL && kernel_may_refuse(h, data, len);
	if (err && !refused)
		fail_msg("%s: test run failed: %s", what, strerror(-err));
	err = ps_counters_read(dp->map_fd, h->slot, &after);
	if (err)
		fail_msg("%s: reading counters: %s", what, strerror(-err));
	ps_counters_sub(&d, &after, &before);
	if (refused) {
		for (int i = 0; i < PS_CTR_MAX; i++)
			if (d.c[i].packets || d.c[i].bytes)
				fail_msg("%s: a refused run counted %s", what, ctr_name(i));
		return false;
	}

	for (int i = 0; i < PS_CTR_MAX; i++) {
		__u64 want_p = expect >> i & 1, want_b = want_p ? len : 0;

		if (d.c[i].packets)
			driven |= 1ULL << i;
		if (d.c[i].packets == want_p && d.c[i].bytes == want_b)
			continue;
		print_error("%s: %s: expected packets %llu bytes %llu, got packets %llu bytes %llu\n",
			    what, ctr_name(i), (unsigned long long)want_p,
			    (unsigned long long)want_b, (unsigned long long)d.c[i].packets,
			    (unsigned long long)d.c[i].bytes);
		bad++;
	}
	bad += check_rules(&d, what);
	if (res.retval != h->verdict) {
		print_error("%s: verdict: expected %d, got %d\n", what, (int)h->verdict,
			    (int)res.retval);
		bad++;
	}
	if (res.out_len != len || memcmp(out, data, len)) {
		print_error("%s: packet changed: %u bytes in, %u out%s\n", what, len, res.out_len,
			    res.out_len == len ? ", contents differ" : "");
		bad++;
	}
	if (bad)
		fail_msg("%s: %d mismatches (above)", what, bad);
	return true;
}

static bool runs_on(const struct pkt_case *c, const struct hook *h)
{
	return h->xdp || !(c->flags & PKT_F_XDP_ONLY);
}

/* ---- the table, row by row, at every hook ---- */

struct row_state {
	const struct pkt_case *c;
	int hook;
};

static void test_row(void **state)
{
	const struct row_state *rs = *state;
	const struct hook *h = &main_dp.hooks[rs->hook];

	/* A frame a bare test run refuses is checked to count nothing here;
	 * test_replay_rows runs it through the path -r takes, which counts
	 * it. */
	run_expect(&main_dp, h, rs->c->name, rs->c->data, rs->c->len, rs->c->expect);
}

/* ---- truncation: every valid packet cut at every length ---- */

static enum ps_counter bound_reason(enum pkt_bound_kind k)
{
	switch (k) {
	case PKT_B_ETH: return PS_CTR_BAD_ETH_SHORT;
	case PKT_B_VLAN: return PS_CTR_BAD_VLAN_SHORT;
	case PKT_B_ARP_FIXED:
	case PKT_B_ARP_ADDRS: return PS_CTR_BAD_ARP_SHORT;
	case PKT_B_IP4_FIXED: return PS_CTR_BAD_IPV4_SHORT;
	case PKT_B_IP4_OPTS: return PS_CTR_BAD_IPV4_OPTS;
	case PKT_B_IP4_TOTAL: return PS_CTR_BAD_IPV4_TOTLEN;
	case PKT_B_IP6_FIXED: return PS_CTR_BAD_IPV6_SHORT;
	case PKT_B_IP6_PAYLOAD: return PS_CTR_BAD_IPV6_PLEN;
	}
	return PS_CTR_MAX;
}

/*
 * What the first 'len' bytes of a valid packet count as, from its layer
 * boundaries alone: the first layer it ends inside names the reason; the L2
 * class and VLAN counters come once every tag is there; and since a valid
 * packet's IP header claims all of its datagram, nothing past L2 counts until
 * the datagram is whole, and then everything the full packet counts.
 */
static uint64_t truncated_expect(const struct pkt_case *c, uint32_t len)
{
	uint32_t l2_end = 0;

	for (int i = 0; i < c->lay.n; i++)
		if (c->lay.b[i].kind == PKT_B_ETH || c->lay.b[i].kind == PKT_B_VLAN)
			l2_end = c->lay.b[i].end;
	for (int i = 0; i < c->lay.n; i++) {
		if (len < c->lay.b[i].end)
			return C(TOTAL) | 1ULL << bound_reason(c->lay.b[i].kind) |
			       (len >= l2_end ? c->expect & L2_BITS : 0);
	}
	return c->expect;
}

static void test_truncate(void **state)
{
	const struct row_state *rs = *state;
	const struct pkt_case *c = rs->c;

	if (rs->hook == 0) {
		for (uint32_t len = 0; len <= c->len; len++)
			run_expect(&main_dp, &main_dp.hooks[0], c->name, c->data, len,
				   truncated_expect(c, len));
		return;
	}
	/* A TC test run needs an Ethernet header's worth of data. */
	for (int h = 1; h <= 2; h++)
		for (uint32_t len = 14; len <= c->len; len++)
			run_expect(&main_dp, &main_dp.hooks[h], c->name, c->data, len,
				   truncated_expect(c, len));
}


/* ---- -r: every row through the replay path (src/core/replay.c) ----
 *
 * A file's record reaches the program through ps_replay_run(), which tells
 * it the record's lengths (struct ps_replay_meta) and pads or cuts what the
 * test run would refuse.  So rows the kernel will not test-run as they are
 * (frames under 14 bytes; at TC, IP frames shorter than their header) are
 * classified too, and must count exactly what the table says, bytes being
 * their length on the wire.  The files are written here, by hand, not by
 * pktscope's writer.
 */

struct rrec {
	const uint8_t *data;
	uint32_t caplen, len;
	uint64_t expect;   /* exact counters; 0: check snap_rules() instead */
	const struct pkt_case *c;
};

struct rrun {
	struct ps_datapath dp;
	enum ps_slot slot;
	const struct rrec *recs;
	size_t n, done;
	struct ps_counters last;
	int bad;
	/* snapped records of one case, in growing caplen order */
	uint64_t prev_set;
	const struct pkt_case *prev_case;
};

static void write_pcap(const char *path, const struct rrec *recs, size_t n)
{
	uint32_t hdr[6] = { 0xa1b2c3d4u, 2 | 4 << 16, 0, 0, 262144, 1 };
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(hdr, sizeof(hdr), 1, f), 1);
	for (size_t i = 0; i < n; i++) {
		/* The record's index is its time: the callback finds it. */
		uint32_t rh[4] = { (uint32_t)i, 0, recs[i].caplen, recs[i].len };

		assert_int_equal(fwrite(rh, sizeof(rh), 1, f), 1);
		if (recs[i].caplen)
			assert_int_equal(fwrite(recs[i].data, recs[i].caplen, 1, f), 1);
	}
	assert_int_equal(fclose(f), 0);
}

static uint64_t moved_set(const struct ps_counters *d)
{
	uint64_t set = 0;

	for (int i = 0; i < PS_CTR_MAX; i++)
		if (d->c[i].packets)
			set |= 1ULL << i;
	return set;
}

/*
 * What a record cut by the snap length may count, whatever the packet: its
 * full classification once every header the parser reads is within the
 * bytes kept; before that unparsed.snaplen and a subset of the full
 * classification's classes, growing with the bytes kept; nothing but total
 * and snaplen without a whole Ethernet header.
 */
static int snap_rules(struct rrun *rr, const struct rrec *r, uint64_t set, const char *what)
{
	uint64_t full = r->c->expect, outcomes = C(OK);

	for (int i = PS_CTR_FIRST_BAD; i <= PS_CTR_LAST_BAD; i++)
		outcomes |= 1ULL << i;
	if (rr->prev_case != r->c) {
		rr->prev_case = r->c;
		rr->prev_set = C(TOTAL) | C(SNAPLEN);
	}
	if (set == full) {
		rr->prev_set = full;
		return 0;
	}
	if (rr->prev_set == full) {
		print_error("%s: the full classification came, then went with more bytes\n", what);
		return 1;
	}
	if (!(set & C(SNAPLEN)) || (set & ~(full | C(SNAPLEN))) || (set & full & outcomes)) {
		print_error("%s: counted %#llx, full packet %#llx: not the packet's classes and "
			    "unparsed.snaplen\n", what, (unsigned long long)set,
			    (unsigned long long)full);
		return 1;
	}
	if (r->caplen < 14 && set != (C(TOTAL) | C(SNAPLEN))) {
		print_error("%s: classified without an Ethernet header\n", what);
		return 1;
	}
	if ((set & rr->prev_set) != rr->prev_set) {
		print_error("%s: %#llx lost classes that fewer bytes gave (%#llx)\n", what,
			    (unsigned long long)set, (unsigned long long)rr->prev_set);
		return 1;
	}
	rr->prev_set = set;
	return 0;
}

static int replay_after(void *ctx, __u64 ts_ns)
{
	struct rrun *rr = ctx;
	size_t i = ts_ns / 1000000000ULL;
	const struct rrec *r = &rr->recs[i];
	struct ps_counters now, d;
	char what[160];
	uint64_t set;

	snprintf(what, sizeof(what), "replay %s %s caplen %u len %u",
		 rr->slot == PS_SLOT_XDP_INGRESS ? "xdp" : "tc", r->c->name, r->caplen, r->len);
	assert_int_equal(ps_datapath_read(&rr->dp, rr->slot, &now), 0);
	ps_counters_sub(&d, &now, &rr->last);
	rr->last = now;
	rr->done++;
	set = moved_set(&d);
	driven |= set;
	for (int k = 0; k < PS_CTR_MAX; k++) {
		if (d.c[k].packets && d.c[k].bytes != r->len) {
			print_error("%s: %s counted %llu bytes, not the %u on the wire\n", what,
				    ctr_name(k), (unsigned long long)d.c[k].bytes, r->len);
			rr->bad++;
		}
	}
	rr->bad += check_rules(&d, what);
	if (!r->expect) {
		rr->bad += snap_rules(rr, r, set, what);
	} else if (set != r->expect) {
		print_error("%s: counted %#llx, expected %#llx\n", what, (unsigned long long)set,
			    (unsigned long long)r->expect);
		rr->bad++;
	}
	return 0;
}

static void replay_records(enum ps_hook hook, const struct rrec *recs, size_t n)
{
	struct ps_datapath_opts o = { .hook = hook, .ttl_threshold = DEFAULT_TTL_THRESHOLD,
				      .replay = true };
	char path[] = "/tmp/ps-test-replay-XXXXXX";
	struct ps_replay_stats st;
	struct ps_replay *rp;
	struct rrun rr = { .recs = recs, .n = n };
	enum ps_slot slots[PS_SLOT_MAX];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	write_pcap(path, recs, n);
	assert_int_equal(ps_replay_open(&rp, path, NULL), 0);
	assert_int_equal(ps_datapath_load(&rr.dp, &o, true), 0);
	ps_hook_slots(hook, slots);
	rr.slot = slots[0];
	assert_int_equal(ps_datapath_read(&rr.dp, rr.slot, &rr.last), 0);
	assert_int_equal(ps_replay_run(rp, &rr.dp, &st, &(struct ps_replay_hooks){
					       .after = replay_after, .ctx = &rr }), 0);
	ps_datapath_close(&rr.dp);
	ps_replay_close(rp);
	unlink(path);
	if (st.not_run)
		fail_msg("%llu records not run", (unsigned long long)st.not_run);
	if (rr.done != n)
		fail_msg("%zu of %zu records checked", rr.done, n);
	if (rr.bad)
		fail_msg("%d mismatches (above)", rr.bad);
}

/* Every row, the ones a bare test run refuses included, at XDP and TC. */
static void test_replay_rows(void **state)
{
	enum ps_hook hook = (enum ps_hook)(intptr_t)*state;
	struct rrec *recs = calloc(ncases, sizeof(*recs));
	size_t n = 0;

	assert_non_null(recs);
	for (size_t i = 0; i < ncases; i++)
		recs[n++] = (struct rrec){ cases[i].data, cases[i].len, cases[i].len,
					   cases[i].expect, &cases[i] };
	replay_records(hook, recs, n);
	free(recs);
}

/* Every valid row cut by a snap length at every length short of whole. */
static void test_replay_snapped(void **state)
{
	enum ps_hook hook = (enum ps_hook)(intptr_t)*state;
	struct rrec *recs;
	size_t n = 0, max = 0;

	for (size_t i = 0; i < ncases; i++)
		if ((cases[i].flags & PKT_F_VALID) && !(cases[i].flags & PKT_F_BIG))
			max += cases[i].len;
	recs = calloc(max, sizeof(*recs));
	assert_non_null(recs);
	for (size_t i = 0; i < ncases; i++) {
		if (!(cases[i].flags & PKT_F_VALID) || (cases[i].flags & PKT_F_BIG))
			continue;
		for (uint32_t k = 0; k < cases[i].len; k++)
			recs[n++] = (struct rrec){ cases[i].data, k, cases[i].len, 0, &cases[i] };
	}
	replay_records(hook, recs, n);
	free(recs);
	if (!(driven & C(SNAPLEN)))
		fail_msg("no cut record counted unparsed.snaplen");
}

/* ---- the table itself ---- */

static void test_table_covers_every_counter(void **state)
{
	uint64_t seen = 0;

	uint64_t outcomes = C(OK);

	for (int i = PS_CTR_FIRST_BAD; i <= PS_CTR_LAST_BAD; i++)
		outcomes |= 1ULL << i;
	for (size_t i = 0; i < ncases; i++) {
		uint64_t e = cases[i].expect, outcome = e & outcomes;

		/* A row must itself obey the rules, or it tests nothing. */
		if (!(e & C(TOTAL)) || __builtin_popcountll(outcome) != 1)
			fail_msg("row %s: expects %d outcomes", cases[i].name,
				 __builtin_popcountll(outcome));
		seen |= e;
	}
	/* unparsed.snaplen needs a record cut by a snap length, which only
	 * a file has: test_replay_snapped drives it. */
	seen |= C(SNAPLEN);
	for (int i = 0; i < PS_CTR_MAX; i++)
		if (!(seen >> i & 1))
			fail_msg("no crafted packet drives counter %s", ctr_name(i));
}

/*
 * Runs last: every counter must have been moved by some run that happened,
 * not merely be named by a row: the rows a bare test run refuses (frames
 * under 14 bytes: malformed.eth_short) are driven through the replay path.
 */
static void test_every_counter_driven(void **state)
{
	char list[512] = "";

	for (int i = 0; i < PS_CTR_MAX; i++) {
		if (driven >> i & 1)
			continue;
		strncat(list, " ", sizeof(list) - strlen(list) - 1);
		strncat(list, ctr_name(i), sizeof(list) - strlen(list) - 1);
	}
	if (list[0])
		fail_msg("counters no run moved:%s", list);
}

/* ---- a non-default TTL threshold, set in rodata before load ---- */

static void test_ttl_threshold(void **state)
{
	int threshold = (int)(intptr_t)*state;
	struct dp dp;
	char name[96];
	int err;

	err = dp_load(&dp, threshold);
	if (err)
		fail_msg("loading datapath with ttl_threshold %d: %s", threshold, strerror(-err));
	for (size_t i = 0; i < ncases; i++) {
		const struct pkt_case *c = &cases[i];
		uint64_t e = pkt_case_expect(c, threshold);

		snprintf(name, sizeof(name), "%s (ttl %d, threshold %d)", c->name, c->ttl,
			 threshold);
		for (int h = 0; h < 3; h++)
			if (runs_on(c, &dp.hooks[h]))
				run_expect(&dp, &dp.hooks[h], name, c->data, c->len, e);
	}
	dp_unload(&dp);
}

/* ---- XDP multi-buffer: frames beyond one page are counted whole ---- */

static void test_xdp_multibuf_sizes(void **state)
{
	static const uint32_t sizes[] = { 3519, 3520, 3521, 4000, 4097, 8000, 9018, 16000 };
	struct pkt *p = malloc(sizeof(*p));
	char name[64];

	assert_non_null(p);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		pkt_init(p);
		pkt_eth(p);
		pkt_ipv4(p, 64);
		pkt_udp(p, 9000, 9001);
		pkt_payload(p, sizes[i] - 14 - 20 - 8);
		assert_int_equal(pkt_finish(p, 0), 0);
		assert_int_equal(p->len, sizes[i]);
		snprintf(name, sizeof(name), "ipv4_udp_%u", sizes[i]);
		run_expect(&main_dp, &main_dp.hooks[0], name, p->data, p->len,
			   C(TOTAL) | C(OK) | C(L2_IPV4) | C(L4_UDP));
	}
	free(p);
}

/* ---- setup ---- */

static int group_setup(void **state)
{
	int err = dp_load(&main_dp, -1);

	if (err) {
		fprintf(stderr, "# loading the datapath failed: %s (run as root)\n", strerror(-err));
		return -1;
	}
	if (main_dp.skel->rodata->ps_cfg.ttl_threshold != DEFAULT_TTL_THRESHOLD) {
		fprintf(stderr, "# the table assumes ttl_threshold %d, the object has %d\n",
			DEFAULT_TTL_THRESHOLD, main_dp.skel->rodata->ps_cfg.ttl_threshold);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	dp_unload(&main_dp);
	return 0;
}

int main(void)
{
	static const int thresholds[] = { 0, 10, 255 };
	struct CMUnitTest *tests;
	struct row_state *rs;
	size_t n = 0, nrs = 0;
	int ret;

	cases = pkt_cases(&ncases);
	if (!cases)
		return 1;
	/* Upper bounds: rows x hooks, truncations x 2, fixed tests. */
	tests = calloc(ncases * 5 + 16, sizeof(*tests));
	rs = calloc(ncases * 5, sizeof(*rs));
	if (!tests || !rs)
		return 1;

	add_test(tests, &n, test_table_covers_every_counter, NULL, "table_covers_every_counter");
	for (int h = 0; h < 3; h++) {
		for (size_t i = 0; i < ncases; i++) {
			if (h && (cases[i].flags & PKT_F_XDP_ONLY))
				continue;
			rs[nrs] = (struct row_state){ &cases[i], h };
			add_test(tests, &n, test_row, &rs[nrs++], "%s/%s",
				 h == 0 ? "xdp" : h == 1 ? "tc_ingress" : "tc_egress",
				 cases[i].name);
		}
	}
	for (int h = 0; h < 2; h++) {
		for (size_t i = 0; i < ncases; i++) {
			if (!(cases[i].flags & PKT_F_VALID) || (cases[i].flags & PKT_F_BIG))
				continue;
			rs[nrs] = (struct row_state){ &cases[i], h };
			add_test(tests, &n, test_truncate, &rs[nrs++], "truncate_%s/%s",
				 h ? "tc" : "xdp", cases[i].name);
		}
	}
	for (size_t i = 0; i < sizeof(thresholds) / sizeof(thresholds[0]); i++)
		add_test(tests, &n, test_ttl_threshold, (void *)(intptr_t)thresholds[i],
			 "ttl_threshold_%d", thresholds[i]);
	add_test(tests, &n, test_xdp_multibuf_sizes, NULL, "xdp_multibuf_sizes");
	add_test(tests, &n, test_replay_rows, (void *)(intptr_t)PS_HOOK_XDP, "replay_rows/xdp");
	add_test(tests, &n, test_replay_rows, (void *)(intptr_t)PS_HOOK_TC, "replay_rows/tc");
	add_test(tests, &n, test_replay_snapped, (void *)(intptr_t)PS_HOOK_XDP,
		 "replay_snapped/xdp");
	add_test(tests, &n, test_replay_snapped, (void *)(intptr_t)PS_HOOK_TC,
		 "replay_snapped/tc");
	add_test(tests, &n, test_every_counter_driven, NULL, "every_counter_driven");

	ret = _cmocka_run_group_tests("datapath", tests, n, group_setup, group_teardown);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	free(tests);
	free(rs);
	return ret;
}
