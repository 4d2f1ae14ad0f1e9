/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel/user boundary of pktscope: every type and constant that both the
 * BPF programs and user space read is declared here and only here.
 *
 * Included from BPF C (clang -target bpf) and from user space, so it uses
 * only <linux/types.h> fixed-width types.
 */
#ifndef PKTSCOPE_ABI_H
#define PKTSCOPE_ABI_H

#include <linux/types.h>

/*
 * Counters.  X(ID, group, name, help)
 *
 * Counting rules (docs/COUNTERS.md explains them at length):
 *  - every packet increments TOTAL and exactly one "outcome": OK, one
 *    malformed reason, or one unparsed reason;
 *  - a layer is classified by the field of the last *valid* header that names
 *    it: the L2 class by the innermost EtherType once Ethernet and all VLAN
 *    tags are present, the L4 class by the IP protocol once the IP header is
 *    valid; flag, fragment, TTL and option counters only for valid headers;
 *  - so ipv4+ipv6+arp+other = total - eth_short - vlan_short - vlan_too_deep
 *    - the unparsed (nonlinear, snaplen) whose L2 headers were not there.
 */
#define PS_COUNTERS(X)                                                             \
	X(TOTAL, "all", "packets", "every packet seen")                             \
	X(OK, "outcome", "ok", "parsed to the last known layer without error")       \
	X(L2_IPV4, "l2", "ipv4", "EtherType IPv4 (0x0800)")                         \
	X(L2_IPV6, "l2", "ipv6", "EtherType IPv6 (0x86dd)")                         \
	X(L2_ARP, "l2", "arp", "EtherType ARP (0x0806)")                            \
	X(L2_OTHER, "l2", "other", "any other EtherType or an 802.3 length field")  \
	X(VLAN_8021Q, "l2", "vlan_8021q", "carries an 802.1Q tag (0x8100)")          \
	X(VLAN_8021AD, "l2", "vlan_8021ad", "carries an 802.1ad tag (0x88a8, 0x9100)") \
	X(L4_TCP, "l4", "tcp", "IP protocol 6")                                      \
	X(L4_UDP, "l4", "udp", "IP protocol 17")                                     \
	X(L4_ICMP, "l4", "icmp", "IPv4 with protocol 1")                             \
	X(L4_ICMPV6, "l4", "icmpv6", "IPv6 with next header 58")                     \
	X(L4_OTHER, "l4", "other", "any other IP protocol")                          \
	X(L4_FRAGMENT, "l4", "fragment", "non-first fragment: no L4 header")         \
	X(FRAG4_FIRST, "frag", "ipv4_first", "IPv4 fragment with offset 0")          \
	X(FRAG4_LATER, "frag", "ipv4_nonfirst", "IPv4 fragment with offset > 0")     \
	X(FRAG6_FIRST, "frag", "ipv6_first", "IPv6 fragment with offset 0, M set")   \
	X(FRAG6_LATER, "frag", "ipv6_nonfirst", "IPv6 fragment with offset > 0")     \
	X(TCP_SYN, "tcp_flags", "syn", "SYN without ACK")                           \
	X(TCP_SYNACK, "tcp_flags", "synack", "SYN with ACK")                         \
	X(TCP_FIN, "tcp_flags", "fin", "FIN set")                                    \
	X(TCP_RST, "tcp_flags", "rst", "RST set")                                    \
	X(TCP_NULL, "tcp_flags", "null", "no flag at all (null scan)")              \
	X(TCP_SYNFIN, "tcp_flags", "synfin", "SYN and FIN together")                 \
	X(TCP_XMAS, "tcp_flags", "xmas", "FIN, PSH and URG together (xmas scan)")   \
	X(TTL_LOW, "ip", "ttl_low", "TTL or hop limit below --ttl-threshold")        \
	X(IPV4_OPTIONS, "ip", "ipv4_options", "IPv4 header longer than 20 bytes")    \
	X(IPV6_EXT, "ip", "ipv6_ext_headers", "IPv6 with extension headers")         \
	X(BAD_ETH_SHORT, "malformed", "eth_short", "Ethernet header cut short")     \
	X(BAD_VLAN_SHORT, "malformed", "vlan_short", "VLAN tag cut short")          \
	X(BAD_VLAN_DEEP, "malformed", "vlan_too_deep", "more than two VLAN tags")   \
	X(BAD_ARP_SHORT, "malformed", "arp_short", "ARP header or addresses cut short") \
	X(BAD_IPV4_SHORT, "malformed", "ipv4_short", "IPv4 header cut short")       \
	X(BAD_IPV4_VERSION, "malformed", "ipv4_bad_version", "EtherType IPv4, version not 4") \
	X(BAD_IPV4_IHL, "malformed", "ipv4_bad_ihl", "IHL below 5")                 \
	X(BAD_IPV4_OPTS, "malformed", "ipv4_options_short", "IHL beyond the packet: options cut short") \
	X(BAD_IPV4_TOTLEN, "malformed", "ipv4_bad_total_length",                    \
	  "total length below the header or beyond the packet")                      \
	X(BAD_IPV6_SHORT, "malformed", "ipv6_short", "IPv6 header cut short")       \
	X(BAD_IPV6_VERSION, "malformed", "ipv6_bad_version", "EtherType IPv6, version not 6") \
	X(BAD_IPV6_PLEN, "malformed", "ipv6_bad_payload_length", "payload length beyond the packet") \
	X(BAD_IPV6_EXT_SHORT, "malformed", "ipv6_ext_short", "extension header cut short") \
	X(BAD_IPV6_EXT_MANY, "malformed", "ipv6_ext_too_many",                      \
	  "extension-header chain longer than the parser walks")                     \
	X(BAD_TCP_SHORT, "malformed", "tcp_short", "TCP header cut short")          \
	X(BAD_TCP_DOFF, "malformed", "tcp_bad_doff", "TCP data offset below 5")     \
	X(BAD_TCP_DOFF_BEYOND, "malformed", "tcp_doff_beyond", "TCP data offset beyond the packet") \
	X(BAD_UDP_SHORT, "malformed", "udp_short", "UDP header cut short")          \
	X(BAD_UDP_LEN, "malformed", "udp_bad_length", "UDP length below 8 or beyond the packet") \
	X(BAD_ICMP_SHORT, "malformed", "icmp_short", "ICMP header cut short")       \
	X(BAD_ICMPV6_SHORT, "malformed", "icmpv6_short", "ICMPv6 header cut short") \
	X(NONLINEAR, "unparsed", "nonlinear",                                        \
	  "headers lie beyond the data the hook can read (counted, not parsed)")      \
	X(SNAPLEN, "unparsed", "snaplen",                                            \
	  "-r: headers lie beyond the bytes the capture kept (its snap length)")

