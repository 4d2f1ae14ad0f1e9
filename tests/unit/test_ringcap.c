// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The capture path from ring buffer to pcap file (src/ringread.c,
 * src/ringcap.c, ps_capfile_write_recs()), on records the real datapath
 * writes: frames are run through its XDP program with BPF_PROG_TEST_RUN,
 * which emits them into the ring as on live traffic.
 *
 *  - a batch whose records cross the end of the ring reads whole (the data
 *    area is mapped twice) and is written as sent;
 *  - a limit (-c) stops in the middle of a batch: exactly that many are
 *    written, the rest stay in the ring, unread, for later;
 *  - -C and -G split one batch across files at the right records;
 *  - every record that could not be written is counted, and a record cut
 *    short by a failed write is truncated away.
 *
 * Needs root (CAP_BPF for the test runs); nothing is attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "cmtest.h"
#include "pktscope/abi.h"
#include "capfile.h"
#include "datapath.h"
#include "ringcap.h"
#include "ringread.h"
#include "testrun.h"

#define MAX_FRAMES 64
#define FRAME_MAX 2048

static char dir[] = "/tmp/ps-ringcap.XXXXXX";

/* A frame the datapath counts as l2.other; its bytes say which one it is. */
static __u32 frame(__u8 *buf, unsigned int seq, __u32 len)
{
	static const __u8 hdr[14] = { 0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x88, 0xb5 };

	memcpy(buf, hdr, sizeof(hdr));
	for (__u32 i = sizeof(hdr); i < len; i++)
		buf[i] = (__u8)(seq * 31 + i);
	return len;
}

struct rig {
	struct ps_datapath dp;
	int prog_fd;
	struct ps_ringcap rc;
	struct ps_capfile *cf;
	char path[PATH_MAX];
};

static void rig_load(struct rig *r, __u32 ring_bytes)
{
	struct ps_datapath_opts o = {
		.hook = PS_HOOK_XDP,
		.events = true,
		.snaplen = PS_SNAPLEN_MAX,
		.ring_bytes = ring_bytes,
	};

	memset(r, 0, sizeof(*r));
	assert_int_equal(ps_datapath_load(&r->dp, &o, true), 0);
	r->prog_fd = ps_datapath_prog_fd(&r->dp, PS_SLOT_XDP_INGRESS);
	assert_true(r->prog_fd >= 0);
}

static void rig_open(struct rig *r, const char *name, __u64 rotate_bytes)
{
	struct ps_capfile_opts co = { .path = r->path, .snaplen = 65535,
				      .rotate_bytes = rotate_bytes };
	int fd = ps_datapath_ring_fd(&r->dp);

	snprintf(r->path, sizeof(r->path), "%s/%s", dir, name);
	assert_int_equal(ps_capfile_open(&r->cf, &co), 0);
	assert_int_equal(ps_ringcap_open(&r->rc, &fd, 1, r->cf), 0);
}

static void rig_send(struct rig *r, unsigned int seq, __u32 len)
{
	__u8 buf[FRAME_MAX];

	assert_int_equal(ps_run(r->prog_fd, buf, frame(buf, seq, len), NULL, 0, 1, NULL), 0);
}

static void rig_close(struct rig *r)
{
	ps_ringcap_close(&r->rc);
	ps_datapath_close(&r->dp);
}

/* Reads a pcap file whole; checks its header.  Returns the record count,
 * with each record's offset in *recs (malloc'd data in *data). */
static int read_pcap(const char *path, __u8 **data, size_t *len, size_t offs[MAX_FRAMES])
{
	struct stat st;
	int fd = open(path, O_RDONLY), n = 0;
	size_t off = 24;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*len = st.st_size;
	*data = malloc(*len + 1);
	assert_non_null(*data);
	assert_int_equal(read(fd, *data, *len), (ssize_t)*len);
	close(fd);
	assert_true(*len >= 24);
	assert_int_equal(*(__u32 *)*data, 0xa1b23c4d); /* nanosecond pcap */
	while (off < *len) {
		struct ps_pcap_rec h;

		assert_true(off + sizeof(h) <= *len);
		memcpy(&h, *data + off, sizeof(h));
		assert_true(off + sizeof(h) + h.caplen <= *len);
		assert_true(n < MAX_FRAMES);
		offs[n++] = off;
		off += sizeof(h) + h.caplen;
	}
	return n;
}

