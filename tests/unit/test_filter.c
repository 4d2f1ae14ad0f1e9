// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cBPF-to-eBPF translation (src/filter/filter.c) against libpcap's own
 * interpreter, bpf_filter(): the code `tcpdump -r` runs.  Every check runs
 * the translated program in the kernel with BPF_PROG_TEST_RUN and compares
 * the value it returns with bpf_filter()'s on the same bytes, exactly (the
 * programs here end in the "return the verdict" epilogue, so the snap
 * length comes back, not just accept/reject).
 *
 * Variants of the translation run side by side:
 *	xdp        XDP, xdp.frags: direct reads, bpf_xdp_load_bytes() beyond
 *	xdp_slow   XDP, every load through bpf_xdp_load_bytes()
 *	tc         SCHED_CLS: direct reads, bpf_skb_load_bytes() beyond
 *	tc_slow    SCHED_CLS, every load through bpf_skb_load_bytes()
 *	socket     SOCKET_FILTER (a test run puts skb->data after a 14-byte
 *	           header: the frame goes behind one, as an AF_PACKET socket
 *	           sees it)
 *
 * Needs root (CAP_BPF, CAP_NET_ADMIN); nothing is attached.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/filter.h>
#include <linux/sockios.h>
#include <cmocka.h>
#include "cmtest.h"
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
/* libpcap's struct bpf_insn (classic) under another name: the kernel's
 * (eBPF) is the one <linux/bpf.h> gave. */
#define bpf_insn pcap_insn
#include <pcap/pcap.h>
#undef bpf_insn
#include "filter.h"
#include "testrun.h"
#include "log.h"
#include "pkt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The largest frame an skb test run takes (one page less head and tail
 * room), and the largest linear XDP one; beyond it XDP goes multi-buffer. */
#define SKB_RUN_MAX 3520
#define XDP_LINEAR_MAX 3520
#define BIG_MAX 70000

enum variant_id { V_XDP, V_XDP_SLOW, V_TC, V_TC_SLOW, V_SOCKET, V_MAX };

struct variant {
	const char *name;
	enum ps_filter_target target;
	unsigned int flags;
};

static const struct variant variants[V_MAX] = {
	[V_XDP] = { "xdp", PS_FILTER_XDP, 0 },
	[V_XDP_SLOW] = { "xdp_slow", PS_FILTER_XDP, PS_FILTER_F_SLOW_LOADS },
	[V_TC] = { "tc", PS_FILTER_TC, 0 },
	[V_TC_SLOW] = { "tc_slow", PS_FILTER_TC, PS_FILTER_F_SLOW_LOADS },
	[V_SOCKET] = { "socket", PS_FILTER_SOCKET, 0 },
};

static char vlog[1 << 20];

/* ---- frames ---- */

struct frame {
	char name[96];
	const uint8_t *data;
	uint32_t len;  /* bytes there are (caplen) */
	uint32_t wire; /* bytes the frame had (wirelen) */
};

struct frames {
	struct frame *f;
	size_t n, cap;
};

static void frames_add(struct frames *fs, const char *name, const uint8_t *data,
		       uint32_t len, uint32_t wire)
{
	struct frame *f;

	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 256;
		fs->f = realloc(fs->f, fs->cap * sizeof(*fs->f));
		if (!fs->f)
			abort();
	}
	f = &fs->f[fs->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->data = data;
	f->len = len;
	f->wire = wire;
}

static struct frames corpus;  /* crafted packets, their cuts, random ones */
static struct frames pattern; /* patterned bytes at many lengths */
static struct frames alu_frames; /* A at [14], X at [18] */

static const uint32_t interesting[] = {
	0, 1, 2, 3, 7, 31, 32, 33, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
	0x12345678, 0xdeadbeef,
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * Frames for the expressions nothing else in the corpus matches: every
 * expression keeps some frame (test_expression checks it), so that its
 * comparison with bpf_filter() covers an accepted frame, not only rejects.
 */
static void add_keepers(void)
{
	static struct pkt k[5];
	static const uint8_t dns[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };
	static const char get[] = "GET / HTTP/1.0\r\n";
	static const uint8_t doc1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t doc2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

	/* UDP to 192.168.1.1:53, payload 0x1234...; from port 2, for
	 * 'udp[0:2] * 2 / 3 % 7 = 1' (libpcap's grammar binds % tighter than
	 * * and /: udp[0:2] * 2 / (3 % 7) = 1). */
	pkt_init(&k[0]);
	pkt_eth(&k[0]);
	pkt_ipv4(&k[0], 64);
	memcpy(k[0].data + k[0].ip_off + 16, (uint8_t[]){ 192, 168, 1, 1 }, 4);
	pkt_udp(&k[0], 2, 53);
	pkt_bytes(&k[0], dns, sizeof(dns));
	/* An ARP request to the broadcast address. */
	pkt_init(&k[1]);
	pkt_eth(&k[1]);
	memset(k[1].data, 0xff, 6);
	pkt_arp(&k[1], 1);
	/* All-zero Ethernet addresses. */
	pkt_init(&k[2]);
	pkt_eth(&k[2]);
	memset(k[2].data, 0, 12);
	pkt_ipv4(&k[2], 64);
	pkt_udp(&k[2], 40000, 40001);
	pkt_payload(&k[2], 8);
	/* An HTTP request over IPv4 ("GET " where tcp[] reads the payload),
	 * and over IPv6 between documentation addresses. */
	pkt_init(&k[3]);
	pkt_eth(&k[3]);
	pkt_ipv4(&k[3], 64);
	pkt_tcp(&k[3], 40000, 80, 0x18);
	pkt_bytes(&k[3], get, sizeof(get) - 1);
	pkt_init(&k[4]);
	pkt_eth(&k[4]);
	pkt_ipv6(&k[4], 64);
	memcpy(k[4].data + k[4].ip_off + 8, doc1, 16);
	memcpy(k[4].data + k[4].ip_off + 24, doc2, 16);
	pkt_tcp(&k[4], 40000, 80, 0x18);
	pkt_bytes(&k[4], get, sizeof(get) - 1);
	for (size_t i = 0; i < ARRAY_SIZE(k); i++) {
		char name[32];

		if (pkt_finish(&k[i], 60))
			abort();
		snprintf(name, sizeof(name), "keeper%zu", i);
		frames_add(&corpus, name, k[i].data, k[i].len, k[i].len);
	}
}

static void build_frames(void)
{
	static const uint32_t cuts[] = { 6, 12, 13, 14, 15, 18, 20, 23, 24, 30, 34, 38, 42, 54, 58 };
	static const uint32_t plens[] = {
		14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 30, 31, 32, 33, 34, 59, 60, 61,
		62, 63, 64, 65, 100, 255, 256, 1000, 1499, 1500, 1501, 3000, 3519, 3520,
		3521, 4095, 4096, 4097, 5000, 9000, 16000,
	};
	const struct pkt_case *cases;
	size_t ncases;
	uint8_t *big;
	char name[96];
	uint64_t seed = 42;

	cases = pkt_cases(&ncases);
	for (size_t i = 0; i < ncases; i++) {
		const struct pkt_case *c = &cases[i];
		uint32_t seen[64];
		int nseen = 0;

		frames_add(&corpus, c->name, c->data, c->len, c->len);
		/* Cut-short copies: at fixed lengths, at every layer boundary
		 * and just before it, at half and at one byte short. */
		uint32_t want[64];
		int nw = 0;

		for (size_t j = 0; j < ARRAY_SIZE(cuts); j++)
			want[nw++] = cuts[j];
		for (int j = 0; j < c->lay.n && nw < 60; j++) {
			want[nw++] = c->lay.b[j].end;
			want[nw++] = c->lay.b[j].end - 1;
		}
		want[nw++] = c->len / 2;
		want[nw++] = c->len - 1;
		for (int j = 0; j < nw; j++) {
			bool dup = false;

			if (want[j] >= c->len || c->len == 0)
				continue;
			for (int k = 0; k < nseen; k++)
				dup |= seen[k] == want[j];
			if (dup)
				continue;
			seen[nseen++] = want[j];
			snprintf(name, sizeof(name), "%s/cut%u", c->name, want[j]);
			frames_add(&corpus, name, c->data, want[j], want[j]);
		}
	}
	for (int i = 0; i < 200; i++) {
		struct pkt *p = malloc(sizeof(*p));
		uint8_t *d;

		if (!p)
			abort();
		pkt_random(p, &seed);
		d = malloc(p->len);
		if (!d)
			abort();
		memcpy(d, p->data, p->len);
		snprintf(name, sizeof(name), "random%03d", i);
		frames_add(&corpus, name, d, p->len, p->len);
		free(p);
	}

	add_keepers();

	/* Patterned frames: byte i is a function of i, never two alike in a
	 * row, so a load at a wrong offset shows. */
	big = malloc(BIG_MAX);
	if (!big)
		abort();
	for (uint32_t i = 0; i < BIG_MAX; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8) + 1);
	for (size_t j = 0; j < ARRAY_SIZE(plens); j++) {
		snprintf(name, sizeof(name), "pattern%u", plens[j]);
		frames_add(&pattern, name, big, plens[j], plens[j]);
	}

	/* A and X operands: every pair of interesting values. */
	for (size_t a = 0; a < ARRAY_SIZE(interesting); a++) {
		for (size_t x = 0; x < ARRAY_SIZE(interesting); x++) {
			uint8_t *d = calloc(1, 60);

			if (!d)
				abort();
			memset(d, 0xee, 14);
			put32(d + 14, interesting[a]);
			put32(d + 18, interesting[x]);
			snprintf(name, sizeof(name), "A=%#x,X=%#x", interesting[a], interesting[x]);
			frames_add(&alu_frames, name, d, 60, 60);
		}
	}
}

/* ---- running ---- */

/* A TC test run refuses some frames before the program runs (see
 * test_datapath.c): under ETH_HLEN, and IPv4/IPv6 EtherTypes shorter than
 * the fixed IP header.  The socket variant still runs those. */
static bool skb_run_refuses(const uint8_t *d, uint32_t len)
{
	uint16_t type;

	if (len < 14)
		return true;
	type = d[12] << 8 | d[13];
	return (type == 0x0800 && len < 14 + 20) || (type == 0x86dd && len < 14 + 40);
}

enum { RUN_OK = 0, RUN_SKIP = 1 };

/*
 * Runs one frame through a loaded variant: *ret is the program's return
 * value.  RUN_SKIP when a test run cannot deliver the frame to this hook.
 * TC with a wire length above the caplen passes it in the context.
 */
static int run_frame(enum variant_id v, int fd, const struct frame *f, uint32_t *ret)
{
	static uint8_t buf[SKB_RUN_MAX + 14];
	struct ps_run_result res = {};
	int err;

	switch (variants[v].target) {
	case PS_FILTER_XDP:
		if (f->len < 14)
			return RUN_SKIP;
		err = ps_run(fd, f->data, f->len, NULL, 0, 1, &res);
		break;
	case PS_FILTER_TC:
		if (f->len > SKB_RUN_MAX)
			return RUN_SKIP;
		if (f->len < 14)
			return RUN_SKIP;
		{
			/* Without a context a test run leaves wire_len at 0
			 * (live TC sets it to skb->len). */
			struct __sk_buff ctx = { .wire_len = f->wire };
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->data,
				    .data_size_in = f->len, .ctx_in = &ctx,
				    .ctx_size_in = sizeof(ctx), .repeat = 1);

			err = bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
			res.retval = o.retval;
		}
		if (err == -EINVAL && skb_run_refuses(f->data, f->len))
			return RUN_SKIP;
		break;
	default:
		if (f->len + 14 > SKB_RUN_MAX)
			return RUN_SKIP;
		/* A made-up EtherType (local experimental): the kernel looks
		 * at nothing past it. */
		memset(buf, 0x02, 12);
		buf[12] = 0x88;
		buf[13] = 0xb5;
		memcpy(buf + 14, f->data, f->len);
		err = ps_run(fd, buf, f->len + 14, NULL, 0, 1, &res);
		break;
	}
	if (err)
		fail_msg("%s: test run of %s (%u bytes) failed: %s", variants[v].name, f->name,
			 f->len, strerror(-err));
	*ret = res.retval;
	return RUN_OK;
}

static bool has_backjump(const struct bpf_program *p)
{
	for (unsigned int i = 0; i < p->bf_len; i++)
		if (p->bf_insns[i].code == (BPF_JMP | BPF_JA) && (int32_t)p->bf_insns[i].k < 0)
			return true;
	return false;
}

/*
 * bpf_filter() on one frame.  A program with backward jumps (protochain)
 * can loop for ever in libpcap 1.10's interpreter: it runs in a child that
 * gets two seconds; *hang says it never returned.
 */
