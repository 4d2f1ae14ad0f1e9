/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Network interfaces by name, the one the default route uses, and what kind
 * of device each is. */
#ifndef PS_IFACE_H
#define PS_IFACE_H

#include <stdbool.h>
#include <net/if.h>

/* Returns the ifindex of 'name', or -ENODEV. */
int ps_iface_index(const char *name);

/* Writes the name of the default route's interface (IPv4, else IPv6) to
 * 'name' (IF_NAMESIZE bytes).  Returns 0 or -ENOENT when there is none. */
int ps_iface_default(char *name);

/* The Ethernet (MAC) address of 'name'.  Returns 0, -ENODEV, or -EOPNOTSUPP
 * when the interface has no Ethernet address. */
int ps_iface_hwaddr(const char *name, unsigned char addr[6]);

/* What rtnetlink says an interface is: read in the caller's network
 * namespace (sysfs shows the namespace that mounted it, which nsenter
 * does not change). */
struct ps_iface_info {
	bool loopback;      /* IFF_LOOPBACK */
	char kind[24];      /* the link kind ("veth", "bridge", "bond", "tun",
			     * "vxlan", "macvlan", "wireguard", ...): a device
			     * made by software; "" for none */
	char parent_bus[24]; /* the bus of the device behind it ("pci",
			      * "virtio", ...); "" when there is none */
	char parent_dev[48]; /* that device ("0000:03:00.0", "virtio2") */
};

/* Fills 'info' for 'ifindex'.  Returns 0, -ENODEV, or -errno. */
int ps_iface_info(int ifindex, struct ps_iface_info *info);

/* True for an interface no hardware device stands behind: loopback, one
 * with a link kind, or one without a parent device. */
bool ps_iface_is_virtual(const struct ps_iface_info *info);

#endif
