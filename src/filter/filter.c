// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Classic BPF to eBPF, exactly as libpcap's interpreter runs it (a file's
 * code), or as the kernel runs a live capture's code (PS_FILTER_F_LINUX).
 *
 * Registers: R6 = ctx, R7 = A, R8 = X, R9 = packet data (XDP, TC); R0-R5
 * are scratch and die at every helper call.  Stack: M[0..15] at fp-64, an
 * 8-byte load buffer for the helpers, the backward-jump counter, and the
 * head of copy 1's virtual frame (below).
 *
 * Layout of the program:
 *	prologue, body (copy 0), reject, epilogue,
 *	[VLAN prologue, body (copy 1)], slow paths
 * Copy 1 is the same classic program over a virtual frame: at TC and at a
 * socket with PS_FILTER_F_VLAN_META, for frames whose VLAN tag the kernel
 * moved into skb metadata, the frame with the tag put back (its first 20
 * bytes on the stack); at XDP with PS_FILTER_F_LINUX, for frames with an
 * outer 802.1Q/802.1ad tag, the frame without it (its first 16 bytes on
 * the stack), as the stack will hand it on.  Keeping it a separate copy
 * leaves untagged frames without a single extra instruction (at XDP, live:
 * one EtherType check).
 *
 * Slow paths (loads beyond the linear data) sit at the end, out of the way
 * of the straight-line code, and jump back.  The kernel's verifier accepts
 * those backward jumps: they close no loop.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <bpf/bpf.h>
#include "filter.h"
#include "log.h"

_Static_assert(sizeof(struct ps_ebpf_insn) == sizeof(struct bpf_insn),
	       "ps_ebpf_insn is the kernel's struct bpf_insn");
_Static_assert(sizeof(struct sock_filter) == 8, "classic insn is 8 bytes");

/* In filter_pcap.c, which may include libpcap's headers. */
const void *ps__filter_classic(const struct bpf_program *prog, size_t *n);

#define R_CTX BPF_REG_6
#define R_A BPF_REG_7
#define R_X BPF_REG_8
#define R_PKT BPF_REG_9
#define R_FP BPF_REG_10
/* The end of the linear data, between helper calls (which clobber it and
 * are each followed by a reload): one load from the context less per
 * packet load. */
#define R_END BPF_REG_5

/* Stack slots, as offsets from R10. */
#define ST_MEM(i) (-64 + 4 * (int)(i)) /* M[0..15]: -64 .. -1 */
#define ST_BUF (-72)                   /* helper loads land here */
#define ST_CNT (-80)                   /* backward jumps taken */
#define ST_VH (-104)                   /* virtual frame head: 24 bytes */
#define VH_LEN 20 /* loads that end within this come from ST_VH */
#define VLAN_HLEN 4
/* XDP, live view of a tagged frame (see untag_prologue): the head of the
 * frame with its outer tag taken out, v[0..16) = p[0..12) p[16..20), is at
 * ST_VH; loads that end within it read it there. */
#define UH_LEN 16
#define ETH_HLEN_ 14

/* The Linux kernel's ancillary loads (SKF_AD_*, <linux/filter.h>): a
 * classic load at SKF_AD_OFF + n reads packet metadata.  The kernel knows
 * these; a classic program with any other load at or above SKF_AD_OFF is
 * refused by SO_ATTACH_FILTER. */
#define AD_OFF ((__u32)SKF_AD_OFF)
static const __u32 kernel_ad[] = {
	SKF_AD_PROTOCOL, SKF_AD_PKTTYPE, SKF_AD_IFINDEX, SKF_AD_NLATTR, SKF_AD_NLATTR_NEST,
	SKF_AD_MARK, SKF_AD_QUEUE, SKF_AD_HATYPE, SKF_AD_RXHASH, SKF_AD_CPU,
	SKF_AD_ALU_XOR_X, SKF_AD_VLAN_TAG, SKF_AD_VLAN_TAG_PRESENT, SKF_AD_PAY_OFFSET,
	SKF_AD_RANDOM, SKF_AD_VLAN_TPID,
};
#define KERNEL_MAXINSNS 4096 /* the kernel's BPF_MAXINSNS for classic filters */
#define PACKET_HOST_ 0
#define PACKET_BROADCAST_ 1
#define PACKET_MULTICAST_ 2
#define PACKET_OTHERHOST_ 3
#define PACKET_OUTGOING_ 4
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88a8
#define ETH_P_802_3_ 0x0001
#define ETH_P_802_2_ 0x0004
#define ETH_P_802_3_MIN_ 0x0600

/* Largest offset read directly: the verifier tracks packet ranges up to
 * 0xffff, and no linear part is longer. */
#define FAST_MAX 0xff00

#ifndef BPF_F_XDP_HAS_FRAGS
#define BPF_F_XDP_HAS_FRAGS (1U << 5)
#endif

enum { L_REJECT, L_EPI, L_VLAN, L_FIRST };

struct slow {
	int label, resume;
	bool reg;  /* offset in R2 (else the constant k) */
	__u32 k;
	int size;  /* 1, 2 or 4 */
	int dst;
	int fail;  /* where a load beyond the frame goes (constant offsets) */
};

struct xl {
	const struct sock_filter *c;
	size_t n;
	enum ps_filter_target target;
	unsigned int flags;
	bool fast;   /* direct reads of the linear data */
	bool helper; /* a helper reads what lies beyond */
	bool vlan;   /* emitting copy 1 */
	bool untag;  /* copy 1 is the XDP live view of a tagged frame (else
		      * the frame with the metadata tag put back) */
	bool loops;  /* the program has backward jumps */
	bool lnx;    /* PS_FILTER_F_LINUX: compiled for a live capture */
	const __u8 *dev_addr; /* XDP PKTTYPE: the device's MAC, or NULL */
	bool kclassic; /* lnx, and the kernel takes the classic program:
			* its semantics (else libpcap's own interpreter's,
			* in user space, as libpcap falls back to) */
	int base;    /* label of the current copy's first classic insn */

	struct bpf_insn *out;
	size_t len, cap;
	int *pos; /* label -> insn index, -1 until placed */
	size_t nlab, labcap;
	struct fixup {
		size_t at;
		int label;
	} *fix;
	size_t nfix, fixcap;
	struct slow *slow;
	size_t nslow, slowcap;

	int err;
	char *errbuf;
	size_t errlen;
};

static void fail(struct xl *x, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct xl *x, int err, const char *fmt, ...)
{
	va_list ap;

	if (x->err)
		return;
	x->err = err;
	if (x->errbuf && x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->errbuf, x->errlen, fmt, ap);
		va_end(ap);
	}
}

static bool grow(struct xl *x, void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * size);
	if (!np) {
		fail(x, -ENOMEM, "out of memory");
		return false;
	}
	*p = np;
	*cap = ncap;
	return true;
}

static void emit(struct xl *x, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn *i;

	if (x->err || !grow(x, (void **)&x->out, &x->cap, x->len + 1, sizeof(*x->out)))
		return;
	i = &x->out[x->len++];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst;
	i->src_reg = src;
	i->off = off;
	i->imm = imm;
}

static int new_label(struct xl *x)
{
	if (x->err || !grow(x, (void **)&x->pos, &x->labcap, x->nlab + 1, sizeof(*x->pos)))
		return 0;
	x->pos[x->nlab] = -1;
	return (int)x->nlab++;
}

static void place(struct xl *x, int label)
{
	if (!x->err)
		x->pos[label] = (int)x->len;
}

