// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <pcap/pcap.h>
#include "cli.h"
#include "evsession.h"
#include "filter.h"
#include "iface.h"
#include "log.h"
#include "replay.h"
#include "ringcap.h"
#include "sockcap.h"
#include "testrun.h"

static const char *cmd_name(enum ev_cmd cmd)
{
	return cmd == EV_WATCH ? "watch" : "capture";
}

/* Joins the words after the options, as tcpdump takes its expression. */
char *ev_join_words(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Over a file, the expression is compiled as `tcpdump -r` compiles it, for
 * each link type the file holds, and the file is checked, before anything
 * is loaded or written: a bad expression or a file pktscope cannot read is
 * a usage error.  Live, tcpdump compiles it for the interface it opened
 * (ev_prepare()). */
int ev_open_file(struct ev_args *a)
{
	int err;

	if (a->replay)
		return 0;
	err = ps_replay_open(&a->replay, a->file, a->expr);
	if (err)
		return err;
	a->dp.filter = ps_replay_kernel_filter(a->replay);
	a->dp.replay_filter = a->expr != NULL;
	a->dp.replay = true;
	return 0;
}

int ev_parse_args(int argc, char **argv, enum ev_cmd cmd, struct ev_args *a,
		  void (*usage)(FILE *f))
{
	enum { OPT_HOOK = 256, OPT_XDP_MODE, OPT_JSON, OPT_SAMPLE, OPT_TTL, OPT_PCAPNG,
	       OPT_DURATION, OPT_NO_DIO };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "read", required_argument, NULL, 'r' },
		{ "hook", required_argument, NULL, OPT_HOOK },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "ttl-threshold", required_argument, NULL, OPT_TTL },
		{ "snaplen", required_argument, NULL, 's' },
		{ "write", required_argument, NULL, 'w' },
		{ "pcapng", no_argument, NULL, OPT_PCAPNG },
		{ "no-direct-io", no_argument, NULL, OPT_NO_DIO },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	/* Options one command has and the other has not. */
	static const char watch_only[] = "neSxXAl";
	static const char capture_only[] = "wCG";
	const char *name = cmd_name(cmd);
	bool snap_set = false;
	long v;
	int opt, li;

	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	cli_dp_defaults(&a->dp);
	a->dp.events = true;

	opterr = 0;
	while ((li = -1, opt = getopt_long(argc, argv, ":i:r:c:B:s:w:C:G:nvheSxXAl", longopts, &li)) != -1) {
		if ((opt < 256 && opt != '?' && opt != ':' &&
		     strchr(cmd == EV_WATCH ? capture_only : watch_only, opt)) ||
		    (cmd == EV_WATCH && (opt == OPT_PCAPNG || opt == OPT_NO_DIO))) {
			/* Named as given: argv[optind - 1] is its value, or
			 * the word before a group ("-nv"). */
			char one[3] = { '-', (char)opt, '\0' };

			ps_err("%s%s is not an option of %s: see `pktscope %s --help`",
			       li >= 0 ? "--" : "", li >= 0 ? longopts[li].name : one, name, name);
			return -EINVAL;
		}
		switch (opt) {
		case 'i':
			if (cli_opt_iface(optarg, a->ifaces, &a->nifaces))
				return -EINVAL;
			break;
		case 'r':
			a->file = optarg;
			break;
		case OPT_HOOK:
			if (ps_hook_parse(optarg, &a->dp.hook)) {
				ps_err("--hook takes auto, xdp, tc or socket, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_XDP_MODE:
			if (cli_opt_xdp_mode(optarg, &a->dp, &a->xdp_mode_set))
				return -EINVAL;
			break;
		case 'c':
			if (cli_opt_count(optarg, &a->count, "packets"))
				return -EINVAL;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_SAMPLE:
			if (ps_parse_long(optarg, 1, 1L << 30, &v)) {
				ps_err("--sample takes N >= 1 (keep 1 packet in N), not '%s'", optarg);
				return -EINVAL;
			}
			a->dp.sample = v;
			break;
		case 'B':
			if (ps_parse_long(optarg, 4, 1L << 20, &v)) {
				ps_err("-B takes a ring buffer size in KiB from 4 to 1048576, not '%s'",
				       optarg);
				return -EINVAL;
			}
			a->dp.ring_bytes = v * 1024;
			break;
		case OPT_TTL:
			if (cli_opt_ttl(optarg, &a->dp))
				return -EINVAL;
			break;
		case 's':
			/* tcpdump: 0 means the whole packet. */
			if (ps_parse_long(optarg, 0, 262144, &v)) {
				ps_err("-s takes a snap length from 0 (whole packet) to 262144, not "
				       "'%s'", optarg);
				return -EINVAL;
			}
			a->dp.snaplen = v ? v : PS_SNAPLEN_MAX;
			snap_set = true;
			break;
		case 'w':
			a->write = optarg;
			break;
		case OPT_NO_DIO:
			a->no_direct_io = true;
			break;
		case OPT_PCAPNG:
			a->pcapng = true;
			break;
		case 'C':
			if (ps_parse_long(optarg, 1, 1L << 30, &a->rotate_mb)) {
				ps_err("-C takes a file size in millions of bytes, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case 'G':
			if (ps_parse_long(optarg, 1, 1L << 30, &a->rotate_secs)) {
				ps_err("-G takes a number of seconds, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_DURATION:
			if (ps_parse_double(optarg, 1e9, &a->duration)) {
				ps_err("--duration takes a positive number of seconds, not '%s'",
				       optarg);
				return -EINVAL;
			}
			break;
		case 'n':
			a->line.numeric = true;
			break;
		case 'e':
			a->line.eth = true;
			break;
		case 'S':
			a->line.abs_seq = true;
			break;
		case 'x':
			a->line.hex++;
			break;
		case 'X':
			a->line.hex_ascii++;
			break;
		case 'A':
			a->line.ascii++;
			break;
		case 'l':
			a->line_buffered = true;
			break;
		case 'v':
			a->line.verbose++;
			ps_verbose = a->line.verbose > 1;
			break;
		case 'h':
			usage(stdout);
			exit(PS_EXIT_OK);
		default:
			return cli_opt_error(opt, argv, name);
		}
	}
	if (optind < argc) {
		a->expr = ev_join_words(argc - optind, argv + optind);
		if (!a->expr)
			return -ENOMEM;
	}
	if (a->file && a->dp.hook == PS_HOOK_SOCKET) {
		ps_err("--hook socket reads an interface; -r FILE runs at auto, xdp or tc");
		return -EINVAL;
	}
	if (cli_check_source(a->file, a->nifaces, &a->dp, a->xdp_mode_set))
		return -EINVAL;
	if (cmd == EV_CAPTURE) {
		if (!a->write) {
			ps_err("capture needs -w FILE (or -w - for standard output)");
			return -EINVAL;
		}
		if (!snap_set)
			a->dp.snaplen = PS_SNAPLEN_MAX;
	} else if (!snap_set) {
		/* Frame bytes only for the options that print from them. */
		a->dp.snaplen = ps_line_snaplen(&a->line);
	}
	return 0;
}

int ev_prepare(struct ev_args *a)
{
	char err[PCAP_ERRBUF_SIZE + 128];
	int rc;

	if (a->file)
		return ev_open_file(a);
	if (a->prepared)
		return 0;
	rc = cli_pick_ifaces(a->ifaces, &a->nifaces);
	if (rc || !a->expr)
		return rc;
	a->prepared = true;
	if (rc)
		return rc;
	for (int i = 0; i < a->nifaces; i++) {
		const char *ifn = a->ifaces[i];

		if (ps_iface_index(ifn) < 0) {
			ps_err("no interface named '%s': list them with `ip link`", ifn);
			return -ENODEV;
		}
		a->cbpf_if[i] = calloc(1, sizeof(struct bpf_program));
		if (!a->cbpf_if[i])
			return -ENOMEM;
		rc = ps_filter_compile_live(ifn, a->expr, 0, a->cbpf_if[i], err, sizeof(err));
		if (rc) {
			free(a->cbpf_if[i]);
			a->cbpf_if[i] = NULL;
			if (rc == -EINVAL)
				ps_err("bad filter expression '%s': %s", a->expr, err);
			else
				ps_err("%s", err);
			return rc;
		}
		a->dev_addr_set[i] = ps_iface_hwaddr(ifn, a->dev_addr[i]) == 0;
	}
	return 0;
}

void ev_args_free(struct ev_args *a)
{
	ps_replay_close(a->replay);
	a->replay = NULL;
	for (int i = 0; i < CLI_MAX_IFACES; i++) {
		if (!a->cbpf_if[i])
			continue;
		ps_filter_free(a->cbpf_if[i]);
		free(a->cbpf_if[i]);
		a->cbpf_if[i] = NULL;
	}
	free(a->expr);
	a->expr = NULL;
}

static bool count_reached(const struct ev_session *s)
{
	return s->a->count && s->done >= (__u64)s->a->count;
}

static const char *ifname_of(struct ev_session *s, __u32 ifindex)
{
	char name[IF_NAMESIZE];
	int i;

	for (i = 0; i < s->nnames; i++)
		if (s->names[i].ifindex == ifindex)
			return s->names[i].name;
	if (!if_indextoname(ifindex, name))
		snprintf(name, sizeof(name), "if%u", ifindex);
	if (s->nnames == CLI_MAX_IFACES)
		i = s->nnames - 1; /* more than watched: reuse the last slot */
	else
		i = s->nnames++;
	s->names[i].ifindex = ifindex;
	snprintf(s->names[i].name, sizeof(s->names[i].name), "%s", name);
	return s->names[i].name;
}

static int on_event(void *ctx, const struct ps_event *ev, const __u8 *data, __u64 ts_ns)
{
	struct ev_session *s = ctx;
	struct ps_event e = *ev;
	const char *ifname = s->file_label;

	if (count_reached(s))
		return 1;
	if (s->a->file) {
		/* The record as the file holds it: its bytes (to the snap
		 * length), its lengths, its time. */
		const struct ps_replay_rec *rr = ps_replay_current(s->a->replay);

		data = rr->r.data;
		e.rec.caplen = rr->r.caplen < s->a->dp.snaplen ? rr->r.caplen : s->a->dp.snaplen;
		e.rec.len = rr->r.len;
		ts_ns = rr->r.ts_ns;
	}
	/* A test run's packet arrives on lo: give it the socket's interface. */
	if (s->cur_ifindex)
		e.ifindex = s->cur_ifindex;
	if (!ifname)
		ifname = ifname_of(s, e.ifindex);
	if (s->sink(s->sink_ctx, &e, data, ts_ns, ifname))
		s->sink_errors++;
	else
		s->done++;
	return count_reached(s) || s->failed ? 1 : 0;
}

static void sum_kernel(struct ev_session *s, struct ps_datapath *dps, int n)
{
	struct ps_ev_counters one;

	memset(&s->kernel, 0, sizeof(s->kernel));
	for (int i = 0; i < n; i++)
		if (!ps_datapath_read_events(&dps[i], &one))
			for (int k = 0; k < PS_EV_MAX; k++)
				s->kernel.c[k] += one.c[k];
}

/* What libbpf's reader counted, for the report. */
static void take_ev_counts(struct ev_session *s)
{
	s->received = s->ev.received;
	s->malformed = s->ev.malformed;
}

struct file_run {
	struct ev_session *s;
	__u64 first_ns;
	bool started;
};

static int after_record(void *ctx, __u64 ts_ns)
{
	struct file_run *fr = ctx;
	struct ev_session *s = fr->s;

	if (!fr->started) {
		fr->first_ns = ts_ns;
		fr->started = true;
	}
	ps_events_drain(&s->ev);
	/* --duration over a file is measured in the file's own time. */
	if (s->a->duration && ts_ns >= fr->first_ns &&
	    (ts_ns - fr->first_ns) / 1e9 >= s->a->duration)
		return 1;
	return count_reached(s) || s->failed || cli_stop;
}

static int run_file(struct ev_session *s)
{
	struct file_run fr = { .s = s };
	struct ps_replay_hooks hooks = { .after = after_record, .ctx = &fr, .stop = &cli_stop };
	struct ev_args *a = (struct ev_args *)s->a;
	struct ps_datapath dp;
	int err;

	err = ev_open_file(a);
	if (err)
		return err;
	err = ps_datapath_load(&dp, &a->dp, true);
	if (err)
		return err;
	s->file_label = a->file;
	err = ps_events_open(&s->ev, ps_datapath_ring_fd(&dp), on_event, s);
	if (err) {
		ps_err("cannot read the event ring buffer: %s", strerror(-err));
		goto out;
	}
	/* The input is ready: only now may the output be opened. */
	if (s->ready) {
		err = s->ready(s);
		if (err)
			goto out_events;
	}
	err = ps_replay_run(a->replay, &dp, &s->rs, &hooks);
	s->not_run = s->rs.not_run;
	sum_kernel(s, &dp, 1);
	take_ev_counts(s);
out_events:
	ps_events_close(&s->ev);
out:
	ps_datapath_close(&dp);
	return err;
}

/*
 * Live events are read one of two ways: through libbpf's ring_buffer, each
 * handed to the sink, or, for a capture to pcap, from the rings straight to
 * the file (ps_ringcap, when 'rc' is set).
 */
static int reader_open(struct ev_session *s, struct ps_ringcap *rc, struct ps_datapath *dps,
		       int n)
{
	int fds[CLI_MAX_IFACES], err, i;

	for (i = 0; i < n; i++)
		fds[i] = ps_datapath_ring_fd(&dps[i]);
	if (rc)
		return ps_ringcap_open(rc, fds, n, s->pcap_direct);
	err = ps_events_open(&s->ev, fds[0], on_event, s);
	for (i = 1; !err && i < n; i++)
		err = ps_events_add(&s->ev, fds[i]);
	return err;
}

/* The events -c still lets through. */
static __u64 room(const struct ev_session *s)
{
	if (!s->a->count)
		return UINT64_MAX;
	return s->done < (__u64)s->a->count ? (__u64)s->a->count - s->done : 0;
}

/* Waits up to timeout_ms (-1: not at all) and handles what is ready. */
static int reader_poll(struct ev_session *s, struct ps_ringcap *rc, int timeout_ms)
{
	int err;

	if (!rc)
		return timeout_ms < 0 ? ps_events_drain(&s->ev) : ps_events_poll(&s->ev, timeout_ms);
	err = timeout_ms < 0 ? ps_ringcap_drain(rc, room(s)) : ps_ringcap_poll(rc, timeout_ms, room(s));
	s->done = rc->written;
	s->sink_errors = rc->write_errors;
	s->received = rc->received;
	s->malformed = rc->malformed;
	return err;
}

static void reader_close(struct ev_session *s, struct ps_ringcap *rc)
{
	if (rc) {
		ps_ringcap_close(rc);
		return;
	}
	take_ev_counts(s);
	ps_events_close(&s->ev);
}

int ev_attach_live(struct ev_args *a, struct ps_datapath *dps)
{
	struct ps_datapath_opts each[CLI_MAX_IFACES];
	int err, n;

	err = ev_prepare(a);
	if (err)
		return err;
	n = a->nifaces;
	/* Each interface with the code libpcap compiled for it. */
	for (int i = 0; i < n; i++) {
		each[i] = a->dp;
		if (!a->expr)
			continue;
		each[i].filter = a->cbpf_if[i];
		each[i].filter_live = true;
		each[i].dev_addr_set = a->dev_addr_set[i];
		memcpy(each[i].dev_addr, a->dev_addr[i], sizeof(each[i].dev_addr));
	}
	err = cli_attach_each(dps, a->ifaces, n, each);
	return err ? err : n;
}

static int run_live(struct ev_session *s,
		    int (*declare)(void *sink, __u32 ifindex, const char *name))
{
	struct ev_args *a = (struct ev_args *)s->a;
	struct ps_datapath dps[CLI_MAX_IFACES];
	struct ps_ringcap *rc = NULL;
	struct timespec t0, now;
	int n, err, i;

	n = ev_attach_live(a, dps);
	if (n < 0)
		return n;
	/* Attached: only now may the output be opened, so that a refusal
	 * (an interface in use, a hook taken) leaves the user's file as it
	 * was. */
	if (s->ready) {
		err = s->ready(s);
		if (err)
			goto out;
	}
	if (s->pcap_direct) {
		rc = calloc(1, sizeof(*rc));
		if (!rc) {
			err = -ENOMEM;
			goto out;
		}
	}
	err = reader_open(s, rc, dps, n);
	if (err) {
		ps_err("cannot read the event ring buffer: %s", strerror(-err));
		goto out;
	}
	for (i = 0; declare && i < n; i++)
		declare(s->sink_ctx, dps[i].ifindex, dps[i].ifname);
	cli_announce(dps, n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!cli_stop && !count_reached(s)) {
		/* The timeout bounds how late a lone packet is handled: the
		 * kernel wakes the reader only once enough waits. */
		err = reader_poll(s, rc, 100);
		if (err < 0) {
			ps_err("reading events failed: %s", strerror(-err));
			goto out_events;
		}
		if (s->failed || (s->check && s->check(s)))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (a->duration && (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >=
					   a->duration)
			break;
	}
	/* Off the hooks first: then nothing more comes, and the last read
	 * takes all the kernel sent (what -c leaves stays unread).  A
	 * program already running when detached can still send one: its
	 * record is in the ring before its count is, so a second read after
	 * the counts takes it. */
	for (i = 0; i < n; i++)
		ps_datapath_detach(&dps[i]);
	for (int pass = 0; pass < 2; pass++) {
		if (!count_reached(s))
			reader_poll(s, rc, -1);
		if (!rc)
			take_ev_counts(s);
		sum_kernel(s, dps, n);
		if (s->received + s->malformed >= s->kernel.c[PS_EV_SENT])
			break;
	}
	err = 0;
out_events:
	reader_close(s, rc);
out:
	cli_close_all(dps, n);
	free(rc);
	return err < 0 ? err : 0;
}

/*
 * --hook socket: an AF_PACKET socket per interface, with the expression as
 * its socket filter; each packet it keeps goes through the datapath's
 * socket programs with BPF_PROG_TEST_RUN, so it is parsed, counted and
 * emitted by the same code as at XDP and TC.
 */
static int run_socket(struct ev_session *s,
		      int (*declare)(void *sink, __u32 ifindex, const char *name))
{
	struct ev_args *a = (struct ev_args *)s->a;
	struct ps_sockcap socks[CLI_MAX_IFACES];
	struct pollfd pfds[CLI_MAX_IFACES];
	struct timespec t0, now;
	struct ps_datapath dp;
	static __u8 buf[PS_SNAPLEN_MAX + 4];
	int n, i, err, prog_in, prog_out;

	err = ev_prepare(a);
	if (err)
		return err;
	n = a->nifaces;
	err = ps_datapath_load(&dp, &a->dp, true);
	if (err)
		return err;
	prog_in = ps_datapath_prog_fd(&dp, PS_SLOT_SOCK_INGRESS);
	prog_out = ps_datapath_prog_fd(&dp, PS_SLOT_SOCK_EGRESS);
	for (i = 0; i < n; i++)
		socks[i].fd = socks[i].filter_fd = -1;
	err = ps_events_open(&s->ev, ps_datapath_ring_fd(&dp), on_event, s);
	if (err) {
		ps_err("cannot read the event ring buffer: %s", strerror(-err));
		goto out_dp;
	}
	for (i = 0; i < n; i++) {
		int ifindex = if_nametoindex(a->ifaces[i]);

		if (!ifindex) {
			ps_err("no interface named '%s': list them with `ip link`", a->ifaces[i]);
			err = -ENODEV;
			goto out_socks;
		}
		err = ps_sockcap_open(&socks[i], ifindex, a->ifaces[i], a->cbpf_if[i], true);
		if (err)
			goto out_socks;
		pfds[i] = (struct pollfd){ .fd = socks[i].fd, .events = POLLIN };
	}
	/* The sockets are open: only now may the output be. */
	if (s->ready) {
		err = s->ready(s);
		if (err)
			goto out_socks;
	}
	for (i = 0; declare && i < n; i++)
		declare(s->sink_ctx, socks[i].ifindex, a->ifaces[i]);
	ps_err("watching %d interface%s through packet sockets (--hook socket); Ctrl-C stops", n,
	       n > 1 ? "s" : "");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!cli_stop && !count_reached(s) && !s->failed) {
		if (poll(pfds, n, 100) < 0 && errno != EINTR) {
			err = -errno;
			ps_err("waiting for packets failed: %s", strerror(-err));
			goto out_socks;
		}
		for (i = 0; i < n && !count_reached(s); i++) {
			struct ps_sockpkt p;

			while (!count_reached(s) &&
			       !ps_sockcap_recv(&socks[i], buf, sizeof(buf), &p)) {
				if (ps_run(p.outgoing ? prog_out : prog_in, buf, p.caplen, NULL, 0, 1,
					   NULL)) {
					s->not_run++;
					continue;
				}
				s->cur_ifindex = socks[i].ifindex;
				s->ev.ts_override_ns = p.ts_ns;
				ps_events_drain(&s->ev);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (a->duration && (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >=
					   a->duration)
			break;
	}
	err = 0;
	sum_kernel(s, &dp, 1);
	take_ev_counts(s);
out_socks:
	for (i = 0; i < n; i++) {
		if (socks[i].fd < 0)
			continue;
		s->sock_drops += ps_sockcap_drops(&socks[i]);
		ps_sockcap_close(&socks[i]);
	}
	ps_events_close(&s->ev);
out_dp:
	ps_datapath_close(&dp);
	return err;
}

int ev_session_run(struct ev_session *s,
		   int (*declare)(void *sink, __u32 ifindex, const char *name))
{
	if (s->a->file)
		return run_file(s);
	if (s->a->dp.hook == PS_HOOK_SOCKET)
		return run_socket(s, declare);
	return run_live(s, declare);
}

void ev_session_report(const struct ev_session *s, json_t *extra)
{
	const struct ps_ev_counters *k = &s->kernel;
	const char *verb = s->a->cmd == EV_WATCH ? "printed" : "written";

	fflush(stdout);
	if (s->a->json) {
		json_t *o = json_pack("{s:s,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I},s:{s:I,s:I}}",
				      "type", "summary", verb, (json_int_t)s->done,
				      "received", (json_int_t)s->received, "kernel",
				      "matched", (json_int_t)k->c[PS_EV_MATCHED],
				      "sampled_out", (json_int_t)k->c[PS_EV_SAMPLED_OUT],
				      "sent", (json_int_t)k->c[PS_EV_SENT],
				      "lost_ringbuf_full", (json_int_t)k->c[PS_EV_LOST_FULL],
				      "filter_missing", (json_int_t)k->c[PS_EV_FILTER_MISSING],
				      "user", "write_errors", (json_int_t)s->sink_errors,
				      "malformed_records", (json_int_t)s->malformed);
		if (s->a->file || s->a->dp.hook == PS_HOOK_SOCKET)
			json_object_set_new(o, "not_run", json_integer(s->not_run));
		if (s->a->dp.hook == PS_HOOK_SOCKET)
			json_object_set_new(o, "socket_drops", json_integer(s->sock_drops));
		if (extra)
			json_object_update(o, extra);
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(o);
		return;
	}
	fprintf(stderr, "%llu packets %s\n", (unsigned long long)s->done, verb);
	fprintf(stderr, "%llu packets received from the kernel (%llu matched the filter, "
		"%llu left out by --sample)\n", (unsigned long long)s->received,
		(unsigned long long)k->c[PS_EV_MATCHED],
		(unsigned long long)k->c[PS_EV_SAMPLED_OUT]);
	fprintf(stderr, "%llu packets dropped by kernel (ring buffer full)\n",
		(unsigned long long)k->c[PS_EV_LOST_FULL]);
	if (s->a->dp.hook == PS_HOOK_SOCKET)
		fprintf(stderr, "%llu packets dropped by kernel (packet socket buffer full)\n",
			(unsigned long long)s->sock_drops);
	if (s->not_run && s->a->file) {
		char why[256];

		ps_replay_not_run_str(&s->rs, why, sizeof(why));
		fprintf(stderr, "%llu packets of %s not run: the kernel's test run refused them "
			"(%s)\n", (unsigned long long)s->not_run, s->a->file, why);
	} else if (s->not_run) {
		fprintf(stderr, "%llu packets not run: the kernel's test run refused them (-vv "
			"names each)\n", (unsigned long long)s->not_run);
	}
	if (s->sink_errors || s->malformed || k->c[PS_EV_FILTER_MISSING])
		fprintf(stderr, "%llu packets not %s (output errors), %llu bad records, %llu "
			"without a filter program\n", (unsigned long long)s->sink_errors, verb,
			(unsigned long long)s->malformed,
			(unsigned long long)k->c[PS_EV_FILTER_MISSING]);
}
