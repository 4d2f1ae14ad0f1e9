// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope watch: one line per packet, as tcpdump prints them, from the
 * kernel datapath's event stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "common.h"
#include "evsession.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktscope watch [-i IFACE]... [OPTIONS] [EXPRESSION]\n"
"       pktscope watch -r FILE [OPTIONS] [EXPRESSION]\n"
"\n"
"Prints one line per packet crossing the interfaces (or recorded in FILE), as\n"
"tcpdump does: time, interface, direction, protocol, addresses and ports,\n"
"TCP flags, length, TTL, fragment and anomaly marks.  The lines come from the\n"
"kernel datapath through a ring buffer; --sample is decided in the kernel.\n"
"On exit it reports, like tcpdump, what was received and what was lost.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE  interface to watch; repeat for several (default:\n"
"                         the interface of the default route)\n"
"  -r, --read FILE        read packets from a pcap/pcapng file instead\n"
"      --hook HOOK        auto (default: TC both ways on a virtual interface or\n"
"                         where another program holds XDP, else native XDP in,\n"
"                         TC out), xdp (XDP in, TC out), tc (TC both ways), or\n"
"                         socket (an AF_PACKET socket with the expression as its\n"
"                         socket filter: where XDP and TC cannot be used)\n"
"      --xdp-mode MODE    with --hook xdp: auto (default), native or generic\n"
"  -c, --count N          stop after N packets\n"
"      --duration SEC     stop after SEC seconds (of the file's time with -r)\n"
"  -n                     port numbers instead of service names\n"
"  -v                     more detail (the hook)\n"
"      --json             one JSON object per packet, one per line\n"
"      --sample N         keep 1 packet in N, decided in the kernel\n"
"  -B, --buffer-size KiB  ring buffer size (default 8192; rounded up to a power of 2)\n"
"      --ttl-threshold N  mark TTL/hop limit below N as low (default 2)\n"
"  -h, --help             this help\n"
"\n"
"Examples:\n"
"  pktscope watch -i eth0 -c 20\n"
"  pktscope watch -i eth0 --json --sample 100 | jq -c '{src, dst, l4}'\n"
"  pktscope watch -r trace.pcap -n\n");
}

static int print_event(void *ctx, const struct ps_event *e, const __u8 *data, __u64 ts_ns,
		       const char *ifname)
{
	const struct ev_args *a = ctx;

	if (a->json) {
		json_t *o = ps_line_json(e, ts_ns, ifname);
		int err;

		if (a->file) /* the test run's, not an interface's */
			json_object_set_new(o, "ifindex", json_integer(0));
		json_object_set_new(o, "type", json_string("packet"));
		err = cli_json_line(o, JSON_COMPACT);
		json_decref(o);
		if (err) {
			clearerr(stdout);
			return -1;
		}
	} else {
		ps_line_text(stdout, e, ts_ns, ifname, &a->line);
	}
	if (ferror(stdout)) {
		clearerr(stdout);
		return -1;
	}
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct ev_session s = { .sink = print_event };
	struct ev_args a;
	int err;

	err = ev_parse_args(argc, argv, EV_WATCH, &a, usage);
	if (!err)
		err = cli_need_privs("watch");
	if (!err)
		err = ev_prepare(&a);
	if (err)
		goto out;
	s.a = &a;
	s.sink_ctx = &a;
	cli_signals();
	err = ev_session_run(&s, NULL);
	if (!err)
		ev_session_report(&s, NULL);
out:
	ev_args_free(&a);
	return ps_exit_code(err);
}
