#!/usr/bin/env bash
# pktscope's IPFIX exporter (src/flow/ipfix.c) against the two collectors people
# run: nfcapd (nfdump 1.7) and nfacctd (pmacct 1.7), each listening on
# 127.0.0.1 and on ::1 (random free ports, files in a temp dir).
#
# build/tools/mkipfix exports a seeded set of flow records (IPv4 and IPv6;
# TCP, UDP, ICMP, ICMPv6; one-way flows; counters past 2^32; several
# hundred records, so many Messages and a Template refresh) with the
# library; the collectors are stopped, which writes their files, and for
# every uniflow record the test checks that nfdump and pmacct report the
# packets, bytes, addresses, ports, protocol, TCP flags, start and end times
# (ms), ICMP type/code, ingress interface and flowEndReason that were sent,
# that no record is missing or extra, and that neither collector saw a
# Sequence Number out of order.
#
# pmacct's ICMP type/code and flowEndReason come from aggregate_primitives
# (its own decoding has no primitive for them); the rest is what each
# collector decodes itself.  The collectors are stopped and the temp dir
# removed by lib.sh's trap, on failure too.
set -u
. "$(dirname "$0")/lib.sh"

MKIPFIX=$BUILD_DIR/tools/mkipfix
CMP=$IT_DIR/ipfixcmp.py
NCONV=${IPFIX_TEST_CONVERSATIONS:-400}

require_tools nfcapd nfdump nfacctd ss jq tcpdump tshark "$PY"
[ -x "$MKIPFIX" ] || bail "mkipfix is built at $MKIPFIX (run make tests)"

free_udp_port() { # address: a port nothing listens on now
	"$PY" -c 'import socket,sys
a=sys.argv[1]; s=socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a, 0)); print(s.getsockname()[1])' "$1"
}

udp_recvq() { # port: the Recv-Q of the UDP socket bound to it ("" if none)
	ss -Hnul "( sport = :$1 )" 2>/dev/null | awk 'NR == 1 { print $2 }'
}

wait_bound() { # name, port: until the collector's socket exists
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ -n "$(udp_recvq "$2")" ] && return 0
		_is_child "${PID[$1]}" || break
		sleep 0.1
	done
	diag "$1 did not bind UDP port $2: $(tail -c 1000 "$TMPD/$1.err" "$TMPD/$1.out" 2>/dev/null)"
	return 1
}

wait_drained() { # port: until the collector has read every datagram
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ "$(udp_recvq "$1")" = 0 ] && break
		sleep 0.1
	done
	sleep 0.5 # read is not yet processed
}

# ------------------------------------------------------------ the records

nuni=$("$PY" "$CMP" gen 4739 "$NCONV" "$TMPD") || bail "generate flow records"
diag "$NCONV conversations, $nuni uniflow records"

# ------------------------------------------------------------ collectors

# The collectors start in this shell (not in $(...)) so that lib.sh knows
# their pids and its trap stops them; each sets $port.
start_nfcapd() { # name, bind address
	port=$(free_udp_port "$2") || return 1
	mkdir -p "$TMPD/$1"
	bg_start "$1" nfcapd -w "$TMPD/$1" -b "$2" -p "$port" -t 3600
	wait_bound "$1" "$port"
}

start_nfacctd() { # name, bind address
	port=$(free_udp_port "$2") || return 1
	cat >"$TMPD/$1.primitives" <<-EOF
		name=icmp4 field_type=32 len=2 semantics=u_int
		name=icmp6 field_type=139 len=2 semantics=u_int
		name=endreason field_type=136 len=1 semantics=u_int
	EOF
	cat >"$TMPD/$1.conf" <<-EOF
		daemonize: false
		nfacctd_ip: $2
		nfacctd_port: $port
		logfile: $TMPD/$1.log
		timestamps_utc: true
		timestamps_secs: false
		aggregate_primitives: $TMPD/$1.primitives
		plugins: print[p]
		aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tcpflags, in_iface, timestamp_start, timestamp_end, icmp4, icmp6, endreason
		print_output[p]: csv
		print_output_file[p]: $TMPD/$1.csv
		print_refresh_time[p]: 3600
		print_cache_entries[p]: 9973
		nfacctd_disable_checks: false
	EOF
	bg_start "$1" nfacctd -f "$TMPD/$1.conf"
	wait_bound "$1" "$port"
}

# Exports every record to one collector; checks mkipfix's own counters.
export_to() { # label, HOST:PORT
	local out
	if ! out=$("$MKIPFIX" "$2" "$TMPD/records.jsonl" 2>"$TMPD/mkipfix.err"); then
		nok "$1: mkipfix exported every record"
		diag "$out $(cat "$TMPD/mkipfix.err")"
		return 1
	fi
	check_eq "$1: exporter sent every record, none lost" "$nuni 0 0" \
		"$(jq -r '"\(.records) \(.records_lost) \(.send_errors)"' <<<"$out")"
	diag "$1: $(jq -r '"\(.messages) messages, \(.template_msgs) with Templates"' <<<"$out")"
}

