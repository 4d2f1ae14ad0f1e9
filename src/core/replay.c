// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <pcap/pcap.h>
#include "replay.h"
#include "linkview.h"
#include "log.h"
#include "testrun.h"

/* A test run takes no frame under an Ethernet header at XDP, and at TC none
 * whose EtherType is IP that is shorter than the IP header: shorter frames
 * run zero-padded to this (the parse stops at the record's own length). */
#define MIN_RUN 64
/* Link types of one file compiled for; more are refused. */
#define MAX_PROGS 16
/* A frame of a type no protocol stage looks into (IEEE 802 local
 * experimental), for probing the test run's length limit. */
#define PROBE_ETHERTYPE 0x88b5
#define VIEW_HLEN 14 /* the Ethernet header of a view */

struct prog {
	__u32 linktype;
	bool swapped;               /* compiled for a file of the other order */
	bool ok;
	struct bpf_program bpf;
	char err[PCAP_ERRBUF_SIZE]; /* libpcap's words when !ok */
};

struct ps_replay {
	struct ps_capread *in;
	char *path;
	char *expr;
	struct prog progs[MAX_PROGS];
	int nprogs;
	const struct bpf_program *kernel; /* Ethernet's, for the datapath */
	bool scanned;
	struct ps_replay_rec cur;
	__u8 *buf;        /* the frame a test run is given when the record
			   * itself cannot be: a view, padded or cut */
	__u32 max_run;    /* longest frame the test run takes; 0 unknown,
			   * UINT32_MAX no limit below ours */
};

static struct prog *prog_for(struct ps_replay *rp, __u32 linktype, bool swapped)
{
	for (int i = 0; i < rp->nprogs; i++)
		if (rp->progs[i].linktype == linktype && rp->progs[i].swapped == swapped)
			return &rp->progs[i];
	return NULL;
}

/*
 * A handle on a file of 'linktype': libpcap compiles some primitives for a
 * savefile unlike for a dead handle ("inbound" is an error there, not a
 * load of the kernel's packet type; a NULL header's family is matched in
 * the file's byte order), so the expression is compiled on one: a pcap
 * header alone, in memory, in the byte order of the file it stands for.
 */
