/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --hook socket: packets from an AF_PACKET socket, filtered in the kernel by
 * the translated expression attached with SO_ATTACH_BPF.  For interfaces or
 * hosts where XDP and TC cannot be used, and as the seed of per-application
 * filtering.  Nothing is attached to the interface's hooks.
 */
#ifndef PS_SOCKCAP_H
#define PS_SOCKCAP_H

#include <stdbool.h>
#include <linux/types.h>

struct ps_sockcap {
	int fd;
	int ifindex;
	int filter_fd; /* the socket filter program, -1 for none */
};

struct ps_sockpkt {
	__u32 caplen;   /* bytes in the buffer (the VLAN tag put back) */
	__u32 wirelen;  /* length on the wire */
	bool outgoing;  /* sent by this host */
	__u64 ts_ns;    /* CLOCK_REALTIME, from the kernel's receive stamp */
};

/* Opens a socket on 'ifindex' that sees both directions, with 'cbpf'
 * (libpcap's compiled program, or NULL for every packet) as its filter:
 * 'live' code (ps_filter_compile_live(), what tcpdump runs on the
 * interface) with the kernel's semantics, else a file's code, which sees
 * a VLAN tag the kernel took out of the frame put back.
 * Returns 0 or -errno after one line. */
int ps_sockcap_open(struct ps_sockcap *sc, int ifindex, const char *ifname, const void *cbpf,
		    bool live);
/* Reads one packet into buf (cap bytes); -EAGAIN when none is waiting. */
int ps_sockcap_recv(struct ps_sockcap *sc, __u8 *buf, __u32 cap, struct ps_sockpkt *p);
/* Packets the kernel dropped for this socket since the last call
 * (PACKET_STATISTICS resets as it is read). */
__u64 ps_sockcap_drops(struct ps_sockcap *sc);
void ps_sockcap_close(struct ps_sockcap *sc);

#endif
