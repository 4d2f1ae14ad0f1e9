/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What fuzz_filter_expr and fuzz_filter_cbpf share: a classic program,
 * translated by src/filter/filter.c for each hook and loaded into the kernel, run
 * with BPF_PROG_TEST_RUN over frames, each verdict compared with libpcap's
 * own interpreter, bpf_filter(), on the same bytes (the value, not just
 * keep or drop: the programs end in the "return the verdict" epilogue).
 * The variants, as tests/unit/test_filter.c runs them:
 *	xdp, xdp_slow   XDP; every load through bpf_xdp_load_bytes() in _slow
 *	tc, tc_slow     SCHED_CLS; the same
 *	tc_wire         SCHED_CLS with PS_FILTER_F_WIRE_LEN, over frames cut
 *	                short (BPF_LEN is the length on the wire)
 *	socket          SOCKET_FILTER, the frame behind a 14-byte header
 * Needs root.  Any disagreement, or a valid program the kernel refuses
 * for another reason than its size (-E2BIG: beyond eBPF's jump range or
 * the verifier's complexity limit, which pktscope reports as such), is
 * an fz_fail().
 */
#ifndef PS_FUZZ_FILTER_CHECK_H
#define PS_FUZZ_FILTER_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include "fuzz.h"

struct bpf_program; /* libpcap's */

enum fc_variant { FC_XDP, FC_XDP_SLOW, FC_TC, FC_TC_SLOW, FC_TC_WIRE, FC_SOCKET, FC_MAX };
#define FC_ALL ((1u << FC_MAX) - 1)

#define FC_FRAME_MAX 9000

struct fc_frame {
	const uint8_t *data;
	uint32_t len;  /* bytes held */
	uint32_t wire; /* bytes on the wire (>= len) */
	char name[48];
};

struct fc_frames {
	struct fc_frame f[160];
	size_t n;
	uint8_t *store; /* the bytes of frames made for this input */
	size_t used, cap;
};

/* The frames of one input: some of the crafted table (tests/tools
 * pkt_cases), cut short or with bytes changed as the input says, and the
 * input's own bytes as a frame.  'max_len' caps every frame. */
void fc_frames_build(struct fc_frames *fs, struct fz *f, uint32_t max_len);
void fc_frames_free(struct fc_frames *fs);

/* Loads refused with -E2BIG so far (see fc_check()). */
extern unsigned long fc_too_big;

/* Loads 'prog' for each variant of 'mask' and compares every frame.
 * 'what' names the program in a failure.  Returns the number of runs. */
unsigned long fc_check(const struct bpf_program *prog, unsigned int mask,
		       const struct fc_frames *fs, const char *what);

/* Whether the program jumps backwards (libpcap's `protochain`): frames for
 * it are kept short, and libpcap's interpreter runs under a timer (libpcap
 * 1.10 can loop for ever there). */
int fc_has_backjump(const struct bpf_program *prog);

#endif