static pcap_t *savefile_handle(__u32 linktype, __u32 snaplen, bool swapped, char *err)
{
	__u32 h[6] = { 0xa1b2c3d4u, 2 | 4 << 16, 0, 0, snaplen, linktype }, hdr[6];
	FILE *f;

	for (int i = 0; i < 6; i++)
		hdr[i] = swapped && i != 1 ? __builtin_bswap32(h[i]) : h[i];
	if (swapped) /* version: two 16-bit fields, each swapped */
		hdr[1] = 2 << 8 | 4 << 24;
	f = fmemopen(hdr, sizeof(hdr), "rb");
	if (!f) {
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	return pcap_fopen_offline(f, err); /* closes f with the handle */
}

/*
 * Compiles the expression for interfaces of 'ifc''s link type as tcpdump -r
 * does for a file of it: optimized, netmask 0, on a savefile handle.  The
 * result is kept, failed or not ('quiet' leaves the message for later).
 */
static struct prog *compile(struct ps_replay *rp, __u32 linktype, __u32 snaplen, bool swapped,
			    bool quiet)
{
	struct prog *pr = prog_for(rp, linktype, swapped);
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	if (pr)
		return pr;
	if (rp->nprogs == MAX_PROGS) {
		ps_err("%s holds more than %d link types: pktscope filters up to %d", rp->path,
		       MAX_PROGS, MAX_PROGS);
		return NULL;
	}
	if (!snaplen || snaplen > PS_CAPREAD_MAX_CAPLEN)
		snaplen = PS_CAPREAD_MAX_CAPLEN;
	p = savefile_handle(linktype, snaplen, swapped, ebuf);
	if (!p) {
		ps_err("libpcap cannot open a handle to compile with: %s", ebuf);
		return NULL;
	}
	pr = &rp->progs[rp->nprogs++];
	pr->linktype = linktype;
	pr->swapped = swapped;
	pr->ok = pcap_compile(p, &pr->bpf, rp->expr, 1, 0) == 0;
	if (!pr->ok)
		snprintf(pr->err, sizeof(pr->err), "%s", pcap_geterr(p));
	if (!pr->ok && !quiet)
		ps_err("bad filter expression '%s': %s", rp->expr, pr->err);
	pcap_close(p);
	return pr;
}

static const char *dir_note(void)
{
	return "pktscope reads Ethernet, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL and LOOP "
	       "captures";
}

/* Every interface's link type is one pktscope reads, and the expression
 * compiles for it. */
static int check_ifaces(struct ps_replay *rp, __u32 from)
{
	const struct ps_capread_iface *ifc;
	__u32 n;

	ifc = ps_capread_ifaces(rp->in, &n);
	for (__u32 i = from; i < n; i++) {
		struct prog *pr;

		if (!ps_linktype_supported(ifc[i].linktype)) {
			ps_err("%s holds frames of link type %u (%s): %s", rp->path,
			       ifc[i].linktype, ps_linktype_name(ifc[i].linktype), dir_note());
			return -EINVAL;
		}
		if (!rp->expr)
			continue;
		pr = compile(rp, ifc[i].linktype, ifc[i].snaplen, ifc[i].swapped, false);
		if (!pr || !pr->ok)
			return -EINVAL;
	}
	return 0;
}

int ps_replay_open(struct ps_replay **out, const char *path, const char *expr)
{
	char err[300];
	struct ps_replay *rp;
	struct prog *eth;
	int rc;

	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	rp->path = strdup(path);
	rp->expr = expr ? strdup(expr) : NULL;
	rp->buf = malloc(PS_CAPREAD_MAX_CAPLEN + MIN_RUN);
	if (!rp->path || (expr && !rp->expr) || !rp->buf) {
		rc = -ENOMEM;
		goto err;
	}
	rc = ps_capread_open(&rp->in, path, err, sizeof(err));
	if (rc) {
		ps_err("cannot read %s: %s", path, err);
		rc = rc == -ENOMEM ? rc : -EINVAL;
		goto err;
	}
	/* Every link type is known before anything is run or written, where
	 * the file can be read ahead. */
	rp->scanned = ps_capread_scan(rp->in) == 0;
	rc = check_ifaces(rp, 0);
	if (rc)
		goto err;
	if (rp->expr) {
		/* The datapath's filter program is Ethernet's: compiled even
		 * when no interface declared so far is Ethernet, unless the
		 * whole file was read ahead and none is. */
		eth = compile(rp, PS_LINKTYPE_ETHERNET, 0, false, true);
		if (!eth) {
			rc = -ENOMEM;
			goto err;
		}
		if (eth->ok) {
			rp->kernel = &eth->bpf;
		} else if (!rp->scanned) {
			ps_err("bad filter expression '%s': %s", rp->expr, eth->err);
			rc = -EINVAL;
			goto err;
		}
	}
	*out = rp;
	return 0;
err:
	ps_replay_close(rp);
	return rc;
}

const void *ps_replay_kernel_filter(const struct ps_replay *rp)
{
	return rp->kernel;
}

const struct ps_capread_iface *ps_replay_ifaces(const struct ps_replay *rp, __u32 *n)
{
	return ps_capread_ifaces(rp->in, n);
}

bool ps_replay_scanned(const struct ps_replay *rp)
{
	return rp->scanned;
}

bool ps_replay_nsec(const struct ps_replay *rp)
{
	return ps_capread_nsec(rp->in);
}

enum ps_capread_format ps_replay_format(const struct ps_replay *rp)
{
	return ps_capread_format(rp->in);
}

const char *ps_replay_path(const struct ps_replay *rp)
{
	return rp->path;
}

const struct ps_replay_rec *ps_replay_current(const struct ps_replay *rp)
{
	return &rp->cur;
}

/*
 * The longest frame the test run of 'prog_fd' takes: a page at TC, a page
 * and MAX_SKB_FRAGS more at XDP (xdp.frags), on the kernels seen so far.
 * Found by trying, so another kernel's limits are its own: the runs are
 * probes (ps_replay_meta.slot PS_SLOT_MAX), which count nothing.
 */
static __u32 probe_max_run(volatile struct ps_replay_meta *m, int prog_fd)
{
	__u32 lo = MIN_RUN, hi = PS_CAPREAD_MAX_CAPLEN + VIEW_HLEN, mid;
	__u8 *frame = calloc(1, hi);
	__u8 saved = m->slot;

	if (!frame)
		return MIN_RUN;
	frame[12] = PROBE_ETHERTYPE >> 8;
	frame[13] = PROBE_ETHERTYPE & 0xff;
	m->slot = PS_SLOT_MAX;
	if (!ps_run(prog_fd, frame, hi, NULL, 0, 1, NULL)) {
		lo = UINT32_MAX;
	} else {
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (ps_run(prog_fd, frame, mid, NULL, 0, 1, NULL))
				hi = mid;
			else
				lo = mid;
		}
	}
	m->slot = saved;
	free(frame);
	return lo;
}

