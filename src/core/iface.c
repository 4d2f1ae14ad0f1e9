// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include "iface.h"

int ps_iface_hwaddr(const char *name, unsigned char addr[6])
{
	struct ifreq ifr;
	int s, err = 0;

	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return -ENODEV;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		err = errno == ENODEV ? -ENODEV : -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		err = -EOPNOTSUPP;
	else
		memcpy(addr, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
	return err;
}

int ps_iface_index(const char *name)
{
	unsigned int idx;

	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return -ENODEV;
	idx = if_nametoindex(name);
	return idx ? (int)idx : -ENODEV;
}

/* /proc/net/route: "Iface Destination Gateway Flags ..." in hex; the default
 * route has destination and mask 0.  Of several, the lowest metric wins, as
 * in the kernel's own choice. */
static int default_v4(char *name)
{
	char line[256], ifn[IF_NAMESIZE];
	unsigned long dst, gw, mask;
	unsigned int flags, refcnt, use, metric, best = ~0u;
	int found = -ENOENT;
	FILE *f = fopen("/proc/net/route", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %lx %lx %x %u %u %u %lx", ifn, &dst, &gw, &flags,
			   &refcnt, &use, &metric, &mask) != 8)
			continue;
		if (dst || mask || !(flags & 1 /* RTF_UP */) || metric >= best)
			continue;
		best = metric;
		snprintf(name, IF_NAMESIZE, "%s", ifn);
		found = 0;
	}
	fclose(f);
	return found;
}

/* /proc/net/ipv6_route: dst dst_len src src_len nexthop metric ref use flags dev */
static int default_v6(char *name)
{
	char dst[33], src[33], nh[33], ifn[IF_NAMESIZE];
	unsigned int dlen, slen, metric, ref, use, flags, best = ~0u;
	int found = -ENOENT;
	FILE *f = fopen("/proc/net/ipv6_route", "re");

	if (!f)
		return -errno;
	while (fscanf(f, "%32s %x %32s %x %32s %x %x %x %x %15s", dst, &dlen, src, &slen,
		      nh, &metric, &ref, &use, &flags, ifn) == 10) {
		if (dlen || strspn(dst, "0") != 32 || !strcmp(ifn, "lo") ||
		    !(flags & 1 /* RTF_UP */) || metric >= best)
			continue;
		best = metric;
		snprintf(name, IF_NAMESIZE, "%s", ifn);
		found = 0;
	}
	fclose(f);
	return found;
}

int ps_iface_default(char *name)
{
	if (!default_v4(name))
		return 0;
	return default_v6(name);
}

struct link_parse {
	struct ps_iface_info *info;
	int ifindex;
	bool found;
};

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return;
	snprintf(dst, len, "%s", mnl_attr_get_str(a));
}

static int linkinfo_attr(const struct nlattr *a, void *data)
{
	struct ps_iface_info *info = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
		copy_str(info->kind, sizeof(info->kind), a);
	return MNL_CB_OK;
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct ps_iface_info *info = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, linkinfo_attr, info);
		break;
	case IFLA_PARENT_DEV_NAME:
		copy_str(info->parent_dev, sizeof(info->parent_dev), a);
		break;
	case IFLA_PARENT_DEV_BUS_NAME:
		copy_str(info->parent_bus, sizeof(info->parent_bus), a);
		break;
	}
	return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	struct link_parse *p = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || ifm->ifi_index != p->ifindex)
		return MNL_CB_OK;
	p->found = true;
	p->info->loopback = ifm->ifi_flags & IFF_LOOPBACK;
	return mnl_attr_parse(nlh, sizeof(*ifm), link_attr, p->info);
}

int ps_iface_info(int ifindex, struct ps_iface_info *info)
{
	/* A link's message is a few kB (no statistics, no VF list asked);
	 * one that does not fit is an error (ENOSPC), not a cut message. */
	char buf[16384];
	struct link_parse p = { .info = info, .ifindex = ifindex };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	unsigned int portid, seq = 1;
	ssize_t n;
	int err = 0;

	memset(info, 0, sizeof(*info));
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, n, seq, portid, link_msg, &p) < 0)
		err = -errno;
	else if (!p.found)
		err = -ENODEV;
out:
	mnl_socket_close(nl);
	return err;
}

bool ps_iface_is_virtual(const struct ps_iface_info *info)
{
	return info->loopback || info->kind[0] || !info->parent_dev[0];
}
