// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Classic BPF programs libpcap's validator takes, made from the input and
 * handed straight to the translation (src/filter/filter.c): every opcode, any
 * constants (shifts of 32 and more, divisions, loads far past the frame,
 * indirect loads whose X + k wraps), jumps of any length forward.  Each
 * must load for every hook and agree with bpf_filter() on every frame
 * (fuzz/filter_check.h).
 *
 * The input: a byte of options (bits 0-5: which hooks, all when none),
 * the program (a length, then per instruction an opcode choice and its
 * constant and jumps), then the frames.  The scratch words are all
 * written first, as libpcap 1.10's interpreter leaves them uninitialised
 * (its verdict would be the stack's garbage).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "filter.h"
#include "filter_check.h"
#include "fuzz.h"

#define MAX_BODY 200

/* Every opcode bpf_validate() takes (libpcap 1.10 bpf_filter.c). */
static const uint16_t opcodes[] = {
	BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
	BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
	BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LD | BPF_MEM,
	BPF_LDX | BPF_W | BPF_IMM, BPF_LDX | BPF_W | BPF_MEM, BPF_LDX | BPF_W | BPF_LEN,
	BPF_LDX | BPF_B | BPF_MSH,
	BPF_ST, BPF_STX,
	BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_K, BPF_ALU | BPF_MUL | BPF_K,
	BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_MOD | BPF_K, BPF_ALU | BPF_AND | BPF_K,
	BPF_ALU | BPF_OR | BPF_K, BPF_ALU | BPF_XOR | BPF_K, BPF_ALU | BPF_LSH | BPF_K,
	BPF_ALU | BPF_RSH | BPF_K, BPF_ALU | BPF_NEG,
	BPF_ALU | BPF_ADD | BPF_X, BPF_ALU | BPF_SUB | BPF_X, BPF_ALU | BPF_MUL | BPF_X,
	BPF_ALU | BPF_DIV | BPF_X, BPF_ALU | BPF_MOD | BPF_X, BPF_ALU | BPF_AND | BPF_X,
	BPF_ALU | BPF_OR | BPF_X, BPF_ALU | BPF_XOR | BPF_X, BPF_ALU | BPF_LSH | BPF_X,
	BPF_ALU | BPF_RSH | BPF_X,
	BPF_JMP | BPF_JA,
	BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JGT | BPF_K, BPF_JMP | BPF_JGE | BPF_K,
	BPF_JMP | BPF_JSET | BPF_K, BPF_JMP | BPF_JEQ | BPF_X, BPF_JMP | BPF_JGT | BPF_X,
	BPF_JMP | BPF_JGE | BPF_X, BPF_JMP | BPF_JSET | BPF_X,
	BPF_RET | BPF_K, BPF_RET | BPF_A,
	BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
};

static uint32_t constant(struct fz *f)
{
	static const uint32_t near[] = {
		0, 1, 2, 3, 7, 12, 13, 14, 20, 23, 31, 32, 33, 63, 64, 0xff, 0xffff, 0x7fffffff,
		0x80000000, 0xfffffffe, 0xffffffff, 1500, 3519, 3520, 4095, 4096, 65535, 65536,
		262144,
	};

	switch (fz_u8(f) % 4) {
	case 0:
		return near[fz_u8(f) % (sizeof(near) / sizeof(near[0]))];
	case 1:
		return fz_u8(f) % 64;
	case 2:
		return fz_u16(f);
	default:
		return fz_u32(f);
	}
}

static unsigned int build(struct fz *f, struct bpf_insn *insns)
{
	unsigned int n = 0, body = 1 + fz_u8(f) % MAX_BODY, end;

	for (int m = 0; m < BPF_MEMWORDS; m++) {
		insns[n++] = (struct bpf_insn)BPF_STMT(BPF_LD | BPF_IMM, constant(f));
		insns[n++] = (struct bpf_insn)BPF_STMT(BPF_ST, m);
	}
	end = n + body;
	while (n < end) {
		uint16_t code = opcodes[fz_u8(f) % (sizeof(opcodes) / sizeof(opcodes[0]))];
		uint32_t k = constant(f), left = end - n; /* insns after this one, the last included */
		uint8_t jt = 0, jf = 0;

		switch (code) {
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_W | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			k %= BPF_MEMWORDS;
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_MOD | BPF_K:
			if (!k) /* the validator refuses a division by the constant 0 */
				k = 1;
			break;
		case BPF_JMP | BPF_JA:
			k %= left;
			break;
		default:
			if (BPF_CLASS(code) == BPF_JMP) {
				jt = fz_u8(f) % (left < 256 ? left : 256);
				jf = fz_u8(f) % (left < 256 ? left : 256);
			}
		}
		insns[n++] = (struct bpf_insn)BPF_JUMP(code, k, jt, jf);
	}
	/* The last one returns. */
	insns[n++] = (struct bpf_insn)BPF_STMT(fz_bool(f) ? BPF_RET | BPF_A : BPF_RET | BPF_K,
					       constant(f));
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fc_frames frames;
	static struct bpf_insn insns[2 * BPF_MEMWORDS + MAX_BODY + 2];
	struct bpf_program bp = { .bf_insns = insns };
	unsigned int mask;
	struct fz f;

	fz_init(&f, data, size);
	mask = fz_u8(&f) & FC_ALL;
	if (!mask)
		mask = FC_ALL;
	bp.bf_len = build(&f, insns);
	if (!bpf_validate(insns, bp.bf_len))
		fz_fail("the program made is not one bpf_validate() takes");
	fc_frames_build(&frames, &f, FC_FRAME_MAX);
	fc_check(&bp, mask, &frames, "classic program");
	return 0;
}
