/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Packet events as tcpdump-style text lines or JSON objects. */
#ifndef PS_PKTLINE_H
#define PS_PKTLINE_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "pktscope/abi.h"
#include "textbuf.h"

struct ps_line_opts {
	bool numeric;  /* -n: port numbers (and protocol numbers), not names */
	int verbose;   /* -v, -vv: tcpdump's detail, and the hook */
	bool eth;      /* -e: the link-layer header */
	int hex;       /* -x: the bytes in hex (2: -xx, from the link header) */
	int hex_ascii; /* -X: in hex and ASCII (2: -XX) */
	int ascii;     /* -A: as ASCII (2: -AA) */
	bool abs_seq;  /* -S: absolute TCP sequence numbers */
	/* -r: the bytes are a record of this LINKTYPE_* (src/capture/capread.h),
	 * not an Ethernet frame; set per record */
	bool cooked;
	__u32 linktype;
};

/* Frame bytes an event needs for these options by default: 0 when the
 * line is made from the event's summary alone; the headers for -e; the
 * whole frame for -v (the checksums cover it) and the dumps. */
#define PS_LINE_HDR_SNAP 256
__u32 ps_line_snaplen(const struct ps_line_opts *o);

/* What a run of lines remembers: TCP's relative sequence numbers, as
 * tcpdump shows them. */
struct ps_line_state;
struct ps_line_state *ps_line_state_new(void);
void ps_line_state_free(struct ps_line_state *st);

/* Appends "HH:MM:SS.uuuuuu IFACE In|Out ..." and a newline (and, with
 * -x/-X/-A, the dump lines) to 't'.  With the frame's bytes ('data',
 * e->rec.caplen of them) and options that want them, the text after the
 * direction is tcpdump's; else pktscope's summary of the event. */
void ps_line_text(struct ps_text *t, const struct ps_event *e, const __u8 *data, __u64 ts_ns,
		  const char *ifname, const struct ps_line_opts *o, struct ps_line_state *st);
/* The same as one JSON object (field names are stable: README lists them);
 * the fields of the frame's bytes when there are some (and it is Ethernet:
 * not 'cooked'), and its hex with 'with_data'. */
json_t *ps_line_json(const struct ps_event *e, const __u8 *data, __u64 ts_ns, const char *ifname,
		     bool with_data, bool cooked);
/* "2026-11-21T10:00:00.123456789Z" (UTC) from CLOCK_REALTIME ns. */
void ps_iso_time(__u64 ts_ns, char *buf, size_t len);
/* tcpdump's flag letters: "S", "S.", "F.", "R", "P." ... "none" for 0. */
void ps_tcp_flags_str(__u8 flags, char *buf, size_t len);

#endif