static void count_not_run(struct ps_replay_stats *st, int err)
{
	int i;

	st->not_run++;
	for (i = 0; i < PS_REPLAY_NOTRUN_KINDS - 1; i++) {
		if (st->not_run_by[i].err == err || !st->not_run_by[i].n)
			break;
	}
	/* More kinds than kept: the last one gathers the rest. */
	st->not_run_by[i].err = st->not_run_by[i].n ? st->not_run_by[i].err : err;
	st->not_run_by[i].n++;
}

void ps_replay_not_run_str(const struct ps_replay_stats *st, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < PS_REPLAY_NOTRUN_KINDS && st->not_run_by[i].n && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%llu: %s", i ? "; " : "",
			      (unsigned long long)st->not_run_by[i].n,
			      strerror(-st->not_run_by[i].err));
}

/* libpcap's limit on a record of this interface: its snap length, or the
 * largest when it gives none.  libpcap cuts a pcap record longer than
 * that to it, and tcpdump -r filters what is left. */
static __u32 snap_of(const struct ps_capread_iface *ifc)
{
	return ifc->snaplen && ifc->snaplen < PS_CAPREAD_MAX_CAPLEN ? ifc->snaplen :
								     PS_CAPREAD_MAX_CAPLEN;
}

/* The verdict of libpcap's interpreter on the record as libpcap reads it. */
static int user_verdict(struct ps_replay *rp, const struct ps_capread_iface *ifc,
			const struct ps_capread_rec *r, __u8 *verdict)
{
	struct prog *pr = compile(rp, ifc->linktype, ifc->snaplen, ifc->swapped, false);
	__u32 caplen = r->caplen < snap_of(ifc) ? r->caplen : snap_of(ifc);

	if (!pr || !pr->ok)
		return -EINVAL;
	*verdict = bpf_filter(pr->bpf.bf_insns, r->data, r->len, caplen) ? PS_VERDICT_KEEP :
									    PS_VERDICT_DROP;
	return 0;
}

/*
 * Runs the current record: its Ethernet view, whole when the test run
 * takes it, else its first max_run bytes, or padded to MIN_RUN.  Returns 0
 * or -errno when the replay cannot go on; *refused is the test run's
 * -errno when it would not run the record (then not run, and counted).
 */
static int run_record(struct ps_replay *rp, struct ps_datapath *dp, int prog_fd, __u8 in_slot,
		      struct ps_replay_stats *st, int *refused)
{
	volatile struct ps_replay_meta *m = ps_datapath_replay_meta(dp);
	const struct ps_capread_rec *r = &rp->cur.r;
	const struct ps_capread_iface *ifc = rp->cur.iface;
	struct ps_linkview v;
	const __u8 *frame;
	__u32 blen;
	bool whole;
	int err;

