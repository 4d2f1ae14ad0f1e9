// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>
#include <linux/pkt_cls.h>
#include "datapath.h"
#include "filter.h"
#include "counters.h"
#include "iface.h"
#include "log.h"
#include "datapath.skel.h"

int ps_hook_slots(enum ps_hook hook, enum ps_slot slots[PS_SLOT_MAX])
{
	switch (hook) {
	case PS_HOOK_SOCKET:
		slots[0] = PS_SLOT_SOCK_INGRESS;
		slots[1] = PS_SLOT_SOCK_EGRESS;
		break;
	case PS_HOOK_TC:
		slots[0] = PS_SLOT_TC_INGRESS;
		slots[1] = PS_SLOT_TC_EGRESS;
		break;
	default: /* XDP; AUTO is chosen before anything asks */
		slots[0] = PS_SLOT_XDP_INGRESS;
		slots[1] = PS_SLOT_TC_EGRESS;
	}
	return 2;
}

const char *ps_slot_hook(enum ps_slot slot)
{
	switch (slot) {
	case PS_SLOT_XDP_INGRESS: return "xdp";
	case PS_SLOT_SOCK_INGRESS:
	case PS_SLOT_SOCK_EGRESS: return "socket";
	default: return "tc";
	}
}

const char *ps_slot_direction(enum ps_slot slot)
{
	return slot == PS_SLOT_TC_EGRESS || slot == PS_SLOT_SOCK_EGRESS ? "egress" : "ingress";
}

int ps_hook_parse(const char *s, enum ps_hook *hook)
{
	if (!strcmp(s, "xdp"))
		*hook = PS_HOOK_XDP;
	else if (!strcmp(s, "tc"))
		*hook = PS_HOOK_TC;
	else if (!strcmp(s, "socket"))
		*hook = PS_HOOK_SOCKET;
	else if (!strcmp(s, "auto"))
		*hook = PS_HOOK_AUTO;
	else
		return -EINVAL;
	return 0;
}

const char *ps_hook_name(enum ps_hook hook)
{
	switch (hook) {
	case PS_HOOK_XDP: return "xdp";
	case PS_HOOK_TC: return "tc";
	case PS_HOOK_SOCKET: return "socket";
	default: return "auto";
	}
}

static struct bpf_program *slot_prog(const struct ps_datapath *dp, enum ps_slot slot)
{
	switch (slot) {
	case PS_SLOT_XDP_INGRESS: return dp->skel->progs.ps_xdp;
	case PS_SLOT_TC_INGRESS: return dp->skel->progs.ps_tc_ingress;
	case PS_SLOT_TC_EGRESS: return dp->skel->progs.ps_tc_egress;
	case PS_SLOT_SOCK_INGRESS: return dp->skel->progs.ps_sock_in;
	case PS_SLOT_SOCK_EGRESS: return dp->skel->progs.ps_sock_out;
	default: return NULL;
	}
}

int ps_datapath_prog_fd(const struct ps_datapath *dp, enum ps_slot slot)
{
	struct bpf_program *prog = slot_prog(dp, slot);

	return prog ? bpf_program__fd(prog) : -EINVAL;
}

static __u32 round_pow2(__u32 v)
{
	__u32 p = 4096;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

/* CLOCK_TAI - CLOCK_REALTIME: a whole number of seconds (the leap seconds
 * the system was told of; 0 if never), so rounding drops the time between
 * the two reads. */
static __u64 tai_utc_ns(void)
{
	struct timespec real, tai;
	__s64 d;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_TAI, &tai);
	d = ((__s64)tai.tv_sec - real.tv_sec) * 1000000000LL + (tai.tv_nsec - real.tv_nsec);
	d = (d + 500000000LL) / 1000000000LL;
	return d > 0 ? (__u64)d * 1000000000ULL : 0;
}