enum ps_counter {
#define PS_X_ENUM(id, group, name, help) PS_CTR_##id,
	PS_COUNTERS(PS_X_ENUM)
#undef PS_X_ENUM
	PS_CTR_MAX,
};

/* Malformed and unparsed reasons are a contiguous range, so outcome checks
 * are a range test. */
#define PS_CTR_FIRST_BAD PS_CTR_BAD_ETH_SHORT
#define PS_CTR_LAST_BAD PS_CTR_SNAPLEN

/* Where a packet was seen: the index into the counters map. */
enum ps_slot {
	PS_SLOT_XDP_INGRESS = 0,
	PS_SLOT_TC_INGRESS = 1,
	PS_SLOT_TC_EGRESS = 2,
	/* --hook socket: packets an AF_PACKET socket received, run through
	 * the datapath by user space, by the direction the socket saw. */
	PS_SLOT_SOCK_INGRESS = 3,
	PS_SLOT_SOCK_EGRESS = 4,
	PS_SLOT_MAX,
};

struct ps_counter_val {
	__u64 packets;
	__u64 bytes; /* wire length: the whole frame, as tcpdump's "length" */
};

/* Value of the per-CPU counters map: one lookup per packet gets them all. */
struct ps_counters {
	struct ps_counter_val c[PS_CTR_MAX];
};