static uint32_t peer(const struct bpf_program *p, bool guard, const struct frame *f, bool *hang)
{
	int fds[2], status;
	uint32_t v = 0;
	pid_t pid;

	*hang = false;
	if (!guard)
		return ps_filter_interpret(p, f->data, f->wire, f->len);
	if (pipe(fds))
		fail_msg("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		alarm(2);
		v = ps_filter_interpret(p, f->data, f->wire, f->len);
		if (write(fds[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &v, sizeof(v)) != sizeof(v))
		*hang = true;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return v;
}

static int load_variant(const struct bpf_program *p, enum variant_id v, int *fd)
{
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	struct ps_filter_opts o = {
		.flags = variants[v].flags,
		.log_buf = vlog,
		.log_size = sizeof(vlog),
	};
	size_t n = ps_filter_epilogue_return(epi);
	int err;

	vlog[0] = '\0';
	err = ps_filter_load_opts(p, variants[v].target, epi, n, &o, fd);
	if (err) {
		size_t l = strlen(vlog);

		/* The end of the log says why. */
		print_error("%s: load failed (%s); verifier log tail:\n%s\n", variants[v].name,
			    strerror(-err), vlog + (l > 3000 ? l - 3000 : 0));
	}
	return err;
}

struct tally {
	unsigned long runs, skipped, mismatches, hangs;
	unsigned long accepted; /* frames bpf_filter() accepts that some variant ran */
};

/*
 * Loads 'p' for every variant in 'mask' and compares each frame of 'fs'
 * with bpf_filter().  Prints the first mismatches; returns their number.
 */
static unsigned long compare(const char *what, const struct bpf_program *p,
			     const struct frames *fs, unsigned int mask, struct tally *t)
{
	int fds[V_MAX];
	bool guard = has_backjump(p);
	unsigned long bad = 0;

	for (int v = 0; v < V_MAX; v++) {
		fds[v] = -1;
		if (!(mask & 1u << v))
			continue;
		if (load_variant(p, v, &fds[v]))
			fail_msg("%s: cannot load for %s", what, variants[v].name);
	}
	for (size_t i = 0; i < fs->n; i++) {
		const struct frame *f = &fs->f[i];
		bool hang, ran = false;
		uint32_t want = peer(p, guard, f, &hang), got;

		if (hang)
			t->hangs++;
		for (int v = 0; v < V_MAX; v++) {
			if (fds[v] < 0)
				continue;
			if (run_frame(v, fds[v], f, &got) == RUN_SKIP) {
				t->skipped++;
				continue;
			}
			t->runs++;
			ran = true;
			/* libpcap never ends: any verdict will do (ours ends
			 * after PS_FILTER_MAX_BACKJUMPS). */
			if (hang || got == want)
				continue;
			if (++bad <= 20)
				print_error("MISMATCH %s | frame %s (%u of %u bytes) | %s: eBPF %u, "
					    "bpf_filter %u\n", what, f->name, f->len, f->wire,
					    variants[v].name, got, want);
		}
		/* Accepted by libpcap, and run by some variant: compared. */
		if (want && !hang && ran)
			t->accepted++;
	}
	for (int v = 0; v < V_MAX; v++)
		if (fds[v] >= 0)
			close(fds[v]);
	t->mismatches += bad;
	return bad;
}

#define ALL_VARIANTS ((1u << V_MAX) - 1)

/* ---- classic programs by hand ---- */

#define S(code, k) ((struct pcap_insn)BPF_STMT(code, k))
#define J(code, k, jt, jf) ((struct pcap_insn)BPF_JUMP(code, k, jt, jf))

struct prog {
	char name[96];
	struct pcap_insn insns[128];
	unsigned int n;
};

static void prog_init(struct prog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void prog_init(struct prog *p, const char *fmt, ...)
{
	va_list ap;

	memset(p, 0, sizeof(*p));
	va_start(ap, fmt);
	vsnprintf(p->name, sizeof(p->name), fmt, ap);
	va_end(ap);
}

static void add(struct prog *p, struct pcap_insn i)
{
	assert_true(p->n < ARRAY_SIZE(p->insns));
	p->insns[p->n++] = i;
}

static unsigned long check_prog(struct prog *p, const struct frames *fs, struct tally *t)
{
	struct bpf_program bp = { .bf_len = p->n, .bf_insns = p->insns };

	return compare(p->name, &bp, fs, ALL_VARIANTS, t);
}

static void report(const char *what, const struct tally *t, unsigned long progs)
{
	print_message("# %s: %lu programs, %lu runs compared, %lu skipped (frames a test run "
		      "cannot deliver to that hook), %lu mismatches\n",
		      what, progs, t->runs, t->skipped, t->mismatches);
	if (t->mismatches)
		fail_msg("%s: %lu mismatches (above)", what, t->mismatches);
}

static void test_ret(void **state)
{
	static const uint32_t ks[] = { 0, 1, 96, 262144, 0x7fffffff, 0x80000000, 0xffffffff };
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ks); i++) {
		prog_init(&p, "ret #%#x", ks[i]);
		add(&p, S(BPF_RET | BPF_K, ks[i]));
		check_prog(&p, &pattern, &t), n++;
		prog_init(&p, "ld #%#x; ret a", ks[i]);
		add(&p, S(BPF_LD | BPF_IMM, ks[i]));
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &pattern, &t), n++;
		prog_init(&p, "ldx #%#x; txa; ret a", ks[i]);
		add(&p, S(BPF_LDX | BPF_IMM, ks[i]));
		add(&p, S(BPF_MISC | BPF_TXA, 0));
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &pattern, &t), n++;
		prog_init(&p, "ld #%#x; tax; ld #5; txa; ret a", ks[i]);
		add(&p, S(BPF_LD | BPF_IMM, ks[i]));
		add(&p, S(BPF_MISC | BPF_TAX, 0));
		add(&p, S(BPF_LD | BPF_IMM, 5));
		add(&p, S(BPF_MISC | BPF_TXA, 0));
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &pattern, &t), n++;
	}
	/* A and X start at 0. */
	prog_init(&p, "ret a (A never set)");
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &pattern, &t), n++;
	prog_init(&p, "txa; add #9; ret a (X never set)");
	add(&p, S(BPF_MISC | BPF_TXA, 0));
	add(&p, S(BPF_ALU | BPF_ADD | BPF_K, 9));
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &pattern, &t), n++;
	report("ret/tax/txa/imm", &t, n);
}

static const uint32_t load_offsets[] = {
	0, 1, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 30, 56, 57, 58, 59, 60, 61, 62, 63,
	64, 96, 254, 255, 256, 1496, 1497, 1498, 1499, 1500, 2999, 3516, 3517, 3518, 3519,
	3520, 4092, 4093, 4094, 4095, 4096, 4097, 4999, 8999, 15996, 15999, 16000, 0x7fff,
	0x8000, 0xfefe, 0xff00, 0xfffe, 0xffff, 0x10000, 0x7ffffffe, 0x7fffffff, 0x80000000,
	0xfffffffc, 0xfffffffe, 0xffffffff,
};

static const int sizes[] = { BPF_B, BPF_H, BPF_W };

static const char *size_name(int s)
{
	return s == BPF_B ? "b" : s == BPF_H ? "h" : "w";
}

/* ld [k] at every width, and at every offset around the frames' ends: the
 * value, and whether the load passed ("ld [k]; ld #7; ret a"). */
static void test_ld_abs(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (size_t i = 0; i < ARRAY_SIZE(load_offsets); i++) {
			uint32_t k = load_offsets[i];

			prog_init(&p, "ld%s [%u]; ret a", size_name(sizes[s]), k);
			add(&p, S(BPF_LD | sizes[s] | BPF_ABS, k));
			add(&p, S(BPF_RET | BPF_A, 0));
			check_prog(&p, &pattern, &t), n++;
			prog_init(&p, "ld%s [%u]; ld #7; ret a", size_name(sizes[s]), k);
			add(&p, S(BPF_LD | sizes[s] | BPF_ABS, k));
			add(&p, S(BPF_LD | BPF_IMM, 7));
			add(&p, S(BPF_RET | BPF_A, 0));
			check_prog(&p, &pattern, &t), n++;
		}
	}
	report("ld abs", &t, n);
}

/* ld [x + k]: X + k past 2^32 must not wrap to the start of the frame. */
static void test_ld_ind(void **state)
{
	static const uint32_t xs[] = { 0, 1, 14, 46, 60, 3000, 0xfeff, 0xffff, 0x10000,
				       0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
	static const uint32_t ks[] = { 0, 1, 2, 14, 16, 3000, 0xff00, 0x7fffffff, 0x80000000,
				       0xffffffff };
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (size_t i = 0; i < ARRAY_SIZE(xs); i++) {
			for (size_t j = 0; j < ARRAY_SIZE(ks); j++) {
				prog_init(&p, "ldx #%#x; ld%s [x + %#x]; lsh #1; or #1; ret a",
					  xs[i], size_name(sizes[s]), ks[j]);
				add(&p, S(BPF_LDX | BPF_IMM, xs[i]));
				add(&p, S(BPF_LD | sizes[s] | BPF_IND, ks[j]));
				/* value and "passed" at once: A * 2 + 1 is never
				 * 0, so a pass never reads as a reject */
				add(&p, S(BPF_ALU | BPF_LSH | BPF_K, 1));
				add(&p, S(BPF_ALU | BPF_OR | BPF_K, 1));
				add(&p, S(BPF_RET | BPF_A, 0));
				check_prog(&p, &pattern, &t), n++;
			}
		}
	}
	/* X from the frame itself, as libpcap uses it (header lengths). */
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		prog_init(&p, "ldxb 4*([14]&0xf); ld%s [x + 14]; ret a|1", size_name(sizes[s]));
		add(&p, S(BPF_LDX | BPF_MSH | BPF_B, 14));
		add(&p, S(BPF_LD | sizes[s] | BPF_IND, 14));
		add(&p, S(BPF_ALU | BPF_OR | BPF_K, 1));
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &corpus, &t), n++;
	}
	report("ld ind", &t, n);
}

static void test_ldx_msh(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(load_offsets); i++) {
		uint32_t k = load_offsets[i];

		prog_init(&p, "ldxb 4*([%u]&0xf); txa; add #1; ret a", k);
		add(&p, S(BPF_LDX | BPF_MSH | BPF_B, k));
		add(&p, S(BPF_MISC | BPF_TXA, 0));
		add(&p, S(BPF_ALU | BPF_ADD | BPF_K, 1));
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &pattern, &t), n++;
	}
	report("ldx msh", &t, n);
}

static void test_len(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	prog_init(&p, "ld len; ret a");
	add(&p, S(BPF_LD | BPF_W | BPF_LEN, 0));
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &pattern, &t), n++;
	check_prog(&p, &corpus, &t), n++;
	prog_init(&p, "ldx len; txa; ret a");
	add(&p, S(BPF_LDX | BPF_W | BPF_LEN, 0));
	add(&p, S(BPF_MISC | BPF_TXA, 0));
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &pattern, &t), n++;
	report("len", &t, n);
}

static void test_scratch(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	/* Every word written from A and from X, read back into A and X in
	 * another order, summed. */
	prog_init(&p, "M[0..15] from A and X, read back");
	for (int i = 0; i < 16; i++) {
		if (i % 2) {
			add(&p, S(BPF_LDX | BPF_IMM, 0x1000u * (i + 1) + 0x80000000u));
			add(&p, S(BPF_STX, i));
		} else {
			add(&p, S(BPF_LD | BPF_B | BPF_ABS, 14 + i));
			add(&p, S(BPF_ST, i));
		}
	}
	add(&p, S(BPF_LD | BPF_IMM, 0));
	for (int i = 15; i >= 0; i--) {
		add(&p, S(BPF_MISC | BPF_TAX, 0));
		add(&p, S(BPF_LD | BPF_MEM, i));
		add(&p, S(BPF_ALU | BPF_ADD | BPF_X, 0));
		add(&p, S(BPF_ALU | BPF_MUL | BPF_K, 3));
		if (i == 7) {
			add(&p, S(BPF_ST, 15));
			add(&p, S(BPF_LDX | BPF_MEM, 15));
			add(&p, S(BPF_MISC | BPF_TXA, 0));
		}
	}
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &pattern, &t), n++;
	report("scratch memory", &t, n);
}

/* Scratch words start at 0 here (libpcap 1.10 leaves them undefined, and
 * pcap_compile() never reads one before writing it: no peer to ask). */
static void test_scratch_zeroed(void **state)
{
	struct bpf_program bp;
	struct pcap_insn insns[] = {
		S(BPF_LD | BPF_MEM, 3),
		S(BPF_ALU | BPF_ADD | BPF_K, 5),
		S(BPF_LDX | BPF_MEM, 12),
		S(BPF_ALU | BPF_ADD | BPF_X, 0),
		S(BPF_RET | BPF_A, 0),
	};
	struct frame *f = &pattern.f[20];

	bp.bf_len = ARRAY_SIZE(insns);
	bp.bf_insns = insns;
	for (int v = 0; v < V_MAX; v++) {
		uint32_t got;
		int fd;

		assert_int_equal(load_variant(&bp, v, &fd), 0);
		assert_int_equal(run_frame(v, fd, f, &got), RUN_OK);
		assert_int_equal(got, 5);
		close(fd);
	}
}

static const int alu_ops[] = {
	BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH,
};

static const char *op_name(int op)
{
	switch (op) {
	case BPF_ADD: return "add";
	case BPF_SUB: return "sub";
	case BPF_MUL: return "mul";
	case BPF_DIV: return "div";
	case BPF_MOD: return "mod";
	case BPF_AND: return "and";
	case BPF_OR: return "or";
	case BPF_XOR: return "xor";
	case BPF_LSH: return "lsh";
	case BPF_RSH: return "rsh";
	case BPF_NEG: return "neg";
	}
	return "?";
}

static const char *jmp_name(int op)
{
	switch (op) {
	case BPF_JEQ: return "jeq";
	case BPF_JGT: return "jgt";
	case BPF_JGE: return "jge";
	case BPF_JSET: return "jset";
	}
	return "?";
}

/* One frame per A value (X irrelevant) for the K forms. */
static struct frames alu_a_frames;

static void test_alu_k(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (size_t o = 0; o < ARRAY_SIZE(alu_ops); o++) {
		for (size_t i = 0; i < ARRAY_SIZE(interesting); i++) {
			uint32_t k = interesting[i];

			/* Refused by bpf_validate() (and tested there). */
			if ((alu_ops[o] == BPF_DIV || alu_ops[o] == BPF_MOD) && k == 0)
				continue;
			/* libpcap never emits shifts by 32 or more. */
			if ((alu_ops[o] == BPF_LSH || alu_ops[o] == BPF_RSH) && k > 31)
				continue;
			prog_init(&p, "ld [14]; %s #%#x; ret a", op_name(alu_ops[o]), k);
			add(&p, S(BPF_LD | BPF_W | BPF_ABS, 14));
			add(&p, S(BPF_ALU | alu_ops[o] | BPF_K, k));
			add(&p, S(BPF_RET | BPF_A, 0));
			check_prog(&p, &alu_a_frames, &t), n++;
		}
	}
	prog_init(&p, "ld [14]; neg; ret a");
	add(&p, S(BPF_LD | BPF_W | BPF_ABS, 14));
	add(&p, S(BPF_ALU | BPF_NEG, 0));
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &alu_a_frames, &t), n++;
	report("alu k", &t, n);
}

/* X from the frame: includes X = 0 for div and mod (the filter rejects)
 * and shifts by 32 and more (A becomes 0). */
static void test_alu_x(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (size_t o = 0; o < ARRAY_SIZE(alu_ops); o++) {
		prog_init(&p, "ld [18]; tax; ld [14]; %s x; ret a", op_name(alu_ops[o]));
		add(&p, S(BPF_LD | BPF_W | BPF_ABS, 18));
		add(&p, S(BPF_MISC | BPF_TAX, 0));
		add(&p, S(BPF_LD | BPF_W | BPF_ABS, 14));
		add(&p, S(BPF_ALU | alu_ops[o] | BPF_X, 0));
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &alu_frames, &t), n++;
		/* The same, returning a constant: tells "rejected" from "A is 0". */
		prog_init(&p, "ld [18]; tax; ld [14]; %s x; ld #3; ret a", op_name(alu_ops[o]));
		add(&p, S(BPF_LD | BPF_W | BPF_ABS, 18));
		add(&p, S(BPF_MISC | BPF_TAX, 0));
		add(&p, S(BPF_LD | BPF_W | BPF_ABS, 14));
		add(&p, S(BPF_ALU | alu_ops[o] | BPF_X, 0));
		add(&p, S(BPF_LD | BPF_IMM, 3));
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &alu_frames, &t), n++;
	}
	report("alu x", &t, n);
}

static const int jmp_ops[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET };

/* Every shape of (jt, jf): both 0, either 0, equal, distinct. */
static void jmp_prog(struct prog *p, int op, int src, uint32_t k, int jt, int jf)
{
	prog_init(p, "%s %s #%#x jt %d jf %d", jmp_name(op), src == BPF_X ? "x" : "k", k,
		  jt, jf);
	if (src == BPF_X) {
		add(p, S(BPF_LD | BPF_W | BPF_ABS, 18));
		add(p, S(BPF_MISC | BPF_TAX, 0));
	}
	add(p, S(BPF_LD | BPF_W | BPF_ABS, 14));
	add(p, J(BPF_JMP | op | src, k, jt, jf));
	add(p, S(BPF_RET | BPF_K, 11));
	add(p, S(BPF_RET | BPF_K, 12));
	add(p, S(BPF_RET | BPF_K, 13));
}

static void test_jmp(void **state)
{
	static const uint32_t ks[] = { 0, 1, 7, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
	static const int shapes[][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 }, { 2, 1 }, { 1, 2 },
					 { 0, 2 }, { 2, 0 }, { 2, 2 } };
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (size_t o = 0; o < ARRAY_SIZE(jmp_ops); o++) {
		for (size_t s = 0; s < ARRAY_SIZE(shapes); s++) {
			for (size_t i = 0; i < ARRAY_SIZE(ks); i++) {
				jmp_prog(&p, jmp_ops[o], BPF_K, ks[i], shapes[s][0], shapes[s][1]);
				check_prog(&p, &alu_a_frames, &t), n++;
			}
			jmp_prog(&p, jmp_ops[o], BPF_X, 0, shapes[s][0], shapes[s][1]);
			check_prog(&p, &alu_frames, &t), n++;
		}
	}
	/* ja: forward over returns, and a long one. */
	prog_init(&p, "ja over two returns");
	add(&p, S(BPF_LD | BPF_B | BPF_ABS, 14));
	add(&p, S(BPF_JMP | BPF_JA, 2));
	add(&p, S(BPF_RET | BPF_K, 1));
	add(&p, S(BPF_RET | BPF_K, 2));
	add(&p, J(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1));
	add(&p, S(BPF_RET | BPF_K, 3));
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &pattern, &t), n++;
	prog_init(&p, "ja 0 (no-op) and a jump of 40");
	add(&p, S(BPF_JMP | BPF_JA, 0));
	add(&p, S(BPF_LD | BPF_B | BPF_ABS, 15));
	add(&p, J(BPF_JMP | BPF_JGT | BPF_K, 100, 40, 0));
	for (int i = 0; i < 40; i++)
		add(&p, S(BPF_ALU | BPF_ADD | BPF_K, 1));
	add(&p, S(BPF_RET | BPF_A, 0));
	check_prog(&p, &pattern, &t), n++;
	report("jmp", &t, n);
}

/* Backward jumps, as protochain uses them: up to PS_FILTER_MAX_BACKJUMPS
 * iterations give libpcap's answer, one more rejects. */
static void test_backjump(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;
	int iters[] = { 1, 2, 10, PS_FILTER_MAX_BACKJUMPS };

	for (size_t i = 0; i < ARRAY_SIZE(iters); i++) {
		/* X counts up to N; the loop reads the frame at X. */
		prog_init(&p, "loop %d times", iters[i]);
		add(&p, S(BPF_LDX | BPF_IMM, 0));
		add(&p, S(BPF_LD | BPF_B | BPF_IND, 14));         /* 1: loop */
		add(&p, S(BPF_MISC | BPF_TXA, 0));
		add(&p, S(BPF_ALU | BPF_ADD | BPF_K, 1));
		add(&p, S(BPF_MISC | BPF_TAX, 0));
		add(&p, J(BPF_JMP | BPF_JEQ | BPF_K, iters[i] + 1, 1, 0));
		add(&p, S(BPF_JMP | BPF_JA, (uint32_t)-6));      /* to 1 */
		add(&p, S(BPF_RET | BPF_A, 0));
		check_prog(&p, &pattern, &t), n++;
	}
	report("backward jumps", &t, n);

	/* One more than the bound: libpcap 1.10 goes on, we stop. */
	struct bpf_program bp = { .bf_len = p.n, .bf_insns = p.insns };

	p.insns[5].k = PS_FILTER_MAX_BACKJUMPS + 2;
	for (int v = 0; v < V_MAX; v++) {
		uint32_t got;
		int fd;

		assert_int_equal(load_variant(&bp, v, &fd), 0);
		assert_int_equal(run_frame(v, fd, &pattern.f[30], &got), RUN_OK);
		if (got != 0)
			fail_msg("%s: %d backward jumps: got %u, want 0", variants[v].name,
				 PS_FILTER_MAX_BACKJUMPS + 1, got);
		close(fd);
	}
}

/* ---- random programs ---- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 11);
}

static uint32_t rnd_k(void)
{
	switch (rnd() % 4) {
	case 0: return interesting[rnd() % ARRAY_SIZE(interesting)];
	case 1: return rnd() % 8;
	case 2: return rnd() % 100;
	default: return rnd();
	}
}

static uint32_t rnd_off(void)
{
	switch (rnd() % 8) {
	case 0: return rnd_k();
	case 1: return rnd() % 5000;
	default: return rnd() % 90;
	}
}

/* A valid forward-only program of every opcode libpcap's validator takes;
 * M[] written before anything reads it. */
static void random_prog(struct prog *p, int idx)
{
	unsigned int len = 6 + rnd() % 36, i;

	prog_init(p, "random program %d", idx);
	/* libpcap 1.10's interpreter leaves M[] uninitialised. */
	for (i = 0; i < 16; i++) {
		if (i == 0 || rnd() % 2)
			add(p, S(BPF_LD | BPF_IMM, rnd_k()));
		add(p, S(BPF_ST, i));
	}
	len += p->n;
	while (p->n < len && p->n < ARRAY_SIZE(p->insns) - 1) {
		unsigned int left = len - p->n - 1; /* insns after this one, before the last */
		int sz = sizes[rnd() % 3];
		int op;

		if (left > 60)
			left = 60;
		switch (rnd() % 16) {
		case 0: add(p, S(BPF_LD | sz | BPF_ABS, rnd_off())); break;
		case 1: add(p, S(BPF_LD | sz | BPF_IND, rnd_off())); break;
		case 2: add(p, S(BPF_LDX | BPF_MSH | BPF_B, rnd_off())); break;
		case 3:
			add(p, S(rnd() % 2 ? BPF_LD | BPF_W | BPF_LEN : BPF_LDX | BPF_W | BPF_LEN, 0));
			break;
		case 4: add(p, S((rnd() % 2 ? BPF_LD : BPF_LDX) | BPF_IMM, rnd_k())); break;
		case 5: add(p, S((rnd() % 2 ? BPF_LD : BPF_LDX) | BPF_MEM, rnd() % 16)); break;
		case 6: add(p, S(rnd() % 2 ? BPF_ST : BPF_STX, rnd() % 16)); break;
		case 7:
		case 8:
			op = alu_ops[rnd() % ARRAY_SIZE(alu_ops)];
			if (rnd() % 2) {
				add(p, S(BPF_ALU | op | BPF_X, 0));
			} else {
				uint32_t k = rnd_k();

				if ((op == BPF_DIV || op == BPF_MOD) && !k)
					k = 3;
				if (op == BPF_LSH || op == BPF_RSH)
					k %= 32;
				add(p, S(BPF_ALU | op | BPF_K, k));
			}
			break;
		case 9: add(p, S(BPF_ALU | BPF_NEG, 0)); break;
		case 10: add(p, S(BPF_MISC | (rnd() % 2 ? BPF_TAX : BPF_TXA), 0)); break;
		case 11:
			add(p, S(BPF_JMP | BPF_JA, left ? rnd() % (left + 1) : 0));
			break;
		case 12:
			if (rnd() % 4 == 0) {
				add(p, S(BPF_RET | (rnd() % 2 ? BPF_A : BPF_K), rnd() % 3 ? rnd_k() : 0));
				break;
			}
			/* fall through */
		default:
			op = jmp_ops[rnd() % ARRAY_SIZE(jmp_ops)];
			add(p, J(BPF_JMP | op | (rnd() % 2 ? BPF_X : BPF_K), rnd_k(),
				 left ? rnd() % (left + 1) : 0, left ? rnd() % (left + 1) : 0));
		}
	}
	add(p, S(BPF_RET | BPF_A, 0));
}

static struct frames fuzz_frames;

static void test_random_programs(void **state)
{
	struct tally t = {};
	struct prog p;
	unsigned long n = 0, bad = 0;

	for (int i = 0; i < 300; i++) {
		random_prog(&p, i);
		assert_true(bpf_validate(p.insns, p.n));
		if (check_prog(&p, &fuzz_frames, &t) && ++bad <= 3)
			for (unsigned int j = 0; j < p.n; j++)
				print_error("  %s\n", bpf_image(&p.insns[j], j));
		n++;
	}
	report("random programs", &t, n);
}

/* ---- pcap-filter expressions ---- */

static const char *const expressions[] = {
	"",
	"tcp",
	"udp",
	"icmp",
	"arp",
	"ip",
	"ip6",
	"tcp port 80",
	"udp port 53",
	"port 443",
	"tcp dst port 80",
	"udp src port 40001",
	"src port 40000 and dst port 443",
	"host 10.0.0.1",
	"src host 10.0.0.1",
	"dst host 10.0.0.2",
	"net 10.0.0.0/8",
	"src net 10.0.0.0/8 and not icmp",
	"dst net 192.168.0.0/16",
	"ip6 host 2001:db8::1",
	"ip6 net 2001:db8::/32",
	"vlan",
	"vlan 10",
	"vlan and udp",
	"vlan and vlan",
	"vlan and ip6",
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"tcp[tcpflags] & (tcp-fin|tcp-urg|tcp-push) == (tcp-fin|tcp-urg|tcp-push)",
	"ip6[6] = 6 and ip6[53] & tcp-syn != 0",
	"ip[8] < 5",
	"ip[6:2] & 0x1fff != 0",
	"ip[0] & 0xf > 5",
	"udp[8:2] = 0x1234",
	"udp[4:2] > 100",
	"tcp[13] = 0x12",
	"len > 100",
	"len <= 60",
	"greater 1000",
	"less 64",
	"ether host 02:00:00:00:00:01",
	"ether src 02:00:00:00:00:01",
	"ether broadcast",
	"ether multicast",
	"ether proto 0x88b5",
	"arp and arp[6:2] = 2",
	"icmp[icmptype] = icmp-echo",
	"icmp[icmptype] != icmp-echo and icmp",
	"icmp6",
	"icmp6 and ip6[40] = 128",
	"ip proto 253",
	"ip proto 47 or ip proto 58",
	"ip6 proto 17",
	"portrange 40000-40010",
	"tcp portrange 1-1024",
	"udp and (port 53 or port 5353 or portrange 33434-33534)",
	"not tcp and not udp",
	"not (tcp or udp or icmp or arp)",
	"(tcp or udp) and not port 80",
	"ip and (ip[6] & 0x20 != 0 or ip[6:2] & 0x1fff != 0)",
	"ip[2:2] > len - 14",
	"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
	"udp[0:2] * 2 / 3 % 7 = 1",
	"ip[1] - ip[8] + (ip[9] << 2) > 40",
	"ip6 protochain 6",
	"ip protochain 17",
	"ip6 and ip6[6] = 0",
	"ether[12:2] > 1500",
	"llc",
	"greater 70000",
	"ether src 00:00:00:00:00:00 and ether dst 00:00:00:00:00:00",
	"len >= 0",
};

/* The expressions that accept no frame of the corpus on purpose: none runs
 * at 70000 bytes or more; 'greater 1000' beside it accepts some. */
static const char *const negative_expressions[] = {
	"greater 70000",
};

static bool is_negative(const char *expr)
{
	for (size_t i = 0; i < ARRAY_SIZE(negative_expressions); i++)
		if (!strcmp(expr, negative_expressions[i]))
			return true;
	return false;
}

/* Expressions libpcap itself refuses (so does tcpdump): pktscope must give
 * libpcap's message.  libpcap 1.10 reads tcp[] only over IPv4, so the
 * second one matches nothing and its optimizer says so. */
static const char *const refused_expressions[] = {
	"tcp and udp",
	"ip6 and tcp[tcpflags] & tcp-syn != 0",
	"ip and ip6",
};

struct expr_state {
	const char *expr;
};

static struct tally expr_total;

static void test_expression(void **state)
{
	const struct expr_state *es = *state;
	struct bpf_program bp;
	char err[PCAP_ERRBUF_SIZE];
	struct tally t = {};
	char what[256];

	if (ps_filter_compile(es->expr, 0, &bp, err, sizeof(err)))
		fail_msg("'%s': does not compile: %s", es->expr, err);
	snprintf(what, sizeof(what), "'%s'", es->expr);
	compare(what, &bp, &corpus, ALL_VARIANTS, &t);
	print_message("# '%s': %u classic insns; %lu runs, %lu skipped, %lu accepted of %zu "
		      "frames%s\n", es->expr, bp.bf_len, t.runs, t.skipped, t.accepted, corpus.n,
		      t.hangs ? " (libpcap never ends on some: any verdict counts)" : "");
	expr_total.runs += t.runs;
	expr_total.skipped += t.skipped;
	expr_total.mismatches += t.mismatches;
	ps_filter_free(&bp);
	if (t.mismatches)
		fail_msg("'%s': %lu mismatches (above)", es->expr, t.mismatches);
	/* A filter that rejects everything would pass an expression that
	 * accepts nothing: each accepts some frame, but the negative cases. */
	if (!t.accepted && !is_negative(es->expr))
		fail_msg("'%s' accepts none of the %zu frames: add a frame it keeps", es->expr,
			 corpus.n);
	if (t.accepted && is_negative(es->expr))
		fail_msg("'%s', a negative case, accepts %lu frames", es->expr, t.accepted);
}

/* Captures cut to a snap length: the kernel sees caplen bytes, BPF_LEN must
 * still be the wire length (TC with PS_FILTER_F_WIRE_LEN). */