/* A jump to 'label', resolved once every label is placed. */
static void emit_j(struct xl *x, __u8 code, __u8 dst, __u8 src, __s32 imm, int label)
{
	if (x->err || !grow(x, (void **)&x->fix, &x->fixcap, x->nfix + 1, sizeof(*x->fix)))
		return;
	x->fix[x->nfix].at = x->len;
	x->fix[x->nfix].label = label;
	x->nfix++;
	emit(x, code, dst, src, 0, imm);
}

#define JA(x, label) emit_j(x, BPF_JMP | BPF_JA, 0, 0, 0, label)

static void mov32_imm(struct xl *x, int dst, __u32 v)
{
	emit(x, BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (__s32)v);
}

static void mov64_reg(struct xl *x, int dst, int src)
{
	emit(x, BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

static void add64_imm(struct xl *x, int dst, __s32 v)
{
	emit(x, BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, v);
}

static void ldx(struct xl *x, int size, int dst, int src, __s16 off)
{
	emit(x, BPF_LDX | size | BPF_MEM, dst, src, off, 0);
}

static void call(struct xl *x, int func)
{
	emit(x, BPF_JMP | BPF_CALL, 0, 0, 0, func);
}

static int size_code(int size)
{
	return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
}

static void bswap(struct xl *x, int dst, int size)
{
	if (size > 1)
		emit(x, BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, size * 8);
}

static int data_off(const struct xl *x)
{
	return x->target == PS_FILTER_XDP ? (int)offsetof(struct xdp_md, data)
					  : (int)offsetof(struct __sk_buff, data);
}

static int data_end_off(const struct xl *x)
{
	return x->target == PS_FILTER_XDP ? (int)offsetof(struct xdp_md, data_end)
					  : (int)offsetof(struct __sk_buff, data_end);
}

/* bpf_xdp_load_bytes() works on linear frames too: a linear XDP filter
 * uses it only in programs with loops (see load_reg). */
static int load_helper(const struct xl *x)
{
	return x->target == PS_FILTER_XDP ? BPF_FUNC_xdp_load_bytes : BPF_FUNC_skb_load_bytes;
}

static void reload_end(struct xl *x)
{
	if (x->fast)
		ldx(x, BPF_W, R_END, R_CTX, data_end_off(x));
}

/* The helper call of a load, offset already in R2:
 * dst = be(size bytes at R2), or reject. */
static void helper_load_tail(struct xl *x, int size, int dst, int fail)
{
	mov64_reg(x, BPF_REG_1, R_CTX);
	mov64_reg(x, BPF_REG_3, R_FP);
	add64_imm(x, BPF_REG_3, ST_BUF);
	mov32_imm(x, BPF_REG_4, size);
	call(x, load_helper(x));
	/* Before the branch: 'fail' may be a place that reads packets. */
	reload_end(x);
	emit_j(x, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 0, fail);
	ldx(x, size_code(size), dst, R_FP, ST_BUF);
}

static void add_slow(struct xl *x, int label, int resume, bool reg, __u32 k, int size, int dst,
		     int fail)
{
	if (x->err || !grow(x, (void **)&x->slow, &x->slowcap, x->nslow + 1, sizeof(*x->slow)))
		return;
	x->slow[x->nslow++] = (struct slow){ label, resume, reg, k, size, dst, fail };
}

/* dst = size bytes at the constant offset 'off' of the real frame, in
 * host order (swap) or as they lie in memory; beyond the frame: goto fail. */
static void load_const_ex(struct xl *x, __u64 off, int size, int dst, int fail, bool swap)
{
	int slow, resume;

	if (off + size > INT_MAX) {
		/* Beyond any frame: libpcap rejects, whatever the packet. */
		JA(x, fail);
		return;
	}
	if (x->fast && off + size <= FAST_MAX) {
		slow = x->helper ? new_label(x) : fail;
		mov64_reg(x, BPF_REG_1, R_PKT);
		add64_imm(x, BPF_REG_1, (__s32)(off + size));
		emit_j(x, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_1, R_END, 0, slow);
		if (off <= SHRT_MAX) {
			ldx(x, size_code(size), dst, R_PKT, (__s16)off);
		} else {
			add64_imm(x, BPF_REG_1, -size);
			ldx(x, size_code(size), dst, BPF_REG_1, 0);
		}
		resume = new_label(x);
		place(x, resume);
		if (swap)
			bswap(x, dst, size);
		if (x->helper)
			add_slow(x, slow, resume, false, (__u32)off, size, dst, fail);
		return;
	}
	if (!x->helper) {
		/* Beyond what a linear XDP frame can hold. */
		JA(x, fail);
		return;
	}
	mov32_imm(x, BPF_REG_2, (__u32)off);
	helper_load_tail(x, size, dst, fail);
	if (swap)
		bswap(x, dst, size);
}

/* dst = be(size bytes at the constant offset 'off' of the real frame). */
static void load_const(struct xl *x, __u64 off, int size, int dst)
{
	load_const_ex(x, off, size, dst, L_REJECT, true);
}

/*
 * dst = be(size bytes at offset R2 (u64) of the real frame).
 *
 * In a program with loops the helper reads these too: a register offset
 * added to the packet pointer must be tracked precisely by the verifier,
 * and an X that grows with every turn of a protochain loop would then make
 * each turn's state new to it, doubling them per turn until it gives up.
 * Through the helper X stays an unknown it need not tell apart.
 */
static void load_reg(struct xl *x, int size, int dst)
{
	int slow, resume;

	if (x->fast && !x->loops) {
		slow = x->helper ? new_label(x) : L_REJECT;
		emit_j(x, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, FAST_MAX - size, slow);
		mov64_reg(x, BPF_REG_3, R_PKT);
		emit(x, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
		mov64_reg(x, BPF_REG_4, BPF_REG_3);
		add64_imm(x, BPF_REG_4, size);
		emit_j(x, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, R_END, 0, slow);
		ldx(x, size_code(size), dst, BPF_REG_3, 0);
		resume = new_label(x);
		place(x, resume);
		bswap(x, dst, size);
		if (x->helper)
			add_slow(x, slow, resume, true, 0, size, dst, L_REJECT);
		return;
	}
	if (x->loops) {
		/* End of the load against the frame's length, not against a
		 * constant: a comparison the verifier can decide from X's
		 * bounds would make it track X precisely after all. */
		if (x->target == PS_FILTER_XDP) {
			emit(x, BPF_STX | BPF_DW | BPF_MEM, R_FP, BPF_REG_2, ST_BUF, 0);
			mov64_reg(x, BPF_REG_1, R_CTX);
			call(x, BPF_FUNC_xdp_get_buff_len);
			ldx(x, BPF_DW, BPF_REG_2, R_FP, ST_BUF);
			mov64_reg(x, BPF_REG_1, BPF_REG_0);
			reload_end(x);
		} else {
			ldx(x, BPF_W, BPF_REG_1, R_CTX, offsetof(struct __sk_buff, len));
		}
		mov64_reg(x, BPF_REG_3, BPF_REG_2);
		add64_imm(x, BPF_REG_3, size);
		emit_j(x, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_3, BPF_REG_1, 0, L_REJECT);
	} else {
		emit_j(x, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, INT_MAX, L_REJECT);
	}
	helper_load_tail(x, size, dst, L_REJECT);
	bswap(x, dst, size);
}

/* R1 = the length of the virtual frame (VLAN copy): the real one plus the
 * tag, in 64 bits so that nothing wraps. */
static void vlen_r1(struct xl *x)
{
	ldx(x, BPF_W, BPF_REG_1, R_CTX, offsetof(struct __sk_buff, len));
	add64_imm(x, BPF_REG_1, VLAN_HLEN);
}

/*
 * dst = be(size bytes of the virtual frame head on the stack at reg + off).
 * The verifier takes a stack read only where it can prove it aligned: a
 * constant offset that is gets one load, any other offset bytes one by one.
 */
static void head_read(struct xl *x, int reg, __s16 off, int size, int dst, bool known)
{
	if (size == 1 || (known && (off % size) == 0)) {
		ldx(x, size_code(size), dst, reg, off);
		bswap(x, dst, size);
		return;
	}
	ldx(x, BPF_B, dst, reg, off);
	for (int i = 1; i < size; i++) {
		ldx(x, BPF_B, BPF_REG_4, reg, (__s16)(off + i));
		emit(x, BPF_ALU | BPF_LSH | BPF_K, dst, 0, 0, 8);
		emit(x, BPF_ALU | BPF_OR | BPF_X, dst, BPF_REG_4, 0, 0);
	}
}

/* R2 = the offset of an indirect load, X + k.  libpcap's interpreter
 * takes it without wrapping (64 bits here); the kernel's classic filters
 * in 32 bits, as an int (see kclassic in translate()).  Returns false when
 * the load is beyond any frame whatever X is. */
static bool ind_offset(struct xl *x, __u32 k)
{
	if (x->kclassic) {
		emit(x, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_2, R_X, 0, 0);
		if (k)
			emit(x, BPF_ALU | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, (__s32)k);
		return true;
	}
	if (k > INT_MAX) {
		JA(x, L_REJECT);
		return false;
	}
	mov64_reg(x, BPF_REG_2, R_X);
	if (k)
		add64_imm(x, BPF_REG_2, (__s32)k);
	return true;
}

/* R1 = bpf_xdp_get_buff_len(), R2 kept. */
static void xdp_len_r1(struct xl *x)
{
	emit(x, BPF_STX | BPF_DW | BPF_MEM, R_FP, BPF_REG_2, ST_BUF, 0);
	mov64_reg(x, BPF_REG_1, R_CTX);
	call(x, BPF_FUNC_xdp_get_buff_len);
	ldx(x, BPF_DW, BPF_REG_2, R_FP, ST_BUF);
	mov64_reg(x, BPF_REG_1, BPF_REG_0);
	reload_end(x);
}

/*
 * A load in the XDP live view of a tagged frame (copy 1 with x->untag):
 * the frame as the stack hands it on once it took the outer tag out,
 * v[0..12) = p[0..12), v[12..) = p[16..).  The frame has 20 bytes or more
 * (untag_prologue), so v[0..16) is all there, on the stack.
 */
static void untag_load(struct xl *x, bool ind, __u32 k, int size, int dst)
{
	int real, done;

	if (!ind) {
		if ((__u64)k + size <= UH_LEN) {
			head_read(x, R_FP, (__s16)(ST_VH + (int)k), size, dst, true);
		} else {
			load_const(x, (__u64)k + VLAN_HLEN, size, dst);
		}
		return;
	}
	if (!ind_offset(x, k))
		return;
	real = new_label(x);
	done = new_label(x);
	if (x->loops) {
		/* As in pkt_load's VLAN copy: against the length, then
		 * through a stack word, so the verifier forgets X. */
		xdp_len_r1(x);
		add64_imm(x, BPF_REG_1, -VLAN_HLEN);
		mov64_reg(x, BPF_REG_3, BPF_REG_2);
		add64_imm(x, BPF_REG_3, size);
		emit_j(x, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_3, BPF_REG_1, 0, L_REJECT);
		emit(x, BPF_STX | BPF_W | BPF_MEM, R_FP, BPF_REG_2, ST_BUF + 4, 0);
		ldx(x, BPF_W, BPF_REG_2, R_FP, ST_BUF + 4);
	}
	emit_j(x, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, UH_LEN - size, real);
	mov64_reg(x, BPF_REG_3, R_FP);
	emit(x, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	head_read(x, BPF_REG_3, ST_VH, size, dst, false);
	JA(x, done);
	place(x, real);
	add64_imm(x, BPF_REG_2, VLAN_HLEN);
	load_reg(x, size, dst);
	place(x, done);
}

/*
 * A classic packet load: dst = be(size bytes at k, or at X + k).  Out of
 * the frame: reject, as bpf_filter() does (it checks in unsigned 32-bit
 * arithmetic that cannot wrap: X + k is taken in 64 bits here; the
 * kernel's classic filters wrap it at 32 bits, see ind_offset()).  Copy 1
 * reads the virtual frame of its kind.
 */
static void pkt_load(struct xl *x, bool ind, __u32 k, int size, int dst)
{
	int real, done;

	if (x->vlan && x->untag) {
		untag_load(x, ind, k, size, dst);
		return;
	}
	if (!x->vlan) {
		if (!ind) {
			load_const(x, k, size, dst);
			return;
		}
		if (ind_offset(x, k))
			load_reg(x, size, dst);
		return;
	}

	/* VLAN copy: the virtual frame is v[0..12) = p[0..12), v[12..16) =
	 * the tag, v[16..) = p[12..).  Its first VH_LEN bytes are on the
	 * stack; any load that ends past them starts past the tag. */
	if (!ind) {
		if ((__u64)k + size > INT_MAX) {
			JA(x, L_REJECT);
			return;
		}
		vlen_r1(x);
		emit_j(x, BPF_JMP | BPF_JLT | BPF_K, BPF_REG_1, 0, (__s32)(k + size), L_REJECT);
		if (k + size <= VH_LEN) {
			head_read(x, R_FP, (__s16)(ST_VH + (int)k), size, dst, true);
		} else {
			load_const(x, k - VLAN_HLEN, size, dst);
		}
		return;
	}
	if (k > INT_MAX) {
		JA(x, L_REJECT);
		return;
	}
	real = new_label(x);
	done = new_label(x);
	mov64_reg(x, BPF_REG_2, R_X);
	if (k)
		add64_imm(x, BPF_REG_2, (__s32)k);
	vlen_r1(x);
	mov64_reg(x, BPF_REG_3, BPF_REG_2);
	add64_imm(x, BPF_REG_3, size);
	emit_j(x, BPF_JMP | BPF_JGT | BPF_X, BPF_REG_3, BPF_REG_1, 0, L_REJECT);
	if (x->loops) {
		/* The offset now fits in 32 bits.  Through a stack word the
		 * verifier cannot follow (not 8-aligned), it forgets it comes
		 * from X: its bounds would decide the next comparison and make
		 * the verifier track X precisely (see load_reg). */
		emit(x, BPF_STX | BPF_W | BPF_MEM, R_FP, BPF_REG_2, ST_BUF + 4, 0);
		ldx(x, BPF_W, BPF_REG_2, R_FP, ST_BUF + 4);
	}
	emit_j(x, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, VH_LEN - size, real);
	mov64_reg(x, BPF_REG_3, R_FP);
	emit(x, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	head_read(x, BPF_REG_3, ST_VH, size, dst, false);
	JA(x, done);
	place(x, real);
	add64_imm(x, BPF_REG_2, -VLAN_HLEN);
	load_reg(x, size, dst);
	place(x, done);
}

/* dst = the length of the frame (BPF_LEN): libpcap's wirelen. */
static void pkt_len(struct xl *x, int dst)
{
	if (x->target == PS_FILTER_XDP) {
		mov64_reg(x, BPF_REG_1, R_CTX);
		call(x, BPF_FUNC_xdp_get_buff_len);
		emit(x, BPF_ALU | BPF_MOV | BPF_X, dst, BPF_REG_0, 0, 0);
		if (x->vlan && x->untag)
			emit(x, BPF_ALU | BPF_SUB | BPF_K, dst, 0, 0, VLAN_HLEN);
		reload_end(x);
		return;
	}
	if (x->target == PS_FILTER_TC && (x->flags & PS_FILTER_F_WIRE_LEN))
		ldx(x, BPF_W, dst, R_CTX, offsetof(struct __sk_buff, wire_len));
	else
		ldx(x, BPF_W, dst, R_CTX, offsetof(struct __sk_buff, len));
	if (x->vlan)
		emit(x, BPF_ALU | BPF_ADD | BPF_K, dst, 0, 0, VLAN_HLEN);
}

/*
 * Ancillary loads (PS_FILTER_F_LINUX): what the kernel's classic filter
 * reads at SKF_AD_OFF + ad, for the packet as a packet socket sees it.
 */

static bool xdp_view(const struct xl *x)
{
	return x->target == PS_FILTER_XDP;
}

/* PKTTYPE at XDP: what eth_type_trans() will say from the destination
 * MAC: broadcast (ff:ff:ff:ff:ff:ff), multicast, this host's address
 * (PACKET_HOST) or another (PACKET_OTHERHOST).  Without the device's
 * address, any unicast is PACKET_HOST (libpcap's code only ever tells
 * PACKET_OUTGOING from the rest). */
static void xdp_pkttype(struct xl *x, int dst)
{
	int mcast = new_label(x), set2 = new_label(x), done = new_label(x);
	int other = new_label(x);
	const __u8 *a = x->dev_addr;

	load_const(x, 0, 1, dst);
	emit_j(x, BPF_JMP32 | BPF_JSET | BPF_K, dst, 0, 1, mcast);
	if (a) {
		load_const(x, 0, 4, dst);
		emit_j(x, BPF_JMP32 | BPF_JNE | BPF_K, dst, 0,
		       (__s32)((__u32)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]), other);
		load_const(x, 4, 2, dst);
		emit_j(x, BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, a[4] << 8 | a[5], other);
	}
	mov32_imm(x, dst, PACKET_HOST_);
	JA(x, done);
	place(x, other);
	mov32_imm(x, dst, PACKET_OTHERHOST_);
	JA(x, done);
	place(x, mcast);
	load_const(x, 0, 4, dst);
	emit_j(x, BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, -1, set2);
	load_const(x, 4, 2, dst);
	emit_j(x, BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, 0xffff, set2);
	mov32_imm(x, dst, PACKET_BROADCAST_);
	JA(x, done);
	place(x, set2);
	mov32_imm(x, dst, PACKET_MULTICAST_);
	place(x, done);
}

/* PROTOCOL at XDP: skb->protocol as eth_type_trans() sets it, or, for a
 * tagged frame, as skb_vlan_untag() sets it from the encapsulated type. */
static void xdp_protocol(struct xl *x, int dst)
{
	int llc = new_label(x), done = new_label(x);
	__u32 off = x->vlan && x->untag ? 16 : 12;

	load_const(x, off, 2, dst);
	emit_j(x, BPF_JMP32 | BPF_JGE | BPF_K, dst, 0, ETH_P_802_3_MIN_, done);
	/* An 802.3 length: IPX (0xffff after it) or 802.2 LLC. */
	load_const_ex(x, off + 2, 2, dst, llc, true);
	emit_j(x, BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, 0xffff, llc);
	mov32_imm(x, dst, ETH_P_802_3_);
	JA(x, done);
	place(x, llc);
	mov32_imm(x, dst, ETH_P_802_2_);
	place(x, done);
}

static void skb_field(struct xl *x, int dst, size_t off)
{
	ldx(x, BPF_W, dst, R_CTX, (__s16)off);
}

static void anc_vlan_tag(struct xl *x, int dst)
{
	if (!xdp_view(x))
		skb_field(x, dst, offsetof(struct __sk_buff, vlan_tci));
	else if (x->vlan)
		load_const(x, 14, 2, dst);
	else
		mov32_imm(x, dst, 0);
}

static void anc_vlan_present(struct xl *x, int dst)
{
	if (!xdp_view(x))
		skb_field(x, dst, offsetof(struct __sk_buff, vlan_present));
	else
		mov32_imm(x, dst, x->vlan ? 1 : 0);
}

static void anc_load(struct xl *x, size_t i, __u32 ad, int size, int dst)
{
	if (!x->kclassic) {
		/* libpcap filters in user space (the kernel refused the
		 * program): its interpreter knows only byte loads of the
		 * tag, from PACKET_AUXDATA (the VLAN ID alone), and any other
		 * load there is beyond the packet. */
		if (size == 1 && ad == SKF_AD_VLAN_TAG) {
			anc_vlan_tag(x, dst);
			emit(x, BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, 0x0fff);
		} else if (size == 1 && ad == SKF_AD_VLAN_TAG_PRESENT) {
			anc_vlan_present(x, dst);
		} else {
			JA(x, L_REJECT);
		}
		return;
	}
	switch (ad) {
	case SKF_AD_PROTOCOL:
		if (xdp_view(x)) {
			xdp_protocol(x, dst);
		} else {
			skb_field(x, dst, offsetof(struct __sk_buff, protocol));
			emit(x, BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, 16);
		}
		break;
	case SKF_AD_PKTTYPE:
		if (x->flags & PS_FILTER_F_OUTGOING)
			mov32_imm(x, dst, PACKET_OUTGOING_);
		else if (xdp_view(x))
			xdp_pkttype(x, dst);
		else
			skb_field(x, dst, offsetof(struct __sk_buff, pkt_type));
		break;
	case SKF_AD_IFINDEX:
		if (xdp_view(x))
			ldx(x, BPF_W, dst, R_CTX, offsetof(struct xdp_md, ingress_ifindex));
		else
			skb_field(x, dst, offsetof(struct __sk_buff, ifindex));
		break;
	case SKF_AD_VLAN_TAG:
		anc_vlan_tag(x, dst);
		break;
	case SKF_AD_VLAN_TAG_PRESENT:
		anc_vlan_present(x, dst);
		break;
	case SKF_AD_VLAN_TPID:
		if (!xdp_view(x)) {
			skb_field(x, dst, offsetof(struct __sk_buff, vlan_proto));
			emit(x, BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, 16);
		} else if (x->vlan) {
			load_const(x, 12, 2, dst);
		} else {
			mov32_imm(x, dst, 0);
		}
		break;
	default:
		fail(x, -ENOTSUP, "classic insn %zu: the kernel's ancillary load SKF_AD_OFF + %u "
		     "is not supported", i, ad);
	}
}

static int size_bytes(__u16 code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W: return 4;
	case BPF_H: return 2;
	default: return 1;
	}
}

/* The opcodes libpcap's bpf_validate() accepts, and nothing else. */
static bool valid_code(__u16 code)
{
	switch (code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_MSH | BPF_B:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_NEG:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
		return true;
	}
	return false;
}

/*
 * Would SO_ATTACH_FILTER take this classic program?  The kernel's
 * bpf_check_classic() (6.x), on top of what validate() checks: at most
 * 4096 insns, jumps forward only, constant shifts below 32, loads at or
 * above SKF_AD_OFF only of the ancillary data it knows, and no scratch
 * word read on a path that has not written it (check_load_and_stores(),
 * with its quirks).  When the kernel refuses, libpcap filters in user
 * space with its own interpreter: live tcpdump does so for `protochain`.
 */
static bool kernel_takes(const struct sock_filter *c, size_t n)
{
	__u16 *masks, memvalid = 0;
	bool ok = true;
	size_t pc, a;

	if (n == 0 || n > KERNEL_MAXINSNS)
		return false;
	for (pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &c[pc];

		switch (f->code) {
		case BPF_JMP | BPF_JA:
			if (f->k >= (__u32)(n - pc - 1))
				return false;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (f->k >= 32)
				return false;
			break;
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			if (f->k < AD_OFF)
				break;
			for (a = 0; a < sizeof(kernel_ad) / sizeof(kernel_ad[0]); a++)
				if (f->k == AD_OFF + kernel_ad[a])
					break;
			if (a == sizeof(kernel_ad) / sizeof(kernel_ad[0]))
				return false;
			break;
		}
	}
	masks = malloc(n * sizeof(*masks));
	if (!masks)
		return false;
	memset(masks, 0xff, n * sizeof(*masks));
	for (pc = 0; pc < n && ok; pc++) {
		const struct sock_filter *f = &c[pc];

		memvalid &= masks[pc];
		switch (f->code) {
		case BPF_ST:
		case BPF_STX:
			memvalid |= 1 << f->k;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			ok = memvalid & (1 << f->k);
			break;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + f->k] &= memvalid;
			memvalid = ~0;
			break;
		default:
			if (BPF_CLASS(f->code) == BPF_JMP) {
				masks[pc + 1 + f->jt] &= memvalid;
				masks[pc + 1 + f->jf] &= memvalid;
				memvalid = ~0;
			}
		}
	}
	free(masks);
	return ok;
}

/* libpcap's bpf_validate(), plus the one thing its interpreter would crash
 * on.  Returns whether the program has backward jumps. */
static bool validate(struct xl *x)
{
	bool back = false;
	size_t i;

	if (x->n == 0) {
		fail(x, -EINVAL, "empty classic program");
		return false;
	}
	for (i = 0; i < x->n && !x->err; i++) {
		const struct sock_filter *f = &x->c[i];
		__u16 code = f->code;

		if (!valid_code(code)) {
			fail(x, -ENOTSUP, "classic insn %zu: unknown opcode 0x%02x", i, code);
			break;
		}
		switch (BPF_CLASS(code)) {
		case BPF_LD:
		case BPF_LDX:
			if (BPF_MODE(code) == BPF_MEM && f->k >= BPF_MEMWORDS)
				fail(x, -EINVAL, "classic insn %zu: scratch word M[%u] does not exist", i, f->k);
			break;
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				fail(x, -EINVAL, "classic insn %zu: scratch word M[%u] does not exist", i, f->k);
			break;
		case BPF_ALU:
			if ((BPF_OP(code) == BPF_DIV || BPF_OP(code) == BPF_MOD) &&
			    BPF_SRC(code) == BPF_K && f->k == 0)
				fail(x, -EINVAL, "classic insn %zu: division by the constant 0", i);
			break;
		case BPF_JMP:
			if (BPF_OP(code) == BPF_JA) {
				long long t = (long long)i + 1 + (__s32)f->k;

				if (t < 0 || t >= (long long)x->n)
					fail(x, -EINVAL, "classic insn %zu: jump out of the program", i);
				if ((__s32)f->k < 0)
					back = true;
			} else if (i + 1 + f->jt >= x->n || i + 1 + f->jf >= x->n) {
				fail(x, -EINVAL, "classic insn %zu: jump out of the program", i);
			}
			break;
		}
	}
	if (!x->err && BPF_CLASS(x->c[x->n - 1].code) != BPF_RET)
		fail(x, -EINVAL, "classic program does not end with a return");
	return back;
}

static void alu(struct xl *x, const struct sock_filter *f)
{
	__u8 op = BPF_OP(f->code);
	int skip, done;

	if (op == BPF_NEG) {
		emit(x, BPF_ALU | BPF_NEG, R_A, 0, 0, 0);
		return;
	}
	if (BPF_SRC(f->code) == BPF_K) {
		__u32 k = f->k;

		if (op == BPF_LSH || op == BPF_RSH) {
			/* libpcap emits only k < 32.  Its 1.10 interpreter
			 * shifts by k in C, which x86 masks to 5 bits; eBPF
			 * refuses a constant shift >= 32: mask here too. */
			k &= 31;
			if (!k)
				return;
		}
		emit(x, BPF_ALU | op | BPF_K, R_A, 0, 0, (__s32)k);
		return;
	}
	switch (op) {
	case BPF_DIV:
	case BPF_MOD:
		/* classic: A / 0 ends the filter with 0; eBPF would give 0. */
		emit_j(x, BPF_JMP32 | BPF_JEQ | BPF_K, R_X, 0, 0, L_REJECT);
		emit(x, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
		break;
	case BPF_LSH:
	case BPF_RSH:
		/* The kernel's classic filters shift as eBPF does: X masked to
		 * 5 bits (they run as eBPF, on the same JIT). */
		if (x->kclassic) {
			emit(x, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
			break;
		}
		/* libpcap: a shift by X >= 32 gives 0; eBPF masks X to 5 bits. */
		skip = new_label(x);
		done = new_label(x);
		emit_j(x, BPF_JMP32 | BPF_JGT | BPF_K, R_X, 0, 31, skip);
		emit(x, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
		JA(x, done);
		place(x, skip);
		mov32_imm(x, R_A, 0);
		place(x, done);
		break;
	default:
		emit(x, BPF_ALU | op | BPF_X, R_A, R_X, 0, 0);
	}
}

static void jmp(struct xl *x, size_t i, const struct sock_filter *f)
{
	__u8 op = BPF_OP(f->code);
	__u8 src = BPF_SRC(f->code);
	int tt = x->base + (int)(i + 1 + f->jt);
	int tf = x->base + (int)(i + 1 + f->jf);
	__u8 inv;

	if (op == BPF_JA) {
		__s32 k = (__s32)f->k;

		if (k >= 0) {
			if (k)
				JA(x, x->base + (int)(i + 1 + k));
			return;
		}
		/* Backward (protochain): bounded, as in later libpcap. */
		ldx(x, BPF_DW, BPF_REG_1, R_FP, ST_CNT);
		add64_imm(x, BPF_REG_1, 1);
		emit(x, BPF_STX | BPF_DW | BPF_MEM, R_FP, BPF_REG_1, ST_CNT, 0);
		emit_j(x, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_1, 0, PS_FILTER_MAX_BACKJUMPS, L_REJECT);
		JA(x, x->base + (int)(i + 1 + k));
		return;
	}
	if (f->jt == f->jf) {
		if (f->jt)
			JA(x, tt);
		return;
	}
	if (f->jf == 0) {
		emit_j(x, BPF_JMP32 | op | src, R_A, src == BPF_X ? R_X : 0,
		       src == BPF_K ? (__s32)f->k : 0, tt);
		return;
	}
	inv = op == BPF_JEQ ? BPF_JNE : op == BPF_JGT ? BPF_JLE : op == BPF_JGE ? BPF_JLT : 0;
	if (f->jt == 0 && inv) {
		emit_j(x, BPF_JMP32 | inv | src, R_A, src == BPF_X ? R_X : 0,
		       src == BPF_K ? (__s32)f->k : 0, tf);
		return;
	}
	emit_j(x, BPF_JMP32 | op | src, R_A, src == BPF_X ? R_X : 0,
	       src == BPF_K ? (__s32)f->k : 0, tt);
	JA(x, tf);
}

static void insn(struct xl *x, size_t i)
{
	const struct sock_filter *f = &x->c[i];
	__u16 code = f->code;
	int dst = BPF_CLASS(code) == BPF_LDX ? R_X : R_A;

	switch (BPF_CLASS(code)) {
	case BPF_LD:
	case BPF_LDX:
		switch (BPF_MODE(code)) {
		case BPF_IMM:
			mov32_imm(x, dst, f->k);
			break;
		case BPF_MEM:
			ldx(x, BPF_W, dst, R_FP, ST_MEM(f->k));
			break;
		case BPF_LEN:
			pkt_len(x, dst);
			break;
		case BPF_ABS:
			if (x->lnx && BPF_CLASS(code) == BPF_LD && f->k >= AD_OFF)
				anc_load(x, i, f->k - AD_OFF, size_bytes(code), R_A);
			else
				pkt_load(x, false, f->k, size_bytes(code), R_A);
			break;
		case BPF_IND:
			pkt_load(x, true, f->k, size_bytes(code), R_A);
			break;
		case BPF_MSH:
			pkt_load(x, false, f->k, 1, R_X);
			emit(x, BPF_ALU | BPF_AND | BPF_K, R_X, 0, 0, 0xf);
			emit(x, BPF_ALU | BPF_LSH | BPF_K, R_X, 0, 0, 2);
			break;
		}
		break;
	case BPF_ST:
		emit(x, BPF_STX | BPF_W | BPF_MEM, R_FP, R_A, ST_MEM(f->k), 0);
		break;
	case BPF_STX:
		emit(x, BPF_STX | BPF_W | BPF_MEM, R_FP, R_X, ST_MEM(f->k), 0);
		break;
	case BPF_ALU:
		alu(x, f);
		break;
	case BPF_JMP:
		jmp(x, i, f);
		break;
	case BPF_RET:
		if (BPF_RVAL(code) == BPF_A) {
			emit(x, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, R_A, 0, 0);
			JA(x, L_EPI);
		} else if (f->k == 0) {
			/* The last insn of copy 0 falls into reject. */
			if (x->vlan || i + 1 != x->n)
				JA(x, L_REJECT);
		} else {
			mov32_imm(x, BPF_REG_0, f->k);
			JA(x, L_EPI);
		}
		break;
	case BPF_MISC:
		if (BPF_MISCOP(code) == BPF_TAX)
			emit(x, BPF_ALU | BPF_MOV | BPF_X, R_X, R_A, 0, 0);
		else
			emit(x, BPF_ALU | BPF_MOV | BPF_X, R_A, R_X, 0, 0);
		break;
	}
}

static void body(struct xl *x)
{
	size_t i;

	for (i = 0; i < x->n && !x->err; i++) {
		place(x, x->base + (int)i);
		insn(x, i);
	}
}

static void emit_slow_paths(struct xl *x)
{
	size_t i;

	for (i = 0; i < x->nslow && !x->err; i++) {
		const struct slow *s = &x->slow[i];

		place(x, s->label);
		if (s->reg)
			emit_j(x, BPF_JMP | BPF_JGT | BPF_K, BPF_REG_2, 0, INT_MAX, L_REJECT);
		else
			mov32_imm(x, BPF_REG_2, s->k);
		helper_load_tail(x, s->size, s->dst, s->fail);
		JA(x, s->resume);
	}
}

/* The head of the virtual frame of a tagged skb, on the stack: p[0..12),
 * the tag's TPID and TCI in network order, then p[12..16). */
static void vlan_prologue(struct xl *x)
{
	int i;

	place(x, L_VLAN);
	for (i = 0; i < 24; i += 8)
		emit(x, BPF_ST | BPF_DW | BPF_MEM, R_FP, 0, ST_VH + i, 0);
	mov64_reg(x, BPF_REG_1, R_CTX);
	mov32_imm(x, BPF_REG_2, 0);
	mov64_reg(x, BPF_REG_3, R_FP);
	add64_imm(x, BPF_REG_3, ST_VH);
	mov32_imm(x, BPF_REG_4, 12);
	call(x, BPF_FUNC_skb_load_bytes);
	emit_j(x, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 0, L_REJECT);
	/* vlan_proto reads as stored: already in network order. */
	ldx(x, BPF_W, BPF_REG_1, R_CTX, offsetof(struct __sk_buff, vlan_proto));
	emit(x, BPF_STX | BPF_H | BPF_MEM, R_FP, BPF_REG_1, ST_VH + 12, 0);
	ldx(x, BPF_W, BPF_REG_1, R_CTX, offsetof(struct __sk_buff, vlan_tci));
	emit(x, BPF_ALU | BPF_END | BPF_TO_BE, BPF_REG_1, 0, 0, 16);
	emit(x, BPF_STX | BPF_H | BPF_MEM, R_FP, BPF_REG_1, ST_VH + 14, 0);
	/* Bytes a short frame lacks stay zero, and no load reads them: each
	 * checks the virtual length first. */
	for (i = 12; i < 16; i += 2) {
		mov64_reg(x, BPF_REG_1, R_CTX);
		mov32_imm(x, BPF_REG_2, i);
		mov64_reg(x, BPF_REG_3, R_FP);
		add64_imm(x, BPF_REG_3, ST_VH + VLAN_HLEN + i);
		mov32_imm(x, BPF_REG_4, 2);
		call(x, BPF_FUNC_skb_load_bytes);
	}
	reload_end(x);
}

/*
 * XDP, live: the head of a frame with an outer 802.1Q or 802.1ad tag, as
 * the stack will hand it to packet sockets and TC once skb_vlan_untag()
 * has taken the tag out: v[0..16) = p[0..12) p[16..20).  That function
 * needs 6 bytes after the Ethernet header, or it drops the frame: frames
 * under 20 bytes reject.
 */
static void untag_prologue(struct xl *x)
{
	static const struct { __u32 from; int to; } words[] = {
		{ 16, 12 }, { 0, 0 }, { 4, 4 }, { 8, 8 },
	};

	place(x, L_VLAN);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		load_const_ex(x, words[i].from, 4, BPF_REG_1, L_REJECT, false);
		emit(x, BPF_STX | BPF_W | BPF_MEM, R_FP, BPF_REG_1, ST_VH + words[i].to, 0);
	}
}

static int check_epilogue(struct xl *x, const struct bpf_insn *e, size_t n)
{
	size_t i;

	if (!e || !n) {
		fail(x, -EINVAL, "no epilogue");
		return x->err;
	}
	for (i = 0; i < n; i++) {
		__u8 cls = BPF_CLASS(e[i].code), op = BPF_OP(e[i].code);
		long long t;

		if (e[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
			i++;
			continue;
		}
		if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL || op == BPF_EXIT)
			continue;
		t = (long long)i + 1 + (cls == BPF_JMP32 && op == BPF_JA ? e[i].imm : e[i].off);
		if (t < 0 || t >= (long long)n) {
			fail(x, -EINVAL, "epilogue insn %zu jumps out of the epilogue", i);
			return x->err;
		}
	}
	return 0;
}

static int resolve(struct xl *x)
{
	size_t i;

	for (i = 0; i < x->nfix && !x->err; i++) {
		int to = x->pos[x->fix[i].label];
		long off = (long)to - (long)(x->fix[i].at + 1);

		if (to < 0) {
			fail(x, -EFAULT, "internal error: label %d never placed", x->fix[i].label);
			break;
		}
		if (off < SHRT_MIN || off > SHRT_MAX) {
			fail(x, -E2BIG, "filter too large: a jump spans %ld eBPF instructions", off);
			break;
		}
		x->out[x->fix[i].at].off = (__s16)off;
	}
	return x->err;
}

static bool is_jump(const struct bpf_insn *i, long *target, size_t at)
{
	__u8 cls = BPF_CLASS(i->code), op = BPF_OP(i->code);

	if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL || op == BPF_EXIT)
		return false;
	*target = (long)at + 1 + (cls == BPF_JMP32 && op == BPF_JA ? i->imm : i->off);
	return true;
}

static bool ends_flow(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_EXIT) || i->code == (BPF_JMP | BPF_JA) ||
	       i->code == (BPF_JMP32 | BPF_JA);
}

/* Drops what 'keep' does not mark and renumbers the jumps: a dropped insn
 * is either never reached or a jump to the next insn, so a jump to it goes
 * to the next one kept. */
static void compact(struct xl *x, const bool *keep)
{
	size_t *to = malloc((x->len + 1) * sizeof(*to)), i, j = 0;
	long t;

	if (!to) {
		fail(x, -ENOMEM, "out of memory");
		return;
	}
	for (i = 0; i < x->len; i++) {
		to[i] = j;
		j += keep[i];
	}
	to[x->len] = j;
	for (i = 0; i < x->len; i++) {
		struct bpf_insn ins = x->out[i];

		if (!keep[i])
			continue;
		if (is_jump(&ins, &t, i)) {
			long off = (long)to[t] - (long)(to[i] + 1);

			if (BPF_CLASS(ins.code) == BPF_JMP32 && BPF_OP(ins.code) == BPF_JA)
				ins.imm = (__s32)off;
			else
				ins.off = (__s16)off; /* only ever shorter */
		}
		x->out[to[i]] = ins;
	}
	x->len = j;
	free(to);
}

/*
 * The verifier refuses unreachable instructions: drop them (a classic insn
 * no path reaches, an unused reject stub, a slow path of a load that cannot
 * need one), then the jumps to the very next insn this leaves.
 */
static void prune(struct xl *x)
{
	bool *keep = calloc(x->len + 1, sizeof(*keep));
	size_t *stack = malloc((x->len + 1) * sizeof(*stack)), sp = 0, i;
	long t;

	if (!keep || !stack) {
		fail(x, -ENOMEM, "out of memory");
		goto out;
	}
	stack[sp++] = 0;
	keep[0] = true;
	while (sp) {
		size_t succ[2];
		int ns = 0;

		i = stack[--sp];
		if (x->out[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
			keep[i + 1] = true;
			succ[ns++] = i + 2;
		} else {
			if (is_jump(&x->out[i], &t, i))
				succ[ns++] = (size_t)t;
			if (!ends_flow(&x->out[i]))
				succ[ns++] = i + 1;
		}
		while (ns--) {
			if (succ[ns] < x->len && !keep[succ[ns]]) {
				keep[succ[ns]] = true;
				stack[sp++] = succ[ns];
			}
		}
	}
	compact(x, keep);
	for (i = 0; i < x->len; i++)
		keep[i] = !(x->out[i].code == (BPF_JMP | BPF_JA) && x->out[i].off == 0);
	compact(x, keep);
out:
	free(keep);
	free(stack);
}

static int translate(const struct sock_filter *c, size_t n, enum ps_filter_target target,
		     unsigned int flags, const __u8 *dev_addr, const struct bpf_insn *epi,
		     size_t epi_n, struct bpf_insn **out, size_t *out_n, char *err, size_t errlen)
{
	struct xl x = {
		.c = c, .n = n, .target = target, .flags = flags, .dev_addr = dev_addr,
		.errbuf = err, .errlen = errlen,
	};
	bool mem_used[BPF_MEMWORDS / 2] = { false };
	bool back, vlan, loads;
	size_t i;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	*out_n = 0;
	if (target != PS_FILTER_XDP && target != PS_FILTER_TC && target != PS_FILTER_SOCKET) {
		fail(&x, -EINVAL, "unknown filter target %d", (int)target);
		return x.err;
	}
	back = validate(&x);
	x.loops = back;
	if (x.err || check_epilogue(&x, epi, epi_n))
		return x.err;

	x.lnx = flags & PS_FILTER_F_LINUX;
	if (x.lnx && (flags & PS_FILTER_F_VLAN_META)) {
		fail(&x, -EINVAL, "PS_FILTER_F_LINUX and PS_FILTER_F_VLAN_META exclude each other");
		return x.err;
	}
	if ((flags & PS_FILTER_F_OUTGOING) && (!x.lnx || target != PS_FILTER_TC)) {
		fail(&x, -EINVAL, "PS_FILTER_F_OUTGOING is for a TC filter with PS_FILTER_F_LINUX");
		return x.err;
	}
	x.kclassic = x.lnx && kernel_takes(c, n);

	x.fast = target != PS_FILTER_SOCKET && !(flags & PS_FILTER_F_SLOW_LOADS);
	for (i = 0, loads = false; i < n; i++)
		loads |= (BPF_CLASS(c[i].code) == BPF_LD || BPF_CLASS(c[i].code) == BPF_LDX) &&
			 (BPF_MODE(c[i].code) == BPF_ABS || BPF_MODE(c[i].code) == BPF_IND ||
			  BPF_MODE(c[i].code) == BPF_MSH);
	/* The XDP live view reads the EtherType of every frame. */
	if (x.lnx && target == PS_FILTER_XDP)
		loads = true;
	if (!loads)
		x.fast = false; /* no packet pointers to load */
	x.helper = !(target == PS_FILTER_XDP && (flags & PS_FILTER_F_XDP_LINEAR));
	if (target == PS_FILTER_XDP && (flags & PS_FILTER_F_XDP_LINEAR) &&
	    (flags & PS_FILTER_F_SLOW_LOADS)) {
		fail(&x, -EINVAL, "a linear XDP filter has no slow loads");
		return x.err;
	}
	vlan = target != PS_FILTER_XDP && (flags & PS_FILTER_F_VLAN_META);
	x.untag = x.lnx && target == PS_FILTER_XDP;
	vlan |= x.untag;

	/* Labels: reject, epilogue, VLAN prologue, then one per classic insn
	 * of each copy. */
	for (i = 0; i < L_FIRST + n * (vlan ? 2 : 1); i++)
		new_label(&x);

	/* Prologue. */
	mov64_reg(&x, R_CTX, BPF_REG_1);
	mov32_imm(&x, R_A, 0);
	mov32_imm(&x, R_X, 0);
	if (x.fast)
		ldx(&x, BPF_W, R_PKT, R_CTX, data_off(&x));
	reload_end(&x);
	for (i = 0; i < n; i++) {
		__u16 code = c[i].code;

		if (BPF_CLASS(code) == BPF_ST || BPF_CLASS(code) == BPF_STX ||
		    ((BPF_CLASS(code) == BPF_LD || BPF_CLASS(code) == BPF_LDX) &&
		     BPF_MODE(code) == BPF_MEM))
			mem_used[c[i].k / 2] = true;
	}
	for (i = 0; i < BPF_MEMWORDS / 2; i++)
		if (mem_used[i])
			emit(&x, BPF_ST | BPF_DW | BPF_MEM, R_FP, 0, ST_MEM(2 * i), 0);
	if (back)
		emit(&x, BPF_ST | BPF_DW | BPF_MEM, R_FP, 0, ST_CNT, 0);
	if (x.untag) {
		/* An outer 802.1Q or 802.1ad tag: copy 1.  A frame too short
		 * for an EtherType has none. */
		load_const_ex(&x, 12, 2, BPF_REG_1, L_FIRST, true);
		emit_j(&x, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, ETH_P_8021Q_, L_VLAN);
		emit_j(&x, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, ETH_P_8021AD_, L_VLAN);
	} else if (vlan) {
		ldx(&x, BPF_W, BPF_REG_1, R_CTX, offsetof(struct __sk_buff, vlan_present));
		emit_j(&x, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 0, L_VLAN);
	}

	x.base = L_FIRST;
	body(&x);
	place(&x, L_REJECT);
	mov32_imm(&x, BPF_REG_0, 0);
	place(&x, L_EPI);
	for (i = 0; i < epi_n && !x.err; i++) {
		if (!grow(&x, (void **)&x.out, &x.cap, x.len + 1, sizeof(*x.out)))
			break;
		x.out[x.len++] = epi[i];
	}
	if (vlan) {
		if (x.untag)
			untag_prologue(&x);
		else
			vlan_prologue(&x);
		x.vlan = true;
		x.base = L_FIRST + (int)n;
		body(&x);
	}
	emit_slow_paths(&x);

	ret = x.err ? x.err : resolve(&x);
	if (!ret) {
		prune(&x);
		ret = x.err;
	}
	free(x.pos);
	free(x.fix);
	free(x.slow);
	if (ret) {
		free(x.out);
		return ret;
	}
	*out = x.out;
	*out_n = x.len;
	return 0;
}

static int translate_opts(const struct bpf_program *cbpf, enum ps_filter_target target,
			  unsigned int flags, const __u8 *dev_addr,
			  const struct ps_ebpf_insn *epilogue, size_t n, struct ps_ebpf_insn **out,
			  size_t *out_n, char *err, size_t errlen)
{
	const struct sock_filter *c;
	struct bpf_insn *o;
	size_t cn;
	int ret;

	c = ps__filter_classic(cbpf, &cn);
	ret = translate(c, cn, target, flags, dev_addr, (const struct bpf_insn *)epilogue, n,
			&o, out_n, err, errlen);
	*out = (struct ps_ebpf_insn *)o;
	return ret;
}

int ps_filter_translate(const struct bpf_program *cbpf, enum ps_filter_target target,
			unsigned int flags, const struct ps_ebpf_insn *epilogue, size_t n,
			struct ps_ebpf_insn **out, size_t *out_n, char *err, size_t errlen)
{
	return translate_opts(cbpf, target, flags, NULL, epilogue, n, out, out_n, err, errlen);
}

static const char *target_name(enum ps_filter_target t)
{
	switch (t) {
	case PS_FILTER_XDP: return "XDP";
	case PS_FILTER_TC: return "TC";
	case PS_FILTER_SOCKET: return "socket";
	}
	return "?";
}

int ps_filter_load_opts(const struct bpf_program *cbpf, enum ps_filter_target target,
			const struct ps_ebpf_insn *epilogue, size_t n,
			const struct ps_filter_opts *opts, int *prog_fd)
{
	static const struct ps_filter_opts none;
	LIBBPF_OPTS(bpf_prog_load_opts, lo);
	enum bpf_prog_type type;
	struct ps_ebpf_insn *insns = NULL;
	char err[256], *log = NULL;
	size_t cnt, log_size = 0;
	int fd, ret;

	if (!opts)
		opts = &none;
	*prog_fd = -1;
	ret = translate_opts(cbpf, target, opts->flags, opts->dev_addr_set ? opts->dev_addr : NULL,
			     epilogue, n, &insns, &cnt, err, sizeof(err));
	if (ret) {
		ps_err("cannot translate the filter for %s: %s", target_name(target), err);
		return ret;
	}
	switch (target) {
	case PS_FILTER_XDP:
		type = BPF_PROG_TYPE_XDP;
		lo.expected_attach_type = opts->expected_attach_type ?: BPF_XDP;
		if (!(opts->flags & PS_FILTER_F_XDP_LINEAR))
			lo.prog_flags = BPF_F_XDP_HAS_FRAGS;
		break;
	case PS_FILTER_TC:
		type = BPF_PROG_TYPE_SCHED_CLS;
		lo.expected_attach_type = opts->expected_attach_type;
		break;
	default:
		type = BPF_PROG_TYPE_SOCKET_FILTER;
		lo.expected_attach_type = opts->expected_attach_type;
		break;
	}
	fd = bpf_prog_load(type, opts->name ? opts->name : "ps_filter", "Dual BSD/GPL",
			   (const struct bpf_insn *)insns, cnt, &lo);
	if (fd < 0) {
		ret = -errno;
		/* Again, with the verifier's log this time. */
		if (opts->log_buf && opts->log_size) {
			log = opts->log_buf;
			log_size = opts->log_size;
		} else if (ps_verbose) {
			log_size = 4 << 20;
			log = calloc(1, log_size);
		}
		if (log) {
			log[0] = '\0';
			lo.log_buf = log;
			lo.log_size = log_size;
			lo.log_level = 1;
			fd = bpf_prog_load(type, opts->name ? opts->name : "ps_filter",
					   "Dual BSD/GPL", (const struct bpf_insn *)insns, cnt, &lo);
			if (fd >= 0) { /* it went through this time: keep it */
				ret = 0;
				goto out;
			}
		}
		ps_err("the kernel refused the %s filter (%zu eBPF insns): %s%s%s",
		       target_name(target), cnt, strerror(-ret),
		       ret == -E2BIG ? " (the verifier gave up: too many paths; a simpler "
				       "expression may load)" : "",
		       ps_verbose || opts->log_buf ? "" : "; -v shows the verifier's log");
		if (log && log != opts->log_buf) {
			size_t l = strlen(log);

			/* The end says why; a log can run to megabytes. */
			ps_dbg("verifier log%s:\n%s", l > 8192 ? " (its end)" : "",
			       log + (l > 8192 ? l - 8192 : 0));
			free(log);
		}
		log = NULL;
		goto out;
	}
	ret = 0;
out:
	if (log && log != opts->log_buf)
		free(log);
	free(insns);
	if (!ret)
		*prog_fd = fd;
	return ret;
}

int ps_filter_load(const struct bpf_program *cbpf, enum ps_filter_target target,
		   const struct ps_ebpf_insn *epilogue, size_t n, int *prog_fd)
{
	return ps_filter_load_opts(cbpf, target, epilogue, n, NULL, prog_fd);
}

/* Epilogues. */

static struct ps_ebpf_insn mk(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct ps_ebpf_insn i;

	memset(&i, 0, sizeof(i));
	i.code = code;
	i.dst_reg = dst;
	i.src_reg = src;
	i.off = off;
	i.imm = imm;
	return i;
}

size_t ps_filter_epilogue_return(struct ps_ebpf_insn *buf)
{
	buf[0] = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return 1;
}

size_t ps_filter_epilogue_verdict(struct ps_ebpf_insn *buf, __u32 accept_code,
				  __u32 reject_code)
{
	size_t n = 0;

	buf[n++] = mk(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0);
	buf[n++] = mk(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, (__s32)accept_code);
	buf[n++] = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	buf[n++] = mk(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, (__s32)reject_code);
	buf[n++] = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

static size_t tail_call(struct ps_ebpf_insn *buf, size_t n, int map_fd, __u32 index)
{
	buf[n++] = mk(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, R_CTX, 0, 0);
	buf[n++] = mk(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_2, BPF_PSEUDO_MAP_FD, 0, map_fd);
	buf[n++] = mk(0, 0, 0, 0, 0);
	buf[n++] = mk(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, (__s32)index);
	buf[n++] = mk(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call);
	return n;
}

size_t ps_filter_epilogue_tail_call(struct ps_ebpf_insn *buf, int map_fd,
				    __u32 accept_index, int reject_index,
				    __u32 pass_code)
{
	size_t n = 0, skip;

	/* if (R0 == 0) goto reject_part */
	skip = n++;
	n = tail_call(buf, n, map_fd, accept_index);
	if (reject_index >= 0)
		buf[n++] = mk(BPF_JMP | BPF_JA, 0, 0, 5, 0); /* over the next tail call */
	buf[skip] = mk(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, (__s16)(n - skip - 1), 0);
	if (reject_index >= 0)
		n = tail_call(buf, n, map_fd, (__u32)reject_index);
	buf[n++] = mk(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, (__s32)pass_code);
	buf[n++] = mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}
