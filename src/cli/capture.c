// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pktscope capture: packets from the kernel datapath's ring buffer into pcap
 * or pcapng files that tcpdump, tshark and Wireshark read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "capfile.h"
#include "cli.h"
#include "evsession.h"
#include "linkview.h"
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
"      --ttl-threshold N  accepted as watch takes it; changes nothing in the file\n"
"  -v, --verbose          libbpf's and the verifier's messages (-vv)\n"
"  -h, --help             this help\n"
"\n"
"-r reads pcap and pcapng (Ethernet, LINUX_SLL/SLL2, RAW, IPV4, IPV6, NULL,\n"
"LOOP) and writes each record as the file holds it (link type, lengths, time).\n"
"It runs the kernel program over each record: it needs root, as live does.\n"
"The output is opened once the input is ready: a refused capture leaves an\n"
"existing FILE as it was.\n"
"\n"
"Exit status: 0 done; 1 writing failed (said at once; the report counts what\n"
"was not written) or another failure at run time; 2 bad usage or input\n"
"(nothing attached, FILE untouched).\n"
"\n"
"Examples:\n"
"  pktscope capture -i eth0 -w trace.pcap -c 1000\n"
"  pktscope capture -i eth0 -i eth1 --pcapng -w both.pcapng --duration 60\n"
"  pktscope capture -i eth0 -w 'ring-%%H%%M%%S.pcap' -G 300\n");
}

/* The capture's side of the session: the output, opened once the packets'
 * source is ready (cap_ready()). */
struct cap {
	struct ev_session *s;
	struct ps_capfile_opts co;
	struct ps_capfile *cf;
	bool from_pcap;    /* -r of a pcap file: records keep its time fields */
	__u64 flushed_ms;  /* when the buffered records were last written */
};

static int declare_iface(void *ctx, __u32 ifindex, const char *name)
{
	struct cap *c = ctx;

	return ps_capfile_add_iface(c->cf, ifindex, name) < 0 ? -E2BIG : 0;
}

/* Says once, at once, why the output failed; the session then stops.
 * What is buffered is written every 100 ms, so that a failure shows, and a
 * reader of the file sees the packets, within about that time. */
static int cap_check(struct ev_session *s)
{
	struct cap *c = s->sink_ctx;
	struct timespec now;
	__u64 ms;
	int err;

	if (!c->cf)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = now.tv_sec * 1000ULL + now.tv_nsec / 1000000;
	if (!s->pcap_direct && ms - c->flushed_ms >= 100) {
		ps_capfile_flush(c->cf);
		c->flushed_ms = ms;
	}
	err = ps_capfile_error(c->cf);

	if (!err || s->failed)
		return s->failed;
	s->failed = err;
	if (err == -EPROTOTYPE)
		ps_err("%s holds packets of more than one link type, and a pcap file holds one: "
		       "write --pcapng", s->a->file);
	else if (err == -EOVERFLOW)
		ps_err("a packet's time stamp is past 2106, beyond what a pcap file holds: write "
		       "--pcapng");
	else
		ps_err("writing %s failed: %s; stopping", s->a->write, strerror(-err));
	return err;
}

/* -r: a record of the file, with its time, lengths and direction. */
static int write_replayed(struct cap *c, const struct ps_event *e, const __u8 *data)
{
	const struct ps_replay_rec *rr = ps_replay_current(c->s->a->replay);
	const struct ps_capread_iface *ifc = rr->iface;
	struct ps_capfile_rec r = {
		.iface = rr->r.iface,
		.linktype = ifc->linktype,
		.ts_ns = rr->r.ts_ns,
		.caplen = e->rec.caplen,
		.len = e->rec.len,
		.data = data,
		.dir = rr->r.dir, /* the input's epb_flags, not what SLL says */
		.hook = ps_slot_hook(e->slot),
	};

	if (c->co.pcapng) {
		/* Each interface was declared with the input's resolution:
		 * its count of units goes as it is. */
		__u64 units = rr->r.ts_hi;

		r.raw = true;
		if (c->from_pcap) {
			units = units * ifc->units + rr->r.ts_lo;
			r.ts_hi = units >> 32;
			r.ts_lo = (__u32)units;
		} else {
			r.ts_hi = rr->r.ts_hi;
			r.ts_lo = rr->r.ts_lo;
		}
	} else if (c->from_pcap) {
		/* Same format and precision: the fields as they were. */
		r.raw = true;
		r.ts_hi = rr->r.ts_hi;
		r.ts_lo = rr->r.ts_lo;
	}
	return ps_capfile_write_rec(c->cf, &r);
}

static int write_event(void *ctx, const struct ps_event *e, const __u8 *data, __u64 ts_ns,
		       const char *ifname)
{
	struct cap *c = ctx;
	int err;

	if (c->s->a->file)
		err = write_replayed(c, e, data);
	else
		err = ps_capfile_write(c->cf, ts_ns, e->ifindex,
				       !strcmp(ps_slot_direction(e->slot), "ingress"),
				       ps_slot_hook(e->slot), data, e->rec.caplen, e->rec.len);
	cap_check(c->s);
	return err;
}

/* -r: whether -w names the file being read (or a link to it), which
 * opening the output would truncate before it is read. */
