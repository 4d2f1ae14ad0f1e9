/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Ethernet view of a record of another link type, so that one datapath
 * parses every file: the record's link-layer header (Linux cooked SLL and
 * SLL2, BSD NULL and LOOP; none for raw IP) gives way to an Ethernet header
 * with the same EtherType.  What the view is used for is classification and
 * counting; filters, the written file and the printed bytes use the record
 * as the file holds it.
 */
#ifndef PS_LINKVIEW_H
#define PS_LINKVIEW_H

#include <stdbool.h>
#include <linux/types.h>

struct ps_linkview {
	bool synth;     /* the view is not the record (any link type but
			 * Ethernet): 'eth', then the record after hdrlen */
	__u32 hdrlen;   /* bytes of the record's link header the view drops
			 * (none for raw IP) */
	__u8 eth[14];   /* the Ethernet header put in their place */
	__u32 view_len; /* the view's length on the wire: the parse limit */
	__u32 view_cap; /* its bytes the record holds */
	__u8 dir;       /* enum ps_dir the link header gives (SLL's packet
			 * type), PS_DIR_UNKNOWN when it gives none */
};

/* Whether pktscope reads records of this LINKTYPE_* value. */
bool ps_linktype_supported(__u32 linktype);
/* libpcap's name of it ("EN10MB", "LINUX_SLL"...), or "unknown". */
const char *ps_linktype_name(__u32 linktype);
/* The DLT_* value libpcap compiles expressions for, for this LINKTYPE_*. */
int ps_linktype_dlt(__u32 linktype);
/*
 * Describes the view of a record of 'caplen' bytes held, 'len' on the
 * wire.  A record too short for its own link header is viewed as an
 * Ethernet header cut short (malformed.eth_short).  Returns 0, or
 * -EPROTONOSUPPORT for a link type pktscope does not read.
 */
int ps_linkview(__u32 linktype, const __u8 *data, __u32 caplen, __u32 len,
		struct ps_linkview *v);

#endif