/* Sizes the event maps: a stats-only run keeps them at their minimum. */
static int setup_events(struct ps_datapath *dp, const struct ps_datapath_opts *o)
{
	struct ps_config *cfg = &dp->skel->rodata->ps_cfg;
	int ncpu = libbpf_num_possible_cpus(), err;
	__u32 ring;

	if (!o->events)
		return 0;
	if (ncpu < 0)
		return ncpu;
	cfg->events = 1;
	cfg->sample = o->sample;
	cfg->snaplen = o->snaplen;
	cfg->tai_utc_ns = tai_utc_ns();
	ring = round_pow2(o->ring_bytes ? o->ring_bytes : 8u << 20);
	/* Wake the reader when a sixteenth of the ring waits: few wakeups at
	 * high rates, and room left for the reader to catch up.  A test run
	 * drains after every packet itself, so the threshold is for live. */
	cfg->wake_bytes = ring / 16;
	err = bpf_map__set_max_entries(dp->skel->maps.ps_events, ring);
	if (!err)
		err = bpf_map__set_max_entries(dp->skel->maps.ps_scratch, ncpu);
	if (err)
		ps_err("cannot size the event maps: %s", strerror(-err));
	return err;
}

/* Sizes the flow table; a run without flows keeps it at one entry (the map
 * is preallocated: its size is what it costs, used or not). */
static int setup_flows(struct ps_datapath *dp, const struct ps_datapath_opts *o)
{
	struct ps_config *cfg = &dp->skel->rodata->ps_cfg;
	__u32 max;
	int err;

	cfg->user_clock = o->user_clock;
	if (!o->flows)
		return 0;
	cfg->flows = 1;
	max = o->max_flows ? o->max_flows : 1;
	err = bpf_map__set_max_entries(dp->skel->maps.ps_flows, max);
	if (!err)
		err = bpf_map__set_max_entries(dp->skel->maps.ps_flow_snap, max);
	if (err)
		ps_err("cannot size the flow table: %s", strerror(-err));
	return err;
}

/*
 * Loads the filter expression for each program type the datapath runs and
 * puts it where the datapath's tail call looks for it.  Its epilogue
 * tail-calls the emit program on a match; on no match, or if that call
 * fails, the packet goes on untouched.
 *
 * A file's code (-r) sees the frames as tcpdump -r does: in place at XDP,
 * at TC with a tag the kernel took into metadata put back.  Live code
 * (ps_filter_compile_live()) sees them as the kernel's socket filter does
 * for live tcpdump: PS_FILTER_F_LINUX; TC egress gets its own program,
 * in which the packet type is PACKET_OUTGOING (TC ingress and egress share
 * one program type, so one array: a slot each).
 */