/* Load-time configuration, in .rodata: the verifier prunes what is off. */
struct ps_config {
	__u8 ttl_threshold; /* TTL/hop limit below this counts as TTL_LOW */
	__u8 events;        /* emit events (watch, capture) */
	__u8 filter;        /* run the filter program before emitting */
	__u8 flows;         /* account kept packets in the flow table */
	__u32 sample;       /* keep 1 event in 'sample'; 0 or 1 keep all */
	__u32 snaplen;      /* frame bytes per event; 0: none (watch) */
	__u32 wake_bytes;   /* wake the reader once this much waits in the
			     * ring; 0: whenever it had caught up */
	__u8 user_clock;    /* flow times from ps_user_clock_ns (user space
			     * sets it per packet: -r's file time, a packet
			     * socket's timestamp), not bpf_ktime_get_ns() */
	__u8 replay;        /* -r: each run's lengths, slot and verdict come
			     * from ps_replay (struct ps_replay_meta) */
	__u8 pad[6];
	__u64 tai_utc_ns;   /* CLOCK_TAI - CLOCK_REALTIME (the leap seconds),
			     * measured at load: bpf_ktime_get_tai_ns() less
			     * this is the wall-clock time of the event */
};

/*
 * -r FILE (ps_cfg.replay): what user space knows of the record it runs
 * through the program with BPF_PROG_TEST_RUN and the test run cannot carry.
 * User space writes it into the program's .bss (memory-mapped: no system
 * call) before each run.
 *
 * The program is given an Ethernet view of the record (the record itself
 * in an Ethernet file; src/capture/linkview.c builds it for the other link types),
 * and at most what a test run takes: the first bytes of a longer frame (a
 * page at TC, ~17 pages at XDP), zero padding after a frame shorter than
 * the test run accepts.  view_len bounds the parse, so padding is never
 * read as packet and a header beyond the bytes given is unreadable
 * (unparsed.nonlinear), as a header beyond a live skb's linear data is.
 */
struct ps_replay_meta {
	__u32 view_len;  /* the Ethernet view's length on the wire: the
			  * parse limit */
	__u32 view_cap;  /* of which the file holds this many bytes (fewer
			  * when the snap length cut the record): a header
			  * beyond them is unparsed.snaplen */
	__u32 wire_len;  /* the record's original length: what is counted */
	__u8 slot;       /* enum ps_slot the record is counted and reported
			  * in (its direction); PS_SLOT_MAX: a probe of the
			  * test run's limits, which counts nothing */
	__u8 verdict;    /* enum ps_replay_verdict */
	__u8 pad[2];
};

/* Who decides whether a replayed record matches the expression. */
enum ps_replay_verdict {
	PS_VERDICT_KERNEL = 0, /* the translated filter program */
	/* libpcap's interpreter in user space, on the record as the file
	 * holds it: for link types other than Ethernet (the expression is
	 * compiled for the record's own), and for records the program sees
	 * only in part (cut by the snap length or the test run's limits) */
	PS_VERDICT_DROP = 1,
	PS_VERDICT_KEEP = 2,
};

/* Largest snap length, tcpdump's (libpcap's MAXIMUM_SNAPLEN): the per-CPU
 * scratch buffer an event is built in.  A GSO packet at TC, or a BIG TCP
 * one, is longer than 65535 bytes. */
#define PS_SNAPLEN_MAX 262144

/*
 * The event stage: packets the filter keeps (all when there is none), 1 in
 * --sample N of them, go to user space through one ring buffer.  Every place
 * an event can be lost has its counter.
 */
enum ps_ev_counter {
	PS_EV_MATCHED,     /* kept by the filter expression */
	PS_EV_SAMPLED_OUT, /* kept, then left out by --sample */
	PS_EV_SENT,        /* written to the ring buffer */
	PS_EV_LOST_FULL,   /* the ring buffer was full: lost in the kernel */
	PS_EV_FILTER_MISSING, /* a filter was configured but not installed */
	PS_EV_MAX,
};

struct ps_ev_counters {
	__u64 c[PS_EV_MAX];
	__u64 sample_seq; /* per-CPU position in the 1-in-N sampling */
};

/* ps_event.flags */
#define PS_EVF_VLAN_Q 0x01
#define PS_EVF_VLAN_AD 0x02
#define PS_EVF_IP_OPTS 0x04  /* IPv4 options / IPv6 extension headers */
#define PS_EVF_TTL_LOW 0x08
#define PS_EVF_FRAG_FIRST 0x10
#define PS_EVF_FRAG_LATER 0x20
#define PS_EVF_TRUNC 0x40    /* rec.caplen < rec.len (snap length) */

