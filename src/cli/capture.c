// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope capture: packets from the kernel datapath's ring buffer into pcap
 * or pcapng files that tcpdump, tshark and Wireshark read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capfile.h"
#include "cli.h"
#include "evsession.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pktscope capture [-i IFACE]... -w FILE [OPTIONS] [EXPRESSION]\n"
"       pktscope capture -r IN.pcap -w OUT.pcap [OPTIONS] [EXPRESSION]\n"
"\n"
"Writes the packets crossing the interfaces (or recorded in IN) to a pcap file,\n"
"or a pcapng file that records each packet's direction and hook.  Ingress comes\n"
"from XDP (or TC), egress from TC, so one file holds both directions.  The\n"
"packets come from the kernel datapath through a ring buffer; on exit it\n"
"reports what was written and what was lost, like tcpdump.\n"
"\n"
"Options:\n"
"  -i, --interface IFACE  interface to capture on; repeat for several\n"
"                         (default: the interface of the default route)\n"
"  -r, --read FILE        read packets from a pcap/pcapng file instead\n"
"  -w, --write FILE       the file to write; - is standard output\n"
"      --pcapng           write pcapng (direction and hook per packet)\n"
"      --no-direct-io     write pcap through the page cache even where the file\n"
"                         system takes O_DIRECT (which pktscope then uses: less\n"
"                         CPU per packet, and the cache is not filled)\n"
"  -s, --snaplen N        bytes kept per packet (default and 0: all)\n"
"  -c, --count N          stop after N packets\n"
"      --duration SEC     stop after SEC seconds (of the file's time with -r)\n"
"  -C SIZE                start a new file past SIZE million bytes: FILE,\n"
"                         FILE1, FILE2, ... as tcpdump names them\n"
"  -G SEC                 start a new file every SEC seconds; FILE is then a\n"
"                         strftime(3) pattern such as trace-%%H%%M%%S.pcap\n"
"      --hook HOOK        auto (default: TC both ways on a virtual interface or\n"
"                         where another program holds XDP, else native XDP in,\n"
"                         TC out), xdp (XDP in, TC out), tc (TC both ways), or\n"
"                         socket (an AF_PACKET socket with the expression as its\n"
"                         socket filter: where XDP and TC cannot be used)\n"
"      --xdp-mode MODE    with --hook xdp: auto (default), native or generic\n"
"      --sample N         keep 1 packet in N, decided in the kernel\n"
"  -B, --buffer-size KiB  ring buffer size (default 8192; rounded up to a power of 2)\n"
"      --json             the closing report as one JSON object on stdout\n"
"  -v                     libbpf's and the verifier's messages (-vv)\n"
"  -h, --help             this help\n"
"\n"
"Examples:\n"
"  pktscope capture -i eth0 -w trace.pcap -c 1000\n"
"  pktscope capture -i eth0 -i eth1 --pcapng -w both.pcapng --duration 60\n"
"  pktscope capture -i eth0 -w 'ring-%%H%%M%%S.pcap' -G 300\n");
}

static int declare_iface(void *ctx, __u32 ifindex, const char *name)
{
	return ps_capfile_add_iface(ctx, ifindex, name) < 0 ? -E2BIG : 0;
}

static int write_event(void *ctx, const struct ps_event *e, const __u8 *data, __u64 ts_ns,
		       const char *ifname)
{
	return ps_capfile_write(ctx, ts_ns, e->ifindex,
				!strcmp(ps_slot_direction(e->slot), "ingress"),
				ps_slot_hook(e->slot), data, e->rec.caplen, e->rec.len);
}

int cmd_capture(int argc, char **argv)
{
	struct ev_session s = { .sink = write_event };
	struct ps_capfile_stats cst = {};
	struct ps_capfile *cf = NULL;
	struct ev_args a;
	json_t *extra;
	int err;

	err = ev_parse_args(argc, argv, EV_CAPTURE, &a, usage);
	if (!err)
		err = cli_need_privs("capture");
	if (!err)
		err = ev_prepare(&a);
	if (err)
		goto out;

	struct ps_capfile_opts co = {
		.path = a.write,
		.pcapng = a.pcapng,
		.snaplen = a.dp.snaplen,
		.rotate_bytes = (__u64)a.rotate_mb * 1000000,
		.rotate_secs = a.rotate_secs,
		.no_direct_io = a.no_direct_io,
	};
	err = ps_capfile_open(&cf, &co);
	if (err)
		goto out;
	s.a = &a;
	s.sink_ctx = cf;
	/* Live pcap: from the rings straight to the file.  pcapng has
	 * per-packet fields to fill in (interface, direction, hook), a file
	 * or a socket runs one packet at a time: those take the events one
	 * by one. */
	if (!a.pcapng && !a.file && a.dp.hook != PS_HOOK_SOCKET)
		s.pcap_direct = cf;
	cli_signals();
	err = ev_session_run(&s, declare_iface);
	if (ps_capfile_close(cf, &cst) && !err)
		ps_err("writing %s failed: %llu packets could not be written", a.write,
		       (unsigned long long)cst.write_errors);
	/* The file's own counts are the last word: a record the sink took
	 * may have failed when its buffer was written out. */
	s.done = cst.packets;
	s.sink_errors = cst.write_errors;
	if (!err) {
		extra = json_pack("{s:I,s:I,s:b}", "files", (json_int_t)cst.files,
				  "bytes_written", (json_int_t)cst.bytes, "direct_io", cst.direct_io);
		ev_session_report(&s, extra);
		json_decref(extra);
	}
out:
	ev_args_free(&a);
	return ps_exit_code(err);
}