static int install_filter(struct ps_datapath *dp)
{
	static const struct {
		enum ps_filter_target target;
		unsigned int file_flags, live_flags;
		__u32 pass, slot;
	} kinds[3] = {
		{ PS_FILTER_XDP, 0, PS_FILTER_F_LINUX, XDP_PASS, PS_PROG_FILTER },
		{ PS_FILTER_TC, PS_FILTER_F_VLAN_META, PS_FILTER_F_LINUX, (__u32)TC_ACT_UNSPEC,
		  PS_PROG_FILTER },
		{ PS_FILTER_TC, PS_FILTER_F_VLAN_META, PS_FILTER_F_LINUX | PS_FILTER_F_OUTGOING,
		  (__u32)TC_ACT_UNSPEC, PS_PROG_FILTER_EGRESS },
	};
	struct bpf_program *emit[3] = { dp->skel->progs.ps_xdp_emit, dp->skel->progs.ps_tc_emit,
					 dp->skel->progs.ps_tc_emit };
	struct bpf_map *arrays[3] = { dp->skel->maps.ps_xdp_progs, dp->skel->maps.ps_tc_progs,
				      dp->skel->maps.ps_tc_progs };
	const struct ps_datapath_opts *o = &dp->opts;
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	int err, fd = -1;

	for (int i = 0; i < 3; i++) {
		struct ps_filter_opts fo = { .name = "ps_filter" };
		int map_fd = bpf_map__fd(arrays[i]);
		__u32 key = kinds[i].slot;
		size_t n;

		if (bpf_program__fd(emit[i]) < 0)
			continue; /* this program type does not run here */
		fo.flags = o->filter_live ? kinds[i].live_flags : kinds[i].file_flags;
		if (kinds[i].target == PS_FILTER_XDP && o->filter_live && o->dev_addr_set) {
			fo.dev_addr_set = true;
			memcpy(fo.dev_addr, o->dev_addr, sizeof(fo.dev_addr));
		}
		/* A file's code is the same program at TC ingress and egress:
		 * the egress slot gets the one just loaded. */
		if (!(kinds[i].slot == PS_PROG_FILTER_EGRESS && !o->filter_live)) {
			if (fd >= 0)
				close(fd);
			n = ps_filter_epilogue_tail_call(epi, map_fd, PS_PROG_EMIT, -1,
							 kinds[i].pass);
			err = ps_filter_load_opts(o->filter, kinds[i].target, epi, n, &fo, &fd);
			if (err)
				return err;
		}
		err = bpf_map_update_elem(map_fd, &key, &fd, BPF_ANY) ? -errno : 0;
		if (err) {
			close(fd);
			ps_err("cannot install the filter program: %s", strerror(-err));
			return err;
		}
	}
	/* The program arrays hold the programs from now on. */
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Puts the emit programs where the filter's tail call looks for them. */
static int install_emit(struct ps_datapath *dp)
{
	struct bpf_program *progs[] = { dp->skel->progs.ps_xdp_emit, dp->skel->progs.ps_tc_emit };
	struct bpf_map *arrays[] = { dp->skel->maps.ps_xdp_progs, dp->skel->maps.ps_tc_progs };
	__u32 key = PS_PROG_EMIT;

	for (int i = 0; i < 2; i++) {
		int fd = bpf_program__fd(progs[i]);

		if (fd < 0)
			continue; /* not loaded: not needed */
		if (bpf_map_update_elem(bpf_map__fd(arrays[i]), &key, &fd, BPF_ANY)) {
			int err = -errno;

			ps_err("cannot install the emit program: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

static void datapath_init(struct ps_datapath *dp, const struct ps_datapath_opts *opts)
{
	memset(dp, 0, sizeof(*dp));
	dp->owner.fd = -1;
	for (int i = 0; i < PS_SLOT_MAX; i++)
		ps_attachment_init(&dp->att[i]);
	dp->opts = *opts;
}

int ps_datapath_load(struct ps_datapath *dp, const struct ps_datapath_opts *opts,
		     bool for_replay)
{
	enum ps_slot slots[PS_SLOT_MAX];
	int n, err, i;

	datapath_init(dp, opts);
	if (opts->hook == PS_HOOK_AUTO) {
		if (!for_replay)
			return -EINVAL; /* ps_datapath_open() chooses first */
		dp->opts.hook = PS_HOOK_XDP;
		dp->hook_auto = true;
		snprintf(dp->hook_why, sizeof(dp->hook_why),
			 "a file: the XDP test run takes larger frames whole");
		ps_dbg("--hook auto over a file: the XDP program's test run (TC's refuses frames "
		       "over a page)");
	}
	opts = &dp->opts;

	dp->skel = datapath_bpf__open();
	if (!dp->skel) {
		err = -errno;
		ps_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	dp->skel->rodata->ps_cfg.ttl_threshold = opts->ttl_threshold;
	/* A file's records carry their lengths, direction and (where the
	 * kernel cannot decide it) verdict in ps_replay; their bytes come
	 * from the file, so the events carry none. */
	dp->skel->rodata->ps_cfg.replay = opts->replay && opts->hook != PS_HOOK_SOCKET;
	/* At a socket the filter runs on the socket, before user space. */
	dp->skel->rodata->ps_cfg.filter = (opts->events || opts->flows) &&
					  (opts->filter || opts->replay_filter) &&
					  opts->hook != PS_HOOK_SOCKET;
	err = setup_events(dp, opts);
	if (dp->skel->rodata->ps_cfg.replay)
		dp->skel->rodata->ps_cfg.snaplen = 0;
	if (!err)
		err = setup_flows(dp, opts);
	if (err)
		goto err_destroy;

	/* Load only what will run: the verifier's time and the kernel's
	 * memory go to nothing else. */
	bpf_program__set_autoload(dp->skel->progs.ps_xdp, false);
	bpf_program__set_autoload(dp->skel->progs.ps_tc_ingress, false);
	bpf_program__set_autoload(dp->skel->progs.ps_tc_egress, false);
	bpf_program__set_autoload(dp->skel->progs.ps_xdp_emit, false);
	bpf_program__set_autoload(dp->skel->progs.ps_tc_emit, false);
	bpf_program__set_autoload(dp->skel->progs.ps_sock_in, false);
	bpf_program__set_autoload(dp->skel->progs.ps_sock_out, false);
	bpf_program__set_autoload(dp->skel->progs.ps_flow_dump_prog, opts->flows);
	n = ps_hook_slots(opts->hook, slots);
	/* A file replays through the ingress program; a socket needs both
	 * of its programs, and its filter runs on the socket itself. */
	if (for_replay && opts->hook != PS_HOOK_SOCKET)
		n = 1;
	for (i = 0; i < n; i++) {
		bpf_program__set_autoload(slot_prog(dp, slots[i]), true);
		/* The filter tail-calls the emit program of its type. */
		if (opts->filter && opts->hook != PS_HOOK_SOCKET)
			bpf_program__set_autoload(slots[i] == PS_SLOT_XDP_INGRESS ?
						  dp->skel->progs.ps_xdp_emit :
						  dp->skel->progs.ps_tc_emit, true);
	}

	err = datapath_bpf__load(dp->skel);
	if (err) {
		/* EACCES is how the verifier refuses a program; only EPERM
		 * means missing privilege. */
		if (err == -EPERM)
			ps_err("not permitted to load BPF programs: run pktscope as root "
			       "(CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)");
		else
			ps_err("the kernel refused pktscope's BPF programs (%s): rerun with "
			       "--verbose to see the verifier log", strerror(-err));
		goto err_destroy;
	}
	err = install_emit(dp);
	if (!err && opts->filter && opts->hook != PS_HOOK_SOCKET)
		err = install_filter(dp);
	if (err)
		goto err_destroy;
	return 0;

err_destroy:
	datapath_bpf__destroy(dp->skel);
	dp->skel = NULL;
	return err;
}

/* Attaches the loaded programs.  With 'refused' (--hook auto), XDP is
 * native only, and the driver's refusal (ps_xdp_refused()) is returned
 * without a word and with *refused set: the caller has TC to go to. */
static int attach(struct ps_datapath *dp, const char *ifname, bool *refused)
{
	enum ps_slot slots[PS_SLOT_MAX];
	char cmd[256] = "";
	pid_t holder = 0;
	int n, err, i, ifindex;

	ifindex = ps_iface_index(ifname);
	if (ifindex < 0) {
		ps_err("no interface named '%s': list them with `ip link`", ifname);
		return -ENODEV;
	}
	snprintf(dp->ifname, sizeof(dp->ifname), "%s", ifname);
	dp->ifindex = ifindex;

	err = ps_owner_claim(&dp->owner, ifindex, &holder, cmd, sizeof(cmd));
	if (err == -EBUSY) {
		ps_err("%s is already inspected by pktscope pid %d (%s): stop it first, or "
		       "watch another interface", ifname, (int)holder,
		       cmd[0] ? cmd : "command line unknown");
		return err;
	}
	if (err) {
		ps_err("cannot claim %s for this pktscope: %s", ifname, strerror(-err));
		return err;
	}

	n = ps_hook_slots(dp->opts.hook, slots);
	for (i = 0; i < n; i++) {
		enum ps_slot s = slots[i];
		int fd = ps_datapath_prog_fd(dp, s);

		if (s == PS_SLOT_XDP_INGRESS && refused) {
			err = ps_attach_xdp_native(&dp->att[s], fd, ifindex);
			*refused = err && ps_xdp_refused(err);
			if (err && !*refused)
				ps_xdp_attach_error(err, ifindex, ifname, PS_XDP_NATIVE);
		} else if (s == PS_SLOT_XDP_INGRESS) {
			err = ps_attach_xdp(&dp->att[s], fd, ifindex, ifname, dp->opts.xdp_mode);
		} else {
			err = ps_attach_tc(&dp->att[s], fd, ifindex, ifname,
					   s == PS_SLOT_TC_INGRESS);
		}
		if (err)
			goto err_detach;
	}
	return 0;

err_detach:
	for (i = 0; i < PS_SLOT_MAX; i++)
		ps_detach(&dp->att[i]);
	ps_owner_release(&dp->owner);
	return err;
}

int ps_datapath_attach(struct ps_datapath *dp, const char *ifname)
{
	return attach(dp, ifname, NULL);
}

/* For --hook auto: the hook this interface gets before trying anything,
 * and why (see ps_datapath_open()).  PKTSCOPE_AUTO_CLASS=device (or
 * virtual) takes the interface for one, so that the tests reach every
 * branch on veth pairs. */
static int auto_choose(const char *ifname, int ifindex, enum ps_hook *hook, char *why,
		       size_t len)
{
	const char *force = getenv("PKTSCOPE_AUTO_CLASS");
	struct ps_iface_info info;
	struct ps_xdp_holder h;
	bool virt;
	int held, err;

	err = ps_iface_info(ifindex, &info);
	if (err) {
		ps_err("cannot tell what kind of interface %s is (rtnetlink: %s): give --hook "
		       "xdp or tc", ifname, strerror(-err));
		return err;
	}
	held = ps_xdp_holder(ifindex, &h);
	if (held < 0) {
		ps_err("cannot query the XDP hook of %s: %s", ifname, strerror(-held));
		return held;
	}
	if (force && strcmp(force, "device") && strcmp(force, "virtual"))
		force = NULL;
	virt = force ? !strcmp(force, "virtual") : ps_iface_is_virtual(&info);
	ps_dbg("%s: %s, link kind %s, parent device %s%s%s, XDP hook %s%s%s%s%s", ifname,
	       info.loopback ? "loopback" : "not loopback", info.kind[0] ? info.kind : "none",
	       info.parent_bus[0] ? info.parent_bus : "", info.parent_bus[0] ? " " : "",
	       info.parent_dev[0] ? info.parent_dev : "none", held ? "held by " : "free",
	       held ? h.name : "", held ? " (" : "", held ? h.mode : "", held ? ")" : "");
	if (force)
		ps_dbg("PKTSCOPE_AUTO_CLASS=%s: %s taken for a %s", force, ifname, force);

	*hook = PS_HOOK_TC;
	if (virt && force)
		snprintf(why, len, "virtual (PKTSCOPE_AUTO_CLASS): XDP would cost throughput");
	else if (virt && (info.loopback || info.kind[0]))
		snprintf(why, len, "%s is virtual: XDP would cost throughput",
			 info.loopback ? "loopback" : info.kind);
	else if (virt)
		snprintf(why, len, "virtual (no device behind it): XDP would cost throughput");
	else if (held)
		snprintf(why, len, "XDP held by %s (id %u): TC sees what it passes", h.name, h.id);
	if (virt && held) {
		/* TC runs after it: what it drops is not seen. */
		size_t off = strlen(why);

		snprintf(why + off, len - off, "; XDP held by %s (id %u)", h.name, h.id);
	}
	if (virt || held)
		return 0;
	*hook = PS_HOOK_XDP;
	if (info.parent_dev[0])
		snprintf(why, len, "native XDP on %s%s%s", info.parent_bus,
			 info.parent_bus[0] ? " device " : "device ", info.parent_dev);
	else
		snprintf(why, len, "native XDP (PKTSCOPE_AUTO_CLASS)");
	return 0;
}

int ps_datapath_open(struct ps_datapath *dp, const struct ps_datapath_opts *opts,
		     const char *ifname)
{
	struct ps_datapath_opts o = *opts;
	char why[sizeof(dp->hook_why)] = "";
	bool refused = false;
	int ifindex, err;

	datapath_init(dp, opts);
	if (opts->hook != PS_HOOK_AUTO) {
		err = ps_datapath_load(dp, opts, false);
		if (!err)
			err = attach(dp, ifname, NULL);
		goto out;
	}
	ifindex = ps_iface_index(ifname);
	if (ifindex < 0) {
		ps_err("no interface named '%s': list them with `ip link`", ifname);
		err = -ENODEV;
		goto out;
	}
	err = auto_choose(ifname, ifindex, &o.hook, why, sizeof(why));
	if (!err)
		err = ps_datapath_load(dp, &o, false);
	if (!err)
		err = attach(dp, ifname, o.hook == PS_HOOK_XDP ? &refused : NULL);
	if (refused) {
		/* The TC ingress program was not loaded (it rarely is needed):
		 * load again for TC. */
		ps_dbg("native XDP on %s refused (%s): TC instead", ifname, strerror(-err));
		if (err == -EBUSY || err == -EEXIST)
			snprintf(why, sizeof(why), "XDP hook taken by another program: TC sees "
				 "what it passes");
		else /* generic XDP runs on the skb as TC does, may copy it
		      * to make it fit, and would hold the XDP hook */
			snprintf(why, sizeof(why), "native XDP refused (%s); generic XDP would "
				 "gain nothing over TC", strerror(-err));
		ps_datapath_close(dp);
		o.hook = PS_HOOK_TC;
		err = ps_datapath_load(dp, &o, false);
		if (!err)
			err = attach(dp, ifname, NULL);
	}
	dp->hook_auto = true;
	snprintf(dp->hook_why, sizeof(dp->hook_why), "%s", why);
out:
	if (err)
		ps_datapath_close(dp);
	return err;
}

void ps_datapath_detach(struct ps_datapath *dp)
{
	for (int i = 0; i < PS_SLOT_MAX; i++)
		ps_detach(&dp->att[i]);
}

void ps_datapath_close(struct ps_datapath *dp)
{
	for (int i = 0; i < PS_SLOT_MAX; i++)
		ps_detach(&dp->att[i]);
	ps_owner_release(&dp->owner);
	datapath_bpf__destroy(dp->skel);
	dp->skel = NULL;
}

int ps_datapath_read(const struct ps_datapath *dp, enum ps_slot slot, struct ps_counters *out)
{
	return ps_counters_read(bpf_map__fd(dp->skel->maps.ps_counters), slot, out);
}

/* Sums the first 'n' __u64s of a one-entry per-CPU array over the CPUs. */
static int read_percpu_sum(int map_fd, size_t value_size, size_t n, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	__u64 *percpu;
	size_t words = (value_size + 7) / 8;
	__u32 zero = 0;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	percpu = calloc(ncpu, words * 8);
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &zero, percpu)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, n * sizeof(*out));
	for (int cpu = 0; cpu < ncpu; cpu++)
		for (size_t i = 0; i < n; i++)
			out[i] += percpu[cpu * words + i];
out:
	free(percpu);
	return err;
}

int ps_datapath_read_events(const struct ps_datapath *dp, struct ps_ev_counters *out)
{
	memset(out, 0, sizeof(*out));
	return read_percpu_sum(bpf_map__fd(dp->skel->maps.ps_ev_counters), sizeof(*out),
			       PS_EV_MAX, out->c);
}

int ps_datapath_read_flows(const struct ps_datapath *dp, struct ps_flow_counters *out)
{
	return read_percpu_sum(bpf_map__fd(dp->skel->maps.ps_flow_counters), sizeof(*out),
			       PS_FL_MAX, out->c);
}

int ps_datapath_flows_fd(const struct ps_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.ps_flows);
}

void ps_datapath_flow_source(struct ps_datapath *dp, struct ps_flow_source *src)
{
	struct datapath_bpf *sk = dp->skel;

	src->map_fd = bpf_map__fd(sk->maps.ps_flows);
	src->dump_fd = bpf_program__fd(sk->progs.ps_flow_dump_prog);
	src->snap_fd = bpf_map__fd(sk->maps.ps_flow_snap);
	src->max_entries = bpf_map__max_entries(sk->maps.ps_flows);
	src->epoch = &sk->bss->ps_flow_epoch;
	src->since = &sk->bss->ps_flow_dump_since;
	src->count = &sk->bss->ps_flow_dump_count;
	src->full = &sk->bss->ps_flow_dump_full;
}

void ps_datapath_set_clock(struct ps_datapath *dp, __u64 ns)
{
	dp->skel->bss->ps_user_clock_ns = ns;
}

volatile struct ps_replay_meta *ps_datapath_replay_meta(struct ps_datapath *dp)
{
	return &dp->skel->bss->ps_replay;
}

int ps_datapath_ring_fd(const struct ps_datapath *dp)
{
	return bpf_map__fd(dp->skel->maps.ps_events);
}

int ps_datapath_progs_fd(const struct ps_datapath *dp, enum ps_slot slot)
{
	return bpf_map__fd(slot == PS_SLOT_XDP_INGRESS ? dp->skel->maps.ps_xdp_progs :
							  dp->skel->maps.ps_tc_progs);
}