/*
 * A pcap record header, nanosecond resolution (magic 0xa1b23c4d), in host
 * byte order as a pcap file written on this host has it.  The kernel writes
 * it into every event, right before the frame bytes, so that a capture
 * writes header and frame straight from the ring buffer with one iovec.
 */
struct ps_pcap_rec {
	__u32 ts_sec;    /* wall-clock time (CLOCK_REALTIME), seconds */
	__u32 ts_nsec;   /* and nanoseconds */
	__u32 caplen;    /* frame bytes that follow */
	__u32 len;       /* frame length on the wire */
};

/*
 * One packet event.  The fields before 'rec' are what `watch` prints from;
 * `capture` adds rec.caplen bytes of the frame after it (the frame as on
 * the wire: a VLAN tag the kernel moved into metadata is put back).  'rec'
 * is last, so that it and the frame are one run of bytes; the ring buffer
 * starts each record 8-byte aligned, so rec and the frame are too.  User
 * space copies whatever it reads of a record out of the ring first.
 */
struct ps_event {
	__u32 ifindex;
	__u8 slot;       /* enum ps_slot: hook and direction */
	__u8 result;     /* PS_CTR_OK or the malformed/unparsed reason */
	__u8 l2_ctr;     /* enum ps_counter of the L2 class, 0 if none */
	__u8 l4_ctr;     /* enum ps_counter of the L4 class, 0 if none */
	__u8 ip_ver;     /* 4, 6, or 0 */
	__u8 l4_proto;
	__u8 tcp_flags;  /* PS_TCP_*, when the TCP header is valid */
	__u8 ttl;
	__u8 flags;      /* PS_EVF_* */
	__u8 vlan_tags;  /* VLAN tags on the wire (one the kernel moved into
			  * metadata included): the link header is
			  * 14 + 4 * vlan_tags bytes */
	__be16 eth_proto; /* innermost EtherType */
	__be16 sport;    /* TCP/UDP ports; ICMP type and code; ARP opcode */
	__be16 dport;
	__u16 l4_payload; /* bytes after the L4 header within the IP length */
	__u8 saddr[16];  /* IPv4 in the first 4 bytes; ARP: sender IPv4, then
			  * sender MAC in bytes 4-9 */
	__u8 daddr[16];  /* ARP: target IPv4, then target MAC in bytes 4-9 */
	__u8 pad2[2];
	struct ps_pcap_rec rec; /* time, caplen, wire length */
};

/* The frame follows 'rec' with no gap, at an 8-byte boundary. */
_Static_assert(sizeof(struct ps_event) ==
		       __builtin_offsetof(struct ps_event, rec) + sizeof(struct ps_pcap_rec),
	       "ps_event.rec must be the last bytes of the event");
_Static_assert(sizeof(struct ps_event) % 8 == 0, "the frame must start 8-byte aligned");

/*
 * The flow stage: one hash map of conversations shared by all CPUs (counts
 * are atomic adds, as in cilium's conntrack table).  Both directions of a
 * conversation share one entry: the key holds its two endpoints in a fixed
 * order (the lower address first, ports breaking a tie), and the value one
 * part per direction.  User space reads the table through a snapshot the
 * kernel writes into a memory-mapped array (struct ps_flow_snaprec), and
 * removes ended flows one by one with their final counts (src/flow/flowtab.c).
 *
 * Why not a per-CPU map: its value is copied once per possible CPU on every
 * read (a 64-CPU host would hold 8 KB per flow), and reading 100,000 flows
 * through bpf_map_lookup_batch() cost ~0.6 us each per sweep against
 * ~0.25 us for the snapshot (docs/BENCHMARKS.md).
 */
struct ps_flow_key {
	__u32 ifindex;
	__u8 ip_ver;     /* 4 or 6 */
	__u8 proto;      /* IP protocol (next header after IPv6 extensions) */
	__u8 pad[2];
	__u8 addr[2][16]; /* IPv4 in the first 4 bytes, the rest zero */
	/* Endpoint 0 and 1, network order.  TCP/UDP: the ports, 0 when the
	 * packet has none (a non-first fragment, a cut-short L4 header).
	 * ICMP/ICMPv6: port[0] the request's type (an echo reply is keyed as
	 * its request, so both are one conversation), port[1] the code; the
	 * endpoints are then ordered by address alone. */
	__be16 port[2];
	__u8 pad2[4];
} __attribute__((aligned(8))); /* the addresses are compared as __u64s */

