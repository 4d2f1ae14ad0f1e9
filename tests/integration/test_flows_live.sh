#!/usr/bin/env bash
# `pktscope flows -i` on a live veth pair against a tcpdump capture of the
# same interface, analysed by tshark (tests/integration/conv.py):
#  - real conversations: a TCP exchange with known payloads both ways
#    (python sockets, FIN both ways), UDP datagrams to a listening socket,
#    ping, and hundreds of UDP flows from trafgen (one source port each);
#  - every conversation and direction: exact packets and bytes against
#    tshark's reading of the capture (-z conv,tcp / conv,udp and frame.len
#    sums), 'a' the SYN's sender, an RTT for the handshake;
#  - a flow idle past --idle-timeout ends (idle) and is exported exactly once
#    (one record, end_reason idle), while pktscope keeps running;
#  - the TCP connection ends with end_reason tcp_end (FIN both ways);
#  - the summary: flow + not_flow + overflow packets = matched = the
#    capture's frames; flow_packets/flow_bytes and the records' sums = the
#    capture's IP frames (tshark);
#  - pktscope stopped by SIGINT exits 0 and leaves nothing attached;
#  - the same over IPv6 (2001:db8::/32 on the veth pair, an expression
#    keeping TCP, UDP and ICMPv6 echo from the MLD the kernel sends): every
#    conversation against the capture, UDP and ping -6 also against counts
#    computed from the sizes sent, the TCP flags and state showing the
#    handshake and the close, each conversation exported exactly once;
#  - --ipfix to a collector behind the watched interface: the export's own
#    datagrams are no flow record, and are counted (own_export) as tcpdump
#    saw them;
#  - SIGTERM and SIGINT end flows within 2 s even with --interval 30 (the
#    time taken is printed).
# Waits are bounded waits for an event; nothing is asserted about timing.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq tcpdump tshark trafgen nsenter ping "$PY"
require_pktscope
setup_pair

IDLE=2
TCP_PORT=7102
UDP_PORT=7101
SINK_PORT=7103
TCP_UP=120000   # client (A) -> server (B) payload
TCP_DOWN=30000  # server -> client
N_UDP=12
N_PING=4
N_TRAF=300      # trafgen flows, B -> A, one packet each

