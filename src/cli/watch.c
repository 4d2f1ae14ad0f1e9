// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope watch: one line per packet, as tcpdump prints them, from the
 * kernel datapath's event stream.
 *
 * Output is gathered in a buffer and written with write(2) in chunks of
 * 4 KiB (tcpdump's stdio on a pipe), after each packet with -l, with
 * --json and on a terminal, so that every packet is known to have been
 * written or not: one the reader of standard output never got is counted
 * as not printed.  When that reader goes away (`| head`), watch stops as
 * on Ctrl-C, even on a quiet link.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "common.h"
#include "evsession.h"
#include "log.h"

#define OUT_CHUNK 4096

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
"With -e, -v, -x, -X or -A the kernel adds the frame's bytes to each event\n"
"and the line is tcpdump's own, with the detail those options give.\n"
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
"  -n                     port and protocol numbers instead of names\n"
"  -e                     the link-level header: MAC addresses, EtherType, VLAN tags\n"
"  -v, -vv, --verbose     more detail, as tcpdump: IP header (tos, ttl, id, offset,\n"
"                         flags, length, options), checksums; and the hook\n"
"                         (-vv: and libbpf's and the verifier's messages)\n"
"  -x, -xx                the packet's bytes in hex (-xx: from the link header)\n"
"  -X, -XX                in hex and ASCII\n"
"  -A, -AA                as ASCII\n"
"  -S                     absolute TCP sequence numbers\n"
"  -s, --snaplen N        frame bytes per event for -e/-v/-x/-X/-A (default: the\n"
"                         headers for -e, the whole frame for the others; 0 = all)\n"
"  -l                     write each line at once (line-buffered), as tcpdump -l\n"
"      --json             one JSON object per packet, one per line, each written\n"
"                         at once\n"
"      --sample N         keep 1 packet in N, decided in the kernel\n"
"  -B, --buffer-size KiB  ring buffer size (default 8192; rounded up to a power of 2)\n"
"      --ttl-threshold N  mark TTL/hop limit below N as low (default 2)\n"
"  -h, --help             this help\n"
"\n"
"Examples:\n"
"  pktscope watch -i eth0 -c 20\n"
"  pktscope watch -i eth0 -l -n 'tcp port 443' | grep -F '[S]'\n"
"  pktscope watch -i eth0 -e -v -X -c 1 icmp\n"
"  pktscope watch -i eth0 --json --sample 100 | jq -c '{src, dst, l4}'\n"
"  pktscope watch -r trace.pcap -n\n");
}

struct watch_out {
	struct ev_session *s;
	const struct ev_args *a;
	struct ps_line_state *st;  /* TCP's relative sequence numbers */
	struct ps_text buf;        /* what is not written yet */
	size_t *ends;              /* where each packet in 'buf' ends */
	size_t npending, cap;
	bool each;                 /* write after every packet */
	bool with_data;            /* --json with -x/-X/-A: the bytes */
	bool closed;               /* standard output's reader went away */
};

/*
 * Writes what waits.  A packet counts as printed once it went into the
 * buffer; those a failed write leaves out move to the output errors, but
 * for the last one when it is not counted yet ('last_counted' false): its
 * error is returned, for the session to count.  EPIPE stops the session:
 * nobody reads any more.
 */
