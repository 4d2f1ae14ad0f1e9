// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <pcap/pcap.h>
#include "capread.h"
#include "linkview.h"

/* pcap-linktype(7): the SLL packet type of a packet the host sent. */
#define SLL_OUTGOING 4
#define SLL_LAST_TYPE 4
#define ARPHRD_NETLINK 824 /* netlink monitor: no EtherType in 'protocol' */

bool ps_linktype_supported(__u32 linktype)
{
	switch (linktype) {
	case PS_LINKTYPE_NULL:
	case PS_LINKTYPE_ETHERNET:
	case PS_LINKTYPE_RAW_OLD:
	case PS_LINKTYPE_RAW:
	case PS_LINKTYPE_LOOP:
	case PS_LINKTYPE_LINUX_SLL:
	case PS_LINKTYPE_IPV4:
	case PS_LINKTYPE_IPV6:
	case PS_LINKTYPE_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

int ps_linktype_dlt(__u32 linktype)
{
	/* The one value of the set where the file's number and libpcap's
	 * DLT differ (pcap-linktype(7)). */
	return linktype == PS_LINKTYPE_RAW ? DLT_RAW : (int)linktype;
}

const char *ps_linktype_name(__u32 linktype)
{
	const char *n = pcap_datalink_val_to_name(ps_linktype_dlt(linktype));

	return n ? n : "unknown";
}

static __u16 family_type(__u32 af)
{
	switch (af) {
	case 2: /* AF_INET everywhere */
		return ETH_P_IP;
	case 10: /* AF_INET6: Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		return ETH_P_IPV6;
	default:
		return 0; /* not IP: an 802.3 length, counted as l2.other */
	}
}

static __u8 sll_dir(__u8 pkttype)
{
	if (pkttype > SLL_LAST_TYPE)
		return PS_DIR_UNKNOWN;
	return pkttype == SLL_OUTGOING ? PS_DIR_OUT : PS_DIR_IN;
}

/* SLL 'protocol' as the view's EtherType: an EtherType proper, or (below
 * 0x0600, or for netlink) an 802.3 length of 0, which parses as l2.other. */
static __u16 sll_type(__u16 arphrd, __u16 protocol)
{
	return arphrd == ARPHRD_NETLINK || protocol < ETH_P_802_3_MIN ? 0 : protocol;
}

int ps_linkview(__u32 linktype, const __u8 *d, __u32 caplen, __u32 len, struct ps_linkview *v)
{
	__u16 type = 0, addrlen = 0, be;
	const __u8 *addr = NULL;
	__u32 af;

	memset(v, 0, sizeof(*v));
	switch (linktype) {
	case PS_LINKTYPE_ETHERNET:
		v->view_len = len;
		v->view_cap = caplen;
		return 0;
	case PS_LINKTYPE_NULL:
	case PS_LINKTYPE_LOOP:
		v->hdrlen = 4;
		if (caplen < 4)
			break;
		memcpy(&af, d, 4);
		if (linktype == PS_LINKTYPE_LOOP)
			af = ntohl(af);
		else if (af & 0xffff0000u) /* written on a host of the other order */
			af = __builtin_bswap32(af);
		type = family_type(af);
		break;
	case PS_LINKTYPE_RAW_OLD:
	case PS_LINKTYPE_RAW:
		/* The version decides; anything else is an IPv4 header with a
		 * bad version, as the link type promised IP. */
		type = caplen && d[0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP;
		break;
	case PS_LINKTYPE_IPV4:
		type = ETH_P_IP;
		break;
	case PS_LINKTYPE_IPV6:
		type = ETH_P_IPV6;
		break;
	case PS_LINKTYPE_LINUX_SLL:
		v->hdrlen = 16;
		if (caplen < 16)
			break;
		v->dir = sll_dir(d[1]);
		addrlen = ntohs(*(const __be16 *)(d + 4));
		addr = d + 6;
		type = sll_type(ntohs(*(const __be16 *)(d + 2)), ntohs(*(const __be16 *)(d + 14)));
		break;
	case PS_LINKTYPE_LINUX_SLL2:
		v->hdrlen = 20;
		if (caplen < 20)
			break;
		v->dir = sll_dir(d[10]);
		addrlen = d[11];
		addr = d + 12;
		type = sll_type(ntohs(*(const __be16 *)(d + 8)), ntohs(*(const __be16 *)d));
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (len < v->hdrlen || caplen < v->hdrlen) {
		/* Its own link header cut short: no Ethernet header either. */
		v->view_len = v->view_cap = 0;
		return 0;
	}
	v->synth = true;
	if (addr && addrlen == ETH_ALEN)
		memcpy(v->eth + ETH_ALEN, addr, ETH_ALEN); /* the sender's MAC */
	be = htons(type);
	memcpy(v->eth + 12, &be, 2);
	/* A record that says it was nearly 4 GiB on the wire stays that
	 * long, not a few bytes past the wrap. */
	v->view_len = len - v->hdrlen > UINT32_MAX - ETH_HLEN ? UINT32_MAX :
							       ETH_HLEN + len - v->hdrlen;
	v->view_cap = ETH_HLEN + caplen - v->hdrlen;
	return 0;
}
