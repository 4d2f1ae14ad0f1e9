/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Network interfaces by name, and the one the default route uses. */
#ifndef PS_IFACE_H
#define PS_IFACE_H

#include <net/if.h>

/* Returns the ifindex of 'name', or -ENODEV. */
int ps_iface_index(const char *name);

/* Writes the name of the default route's interface (IPv4, else IPv6) to
 * 'name' (IF_NAMESIZE bytes).  Returns 0 or -ENOENT when there is none. */
int ps_iface_default(char *name);

/* The Ethernet (MAC) address of 'name'.  Returns 0, -ENODEV, or -EOPNOTSUPP
 * when the interface has no Ethernet address. */
int ps_iface_hwaddr(const char *name, unsigned char addr[6]);

#endif