	if (ps_linkview(ifc->linktype, r->data, r->caplen, r->len, &v)) {
		/* Declared late, in a file read from a pipe. */
		ps_err("%s holds frames of link type %u (%s): %s", rp->path, ifc->linktype,
		       ps_linktype_name(ifc->linktype), dir_note());
		return -EPROTONOSUPPORT;
	}
	rp->cur.dir = r->dir ? r->dir : v.dir;
	for (;;) {
		blen = v.view_cap;
		if (rp->max_run && rp->max_run != UINT32_MAX && blen > rp->max_run)
			blen = rp->max_run;
		whole = blen == v.view_cap && blen >= MIN_RUN;
		if (!v.synth && blen >= MIN_RUN) {
			frame = r->data;
		} else {
			/* The view, cut or padded: the parse limit keeps the
			 * padding out of the packet. */
			__u32 body = blen > VIEW_HLEN ? blen - VIEW_HLEN : 0;

			if (v.synth) {
				memcpy(rp->buf, v.eth, VIEW_HLEN);
				memcpy(rp->buf + VIEW_HLEN, r->data + v.hdrlen, body);
			} else {
				memcpy(rp->buf, r->data, blen);
			}
			if (blen < MIN_RUN) {
				memset(rp->buf + blen, 0, MIN_RUN - blen);
				blen = MIN_RUN;
			}
			frame = rp->buf;
		}
		m->view_len = v.view_len;
		m->view_cap = v.view_cap;
		m->wire_len = r->len;
		m->slot = rp->cur.dir == PS_DIR_OUT ? PS_SLOT_TC_EGRESS : in_slot;
		m->verdict = PS_VERDICT_KERNEL;
		/* The kernel's filter program decides only what it sees as
		 * libpcap reads it: an Ethernet record, whole, as long as on
		 * the wire (its `len` is the frame's), within the snap
		 * length. */
		if (rp->expr && !(rp->kernel && whole && !v.synth && r->caplen == r->len &&
				  r->caplen <= snap_of(ifc))) {
			__u8 verdict;

			err = user_verdict(rp, ifc, r, &verdict);
			if (err)
				return err;
			m->verdict = verdict;
			st->user_verdicts++;
		}
		*refused = ps_run(prog_fd, frame, blen, NULL, 0, 1, NULL);
		if (!*refused || rp->max_run)
			return 0;
		/* Refused: if for its length, the longest it takes is found
		 * once, and the record runs its first bytes. */
		rp->max_run = probe_max_run(m, prog_fd);
		st->max_run = rp->max_run == UINT32_MAX ? 0 : rp->max_run;
		if (blen <= rp->max_run)
			return 0;
	}
}

int ps_replay_run(struct ps_replay *rp, struct ps_datapath *dp, struct ps_replay_stats *st,
		  const struct ps_replay_hooks *h)
{
	static const struct ps_replay_hooks none;
	enum ps_slot slots[PS_SLOT_MAX];
	const struct ps_capread_iface *ifaces;
	__u32 nifaces, checked;
	int prog_fd, rc = 0, err = 0, refused;

	if (!dp->opts.replay) {
		ps_err("the datapath was not loaded for a replay");
		return -EINVAL;
	}
	if (!h)
		h = &none;
	memset(st, 0, sizeof(*st));
	ps_hook_slots(dp->opts.hook, slots);
	prog_fd = ps_datapath_prog_fd(dp, slots[0]);
	ps_capread_ifaces(rp->in, &checked);
	while (!(h->stop && *h->stop) && (rc = ps_capread_next(rp->in, &rp->cur.r)) == 1) {
		struct ps_capread_rec *r = &rp->cur.r;
		double ts = r->ts_ns / 1e9;

		ifaces = ps_capread_ifaces(rp->in, &nifaces);
		if (nifaces > checked) {
			/* Declared as the file went (read from a pipe). */
			err = check_ifaces(rp, checked);
			if (err)
				break;
			checked = nifaces;
		}
		rp->cur.iface = &ifaces[r->iface];
		rp->cur.dir = r->dir;
		if (!st->packets_read)
			st->first_ts = ts;
		st->last_ts = ts;
		st->packets_read++;
		if (r->caplen < r->len)
			st->snaplen_cut++;
		if (h->before && h->before(h->ctx, r->ts_ns))
			break;
		/* Flows are timed by the file, not by when the test runs. */
		ps_datapath_set_clock(dp, r->ts_ns);
		err = run_record(rp, dp, prog_fd, slots[0], st, &refused);
		if (err)
			break;
		if (refused) {
			ps_dbg("record %llu (%u bytes) not run: %s",
			       (unsigned long long)st->packets_read, r->caplen, strerror(-refused));
			count_not_run(st, refused);
		}
		if (h->after && h->after(h->ctx, r->ts_ns))
			break;
	}
	if (!err && rc < 0 && !(h->stop && *h->stop)) {
		ps_err("%s is damaged after %llu packets: %s", rp->path,
		       (unsigned long long)st->packets_read, ps_capread_error(rp->in));
		err = -EINVAL;
	}
	return err;
}

void ps_replay_close(struct ps_replay *rp)
{
	if (!rp)
		return;
	for (int i = 0; i < rp->nprogs; i++)
		if (rp->progs[i].ok)
			pcap_freecode(&rp->progs[i].bpf);
	ps_capread_close(rp->in);
	free(rp->buf);
	free(rp->expr);
	free(rp->path);
	free(rp);
}
