/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What watch and capture share: their common options, the datapath with its
 * event stage on interfaces or over a file, the poll loop, and the report of
 * every count on the way (matched, sampled out, lost in the kernel, not
 * written).  Each command brings a sink that takes the events.
 */
#ifndef PS_CLI_EVSESSION_H
#define PS_CLI_EVSESSION_H

#include <stdbool.h>
#include <stdio.h>
#include "capfile.h"
#include "common.h"
#include "events.h"
#include "pktline.h"
#include "replay.h"

enum ev_cmd { EV_WATCH, EV_CAPTURE };

struct ev_args {
	enum ev_cmd cmd;
	const char *ifaces[CLI_MAX_IFACES];
	int nifaces;
	const char *file;         /* -r */
	char *expr;               /* the filter expression, or NULL */
	/* -r: the file, open and checked, with expr compiled for each of
	 * its link types (ev_open_file()) */
	struct ps_replay *replay;
	/* Live: expr compiled by libpcap for each interface as tcpdump
	 * compiles it there (ev_prepare()), and the interface's MAC. */
	void *cbpf_if[CLI_MAX_IFACES];
	bool dev_addr_set[CLI_MAX_IFACES];
	__u8 dev_addr[CLI_MAX_IFACES][6];
	bool prepared;            /* ev_prepare() done */
	struct ps_datapath_opts dp;
	bool xdp_mode_set;
	long count;               /* -c: packets */
	double duration;          /* --duration: seconds, 0 = none */
	bool json;
	struct ps_line_opts line; /* watch: -n, -v, -e, -x, -X, -A, -S */
	bool line_buffered;       /* watch -l */
	/* capture */
	const char *write;        /* -w */
	bool pcapng;
	long rotate_mb;           /* -C, in millions of bytes as tcpdump */
	long rotate_secs;         /* -G */
	bool no_direct_io;        /* --no-direct-io */
};

/* Called per event with the interface's name; returns 0, or -errno when the
 * event could not be written (counted by the session, never fatal). */
typedef int (*ev_sink_fn)(void *sink, const struct ps_event *e, const __u8 *data,
			  __u64 ts_ns, const char *ifname);

struct ev_session {
	const struct ev_args *a;
	ev_sink_fn sink;
	void *sink_ctx;
	/* Called once the packets' source is ready (the file open and the
	 * program loaded, or the hooks attached), before the first one is
	 * read: where the output is opened, so that a command refused
	 * earlier leaves the user's files as they were.  Returns 0 or
	 * -errno after one line. */
	int (*ready)(struct ev_session *s);
	/* Called after each batch read live; non-zero ends the session
	 * (the output failed: it said so and set 'failed'). */
	int (*check)(struct ev_session *s);
	int failed;        /* -errno of the output's failure: the session
			    * stops at once and the command exits 1 */
	struct ps_events ev;
	/* capture to pcap, live at xdp or tc: the records go from the rings
	 * to this file whole (src/capture/ringcap.c), not through 'sink' one by one */
	struct ps_capfile *pcap_direct;
	const char *file_label;
	__u64 done;        /* events the sink took */
	__u64 sink_errors; /* events the sink could not write */
	__u64 received;    /* events read from the kernel */
	__u64 malformed;   /* records shorter than they say: a bug, counted */
	struct ps_ev_counters kernel; /* summed at the end */
	__u64 not_run;     /* -r: records the kernel's test run refused */
	struct ps_replay_stats rs; /* -r: what the replay counted */
	__u64 sock_drops;  /* --hook socket: the socket's kernel drops */
	__u32 cur_ifindex; /* --hook socket: the interface of the packet run */
	/* Interface names by index, looked up once: if_indextoname() is a
	 * socket, an ioctl and a close, too much for every packet. */
	struct {
		__u32 ifindex;
		char name[16];
	} names[CLI_MAX_IFACES];
	int nnames;
};

/* Parses argv for 'cmd'; usage() prints the command's help.  Returns 0 or
 * -EINVAL after one line. */
int ev_parse_args(int argc, char **argv, enum ev_cmd cmd, struct ev_args *a,
		  void (*usage)(FILE *f));

/* Live with an expression: picks the interfaces (the default route's when
 * none is given) and compiles the expression for each as tcpdump would on
 * it, before anything is attached or written: a bad expression is a usage
 * error in libpcap's words.  Over a file: ev_open_file().  Needs the
 * privileges of a capture.  Returns 0 or -errno after one line. */
int ev_prepare(struct ev_args *a);

/* -r: opens and checks a->file, compiles a->expr for it (a->replay,
 * a->dp.filter).  Returns 0 or -errno after one line (libpcap's message
 * for an expression). */
int ev_open_file(struct ev_args *a);
/* The words after the options as one expression, as tcpdump takes it. */
char *ev_join_words(int argc, char **argv);

/* Live: ev_prepare(), then a datapath on each interface with the
 * expression libpcap compiled for it, attached.  Returns the number of
 * interfaces, or -errno after one line (nothing attached). */
int ev_attach_live(struct ev_args *a, struct ps_datapath *dps);

/* Frees what ev_parse_args() and ev_prepare() allocated. */
void ev_args_free(struct ev_args *a);

/* Runs live or over the file until -c, --duration or a signal; calls
 * 'declare' (may be NULL) once per interface before the first event. */
int ev_session_run(struct ev_session *s,
		   int (*declare)(void *sink, __u32 ifindex, const char *name));

/* The counts, as tcpdump's closing lines on stderr, or as a JSON object
 * (with 'extra' members) on stdout with --json. */
void ev_session_report(const struct ev_session *s, json_t *extra);

#endif
