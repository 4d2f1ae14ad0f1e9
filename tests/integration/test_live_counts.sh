#!/usr/bin/env bash
# Live counting over a veth pair: pktscope watches veth-a (namespace A) while
# real traffic crosses it both ways, at every hook mode (XDP native, XDP
# generic, TC), and its JSON summary must equal exactly what was sent, per
# counter and per direction:
#  - UDP datagrams and ICMP echoes from ordinary sockets and ping (counts
#    the sender controls);
#  - a TCP exchange, compared with tshark's reading of a tcpdump capture
#    taken on the peer's veth (veth-b), since the kernel decides its packets;
#  - the crafted frames of tests/tools/pkt_cases.c (VLAN 802.1Q/802.1ad,
#    IPv6 extension headers, fragments, TCP flag classes, TTL, malformed
#    headers), written by build/tools/mkpcap with the counters they must
#    move (--expect), sent with tcpreplay from each side;
#  - the kernel's own 802.1Q-tagged pings (the tag travels out of band on
#    veth: TC counts it, XDP cannot see it), from VLAN subinterfaces or, on a
#    kernel without 802.1Q, tagged by vlanpush.bpf.c, against tcpdump on
#    the peer;
#  - the same crafted frames read back with -r (BPF_PROG_TEST_RUN), every
#    one run;
#  - the shape of the JSON stream (--interval/-c).
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq tcpdump tshark tcpreplay bpftool nsenter ping ss "$PY"
require_pktscope
MKPCAP=$BUILD_DIR/tools/mkpcap
[ -x "$MKPCAP" ] || bail "mkpcap is built at $MKPCAP (run make tests)"
setup_pair

THR=10          # --ttl-threshold: the table has TTL 9 and 10 frames, either side of it
UDP_PORT=7001
TCP_PORT=7002
N_UDP_IN=23     # B -> A
N_UDP_OUT=17    # A -> B
UDP_LEN=100     # payload: 142-byte frames
N_PING=4        # B pings A: requests in, replies out, 98-byte frames
TCP_UP=150000   # client (A) -> server (B)
TCP_DOWN=40000  # server -> client
VID=100
N_VPING=3

pkt() { "$PY" "$IT_DIR/pkt.py" "$@"; }
# What a hook must count (pkt.py expect COMPONENT... > FILE); pkt.py
# failing is a failed check, not an empty expectation.
expect() { # label, file, components...
	local label=$1 f=$2
	shift 2
	pkt expect "$THR" "$@" >"$f" 2>"$f.err" && [ -s "$f" ] && return 0
	nok "$label: pkt.py expect ran"
	diag "$(head -c 1000 "$f.err")"
}

# The rows of the crafted table a veth carries unchanged: frames of 14 to
# 1514 bytes (a packet socket sends nothing shorter than an Ethernet header,
# the MTU nothing longer), but not vlan_short, whose tag the receiving
# kernel cannot untag: it drops the frame before TC ingress and before
# tcpdump's tap.
LIVE_ROWS=$("$MKPCAP" --list | awk '$1 != "vlan_short" {
		n = 0; for (i = 2; i < NF; i++) if ($(i + 1) == "bytes:") n = $i + 0
		if (n >= 14 && n <= 1514) print $1 }' | paste -sd,)
[ -n "$LIVE_ROWS" ] || bail "mkpcap --list names the crafted rows"
# -r (below) must run these too: a bare test run at TC refuses them
# (EtherType IPv4 or IPv6, shorter than that header).
for row in ipv4_short ipv6_short; do
	grep -qxF "$row" <<<"${LIVE_ROWS//,/$'\n'}" || bail "the live rows include $row"
done

