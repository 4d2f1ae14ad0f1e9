// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
/* libpcap's struct bpf_insn (classic) under another name: the kernel's
 * (eBPF) is the one <linux/bpf.h> gave. */
#define bpf_insn pcap_insn
#include <pcap/pcap.h>
#undef bpf_insn
#include "filter.h"
#include "testrun.h"
#include "pkt.h"
#include "filter_check.h"

/* The largest frame an skb test run takes (a page less head and tail
 * room), as tests/unit/test_filter.c found. */
#define SKB_RUN_MAX 3520
#define STORE_CAP (512u << 10)

static const struct {
	const char *name;
	enum ps_filter_target target;
	unsigned int flags;
} variants[FC_MAX] = {
	[FC_XDP] = { "xdp", PS_FILTER_XDP, 0 },
	[FC_XDP_SLOW] = { "xdp_slow", PS_FILTER_XDP, PS_FILTER_F_SLOW_LOADS },
	[FC_TC] = { "tc", PS_FILTER_TC, 0 },
	[FC_TC_SLOW] = { "tc_slow", PS_FILTER_TC, PS_FILTER_F_SLOW_LOADS },
	[FC_TC_WIRE] = { "tc_wire", PS_FILTER_TC, PS_FILTER_F_WIRE_LEN },
	[FC_SOCKET] = { "socket", PS_FILTER_SOCKET, 0 },
};

static uint8_t *store_take(struct fc_frames *fs, size_t n)
{
	uint8_t *p;

	if (!fs->store) {
		fs->store = malloc(STORE_CAP);
		if (!fs->store)
			abort();
		fs->cap = STORE_CAP;
	}
	if (n > fs->cap - fs->used)
		return NULL;
	p = fs->store + fs->used;
	fs->used += n;
	return p;
}

static void add(struct fc_frames *fs, const uint8_t *d, uint32_t len, uint32_t wire,
		const char *name)
{
	struct fc_frame *f;

	if (fs->n == sizeof(fs->f) / sizeof(fs->f[0]))
		return;
	f = &fs->f[fs->n++];
	f->data = d;
	f->len = len;
	f->wire = wire < len ? len : wire;
	snprintf(f->name, sizeof(f->name), "%s", name);
}

void fc_frames_build(struct fc_frames *fs, struct fz *f, uint32_t max_len)
{
	const struct pkt_case *cases;
	size_t ncases, nbase;
	const uint8_t *p;
	char name[48];

	fs->n = 0;
	fs->used = 0;
	cases = pkt_cases(&ncases);
	if (!cases)
		abort();
	nbase = 12 + fz_u8(f) % 48;
	for (size_t i = 0; i < nbase; i++) {
		const struct pkt_case *c = &cases[fz_u16(f) % ncases];
		uint32_t len = c->len > max_len ? max_len : c->len;
		uint8_t how = fz_u8(f) % 8, *copy;

		if (how < 4) {
			/* As crafted. */
			add(fs, c->data, len, len, c->name);
		} else if (how < 6) {
			/* Cut short, at a layer's end or anywhere. */
			uint32_t cut = c->lay.n && how == 4 ? c->lay.b[fz_u8(f) % c->lay.n].end :
							     fz_range(f, 0, len);

			snprintf(name, sizeof(name), "%.32s/cut%u", c->name, cut);
			add(fs, c->data, cut < len ? cut : len, c->len, name);
		} else {
			/* A few bytes changed. */
			unsigned int k = 1 + fz_u8(f) % 6;

			copy = store_take(fs, len);
			if (!copy || !len)
				continue;
			memcpy(copy, c->data, len);
			for (unsigned int j = 0; j < k; j++)
				copy[fz_u16(f) % len] = fz_u8(f);
			snprintf(name, sizeof(name), "%.32s/changed", c->name);
			add(fs, copy, len, len, name);
		}
	}
	/* What is left of the input: a frame of its own. */
	if (f->n) {
		size_t n = fz_take(f, max_len < 1600 ? max_len : 1600, &p);
		uint8_t *copy = store_take(fs, n);

		if (copy) {
			memcpy(copy, p, n);
			add(fs, copy, n, n, "input");
		}
	}
}

void fc_frames_free(struct fc_frames *fs)
{
	free(fs->store);
	fs->store = NULL;
}

int fc_has_backjump(const struct bpf_program *prog)
{
	for (unsigned int i = 0; i < prog->bf_len; i++)
		if (prog->bf_insns[i].code == (BPF_JMP | BPF_JA) && (int32_t)prog->bf_insns[i].k < 0)
			return 1;
	return 0;
}

/* A program that can loop runs bpf_filter() under a timer of its own (not
 * SIGALRM: libFuzzer's -timeout has it); the interpreter touches nothing
 * but the frame and its stack, so leaving it from the handler is safe. */
static sigjmp_buf peer_jmp;
static timer_t peer_timer;
static bool peer_timer_made;

static void peer_timeout(int sig)
{
	siglongjmp(peer_jmp, 1);
}

/* bpf_filter() on one frame, given 5 ms when the program can loop
 * (libpcap 1.10 can loop for ever on protochain).  *hang: it did not
 * return. */