/* The file holds exactly frames first..first+n-1 of lengths len[]. */
static void check_file(const char *path, unsigned int first, int n, const __u32 *lens)
{
	size_t offs[MAX_FRAMES], len;
	__u8 *data, want[FRAME_MAX];
	int got = read_pcap(path, &data, &len, offs);

	assert_int_equal(got, n);
	for (int i = 0; i < n; i++) {
		struct ps_pcap_rec h;

		memcpy(&h, data + offs[i], sizeof(h));
		assert_int_equal(h.caplen, lens[i]);
		assert_int_equal(h.len, lens[i]);
		frame(want, first + i, lens[i]);
		assert_memory_equal(data + offs[i] + sizeof(h), want, lens[i]);
	}
	free(data);
}

static void check_kernel(struct rig *r, __u64 sent)
{
	struct ps_ev_counters k;

	assert_int_equal(ps_datapath_read_events(&r->dp, &k), 0);
	assert_int_equal(k.c[PS_EV_SENT], sent);
	assert_int_equal(k.c[PS_EV_LOST_FULL], 0);
}

/* Records crossing the end of a one-page ring are read whole and written
 * as they were sent, in one batch. */
static void test_wrap(void **state)
{
	struct ps_ringrec recs[MAX_FRAMES];
	struct ps_capfile_stats st;
	__u32 lens[14];
	struct rig r;
	bool crosses = false;
	__u64 cons;
	int n;

	rig_load(&r, 4096);
	rig_open(&r, "wrap.pcap", 0);
	/* 8 + 72 + 300 = 380 bytes a record: ten fill the ring. */
	for (int i = 0; i < 14; i++)
		lens[i] = 300;
	for (int i = 0; i < 6; i++)
		rig_send(&r, i, lens[i]);
	assert_int_equal(ps_ringcap_drain(&r.rc, UINT64_MAX), 6);
	for (int i = 6; i < 14; i++)
		rig_send(&r, i, lens[i]);
	cons = *r.rc.rings[0].consumer_pos;
	n = ps_ringread_peek(&r.rc.rings[0], recs, MAX_FRAMES);
	assert_int_equal(n, 8);
	for (int i = 0; i < n; i++) {
		__u64 start = (i ? recs[i - 1].end : cons) % 4096;

		if (start + 8 + recs[i].len > 4096)
			crosses = true;
	}
	assert_true(crosses);
	assert_int_equal(ps_ringcap_drain(&r.rc, UINT64_MAX), 8);
	assert_int_equal(ps_ringread_pending(&r.rc.rings[0]), 0);
	assert_int_equal(r.rc.received, 14);
	assert_int_equal(r.rc.written, 14);
	assert_int_equal(r.rc.write_errors + r.rc.malformed, 0);
	check_kernel(&r, 14);
	assert_int_equal(ps_capfile_close(r.cf, &st), 0);
	assert_int_equal(st.packets, 14);
	check_file(r.path, 0, 14, lens);
	rig_close(&r);
}

/* A limit in the middle of what waits: exactly that many, the rest left in
 * the ring, where the next read finds them. */
static void test_limit_mid_batch(void **state)
{
	struct ps_capfile_stats st;
	__u32 lens[20];
	struct rig r;

	rig_load(&r, 65536);
	rig_open(&r, "limit.pcap", 0);
	for (int i = 0; i < 20; i++) {
		lens[i] = 60 + i * 37;
		rig_send(&r, i, lens[i]);
	}
	assert_int_equal(ps_ringcap_drain(&r.rc, 7), 7);
	assert_int_equal(r.rc.received, 7);
	assert_int_equal(r.rc.written, 7);
	assert_true(ps_ringread_pending(&r.rc.rings[0]) > 0);
	assert_int_equal(ps_ringcap_drain(&r.rc, UINT64_MAX), 13);
	assert_int_equal(ps_ringread_pending(&r.rc.rings[0]), 0);
	check_kernel(&r, 20);
	assert_int_equal(ps_capfile_close(r.cf, &st), 0);
	check_file(r.path, 0, 20, lens);
	rig_close(&r);
}

/* -C: one batch of ten split two records a file, as the single-record
 * path splits them (a file takes a record while size + caplen + 64 fits). */
static void test_size_rotation_splits_batch(void **state)
{
	struct ps_capfile_stats st;
	char name[PATH_MAX + 8];
	__u32 lens[10];
	struct rig r;

	rig_load(&r, 65536);
	/* 24 + 2 x (16 + 300) = 656; a third would need 656 + 364 > 1000 */
	rig_open(&r, "size.pcap", 1000);
	for (int i = 0; i < 10; i++) {
		lens[i] = 300;
		rig_send(&r, i, lens[i]);
	}
	assert_int_equal(ps_ringcap_drain(&r.rc, UINT64_MAX), 10);
	assert_int_equal(ps_capfile_close(r.cf, &st), 0);
	assert_int_equal(st.files, 5);
	assert_int_equal(st.packets, 10);
	for (int f = 0; f < 5; f++) {
		if (f)
			snprintf(name, sizeof(name), "%s%d", r.path, f);
		else
			snprintf(name, sizeof(name), "%s", r.path);
		check_file(name, 2 * f, 2, lens);
	}
	snprintf(name, sizeof(name), "%s5", r.path);
	assert_int_equal(access(name, F_OK), -1);
	rig_close(&r);
}