crafted() { # pcap, source MAC, rows: the frames and their counters (pcap.json)
	"$MKPCAP" --only "$3" --eth-src "$2" --expect "${1%.pcap}.json" --ttl-threshold "$THR" "$1" >/dev/null
}
crafted "$TMPD/from-b.pcap" "$MAC_B" "$LIVE_ROWS" || bail "mkpcap writes the crafted frames from B"
crafted "$TMPD/from-a.pcap" "$MAC_A" "$LIVE_ROWS" || bail "mkpcap writes the crafted frames from A"
N_FRAMES=$(jq -r .packets "$TMPD/from-b.json")
pkt keys >"$TMPD/keys"

# Replays a crafted pcap from one side; all frames must leave.
replay() { # ns, ifname, pcap, label
	local out
	out=$(in_ns "$1" tcpreplay -i "$2" --pps 2000 "$3" 2>&1)
	if [ $? -eq 0 ] && grep -qE "Successful packets: +$N_FRAMES\b" <<<"$out"; then
		return 0
	fi
	nok "$4: tcpreplay sent all $N_FRAMES crafted frames"
	diag "$out"
	return 1
}

# Waits (bounded) until neither namespace has a TCP socket other than
# LISTEN/TIME-WAIT: the exchange is over, no ACK is still to come.
tcp_settled() {
	local i busy
	for ((i = 0; i < WAIT_S * 10; i++)); do
		busy=$( { in_ns "$NS_A" ss -Htan; in_ns "$NS_B" ss -Htan; } | grep -v -e TIME-WAIT -e LISTEN)
		[ -z "$busy" ] && return 0
		sleep 0.1
	done
	diag "TCP sockets still busy: $busy"
	return 1
}