static int out_flush(struct watch_out *w, bool last_counted)
{
	size_t off = 0, done = 0, lost;
	bool all;
	int err = 0;

	while (off < w->buf.len) {
		ssize_t n = write(STDOUT_FILENO, w->buf.s + off, w->buf.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		off += n;
	}
	while (done < w->npending && w->ends[done] <= off)
		done++;
	/* Packets go out in order: the ones left out are the last ones. */
	all = done == w->npending;
	lost = w->npending - done;
	if (lost && !last_counted)
		lost--;
	w->s->done -= lost;
	w->s->sink_errors += lost;
	if (err == -EPIPE) {
		w->closed = true;
		cli_stop = 1;
	}
	ps_text_reset(&w->buf);
	w->npending = 0;
	return all ? 0 : err;
}

/* Takes the text just added to the buffer (from 'start') as one packet. */
static int out_packet(struct watch_out *w, size_t start)
{
	if (w->npending == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		size_t *ends = realloc(w->ends, cap * sizeof(*ends));

		if (ends) {
			w->ends = ends;
			w->cap = cap;
		} else {
			w->buf.oom = true;
		}
	}
	if (w->buf.oom) {
		ps_text_cut(&w->buf, start);
		w->buf.oom = false;
		return -ENOMEM;
	}
	w->ends[w->npending++] = w->buf.len;
	if (w->each || w->buf.len >= OUT_CHUNK)
		return out_flush(w, false);
	return 0;
}

static int json_packet(struct watch_out *w, const struct ps_event *e, const __u8 *data,
		       __u64 ts_ns, const char *ifname, bool cooked)
{
	json_t *o = ps_line_json(e, data, ts_ns, ifname, w->with_data, cooked);
	size_t start = w->buf.len, n;
	char *room;

	if (!o)
		return -ENOMEM;
	if (w->a->file) /* the test run's, not an interface's */
		json_object_set_new(o, "ifindex", json_integer(0));
	json_object_set_new(o, "type", json_string("packet"));
	n = json_dumpb(o, NULL, 0, JSON_COMPACT);
	room = n ? ps_text_room(&w->buf, n + 1) : NULL;
	if (room && json_dumpb(o, room, n, JSON_COMPACT) == n) {
		room[n] = '\n';
		ps_text_used(&w->buf, n + 1);
	} else {
		w->buf.oom = true;
	}
	json_decref(o);
	return out_packet(w, start);
}

static int print_event(void *ctx, const struct ps_event *e, const __u8 *data, __u64 ts_ns,
		       const char *ifname)
{
	struct watch_out *w = ctx;
	size_t start = w->buf.len;

	struct ps_line_opts o = w->a->line;

	if (w->closed)
		return -EPIPE;
	/* -r: the record's own link type says how to read its bytes. */
	if (w->a->file) {
		const struct ps_replay_rec *rr = ps_replay_current(w->a->replay);

		o.linktype = rr->iface->linktype;
		o.cooked = o.linktype != PS_LINKTYPE_ETHERNET;
	}
	if (w->a->json)
		return json_packet(w, e, data, ts_ns, ifname, o.cooked);
	ps_line_text(&w->buf, e, data, ts_ns, ifname, &o, w->st);
	return out_packet(w, start);
}

/*
 * A pipe's writer learns that the reader left only when it writes; on a
 * quiet link that can be long after `head` exited.  This thread waits for
 * the pipe to report it (POLLERR) and stops the session as a signal
 * would.  It runs with every signal blocked, so they reach the main
 * thread's waits.
 */
static void *watch_reader(void *arg)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = 0 };

	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	if (pfd.revents & (POLLERR | POLLHUP))
		cli_stop = 1;
	return NULL;
}

static void watch_reader_start(void)
{
	sigset_t all, old;
	pthread_t t;
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (!pthread_create(&t, NULL, watch_reader, NULL))
		pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int cmd_watch(int argc, char **argv)
{
	struct ev_session s = { .sink = print_event };
	struct watch_out w = { .s = &s };
	struct ev_args a;
	int err;

	err = ev_parse_args(argc, argv, EV_WATCH, &a, usage);
	if (!err)
		err = cli_need_privs("watch");
	if (!err)
		err = ev_prepare(&a);
	if (err)
		goto out;
	w.a = &a;
	w.each = a.line_buffered || a.json || isatty(STDOUT_FILENO);
	w.with_data = a.json && (a.line.hex || a.line.hex_ascii || a.line.ascii);
	if (!a.line.abs_seq) {
		w.st = ps_line_state_new();
		if (!w.st) {
			err = -ENOMEM;
			goto out;
		}
	}
	s.a = &a;
	s.sink_ctx = &w;
	cli_signals();
	watch_reader_start();
	err = ev_session_run(&s, NULL);
	out_flush(&w, true);
	if (!err)
		ev_session_report(&s, NULL);
out:
	ps_line_state_free(w.st);
	ps_text_free(&w.buf);
	free(w.ends);
	ev_args_free(&a);
	return ps_exit_code(err);
}