static void test_wire_len(void **state)
{
	static const char *const exprs[] = { "len > 100", "greater 200", "less 80",
					     "tcp and len > 60", "ip[2:2] > len - 14" };
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	struct ps_filter_opts o = { .flags = PS_FILTER_F_WIRE_LEN };
	size_t n = ps_filter_epilogue_return(epi);
	unsigned long runs = 0, bad = 0;
	char err[PCAP_ERRBUF_SIZE];

	for (size_t e = 0; e < ARRAY_SIZE(exprs); e++) {
		struct bpf_program bp;
		int fd;

		assert_int_equal(ps_filter_compile(exprs[e], 0, &bp, err, sizeof(err)), 0);
		assert_int_equal(ps_filter_load_opts(&bp, PS_FILTER_TC, epi, n, &o, &fd), 0);
		for (size_t i = 0; i < corpus.n; i++) {
			struct frame f = corpus.f[i];
			uint32_t got, want;

			if (f.len <= 54 || f.len > SKB_RUN_MAX)
				continue;
			f.len = 54; /* tcpdump -s 54 */
			want = ps_filter_interpret(&bp, f.data, f.wire, f.len);
			if (run_frame(V_TC, fd, &f, &got) == RUN_SKIP)
				continue;
			runs++;
			if (got != want && ++bad <= 20)
				print_error("MISMATCH '%s' | %s cut to 54 of %u | tc wire_len: "
					    "eBPF %u, bpf_filter %u\n", exprs[e], f.name, f.wire,
					    got, want);
		}
		close(fd);
		ps_filter_free(&bp);
	}
	print_message("# wire length: %lu runs, %lu mismatches\n", runs, bad);
	assert_true(runs > 100);
	assert_int_equal(bad, 0);
}

/* ---- epilogues ---- */

static void test_epilogue_verdict(void **state)
{
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	char err[PCAP_ERRBUF_SIZE];
	struct bpf_program bp;
	unsigned long runs = 0;
	int fdx, fdt;

	assert_int_equal(ps_filter_compile("udp or arp", 0, &bp, err, sizeof(err)), 0);
	assert_int_equal(ps_filter_load(&bp, PS_FILTER_XDP, epi,
					ps_filter_epilogue_verdict(epi, XDP_PASS, XDP_DROP), &fdx), 0);
	assert_int_equal(ps_filter_load(&bp, PS_FILTER_TC, epi,
					ps_filter_epilogue_verdict(epi, TC_ACT_UNSPEC, TC_ACT_SHOT),
					&fdt), 0);
	for (size_t i = 0; i < corpus.n; i++) {
		const struct frame *f = &corpus.f[i];
		bool keep = ps_filter_interpret(&bp, f->data, f->wire, f->len) != 0;
		uint32_t got;

		if (run_frame(V_XDP, fdx, f, &got) == RUN_OK) {
			runs++;
			if (got != (keep ? XDP_PASS : XDP_DROP))
				fail_msg("xdp %s: got %u, keep %d", f->name, got, keep);
		}
		if (run_frame(V_TC, fdt, f, &got) == RUN_OK) {
			runs++;
			if ((int)got != (keep ? TC_ACT_UNSPEC : TC_ACT_SHOT))
				fail_msg("tc %s: got %d, keep %d", f->name, (int)got, keep);
		}
	}
	print_message("# verdict epilogue: %lu runs\n", runs);
	close(fdx);
	close(fdt);
	ps_filter_free(&bp);
}

/* Raw eBPF for the callers and targets of the tail-call test. */
static struct bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };

	return i;
}

static int load_raw(enum bpf_prog_type type, bool frags, int attach, const struct bpf_insn *i,
		    size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = attach,
		    .prog_flags = frags ? BPF_F_XDP_HAS_FRAGS : 0,
		    .log_buf = vlog, .log_size = sizeof(vlog), .log_level = 0);
	int fd = bpf_prog_load(type, "ps_test", "Dual BSD/GPL", i, n, &o);

	if (fd < 0)
		print_error("load_raw: %s\n%s\n", strerror(errno), vlog);
	return fd;
}

static int load_ret(enum bpf_prog_type type, bool frags, int attach, int32_t v)
{
	struct bpf_insn i[] = { ins(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, v),
				ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) };

	return load_raw(type, frags, attach, i, 2);
}

/* The datapath's side: tail call into slot 0, fall back to 'miss'. */
static int load_caller(enum bpf_prog_type type, bool frags, int attach, int map_fd, int32_t miss)
{
	struct bpf_insn i[] = {
		ins(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		ins(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, map_fd),
		ins(0, 0, 0, 0, 0),
		ins(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, 0),
		ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call),
		ins(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, miss),
		ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return load_raw(type, frags, attach, i, ARRAY_SIZE(i));
}

/*
 * caller --tail call--> filter --accept: tail call slot 1 (returns 'acc'),
 *                                reject: tail call slot 2 (returns 'rej')
 * With the verdict epilogue, slot 2 empty: the filter returns 'pass'.
 */
static void tail_call_case(enum ps_filter_target target, enum variant_id v)
{
	bool xdp = target == PS_FILTER_XDP;
	enum bpf_prog_type type = xdp ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SCHED_CLS;
	int attach = xdp ? BPF_XDP : 0;
	int32_t acc = xdp ? XDP_TX : TC_ACT_OK, rej = xdp ? XDP_DROP : TC_ACT_SHOT;
	int32_t pass = xdp ? XDP_PASS : TC_ACT_UNSPEC, miss = 99;
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	char err[PCAP_ERRBUF_SIZE];
	struct bpf_program bp;
	int map, caller, facc, frej, filt, filt2, key, runs = 0;
	size_t n;

	map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "ps_test_progs", 4, 4, 4, NULL);
	assert_true(map >= 0);
	caller = load_caller(type, xdp, attach, map, miss);
	facc = load_ret(type, xdp, attach, acc);
	frej = load_ret(type, xdp, attach, rej);
	assert_true(caller >= 0 && facc >= 0 && frej >= 0);
	assert_int_equal(ps_filter_compile("tcp or icmp6", 0, &bp, err, sizeof(err)), 0);
	n = ps_filter_epilogue_tail_call(epi, map, 1, 2, pass);
	assert_int_equal(ps_filter_load(&bp, target, epi, n, &filt), 0);
	n = ps_filter_epilogue_tail_call(epi, map, 1, -1, pass);
	assert_int_equal(ps_filter_load(&bp, target, epi, n, &filt2), 0);
	key = 0;
	assert_int_equal(bpf_map_update_elem(map, &key, &filt, 0), 0);
	key = 1;
	assert_int_equal(bpf_map_update_elem(map, &key, &facc, 0), 0);
	key = 2;
	assert_int_equal(bpf_map_update_elem(map, &key, &frej, 0), 0);
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			key = 0;
			assert_int_equal(bpf_map_update_elem(map, &key, &filt2, 0), 0);
		}
		for (size_t i = 0; i < corpus.n; i++) {
			const struct frame *f = &corpus.f[i];
			bool keep = ps_filter_interpret(&bp, f->data, f->wire, f->len) != 0;
			int32_t want = keep ? acc : round ? pass : rej;
			uint32_t got;

			if (run_frame(v, caller, f, &got) == RUN_SKIP)
				continue;
			runs++;
			if ((int32_t)got != want)
				fail_msg("%s tail call, %s: got %d, want %d", variants[v].name,
					 f->name, (int)got, want);
		}
	}
	print_message("# %s: datapath -> filter -> accept/reject tail calls: %d runs\n",
		      variants[v].name, runs);

	if (xdp) {
		/* What the kernel demands of a program array's members: the
		 * same type, xdp.frags flag and expected attach type as its
		 * owner (the caller, loaded like the datapath's SEC("xdp.frags")). */
		struct ps_filter_opts lin = { .flags = PS_FILTER_F_XDP_LINEAR };
		struct ps_ebpf_insn ret1[PS_FILTER_EPILOGUE_MAX];
		int fl, rc;

		rc = ps_filter_load_opts(&bp, target, epi, n, &lin, &fl);
		print_message("# a filter without BPF_F_XDP_HAS_FRAGS tail-calling through the "
			      "frags caller's array: %s\n", rc ? strerror(-rc) : "loaded");
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(ps_filter_load_opts(&bp, target, ret1,
						     ps_filter_epilogue_return(ret1), &lin, &fl), 0);
		key = 3;
		rc = bpf_map_update_elem(map, &key, &fl, 0) ? -errno : 0;
		print_message("# a filter without BPF_F_XDP_HAS_FRAGS put in that array: %s\n",
			      rc ? strerror(-rc) : "accepted");
		assert_int_equal(rc, -EINVAL);
		close(fl);
		fl = load_ret(type, true, 0, acc);
		rc = bpf_map_update_elem(map, &key, &fl, 0) ? -errno : 0;
		print_message("# an xdp.frags program with expected_attach_type 0 instead of "
			      "BPF_XDP: %s\n", rc ? strerror(-rc) : "accepted");
		close(fl);
	}
	close(filt);
	close(filt2);
	close(facc);
	close(frej);
	close(caller);
	close(map);
	ps_filter_free(&bp);
}

static void test_tail_call_xdp(void **state)
{
	tail_call_case(PS_FILTER_XDP, V_XDP);
}

static void test_tail_call_tc(void **state)
{
	tail_call_case(PS_FILTER_TC, V_TC);
}


/* ---- live: VLAN tags the kernel moved into skb metadata ---- */

/*
 * A frame received with an 802.1Q/802.1ad tag reaches TC ingress and packet
 * sockets with the outer tag taken out of the data into skb metadata;
 * tcpdump puts it back (from PACKET_AUXDATA) before it writes the frame.
 * With PS_FILTER_F_VLAN_META the filter sees the frame as tcpdump writes
 * it.  A test run cannot set that metadata, so this sends real frames over
 * lo in a private network namespace (a child process): TC ingress records
 * each verdict in a map, and a packet socket with the socket filter
 * attached shows which frames it kept.
 */
static const char *const vlan_exprs[] = {
	"vlan", "vlan 10", "vlan and udp", "vlan and vlan", "vlan and ip6", "udp", "ip",
	"ether[12:2] = 0x8100", "ether[14:2] & 0xfff = 10", "ether proto 0x88a8",
	"len > 80", "tcp port 80 or vlan 20", "vlan and arp",
};

static int live_epilogue(struct ps_ebpf_insn *e, int map_fd)
{
	struct bpf_insn i[] = {
		ins(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0),
		ins(BPF_ST | BPF_W | BPF_MEM, 10, 0, -4, 0),
		ins(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
		ins(0, 0, 0, 0, 0),
		ins(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		ins(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		ins(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0),
		ins(BPF_STX | BPF_W | BPF_MEM, 0, 7, 0, 0),
		ins(BPF_LDX | BPF_W | BPF_MEM, 1, 0, 4, 0),
		ins(BPF_ALU | BPF_ADD | BPF_K, 1, 0, 0, 1),
		ins(BPF_STX | BPF_W | BPF_MEM, 0, 1, 4, 0),
		ins(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, TC_ACT_SHOT),
		ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	memcpy(e, i, sizeof(i));
	return ARRAY_SIZE(i);
}

static int lo_up(void)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(s, SIOCSIFFLAGS, &ifr))
		err = -errno;
	if (s >= 0)
		close(s);
	return err;
}

static int packet_socket(int ifindex, int proto)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(proto),
				   .sll_ifindex = ifindex };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(proto)), one = 1;

	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)))
		return -errno;
	if (proto)
		setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	return s;
}

/* The child: returns the number of problems. */
static int live_vlan_child(void)
{
	static uint8_t rbuf[70000];
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX], ret[PS_FILTER_EPILOGUE_MAX];
	struct ps_filter_opts meta = { .flags = PS_FILTER_F_VLAN_META };
	unsigned long sent = 0, tagged = 0, tc_bad = 0, sock_bad = 0, untag_differs = 0;
	int map, ifindex, tx, rx, key = 0, bad = 0;
	size_t ne, nr = ps_filter_epilogue_return(ret);

	if (unshare(CLONE_NEWNET) || lo_up()) {
		print_error("live: no private network namespace: %s\n", strerror(errno));
		return 1;
	}
	ifindex = if_nametoindex("lo");
	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ps_test_live", 4, 8, 1, NULL);
	tx = packet_socket(ifindex, 0);
	rx = packet_socket(ifindex, ETH_P_ALL);
	if (map < 0 || tx < 0 || rx < 0) {
		print_error("live: map or sockets: %s\n", strerror(errno));
		return 1;
	}
	ne = live_epilogue(epi, map);

	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	if (bpf_tc_hook_create(&hook)) {
		print_error("live: clsact on lo: %s\n", strerror(errno));
		return 1;
	}
	for (size_t e = 0; e < ARRAY_SIZE(vlan_exprs); e++) {
		LIBBPF_OPTS(bpf_tc_opts, tco, .handle = 1, .priority = 1);
		struct bpf_program bp;
		char err[PCAP_ERRBUF_SIZE];
		int tcfd, skfd, plainfd;

		if (ps_filter_compile(vlan_exprs[e], 0, &bp, err, sizeof(err)) ||
		    ps_filter_load_opts(&bp, PS_FILTER_TC, epi, ne, &meta, &tcfd) ||
		    ps_filter_load_opts(&bp, PS_FILTER_SOCKET, ret, nr, &meta, &skfd) ||
		    ps_filter_load(&bp, PS_FILTER_SOCKET, ret, nr, &plainfd)) {
			print_error("live: '%s' does not load\n", vlan_exprs[e]);
			return 1;
		}
		tco.prog_fd = tcfd;
		tco.flags = e ? BPF_TC_F_REPLACE : 0;
		if (bpf_tc_attach(&hook, &tco) ||
		    setsockopt(rx, SOL_SOCKET, SO_ATTACH_BPF, &skfd, sizeof(skfd))) {
			print_error("live: attaching '%s': %s\n", vlan_exprs[e], strerror(errno));
			return 1;
		}
		while (recv(rx, rbuf, sizeof(rbuf), 0) > 0)
			;
		for (size_t i = 0; i < corpus.n; i++) {
			const struct frame *f = &corpus.f[i];
			uint32_t want, got_len = 0, rec[2] = {}, before;
			bool has_tag = f->len >= 18 && f->data[12] == 0x81 && f->data[13] == 0x00;
			int tries = 0;
			ssize_t r;

			/* lo takes whole frames from 14 bytes up to its MTU;
			 * cut copies of untagged frames add nothing here. */
			if (f->len < 14 || f->len > 65000 || (strchr(f->name, '/') && !has_tag))
				continue;
			bpf_map_lookup_elem(map, &key, rec);
			before = rec[1];
			if (send(tx, f->data, f->len, 0) != (ssize_t)f->len)
				continue;
			do {
				bpf_map_lookup_elem(map, &key, rec);
			} while (rec[1] == before && ++tries < 20000);
			if (rec[1] == before)
				continue; /* the stack dropped it before TC (a cut tag) */
			sent++;
			tagged += has_tag;
			want = ps_filter_interpret(&bp, f->data, f->len, f->len);
			if (rec[0] != want && ++tc_bad <= 10)
				print_error("LIVE MISMATCH '%s' | %s | tc vlan-meta: eBPF %u, "
					    "bpf_filter %u\n", vlan_exprs[e], f->name, rec[0], want);
			/* Packet taps run before TC ingress: what the socket
			 * kept is queued by now. */
			r = recv(rx, rbuf, sizeof(rbuf), 0);
			if (r > 0)
				got_len = r;
			while (recv(rx, rbuf, sizeof(rbuf), 0) > 0)
				;
			if ((got_len != 0) != (want != 0) && ++sock_bad <= 10)
				print_error("LIVE MISMATCH '%s' | %s | socket vlan-meta: %s, "
					    "bpf_filter %u\n", vlan_exprs[e], f->name,
					    got_len ? "kept" : "dropped", want);
			(void)plainfd;
		}
		/* Without the flag, for comparison: the socket filter on the
		 * frames as the kernel holds them. */
		if (setsockopt(rx, SOL_SOCKET, SO_ATTACH_BPF, &plainfd, sizeof(plainfd)) == 0) {
			for (size_t i = 0; i < corpus.n; i++) {
				const struct frame *f = &corpus.f[i];
				bool has_tag = f->len >= 18 && f->data[12] == 0x81 &&
					       f->data[13] == 0x00;
				uint32_t rec[2] = {}, before, want;
				int tries = 0;
				ssize_t r;

				if (!has_tag || strchr(f->name, '/') || f->len > 65000)
					continue;
				bpf_map_lookup_elem(map, &key, rec);
				before = rec[1];
				if (send(tx, f->data, f->len, 0) != (ssize_t)f->len)
					continue;
				do {
					bpf_map_lookup_elem(map, &key, rec);
				} while (rec[1] == before && ++tries < 20000);
				want = ps_filter_interpret(&bp, f->data, f->len, f->len);
				r = recv(rx, rbuf, sizeof(rbuf), 0);
				while (recv(rx, rbuf, sizeof(rbuf), 0) > 0)
					;
				untag_differs += (r > 0) != (want != 0);
			}
		}
		close(tcfd);
		close(skfd);
		close(plainfd);
		ps_filter_free(&bp);
	}
	print_message("# live over lo: %lu frames through TC ingress and a packet socket "
		      "(%lu with an 802.1Q tag); mismatches: tc %lu, socket %lu\n", sent, tagged,
		      tc_bad, sock_bad);
	print_message("# without PS_FILTER_F_VLAN_META, the socket filter disagrees with "
		      "bpf_filter on %lu tagged frames\n", untag_differs);
	bad += tc_bad + sock_bad;
	if (sent < 100 || tagged < 20) {
		print_error("live: too few frames went through (%lu, %lu tagged)\n", sent, tagged);
		bad++;
	}
	return bad;
}

