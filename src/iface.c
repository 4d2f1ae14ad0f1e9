// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
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
