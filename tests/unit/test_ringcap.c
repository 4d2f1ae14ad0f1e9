// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The capture path from ring buffer to pcap file (src/capture/ringread.c,
 * src/capture/ringcap.c, ps_capfile_write_recs()), on records the real datapath
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
 * Each runs twice: with direct I/O (O_DIRECT from an aligned buffer, where
 * the test directory's file system takes it: src/capture/dio.h) and through the
 * page cache (writev(2) straight from the ring).  Direct I/O has tests of
 * its own: what is staged reaches the file on a flush, a file of several
 * buffers' worth, and a direct write that fails half-way.
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
#include "dio.h"
#include "ringcap.h"
#include "ringread.h"
#include "testrun.h"

#define MAX_FRAMES 8192
#define FRAME_MAX 2048

static char dir[] = "/tmp/ps-ringcap.XXXXXX";
static bool dio_ok; /* the test directory's file system takes O_DIRECT */
static bool direct_on = true, direct_off;

/* The mode a test runs in (its state); skips direct I/O where the file
 * system cannot do it. */
static bool mode(void **state)
{
	bool direct = *(bool *)*state;

	if (direct && !dio_ok) {
		fprintf(stderr, "# %s takes no O_DIRECT: direct I/O not tested\n", dir);
		skip();
	}
	return direct;
}

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

static void rig_open(struct rig *r, const char *name, __u64 rotate_bytes, bool direct)
{
	struct ps_capfile_opts co = { .path = r->path, .snaplen = 65535,
				      .rotate_bytes = rotate_bytes, .no_direct_io = !direct };
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
	bool crosses = false, direct = mode(state);
	__u64 cons;
	int n;

	rig_load(&r, 4096);
	rig_open(&r, "wrap.pcap", 0, direct);
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
	assert_int_equal(st.direct_io, direct);
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
	bool direct = mode(state);

	rig_load(&r, 65536);
	rig_open(&r, "limit.pcap", 0, direct);
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
	assert_int_equal(st.direct_io, direct);
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
	bool direct = mode(state);

	rig_load(&r, 65536);
	/* 24 + 2 x (16 + 300) = 656; a third would need 656 + 364 > 1000 */
	rig_open(&r, "size.pcap", 1000, direct);
	for (int i = 0; i < 10; i++) {
		lens[i] = 300;
		rig_send(&r, i, lens[i]);
	}
	assert_int_equal(ps_ringcap_drain(&r.rc, UINT64_MAX), 10);
	assert_int_equal(ps_capfile_close(r.cf, &st), 0);
	assert_int_equal(st.files, 5);
	assert_int_equal(st.packets, 10);
	assert_int_equal(st.direct_io, direct);
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
	struct ps_capfile_opts co = { .path = pat, .snaplen = 65535, .rotate_secs = 1,
				      .no_direct_io = !mode(state) };

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
	assert_int_equal(st.direct_io, !co.no_direct_io);
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
	bool direct = mode(state);
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535, .no_direct_io = !direct };
	__u32 lens[4] = { 300, 300, 300, 300 };

	snprintf(path, sizeof(path), "%s/short-%d.pcap", dir, direct);
	for (int i = 0; i < 4; i++) {
		recs[i].h = (struct ps_pcap_rec){ 1700000000, i, 300, 300 };
		frame(recs[i].data, i, 300);
		ptrs[i] = &recs[i].h;
	}
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 24 + 2 * 316 + 100; /* two whole records and a part */
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	if (direct) {
		/* Staged only; the write, and its failure, come with the flush
		 * (the direct write fails, the page cache takes what fits),
		 * once the writer is done with it. */
		assert_int_equal(ps_capfile_write_recs(cf, ptrs, 4), 0);
		assert_true(ps_capfile_sync(cf) < 0);
	} else {
		assert_true(ps_capfile_write_recs(cf, ptrs, 4) < 0);
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_true(ps_capfile_close(cf, &st) < 0);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.write_errors, 2);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 24 + 2 * 316);
	check_file(path, 0, 2, lens);
}

/* Direct I/O: records wait in the buffer until a buffer's worth does; a
 * flush puts them in the file (the last partial block through the page
 * cache), and the next write rewrites that block whole with what follows. */
