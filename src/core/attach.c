// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "log.h"

/* Not in Debian 12's UAPI headers (Linux 6.1); stable kernel ABI since 6.6. */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#define BPF_TCX_EGRESS 47
#endif

void ps_attachment_init(struct ps_attachment *a)
{
	memset(a, 0, sizeof(*a));
	a->link_fd = -1;
}

int ps_xdp_mode_parse(const char *s, enum ps_xdp_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = PS_XDP_AUTO;
	else if (!strcmp(s, "native") || !strcmp(s, "drv"))
		*mode = PS_XDP_NATIVE;
	else if (!strcmp(s, "generic") || !strcmp(s, "skb"))
		*mode = PS_XDP_GENERIC;
	else
		return -EINVAL;
	return 0;
}

static void prog_name_by_id(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(name, len, "?");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len))
		snprintf(name, len, "%s", info.name);
	close(fd);
}

static const char *xdp_mode_name(__u8 attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

int ps_xdp_holder(int ifindex, struct ps_xdp_holder *h)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	memset(h, 0, sizeof(*h));
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	if (!q.prog_id)
		return 0;
	h->id = q.prog_id;
	snprintf(h->mode, sizeof(h->mode), "%s", xdp_mode_name(q.attach_mode));
	prog_name_by_id(q.prog_id, h->name, sizeof(h->name));
	return 1;
}

/* Describes whatever XDP program already holds the interface. */
static void report_xdp_taken(int ifindex, const char *ifname)
{
	struct ps_xdp_holder h;

	if (ps_xdp_holder(ifindex, &h) == 1) {
		ps_err("%s already has XDP program '%s' (id %u, %s mode) attached: detach it "
		       "(ip link set dev %s %s off) if it is unused, or use --hook auto or tc",
		       ifname, h.name, h.id, h.mode, ifname,
		       !strcmp(h.mode, "generic") ? "xdpgeneric" :
		       !strcmp(h.mode, "native") ? "xdpdrv" : "xdp");
		return;
	}
	ps_err("the XDP hook of %s is taken by another program: detach it, or use --hook "
	       "auto or tc", ifname);
}

static int xdp_link(struct ps_attachment *a, int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int fd;

	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return -errno;
	a->link_fd = fd;
	a->ifindex = ifindex;
	a->attached = true;
	snprintf(a->mode, sizeof(a->mode), "%s",
		 flags == XDP_FLAGS_DRV_MODE ? "native" :
		 flags == XDP_FLAGS_SKB_MODE ? "generic" : "auto");
	if (!bpf_xdp_query(ifindex, 0, &q))
		snprintf(a->mode, sizeof(a->mode), "%s", xdp_mode_name(q.attach_mode));
	return 0;
}

