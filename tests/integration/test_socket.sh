#!/usr/bin/env bash
# --hook socket: the expression runs as a socket filter on an AF_PACKET
# socket, nothing is attached to the interface, and what watch and capture
# produce is what tcpdump, the real peer, captures with the same expression.
source "$(dirname "$0")/lib.sh"
require_root
require_pktscope
require_tools jq tcpdump tshark tcpreplay

MKPCAP=${BUILD_DIR}/tools/mkpcap
setup_pair
in_ns "$NS_B" ethtool -K "$IF_B" gro off >/dev/null 2>&1 || true

# The frames of a file, one hex string per frame, in order (tcpdump -xx).
frame_hex() {
	tcpdump -r "$1" -n -xx 2>/dev/null | awk '
		/^\t0x/ { sub(/^\t0x[0-9a-f]+: +/, ""); gsub(/ /, ""); h = h $0; next }
		{ if (h != "") print h; h = "" }
		END { if (h != "") print h }'
}

"$MKPCAP" --mix 2000 --seed 11 --eth-src "$MAC_A" "$TMPD/mix-all.pcap" >/dev/null ||
	bail "mkpcap --mix"
# veth carries frames up to its MTU only.  VLAN-tagged frames are left out
# here: live, the kernel strips their outer tag before any packet socket, and
# tcpdump compiles for a live interface with VLAN metadata loads, so a plain
# `udp` keeps tagged UDP live but not over a file.  pktscope applies the
# file semantics everywhere for now (see the skip below).
tcpdump -r "$TMPD/mix-all.pcap" -w "$TMPD/mix.pcap" 'len <= 1514 and not vlan' 2>/dev/null

i=0
for expr in "udp" "udp and portrange 40000-40500" "tcp[tcpflags] & tcp-syn != 0" "icmp or arp"; do
	i=$((i + 1))
	label="socket '$expr'"
	# Names of their own: a reused name's old "watching" line would pass
	# for the new process's.
	ref=ref$i cap=cap$i
	tcpdump_start $ref "$NS_B" "$IF_B" "$expr" || bail "tcpdump did not start"
	ps_start_cmd $cap "$NS_B" capture -i "$IF_B" --hook socket --pcapng \
		-w "$TMPD/$cap.pcapng" --json "$expr" || bail "pktscope --hook socket did not start"
	check_attached "$label: nothing attached to $IF_B while it runs" "$NS_B" "$IF_B" ""
	in_ns "$NS_A" tcpreplay -q -i "$IF_A" "$TMPD/mix.pcap" >/dev/null 2>&1
	in_ns "$NS_A" ping -q -c 3 -i 0.05 "$IP_B" >/dev/null
	sleep 0.5 # lets the last frames reach both sockets; no timing is asserted
	ps_stop $cap
	bg_stop $ref INT
	want=$(frame_hex "$TMPD/$ref.pcap" | sort | md5sum)
	got=$(frame_hex "$TMPD/$cap.pcapng" | sort | md5sum)
	n_ref=$(frame_hex "$TMPD/$ref.pcap" | grep -c '')
	check_eq "$label: the frames tcpdump kept with the same expression ($n_ref)" \
		"$want" "$got"
	check "$label: tcpdump kept something (the check above is not vacuous)" \
		test "$n_ref" -gt 0
	sum=$(jq -c 'select(.type == "summary")' "$TMPD/$cap.out")
	check_eq "$label: written = received = matched, none lost" "$n_ref $n_ref $n_ref 0 0" \
		"$(jq -r '"\(.written) \(.received) \(.kernel.matched) \(.kernel.lost_ringbuf_full) \(.socket_drops)"' <<<"$sum")"
	check_eq "$label: every packet's hook is socket" "socket" \
		"$(tshark -r "$TMPD/$cap.pcapng" -T fields -e frame.comment 2>/dev/null | sort -u | sed 's/^hook //')"
	# Frames from A's MAC are inbound, frames from B's outbound.
	bad=$(tshark -r "$TMPD/$cap.pcapng" -T fields -e eth.src -e frame.packet_flags_direction 2>/dev/null |
		awk -v a="$MAC_A" -v b="$MAC_B" '($1 == a && $2 != "0x00000001") || ($1 == b && $2 != "0x00000002")' | grep -c '')
	check_eq "$label: direction flags right for both directions" 0 "$bad"
done

skip "live VLAN semantics: a plain expression keeps kernel-stripped tagged frames in live tcpdump" \
	"not yet: pktscope compiles as for a file (tags in the frame); live compilation with VLAN metadata loads is the next step of issue 3"

# watch --hook socket prints the packets of the filter, from the same datapath.
ps_start_cmd w "$NS_B" watch -i "$IF_B" --hook socket --json -n icmp || bail "watch --hook socket"
in_ns "$NS_A" ping -q -c 4 -i 0.05 "$IP_B" >/dev/null
sleep 0.3
ps_stop w
check_eq "watch --hook socket icmp: 4 requests in, 4 replies out" "4 ingress
4 egress" "$(jq -r 'select(.type == "packet") | .direction' "$TMPD/w.out" | sort | uniq -c |
	sed 's/^ *//' | sort -k2 -r)"
check_eq "watch --hook socket: hook socket in every line" "socket" \
	"$(jq -r 'select(.type == "packet") | .hook' "$TMPD/w.out" | sort -u)"

# Usage errors.
ps_run sockfile "$NS_B" watch -r "$TMPD/mix.pcap" --hook socket
check_usage_error "--hook socket with -r: one line, exit 2" sockfile
ps_run badexpr "$NS_B" capture -i "$IF_B" --hook socket -w "$TMPD/x.pcap" 'tcp port'
check_usage_error "--hook socket with a bad expression: one line, exit 2" badexpr
ps_run statsock "$NS_B" stats -i "$IF_B" --hook socket
check_usage_error "stats --hook socket: one line, exit 2" statsock