/* Runs a live test in a child (it enters a network namespace of its own),
 * failing the cmocka test when the child reports a mismatch or dies. */
static void run_in_child(int (*child)(void), const char *what)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = child();

		fflush(stdout);
		fflush(stderr);
		_exit(bad ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("%s failed (above)", what);
}

static void test_live_vlan_meta(void **state)
{
	run_in_child(live_vlan_child, "live VLAN test");
}

/* ---- live Linux semantics (PS_FILTER_F_LINUX) ---- */

/*
 * Code libpcap compiles for a live interface (ps_filter_compile_live())
 * reads the kernel's ancillary data, and runs in the kernel on the frame as
 * a packet socket gets it: the outer VLAN tag taken out into metadata.  At
 * XDP, where the tag is still in the frame, the translation shows it that
 * way.  Offline, a model of those semantics is the reference: the kernel's
 * classic filter, or libpcap's user-space interpreter with PACKET_AUXDATA
 * for a program the kernel refuses (SO_ATTACH_FILTER says which).  It runs
 * on the frame the stack would hand on, with the metadata it would have.
 * The live test further down checks the translation, and this model,
 * against the kernel itself.
 */

struct lmeta {
	uint32_t present, tci, tpid, pkttype, protocol, ifindex;
};

#define AD(n) ((uint32_t)SKF_AD_OFF + (uint32_t)(n))

static uint32_t be_at(const uint8_t *p, int size)
{
	return size == 4 ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3] :
	       size == 2 ? (uint32_t)(p[0] << 8 | p[1]) : p[0];
}

static uint32_t model(const struct bpf_program *bp, bool kernel, const uint8_t *p, uint32_t len,
		      const struct lmeta *m)
{
	const struct pcap_insn *pc = bp->bf_insns;
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 }, back = 0;
	unsigned int i = 0;

	for (;;) {
		const struct pcap_insn *f = &pc[i++];
		int size = BPF_SIZE(f->code) == BPF_W ? 4 : BPF_SIZE(f->code) == BPF_H ? 2 : 1;
		uint64_t o;
		uint32_t v = 0;
		bool c;

		switch (BPF_CLASS(f->code)) {
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? A : f->k;
		case BPF_LD:
		case BPF_LDX:
			switch (BPF_MODE(f->code)) {
			case BPF_IMM:
				v = f->k;
				break;
			case BPF_MEM:
				v = M[f->k];
				break;
			case BPF_LEN:
				v = len;
				break;
			case BPF_MSH:
				if (f->k >= len)
					return 0;
				v = (p[f->k] & 0xf) << 2;
				break;
			case BPF_ABS:
				if (f->k >= AD(0)) {
					uint32_t ad = f->k - AD(0);

					if (!kernel) {
						if (size == 1 && ad == SKF_AD_VLAN_TAG)
							v = m->tci & 0xfff;
						else if (size == 1 && ad == SKF_AD_VLAN_TAG_PRESENT)
							v = m->present;
						else
							return 0;
						break;
					}
					switch (ad) {
					case SKF_AD_PROTOCOL: v = m->protocol; break;
					case SKF_AD_PKTTYPE: v = m->pkttype; break;
					case SKF_AD_IFINDEX: v = m->ifindex; break;
					case SKF_AD_VLAN_TAG: v = m->tci; break;
					case SKF_AD_VLAN_TAG_PRESENT: v = m->present; break;
					case SKF_AD_VLAN_TPID: v = m->tpid; break;
					default: fail_msg("model: ancillary %u", ad);
					}
					break;
				}
				if ((uint64_t)f->k + size > len)
					return 0;
				v = be_at(p + f->k, size);
				break;
			default: /* BPF_IND */
				if (kernel) {
					/* an int offset: X + k wraps */
					o = (uint32_t)(X + f->k);
					if ((int32_t)o < 0)
						return 0;
				} else {
					o = (uint64_t)X + f->k;
				}
				if (o + size > len)
					return 0;
				v = be_at(p + o, size);
			}
			if (BPF_CLASS(f->code) == BPF_LD)
				A = v;
			else
				X = v;
			break;
		case BPF_ST:
			M[f->k] = A;
			break;
		case BPF_STX:
			M[f->k] = X;
			break;
		case BPF_ALU:
			v = BPF_SRC(f->code) == BPF_X ? X : f->k;
			switch (BPF_OP(f->code)) {
			case BPF_ADD: A += v; break;
			case BPF_SUB: A -= v; break;
			case BPF_MUL: A *= v; break;
			case BPF_DIV: if (!v) return 0; A /= v; break;
			case BPF_MOD: if (!v) return 0; A %= v; break;
			case BPF_AND: A &= v; break;
			case BPF_OR: A |= v; break;
			case BPF_XOR: A ^= v; break;
			case BPF_LSH:
				A = BPF_SRC(f->code) == BPF_K || kernel ? A << (v & 31) :
				    v < 32 ? A << v : 0;
				break;
			case BPF_RSH:
				A = BPF_SRC(f->code) == BPF_K || kernel ? A >> (v & 31) :
				    v < 32 ? A >> v : 0;
				break;
			case BPF_NEG: A = -A; break;
			}
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				if ((int32_t)f->k < 0 && ++back > PS_FILTER_MAX_BACKJUMPS)
					return 0;
				i += (int32_t)f->k;
				break;
			}
			v = BPF_SRC(f->code) == BPF_X ? X : f->k;
			switch (BPF_OP(f->code)) {
			case BPF_JEQ: c = A == v; break;
			case BPF_JGT: c = A > v; break;
			case BPF_JGE: c = A >= v; break;
			default: c = A & v; break;
			}
			i += c ? f->jt : f->jf;
			break;
		default: /* BPF_MISC */
			if (BPF_MISCOP(f->code) == BPF_TAX)
				X = A;
			else
				A = X;
		}
	}
}

/* Whether SO_ATTACH_FILTER takes the program: the kernel's classic
 * semantics; else libpcap's interpreter in user space. */
static bool kernel_takes_prog(const struct bpf_program *bp)
{
	struct sock_fprog fp = { .len = bp->bf_len, .filter = (struct sock_filter *)bp->bf_insns };
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	bool ok;

	if (s < 0)
		fail_msg("packet socket: %s", strerror(errno));
	ok = setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) == 0;
	close(s);
	return ok;
}