/* A record laid out as in the ring: header, then frame. */
struct rec {
	struct ps_pcap_rec h;
	__u8 data[300];
};

/* -G: one batch split where the records' time enters a new period. */
static void test_time_rotation_splits_batch(void **state)
{
	static const __u32 secs[] = { 1700000000, 1700000000, 1700000001, 1700000001,
				      1700000001, 1700000003, 1700000003 };
	const struct ps_pcap_rec *ptrs[7];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct rec recs[7];
	char pat[PATH_MAX], name[PATH_MAX + 16];
	__u32 lens[7];
	struct ps_capfile_opts co = { .path = pat, .snaplen = 65535, .rotate_secs = 1 };

	snprintf(pat, sizeof(pat), "%s/t-%%s.pcap", dir); /* %s: seconds, any time zone */
	for (int i = 0; i < 7; i++) {
		lens[i] = 100 + i;
		recs[i].h = (struct ps_pcap_rec){ secs[i], 1000 * i, lens[i], lens[i] };
		frame(recs[i].data, i, lens[i]);
		ptrs[i] = &recs[i].h;
	}
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	assert_int_equal(ps_capfile_write_recs(cf, ptrs, 7), 0);
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	assert_int_equal(st.packets, 7);
	assert_int_equal(st.files, 3);
	snprintf(name, sizeof(name), "%s/t-1700000000.pcap", dir);
	check_file(name, 0, 2, lens);
	snprintf(name, sizeof(name), "%s/t-1700000001.pcap", dir);
	check_file(name, 2, 3, lens + 2);
	snprintf(name, sizeof(name), "%s/t-1700000003.pcap", dir);
	check_file(name, 5, 2, lens + 5);
	snprintf(name, sizeof(name), "%s/t-1700000002.pcap", dir);
	assert_int_equal(access(name, F_OK), -1);
}

/* Nothing can be written (ENOSPC): every record is counted as such. */
static void test_errors_counted(void **state)
{
	const struct ps_pcap_rec *ptrs[5];
	struct ps_capfile_opts co = { .path = "/dev/full", .snaplen = 65535 };
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct rec recs[5];

	for (int i = 0; i < 5; i++) {
		recs[i].h = (struct ps_pcap_rec){ 1700000000, i, 100, 100 };
		frame(recs[i].data, i, 100);
		ptrs[i] = &recs[i].h;
	}
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	assert_true(ps_capfile_write_recs(cf, ptrs, 5) < 0);
	assert_true(ps_capfile_close(cf, &st) < 0);
	assert_int_equal(st.packets, 0);
	assert_int_equal(st.write_errors, 5);
}

/* A write cut short (here by RLIMIT_FSIZE) leaves the whole records that
 * made it, the cut one truncated away, and counts the rest as not written. */
static void test_short_write_truncated(void **state)
{
	const struct ps_pcap_rec *ptrs[4];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct rlimit old, lim;
	struct rec recs[4];
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u32 lens[4] = { 300, 300, 300, 300 };

	snprintf(path, sizeof(path), "%s/short.pcap", dir);
	for (int i = 0; i < 4; i++) {
		recs[i].h = (struct ps_pcap_rec){ 1700000000, i, 300, 300 };
		frame(recs[i].data, i, 300);
		ptrs[i] = &recs[i].h;
	}
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 24 + 2 * 316 + 100; /* two whole records and a part */
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_true(ps_capfile_write_recs(cf, ptrs, 4) < 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_true(ps_capfile_close(cf, &st) < 0);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.write_errors, 2);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 24 + 2 * 316);
	check_file(path, 0, 2, lens);
}

static int setup(void **state)
{
	if (!mkdtemp(dir)) {
		fprintf(stderr, "# mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	struct CMUnitTest tests[8];
	size_t n = 0;

	add_test(tests, &n, test_wrap, NULL, "batch_across_ring_wrap");
	add_test(tests, &n, test_limit_mid_batch, NULL, "limit_mid_batch");
	add_test(tests, &n, test_size_rotation_splits_batch, NULL, "size_rotation_splits_batch");
	add_test(tests, &n, test_time_rotation_splits_batch, NULL, "time_rotation_splits_batch");
	add_test(tests, &n, test_errors_counted, NULL, "write_errors_counted");
	add_test(tests, &n, test_short_write_truncated, NULL, "short_write_truncated");
	return _cmocka_run_group_tests("ringcap", tests, n, setup, teardown);
}