static void test_dio_flush(void **state)
{
	const struct ps_pcap_rec *ptrs[6];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct rec recs[6];
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u32 lens[6];

	mode(state);
	snprintf(path, sizeof(path), "%s/flush.pcap", dir);
	for (int i = 0; i < 6; i++) {
		lens[i] = 100 + 40 * i;
		recs[i].h = (struct ps_pcap_rec){ 1700000000, i, lens[i], lens[i] };
		frame(recs[i].data, i, lens[i]);
		ptrs[i] = &recs[i].h;
	}
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	assert_int_equal(ps_capfile_write_recs(cf, ptrs, 3), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(ps_capfile_sync(cf), 0);
	check_file(path, 0, 3, lens);
	assert_int_equal(ps_capfile_write_recs(cf, ptrs + 3, 3), 0);
	assert_int_equal(ps_capfile_sync(cf), 0);
	check_file(path, 0, 6, lens);
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	assert_int_equal(st.packets, 6);
	assert_true(st.direct_io);
	check_file(path, 0, 6, lens);
}

#define BIG_RECS 6000

/* BIG_RECS records laid out as in a ring, with pointers to each; their
 * frames are 60 to 1514 bytes, about 4.8 MB in all. */
static __u8 *big_records(const struct ps_pcap_rec **ptrs, __u32 *lens, __u64 *ends)
{
	__u8 *area = malloc(BIG_RECS * (sizeof(struct ps_pcap_rec) + 1514)), *p = area;
	__u64 end = 24;

	assert_non_null(area);
	for (int i = 0; i < BIG_RECS; i++) {
		struct ps_pcap_rec h = { 1700000000, i, 0, 0 };

		lens[i] = 60 + (i * 7919u) % 1455;
		h.caplen = h.len = lens[i];
		memcpy(p, &h, sizeof(h));
		frame(p + sizeof(h), i, lens[i]);
		ptrs[i] = (const struct ps_pcap_rec *)p;
		p += sizeof(h) + lens[i];
		end += sizeof(h) + lens[i];
		ends[i] = end;
	}
	return area;
}

/* A file of several buffers' worth, written in batches with flushes
 * between some of them: every record arrives whole and in order. */
static void test_dio_large(void **state)
{
	static const struct ps_pcap_rec *ptrs[BIG_RECS];
	static __u32 lens[BIG_RECS];
	static __u64 ends[BIG_RECS];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u8 *area;

	mode(state);
	snprintf(path, sizeof(path), "%s/large.pcap", dir);
	area = big_records(ptrs, lens, ends);
	assert_true(ends[BIG_RECS - 1] > 2 * (2u << 20)); /* more than two buffers */
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	for (int i = 0; i < BIG_RECS; i += 700) {
		int n = BIG_RECS - i < 700 ? BIG_RECS - i : 700;

		assert_int_equal(ps_capfile_write_recs(cf, ptrs + i, n), 0);
		if (i % 1400 == 0)
			assert_int_equal(ps_capfile_flush(cf), 0);
	}
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	assert_int_equal(st.packets, BIG_RECS);
	assert_int_equal(st.write_errors, 0);
	assert_true(st.direct_io);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, ends[BIG_RECS - 1]);
	check_file(path, 0, BIG_RECS, lens);
	free(area);
}

/* Records of a pcap file, read back: their count (-1: no such file), and
 * each one's index in big_records(), which its time stamp's fraction
 * holds; its length and bytes must be that record's. */
static int file_records(const char *path, int *which, int max)
{
	size_t offs[MAX_FRAMES], len;
	__u8 *data, want[FRAME_MAX];
	int n;

	if (access(path, F_OK))
		return -1;
	n = read_pcap(path, &data, &len, offs);
	assert_true(n <= max);
	for (int i = 0; i < n; i++) {
		struct ps_pcap_rec h;
		int k = -1;

		memcpy(&h, data + offs[i], sizeof(h));
		k = h.ts_nsec;
		assert_true(k >= 0 && k < BIG_RECS);
		frame(want, k, h.caplen);
		assert_int_equal(h.caplen, 60 + (k * 7919u) % 1455);
		assert_memory_equal(data + offs[i] + sizeof(h), want, h.caplen);
		which[i] = k;
	}
	free(data);
	return n;
}