pkt() { "$PY" "$IT_DIR/pkt.py" "$@"; }
# The flow records written so far for one 5-tuple (a's address and port, or
# just the address for ICMP): "record end_reason" lines.
recs() { # a addr, a port|"", b addr
	jq -r --arg a "$1" --arg p "$2" --arg b "$3" 'select(.type == "flow" and .a.addr == $a and
		.b.addr == $b and ((.a.port // "" | tostring) == $p)) | "\(.record) \(.end_reason)"' \
		"$FLOWS" 2>/dev/null
}
wait_recs() { # a addr, a port, b addr, expected lines: bounded wait until they are written
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ "$(recs "$1" "$2" "$3")" == "$4" ] && return 0
		sleep 0.1
	done
	return 1
}

# The source port of the first record written to b's address and port
# (bounded wait).
a_port_to() { # b addr, b port
	local i p
	for ((i = 0; i < WAIT_S * 10; i++)); do
		p=$(jq -r --arg b "$1" --argjson p "$2" 'select(.type == "flow" and .b.addr == $b and
			.b.port == $p) | .a.port' "$FLOWS" 2>/dev/null | head -1)
		[ -n "$p" ] && break
		sleep 0.1
	done
	echo "$p"
}
wait_file() { # path: bounded wait for a helper's ready file
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}

# "packets bytes" of the IPv4 and IPv6 frames of a capture, as tshark reads it.
cap_ip() { # pcap
	tshark -r "$1" -Y 'ip or ipv6' -T fields -e frame.len 2>/dev/null |
		awk '{ n++; b += $1 } END { printf "%d %d\n", n, b }'
}

hp() { # addr, port: addr:port, IPv6 in brackets
	case $1 in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac
}

# UDP datagrams A -> B to a listening socket, then silence: the flow is
# ends idle and is exported once.  Sets uport (A's port).
udp_idle() { # label, tag (file names), a addr, b addr, datagram size
	local L=$1 T=$2
	bg_start udprecv-$T nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$4" $UDP_PORT $N_UDP 10 "$TMPD/udp.ready-$T"
	wait_file "$TMPD/udp.ready-$T" || nok "$L: the UDP receiver in $NS_B is ready"
	in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" udp-send "$4" $UDP_PORT $N_UDP $5 >/dev/null
	bg_wait udprecv-$T
	check_eq "$L: UDP: the receiver got all $N_UDP datagrams" "$N_UDP" "$(cat "$TMPD/udprecv-$T.out")"
	uport=$(a_port_to "$4" $UDP_PORT)
	if [ -z "$uport" ]; then
		nok "$L: UDP: a record for $3 -> $(hp "$4" $UDP_PORT) once it was idle ${IDLE}s"
		diag "records so far: $(head -c 1000 "$FLOWS")"
		return 1
	fi
	ok "$L: UDP: a record for $(hp "$3" "$uport") -> $(hp "$4" $UDP_PORT) once it was idle ${IDLE}s"
	sleep $((IDLE * 2 + 1)) # nothing more crosses it: it must not be written again
	check_eq "$L: UDP: idle past --idle-timeout, ended and exported exactly once (end_reason idle)" \
		"1 idle" "$(recs "$3" "$uport" "$4")"
}

# TCP with known payloads both ways, closed by FIN both ways: one record,
# tcp_end.  Sets tport (A's port).
tcp_fin() { # label, tag (file names), a addr, b addr
	local L=$1 T=$2 got_down
	bg_start tcpsrv-$T nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" tcp-server "$4" $TCP_PORT "$TMPD/tcp.ready-$T" $TCP_DOWN
	wait_file "$TMPD/tcp.ready-$T" || nok "$L: the TCP server in $NS_B is ready"
	got_down=$(in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" tcp-client "$4" $TCP_PORT $TCP_UP)
	bg_wait tcpsrv-$T
	check_eq "$L: TCP: payloads crossed (up, down)" "$TCP_UP $TCP_DOWN" "$(cat "$TMPD/tcpsrv-$T.out") $got_down"
	tport=$(a_port_to "$4" $TCP_PORT)
	if [ -n "$tport" ] && wait_recs "$3" "$tport" "$4" "1 tcp_end"; then
		ok "$L: TCP: the connection closed by FIN both ways is one record, end_reason tcp_end"
	else
		nok "$L: TCP: the connection closed by FIN both ways is one record, end_reason tcp_end"
		diag "records of $(hp "$3" "${tport:-?}") -> $(hp "$4" $TCP_PORT): $(recs "$3" "$tport" "$4" | tr '\n' ' ')"
	fi
}

# One round at one hook: pktscope and tcpdump on veth-a, the traffic, the
# checks; labels start with the hook.
round() { # hook, attachments expected
	local H=$1 i s rp rb uport tport got_down N_CAP ifx
	FLOWS=$TMPD/flows-$H.out
	tcpdump_start cap-$H "$NS_A" "$IF_A" || bail "$H: tcpdump captures $IF_A"
	ps_start_cmd flows-$H "$NS_A" flows -i "$IF_A" --hook "$H" --json --idle-timeout $IDLE ||
		bail "$H: pktscope flows -i $IF_A --hook $H --json --idle-timeout $IDLE starts"
	check_attached "$H: pktscope flows --hook $H attached to $IF_A" "$NS_A" "$IF_A" "$2"

	# --- UDP to a listening socket, then silence: ended once, idle.
	udp_idle "$H" 4-$H "$IP_A" "$IP_B" 200

	# --- TCP with known payloads, FIN both ways.
	tcp_fin "$H" 4-$H "$IP_A" "$IP_B"

	# --- ping, and many flows from trafgen (B -> A, one source port each, to a
	# listening socket so that A answers nothing).
	in_ns "$NS_B" ping -c $N_PING -i 0.2 -q "$IP_A" >/dev/null || nok "$H: ping $IP_A from $NS_B"
	bg_start sink-$H nsenter --net="/run/netns/$NS_A" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$IP_A" $SINK_PORT $N_TRAF 15 "$TMPD/sink.ready-$H"
	for ((i = 0; i < WAIT_S * 10; i++)); do [ -e "$TMPD/sink.ready-$H" ] && break; sleep 0.1; done
	cat >"$TMPD/traf.cfg-$H" <<EOF
{
  eth(da=$MAC_A, sa=$MAC_B, type=0x0800),
  ipv4(saddr=$IP_B, daddr=$IP_A, ttl=64),
  udp(sp=dinc(20000, $((20000 + N_TRAF - 1))), dp=$SINK_PORT),
  fill(0x61, 40)
}
EOF
	if in_ns "$NS_B" trafgen -o "$IF_B" -i "$TMPD/traf.cfg-$H" -n $N_TRAF -P 1 -q -t 200us >"$TMPD/trafgen.log-$H" 2>&1; then
		ok "$H: trafgen sent $N_TRAF UDP packets from $N_TRAF source ports"
	else
		nok "$H: trafgen sent $N_TRAF UDP packets from $N_TRAF source ports"
		diag "$(tail -5 "$TMPD/trafgen.log-$H")"
	fi
	bg_wait sink-$H 15
	check_eq "$H: trafgen: the listening socket got every packet (checksums valid)" "$N_TRAF" "$(cat "$TMPD/sink-$H.out")"

	# --- stop: the rest is flushed (forced), the summary follows.
	tcpdump_stop cap-$H || nok "$H: tcpdump wrote every packet it received"
	ps_stop flows-$H
	check_eq "$H: pktscope flows: SIGINT, exit status 0" 0 "${RC[flows-$H]}"
	check_attached "$H: nothing attached to $IF_A once pktscope flows stopped" "$NS_A" "$IF_A" ""

	N_CAP=$(tshark -r "$TMPD/cap-$H.pcap" -T fields -e frame.number 2>/dev/null | grep -c '')
	[ "$N_CAP" -gt $((N_TRAF + N_UDP + 2 * N_PING)) ] || nok "tcpdump captured the traffic ($N_CAP frames)"
	conv "$H live" compare "$TMPD/cap-$H.pcap" "$FLOWS" --live

	s=$(jq -c 'select(.type == "summary")' "$FLOWS")
	read -r rp rb < <(rec_sums "$FLOWS")
	check_eq "$H: summary: matched = the frames tcpdump captured on $IF_A" "$N_CAP" "$(jq .kernel.matched <<<"$s")"
	check_eq "$H: summary: flow_packets + not_flow_packets + overflow_packets = matched, nothing overflowed" \
		"$(jq .kernel.matched <<<"$s") 0" "$(jq -r '.kernel | "\(.flow_packets + .not_flow_packets + .overflow_packets) \(.overflow_packets)"' <<<"$s")"
	check_eq "$H: summary: flow_packets and flow_bytes = the IP frames of the capture (tshark)" \
		"$(cap_ip "$TMPD/cap-$H.pcap")" "$(jq -r '.kernel | "\(.flow_packets) \(.flow_bytes)"' <<<"$s")"
	check_eq "$H: the records' sums = the IP frames of the capture (tshark)" \
		"$(cap_ip "$TMPD/cap-$H.pcap")" "$rp $rb"
	ifx=$(ifindex "$NS_A" "$IF_A")
	check_eq "$H: every record names $IF_A and its ifindex $ifx" "$IF_A $ifx" \
		"$(jq -r 'select(.type == "flow") | "\(.interface) \(.ifindex)"' "$FLOWS" | sort -u | tr '\n' ' ' | sed 's/ $//')"
	check_eq "$H: the trafgen flows: $N_TRAF conversations of one packet each, B -> A, started by B" "$N_TRAF" \
		"$(jq -r --arg a "$IP_B" --argjson p $SINK_PORT 'select(.type == "flow" and .a.addr == $a and .b.port == $p
			and .a_to_b.packets == 1 and .b_to_a.packets == 0) | .a.port' "$FLOWS" | sort -u | grep -c '')"
	check_eq "$H: ping: one ICMP echo conversation, $N_PING requests B -> A and $N_PING replies" \
		"$IP_B $IP_A $N_PING 8 $N_PING 0" \
		"$(jq -r 'select(.type == "flow" and .proto == 1) | "\(.a.addr) \(.b.addr) \(.a_to_b.packets) \(.a_to_b.icmp_type) \(.b_to_a.packets) \(.b_to_a.icmp_type)"' "$FLOWS" | tr '\n' ' ' | sed 's/ $//')"
}

round xdp "$(printf 'tcx/egress ps_tc_egress\nxdp driver ps_xdp')"
round tc "$(printf 'tcx/egress ps_tc_egress\ntcx/ingress ps_tc_ingress')"

# ------------------------------------------------------------------ IPv6
#
# The same conversations over IPv6, once the IPv4 rounds are done (their
# link had to stay silent): IPv6 on the veth pair only, addresses from
# 2001:db8::/32 without DAD, no router solicitations, permanent neighbour
# entries (no neighbour discovery for them).  The kernel still sends MLD
# reports for the groups its addresses join, whenever it likes; pktscope
# and tcpdump both get an expression that keeps only what the test sends
# (TCP, UDP, ICMPv6 echo), so the capture is the reference for exactly the
# packets pktscope may count.
IP6_A=2001:db8:7::1
IP6_B=2001:db8:7::2
EXPR6='ip6 and (tcp or udp or icmp6[0] == 128 or icmp6[0] == 129)'
UDP6_SIZE=300
UDP6_FRAME=$((14 + 40 + 8 + UDP6_SIZE))
PING6_FRAME=$((14 + 40 + 8 + 56)) # ping's default 56 bytes of data

setup_ipv6() {
	local ns ifn p
	for p in "$NS_A $IF_A" "$NS_B $IF_B"; do
		read -r ns ifn <<<"$p"
		in_ns "$ns" sysctl -qw "net.ipv6.conf.$ifn.accept_dad=0" "net.ipv6.conf.$ifn.accept_ra=0" \
			"net.ipv6.conf.$ifn.router_solicitations=0" "net.ipv6.conf.$ifn.disable_ipv6=0" >/dev/null ||
			return 1
	done
	ip -n "$NS_A" addr add "$IP6_A/64" dev "$IF_A" nodad || return 1
	ip -n "$NS_B" addr add "$IP6_B/64" dev "$IF_B" nodad || return 1
	ip -n "$NS_A" neigh replace "$IP6_B" lladdr "$MAC_B" dev "$IF_A" nud permanent || return 1
	ip -n "$NS_B" neigh replace "$IP6_A" lladdr "$MAC_A" dev "$IF_B" nud permanent
}

# The records of one conversation (b's port "" for ICMPv6), compact JSON,
# one per line.
rec6() { # proto, a addr, b addr, b port|""
	jq -c --argjson pr "$1" --arg a "$2" --arg b "$3" --arg p "$4" 'select(.type == "flow" and
		.proto == $pr and .a.addr == $a and .b.addr == $b and ((.b.port // "" | tostring) == $p))' \
		"$FLOWS" 2>/dev/null
}

round6() { # hook, attachments expected
	local H=$1 s rp rb uport tport got_down N_CAP ifx r
	FLOWS=$TMPD/flows6-$H.out
	tcpdump_start cap6-$H "$NS_A" "$IF_A" "$EXPR6" || bail "$H IPv6: tcpdump captures $IF_A"
	ps_start_cmd flows6-$H "$NS_A" flows -i "$IF_A" --hook "$H" --json --idle-timeout $IDLE "$EXPR6" ||
		bail "$H IPv6: pktscope flows -i $IF_A --hook $H --json --idle-timeout $IDLE '$EXPR6' starts"
	check_attached "$H IPv6: pktscope flows --hook $H attached to $IF_A" "$NS_A" "$IF_A" "$2"

	# --- UDP datagrams A -> B, then silence: ended once, idle.
	if udp_idle "$H IPv6" 6-$H "$IP6_A" "$IP6_B" $UDP6_SIZE; then
		check_eq "$H IPv6: UDP: $N_UDP datagrams of $UDP6_SIZE bytes: $N_UDP frames of $UDP6_FRAME bytes A -> B, none back" \
			"$N_UDP $((N_UDP * UDP6_FRAME)) 0 0 6 udp" \
			"$(rec6 17 "$IP6_A" "$IP6_B" $UDP_PORT | jq -r '"\(.a_to_b.packets) \(.a_to_b.bytes) \(.b_to_a.packets) \(.b_to_a.bytes) \(.ip_version) \(.protocol)"')"
	fi

	# --- TCP with known payloads both ways, FIN both ways.
	tcp_fin "$H IPv6" 6-$H "$IP6_A" "$IP6_B"
	r=$(rec6 6 "$IP6_A" "$IP6_B" $TCP_PORT)
	# SYN, data and FIN from the client; SYN-ACK, data and FIN from the
	# server; ACKs both ways, no RST: tcp_flags in header bit order.
	check_eq "$H IPv6: TCP: the client is 'a'; flags both ways show the handshake and the close (FSPA), state closed, an RTT" \
		"$IP6_A $tport FSPA FSPA closed true" \
		"$(jq -r '"\(.a.addr) \(.a.port) \(.a_to_b.tcp_flags) \(.b_to_a.tcp_flags) \(.tcp_state) \(.rtt_us > 0)"' <<<"$r")"

	# --- ping -6, A -> B: one ICMPv6 echo conversation.
	in_ns "$NS_A" ping -6 -c $N_PING -i 0.2 -q "$IP6_B" >/dev/null || nok "$H IPv6: ping -6 $IP6_B from $NS_A"

	# --- stop: the rest is flushed (forced), the summary follows.
	tcpdump_stop cap6-$H || nok "$H IPv6: tcpdump wrote every packet it received"
	ps_stop flows6-$H
	check_eq "$H IPv6: pktscope flows: SIGINT, exit status 0" 0 "${RC[flows6-$H]}"
	check_attached "$H IPv6: nothing attached to $IF_A once pktscope flows stopped" "$NS_A" "$IF_A" ""

	N_CAP=$(tshark -r "$TMPD/cap6-$H.pcap" -T fields -e frame.number 2>/dev/null | grep -c '')
	[ "$N_CAP" -gt $((N_UDP + 2 * N_PING + 10)) ] || nok "$H IPv6: tcpdump captured the traffic ($N_CAP frames)"
	check_eq "$H IPv6: the capture holds IPv6 TCP, UDP and ICMPv6 echo only (tshark)" \
		"eth:ethertype:ipv6:icmpv6 eth:ethertype:ipv6:tcp eth:ethertype:ipv6:udp" \
		"$(tshark -r "$TMPD/cap6-$H.pcap" -T fields -e frame.protocols 2>/dev/null | cut -d: -f1-4 | sort -u | tr '\n' ' ' | sed 's/ $//')"
	conv "$H live IPv6" compare "$TMPD/cap6-$H.pcap" "$FLOWS" --live

	# the records after the stop: each conversation still exported once
	check_eq "$H IPv6: after the stop, the UDP flow is still one record (idle) and the TCP one one record (tcp_end)" \
		"1 idle|1 tcp_end" "$(recs "$IP6_A" "${uport:-0}" "$IP6_B")|$(recs "$IP6_A" "${tport:-0}" "$IP6_B")"
	check_eq "$H IPv6: ping -6: one ICMPv6 echo conversation A -> B, $N_PING requests (128) and $N_PING replies (129) of $PING6_FRAME bytes" \
		"$IP6_A $IP6_B $N_PING $((N_PING * PING6_FRAME)) 128 $N_PING $((N_PING * PING6_FRAME)) 129" \
		"$(jq -r 'select(.type == "flow" and .proto == 58) | "\(.a.addr) \(.b.addr) \(.a_to_b.packets) \(.a_to_b.bytes) \(.a_to_b.icmp_type) \(.b_to_a.packets) \(.b_to_a.bytes) \(.b_to_a.icmp_type)"' "$FLOWS" | tr '\n' ' ' | sed 's/ $//')"

	s=$(jq -c 'select(.type == "summary")' "$FLOWS")
	read -r rp rb < <(rec_sums "$FLOWS")
	check_eq "$H IPv6: summary: matched = the frames tcpdump captured with the same expression" "$N_CAP" "$(jq .kernel.matched <<<"$s")"
	check_eq "$H IPv6: summary: every matched packet in a flow (none without IP, none overflowed)" \
		"$(jq .kernel.matched <<<"$s") 0 0" "$(jq -r '.kernel | "\(.flow_packets) \(.not_flow_packets) \(.overflow_packets)"' <<<"$s")"
	check_eq "$H IPv6: summary: flow_packets and flow_bytes = the frames of the capture (tshark)" \
		"$(cap_ip "$TMPD/cap6-$H.pcap")" "$(jq -r '.kernel | "\(.flow_packets) \(.flow_bytes)"' <<<"$s")"
	check_eq "$H IPv6: the records' sums = the frames of the capture (tshark)" \
		"$(cap_ip "$TMPD/cap6-$H.pcap")" "$rp $rb"
	ifx=$(ifindex "$NS_A" "$IF_A")
	check_eq "$H IPv6: every record is IPv6 on $IF_A (ifindex $ifx)" "6 $IF_A $ifx" \
		"$(jq -r 'select(.type == "flow") | "\(.ip_version) \(.interface) \(.ifindex)"' "$FLOWS" | sort -u | tr '\n' ' ' | sed 's/ $//')"
}

setup_ipv6 || bail "IPv6 addresses on $IF_A and $IF_B"
round6 xdp "$(printf 'tcx/egress ps_tc_egress\nxdp driver ps_xdp')"
round6 tc "$(printf 'tcx/egress ps_tc_egress\ntcx/ingress ps_tc_ingress')"

# ------------------------------------------------ the export's own packets
#
# --ipfix to a collector reached through the watched interface: pktscope's
# own IPFIX datagrams cross veth-a.  They are not one of the host's flows
# (no record of them; each record of them would make more), and they are
# counted: the summary's flows.own_export against tcpdump's capture of the
# same interface (frames to the collector's port, their frame lengths) and
# against the exporter's own count of messages.  A UDP flow of the test's
# crosses at the same time and is recorded as usual.
COLL_PORT=4739
TEST_PORT=7104
EXPR_X='ip and udp'
tcpdump_start cap-ipfix "$NS_A" "$IF_A" "$EXPR_X" || bail "ipfix: tcpdump captures $IF_A"
# the collector: counts datagrams until SIGINT, then prints the count
COLLECTOR='import os, signal, socket, sys
stop = []
signal.signal(signal.SIGINT, lambda *_: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(0.1)
open(sys.argv[3] + ".tmp", "w").close()
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
n = 0
while not stop:
    try:
        s.recv(65536)
        n += 1
    except (socket.timeout, InterruptedError):
        pass
print(n)'
bg_start coll nsenter --net="/run/netns/$NS_B" -- "$PY" -c "$COLLECTOR" "$IP_B" $COLL_PORT "$TMPD/coll.ready"
wait_file "$TMPD/coll.ready" || nok "ipfix: the collector in $NS_B is ready"
bg_start sinkx nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$IP_B" $TEST_PORT 1000000 60 "$TMPD/sinkx.ready"
wait_file "$TMPD/sinkx.ready" || nok "ipfix: the test flow's receiver in $NS_B is ready"
FLOWS=$TMPD/flows-ipfix.out
ps_start_cmd flows-ipfix "$NS_A" flows -i "$IF_A" --json --interval 0.2 --active-timeout 1 \
	--ipfix "$IP_B:$COLL_PORT" "$EXPR_X" ||
	bail "ipfix: pktscope flows -i $IF_A --ipfix $IP_B:$COLL_PORT starts"
# 3 s of datagrams: an active record a second, each sent to the collector
for ((i = 0; i < 6; i++)); do
	in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" udp-send "$IP_B" $TEST_PORT 20 100 >/dev/null
	sleep 0.5
done
ps_stop flows-ipfix
check_eq "ipfix: pktscope flows --ipfix: SIGINT, exit status 0" 0 "${RC[flows-ipfix]}"
tcpdump_stop cap-ipfix || nok "ipfix: tcpdump wrote every packet it received"
bg_stop coll
bg_stop sinkx
s=$(jq -c 'select(.type == "summary")' "$FLOWS")
read -r cap_n cap_b < <(tshark -r "$TMPD/cap-ipfix.pcap" -Y "ip.src == $IP_A && udp.dstport == $COLL_PORT" \
	-T fields -e frame.len 2>/dev/null | awk '{ n++; b += $1 } END { print n + 0, b + 0 }')
if [ "$cap_n" -gt 2 ]; then
	ok "ipfix: the export crossed $IF_A: $cap_n datagrams to $IP_B.$COLL_PORT (tcpdump)"
else
	nok "ipfix: the export crossed $IF_A: datagrams to $IP_B.$COLL_PORT (tcpdump)"
	diag "$cap_n datagrams; summary: $s"
fi
check_eq "ipfix: no flow record of the export's own datagrams" "" \
	"$(jq -c --argjson p $COLL_PORT 'select(.type == "flow" and (.a.port == $p or .b.port == $p))' "$FLOWS" | head -2)"
check_eq "ipfix: own_export counts every datagram of it and its bytes, as tcpdump saw them" \
	"$cap_n $cap_b" "$(jq -r '.flows.own_export | "\(.packets) \(.bytes)"' <<<"$s")"
check_eq "ipfix: own_export packets = the messages the exporter sent = what the collector got" \
	"$cap_n $cap_n" "$(jq -r '.ipfix.messages' <<<"$s") $(cat "$TMPD/coll.out")"
check_eq "ipfix: the test's own UDP flow is recorded: 120 datagrams A -> B" "120" \
	"$(jq -s --argjson p $TEST_PORT '[.[] | select(.type == "flow" and .b.port == $p) | .a_to_b.packets] | add' "$FLOWS")"
read -r rp rb < <(rec_sums "$FLOWS")
read -r op ob < <(jq -r '.flows.own_export | "\(.packets // "-") \(.bytes // "-")"' <<<"$s")
got="no own_export in the summary"
[[ $op =~ ^[0-9]+$ && $ob =~ ^[0-9]+$ ]] && got="$((rp + op)) $((rb + ob))"
check_eq "ipfix: flow_packets and flow_bytes = the records' sums + own_export" \
	"$(jq -r '.kernel | "\(.flow_packets) \(.flow_bytes)"' <<<"$s")" "$got"

# ------------------------------------------------------------ SIGTERM
#
# Live, a signal ends flows within 100 ms: the loop's waits are at most
# 50 ms.  With --interval 30 a wait that ran to the next sweep would take
# 30 s.  Bound checked: 2 s; the time taken is printed.
# Python times the signal to the exit (1 ms polls of /proc).
STOPWATCH='import os, signal, sys, time
pid, sig = int(sys.argv[1]), getattr(signal, "SIG" + sys.argv[2])
def gone():
    try:
        return open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
t0 = time.monotonic()
os.kill(pid, sig)
while not gone() and time.monotonic() - t0 < 2:
    time.sleep(0.001)
print("%d" % ((time.monotonic() - t0) * 1000) if gone() else "hung")'
for sig in TERM INT; do
	FLOWS=$TMPD/flows-sig$sig.out
	ps_start_cmd sig$sig "$NS_A" flows -i "$IF_A" --json --interval 30 ||
		bail "SIG$sig: pktscope flows -i $IF_A --interval 30 starts"
	in_ns "$NS_A" ping -c 2 -i 0.2 -q "$IP_B" >/dev/null
	sleep 0.3
	took=$("$PY" -c "$STOPWATCH" "${PID[sig$sig]}" $sig)
	bg_wait sig$sig 2
	if [ "$took" = hung ] || [ "${RC[sig$sig]}" = hung ]; then
		nok "SIG$sig: live flows --interval 30 ends within 2 s"
		ps_stop sig$sig KILL
	else
		ok "SIG$sig: live flows --interval 30 ends within 2 s (in $took ms)"
	fi
	check_eq "SIG$sig: exit status 0, the ping's flow and the summary written" "0 1 true" \
		"${RC[sig$sig]} $(jq -s '[.[] | select(.type == "flow" and .proto == 1)] | length' "$TMPD/sig$sig.out") $(jq -s '.[-1].type == "summary"' "$TMPD/sig$sig.out")"
	check_attached "SIG$sig: nothing attached to $IF_A" "$NS_A" "$IF_A" ""
done