static uint16_t be16_at(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static bool outer_tag(const uint8_t *d, uint32_t len)
{
	return len >= 14 && (be16_at(d + 12) == 0x8100 || be16_at(d + 12) == 0x88a8);
}

/* eth_type_trans()'s skb->protocol for an EtherType/length at 'at'. */
static uint32_t eth_protocol(const uint8_t *d, uint32_t len, uint32_t at)
{
	uint16_t t = be16_at(d + at);

	if (t >= 0x600)
		return t;
	return at + 4 <= len && be16_at(d + at + 2) == 0xffff ? 1 : 4;
}

static const uint8_t eth_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* eth_type_trans()'s pkt_type against a device's address and broadcast
 * address (lo's is 00:00:00:00:00:00). */
static uint32_t eth_pkttype(const uint8_t *d, const uint8_t *dev_addr, const uint8_t *bcast)
{
	if (d[0] & 1)
		return memcmp(d, bcast, 6) ? 2 : 1;
	return dev_addr && memcmp(d, dev_addr, 6) ? 3 : 0;
}

/*
 * What a packet socket gets of frame 'd' received on a device: the frame
 * with its outer 802.1Q/802.1ad tag taken out into metadata (into 'out'),
 * or nothing (returns false: the stack drops a tagged frame under 20
 * bytes).  'dev_addr' NULL: unicast is PACKET_HOST (as at XDP).
 */
static bool rx_view(const uint8_t *d, uint32_t len, const uint8_t *dev_addr, uint32_t ifindex,
		    uint8_t *out, uint32_t *out_len, struct lmeta *m)
{
	memset(m, 0, sizeof(*m));
	m->ifindex = ifindex;
	m->pkttype = eth_pkttype(d, dev_addr, eth_bcast);
	if (outer_tag(d, len)) {
		if (len < 20)
			return false;
		m->present = 1;
		m->tpid = be16_at(d + 12);
		m->tci = be16_at(d + 14);
		m->protocol = eth_protocol(d, len, 16);
		memcpy(out, d, 12);
		memcpy(out + 12, d + 16, len - 16);
		*out_len = len - 4;
		return true;
	}
	m->protocol = eth_protocol(d, len, 12);
	memcpy(out, d, len);
	*out_len = len;
	return true;
}

enum lx_variant { LX_XDP, LX_XDP_SLOW, LX_XDP_LINEAR, LX_TC, LX_TC_OUT, LX_SOCKET, LX_MAX };

static const struct {
	const char *name;
	enum ps_filter_target target;
	unsigned int flags;
} lx_variants[LX_MAX] = {
	[LX_XDP] = { "xdp", PS_FILTER_XDP, PS_FILTER_F_LINUX },
	[LX_XDP_SLOW] = { "xdp_slow", PS_FILTER_XDP, PS_FILTER_F_LINUX | PS_FILTER_F_SLOW_LOADS },
	[LX_XDP_LINEAR] = { "xdp_linear", PS_FILTER_XDP, PS_FILTER_F_LINUX | PS_FILTER_F_XDP_LINEAR },
	[LX_TC] = { "tc", PS_FILTER_TC, PS_FILTER_F_LINUX },
	[LX_TC_OUT] = { "tc_egress", PS_FILTER_TC, PS_FILTER_F_LINUX | PS_FILTER_F_OUTGOING },
	[LX_SOCKET] = { "socket", PS_FILTER_SOCKET, PS_FILTER_F_LINUX },
};

static struct frames lx_frames; /* tagged and untagged, every TPID, short ones */
static uint32_t lo_index;
/* The device address the XDP variants are given: the crafted frames'
 * destination, so both PACKET_HOST and PACKET_OTHERHOST occur. */
static const uint8_t lx_dev_addr[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static void add_tagged(const char *name, const uint8_t *d, uint32_t len, uint16_t tpid,
		       uint16_t tci)
{
	uint8_t *t = malloc(len + 4);
	char n[96];

	if (!t)
		abort();
	memcpy(t, d, 12);
	t[12] = tpid >> 8;
	t[13] = tpid;
	t[14] = tci >> 8;
	t[15] = tci;
	memcpy(t + 16, d + 12, len - 12);
	snprintf(n, sizeof(n), "%.80s+%04x/%u", name, tpid, tci & 0xfff);
	frames_add(&lx_frames, n, t, len + 4, len + 4);
}

static void build_lx_frames(void)
{
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned int nth = 0;

	for (size_t i = 0; i < corpus.n; i++) {
		const struct frame *f = &corpus.f[i];
		const char *cut = strstr(f->name, "/cut");

		if (f->len < 12)
			continue;
		/* Cut copies near the 20-byte edge, and a few more. */
		if (cut && f->len > 24 && nth++ % 8)
			continue;
		frames_add(&lx_frames, f->name, f->data, f->len, f->len);
		add_tagged(f->name, f->data, f->len, (i & 1) ? 0x88a8 : 0x8100,
			   (uint16_t)(0x2000 | (10 + i % 3 * 10)));
		if (!cut && i % 2 == 0)
			add_tagged(f->name, f->data, f->len, 0x9100, 7);
		if (!cut && i % 5 == 0) {
			for (int b = 0; b < 2; b++) {
				uint8_t *d = malloc(f->len);
				char n[96];

				if (!d)
					abort();
				memcpy(d, f->data, f->len);
				memcpy(d, b ? bcast : mcast, 6);
				snprintf(n, sizeof(n), "%.80s@%s", f->name, b ? "bcast" : "mcast");
				frames_add(&lx_frames, n, d, f->len, f->len);
				add_tagged(n, d, f->len, 0x8100, 20);
			}
		}
	}
	/* Patterned bytes behind a TPID: a load at a wrong offset shows. */
	for (size_t i = 0; i < pattern.n; i++) {
		const struct frame *f = &pattern.f[i];

		if (f->len < 16)
			continue;
		for (int t = 0; t < 2; t++) {
			uint8_t *d = malloc(f->len);
			char n[96];

			if (!d)
				abort();
			memcpy(d, f->data, f->len);
			d[12] = t ? 0x88 : 0x81;
			d[13] = t ? 0xa8 : 0x00;
			snprintf(n, sizeof(n), "%.80s/tpid%s", f->name, t ? "88a8" : "8100");
			frames_add(&lx_frames, n, d, f->len, f->len);
		}
	}
}

/* The model's answer for frame f at variant v: false when the hook would
 * not see the frame through a test run (skip). */
static bool lx_want(enum lx_variant v, bool kernel, const struct bpf_program *bp,
		    const struct frame *f, uint32_t *want)
{
	static uint8_t buf[BIG_MAX + 4];
	static const uint8_t lo_addr[6];
	struct lmeta m;
	uint32_t len;

	switch (lx_variants[v].target) {
	case PS_FILTER_XDP:
		if (f->len < 14 || (v == LX_XDP_LINEAR && f->len > XDP_LINEAR_MAX))
			return false;
		if (!rx_view(f->data, f->len, lx_dev_addr, lo_index, buf, &len, &m)) {
			*want = 0;
			return true;
		}
		*want = model(bp, kernel, buf, len, &m);
		return true;
	case PS_FILTER_TC:
		if (f->len > SKB_RUN_MAX || skb_run_refuses(f->data, f->len))
			return false;
		/* A test run: the frame as given, tag and all, through
		 * eth_type_trans() on lo. */
		memset(&m, 0, sizeof(m));
		m.ifindex = lo_index;
		m.pkttype = v == LX_TC_OUT ? 4 : eth_pkttype(f->data, lo_addr, lo_addr);
		m.protocol = eth_protocol(f->data, f->len, 12);
		*want = model(bp, kernel, f->data, f->len, &m);
		return true;
	default:
		if (f->len + 14 > SKB_RUN_MAX)
			return false;
		/* Behind run_frame()'s made-up header (02:02:.., 0x88b5). */
		memset(&m, 0, sizeof(m));
		m.ifindex = lo_index;
		m.pkttype = 3;
		m.protocol = 0x88b5;
		*want = model(bp, kernel, f->data, f->len, &m);
		return true;
	}
}

static int lx_run(enum lx_variant v, int fd, const struct frame *f, uint32_t *got)
{
	switch (v) {
	case LX_XDP:
	case LX_XDP_SLOW:
	case LX_XDP_LINEAR:
		return run_frame(V_XDP, fd, f, got);
	case LX_TC:
	case LX_TC_OUT:
		return run_frame(V_TC, fd, f, got);
	default:
		return run_frame(V_SOCKET, fd, f, got);
	}
}

/* Loads 'bp' for every variant in 'mask' and compares each frame with the
 * model.  Returns the mismatches. */
static unsigned long lx_compare(const char *what, const struct bpf_program *bp, unsigned int mask,
				struct tally *t)
{
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	size_t ne = ps_filter_epilogue_return(epi);
	bool kernel = kernel_takes_prog(bp);
	unsigned long bad = 0;
	int fds[LX_MAX];

	for (int v = 0; v < LX_MAX; v++) {
		struct ps_filter_opts o = { .flags = lx_variants[v].flags, .log_buf = vlog,
					    .log_size = sizeof(vlog) };

		if (lx_variants[v].target == PS_FILTER_XDP) {
			o.dev_addr_set = true;
			memcpy(o.dev_addr, lx_dev_addr, 6);
		}
		fds[v] = -1;
		if (!(mask & 1u << v))
			continue;
		vlog[0] = '\0';
		if (ps_filter_load_opts(bp, lx_variants[v].target, epi, ne, &o, &fds[v])) {
			size_t l = strlen(vlog);

			fail_msg("%s: cannot load for live %s; verifier log tail:\n%s", what,
				 lx_variants[v].name, vlog + (l > 3000 ? l - 3000 : 0));
		}
	}
	for (size_t i = 0; i < lx_frames.n; i++) {
		const struct frame *f = &lx_frames.f[i];

		for (int v = 0; v < LX_MAX; v++) {
			uint32_t want, got;

			if (fds[v] < 0 || !lx_want(v, kernel, bp, f, &want) ||
			    lx_run(v, fds[v], f, &got) == RUN_SKIP) {
				t->skipped += fds[v] >= 0;
				continue;
			}
			t->runs++;
			t->accepted += want != 0;
			if (got == want)
				continue;
			if (++bad <= 20)
				print_error("MISMATCH live %s (%s) | frame %s (%u bytes) | %s: eBPF %u, "
					    "model %u\n", what, kernel ? "kernel" : "libpcap",
					    f->name, f->len, lx_variants[v].name, got, want);
		}
	}
	for (int v = 0; v < LX_MAX; v++)
		if (fds[v] >= 0)
			close(fds[v]);
	t->mismatches += bad;
	return bad;
}

#define LX_ALL ((1u << LX_MAX) - 1)
#define LX_XDPS ((1u << LX_XDP) | (1u << LX_XDP_SLOW) | (1u << LX_XDP_LINEAR))

/* A backward jump in front: the kernel refuses the program, so libpcap
 * would run it in user space (as it does `protochain`). */
static void userland(struct prog *p)
{
	struct prog q = *p;

	snprintf(p->name, sizeof(p->name), "%.80s [user]", q.name);
	p->n = 0;
	add(p, S(BPF_JMP | BPF_JA, 1));              /* 0 -> 2 */
	add(p, S(BPF_JMP | BPF_JA, 1));              /* 1 -> 3 */
	add(p, S(BPF_JMP | BPF_JA, (uint32_t)-2));   /* 2 -> 1 */
	for (unsigned int i = 0; i < q.n; i++)
		add(p, q.insns[i]);
}

static unsigned long lx_prog(struct prog *p, unsigned int mask, struct tally *t, bool both)
{
	struct bpf_program bp = { .bf_len = p->n, .bf_insns = p->insns };
	unsigned long n = 1;

	lx_compare(p->name, &bp, mask, t);
	if (both) {
		userland(p);
		bp.bf_len = p->n;
		lx_compare(p->name, &bp, mask, t);
		n++;
	}
	return n;
}

/* A 4-bit fold of A, plus one: a value the test can compare, never 0. */
static void fold(struct prog *p)
{
	add(p, S(BPF_MISC | BPF_TAX, 0));
	add(p, S(BPF_ALU | BPF_RSH | BPF_K, 16));
	add(p, S(BPF_ALU | BPF_XOR | BPF_X, 0));
	add(p, S(BPF_MISC | BPF_TAX, 0));
	add(p, S(BPF_ALU | BPF_RSH | BPF_K, 8));
	add(p, S(BPF_ALU | BPF_XOR | BPF_X, 0));
	add(p, S(BPF_MISC | BPF_TAX, 0));
	add(p, S(BPF_ALU | BPF_RSH | BPF_K, 4));
	add(p, S(BPF_ALU | BPF_XOR | BPF_X, 0));
	add(p, S(BPF_ALU | BPF_AND | BPF_K, 0xf));
	add(p, S(BPF_ALU | BPF_ADD | BPF_K, 1));
	add(p, S(BPF_RET | BPF_A, 0));
}

static const uint32_t lx_ads[] = {
	SKF_AD_PROTOCOL, SKF_AD_PKTTYPE, SKF_AD_IFINDEX, SKF_AD_VLAN_TAG,
	SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TPID,
};

static const char *ad_name(uint32_t ad)
{
	switch (ad) {
	case SKF_AD_PROTOCOL: return "proto";
	case SKF_AD_PKTTYPE: return "type";
	case SKF_AD_IFINDEX: return "ifidx";
	case SKF_AD_VLAN_TAG: return "vlan_tci";
	case SKF_AD_VLAN_TAG_PRESENT: return "vlanp";
	case SKF_AD_VLAN_TPID: return "vlan_tpid";
	}
	return "?";
}

/* Hand-written programs: every width of load around the tag, indirect
 * ones (X + k wrapping at 32 bits in the kernel), MSH, BPF_LEN, shifts by
 * X, every ancillary load at every width. */
static void test_live_model(void **state)
{
	static const uint32_t xk[][2] = {
		{ 0, 10 }, { 4, 8 }, { 8, 4 }, { 11, 0 }, { 12, 0 }, { 10, 3 }, { 0, 16 },
		{ 14, 0 }, { 9, 9 }, { 0xfffffff0, 0x1c }, { 0xfffffff0, 0x10 },
		{ 0xffffffff, 13 }, { 0x80000000, 0x80000010 }, { 20, 0xffffffff }, { 3000, 14 },
	};
	static const uint32_t shifts[] = { 0, 1, 31, 32, 33, 63, 64, 0x80000001, 0xffffffff };
	struct tally t = {};
	struct prog p;
	unsigned long n = 0;

	for (uint32_t k = 0; k <= 26; k++) {
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			prog_init(&p, "ld%s [%u]", size_name(sizes[s]), k);
			add(&p, S(BPF_LD | sizes[s] | BPF_ABS, k));
			fold(&p);
			n += lx_prog(&p, LX_ALL, &t, k % 3 == 0);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(xk); i++) {
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			prog_init(&p, "ldx #%#x; ld%s [x + %#x]", xk[i][0], size_name(sizes[s]),
				  xk[i][1]);
			add(&p, S(BPF_LDX | BPF_IMM, xk[i][0]));
			add(&p, S(BPF_LD | sizes[s] | BPF_IND, xk[i][1]));
			fold(&p);
			n += lx_prog(&p, LX_ALL, &t, true);
		}
	}
	for (uint32_t k = 10; k <= 20; k++) {
		prog_init(&p, "ldxb 4*([%u]&0xf); ld [x + 2]", k);
		add(&p, S(BPF_LDX | BPF_MSH | BPF_B, k));
		add(&p, S(BPF_LD | BPF_W | BPF_IND, 2));
		fold(&p);
		n += lx_prog(&p, LX_ALL, &t, k == 14);
	}
	prog_init(&p, "ld len");
	add(&p, S(BPF_LD | BPF_W | BPF_LEN, 0));
	add(&p, S(BPF_ALU | BPF_ADD | BPF_K, 1));
	add(&p, S(BPF_RET | BPF_A, 0));
	n += lx_prog(&p, LX_ALL, &t, true);
	prog_init(&p, "ldx len; txa");
	add(&p, S(BPF_LDX | BPF_W | BPF_LEN, 0));
	add(&p, S(BPF_MISC | BPF_TXA, 0));
	add(&p, S(BPF_ALU | BPF_ADD | BPF_K, 1));
	add(&p, S(BPF_RET | BPF_A, 0));
	n += lx_prog(&p, LX_ALL, &t, false);
	for (size_t i = 0; i < ARRAY_SIZE(shifts); i++) {
		for (int r = 0; r < 2; r++) {
			prog_init(&p, "ldx #%#x; ld #0x87654321; %ssh x; or #1", shifts[i],
				  r ? "r" : "l");
			add(&p, S(BPF_LDX | BPF_IMM, shifts[i]));
			add(&p, S(BPF_LD | BPF_IMM, 0x87654321));
			add(&p, S(BPF_ALU | (r ? BPF_RSH : BPF_LSH) | BPF_X, 0));
			add(&p, S(BPF_ALU | BPF_OR | BPF_K, 1));
			add(&p, S(BPF_RET | BPF_A, 0));
			n += lx_prog(&p, LX_ALL, &t, true);
		}
	}
	for (size_t a = 0; a < ARRAY_SIZE(lx_ads); a++) {
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			prog_init(&p, "ld%s [%s]; lsh #1; or #1", size_name(sizes[s]),
				  ad_name(lx_ads[a]));
			add(&p, S(BPF_LD | sizes[s] | BPF_ABS, AD(lx_ads[a])));
			add(&p, S(BPF_ALU | BPF_LSH | BPF_K, 1));
			add(&p, S(BPF_ALU | BPF_OR | BPF_K, 1));
			add(&p, S(BPF_RET | BPF_A, 0));
			n += lx_prog(&p, LX_ALL, &t, true);
		}
	}
	print_message("# live semantics, hand-written: %lu programs, %lu runs against the model, "
		      "%lu skipped, %lu mismatches\n", n, t.runs, t.skipped, t.mismatches);
	if (t.mismatches)
		fail_msg("live semantics: %lu mismatches (above)", t.mismatches);
}

/* Expressions as libpcap compiles them for a live interface (lo here; the
 * code does not depend on which), and the table's file code: F_LINUX over
 * a file's code is the live view of plain packet loads. */
static const char *const live_exprs[] = {
	"vlan", "vlan 10", "vlan 20", "vlan and udp", "vlan and vlan", "vlan and ip6", "not vlan",
	"udp", "ip", "tcp port 80", "vlan 20 or vlan 100", "vlan and vlan and udp",
	"vlan and arp", "ether[12:2] = 0x8100", "ether[14:2] & 0xfff = 10",
	"ether proto 0x88a8", "len > 80", "inbound", "outbound", "vlan and inbound",
	"ether broadcast", "ether multicast and not vlan", "ifindex 1", "ifindex 2",
	"ip6 protochain 17 and vlan", "inbound and ip6 protochain 6", "ip protochain 17 or vlan 10", "vlan 10 and vlan 20",
	"mpls", "pppoes", "ether[10:4] = 0", "ip[0] << ip[1] > 0", "ether[ether[0] - 250] = 2",
};

static void test_live_expressions(void **state)
{
	struct tally t = {};
	char err[PCAP_ERRBUF_SIZE];
	unsigned long n = 0, kernel = 0;

	for (size_t i = 0; i < ARRAY_SIZE(live_exprs); i++) {
		struct bpf_program bp;
		char what[160];

		if (ps_filter_compile_live("lo", live_exprs[i], 0, &bp, err, sizeof(err)))
			fail_msg("'%s' does not compile live on lo: %s", live_exprs[i], err);
		snprintf(what, sizeof(what), "'%s'", live_exprs[i]);
		kernel += kernel_takes_prog(&bp);
		lx_compare(what, &bp, LX_ALL, &t);
		ps_filter_free(&bp), n++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(expressions); i++) {
		struct bpf_program bp;
		char what[160];

		if (ps_filter_compile(expressions[i], 0, &bp, err, sizeof(err)))
			fail_msg("'%s' does not compile: %s", expressions[i], err);
		snprintf(what, sizeof(what), "file code '%s'", expressions[i]);
		kernel += kernel_takes_prog(&bp);
		lx_compare(what, &bp, LX_XDPS | 1u << LX_TC, &t);
		ps_filter_free(&bp), n++;
	}
	print_message("# live semantics, expressions: %lu (%lu the kernel takes), %lu runs "
		      "against the model, %lu skipped, %lu accepted, %lu mismatches\n", n, kernel,
		      t.runs, t.skipped, t.accepted, t.mismatches);
	if (t.mismatches)
		fail_msg("live expressions: %lu mismatches (above)", t.mismatches);
}

/* The model is libpcap's interpreter where they should agree: a file's
 * code over untagged frames (no ancillary loads; shifts by X and wrapping
 * offsets aside, which the random programs do not have here). */
static void test_live_model_sanity(void **state)
{
	unsigned long runs = 0;
	char err[PCAP_ERRBUF_SIZE];

	for (size_t i = 0; i < ARRAY_SIZE(expressions); i++) {
		struct bpf_program bp;
		struct lmeta m = { 0 };

		assert_int_equal(ps_filter_compile(expressions[i], 0, &bp, err, sizeof(err)), 0);
		for (size_t j = 0; j < corpus.n; j++) {
			const struct frame *f = &corpus.f[j];
			bool hang;
			uint32_t want = peer(&bp, has_backjump(&bp), f, &hang);

			if (hang || f->len != f->wire)
				continue;
			runs++;
			if (model(&bp, false, f->data, f->len, &m) != want)
				fail_msg("model and bpf_filter differ: '%s' on %s", expressions[i],
					 f->name);
		}
		ps_filter_free(&bp);
	}
	print_message("# the model in libpcap mode is bpf_filter on %lu runs\n", runs);
}

/*
 * Live, against the kernel itself: in a private network namespace, a veth
 * pair va -> vb; frames sent on va from a packet socket.  On va, TC egress
 * runs the translation (F_LINUX | F_OUTGOING) and a packet socket the
 * translation as its socket filter; on vb, XDP, TC ingress and a packet
 * socket.  Next to each, a packet socket with the classic program itself
 * (SO_ATTACH_FILTER): what live tcpdump runs.  Each XDP/TC filter records
 * its verdict in a map; a socket's verdict is the length it got (the
 * snap length cuts the packet).  Every program here is one the kernel
 * takes (the others run in libpcap, in user space: see the model tests).
 */

struct lx_live {
	int map, va, vb, tx, ref_va, ref_vb, sk_va, sk_vb;
	unsigned long frames, tagged, dropped, cmp, bad, model_bad, kept;
};

enum { LK_XDP, LK_TC_IN, LK_TC_OUT, LK_MAX };

/* Records R0 at map[key].verdict, counts the run; returns 'code'. */
static int lx_epilogue(struct ps_ebpf_insn *e, int map_fd, int key, int code)
{
	struct bpf_insn i[] = {
		ins(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0),
		ins(BPF_ST | BPF_W | BPF_MEM, 10, 0, -4, key),
		ins(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
		ins(0, 0, 0, 0, 0),
		ins(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		ins(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		ins(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0),
		ins(BPF_STX | BPF_W | BPF_MEM, 0, 7, 0, 0),
		ins(BPF_LDX | BPF_W | BPF_MEM, 1, 0, 4, 0),
		ins(BPF_ALU | BPF_ADD | BPF_K, 1, 0, 0, 1),
		ins(BPF_STX | BPF_W | BPF_MEM, 0, 1, 4, 0),
		ins(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, code),
		ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	memcpy(e, i, sizeof(i));
	return ARRAY_SIZE(i);
}

static void lx_counts(int map, uint32_t rec[LK_MAX][2])
{
	for (int k = 0; k < LK_MAX; k++)
		bpf_map_lookup_elem(map, &k, rec[k]);
}

static void drain(int s)
{
	static uint8_t b[2048];

	while (recv(s, b, sizeof(b), MSG_TRUNC) >= 0)
		;
}

/* The length a socket got (0: nothing), from one recv. */
static uint32_t got_len(int s)
{
	static uint8_t b[2048];
	ssize_t r = recv(s, b, sizeof(b), MSG_TRUNC);

	return r > 0 ? (uint32_t)r : 0;
}

static uint32_t cut(uint32_t ret, uint32_t len)
{
	return ret < len ? ret : len;
}

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		print_error("live: `%s` failed (%d)\n", cmd, rc);
	return rc;
}

static void lx_mismatch(struct lx_live *L, const char *what, const struct frame *f,
			const char *hook, uint32_t ours, uint32_t ref)
{
	if (++L->bad <= 25)
		print_error("LIVE MISMATCH %s | %s (%u bytes) | %s: translation %u, kernel %u\n", what,
			    f->name, f->len, hook, ours, ref);
}

/* One program at every hook over every frame. */
static void lx_live_prog(struct lx_live *L, const char *what, const struct bpf_program *bp,
			 const uint8_t *vb_addr)
{
	struct ps_ebpf_insn ex[PS_FILTER_EPILOGUE_MAX], ei[PS_FILTER_EPILOGUE_MAX],
		eo[PS_FILTER_EPILOGUE_MAX], er[PS_FILTER_EPILOGUE_MAX];
	struct ps_filter_opts lin = { .flags = PS_FILTER_F_LINUX },
			      out = { .flags = PS_FILTER_F_LINUX | PS_FILTER_F_OUTGOING };
	struct sock_fprog fp = { .len = bp->bf_len, .filter = (struct sock_filter *)bp->bf_insns };
	size_t nx = lx_epilogue(ex, L->map, LK_XDP, XDP_PASS);
	size_t ni = lx_epilogue(ei, L->map, LK_TC_IN, TC_ACT_SHOT);
	size_t no = lx_epilogue(eo, L->map, LK_TC_OUT, TC_ACT_OK);
	size_t nr = ps_filter_epilogue_return(er);
	struct ps_filter_opts xo = { .flags = PS_FILTER_F_LINUX, .dev_addr_set = true };
	int xfd, ifd, ofd, sfd;
	static uint8_t view[2048];

	memcpy(xo.dev_addr, vb_addr, 6);
	if (ps_filter_load_opts(bp, PS_FILTER_XDP, ex, nx, &xo, &xfd) ||
	    ps_filter_load_opts(bp, PS_FILTER_TC, ei, ni, &lin, &ifd) ||
	    ps_filter_load_opts(bp, PS_FILTER_TC, eo, no, &out, &ofd) ||
	    ps_filter_load_opts(bp, PS_FILTER_SOCKET, er, nr, &lin, &sfd))
		fail_msg("live: '%s' does not load", what);
	{
		LIBBPF_OPTS(bpf_tc_hook, hi, .ifindex = L->vb, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_hook, ho, .ifindex = L->va, .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, ti, .handle = 1, .priority = 1, .prog_fd = ifd,
			    .flags = BPF_TC_F_REPLACE);
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = 1, .priority = 1, .prog_fd = ofd,
			    .flags = BPF_TC_F_REPLACE);

		if (bpf_xdp_attach(L->vb, xfd, 0, NULL) || bpf_tc_attach(&hi, &ti) ||
		    bpf_tc_attach(&ho, &to) ||
		    setsockopt(L->sk_vb, SOL_SOCKET, SO_ATTACH_BPF, &sfd, sizeof(sfd)) ||
		    setsockopt(L->sk_va, SOL_SOCKET, SO_ATTACH_BPF, &sfd, sizeof(sfd)) ||
		    setsockopt(L->ref_vb, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) ||
		    setsockopt(L->ref_va, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)))
			fail_msg("live: attaching '%s': %s", what, strerror(errno));
	}
	drain(L->ref_va), drain(L->ref_vb), drain(L->sk_va), drain(L->sk_vb);

	for (size_t i = 0; i < lx_frames.n; i++) {
		const struct frame *f = &lx_frames.f[i];
		uint32_t before[LK_MAX][2], now[LK_MAX][2], vlen, rva, rvb, sva, svb, want;
		bool seen, tagged = outer_tag(f->data, f->len);
		struct lmeta m;
		int tries = 0;

		/* Whole frames veth carries, one Ethernet header up. */
		if (f->len < 14 || f->len > 1514 + (tagged ? 4 : 0))
			continue;
		seen = rx_view(f->data, f->len, vb_addr, L->vb, view, &vlen, &m);
		lx_counts(L->map, before);
		if (send(L->tx, f->data, f->len, 0) != (ssize_t)f->len)
			continue;
		/* XDP and TC egress have run once XDP counted; TC ingress
		 * runs unless the stack dropped the frame. */
		do {
			lx_counts(L->map, now);
		} while ((now[LK_XDP][1] == before[LK_XDP][1] ||
			  (seen && now[LK_TC_IN][1] == before[LK_TC_IN][1])) && ++tries < 200000);
		if (now[LK_XDP][1] != before[LK_XDP][1] + 1 ||
		    now[LK_TC_OUT][1] != before[LK_TC_OUT][1] + 1 ||
		    now[LK_TC_IN][1] != before[LK_TC_IN][1] + seen) {
			lx_mismatch(L, what, f, "run counts (xdp, tc out, tc in seen?)",
				    now[LK_XDP][1] - before[LK_XDP][1], seen);
			continue;
		}
		L->frames++;
		L->tagged += tagged;
		L->dropped += !seen;
		rva = got_len(L->ref_va);
		rvb = got_len(L->ref_vb);
		sva = got_len(L->sk_va);
		svb = got_len(L->sk_vb);
		drain(L->ref_va), drain(L->ref_vb), drain(L->sk_va), drain(L->sk_vb);
		L->kept += rvb != 0;
		L->cmp += 5;
		if (cut(now[LK_XDP][0], vlen) != rvb && (seen || now[LK_XDP][0]))
			lx_mismatch(L, what, f, "xdp", now[LK_XDP][0], rvb);
		if (!seen && now[LK_XDP][0])
			lx_mismatch(L, what, f, "xdp (a frame the stack drops)", now[LK_XDP][0], 0);
		if (seen && cut(now[LK_TC_IN][0], vlen) != rvb)
			lx_mismatch(L, what, f, "tc ingress", now[LK_TC_IN][0], rvb);
		if (cut(now[LK_TC_OUT][0], f->len) != rva)
			lx_mismatch(L, what, f, "tc egress", now[LK_TC_OUT][0], rva);
		if (svb != rvb)
			lx_mismatch(L, what, f, "socket on vb", svb, rvb);
		if (sva != rva)
			lx_mismatch(L, what, f, "socket on va (outgoing)", sva, rva);
		/* And the model the offline tests trust. */
		want = seen ? cut(model(bp, true, view, vlen, &m), vlen) : 0;
		if (want != rvb && ++L->model_bad <= 10)
			print_error("LIVE MODEL MISMATCH %s | %s: model %u, kernel %u\n", what,
				    f->name, want, rvb);
	}
	bpf_xdp_detach(L->vb, 0, NULL);
	close(xfd);
	close(ifd);
	close(ofd);
	close(sfd);
}

static int lx_live_child(void)
{
	static const char *const disable[] = { "/proc/sys/net/ipv6/conf/all/disable_ipv6",
					       "/proc/sys/net/ipv6/conf/default/disable_ipv6" };
	struct lx_live L = {};
	struct ifreq ifr = {};
	uint8_t vb_addr[6];
	char err[PCAP_ERRBUF_SIZE];
	unsigned long progs = 0;
	int s;

	if (unshare(CLONE_NEWNET)) {
		print_error("live: no private network namespace: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(disable); i++) {
		FILE *f = fopen(disable[i], "w");

		if (f) {
			fputs("1", f);
			fclose(f);
		}
	}
	if (sh("ip link add va type veth peer name vb") || sh("ip link set lo up") ||
	    sh("ip link set va up") || sh("ip link set vb up"))
		return 1;
	L.va = if_nametoindex("va");
	L.vb = if_nametoindex("vb");
	/* GRO off on vb: one frame in, one frame to the sockets. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	{
		struct { uint32_t cmd, data; } ev = { 0x2c /* ETHTOOL_SGRO */, 0 };

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vb");
		ifr.ifr_data = (void *)&ev;
		ioctl(s, SIOCETHTOOL, &ifr);
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vb");
		if (ioctl(s, SIOCGIFHWADDR, &ifr)) {
			print_error("live: vb's address: %s\n", strerror(errno));
			return 1;
		}
		memcpy(vb_addr, ifr.ifr_hwaddr.sa_data, 6);
	}
	close(s);
	L.map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ps_test_lx", 4, 8, LK_MAX, NULL);
	L.tx = packet_socket(L.va, 0);
	L.ref_va = packet_socket(L.va, ETH_P_ALL);
	L.sk_va = packet_socket(L.va, ETH_P_ALL);
	L.ref_vb = packet_socket(L.vb, ETH_P_ALL);
	L.sk_vb = packet_socket(L.vb, ETH_P_ALL);
	if (L.map < 0 || L.tx < 0 || L.ref_va < 0 || L.sk_va < 0 || L.ref_vb < 0 || L.sk_vb < 0) {
		print_error("live: map or sockets: %s\n", strerror(errno));
		return 1;
	}
	/* packet_socket() ignores outgoing packets: va's sockets want them. */
	{
		int zero = 0;

		setsockopt(L.ref_va, SOL_PACKET, PACKET_IGNORE_OUTGOING, &zero, sizeof(zero));
		setsockopt(L.sk_va, SOL_PACKET, PACKET_IGNORE_OUTGOING, &zero, sizeof(zero));
	}
	{
		LIBBPF_OPTS(bpf_tc_hook, hi, .ifindex = L.vb, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_hook, ho, .ifindex = L.va, .attach_point = BPF_TC_EGRESS);
		struct pcap_insn one[] = { S(BPF_RET | BPF_K, 1) };
		struct bpf_program bp1 = { .bf_len = 1, .bf_insns = one };
		struct ps_ebpf_insn e[PS_FILTER_EPILOGUE_MAX];
		struct ps_filter_opts lin = { .flags = PS_FILTER_F_LINUX };
		LIBBPF_OPTS(bpf_tc_opts, t0, .handle = 1, .priority = 1);
		int fd;

		if (bpf_tc_hook_create(&hi) || bpf_tc_hook_create(&ho)) {
			print_error("live: clsact: %s\n", strerror(errno));
			return 1;
		}
		/* A first filter in place, to be replaced by each program's. */
		if (ps_filter_load_opts(&bp1, PS_FILTER_TC, e, ps_filter_epilogue_verdict(e, TC_ACT_OK, TC_ACT_OK), &lin, &fd))
			return 1;
		t0.prog_fd = fd;
		if (bpf_tc_attach(&hi, &t0)) {
			print_error("live: tc ingress: %s\n", strerror(errno));
			return 1;
		}
		t0.prog_fd = fd;
		t0.prog_id = 0;
		if (bpf_tc_attach(&ho, &t0)) {
			print_error("live: tc egress: %s\n", strerror(errno));
			return 1;
		}
		close(fd);
	}

	for (size_t i = 0; i < ARRAY_SIZE(live_exprs); i++) {
		struct bpf_program bp;
		char what[160];

		if (ps_filter_compile_live("vb", live_exprs[i], 0, &bp, err, sizeof(err))) {
			print_error("live: '%s' does not compile on vb: %s\n", live_exprs[i], err);
			return 1;
		}
		snprintf(what, sizeof(what), "'%s'", live_exprs[i]);
		if (kernel_takes_prog(&bp)) {
			lx_live_prog(&L, what, &bp, vb_addr);
			progs++;
		}
		ps_filter_free(&bp);
	}
	/* Probes: every ancillary load, loads around the tag, indirect
	 * loads that wrap, shifts by X. */
	{
		static const uint32_t ks[] = { 6, 9, 10, 11, 12, 13, 14, 15, 16, 18 };
		static const uint32_t xk[][2] = { { 11, 0 }, { 0xfffffff0, 0x1c }, { 0xffffffff, 13 } };
		struct prog p;
		struct bpf_program bp;

		for (size_t a = 0; a < ARRAY_SIZE(lx_ads); a++) {
			prog_init(&p, "ld [%s]", ad_name(lx_ads[a]));
			add(&p, S(BPF_LD | BPF_W | BPF_ABS, AD(lx_ads[a])));
			fold(&p);
			bp = (struct bpf_program){ .bf_len = p.n, .bf_insns = p.insns };
			lx_live_prog(&L, p.name, &bp, vb_addr), progs++;
		}
		for (size_t i = 0; i < ARRAY_SIZE(ks); i++)
			for (size_t s2 = 0; s2 < ARRAY_SIZE(sizes); s2++) {
				prog_init(&p, "ld%s [%u]", size_name(sizes[s2]), ks[i]);
				add(&p, S(BPF_LD | sizes[s2] | BPF_ABS, ks[i]));
				fold(&p);
				bp = (struct bpf_program){ .bf_len = p.n, .bf_insns = p.insns };
				lx_live_prog(&L, p.name, &bp, vb_addr), progs++;
			}
		for (size_t i = 0; i < ARRAY_SIZE(xk); i++) {
			prog_init(&p, "ldx #%#x; ld [x + %#x]", xk[i][0], xk[i][1]);
			add(&p, S(BPF_LDX | BPF_IMM, xk[i][0]));
			add(&p, S(BPF_LD | BPF_W | BPF_IND, xk[i][1]));
			fold(&p);
			bp = (struct bpf_program){ .bf_len = p.n, .bf_insns = p.insns };
			lx_live_prog(&L, p.name, &bp, vb_addr), progs++;
		}
		prog_init(&p, "ld len");
		add(&p, S(BPF_LD | BPF_W | BPF_LEN, 0));
		fold(&p);
		bp = (struct bpf_program){ .bf_len = p.n, .bf_insns = p.insns };
		lx_live_prog(&L, p.name, &bp, vb_addr), progs++;
		prog_init(&p, "ldx #33; ld #0x87654321; lsh x");
		add(&p, S(BPF_LDX | BPF_IMM, 33));
		add(&p, S(BPF_LD | BPF_IMM, 0x87654321));
		add(&p, S(BPF_ALU | BPF_LSH | BPF_X, 0));
		fold(&p);
		bp = (struct bpf_program){ .bf_len = p.n, .bf_insns = p.insns };
		lx_live_prog(&L, p.name, &bp, vb_addr), progs++;
	}
	print_message("# live over veth: %lu programs, %lu frame sends (%lu with an outer tag, "
		      "%lu the stack drops), %lu comparisons with the kernel's classic filter, "
		      "%lu mismatches; the model disagrees with the kernel %lu times; kept on vb "
		      "%lu\n", progs, L.frames, L.tagged, L.dropped, L.cmp, L.bad, L.model_bad,
		      L.kept);
	if (L.frames < 1000 || L.tagged < 200) {
		print_error("live: too few frames went through\n");
		return 1;
	}
	return L.bad + L.model_bad ? 1 : 0;
}

static void test_live_linux(void **state)
{
	run_in_child(lx_live_child, "live Linux semantics test");
}

/* ---- errors ---- */

static void test_compile_errors(void **state)
{
	static const char *const bad[] = { "tcp port 99999", "foo bar", "ip[", "host",
					   "vlan 5000", "tcp[0] << 33 = 0" };
	char err[PCAP_ERRBUF_SIZE];
	struct bpf_program bp;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(ps_filter_compile(bad[i], 0, &bp, err, sizeof(err)), -EINVAL);
		print_message("# '%s': %s\n", bad[i], err);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
	}
	for (size_t i = 0; i < ARRAY_SIZE(refused_expressions); i++) {
		err[0] = '\0';
		assert_int_equal(ps_filter_compile(refused_expressions[i], 0, &bp, err,
						   sizeof(err)), -EINVAL);
		print_message("# '%s': %s\n", refused_expressions[i], err);
		assert_string_equal(err, "expression rejects all packets");
	}
	/* The empty expression keeps everything, with the snap length. */
	assert_int_equal(ps_filter_compile(NULL, 96, &bp, err, sizeof(err)), 0);
	assert_int_equal(ps_filter_interpret(&bp, corpus.f[0].data, corpus.f[0].len,
					     corpus.f[0].len), 96);
	ps_filter_free(&bp);
}