/* Sets RLIMIT_FSIZE's soft limit (0: back to what it was). */
static void fsize_limit(__u64 limit)
{
	static struct rlimit old;
	struct rlimit lim;

	if (!limit) {
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		return;
	}
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = limit;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

/* A direct write fails half-way (RLIMIT_FSIZE past the first buffer) while
 * the writes after it are in flight: held in the writer's queue until the
 * close waits for them.  The file goes on through the page cache, keeps
 * every record that fits whole, and counts each of the others as not
 * written. */
static void test_dio_fails_midway(void **state)
{
	static const struct ps_pcap_rec *ptrs[BIG_RECS];
	static __u32 lens[BIG_RECS];
	static __u64 ends[BIG_RECS];
	const __u64 limit = 3000000;
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u8 *area;
	int err, fit = 0;

	mode(state);
	snprintf(path, sizeof(path), "%s/midway.pcap", dir);
	area = big_records(ptrs, lens, ends);
	while (fit < BIG_RECS && ends[fit] <= limit)
		fit++;
	assert_true(fit > 0 && fit < BIG_RECS);
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	ps_capfile_hold_writes(cf, true);
	fsize_limit(limit);
	for (int i = 0; i < BIG_RECS; i += 1000)
		assert_int_equal(ps_capfile_write_recs(cf, ptrs + i, 1000), 0);
	/* Staged, two chunks queued, nothing written yet. */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	err = ps_capfile_close(cf, &st);
	fsize_limit(0);
	assert_int_equal(err, -EFBIG);
	assert_int_equal(st.packets, fit);
	assert_int_equal(st.write_errors, BIG_RECS - fit);
	assert_false(st.direct_io);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, ends[fit - 1]);
	check_file(path, 0, fit, lens);
	free(area);
}

/* The same failure, found while records are still coming: the file then
 * goes on through the page cache.  Whenever it is found, the file holds
 * whole records only, the first 'fit' ones first; each record is counted
 * once, written or not, and the file holds exactly those counted. */
static void test_dio_fails_while_writing(void **state)
{
	static const struct ps_pcap_rec *ptrs[BIG_RECS];
	static __u32 lens[BIG_RECS];
	static __u64 ends[BIG_RECS];
	static int which[BIG_RECS];
	const __u64 limit = 3000000;
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u8 *area;
	int err = 0, fit = 0, n;

	mode(state);
	snprintf(path, sizeof(path), "%s/while.pcap", dir);
	area = big_records(ptrs, lens, ends);
	while (fit < BIG_RECS && ends[fit] <= limit)
		fit++;
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	fsize_limit(limit);
	for (int i = 0; i < BIG_RECS; i += 100)
		err = ps_capfile_write_recs(cf, ptrs + i, 100) ?: err;
	err = ps_capfile_close(cf, &st) ?: err;
	fsize_limit(0);
	assert_int_equal(err, -EFBIG);
	n = file_records(path, which, BIG_RECS);
	assert_int_equal(n, st.packets);
	assert_int_equal(st.packets + st.write_errors, BIG_RECS);
	assert_true(n >= fit);
	for (int i = 0; i < n; i++)
		assert_int_equal(which[i], i < fit ? i : which[i]);
	for (int i = fit; i < n; i++)
		assert_true(which[i] > which[i - 1]);
	assert_int_equal(stat(path, &sb), 0);
	assert_true((__u64)sb.st_size <= limit);
	free(area);
}

/* Close waits for the writes in flight: held in the queue at close, they
 * are all in the file once it returns. */