static uint32_t peer(const struct bpf_program *p, int guard, const uint8_t *d, uint32_t wire,
		     uint32_t len, int *hang)
{
	struct itimerspec arm = { .it_value.tv_nsec = 5 * 1000000 }, off = {};
	volatile uint32_t v = 0;

	*hang = 0;
	if (!guard)
		return bpf_filter(p->bf_insns, d, wire, len);
	if (!peer_timer_made) {
		struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 1 };
		struct sigaction sa = { .sa_handler = peer_timeout };

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGRTMIN + 1, &sa, NULL) ||
		    timer_create(CLOCK_MONOTONIC, &ev, &peer_timer))
			fz_fail("timer: %s", strerror(errno));
		peer_timer_made = true;
	}
	if (sigsetjmp(peer_jmp, 1)) {
		*hang = 1;
		return 0;
	}
	timer_settime(peer_timer, 0, &arm, NULL);
	v = bpf_filter(p->bf_insns, d, wire, len);
	timer_settime(peer_timer, 0, &off, NULL);
	return v;
}

static bool skb_run_refuses(const uint8_t *d, uint32_t len)
{
	uint16_t type;

	if (len < 14)
		return true;
	type = d[12] << 8 | d[13];
	return (type == 0x0800 && len < 14 + 20) || (type == 0x86dd && len < 14 + 40);
}

/* One frame through one variant: 1 with *ret, 0 when a test run cannot
 * deliver it to that hook. */
static int run(enum fc_variant v, int fd, const struct fc_frame *f, uint32_t *ret)
{
	static uint8_t buf[SKB_RUN_MAX + 14];
	struct ps_run_result res = {};
	int err;

	switch (variants[v].target) {
	case PS_FILTER_XDP:
		if (f->len < 14)
			return 0;
		err = ps_run(fd, f->data, f->len, NULL, 0, 1, &res);
		break;
	case PS_FILTER_TC: {
		/* Without a context a test run leaves wire_len at 0. */
		struct __sk_buff ctx = { .wire_len = v == FC_TC_WIRE ? f->wire : f->len };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data, .data_size_in = f->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

		if (f->len < 14 || f->len > SKB_RUN_MAX)
			return 0;
		err = bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
		res.retval = o.retval;
		if (err == -EINVAL && skb_run_refuses(f->data, f->len))
			return 0;
		break;
	}
	default:
		if (f->len + 14 > SKB_RUN_MAX)
			return 0;
		/* A local experimental EtherType: the kernel looks no further. */
		memset(buf, 0x02, 12);
		buf[12] = 0x88;
		buf[13] = 0xb5;
		memcpy(buf + 14, f->data, f->len);
		err = ps_run(fd, buf, f->len + 14, NULL, 0, 1, &res);
	}
	if (err)
		fz_fail("%s: the test run of frame %s (%u bytes) failed: %s", variants[v].name,
			f->name, f->len, strerror(-err));
	*ret = res.retval;
	return 1;
}

static char vlog[1 << 20];
unsigned long fc_too_big;

unsigned long fc_check(const struct bpf_program *prog, unsigned int mask,
		       const struct fc_frames *fs, const char *what)
{
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	size_t nepi = ps_filter_epilogue_return(epi);
	int fds[FC_MAX], guard = fc_has_backjump(prog);
	unsigned long runs = 0;

	for (int v = 0; v < FC_MAX; v++) {
		struct ps_filter_opts o = { .flags = variants[v].flags, .log_buf = vlog,
					    .log_size = sizeof(vlog) };
		int err;

		fds[v] = -1;
		if (!(mask & 1u << v))
			continue;
		vlog[0] = '\0';
		err = ps_filter_load_opts(prog, variants[v].target, epi, nepi, &o, &fds[v]);
		/* Too large for eBPF's jumps, or more paths than the verifier
		 * explores: a limit pktscope states in one line (the filter is
		 * refused, never run wrong).  The other variants still run. */
		if (err == -E2BIG) {
			fc_too_big++;
			continue;
		}
		if (err) {
			size_t l = strlen(vlog);

			fprintf(stderr, "classic program:\n");
			for (unsigned int i = 0; i < prog->bf_len; i++)
				fprintf(stderr, "  %s\n", bpf_image(&prog->bf_insns[i], i));
			fprintf(stderr, "verifier log tail:\n%s\n", vlog + (l > 4000 ? l - 4000 : 0));
			fz_fail("%s: %u classic insns do not load for %s: %s", what, prog->bf_len,
				variants[v].name, strerror(-err));
		}
	}
	for (size_t i = 0; i < fs->n; i++) {
		const struct fc_frame *f = &fs->f[i];
		uint32_t whole, cut = 0, got;
		int hang_whole, hang_cut = 0;

		/* As the hooks see it: held bytes, as long as it is; and for
		 * tc_wire as long as it was on the wire. */
		whole = peer(prog, guard, f->data, f->len, f->len, &hang_whole);
		if (mask & 1u << FC_TC_WIRE)
			cut = peer(prog, guard, f->data, f->wire, f->len, &hang_cut);
		for (int v = 0; v < FC_MAX; v++) {
			uint32_t want = v == FC_TC_WIRE ? cut : whole;
			int hang = v == FC_TC_WIRE ? hang_cut : hang_whole;

			if (fds[v] < 0 || !run(v, fds[v], f, &got))
				continue;
			runs++;
			/* libpcap never ends: any verdict will do (the
			 * translation stops after PS_FILTER_MAX_BACKJUMPS). */
			if (hang || got == want)
				continue;
			fprintf(stderr, "classic program:\n");
			for (unsigned int k = 0; k < prog->bf_len; k++)
				fprintf(stderr, "  %s\n", bpf_image(&prog->bf_insns[k], k));
			fz_fail("%s: frame %s (%u of %u bytes: %s): %s gives %u, bpf_filter %u", what,
				f->name, f->len, f->wire, fz_hex(f->data, f->len), variants[v].name,
				got, want);
		}
	}
	for (int v = 0; v < FC_MAX; v++)
		if (fds[v] >= 0)
			close(fds[v]);
	return runs;
}