check_nfcapd() { # label, name, port
	local files
	wait_drained "$3"
	bg_stop "$2" TERM || nok "$1: nfcapd stopped on SIGTERM"
	files=$(find "$TMPD/$2" -name 'nfcapd.2*' | sort)
	if [ -z "$files" ]; then
		nok "$1: nfcapd wrote a file"
		diag "$(cat "$TMPD/$2.err")"
		return
	fi
	# shellcheck disable=SC2086 # several files if a rotation fell in the run
	for f in $files; do TZ=UTC nfdump -q -r "$f" -o raw; done >"$TMPD/$2.raw" 2>"$TMPD/$2.nfdump.err"
	verdicts "$1 (nfdump)" "$PY" "$CMP" nfdump "$TMPD/expected.json" "$TMPD/$2.raw"
	check_eq "$1 (nfdump): no sequence failures" "0" \
		"$(for f in $files; do nfdump -r "$f" -I; done | awk -F': ' '/^Sequence failures/ { s += $2 } END { print s + 0 }')"
}

check_nfacctd() { # label, name, port
	wait_drained "$3"
	bg_stop "$2" INT || nok "$1: nfacctd stopped on SIGINT"
	if [ ! -s "$TMPD/$2.csv" ]; then
		nok "$1: nfacctd wrote its CSV"
		diag "$(tail -5 "$TMPD/$2.log" 2>/dev/null)"
		return
	fi
	verdicts "$1 (pmacct)" "$PY" "$CMP" pmacct "$TMPD/expected.json" "$TMPD/$2.csv"
	# With nfacctd_disable_checks off (it is on by default), nfacctd checks
	# each Sequence Number against the previous one plus that Message's
	# Data Records and logs every jump ("expecting flow N but received M").
	check_eq "$1 (pmacct): no sequence number jumps logged" "" \
		"$(grep -iE 'expecting flow|malformed|discard' "$TMPD/$2.log")"
}

for spec in "nfcapd 127.0.0.1" "nfcapd ::1" "nfacctd 127.0.0.1" "nfacctd ::1"; do
	read -r coll addr <<<"$spec"
	name=$coll-$([ "$addr" = ::1 ] && echo v6 || echo v4)
	hp=$addr
	[ "$addr" = ::1 ] && hp="[::1]"
	if ! start_"$coll" "$name" "$addr"; then
		nok "$coll listening on $addr"
		continue
	fi
	ok "$coll listening on $hp:$port"
	export_to "to $coll on $hp" "$hp:$port" || { bg_stop "$name" TERM; continue; }
	check_"$coll" "$coll on $hp" "$name" "$port"
done

# ------------------------------------------- pktscope flows --ipfix, end to end
# The flows of a capture, exported by `pktscope flows -r --ipfix` itself:
# what each collector stores must be what pktscope's JSON records of the
# same run say, uniflow by uniflow, and those records must be what tshark
# reads in the capture (conv.py, over the packets tcpdump keeps with the
# same expression): so the collectors hold tshark's conversations.  (ICMP
# is left out by the expression: between two hosts, its flows of several
# types share one collector 5-tuple.)
require_pktscope
MKPCAP=$BUILD_DIR/tools/mkpcap
"$MKPCAP" --mix 2000 --seed 11 "$TMPD/mix.pcap" >/dev/null || bail "mkpcap --mix"
tcpdump --time-stamp-precision=nano -r "$TMPD/mix.pcap" -w "$TMPD/mix-tu.pcap" 'tcp or udp' 2>/dev/null ||
	bail "tcpdump -r keeps the TCP and UDP packets of the mix"
for spec in "nfcapd 127.0.0.1" "nfacctd 127.0.0.1"; do
	read -r coll addr <<<"$spec"
	name=flows-$coll
	if ! start_"$coll" "$name" "$addr"; then
		nok "$coll listening on $addr (pktscope flows)"
		continue
	fi
	"$PKTSCOPE" flows -r "$TMPD/mix.pcap" --json --ipfix "$addr:$port" 'tcp or udp' \
		>"$TMPD/$name.jsonl" 2>"$TMPD/$name.stderr"
	check_eq "pktscope flows --ipfix to $coll: exit 0" 0 $?
	conv "pktscope flows --ipfix to $coll: its JSON records against tshark" compare \
		"$TMPD/mix-tu.pcap" "$TMPD/$name.jsonl"
	nuni=$("$PY" "$CMP" fromflows "$TMPD/$name.jsonl" "$TMPD") || bail "fromflows"
	check_eq "pktscope flows --ipfix to $coll: every uniflow sent, none lost" "$nuni 0 0" \
		"$(jq -r 'select(.type == "summary") | .ipfix | "\(.records) \(.records_lost) \(.send_errors)"' \
			"$TMPD/$name.jsonl")"
	check "pktscope flows --ipfix to $coll: more than 1000 uniflows" [ "$nuni" -gt 1000 ]
	check_"$coll" "pktscope flows -> $coll" "$name" "$port"
done