static void test_dio_close_waits(void **state)
{
	static const struct ps_pcap_rec *ptrs[BIG_RECS];
	static __u32 lens[BIG_RECS];
	static __u64 ends[BIG_RECS];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u8 *area;

	mode(state);
	snprintf(path, sizeof(path), "%s/close.pcap", dir);
	area = big_records(ptrs, lens, ends);
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	ps_capfile_hold_writes(cf, true);
	assert_int_equal(ps_capfile_write_recs(cf, ptrs, BIG_RECS), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	assert_int_equal(st.packets, BIG_RECS);
	assert_int_equal(st.write_errors, 0);
	assert_true(st.direct_io);
	assert_int_equal(st.disk_waits, 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, ends[BIG_RECS - 1]);
	check_file(path, 0, BIG_RECS, lens);
	free(area);
}

/* -C and -G while the files before are still being written (held until
 * the close): each file is closed once written, and holds its records
 * whole and in order; together, every record once. */
static void test_dio_rotation_in_flight(void **state)
{
	static const struct ps_pcap_rec *ptrs[BIG_RECS];
	static __u32 lens[BIG_RECS];
	static __u64 ends[BIG_RECS];
	static int which[BIG_RECS];
	bool by_time = *(bool *)*state;
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	char pat[PATH_MAX], name[PATH_MAX + 32];
	struct ps_capfile_opts co = { .path = pat, .snaplen = 65535 };
	__u8 *area;
	int total = 0, files = 0, n;

	if (!dio_ok)
		skip();
	area = big_records(ptrs, lens, ends);
	if (by_time) {
		/* Three periods of 2000 records, about 1.6 MB each. */
		for (int i = 0; i < BIG_RECS; i++) {
			__u32 sec = 1700000000 + i / 2000;

			memcpy((__u8 *)ptrs[i] + offsetof(struct ps_pcap_rec, ts_sec), &sec, 4);
		}
		snprintf(pat, sizeof(pat), "%s/g-%%s.pcap", dir);
		co.rotate_secs = 1;
	} else {
		snprintf(pat, sizeof(pat), "%s/c.pcap", dir);
		co.rotate_bytes = 1500000;
	}
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	ps_capfile_hold_writes(cf, true);
	for (int i = 0; i < BIG_RECS; i += 500)
		assert_int_equal(ps_capfile_write_recs(cf, ptrs + i, 500), 0);
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	assert_int_equal(st.packets, BIG_RECS);
	assert_int_equal(st.write_errors, 0);
	assert_true(st.direct_io);
	for (;; files++) {
		if (by_time)
			snprintf(name, sizeof(name), "%s/g-%d.pcap", dir, 1700000000 + files);
		else if (files)
			snprintf(name, sizeof(name), "%s%d", pat, files);
		else
			snprintf(name, sizeof(name), "%s", pat);
		n = file_records(name, which, BIG_RECS);
		if (n < 0)
			break;
		assert_true(n > 0);
		for (int i = 0; i < n; i++)
			assert_int_equal(which[i], total + i);
		if (by_time)
			assert_int_equal(n, 2000);
		total += n;
	}
	assert_int_equal(total, BIG_RECS);
	assert_int_equal(files, st.files);
	assert_true(files >= 3);
	free(area);
}

/* -G with no time in the name: every period writes the same file again.
 * The period before is still being written when the next one opens it:
 * the new file must not get the old one's writes. */
static void test_dio_same_name_again(void **state)
{
	static const struct ps_pcap_rec *ptrs[BIG_RECS];
	static __u32 lens[BIG_RECS];
	static __u64 ends[BIG_RECS];
	static int which[BIG_RECS];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535, .rotate_secs = 1 };
	__u8 *area;
	int n;

	mode(state);
	snprintf(path, sizeof(path), "%s/same.pcap", dir);
	area = big_records(ptrs, lens, ends);
	/* 4000 records in the first period, 2000 in the next. */
	for (int i = 0; i < BIG_RECS; i++) {
		__u32 sec = 1700000000 + (i >= 4000);

		memcpy((__u8 *)ptrs[i] + offsetof(struct ps_pcap_rec, ts_sec), &sec, 4);
	}
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	/* The first record replaces the file opened at start-up (same name
	 * too); then the first period's writes are held. */
	assert_int_equal(ps_capfile_write_recs(cf, ptrs, 1), 0);
	ps_capfile_hold_writes(cf, true);
	assert_int_equal(ps_capfile_write_recs(cf, ptrs + 1, BIG_RECS - 1), 0);
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	assert_int_equal(st.packets, BIG_RECS);
	n = file_records(path, which, BIG_RECS);
	assert_int_equal(n, 2000);
	for (int i = 0; i < n; i++)
		assert_int_equal(which[i], 4000 + i);
	free(area);
}

/* The disk as the limit: writes held until the ring is full, so the
 * writer of the records has to wait for them.  The wait is counted and
 * timed, and so are the writes; nothing is lost. */
static void test_dio_disk_bound(void **state)
{
	static const struct ps_pcap_rec *ptrs[BIG_RECS];
	static __u32 lens[BIG_RECS];
	static __u64 ends[BIG_RECS];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u8 *area;
	__u64 size = 0;

	mode(state);
	snprintf(path, sizeof(path), "%s/bound.pcap", dir);
	area = big_records(ptrs, lens, ends);
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	ps_capfile_hold_writes(cf, true);
	/* 4.8 MB a round, five rounds: more than the 16 MiB ring. */
	for (int r = 0; r < 5; r++) {
		assert_int_equal(ps_capfile_write_recs(cf, ptrs, BIG_RECS), 0);
		size += ends[BIG_RECS - 1] - 24;
	}
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	size += 24;
	assert_int_equal(st.packets, 5 * BIG_RECS);
	assert_int_equal(st.write_errors, 0);
	assert_true(st.disk_waits >= 1);
	assert_true(st.disk_wait_ns > 0);
	assert_true(st.disk_write_bytes >= size);
	assert_true(st.disk_write_ns > 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, size);
	free(area);
}

