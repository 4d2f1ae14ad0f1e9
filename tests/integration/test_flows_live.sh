#!/usr/bin/env bash
# `pktscope flows -i` on a live veth pair against a tcpdump capture of the
# same interface, analysed by tshark (tests/integration/conv.py):
#  - real conversations: a TCP exchange with known payloads both ways
#    (python sockets, FIN both ways), UDP datagrams to a listening socket,
#    ping, and hundreds of UDP flows from trafgen (one source port each);
#  - every conversation and direction: exact packets and bytes against
#    tshark's reading of the capture (-z conv,tcp / conv,udp and frame.len
#    sums), 'a' the SYN's sender, an RTT for the handshake;
#  - a flow idle past --idle-timeout is evicted and exported exactly once
#    (one record, end_reason idle), while pktscope keeps running;
#  - the TCP connection ends with end_reason tcp_end (FIN both ways);
#  - the summary: flow + not_flow + overflow packets = matched = the
#    capture's frames; the records' sums = flow_packets/flow_bytes;
#  - pktscope stopped by SIGINT exits 0 and leaves nothing attached.
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

# One round at one hook: pktscope and tcpdump on veth-a, the traffic, the
# checks; labels start with the hook.
round() { # hook, attachments expected
	local H=$1 i s rp rb uport tport got_down N_CAP ifx
	FLOWS=$TMPD/flows-$H.out
	tcpdump_start cap-$H "$NS_A" "$IF_A" || bail "$H: tcpdump captures $IF_A"
	ps_start_cmd flows-$H "$NS_A" flows -i "$IF_A" --hook "$H" --json --idle-timeout $IDLE ||
		bail "$H: pktscope flows -i $IF_A --hook $H --json --idle-timeout $IDLE starts"
	check_attached "$H: pktscope flows --hook $H attached to $IF_A" "$NS_A" "$IF_A" "$2"

	# --- UDP to a listening socket, then silence: evicted once, idle.
	bg_start udprecv-$H nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$IP_B" $UDP_PORT $N_UDP 10 "$TMPD/udp.ready-$H"
	for ((i = 0; i < WAIT_S * 10; i++)); do [ -e "$TMPD/udp.ready-$H" ] && break; sleep 0.1; done
	in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" udp-send "$IP_B" $UDP_PORT $N_UDP 200 >/dev/null
	bg_wait udprecv-$H
	check_eq "$H: UDP: the receiver got all $N_UDP datagrams" "$N_UDP" "$(cat "$TMPD/udprecv-$H.out")"
	# The source port of the first record written to B's port (bounded wait).
	a_port_to() { # b port
		local i p
		for ((i = 0; i < WAIT_S * 10; i++)); do
			p=$(jq -r --arg b "$IP_B" --argjson p "$1" 'select(.type == "flow" and .b.addr == $b and
				.b.port == $p) | .a.port' "$FLOWS" 2>/dev/null | head -1)
			[ -n "$p" ] && break
			sleep 0.1
		done
		echo "$p"
	}
	uport=$(a_port_to $UDP_PORT)
	if [ -n "$uport" ]; then
		ok "$H: UDP: a record for $IP_A:$uport -> $IP_B:$UDP_PORT once it was idle ${IDLE}s"
		# nothing more crosses this 5-tuple: it must not be written again
		sleep $((IDLE * 2 + 1))
		check_eq "$H: UDP: idle past --idle-timeout, evicted and exported exactly once (end_reason idle)" \
			"1 idle" "$(recs "$IP_A" "$uport" "$IP_B")"
	else
		nok "$H: UDP: a record for $IP_A -> $IP_B:$UDP_PORT once it was idle ${IDLE}s"
		diag "records so far: $(head -c 1000 "$FLOWS")"
	fi

	# --- TCP with known payloads, FIN both ways.
	bg_start tcpsrv-$H nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" tcp-server "$IP_B" $TCP_PORT "$TMPD/tcp.ready-$H" $TCP_DOWN
	for ((i = 0; i < WAIT_S * 10; i++)); do [ -e "$TMPD/tcp.ready-$H" ] && break; sleep 0.1; done
	got_down=$(in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" tcp-client "$IP_B" $TCP_PORT $TCP_UP)
	bg_wait tcpsrv-$H
	check_eq "$H: TCP: payloads crossed (up, down)" "$TCP_UP $TCP_DOWN" "$(cat "$TMPD/tcpsrv-$H.out") $got_down"
	tport=$(a_port_to $TCP_PORT)
	if [ -n "$tport" ] && wait_recs "$IP_A" "$tport" "$IP_B" "1 tcp_end"; then
		ok "$H: TCP: the connection closed by FIN both ways is one record, end_reason tcp_end"
	else
		nok "$H: TCP: the connection closed by FIN both ways is one record, end_reason tcp_end"
		diag "records of $IP_A:${tport:-?} -> $IP_B:$TCP_PORT: $(recs "$IP_A" "$tport" "$IP_B" | tr '\n' ' ')"
	fi

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
	check_eq "$H: summary: flow_packets and flow_bytes = the records' sums" "$rp $rb" \
		"$(jq -r '.kernel | "\(.flow_packets) \(.flow_bytes)"' <<<"$s")"
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