wait_file() { # path: bounded wait for a readiness file
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

udp_flow() { # label, recv-ns, recv-ip, send-ns, count
	local r=$1-udprecv-$2
	rm -f "$TMPD/$r.ready"
	bg_start "$r" nsenter --net="/run/netns/$2" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$3" "$UDP_PORT" "$5" 10 "$TMPD/$r.ready"
	wait_file "$TMPD/$r.ready" || { nok "$1: UDP receiver ready"; return 1; }
	in_ns "$4" "$PY" "$IT_DIR/pkt.py" udp-send "$3" "$UDP_PORT" "$5" "$UDP_LEN" >/dev/null
	bg_wait "$r" 15
	[ "$(cat "$TMPD/$r.out")" = "$5" ] && return 0
	nok "$1: all $5 UDP datagrams were received"
	diag "receiver got: $(cat "$TMPD/$r.out" "$TMPD/$r.err")"
	return 1
}

tcp_flow() { # label: A connects to B, sends TCP_UP, receives TCP_DOWN
	local s=$1-tcpserver
	rm -f "$TMPD/$s.ready"
	bg_start "$s" nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" tcp-server "$IP_B" "$TCP_PORT" "$TMPD/$s.ready" "$TCP_DOWN"
	wait_file "$TMPD/$s.ready" || { nok "$1: TCP server ready"; return 1; }
	local got
	got=$(in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" tcp-client "$IP_B" "$TCP_PORT" "$TCP_UP" 2>&1)
	bg_wait "$s" 15
	if [ "$got" = "$TCP_DOWN" ] && [ "$(cat "$TMPD/$s.out")" = "$TCP_UP" ]; then
		return 0
	fi
	nok "$1: TCP exchange completed"
	diag "client: $got; server: $(cat "$TMPD/$s.out" "$TMPD/$s.err")"
	return 1
}

# Kinds of attachment on veth-a, without program names/ids: "xdp driver",
# "tcx/egress", ...
attach_kinds() {
	attached "$NS_A" "$IF_A" | awk '{ if ($1 == "xdp" || $1 == "tc") print $1, $2; else print $1 }'
}

# Checks the summary's structure; prints nothing.
check_shape() { # label, summary, expected hooks "xdp/ingress,tc/egress"
	local s=$2 got idx
	idx=$(ifindex "$NS_A" "$IF_A")
	got=$(jq -r '[.interfaces[] | "\(.name)#\(.ifindex)"] | join(",")' <<<"$s" 2>&1)
	check_eq "$1: summary names the one interface with its ifindex" "$IF_A#$idx" "$got"
	got=$(jq -r '[.interfaces[0].hooks[] | "\(.hook)/\(.direction)"] | join(",")' <<<"$s" 2>&1)
	check_eq "$1: hooks in contract order" "$3" "$got"
	got=$(jq -r '[.interfaces[0].total.hook, .interfaces[0].total.direction, .total.hook,
		(.duration_s | type)] | map(tostring) | join(" ")' <<<"$s" 2>&1)
	check_eq "$1: the interface's total is hook all, direction both; duration_s a number" \
		"all both all number" "$got"
}

# The interface's and the overall totals against what was sent both ways
# (the expectations of the two hooks), not against the hooks' own numbers.
check_totals() { # label, summary, expected ingress, expected egress
	local want
	want=$(jq -rs '"\(.[0].packets + .[1].packets) pkts/\(.[0].bytes + .[1].bytes) bytes"' "$3" "$4" 2>&1)
	check_eq "$1: the interface's total is what crossed it both ways" "$want" \
		"$(jq -r '.interfaces[0].total | "\(.packets) pkts/\(.bytes) bytes"' <<<"$2" 2>&1)"
	check_eq "$1: the overall total is what crossed it both ways" "$want" \
		"$(jq -r '.total | "\(.packets) pkts/\(.bytes) bytes"' <<<"$2" 2>&1)"
}

# tshark over the peer's capture: "framelen flags ttl" of our TCP packets
# sent by one MAC, and per-MAC totals.
tcp_lines() { # pcap, src mac
	tshark -r "$1" -Y "tcp.port == $TCP_PORT && eth.src == $2" -T fields \
		-e frame.len -e tcp.flags -e ip.ttl 2>/dev/null
}
cap_totals() { # pcap, src mac: "packets bytes"
	tshark -r "$1" -Y "eth.src == $2" -T fields -e frame.len 2>/dev/null |
		awk '{ n++; b += $1 } END { printf "%d pkts/%d bytes\n", n, b }'
}
hook_totals() { # hook json: "packets bytes"
	jq -r '"\(.packets) pkts/\(.bytes) bytes"' <<<"$1" 2>/dev/null
}

# One full run: every kind of traffic, then per-counter comparison.
run_mode() { # label, expected hooks, expected attachment kinds, stats args...
	local label=$1 hooks=$2 kinds=$3 s dir h
	shift 3
	if ! ps_start "$label" "$NS_A" -i "$IF_A" --json --ttl-threshold "$THR" "$@"; then
		nok "$label: pktscope stats $* starts and reports watching"
		ps_stop "$label" KILL
		return
	fi
	ok "$label: pktscope stats $* starts and reports watching"
	check_eq "$label: attached at the expected hooks" "$kinds" "$(attach_kinds)"
	tcpdump_start "$label-cap" "$NS_B" "$IF_B" || { nok "$label: tcpdump on the peer"; ps_stop "$label"; return; }

	udp_flow "$label" "$NS_A" "$IP_A" "$NS_B" "$N_UDP_IN"
	udp_flow "$label" "$NS_B" "$IP_B" "$NS_A" "$N_UDP_OUT"
	in_ns "$NS_B" ping -q -c "$N_PING" -i 0.2 -W 2 "$IP_A" >"$TMPD/$label-ping.out" 2>&1 ||
		{ nok "$label: ping B -> A"; diag "$(cat "$TMPD/$label-ping.out")"; }
	tcp_flow "$label"
	replay "$NS_B" "$IF_B" "$TMPD/from-b.pcap" "$label ingress"
	replay "$NS_A" "$IF_A" "$TMPD/from-a.pcap" "$label egress"
	tcp_settled
	sleep 0.2

	ps_stop "$label"
	check_eq "$label: exit status after SIGINT" 0 "${RC[$label]}"
	tcpdump_stop "$label-cap" || nok "$label: the peer's capture is complete"
	s=$(ps_summary "$label")
	if [ "$(grep -c '' <<<"$s")" -ne 1 ] || [ -z "$s" ]; then
		nok "$label: exactly one JSON summary on stdout"
		diag "stdout: $(head -c 1500 "$TMPD/$label.out")"
		diag "stderr: $(head -c 1500 "$TMPD/$label.err")"
		return
	fi
	ok "$label: exactly one JSON summary on stdout"
	check_shape "$label" "$s" "$hooks"

	tcp_lines "$TMPD/$label-cap.pcap" "$MAC_B" >"$TMPD/$label-tcp-in"
	tcp_lines "$TMPD/$label-cap.pcap" "$MAC_A" >"$TMPD/$label-tcp-out"
	if [ ! -s "$TMPD/$label-tcp-in" ] || [ ! -s "$TMPD/$label-tcp-out" ]; then
		nok "$label: the peer's capture holds the TCP exchange"
	fi
	expect "$label ingress" "$TMPD/$label-exp-ingress" "manifest:$TMPD/from-b.json" \
		"udp4:$N_UDP_IN:$UDP_LEN" "icmp4:$N_PING:98" "tcp4lines:$TMPD/$label-tcp-in"
	expect "$label egress" "$TMPD/$label-exp-egress" "manifest:$TMPD/from-a.json" \
		"udp4:$N_UDP_OUT:$UDP_LEN" "icmp4:$N_PING:98" "tcp4lines:$TMPD/$label-tcp-out"
	for dir in ingress egress; do
		h=$(hook_obj "$s" "$IF_A" "$dir")
		printf '%s\n' "$h" >"$TMPD/$label-got-$dir"
		verdicts "$label $dir" pkt compare "$TMPD/$label-exp-$dir" "$TMPD/$label-got-$dir"
	done
	check_totals "$label" "$s" "$TMPD/$label-exp-ingress" "$TMPD/$label-exp-egress"
	# Everything, whatever its kind, against the peer's capture.
	check_eq "$label ingress: total equals tshark's count of frames veth-b sent" \
		"$(cap_totals "$TMPD/$label-cap.pcap" "$MAC_B")" "$(hook_totals "$(hook_obj "$s" "$IF_A" ingress)")"
	check_eq "$label egress: total equals tshark's count of frames veth-b received" \
		"$(cap_totals "$TMPD/$label-cap.pcap" "$MAC_A")" "$(hook_totals "$(hook_obj "$s" "$IF_A" egress)")"
}

# The kernel's own 802.1Q traffic, the tag out of band: over a device with
# VLAN offload such as veth, the 802.1Q driver hands the tag to the device as
# skb metadata, so it crosses the veth outside the frame's bytes, where TC
# sees it (skb->vlan_present) and taps restore it (tcpdump on the peer shows
# the frame tagged, 4 bytes longer), but XDP, which sees the bytes only, does
# not (README, "Filter expressions").  So for N tagged frames each way, 98
# bytes of ICMP and a 4-byte tag on the wire: TC counts them tagged, 102
# bytes each; XDP ingress counts them as plain ICMP, 98 bytes each.
#
# The frames come from one of two sources, the same on the wire:
#  - 802.1Q subinterfaces (setup_vlan), when the kernel has 802.1Q: B pings A
#    over them, N requests in, N replies out;
#  - else vlanpush.bpf.c at TC egress of both veths (tcxhold.py: in front of
#    pktscope's own egress program), which tags echo requests with
#    bpf_skb_vlan_push() as the 802.1Q driver would: B pings A and A pings B,
#    N requests each way.  With no subinterface the receiving stack drops a
#    frame tagged with a VID after TC ingress (tcpdump and pktscope have
#    seen it by then), so these pings go unanswered.
VLAN_SRC=""       # 8021q | bpf, once set up
VLAN_WHY=""       # why the BPF source could not be set up
VLAN_PIN=/sys/fs/bpf/$RUN_ID-vlanpush

oneline() { head -c 300 "$1" | tr '\n' ' '; } # file: its start, for a skip's reason

# vlanpush.bpf.c built, loaded, pinned, and held at tcx egress of veth-a and
# veth-b; returns 1 with the reason in VLAN_WHY.
vlan_push_start() {
	local o=$TMPD/vlanpush.bpf.o ns ifn r
	if ! have clang; then
		VLAN_WHY="clang is not installed (it builds tests/integration/vlanpush.bpf.c)"
		return 1
	fi
	if ! clang -O2 -g -target bpf -DVLAN_ID="$VID" -I"/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" \
		-c "$IT_DIR/vlanpush.bpf.c" -o "$o" 2>"$TMPD/vlanpush.err"; then
		VLAN_WHY="clang cannot build vlanpush.bpf.c: $(oneline "$TMPD/vlanpush.err")"
		return 1
	fi
	_CLEANUP_CMDS+=("rm -f $VLAN_PIN")
	if ! bpftool prog load "$o" "$VLAN_PIN" 2>"$TMPD/vlanpush.err"; then
		VLAN_WHY="bpftool prog load vlanpush.bpf.o: $(oneline "$TMPD/vlanpush.err")"
		return 1
	fi
	for r in "$NS_A $IF_A" "$NS_B $IF_B"; do
		read -r ns ifn <<<"$r"
		rm -f "$TMPD/vlanpush-$ifn.ready"
		bg_start "vlanpush-$ifn" nsenter --net="/run/netns/$ns" -- \
			"$PY" "$IT_DIR/tcxhold.py" "$VLAN_PIN" "$ifn" egress "$TMPD/vlanpush-$ifn.ready"
		if ! wait_file "$TMPD/vlanpush-$ifn.ready"; then
			VLAN_WHY="tcxhold.py did not attach vlanpush.bpf.o at tcx egress of $ifn: $(oneline "$TMPD/vlanpush-$ifn.err")"
			# Not one direction tagged and the other not, for what follows.
			bg_stop "vlanpush-$IF_A"
			bg_stop "vlanpush-$IF_B"
			return 1
		fi
	done
	rm -f "$VLAN_PIN" # the links hold the program now
	return 0
}

vlan_push_stop() {
	bg_stop "vlanpush-$IF_A"
	bg_stop "vlanpush-$IF_B"
	check_attached "vlan: vlanpush.bpf.o detached from $IF_A" "$NS_A" "$IF_A" ""
	check_attached "vlan: vlanpush.bpf.o detached from $IF_B" "$NS_B" "$IF_B" ""
}

# The tagged pings of one run (see above), each ping's output in a file.
vlan_traffic() { # label
	local out=$TMPD/$1-ping
	if [ "$VLAN_SRC" = 8021q ]; then
		in_ns "$NS_B" ping -q -c "$N_VPING" -i 0.2 -W 2 "198.18.$VID.1" >"$out-b.out" 2>&1 ||
			{ nok "$1: ping over $IF_B.$VID"; diag "$(cat "$out-b.out")"; }
		return
	fi
	# Unanswered (ping exits 1): what matters is that all were sent.
	in_ns "$NS_B" ping -q -c "$N_VPING" -i 0.2 -W 1 "$IP_A" >"$out-b.out" 2>&1
	in_ns "$NS_A" ping -q -c "$N_VPING" -i 0.2 -W 1 "$IP_B" >"$out-a.out" 2>&1
	grep -q "^$N_VPING packets transmitted" "$out-b.out" ||
		{ nok "$1: ping B -> A sent $N_VPING requests"; diag "$(cat "$out-b.out")"; }
	grep -q "^$N_VPING packets transmitted" "$out-a.out" ||
		{ nok "$1: ping A -> B sent $N_VPING requests"; diag "$(cat "$out-a.out")"; }
}

run_vlan() { # label, ingress hook (xdp|tc), stats args...
	local label=$1-vlan ihook=$2 s dir h got want src
	shift 2
	if ! ps_start "$label" "$NS_A" -i "$IF_A" --json --ttl-threshold "$THR" "$@"; then
		nok "$label: pktscope stats $* starts"
		ps_stop "$label" KILL
		return
	fi
	tcpdump_start "$label-cap" "$NS_B" "$IF_B" || { nok "$label: tcpdump on the peer"; ps_stop "$label"; return; }
	vlan_traffic "$label"
	sleep 0.2
	ps_stop "$label"
	check_eq "$label: exit status after SIGINT" 0 "${RC[$label]}"
	tcpdump_stop "$label-cap" || nok "$label: the peer's capture is complete"
	s=$(ps_summary "$label")
	# The peer's capture: every ICMP frame, per sender, tag and length.
	got=$(tshark -r "$TMPD/$label-cap.pcap" -Y icmp -T fields -e eth.src -e vlan.id -e frame.len 2>/dev/null |
		sort | uniq -c | awk '{ printf "%s vlan %s: %d x %d bytes; ", $2, ($4 == "" ? "none" : $3), $1, ($4 == "" ? $3 : $4) }')
	want="$MAC_A vlan $VID: $N_VPING x 102 bytes; $MAC_B vlan $VID: $N_VPING x 102 bytes; "
	check_eq "$label: tcpdump on the peer shows the $N_VPING pings each way tagged (tshark)" "$want" "$got"
	# ingress: A received what B sent; egress: A sent.
	for dir in ingress egress; do
		src=$MAC_B
		[ "$dir" = egress ] && src=$MAC_A
		if [ "$dir" = ingress ] && [ "$ihook" = xdp ]; then
			expect "$label $dir" "$TMPD/$label-exp-$dir" "icmp4:$N_VPING:98"
			want=$(cap_totals "$TMPD/$label-cap.pcap" "$src" | awk -v n="$N_VPING" -F'[ /]' '{ printf "%d pkts/%d bytes\n", $1, $3 - 4 * n }')
			h="XDP: the tag, in metadata, is not seen: tshark's frames less 4 bytes each"
		else
			expect "$label $dir" "$TMPD/$label-exp-$dir" "icmp4vlan:$N_VPING:102"
			want=$(cap_totals "$TMPD/$label-cap.pcap" "$src")
			h="TC: the tag counted from metadata: tshark's frames"
		fi
		got=$(hook_obj "$s" "$IF_A" "$dir")
		printf '%s\n' "$got" >"$TMPD/$label-got-$dir"
		verdicts "$label $dir" pkt compare "$TMPD/$label-exp-$dir" "$TMPD/$label-got-$dir"
		check_eq "$label $dir: total against the peer's capture ($h)" "$want" "$(hook_totals "$got")"
	done
}

run_mode xdp-native "xdp/ingress,tc/egress" $'tcx/egress\nxdp driver' --hook xdp --xdp-mode native
run_mode xdp-generic "xdp/ingress,tc/egress" $'tcx/egress\nxdp generic' --hook xdp --xdp-mode generic
run_mode tc "tc/ingress,tc/egress" $'tcx/egress\ntcx/ingress' --hook tc

# The default is --hook auto: TC both ways on a veth (test_hook_auto.sh has the rest).
if ps_start default "$NS_A" -i "$IF_A" --json; then
	check_eq "default: TC ingress + TC egress on a veth (auto)" $'tcx/egress\ntcx/ingress' "$(attach_kinds)"
	ps_stop default
	check_eq "default: nothing attached after SIGINT" "" "$(wait_attached "$NS_A" "$IF_A" "")"
else
	nok "default: pktscope stats -i $IF_A starts"
fi

if setup_vlan "$VID"; then
	VLAN_SRC=8021q
	diag "vlan: tagged by 802.1Q subinterfaces $IF_A.$VID and $IF_B.$VID"
elif vlan_push_start; then
	VLAN_SRC=bpf
	diag "vlan: no 802.1Q support here; tagged by vlanpush.bpf.c at TC egress of both veths"
else
	VLAN_WHY="no 802.1Q support ($(oneline "$TMPD/vlan.err")) and $VLAN_WHY"
fi
if [ -n "$VLAN_SRC" ]; then
	run_vlan xdp-native xdp --hook xdp --xdp-mode native
	run_vlan xdp-generic xdp --hook xdp --xdp-mode generic
	run_vlan tc tc --hook tc
	[ "$VLAN_SRC" = bpf ] && vlan_push_stop
else
	skip "802.1Q-tagged pings, at each hook" "$VLAN_WHY"
fi

# -r: the same frames through BPF_PROG_TEST_RUN, at each hook.  Every frame
# runs and counts exactly, as mkpcap's manifest has it: none is left "not
# run", the short IPv4/IPv6 ones a bare TC test run refuses included
# (pktscope runs a record the test run will not take padded or cut, with the
# file's lengths).  auto over a file is the XDP test run.
for hook in xdp tc auto; do
	label=read-$hook
	ps_run "$label" "$NS_A" stats -r "$TMPD/from-b.pcap" --json --ttl-threshold "$THR" --hook "$hook"
	check_eq "$label: pktscope stats -r FILE --hook $hook exits 0" 0 "${RC[$label]}"
	s=$(ps_summary "$label")
	got=$(jq -r --arg f "$TMPD/from-b.pcap" '[(.interfaces[0].name == $f or .interfaces[0].name == ($f | split("/") | last)),
		([.interfaces[0].hooks[] | "\(.hook)/\(.direction)"] | join(",")),
		.file.packets_read, .file.snaplen_cut, .file.not_run] | map(tostring) | join(" ")' <<<"$s" 2>&1)
	check_eq "$label: summary names the file, one ${hook/auto/xdp}/ingress hook, file counts (every frame run)" \
		"true ${hook/auto/xdp}/ingress $N_FRAMES 0 0" "$got"
	jq -c '.interfaces[0].hooks[0]' <<<"$s" >"$TMPD/$label-got" 2>/dev/null
	expect "$label" "$TMPD/$label-exp" "manifest:$TMPD/from-b.json"
	verdicts "$label" pkt compare "$TMPD/$label-exp" "$TMPD/$label-got"
done

# The JSON stream: -c 2 --interval 1 prints two interval objects and one
# summary, then exits by itself.
if ps_start stream "$NS_A" -i "$IF_A" --json --interval 1 -c 2; then
	in_ns "$NS_B" ping -q -c 2 -i 0.3 -W 2 "$IP_A" >/dev/null 2>&1
	bg_wait stream 10
	check_eq "stream: -c 2 exits by itself with status 0" 0 "${RC[stream]}"
	got=$(jq -r '.type' "$TMPD/stream.out" 2>&1 | tr '\n' ' ')
	check_eq "stream: two interval objects then one summary" "interval interval summary " "$got"
	got=$(jq -r 'select(.type == "interval") | [(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")),
		(.interval_s | type), (.interfaces[0].name), ([.interfaces[0].hooks[] | "\(.hook)/\(.direction)"] | join(",")),
		(.total.hook), (.interfaces[0].hooks[0].pps | type), (.interfaces[0].hooks[0].bps | type),
		(.interfaces[0].hooks[0].counters | keys | length)] | map(tostring) | join(" ")' "$TMPD/stream.out" 2>&1 | sort -u)
	check_eq "stream: interval objects carry time (RFC 3339), interval_s, interfaces, rates, every counter" \
		"true number $IF_A tc/ingress,tc/egress all number number $(grep -c '' "$TMPD/keys")" "$got"
else
	nok "stream: pktscope stats --interval 1 -c 2 starts"
fi