/* A flush alone, with no sync or close after it, gets what waits to the
 * file while it stays open: a reader of a quiet capture sees the packets
 * (the wait is generous; the write takes milliseconds). */
static void test_dio_flush_reaches_reader(void **state)
{
	const struct ps_pcap_rec *ptrs[3];
	struct ps_capfile_stats st;
	struct ps_capfile *cf;
	struct rec recs[3];
	struct stat sb;
	char path[PATH_MAX];
	struct ps_capfile_opts co = { .path = path, .snaplen = 65535 };
	__u32 lens[3] = { 100, 200, 300 };
	int i;

	mode(state);
	snprintf(path, sizeof(path), "%s/reader.pcap", dir);
	for (i = 0; i < 3; i++) {
		recs[i].h = (struct ps_pcap_rec){ 1700000000, i, lens[i], lens[i] };
		frame(recs[i].data, i, lens[i]);
		ptrs[i] = &recs[i].h;
	}
	assert_int_equal(ps_capfile_open(&cf, &co), 0);
	assert_int_equal(ps_capfile_write_recs(cf, ptrs, 3), 0);
	assert_int_equal(ps_capfile_flush(cf), 0);
	for (i = 0; i < 500; i++) {
		if (!stat(path, &sb) && sb.st_size == 24 + 3 * 16 + 600)
			break;
		usleep(10000);
	}
	check_file(path, 0, 3, lens);
	assert_int_equal(ps_capfile_close(cf, &st), 0);
	check_file(path, 0, 3, lens);
}

static int setup(void **state)
{
	char probe[PATH_MAX];
	__u32 align;
	int fd;

	if (!mkdtemp(dir)) {
		fprintf(stderr, "# mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(probe, sizeof(probe), "%s/probe", dir);
	fd = open(probe, O_WRONLY | O_CREAT, 0600);
	dio_ok = fd >= 0 && !ps_dio_enable(fd, &align);
	if (fd >= 0)
		close(fd);
	unlink(probe);
	/* RLIMIT_FSIZE makes a write fail, not kill the test. */
	signal(SIGXFSZ, SIG_IGN);
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
	static const struct {
		CMUnitTestFunction fn;
		const char *name;
	} both[] = {
		{ test_wrap, "batch_across_ring_wrap" },
		{ test_limit_mid_batch, "limit_mid_batch" },
		{ test_size_rotation_splits_batch, "size_rotation_splits_batch" },
		{ test_time_rotation_splits_batch, "time_rotation_splits_batch" },
		{ test_short_write_truncated, "short_write_truncated" },
	};
	struct CMUnitTest tests[32];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		add_test(tests, &n, both[i].fn, &direct_on, "%s/direct_io", both[i].name);
		add_test(tests, &n, both[i].fn, &direct_off, "%s/page_cache", both[i].name);
	}
	add_test(tests, &n, test_errors_counted, NULL, "write_errors_counted");
	add_test(tests, &n, test_dio_flush, &direct_on, "direct_io_flush");
	add_test(tests, &n, test_dio_large, &direct_on, "direct_io_several_buffers");
	add_test(tests, &n, test_dio_fails_midway, &direct_on, "direct_io_fails_midway");
	add_test(tests, &n, test_dio_fails_while_writing, &direct_on,
		 "direct_io_fails_while_writing");
	add_test(tests, &n, test_dio_close_waits, &direct_on, "direct_io_close_waits");
	/* Its state: by time (-G), or by size (-C). */
	add_test(tests, &n, test_dio_rotation_in_flight, &direct_off,
		 "direct_io_size_rotation_in_flight");
	add_test(tests, &n, test_dio_rotation_in_flight, &direct_on,
		 "direct_io_time_rotation_in_flight");
	add_test(tests, &n, test_dio_same_name_again, &direct_on, "direct_io_same_name_again");
	add_test(tests, &n, test_dio_disk_bound, &direct_on, "direct_io_disk_bound");
	add_test(tests, &n, test_dio_flush_reaches_reader, &direct_on,
		 "direct_io_flush_reaches_reader");
	return _cmocka_run_group_tests("ringcap", tests, n, setup, teardown);
}