static void test_translate_errors(void **state)
{
	static const struct {
		const char *what;
		struct pcap_insn i[3];
		unsigned int n;
		int err;
	} bad[] = {
		{ "div #0", { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2, -EINVAL },
		{ "mod #0", { BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2, -EINVAL },
		{ "unknown opcode", { BPF_STMT(0xff, 0), BPF_STMT(BPF_RET | BPF_A, 0) }, 2, -ENOTSUP },
		{ "ret x", { BPF_STMT(BPF_RET | BPF_X, 0) }, 1, -ENOTSUP },
		{ "M[16]", { BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_A, 0) }, 2, -EINVAL },
		{ "jump past the end", { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), BPF_STMT(BPF_RET | BPF_A, 0) },
		  2, -EINVAL },
		{ "ja past the end", { BPF_STMT(BPF_JMP | BPF_JA, 7), BPF_STMT(BPF_RET | BPF_A, 0) }, 2, -EINVAL },
		{ "ja before the start", { BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)-5), BPF_STMT(BPF_RET | BPF_A, 0) },
		  2, -EINVAL },
		{ "no return at the end", { BPF_STMT(BPF_LD | BPF_IMM, 1) }, 1, -EINVAL },
		{ "empty", { BPF_STMT(0, 0) }, 0, -EINVAL },
	};
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX], *out;
	size_t n = ps_filter_epilogue_return(epi), out_n;
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct bpf_program bp = { .bf_len = bad[i].n, .bf_insns = (struct pcap_insn *)bad[i].i };
		int rc = ps_filter_translate(&bp, PS_FILTER_XDP, 0, epi, n, &out, &out_n, err,
					     sizeof(err));

		print_message("# %s: %s\n", bad[i].what, err);
		if (rc != bad[i].err)
			fail_msg("%s: got %d, want %d", bad[i].what, rc, bad[i].err);
		assert_null(out);
		assert_true(strlen(err) > 0);
	}
	/* An epilogue that jumps out of itself. */
	{
		struct pcap_insn ok[] = { S(BPF_RET | BPF_K, 1) };
		struct bpf_program bp = { .bf_len = 1, .bf_insns = ok };
		struct ps_ebpf_insn e[2];

		memset(e, 0, sizeof(e));
		e[0].code = BPF_JMP | BPF_JA;
		e[0].off = 3;
		e[1].code = BPF_JMP | BPF_EXIT;
		assert_int_equal(ps_filter_translate(&bp, PS_FILTER_TC, 0, e, 2, &out, &out_n, err,
						     sizeof(err)), -EINVAL);
		print_message("# bad epilogue: %s\n", err);
	}
}