/* What one direction of a conversation adds up to, on one CPU. */
struct ps_flow_dir {
	__u64 packets;
	__u64 bytes;     /* wire length, as the counters */
	__u64 first_ns;  /* flow clock (bpf_ktime_get_ns() or user clock) */
	__u64 last_ns;
	__u64 syn_ns;    /* first packet with SYN: the handshake RTT */
	__u64 ack_ns;    /* first packet with ACK and without SYN */
	/* Since ps_flow_epoch last changed (user space moves it on after
	 * each read of the table): so a record that continues a flow knows
	 * its own first packet and flags, while counts stay cumulative. */
	__u64 rec_first_ns;
	/* The kernel ORs flags into these bytes with 64-bit atomics (the
	 * only width clang's default BPF target has): PS_FLOW_FW_SHIFT()
	 * places a byte in flag_word, and no OR touches the epoch. */
	union {
		struct {
			__u8 tcp_flags; /* PS_TCP_* OR-ed */
			__u8 icmp_type; /* of this direction's first packet */
			__u8 icmp_code;
			__u8 rec_flags; /* PS_TCP_* OR-ed since the epoch */
			__u32 epoch;    /* ps_flow_epoch when rec_* restarted */
		};
		__u64 flag_word;
	};
};

/* The shift of byte 'i' of flag_word (0 tcp_flags ... 3 rec_flags). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PS_FLOW_FW_SHIFT(i) (8 * (i))
#else
#define PS_FLOW_FW_SHIFT(i) (8 * (7 - (i)))
#endif
#define PS_FLOW_FW_TCP 0
#define PS_FLOW_FW_ICMP_TYPE 1
#define PS_FLOW_FW_ICMP_CODE 2
#define PS_FLOW_FW_REC 3

/* dir 0: from endpoint 0 to endpoint 1 */
struct ps_flow_val {
	struct ps_flow_dir d[2];
};

/* One entry of the snapshot ps_flow_dump writes for user space. */
struct ps_flow_snaprec {
	struct ps_flow_key key;
	struct ps_flow_val val;
};

/* Every packet the flow stage sees (the expression kept it) ends in exactly
 * one of: a flow entry, the overflow (the table was full), or not_ip. */
enum ps_flow_counter {
	PS_FL_PACKETS,          /* accounted in a flow entry */
	PS_FL_BYTES,
	PS_FL_CREATED,          /* flow entries created */
	PS_FL_OVERFLOW_PACKETS, /* no entry could be created: table full */
	PS_FL_OVERFLOW_BYTES,
	PS_FL_NOT_IP_PACKETS,   /* no valid IP header: not part of a flow */
	PS_FL_NOT_IP_BYTES,
	PS_FL_MAX,
};

struct ps_flow_counters {
	__u64 c[PS_FL_MAX];
};

/* Tail-call slots of the datapath's program arrays (one array per program
 * type: XDP and TC programs cannot share one). */
enum ps_prog_slot {
	PS_PROG_FILTER = 0, /* the translated pcap-filter expression */
	PS_PROG_EMIT = 1,   /* emits the event of a packet the filter kept */
	/* TC egress: the expression as a packet socket runs it on what the
	 * host sends (live, `outbound` is PACKET_OUTGOING there) */
	PS_PROG_FILTER_EGRESS = 2,
	PS_PROG_MAX,
};

/* TCP flag bits as in byte 13 of the TCP header. */
#define PS_TCP_FIN 0x01
#define PS_TCP_SYN 0x02
#define PS_TCP_RST 0x04
#define PS_TCP_PSH 0x08
#define PS_TCP_ACK 0x10
#define PS_TCP_URG 0x20
#define PS_TCP_ECE 0x40
#define PS_TCP_CWR 0x80

#define PS_VLAN_MAX_DEPTH 2
#define PS_IPV6_MAX_EXT 8 /* extension headers walked before giving up */

#endif /* PKTSCOPE_ABI_H */
