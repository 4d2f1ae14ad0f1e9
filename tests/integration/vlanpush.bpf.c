// SPDX-License-Identifier: GPL-2.0
/*
 * The 802.1Q tag a VLAN subinterface would give a test's pings, for kernels
 * built without 802.1Q support (no CONFIG_VLAN_8021Q: `ip link add ... type
 * vlan` fails).  At TC egress it tags IPv4 ICMP echo requests with VLAN_ID
 * through bpf_skb_vlan_push(), which leaves the tag in skb metadata, as the
 * 802.1Q driver does over a device with VLAN offload such as veth: the frame
 * crosses the veth with the tag out of band, and taps (tcpdump) show it.
 * Built by tests/integration/test_live_counts.sh (clang -DVLAN_ID=...).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef VLAN_ID
#error "build with -DVLAN_ID=<1..4094>"
#endif

/* linux/icmp.h would pull in glibc's socket headers, not for -target bpf. */
#define ICMP_ECHO 8
#define TC_NEXT (-1) /* TC_ACT_UNSPEC, tcx's TCX_NEXT: the next program runs */

SEC("tc")
int vp_tc(struct __sk_buff *skb)
{
	struct iphdr ip;
	__u8 type;

	/* Tagged already: an 802.1Q device would not add a second tag. */
	if (skb->vlan_present || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_NEXT;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.protocol != IPPROTO_ICMP ||
	    ip.ihl < 5)
		return TC_NEXT;
	if (bpf_skb_load_bytes(skb, ETH_HLEN + ip.ihl * 4, &type, 1) || type != ICMP_ECHO)
		return TC_NEXT;
	bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VLAN_ID);
	return TC_NEXT;
}

char LICENSE[] SEC("license") = "GPL";
