/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Feeding a recorded capture through the loaded kernel program, record by
 * record, each as the file holds it (src/capture/capread.h): the datapath parses,
 * counts, filters and emits it with BPF_PROG_TEST_RUN, told through
 * struct ps_replay_meta what the test run cannot carry (the record's
 * lengths, its direction, and the verdict where libpcap decides it).
 */
#ifndef PS_REPLAY_H
#define PS_REPLAY_H

#include <signal.h>
#include <stdbool.h>
#include <linux/types.h>
#include "capread.h"
#include "datapath.h"

/* Test-run refusals counted apart, by errno. */
#define PS_REPLAY_NOTRUN_KINDS 4

struct ps_replay_stats {
	__u64 packets_read; /* records in the file */
	__u64 snaplen_cut;  /* records shorter than the packet on the wire */
	__u64 user_verdicts; /* records whose verdict libpcap's interpreter gave */
	__u64 not_run;      /* records the kernel refused to run at all;
			     * never silently absent from totals */
	struct {
		int err;    /* -errno of the test run */
		__u64 n;
	} not_run_by[PS_REPLAY_NOTRUN_KINDS];
	__u32 max_run;      /* longest frame the test run took (0: every
			     * record fitted); longer records ran their
			     * first max_run bytes */
	double first_ts;    /* capture timestamps of the first and last */
	double last_ts;     /* records, in seconds */
};

/* The record being handled, for the callbacks and the event sink. */
struct ps_replay_rec {
	struct ps_capread_rec r;
	const struct ps_capread_iface *iface;
	__u8 dir;           /* enum ps_dir: pcapng's flags, else SLL's type */
};

/* 'before' and 'after' (either may be NULL) run before and after each
 * record with its capture time; a non-zero return ends the replay early
 * (without error; from 'before', that record is not run). */
typedef int (*ps_replay_fn)(void *ctx, __u64 ts_ns);

struct ps_replay_hooks {
	ps_replay_fn before, after;
	void *ctx;
	/* Ends the replay between two records once non-zero (a signal). */
	const volatile sig_atomic_t *stop;
};

struct ps_replay;

/*
 * Opens 'path' ("-": standard input), reads ahead for the link types it
 * holds, refuses a link type pktscope does not read, and compiles 'expr'
 * (NULL: none) with libpcap for each link type, as tcpdump -r would.
 * Returns 0, or -errno after one line saying what is wrong (-EINVAL: the
 * file or the expression, a usage error).
 */
int ps_replay_open(struct ps_replay **rp, const char *path, const char *expr);
/* The expression compiled for Ethernet (struct bpf_program), for the
 * datapath's filter program; NULL without an expression, or when the file
 * holds no Ethernet interface and the expression is not valid for one. */
const void *ps_replay_kernel_filter(const struct ps_replay *rp);
/* The interfaces the file declared (all of them once read ahead). */
const struct ps_capread_iface *ps_replay_ifaces(const struct ps_replay *rp, __u32 *n);
/* Whether every interface was known before the first record (a regular
 * file; standard input cannot be read ahead). */
bool ps_replay_scanned(const struct ps_replay *rp);
/* Whether a pcap file's time stamps are nanoseconds. */
bool ps_replay_nsec(const struct ps_replay *rp);
enum ps_capread_format ps_replay_format(const struct ps_replay *rp);
/* The file's path, as given. */
const char *ps_replay_path(const struct ps_replay *rp);

/*
 * Runs every record through the datapath's programs ('dp' loaded
 * for_replay, with opts.replay_filter when there is an expression).
 * Returns 0 or -errno after one line (a damaged file: the records before
 * the damage were run and counted).
 */
int ps_replay_run(struct ps_replay *rp, struct ps_datapath *dp, struct ps_replay_stats *st,
		  const struct ps_replay_hooks *h);
/* During a callback or an event of the run: the record. */
const struct ps_replay_rec *ps_replay_current(const struct ps_replay *rp);
void ps_replay_close(struct ps_replay *rp);

/* One line naming each kind of test-run refusal, for the reports. */
void ps_replay_not_run_str(const struct ps_replay_stats *st, char *buf, size_t len);

#endif
