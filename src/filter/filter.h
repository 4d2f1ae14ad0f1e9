/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pcap-filter expressions in the kernel.  libpcap compiles an expression to
 * classic BPF (cBPF); ps_filter translates that program to eBPF for one of
 * three hooks and loads it.  The translation keeps libpcap's semantics
 * exactly, as its own interpreter bpf_filter() runs them for `tcpdump -r`:
 * unsigned 32-bit A and X, big-endian loads, a load past the end of the
 * packet or a division by X == 0 ends the program with 0 (reject), and the
 * value of RET is the verdict (0 = drop, else keep that many bytes).
 *
 * Two struct bpf_insn.  libpcap's <pcap/bpf.h> and the kernel's
 * <linux/bpf.h> both define a struct bpf_insn (classic and eBPF), so this
 * header includes neither:
 *  - struct bpf_program is libpcap's (its bf_insns are classic).  Note that
 *    libbpf's <bpf/libbpf.h> uses the same tag for an unrelated opaque type;
 *    in a file that includes libbpf.h, only pass what ps_filter_compile()
 *    filled in.
 *  - eBPF instructions (epilogues, translations) are struct ps_ebpf_insn,
 *    laid out exactly as the kernel's struct bpf_insn: cast freely.
 * A file that needs both definitions can rename libpcap's:
 *	#include <linux/bpf.h>
 *	#define bpf_insn pcap_bpf_insn
 *	#include <pcap/pcap.h>
 *	#undef bpf_insn
 *
 * The translated program (all targets):
 *
 *	prologue    R6 = ctx; A (R7) = X (R8) = 0; the scratch words used are
 *	            zeroed; XDP and TC: R9 = packet data
 *	body        the classic program, instruction by instruction
 *	reject:     R0 = 0, falls into the epilogue
 *	epilogue    the caller's instructions (see below)
 *	slow paths  loads beyond the linear data (out of line)
 *
 * Packet loads.  XDP and TC read the linear data directly after a
 * `data + off + size > data_end` check; what lies beyond (XDP multi-buffer
 * fragments, paged skb data) is read with bpf_xdp_load_bytes() or
 * bpf_skb_load_bytes(), and only a load beyond the whole packet rejects.
 * Socket filters always use bpf_skb_load_bytes() (they may not read the
 * packet directly).  BPF_LEN is the whole frame: bpf_xdp_get_buff_len() at
 * XDP, skb->len at TC and at a socket.  One limit: bpf_xdp_load_bytes()
 * refuses offsets above 0xffff, so at XDP a load there rejects (only
 * multi-buffer frames over 64 KiB have such bytes).
 *
 * Files and live capture.  `tcpdump -r` runs the code libpcap compiles for
 * a file (ps_filter_compile()) over the frames as written, VLAN tags in
 * place.  Live on Linux, tcpdump does something else: the kernel has taken
 * the outer 802.1Q/802.1ad tag of a received frame out of the data into
 * skb metadata before any packet socket (and before TC ingress) sees it,
 * and libpcap compiles for a live handle (ps_filter_compile_live()) with
 * loads of the kernel's ancillary data (SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT,
 * SKF_AD_VLAN_TAG; SKF_AD_PKTTYPE for inbound/outbound, SKF_AD_IFINDEX for
 * ifindex), run by the kernel as a socket filter on the frame without
 * the tag.  PS_FILTER_F_LINUX translates such code with those semantics:
 *  - TC and socket: the frame as the skb has it, ancillary data from the
 *    __sk_buff (vlan_present, vlan_tci, vlan_proto, pkt_type, protocol,
 *    ifindex); PS_FILTER_F_OUTGOING answers PACKET_OUTGOING at TC egress;
 *  - XDP, which runs before the stack took the tag out: a frame whose
 *    EtherType is 0x8100 or 0x88a8 is seen as the stack will hand it on,
 *    the tag out of the frame and in the metadata (loads from offset 12 on
 *    read 4 bytes further, BPF_LEN is 4 less); PKTTYPE from the
 *    destination MAC as eth_type_trans() sets it; a tagged frame under 20
 *    bytes, which the stack drops, rejects.  A tag the hardware or the
 *    sending veth already put in metadata is invisible at XDP.
 *  - the kernel's arithmetic: a shift by X uses X mod 32, an indirect
 *    load's X + k wraps at 32 bits (libpcap's interpreter: 0, and no wrap).
 *    When the kernel would refuse the classic program (backward jumps of
 *    `protochain`, over 4096 insns, unknown ancillary loads, scratch read
 *    before written), libpcap filters in user space with its interpreter
 *    and PACKET_AUXDATA: the translation then follows that interpreter
 *    (byte loads of the tag only, the VLAN ID alone; other ancillary loads
 *    reject).
 *  - Loads at the kernel's negative offsets (SKF_NET_OFF, SKF_LL_OFF) reject.
 *
 * Where the packet is not what tcpdump would write (code for files):
 *  - VLAN: at TC and at packet sockets the kernel has usually moved the
 *    outer tag of a frame into skb metadata; tcpdump puts it back before
 *    it filters a file.  PS_FILTER_F_VLAN_META makes the filter see the
 *    frame with the tag put back (XDP always sees it in place).
 *  - Cut-short captures replayed: see PS_FILTER_F_WIRE_LEN.
 *
 * EPILOGUE CONVENTION.  Every classic RET jumps to the epilogue with:
 *	R0   the classic verdict, a u32 zero-extended to 64 bits (0 = reject,
 *	     else the snap length the expression was compiled with)
 *	R6   the program's context (struct xdp_md * or struct __sk_buff *)
 *	R1-R5, R7-R9   scratch: the epilogue may use them freely (R0-R5 as
 *	     at any helper call; R7 = A, R8 = X, R9 = packet data are dead)
 *	stack          the epilogue may use all 512 bytes, but must write
 *	               before it reads (the filter's slots are not promised)
 * The epilogue is copied verbatim: its jumps are relative to itself and
 * must stay inside it, every path must end in BPF_EXIT (or a tail call
 * followed by one), and map references go in as BPF_LD_IMM64 with
 * src_reg = BPF_PSEUDO_MAP_FD (the kernel resolves the fd at load time;
 * the map may be closed after ps_filter_load() returns).
 */
#ifndef PS_FILTER_H
#define PS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct bpf_program; /* libpcap's: a classic program */

/* The kernel's struct bpf_insn (eBPF), under a name libpcap does not use. */
struct ps_ebpf_insn {
	__u8 code;
	__u8 dst_reg : 4;
	__u8 src_reg : 4;
	__s16 off;
	__s32 imm;
};

enum ps_filter_target {
	PS_FILTER_XDP,    /* BPF_PROG_TYPE_XDP, loaded xdp.frags by default */
	PS_FILTER_TC,     /* BPF_PROG_TYPE_SCHED_CLS */
	PS_FILTER_SOCKET, /* BPF_PROG_TYPE_SOCKET_FILTER (SO_ATTACH_BPF) on an
			   * AF_PACKET SOCK_RAW socket: the frame from its
			   * Ethernet header */
};

/* tcpdump's default snap length: what an accepting RET returns. */
#define PS_FILTER_SNAPLEN_DEFAULT 262144

/* Backward jumps (libpcap emits them only for `protochain`) are followed at
 * most this many times per packet; one more rejects.  libpcap 1.10.3's
 * interpreter has no bound (and never ends on some IPv4 AH chains); later
 * libpcap stops at 64, as here. */
#define PS_FILTER_MAX_BACKJUMPS 64

/*
 * Compiles 'expr' for Ethernet frames (DLT_EN10MB) with libpcap, optimizer
 * on, netmask unknown.  'snaplen' <= 0 means PS_FILTER_SNAPLEN_DEFAULT.
 * An empty or NULL expression accepts everything, as in tcpdump.
 * Returns 0, or -EINVAL with libpcap's own message in 'err' (for a
 * "pktscope: <message>" line and exit code 2).  Free with ps_filter_free().
 */
int ps_filter_compile(const char *expr, int snaplen, struct bpf_program *out,
		      char *err, size_t errlen);

/*
 * Compiles 'expr' as `tcpdump -r path` does: on a handle reading the file,
 * which libpcap tells from a dead one (it refuses inbound, outbound and
 * ifindex for files, where a dead handle gets the live code of Linux).
 * Standard input ("-"), a file libpcap cannot open or one that is not
 * Ethernet: as ps_filter_compile().  The accepting RET returns the file's
 * snap length.  Returns as ps_filter_compile().
 */
int ps_filter_compile_file(const char *path, const char *expr, int snaplen,
			   struct bpf_program *out, char *err, size_t errlen);

/*
 * Compiles 'expr' as tcpdump does to capture live on 'ifname': libpcap
 * creates and activates a handle on the interface (closed again before it
 * reads anything), so the code is libpcap's for a live Linux socket, with
 * ancillary loads (translate with PS_FILTER_F_LINUX), netmask the
 * interface's (0 without IPv4).  An interface that is down is compiled for
 * through lo (libpcap activates only interfaces that are up; the code does
 * not depend on which).  Returns 0; -EINVAL with libpcap's message for a
 * bad expression; -ENODEV, -EPERM, -ENETDOWN, -EIO when libpcap cannot
 * open the interface, -EOPNOTSUPP when it is not Ethernet.
 */
int ps_filter_compile_live(const char *ifname, const char *expr, int snaplen,
			   struct bpf_program *out, char *err, size_t errlen);
void ps_filter_free(struct bpf_program *prog);

/* libpcap's interpreter, bpf_filter(), on one frame: the reference the
 * translation is tested against. */
unsigned int ps_filter_interpret(const struct bpf_program *prog, const void *pkt,
				 unsigned int wirelen, unsigned int caplen);

/* bpf_dump()-style listing of the classic program, one line per insn. */
void ps_filter_dump(const struct bpf_program *prog, void *file /* FILE * */);

/* Options.  Flags: */
#define PS_FILTER_F_XDP_LINEAR (1u << 0) /* XDP: load without BPF_F_XDP_HAS_FRAGS;
					  * a load past the linear data rejects */
#define PS_FILTER_F_SLOW_LOADS (1u << 1) /* every load through the helper:
					  * exercises the paged-data path */
#define PS_FILTER_F_WIRE_LEN (1u << 2)   /* TC, for replays: BPF_LEN is
					  * skb->wire_len, which a test run
					  * takes in its __sk_buff context (the
					  * original length of a cut-short
					  * capture; without a context it is
					  * 0).  Live, it is not skb->len for
					  * GSO packets: leave it off. */
#define PS_FILTER_F_VLAN_META (1u << 3)  /* TC, socket: a VLAN tag the kernel
					  * took into skb metadata is put back
					  * in front of the EtherType, as
					  * tcpdump writes it to a file */
#define PS_FILTER_F_LINUX (1u << 4)      /* code from ps_filter_compile_live():
					  * live Linux semantics (see above);
					  * excludes PS_FILTER_F_VLAN_META */
#define PS_FILTER_F_OUTGOING (1u << 5)   /* with F_LINUX, TC egress: PKTTYPE
					  * is PACKET_OUTGOING, as packet
					  * sockets see what a host sends */

struct ps_filter_opts {
	unsigned int flags;
	const char *name;   /* program name; default "ps_filter" */
	/* Verifier log: when log_buf is set, a failed load is retried with
	 * log level 1 into it.  Without it, the log goes to ps_dbg() (-v). */
	char *log_buf;
	size_t log_size;
	/* Expected attach type; 0 = the default: BPF_XDP for XDP (as libbpf's
	 * SEC("xdp") and SEC("xdp.frags") set it), none for TC (SEC("tc")) and
	 * socket filters.  A program array only takes programs whose type,
	 * xdp.frags flag and expected attach type match those of the first
	 * program that used it (kernel 6.18), and a filter whose epilogue
	 * tail-calls through an array must match it to load at all. */
	int expected_attach_type;
	/* XDP with PS_FILTER_F_LINUX: the device's MAC address, so that
	 * SKF_AD_PKTTYPE tells PACKET_HOST from PACKET_OTHERHOST as the stack
	 * will.  Unset: unicast is PACKET_HOST. */
	bool dev_addr_set;
	__u8 dev_addr[6];
};

/*
 * Translates 'cbpf' and appends 'epilogue' (n insns): the program that
 * ps_filter_load() would load, in a malloc()ed array for the caller to
 * free().  Returns 0 or -errno with a one-line reason in 'err' (-ENOTSUP:
 * an instruction that cannot be translated; -EINVAL: an invalid program,
 * as libpcap's bpf_validate() would say; -E2BIG: a jump too long for eBPF).
 */
int ps_filter_translate(const struct bpf_program *cbpf, enum ps_filter_target target,
			unsigned int flags, const struct ps_ebpf_insn *epilogue, size_t n,
			struct ps_ebpf_insn **out, size_t *out_n, char *err, size_t errlen);

/*
 * Translates and loads.  Returns 0 with the program's fd in *prog_fd, or
 * -errno after one ps_err() line (translation error, or the kernel's
 * refusal; the verifier log follows with -v or in opts->log_buf).
 */
int ps_filter_load(const struct bpf_program *cbpf, enum ps_filter_target target,
		   const struct ps_ebpf_insn *epilogue, size_t n, int *prog_fd);
int ps_filter_load_opts(const struct bpf_program *cbpf, enum ps_filter_target target,
			const struct ps_ebpf_insn *epilogue, size_t n,
			const struct ps_filter_opts *opts, int *prog_fd);

/*
 * Ready epilogues.  Each writes at most PS_FILTER_EPILOGUE_MAX insns to
 * 'buf' and returns how many.
 */
#define PS_FILTER_EPILOGUE_MAX 16

/* return R0: the classic verdict itself.  What a socket filter wants (the
 * snap length truncates the packet, 0 drops it), and the tests. */
size_t ps_filter_epilogue_return(struct ps_ebpf_insn *buf);

/* return verdict != 0 ? accept_code : reject_code;
 * e.g. XDP_PASS / XDP_DROP, TC_ACT_UNSPEC / TC_ACT_SHOT. */
size_t ps_filter_epilogue_verdict(struct ps_ebpf_insn *buf, __u32 accept_code,
				  __u32 reject_code);

/* verdict != 0: bpf_tail_call(ctx, map_fd, accept_index);
 * verdict == 0 and reject_index >= 0: bpf_tail_call(ctx, map_fd, reject_index);
 * then (no tail call taken, or it failed) return pass_code. */
size_t ps_filter_epilogue_tail_call(struct ps_ebpf_insn *buf, int map_fd,
				    __u32 accept_index, int reject_index,
				    __u32 pass_code);

#endif /* PS_FILTER_H */
