/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attaching one program to one hook of one interface, and detaching exactly
 * what was attached: nothing of another program is ever touched.
 *
 * XDP and TC both attach through BPF links where the kernel has them, so the
 * kernel itself detaches when the last file descriptor closes: a pktscope
 * that dies, even by SIGKILL, leaves nothing behind.  Kernels without tcx
 * (before 6.6) get legacy clsact filters at pktscope's own handle and
 * priority, which the next pktscope on the interface recognises and removes.
 */
#ifndef PS_ATTACH_H
#define PS_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>

enum ps_xdp_mode {
	PS_XDP_AUTO,    /* native where the driver has it, else generic */
	PS_XDP_NATIVE,
	PS_XDP_GENERIC,
};

struct ps_attachment {
	int link_fd;   /* -1 when not attached through a link */
	int ifindex;
	bool tc_legacy;
	bool tc_ingress;
	bool attached;
	char mode[16]; /* "native", "generic", "tcx", "clsact" */
};

/* Legacy clsact filters are pktscope's when they sit at this handle and
 * priority and run a program whose name starts with "ps_tc_". */
#define PS_TC_HANDLE 0x7073 /* "ps" */
#define PS_TC_PRIO 0x7073

void ps_attachment_init(struct ps_attachment *a);

/* Each returns 0 or -errno after printing one line that says what is wrong
 * and what to do. */
int ps_attach_xdp(struct ps_attachment *a, int prog_fd, int ifindex, const char *ifname,
		  enum ps_xdp_mode mode);
int ps_attach_tc(struct ps_attachment *a, int prog_fd, int ifindex, const char *ifname,
		 bool ingress);
void ps_detach(struct ps_attachment *a);

/* Native XDP only, and silent: returns 0 or the kernel's -errno, for a
 * caller that has somewhere else to go when the driver refuses. */
int ps_attach_xdp_native(struct ps_attachment *a, int prog_fd, int ifindex);
/* Whether an XDP attach error means this interface will not take the
 * program (held, unsupported, refused settings), rather than that nothing
 * can be attached at all (no privilege, no interface). */
bool ps_xdp_refused(int err);
/* The one line for an XDP attach error 'err' in 'mode'. */
void ps_xdp_attach_error(int err, int ifindex, const char *ifname, enum ps_xdp_mode mode);

/* The XDP program another tool has attached to an interface. */
struct ps_xdp_holder {
	__u32 id;
	char name[16];   /* BPF_OBJ_NAME_LEN */
	char mode[16];   /* "native", "generic", "offload", "multi" */
};

/* Returns 1 and fills 'h' when a program holds the XDP hook of 'ifindex',
 * 0 when it is free, or -errno. */
int ps_xdp_holder(int ifindex, struct ps_xdp_holder *h);

/* "auto", "native", "generic" -> mode; -EINVAL otherwise. */
int ps_xdp_mode_parse(const char *s, enum ps_xdp_mode *mode);

#endif
