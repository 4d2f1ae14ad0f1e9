#!/usr/bin/env bash
# --hook socket: the expression runs as a socket filter on an AF_PACKET
# socket, nothing is attached to the interface, and what watch and capture
# produce is what tcpdump, the real peer, captures with the same expression.
source "$(dirname "$0")/lib.sh"
require_root
require_pktscope
require_tools jq tcpdump tshark tcpreplay mergecap "$PY"

MKPCAP=${BUILD_DIR}/tools/mkpcap
setup_pair
gro_off "$NS_B" "$IF_B" || setup_failed "could not turn GRO off on $IF_B"
PRIMER=c0ffee0d # marks the frames sent before the mix (see below)

# The frames of a file, one hex string per frame, in order (tcpdump -xx);
# the primer's left out.
frame_hex() {
	tcpdump -r "$1" -n -xx 2>/dev/null | awk '
		/^\t0x/ { sub(/^\t0x[0-9a-f]+: +/, ""); gsub(/ /, ""); h = h $0; next }
		{ if (h != "") print h; h = "" }
		END { if (h != "") print h }' | grep -v "$PRIMER$PRIMER"
}

# Frames in a file (an expression optional), primer and all.
count_frames() { # file [expression]
	tcpdump -r "$1" -n -tt ${2:+"$2"} 2>/dev/null | grep -cE '^[0-9]+\.[0-9]+ '
}

"$MKPCAP" --mix 2000 --seed 11 --eth-src "$MAC_A" "$TMPD/mix-all.pcap" >/dev/null ||
	bail "mkpcap --mix"
# VLAN-tagged frames too: 802.1Q (the mix has some), 802.1ad, QinQ, 0x9100,
# and tagged frames too short for the kernel to take the tag out (it drops
# them).  Live, the kernel takes the outer tag out of a frame before any
# packet socket sees it and libpcap compiles for the live interface (loads
# of the tag from metadata), so a plain `udp` keeps 802.1Q-tagged UDP live,
# not over a file; pktscope compiles as tcpdump does for the interface.
"$PY" "$IT_DIR/mkvlan.py" "$TMPD/vlan.pcap" "$MAC_A" >/dev/null || bail "mkvlan.py"
"$PY" "$IT_DIR/mkvlan.py" "$TMPD/primer.pcap" "$MAC_A" "$PRIMER" >/dev/null || bail "mkvlan.py (primer)"
mergecap -a -F pcap -w "$TMPD/mix-vlan.pcap" "$TMPD/mix-all.pcap" "$TMPD/vlan.pcap" || bail "mergecap"
# veth carries frames up to its MTU only (4 bytes more with a tag).
tcpdump -r "$TMPD/mix-vlan.pcap" -w "$TMPD/mix.pcap" \
	'len <= 1514 or (len <= 1518 and (ether[12:2] = 0x8100 or ether[12:2] = 0x88a8))' 2>/dev/null
check "the mix holds 802.1Q, 802.1ad and QinQ frames" test \
	"$(count_frames "$TMPD/mix.pcap" 'ether[12:2] = 0x8100')" -gt 10 -a \
	"$(count_frames "$TMPD/mix.pcap" 'ether[12:2] = 0x88a8 and ether[16:2] != 0x8100')" -gt 3 -a \
	"$(count_frames "$TMPD/mix.pcap" 'ether[12:2] = 0x88a8 and ether[16:2] = 0x8100')" -gt 3

i=0
for expr in "udp" "udp and portrange 40000-40500" "tcp[tcpflags] & tcp-syn != 0" "icmp or arp" \
	"vlan" "vlan and udp" "vlan 10" "not vlan" "inbound" "outbound"; do
	i=$((i + 1))
	label="socket '$expr'"
	# Names of their own: a reused name's old "watching" line would pass
	# for the new process's.
	ref=ref$i cap=cap$i
	tcpdump_start $ref "$NS_B" "$IF_B" "$expr" || bail "tcpdump did not start"
	ps_start_cmd $cap "$NS_B" capture -i "$IF_B" --hook socket --pcapng \
		-w "$TMPD/$cap.pcapng" --json "$expr" || bail "pktscope --hook socket did not start"
	check_attached "$label: nothing attached to $IF_B while it runs" "$NS_B" "$IF_B" ""
	# When it sets its filter, tcpdump runs the first block of its ring
	# through libpcap's interpreter in user space, which rejects every
	# packet for inbound/outbound: marked frames fill that block first
	# and are left out of the comparison.
	in_ns "$NS_A" tcpreplay -q -i "$IF_A" --topspeed "$TMPD/primer.pcap" >/dev/null 2>&1
	in_ns "$NS_A" ping -q -c 1 -p "$PRIMER" "$IP_B" >/dev/null
	sleep 0.3
	in_ns "$NS_A" tcpreplay -q -i "$IF_A" "$TMPD/mix.pcap" >/dev/null 2>&1
	in_ns "$NS_A" ping -q -c 3 -i 0.05 "$IP_B" >/dev/null
	sleep 0.5 # lets the last frames reach both sockets; no timing is asserted
	ps_stop $cap
	bg_stop $ref INT
	want=$(frame_hex "$TMPD/$ref.pcap" | sort | md5sum)
	got=$(frame_hex "$TMPD/$cap.pcapng" | sort | md5sum)
	n_ref=$(frame_hex "$TMPD/$ref.pcap" | grep -c '')
	n_cap=$(count_frames "$TMPD/$cap.pcapng")
	check_eq "$label: the frames tcpdump kept with the same expression ($n_ref)" \
		"$want" "$got"
	check "$label: tcpdump kept something (the check above is not vacuous)" \
		test "$n_ref" -gt 0
	sum=$(jq -c 'select(.type == "summary")' "$TMPD/$cap.out")
	check_eq "$label: written = received = matched (primer included), none lost" \
		"$n_cap $n_cap $n_cap 0 0" \
		"$(jq -r '"\(.written) \(.received) \(.kernel.matched) \(.kernel.lost_ringbuf_full) \(.socket_drops)"' <<<"$sum")"
	check_eq "$label: every packet's hook is socket" "socket" \
		"$(tshark -r "$TMPD/$cap.pcapng" -T fields -e frame.comment 2>/dev/null | sort -u | sed 's/^hook //')"
	# Frames from A's MAC are inbound, frames from B's outbound.
	bad=$(tshark -r "$TMPD/$cap.pcapng" -T fields -e eth.src -e frame.packet_flags_direction 2>/dev/null |
		awk -v a="$MAC_A" -v b="$MAC_B" '($1 == a && $2 != "0x00000001") || ($1 == b && $2 != "0x00000002")' | grep -c '')
	check_eq "$label: direction flags right for both directions" 0 "$bad"
done

# The point of the tagged frames: live, a plain expression keeps tagged
# frames the file's code would not.
n_live=$(frame_hex "$TMPD/cap1.pcapng" | grep -c '')
n_file=$(count_frames "$TMPD/mix.pcap" udp)
check "live 'udp' keeps 802.1Q-tagged UDP, which 'udp' over the file does not ($n_live > $n_file)" \
	test "$n_live" -gt "$n_file"

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