int ps_attach_xdp_native(struct ps_attachment *a, int prog_fd, int ifindex)
{
	ps_attachment_init(a);
	return xdp_link(a, prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
}

bool ps_xdp_refused(int err)
{
	return err != -EPERM && err != -EACCES && err != -ENODEV;
}

void ps_xdp_attach_error(int err, int ifindex, const char *ifname, enum ps_xdp_mode mode)
{
	switch (err) {
	case -EBUSY:
	case -EEXIST:
		report_xdp_taken(ifindex, ifname);
		break;
	case -EOPNOTSUPP:
		ps_err("%s does not support %s XDP: use --hook auto or tc, or --xdp-mode %s",
		       ifname, mode == PS_XDP_GENERIC ? "generic" : "native",
		       mode == PS_XDP_GENERIC ? "auto" : "generic");
		break;
	case -EPERM:
	case -EACCES:
		ps_err("not permitted to attach XDP to %s: run pktscope as root "
		       "(CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)", ifname);
		break;
	case -ENODEV:
		ps_err("interface %s went away", ifname);
		break;
	case -ERANGE:
	case -EINVAL:
		ps_err("%s refused the XDP program (%s): its MTU or settings may not "
		       "allow XDP; try --xdp-mode generic or --hook tc", ifname, strerror(-err));
		break;
	default:
		ps_err("cannot attach XDP to %s: %s", ifname, strerror(-err));
	}
}

int ps_attach_xdp(struct ps_attachment *a, int prog_fd, int ifindex, const char *ifname,
		  enum ps_xdp_mode mode)
{
	__u32 flags = mode == PS_XDP_NATIVE ? XDP_FLAGS_DRV_MODE :
		      mode == PS_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : 0;
	int err;

	ps_attachment_init(a);
	err = xdp_link(a, prog_fd, ifindex, flags);
	if (err && mode == PS_XDP_AUTO && err != -EBUSY && err != -EEXIST &&
	    ps_xdp_refused(err)) {
		/* A driver may have native XDP and still refuse it (virtio_net
		 * while the host does GRO, a too large MTU): auto means any
		 * mode that works. */
		ps_dbg("native XDP on %s refused (%s): trying generic", ifname, strerror(-err));
		err = xdp_link(a, prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	}
	if (err)
		ps_xdp_attach_error(err, ifindex, ifname, mode);
	return err;
}

/* True when the legacy filter at pktscope's handle/prio runs one of ours. */
static bool tc_filter_is_ours(__u32 prog_id)
{
	char name[BPF_OBJ_NAME_LEN];

	prog_name_by_id(prog_id, name, sizeof(name));
	return !strncmp(name, "ps_tc_", 6);
}

/*
 * Removes the legacy filter a pktscope that died left at our handle and
 * priority.  The caller holds the interface's ownership claim, so a pktscope
 * filter found there cannot belong to a live pktscope.  Returns 0 when the
 * slot is free (or was freed), -EBUSY when another program's filter sits at
 * our handle and priority, or -errno.
 */
static int remove_dead_legacy(int ifindex, const char *ifname, bool ingress)
{
	const char *dir = ingress ? "ingress" : "egress";
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = PS_TC_HANDLE, .priority = PS_TC_PRIO);
	LIBBPF_OPTS(bpf_tc_opts, del, .handle = PS_TC_HANDLE, .priority = PS_TC_PRIO);
	int err;

	/* No clsact qdisc, or no filter at our handle: nothing to remove. */
	if (bpf_tc_query(&hook, &q))
		return 0;
	if (!tc_filter_is_ours(q.prog_id))
		return -EBUSY;
	err = bpf_tc_detach(&hook, &del);
	if (err) {
		ps_err("cannot remove the TC %s filter a dead pktscope left on %s: %s", dir,
		       ifname, strerror(-err));
		return err;
	}
	ps_err("removed the TC %s filter that a pktscope which did not exit cleanly left on %s",
	       dir, ifname);
	return 0;
}

static int attach_tc_legacy(struct ps_attachment *a, int prog_fd, int ifindex,
			    const char *ifname, bool ingress)
{
	const char *dir = ingress ? "ingress" : "egress";
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = PS_TC_HANDLE, .priority = PS_TC_PRIO,
		    .prog_fd = prog_fd);
	int err;

	/* clsact may exist already (another tool's filters): share it. It is
	 * left in place on exit, as it may not be ours to remove. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		ps_err("cannot create the clsact qdisc on %s: %s", ifname, strerror(-err));
		return err;
	}
	err = remove_dead_legacy(ifindex, ifname, ingress);
	if (err == -EBUSY)
		ps_err("the TC %s filter at handle 0x%x priority 0x%x on %s belongs to another "
		       "program: remove it (tc filter show dev %s %s)", dir, PS_TC_HANDLE,
		       PS_TC_PRIO, ifname, ifname, dir);
	if (err)
		return err;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		ps_err("cannot attach to TC %s of %s: %s", dir, ifname, strerror(-err));
		return err;
	}
	a->tc_legacy = true;
	a->tc_ingress = ingress;
	a->ifindex = ifindex;
	a->attached = true;
	snprintf(a->mode, sizeof(a->mode), "clsact");
	return 0;
}

int ps_attach_tc(struct ps_attachment *a, int prog_fd, int ifindex, const char *ifname,
		 bool ingress)
{
	const char *force = getenv("PKTSCOPE_TC_ATTACH");
	int fd, err;

	ps_attachment_init(a);
	if (force && !strcmp(force, "netlink"))
		return attach_tc_legacy(a, prog_fd, ifindex, ifname, ingress);

	/* libbpf 1.1 has no tcx API, but its bpf_link_create() passes the
	 * attach type through; the kernel has had tcx since 6.6. */
	/* A dead pktscope of a kernel or run without tcx may have left a
	 * legacy filter: it would count every packet a second time. A foreign
	 * filter at our handle does not stand in a tcx link's way. */
	err = remove_dead_legacy(ifindex, ifname, ingress);
	if (err && err != -EBUSY)
		return err;

	fd = bpf_link_create(prog_fd, ifindex, ingress ? BPF_TCX_INGRESS : BPF_TCX_EGRESS, NULL);
	if (fd >= 0) {
		a->link_fd = fd;
		a->ifindex = ifindex;
		a->tc_ingress = ingress;
		a->attached = true;
		snprintf(a->mode, sizeof(a->mode), "tcx");
		return 0;
	}
	err = -errno;
	if (err == -EPERM || err == -EACCES) {
		ps_err("not permitted to attach TC programs to %s: run pktscope as root "
		       "(CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)", ifname);
		return err;
	}
	if (err == -ENODEV) {
		ps_err("interface %s went away", ifname);
		return err;
	}
	ps_dbg("tcx attach failed (%s): falling back to a clsact filter", strerror(-err));
	return attach_tc_legacy(a, prog_fd, ifindex, ifname, ingress);
}

void ps_detach(struct ps_attachment *a)
{
	if (!a->attached)
		return;
	if (a->link_fd >= 0) {
		close(a->link_fd);
	} else if (a->tc_legacy) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = a->tc_ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, del, .handle = PS_TC_HANDLE, .priority = PS_TC_PRIO);

		bpf_tc_detach(&hook, &del);
	}
	ps_attachment_init(a);
}