/* A program the kernel refuses (an epilogue that runs off its end): an
 * error, with the verifier's log where the caller asked for it. */
static void test_load_error_log(void **state)
{
	struct pcap_insn ok[] = { S(BPF_RET | BPF_K, 1) };
	struct bpf_program bp = { .bf_len = 1, .bf_insns = ok };
	struct ps_filter_opts o = { .log_buf = vlog, .log_size = sizeof(vlog) };
	struct ps_ebpf_insn e[1];
	int fd = -1;

	memset(e, 0, sizeof(e));
	e[0].code = BPF_ALU | BPF_MOV | BPF_K; /* w0 = 0, and no exit */
	vlog[0] = '\0';
	assert_int_equal(ps_filter_load_opts(&bp, PS_FILTER_XDP, e, 1, &o, &fd), -EINVAL);
	assert_int_equal(fd, -1);
	print_message("# verifier log of a refused filter: %.*s\n", (int)strcspn(vlog, "\n"),
		      vlog);
	assert_true(strlen(vlog) > 0);
}

/* ---- performance notes ---- */

/* ns per run, the best of 5 rounds of 10^6: the least disturbed. */
static __u32 min_ns(int fd, const struct pkt_case *pc)
{
	struct ps_run_result r = {};
	__u32 best = ~0u;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(ps_run(fd, pc->data, pc->len, NULL, 0, 1000000, &r), 0);
		if (r.duration < best)
			best = r.duration;
	}
	return best;
}

static void test_perf_notes(void **state)
{
	static const char *const exprs[] = { "", "tcp port 80", "src net 10.0.0.0/8 and not icmp",
					     "tcp[tcpflags] & tcp-syn != 0",
					     "udp and (port 53 or port 5353 or portrange 33434-33534)",
					     "vlan and udp", "ip6 protochain 6", "greater 70000",
					     "host 10.0.0.1 or host 10.0.0.3 or host 10.0.0.5 or "
					     "host 10.0.0.7 or host 10.0.0.9" };
	const struct pkt_case *pc = pkt_case_by_name("ipv4_tcp_data");
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX], *out;
	size_t ne = ps_filter_epilogue_return(epi);
	char err[PCAP_ERRBUF_SIZE];

	struct ps_run_result r0 = {};
	int base;

	assert_non_null(pc);
	/* What a test run costs with a program that does nothing. */
	base = load_ret(BPF_PROG_TYPE_XDP, true, BPF_XDP, XDP_PASS);
	assert_true(base >= 0);
	r0.duration = min_ns(base, pc);
	close(base);
	print_message("# XDP test run of %s (%u bytes), best of 5 x 10^6; a program that "
		      "only returns: %u ns\n", pc->name, pc->len, r0.duration);
	print_message("# %-58s %6s %6s %6s %6s %9s %8s\n", "expression", "cBPF", "xdp", "tc",
		      "socket", "verified", "ns/pkt");
	for (size_t e = 0; e < ARRAY_SIZE(exprs); e++) {
		struct bpf_program bp;
		size_t cnt[3];
		struct bpf_prog_info info = {};
		__u32 ilen = sizeof(info);
		struct ps_run_result r = {};
		int fd;

		assert_int_equal(ps_filter_compile(exprs[e], 0, &bp, err, sizeof(err)), 0);
		for (int t = 0; t < 3; t++) {
			assert_int_equal(ps_filter_translate(&bp, t, 0, epi, ne, &out, &cnt[t], err,
							     sizeof(err)), 0);
			free(out);
		}
		assert_int_equal(ps_filter_load(&bp, PS_FILTER_XDP, epi, ne, &fd), 0);
		assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &ilen), 0);
		r.duration = min_ns(fd, pc);
		print_message("# %-58.58s %6u %6zu %6zu %6zu %9u %8u\n", exprs[e][0] ? exprs[e] : "(empty)",
			      bp.bf_len, cnt[0], cnt[1], cnt[2], info.verified_insns, r.duration);
		close(fd);
		ps_filter_free(&bp);
	}
}

/* ---- setup ---- */

static void test_expressions_total(void **state)
{
	print_message("# expressions: %zu, over %zu frames each: %lu runs compared, %lu skipped, "
		      "%lu mismatches\n", ARRAY_SIZE(expressions), corpus.n, expr_total.runs,
		      expr_total.skipped, expr_total.mismatches);
	assert_true(ARRAY_SIZE(expressions) >= 40);
	assert_int_equal(expr_total.mismatches, 0);
}

int main(void)
{
	static struct expr_state es[ARRAY_SIZE(expressions)];
	struct CMUnitTest tests[ARRAY_SIZE(expressions) + 32];
	size_t n = 0;
	uint64_t seed = 7;
	int ret;

	build_frames();
	for (size_t a = 0; a < ARRAY_SIZE(interesting); a++)
		frames_add(&alu_a_frames, alu_frames.f[a * ARRAY_SIZE(interesting)].name,
			   alu_frames.f[a * ARRAY_SIZE(interesting)].data, 60, 60);
	for (int i = 0; i < 40; i++) {
		uint32_t len = i < 30 ? 14 + rnd() % 120 : 200 + rnd() % 6000;
		uint8_t *d = malloc(len);
		char name[32];

		if (!d)
			return 1;
		for (uint32_t j = 0; j < len; j++)
			d[j] = rnd() % 4 ? rnd() : rnd() % 3;
		snprintf(name, sizeof(name), "fuzz%02d", i);
		frames_add(&fuzz_frames, name, d, len, len);
	}
	(void)seed;
	build_lx_frames();
	lo_index = if_nametoindex("lo");
	print_message("# corpus: %zu frames (crafted, cut short, random); %zu patterned; %zu for "
		      "the live view (tagged, untagged, short)\n", corpus.n, pattern.n,
		      lx_frames.n);

	add_test(tests, &n, test_ret, NULL, "ret_imm_tax_txa");
	add_test(tests, &n, test_ld_abs, NULL, "ld_abs");
	add_test(tests, &n, test_ld_ind, NULL, "ld_ind");
	add_test(tests, &n, test_ldx_msh, NULL, "ldx_msh");
	add_test(tests, &n, test_len, NULL, "len");
	add_test(tests, &n, test_scratch, NULL, "scratch");
	add_test(tests, &n, test_scratch_zeroed, NULL, "scratch_zeroed");
	add_test(tests, &n, test_alu_k, NULL, "alu_k");
	add_test(tests, &n, test_alu_x, NULL, "alu_x");
	add_test(tests, &n, test_jmp, NULL, "jmp");
	add_test(tests, &n, test_backjump, NULL, "backjump");
	add_test(tests, &n, test_random_programs, NULL, "random_programs");
	for (size_t i = 0; i < ARRAY_SIZE(expressions); i++) {
		es[i].expr = expressions[i];
		add_test(tests, &n, test_expression, &es[i], "expr '%s'", expressions[i]);
	}
	add_test(tests, &n, test_expressions_total, NULL, "expressions_total");
	add_test(tests, &n, test_wire_len, NULL, "wire_len");
	add_test(tests, &n, test_epilogue_verdict, NULL, "epilogue_verdict");
	add_test(tests, &n, test_tail_call_xdp, NULL, "tail_call_xdp");
	add_test(tests, &n, test_tail_call_tc, NULL, "tail_call_tc");
	add_test(tests, &n, test_live_vlan_meta, NULL, "live_vlan_meta");
	add_test(tests, &n, test_live_model_sanity, NULL, "live_model_sanity");
	add_test(tests, &n, test_live_model, NULL, "live_model");
	add_test(tests, &n, test_live_expressions, NULL, "live_expressions");
	add_test(tests, &n, test_live_linux, NULL, "live_linux");
	add_test(tests, &n, test_compile_errors, NULL, "compile_errors");
	add_test(tests, &n, test_translate_errors, NULL, "translate_errors");
	add_test(tests, &n, test_load_error_log, NULL, "load_error_log");
	add_test(tests, &n, test_perf_notes, NULL, "perf_notes");

	ret = _cmocka_run_group_tests("filter", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	return ret;
}
