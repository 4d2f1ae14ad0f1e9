/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A flow record as it leaves pktscope's flow table: one conversation, both
 * directions merged, with the counts since the previous record of the same
 * conversation (delta semantics, as IPFIX's octetDeltaCount).  Every output
 * (the live view, JSON, IPFIX) is written from this one type.
 */
#ifndef PS_FLOWREC_H
#define PS_FLOWREC_H

#include <linux/types.h>

/* Why a record was written.  The values are IPFIX's flowEndReason (IE 136:
 * RFC 5102 5.11.3, kept in IANA's IPFIX registry since RFC 7012), so the
 * exporter sends them as they are. */
enum ps_flow_end {
	PS_FLOW_END_NONE = 0,   /* not ended: a snapshot of a live flow (view) */
	PS_FLOW_END_IDLE = 1,   /* idle timeout */
	PS_FLOW_END_ACTIVE = 2, /* active timeout: the flow goes on */
	PS_FLOW_END_TCP = 3,    /* end of flow detected: TCP FIN both ways, or RST */
	PS_FLOW_END_FORCED = 4, /* pktscope stopped, or the end of the -r file */
};

/* One direction of a conversation. */
struct ps_flow_side {
	__u64 packets;
	__u64 bytes;      /* wire length of each frame, Ethernet header included */
	__u64 first_ns;   /* CLOCK_REALTIME ns of the first and last packet */
	__u64 last_ns;    /* in this record; 0 when packets == 0 */
	__u8 tcp_flags;   /* PS_TCP_* OR-ed over this direction's packets */
	__u8 icmp_type;   /* ICMP/ICMPv6: type and code of this direction's */
	__u8 icmp_code;   /* packets (an echo reply's for the reply side) */
};

struct ps_flow_rec {
	__u32 ifindex;
	__u8 ip_ver;        /* 4 or 6 */
	__u8 proto;         /* IP protocol number */
	/* 'a' started the conversation: it sent the SYN, or the first packet
	 * pktscope saw.  IPv4 addresses in the first 4 bytes. */
	__u8 a_addr[16];
	__u8 b_addr[16];
	__u16 a_port;       /* host order; 0 for protocols without ports */
	__u16 b_port;
	struct ps_flow_side ab; /* a -> b */
	struct ps_flow_side ba; /* b -> a */
	__u64 rtt_ns;       /* TCP handshake RTT seen here (SYN to the ACK of
			     * the SYN-ACK, as tshark's iRTT); 0 unknown */
	enum ps_flow_end end;
	__u32 seq;          /* 1 for a conversation's first record, then 2... */
};

#endif /* PS_FLOWREC_H */
