/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The user-space side of the flow table: has the kernel snapshot its flow
 * maps (what changed since the last sweep), keeps what each conversation has
 * already been exported with, and turns the table into flow records when a
 * flow ends (idle timeout, TCP FIN both ways or RST), when a long one
 * reaches the active timeout, or when everything is flushed at the end.
 *
 * Times are in the flow clock: CLOCK_MONOTONIC ns live (bpf_ktime_get_ns()),
 * the file's or the socket's CLOCK_REALTIME ns with a user clock; records
 * carry CLOCK_REALTIME.  Any __u64 is a valid time: every deadline is a
 * saturating sum, so a clock near 2^64 never wraps a timeout around.
 *
 * For the live view (opts.view) it also keeps, per conversation, its
 * totals at checkpoints at least a second apart over the last 40 s, from
 * which the 2, 10 and 40 s rates come (as iftop shows them), and keeps a
 * conversation that ended on hand for opts.hold_ns after its end.
 */
#ifndef PS_FLOWTAB_H
#define PS_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "pktscope/abi.h"
#include "datapath.h"
#include "flowrec.h"

struct ps_flowtab_opts {
	__u64 idle_ns;    /* a flow without a packet this long ends */
	__u64 active_ns;  /* a longer flow is exported every active_ns; 0 never */
	__u64 linger_ns;  /* an ended TCP flow waits this long for late
			   * packets (the last ACK) before it is exported */
	__s64 clock_to_real_ns; /* flow clock + this = CLOCK_REALTIME */
	bool view;        /* keep the rates' history and the ended flows */
	__u64 start_ns;   /* view: flow clock when counting began (the table
			   * was empty then): rates over a window longer than
			   * the time since are over the time since */
	__u64 hold_ns;    /* view: an ended flow stays this long after its end
			   * (at most as many as the kernel tables hold) */
};

/* The view's rate windows, as iftop's: 2, 10 and 40 seconds. */
enum { PS_RATE_2S, PS_RATE_10S, PS_RATE_40S, PS_RATE_WINDOWS };
/* Checkpoints of the rates' history are at least this far apart... */
#define PS_RATE_RES_NS 1000000000ULL
/* ...and this many are kept: enough to reach 40 s back. */
#define PS_RATE_SLOTS 44

/* A conversation left out of every output: pktscope's own IPFIX export,
 * seen on a watched interface.  Both endpoints, either way round, on any
 * interface; addresses as in the kernel key (IPv4 in the first 4 bytes). */
struct ps_flow_excl {
	__u8 ip_ver;
	__u8 proto;
	__u8 addr[2][16];
	__u16 port[2];    /* host order */
};

struct ps_conv;

#define PS_FLOWTAB_MAPS 16

struct ps_flowtab {
	struct ps_flowtab_opts o;
	struct ps_flow_source src[PS_FLOWTAB_MAPS];
	const struct ps_flow_snaprec *snap[PS_FLOWTAB_MAPS]; /* mapped */
	size_t snap_len[PS_FLOWTAB_MAPS];
	int nsrc;
	unsigned *hashes;     /* a chunk of the snapshot's uthash hashes */
	struct ps_conv *convs; /* uthash, by kernel key */
	__u64 max_entries;    /* of all the kernel tables */
	unsigned buckets_log2; /* uthash's first table: a bucket per entry */
	__u64 nconvs;
	__u64 gen;            /* sweep number */
	bool reread;          /* the last read failed: read everything */
	/* The view: checkpoint times (flow clock) of the rates' history, ring
	 * of PS_RATE_SLOTS by checkpoint number; nck taken so far (the first
	 * is opts.start_ns); and, per window, the checkpoint the last sweep's
	 * rates were taken from and the span they cover. */
	__u64 ck_ns[PS_RATE_SLOTS];
	__u64 nck;
	__u64 win_ck[PS_RATE_WINDOWS];
	__u64 win_span_ns[PS_RATE_WINDOWS];
	struct ps_conv *ended, *ended_tail; /* ended, held for the view, oldest first */
	__u64 nended;
	struct ps_flow_excl excl[2];
	int nexcl;
	/* What happened, for the summary. */
	__u64 records;        /* records written */
	__u64 ended_idle;     /* conversations that ended by the idle timeout, */
	__u64 ended_tcp;      /* or by TCP FIN both ways or RST (and their
			       * entries were removed from the kernel table) */
	__u64 read_errors;    /* failed reads of the table (then retried) */
	__u64 read_entries;   /* entries the snapshots held, all sweeps */
	/* The excluded conversations (ps_flowtab_exclude()): their records
	 * and what they held, instead of being written. */
	__u64 excl_records, excl_packets, excl_bytes;
};

/* Called per record; a non-zero return stops nothing (the record is
 * counted as written either way: the caller counts its own errors). */
typedef void (*ps_flow_rec_fn)(void *ctx, const struct ps_flow_rec *r);

/* A conversation for the view: its totals since it began (in 'total',
 * seq = records written so far; end NONE while it is open, else why it
 * ended) and its rates, both directions together, in bits per second over
 * the last 2, 10 and 40 s (as near as the checkpoints allow; over the time
 * since opts.start_ns when that is shorter). */
struct ps_flow_snap {
	struct ps_flow_rec total;
	double rate[PS_RATE_WINDOWS];
	__u64 ended_ns;  /* flow clock of its end; 0 while open */
};

typedef void (*ps_flow_snap_fn)(void *ctx, const struct ps_flow_snap *s);

int ps_flowtab_init(struct ps_flowtab *t, const struct ps_flowtab_opts *o);
/* Adds one kernel flow table (one per interface): maps its snapshot. */
int ps_flowtab_add_map(struct ps_flowtab *t, const struct ps_flow_source *src);
/* Leaves the conversation 'e' out of every output from now on: its records
 * are counted (excl_*) instead of written, the view does not show it.  Up
 * to two; returns 0 or -E2BIG. */
int ps_flowtab_exclude(struct ps_flowtab *t, const struct ps_flow_excl *e);
/* Adds to excl_* what the kernel counted for the excluded conversations
 * since their last record: for packets sent after the last sweep (the
 * final IPFIX messages).  Returns 0 or -errno. */
int ps_flowtab_settle_excluded(struct ps_flowtab *t);

/* Reads what changed in every table; writes a record through 'fn' for each flow that is due
 * at 'now' (flow clock) and removes ended flows from the kernel.  With
 * 'flush', every flow ends now (PS_FLOW_END_FORCED).  Returns 0 or -errno. */
int ps_flowtab_sweep(struct ps_flowtab *t, __u64 now, bool flush, ps_flow_rec_fn fn,
		     void *ctx);

/* Every conversation as of the last sweep, and with opts.view the ended
 * ones still held; never an excluded one. */
void ps_flowtab_foreach(const struct ps_flowtab *t, ps_flow_snap_fn fn, void *ctx);

/* Memory the user-space side holds now, in bytes (the mapped snapshots are
 * kernel memory: ps_map_kernel_bytes()). */
size_t ps_flowtab_user_bytes(const struct ps_flowtab *t);
/* Bytes of one conversation in user space (the table's and uthash's; with
 * 'view', its rates' history too). */
size_t ps_flowtab_conv_bytes(bool view);

void ps_flowtab_free(struct ps_flowtab *t);

/* The kernel memory of a BPF map, as /proc/self/fdinfo reports it
 * ("memlock"), or 0 when unknown. */
__u64 ps_map_kernel_bytes(int map_fd);

#endif
