// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "filter.h"
#include "log.h"
#include "sockcap.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif

int ps_sockcap_open(struct ps_sockcap *sc, int ifindex, const char *ifname, const void *cbpf,
		    bool live)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	struct ps_ebpf_insn epi[PS_FILTER_EPILOGUE_MAX];
	int one = 1, rcvbuf = 4 << 20, err;

	sc->ifindex = ifindex;
	sc->filter_fd = -1;
	/* Protocol 0: the socket receives nothing until it is bound, so no
	 * packet slips in before the filter is on it. */
	sc->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sc->fd < 0) {
		err = -errno;
		ps_err("cannot open a packet socket: %s", strerror(-err));
		return err;
	}
	if (cbpf) {
		struct ps_filter_opts fo = {
			.flags = live ? PS_FILTER_F_LINUX : PS_FILTER_F_VLAN_META,
			.name = "ps_sock_filter",
		};
		size_t n = ps_filter_epilogue_return(epi);

		err = ps_filter_load_opts(cbpf, PS_FILTER_SOCKET, epi, n, &fo, &sc->filter_fd);
		if (err)
			goto err_close;
		if (setsockopt(sc->fd, SOL_SOCKET, SO_ATTACH_BPF, &sc->filter_fd,
			       sizeof(sc->filter_fd))) {
			err = -errno;
			ps_err("cannot attach the filter to the packet socket: %s", strerror(-err));
			goto err_close;
		}
	}
	/* A burst while this process waits for the CPU queues here; the
	 * default (net.core.rmem_default, ~208 KiB) holds ~150 full frames,
	 * tcpdump's ring 2 MiB.  Drops past it are counted (ps_sockcap_drops). */
	if (setsockopt(sc->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(sc->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* The tag the kernel took out of the frame comes back as auxdata; the
	 * kernel's receive time as a timestamp. */
	if (setsockopt(sc->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    setsockopt(sc->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    bind(sc->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		ps_err("cannot bind a packet socket to %s: %s", ifname, strerror(-err));
		goto err_close;
	}
	return 0;

err_close:
	ps_sockcap_close(sc);
	return err;
}

int ps_sockcap_recv(struct ps_sockcap *sc, __u8 *buf, __u32 cap, struct ps_sockpkt *p)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
			 CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_ll from;
	/* Room for the tag to go back in front of the EtherType. */
	struct iovec iov = { .iov_base = buf + 4, .iov_len = cap - 4 };
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct tpacket_auxdata *aux = NULL;
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(sc->fd, &msg, MSG_TRUNC);
	if (n < 0)
		return -errno;
	p->wirelen = n;
	p->caplen = (__u32)n < cap - 4 ? (__u32)n : cap - 4;
	p->outgoing = from.sll_pkttype == PACKET_OUTGOING;
	p->ts_ns = 0;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
			aux = (struct tpacket_auxdata *)CMSG_DATA(c);
		else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			p->ts_ns = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		}
	}
	if (aux && (aux->tp_status & TP_STATUS_VLAN_VALID) && p->caplen >= 2 * ETH_ALEN) {
		__u16 tpid = htons((aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
				   aux->tp_vlan_tpid : ETH_P_8021Q);
		__u16 tci = htons(aux->tp_vlan_tci);

		/* As libpcap does: MAC addresses, then the tag, then the rest. */
		memmove(buf, buf + 4, 2 * ETH_ALEN);
		memcpy(buf + 2 * ETH_ALEN, &tpid, 2);
		memcpy(buf + 2 * ETH_ALEN + 2, &tci, 2);
		p->caplen += 4;
		p->wirelen += 4;
	} else {
		memmove(buf, buf + 4, p->caplen);
	}
	return 0;
}

__u64 ps_sockcap_drops(struct ps_sockcap *sc)
{
	struct tpacket_stats st = {};
	socklen_t len = sizeof(st);

	if (getsockopt(sc->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		return 0;
	return st.tp_drops;
}

void ps_sockcap_close(struct ps_sockcap *sc)
{
	if (sc->fd >= 0)
		close(sc->fd);
	if (sc->filter_fd >= 0)
		close(sc->filter_fd);
	sc->fd = sc->filter_fd = -1;
}
