/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * pktscope's datapath on one interface (or on a file): the loaded object, its
 * attachments and the claim that makes this process its only owner.
 *
 * Each interface gets its own loaded object and so its own counters map:
 * reporting interfaces apart needs no per-packet lookup of the interface.
 */
#ifndef PS_DATAPATH_H
#define PS_DATAPATH_H

#include <stdbool.h>
#include <net/if.h>
#include "pktscope/abi.h"
#include "attach.h"
#include "owner.h"

enum ps_hook {
	PS_HOOK_XDP,    /* XDP on ingress, TC on egress */
	PS_HOOK_TC,     /* TC on ingress and egress */
	PS_HOOK_SOCKET, /* an AF_PACKET socket; nothing attached to hooks */
	PS_HOOK_AUTO,   /* XDP or TC, whichever fits the interface (below) */
};

struct ps_datapath_opts {
	enum ps_hook hook;
	enum ps_xdp_mode xdp_mode;
	__u8 ttl_threshold;
	/* The event stage (watch, capture); all zero for stats. */
	bool events;
	const void *filter; /* libpcap's compiled struct bpf_program (the tag
			     * clashes with libbpf's, hence void), or NULL */
	/* 'filter' came from ps_filter_compile_live() for the interface the
	 * datapath attaches to: live Linux semantics (PS_FILTER_F_LINUX; at
	 * TC egress PACKET_OUTGOING), with the interface's MAC address for
	 * PKTTYPE at XDP when dev_addr_set.  Else the file's semantics. */
	bool filter_live;
	/* -r (ps_replay_run()): each test run's lengths, direction and
	 * verdict come from struct ps_replay_meta, the frame bytes of events
	 * from the file.  Load for_replay. */
	bool replay;
	/* -r with an expression: the verdict of a record the filter program
	 * cannot decide comes from user space (struct ps_replay_meta), so
	 * the filter stage is on even without a program ('filter' NULL:
	 * a file with no Ethernet interface). */
	bool replay_filter;
	bool dev_addr_set;
	__u8 dev_addr[6];
	__u32 sample;       /* keep 1 event in N */
	__u32 snaplen;      /* frame bytes per event, 0 for none */
	__u32 ring_bytes;   /* ring buffer size; rounded up to a power of 2 */
	/* The flow stage (flows): the table's size in conversations. */
	bool flows;
	__u32 max_flows;
	/* Flow times come from ps_datapath_set_clock() (-r, --hook socket),
	 * not from the kernel's clock when the program runs. */
	bool user_clock;
};

struct datapath_bpf;

struct ps_datapath {
	struct datapath_bpf *skel;
	struct ps_datapath_opts opts;
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct ps_owner owner;
	struct ps_attachment att[PS_SLOT_MAX];
	/* Asked for PS_HOOK_AUTO: opts.hook is what was chosen, and
	 * hook_why says why, in a few words. */
	bool hook_auto;
	char hook_why[128];
};

/* The slots a hook choice fills, in display order (ingress first). */
int ps_hook_slots(enum ps_hook hook, enum ps_slot slots[PS_SLOT_MAX]);
const char *ps_slot_hook(enum ps_slot slot);      /* "xdp" or "tc" */
const char *ps_slot_direction(enum ps_slot slot); /* "ingress" or "egress" */
int ps_hook_parse(const char *s, enum ps_hook *hook);
const char *ps_hook_name(enum ps_hook hook);      /* "xdp", "tc", "socket", "auto" */

/* Opens and loads the programs 'opts' needs; for_replay loads only the
 * ingress program, which BPF_PROG_TEST_RUN then drives.  PS_HOOK_AUTO is
 * for_replay only (live, ps_datapath_open() chooses): it is XDP there, as
 * the XDP test run takes frames up to ~70 KB whole, TC's a page (longer
 * records run their first bytes, src/core/replay.c).  Returns 0 or -errno after one line saying what is wrong. */
int ps_datapath_load(struct ps_datapath *dp, const struct ps_datapath_opts *opts,
		     bool for_replay);

/*
 * Loads the programs for 'ifname' and attaches them (ps_datapath_load(),
 * then ps_datapath_attach()).  With PS_HOOK_AUTO it first chooses the hook
 * for the interface:
 *  - TC both ways on a virtual interface (ps_iface_is_virtual(): veth,
 *    bridge, bond, tun, vxlan, loopback...), where XDP costs the host
 *    throughput (XDP on a veth makes its peer send MTU-sized packets, not
 *    64 kB ones: a fraction of the TCP throughput, docs/BENCHMARKS.md);
 *  - TC both ways where another program holds the XDP hook: it keeps it,
 *    and TC sees what it passes;
 *  - else native XDP in, TC out, and TC both ways if the driver refuses
 *    native XDP: never generic XDP, which runs on the skb as TC does, may
 *    have to copy it, and would keep other programs off the XDP hook.
 * On failure nothing stays attached or loaded, and ps_datapath_close() is
 * safe.  Returns 0 or -errno after one line. */
int ps_datapath_open(struct ps_datapath *dp, const struct ps_datapath_opts *opts,
		     const char *ifname);

/* Claims 'ifname' and attaches the loaded programs to it.  On failure
 * nothing stays attached.  Returns 0 or -errno after one line. */
int ps_datapath_attach(struct ps_datapath *dp, const char *ifname);

/* Detaches the programs only: the maps stay readable, and nothing more
 * comes into the ring buffer, so a last read takes all the kernel sent. */
void ps_datapath_detach(struct ps_datapath *dp);

/* Detaches, releases the claim and unloads; safe after ps_datapath_load()
 * failed, and twice. */
void ps_datapath_close(struct ps_datapath *dp);

int ps_datapath_read(const struct ps_datapath *dp, enum ps_slot slot, struct ps_counters *out);
/* Sums the event-stage counters over all CPUs. */
int ps_datapath_read_events(const struct ps_datapath *dp, struct ps_ev_counters *out);
/* Sums the flow stage's counters over all CPUs. */
int ps_datapath_read_flows(const struct ps_datapath *dp, struct ps_flow_counters *out);
/* The flow table's fd. */
int ps_datapath_flows_fd(const struct ps_datapath *dp);

/* What reads one datapath's flow table (src/flow/flowtab.c). */
struct ps_flow_source {
	int map_fd;         /* ps_flows: ended flows are removed from it */
	int dump_fd;        /* ps_flow_dump_prog: snapshots the table */
	int snap_fd;        /* ps_flow_snap: the snapshot, to be mapped */
	__u32 max_entries;  /* of both */
	/* The program's globals, mapped into user space (lib/flow.bpf.h). */
	volatile __u32 *epoch, *since, *count, *full;
};

/* The flow table of a datapath loaded with opts.flows. */
void ps_datapath_flow_source(struct ps_datapath *dp, struct ps_flow_source *src);
/* With opts.user_clock: the flow time of the packets run from now on. */
void ps_datapath_set_clock(struct ps_datapath *dp, __u64 ns);
/* Loaded for_replay: what the next test run is told of its record. */
volatile struct ps_replay_meta *ps_datapath_replay_meta(struct ps_datapath *dp);

/* The ring buffer's fd, and the program array tail calls of 'slot' use. */
int ps_datapath_ring_fd(const struct ps_datapath *dp);
int ps_datapath_progs_fd(const struct ps_datapath *dp, enum ps_slot slot);
/* The fd of the program that runs for 'slot'. */
int ps_datapath_prog_fd(const struct ps_datapath *dp, enum ps_slot slot);

#endif