static bool same_file(const char *in, const char *out)
{
	struct stat a, b;

	if (!strcmp(in, "-") || !strcmp(out, "-"))
		return false;
	return !stat(in, &a) && !stat(out, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int cap_ready(struct ev_session *s)
{
	struct cap *c = s->sink_ctx;
	const struct ev_args *a = s->a;
	int err;

	/* -r: the output takes the input's link type, snap length and
	 * precision, and an interface block per input interface, as
	 * tcpdump -w keeps them. */
	if (a->file) {
		const struct ps_capread_iface *ifc;
		__u32 n;

		if (same_file(a->file, a->write)) {
			ps_err("-r and -w name the same file (%s): writing it would destroy what is "
			       "read; write another file", a->write);
			return -EINVAL;
		}
		ifc = ps_replay_ifaces(a->replay, &n);
		c->from_pcap = ps_replay_format(a->replay) == PS_CAPREAD_PCAP;
		if (!a->pcapng && n) {
			for (__u32 i = 1; i < n; i++) {
				if (ifc[i].linktype != ifc[0].linktype) {
					ps_err("%s holds packets of link types %s and %s, and a pcap "
					       "file holds one: write --pcapng", a->file,
					       ps_linktype_name(ifc[0].linktype),
					       ps_linktype_name(ifc[i].linktype));
					return -EINVAL;
				}
			}
			c->co.linktype_set = true;
			c->co.linktype = c->from_pcap ? ifc[0].linktype_field : ifc[0].linktype;
			c->co.header_snaplen = ifc[0].snaplen;
			c->co.usec = c->from_pcap && !ps_replay_nsec(a->replay);
		}
	}
	err = ps_capfile_open(&c->cf, &c->co);
	if (err)
		return err == -ENOMEM ? err : -EINVAL; /* a path that cannot be written */
	if (a->file && a->pcapng) {
		/* Every interface the file declared so far; those it
		 * declares later come as their packets do. */
		const struct ps_capread_iface *ifc;
		__u32 n;

		ifc = ps_replay_ifaces(a->replay, &n);
		for (__u32 i = 0; i < n; i++) {
			struct ps_capfile_iface d = {
				.name = ifc[i].name[0] ? ifc[i].name : a->file,
				.linktype = ifc[i].linktype,
				.snaplen = ifc[i].snaplen,
				.tsresol = ifc[i].tsresol,
				.tsoffset = ifc[i].tsoffset,
			};

			if (ps_capfile_add_iface_as(c->cf, i, &d) < 0)
				return -E2BIG;
		}
	}
	/* Live pcap: from the rings straight to the file.  pcapng has
	 * per-packet fields to fill in (interface, direction, hook), a file
	 * or a socket runs one packet at a time: those take the events one
	 * by one. */
	if (!a->pcapng && !a->file && a->dp.hook != PS_HOOK_SOCKET)
		s->pcap_direct = c->cf;
	return 0;
}

/* What the disk took while it was writing (direct I/O): MB/s. */
static double disk_rate(const struct ps_capfile_stats *st)
{
	return st->disk_write_ns ? st->disk_write_bytes * 1000.0 / st->disk_write_ns : 0;
}

/* Direct I/O: when the records had to wait for the disk, every staging
 * buffer being written, the disk was the limit: the loss it caused (the
 * ring filled meanwhile) is the disk's, and says so. */
static void disk_report(const struct ev_session *s, const struct ps_capfile_stats *st)
{
	if (s->a->json || !st->disk_waits)
		return;
	fprintf(stderr, "disk-bound: %llu ms waiting for the disk with every write buffer in "
		"flight (%llu time%s); it wrote %.0f MB/s\n",
		(unsigned long long)(st->disk_wait_ns / 1000000),
		(unsigned long long)st->disk_waits, st->disk_waits > 1 ? "s" : "", disk_rate(st));
}

int cmd_capture(int argc, char **argv)
{
	struct ev_session s = { .sink = write_event, .ready = cap_ready, .check = cap_check };
	struct ps_capfile_stats cst = {};
	struct cap c = { .s = &s };
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
	if (!strcmp(a.write, "-") && (a.rotate_mb || a.rotate_secs)) {
		ps_err("-C and -G rotate files: they cannot apply to standard output");
		err = -EINVAL;
		goto out;
	}
	c.co = (struct ps_capfile_opts){
		.path = a.write,
		.pcapng = a.pcapng,
		.snaplen = a.dp.snaplen,
		.rotate_bytes = (__u64)a.rotate_mb * 1000000,
		.rotate_secs = a.rotate_secs,
		.no_direct_io = a.no_direct_io,
	};
	s.a = &a;
	s.sink_ctx = &c;
	cli_signals();
	err = ev_session_run(&s, a.pcapng ? declare_iface : NULL);
	if (c.cf) {
		int cerr = ps_capfile_close(c.cf, &cst);

		if (cerr && !s.failed && !err) {
			s.failed = cerr;
			ps_err("writing %s failed: %s", a.write, strerror(-cerr));
		}
		/* The file's own counts are the last word: a record the sink
		 * took may have failed when its buffer was written out. */
		s.done = cst.packets;
		s.sink_errors = cst.write_errors;
	}
	if (!err && c.cf) {
		extra = json_pack("{s:I,s:I,s:b,s:b,s:I,s:f}", "files", (json_int_t)cst.files,
				  "bytes_written", (json_int_t)cst.bytes, "direct_io", cst.direct_io,
				  "disk_bound", cst.disk_waits > 0, "disk_wait_ms",
				  (json_int_t)(cst.disk_wait_ns / 1000000), "disk_write_MBps",
				  disk_rate(&cst));
		ev_session_report(&s, extra);
		json_decref(extra);
		disk_report(&s, &cst);
	}
	/* A failed output ends the capture as a failure (exit 1), after the
	 * report of what was and was not written. */
	if (!err && s.failed)
		err = -EIO;
out:
	ev_args_free(&a);
	return ps_exit_code(err);
}
