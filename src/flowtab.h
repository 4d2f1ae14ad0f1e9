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
 * carry CLOCK_REALTIME.
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
	/* What happened, for the summary. */
	__u64 records;        /* records written */
	__u64 evicted;        /* entries removed from the kernel table */
	__u64 read_errors;    /* failed reads of the table (then retried) */
	__u64 read_entries;   /* entries the snapshots held, all sweeps */
};

/* Called per record; a non-zero return stops nothing (the record is
 * counted as written either way: the caller counts its own errors). */
typedef void (*ps_flow_rec_fn)(void *ctx, const struct ps_flow_rec *r);

/* A live conversation for the view: its totals since it began (in 'total',
 * seq = records written so far, end NONE) and its rate over the last sweep. */
struct ps_flow_snap {
	struct ps_flow_rec total;
	double bps;  /* bits per second, both directions */
	double pps;  /* packets per second, both directions */
};

typedef void (*ps_flow_snap_fn)(void *ctx, const struct ps_flow_snap *s);

int ps_flowtab_init(struct ps_flowtab *t, const struct ps_flowtab_opts *o);
/* Adds one kernel flow table (one per interface): maps its snapshot. */
int ps_flowtab_add_map(struct ps_flowtab *t, const struct ps_flow_source *src);

/* Reads what changed in every table; writes a record through 'fn' for each flow that is due
 * at 'now' (flow clock) and removes ended flows from the kernel.  With
 * 'flush', every flow ends now (PS_FLOW_END_FORCED).  Returns 0 or -errno. */
int ps_flowtab_sweep(struct ps_flowtab *t, __u64 now, bool flush, ps_flow_rec_fn fn,
		     void *ctx);

/* Every conversation as of the last sweep. */
void ps_flowtab_foreach(const struct ps_flowtab *t, ps_flow_snap_fn fn, void *ctx);

/* Memory the user-space side holds now, in bytes (the mapped snapshots are
 * kernel memory: ps_map_kernel_bytes()). */
size_t ps_flowtab_user_bytes(const struct ps_flowtab *t);
/* Bytes of one conversation in user space (the table's and uthash's). */
size_t ps_flowtab_conv_bytes(void);

void ps_flowtab_free(struct ps_flowtab *t);

/* The kernel memory of a BPF map, as /proc/self/fdinfo reports it
 * ("memlock"), or 0 when unknown. */
__u64 ps_map_kernel_bytes(int map_fd);

#endif
