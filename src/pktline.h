/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Packet events as tcpdump-style text lines or JSON objects. */
#ifndef PS_PKTLINE_H
#define PS_PKTLINE_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "pktscope/abi.h"

struct ps_line_opts {
	bool numeric; /* -n: port numbers, not /etc/services names */
	int verbose;  /* -v: the hook too */
};

/* "HH:MM:SS.uuuuuu IFACE In|Out ..." and a newline. */
void ps_line_text(FILE *f, const struct ps_event *e, __u64 ts_ns, const char *ifname,
		  const struct ps_line_opts *o);
/* The same as one JSON object (field names are stable: README lists them). */
json_t *ps_line_json(const struct ps_event *e, __u64 ts_ns, const char *ifname);
/* "2026-11-21T10:00:00.123456789Z" (UTC) from CLOCK_REALTIME ns. */
void ps_iso_time(__u64 ts_ns, char *buf, size_t len);
/* tcpdump's flag letters: "S", "S.", "F.", "R", "P." ... "none" for 0. */
void ps_tcp_flags_str(__u8 flags, char *buf, size_t len);

#endif
