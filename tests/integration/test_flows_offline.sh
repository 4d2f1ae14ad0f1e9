#!/usr/bin/env bash
# `pktscope flows -r` against tshark, the real peer, over captures of
# realistic conversations written by build/tools/mkflows (seeded: TCP with
# handshakes, data both ways and FIN or RST, UDP, ICMP and ICMPv6 echo, IPv6,
# ESP, a 5-tuple reused after an idle gap, a long UDP flow and a long TCP
# session crossing the active timeout, thousands of short flows, frames
# that are not IP):
#  - the generator: same seed, same bytes; its truth (--expect) agrees
#    exactly with tshark (conversation tables, per-frame fields, initial RTT),
#    and conv.py catches errors planted in it (the comparisons can fail);
#  - --json records summed per conversation and direction against tshark
#    -z conv,tcp / conv,udp (as tshark prints them) and against exact sums of
#    frame.len, first/last packet times, TCP flags, ICMP type/code; handshake
#    RTT against tcp.analysis.initial_rtt; 'a' is the SYN's sender;
#  - --by hostpair against -z conv,ipv4 / conv,ipv6;
#  - --by src and --by dst against -z endpoints,ipv4 / endpoints,ipv6: per
#    host, Tx = src a_to_b + dst b_to_a and Rx = src b_to_a + dst a_to_b,
#    every host; each grouping against the frames of the conversations the
#    host started (src) or was sent (dst); planted errors caught;
#  - how records cut conversations: the long flows into active records then
#    forced / tcp_end, a reused 5-tuple after an idle gap into two records,
#    each record holding exactly its own packets;
#  - pcapng, and the TC program: their records against tshark too; an
#    EXPRESSION keeps exactly the conversations tcpdump keeps;
#  - the summary's accounting (flows + not_flow + overflow = matched = the
#    file), and with --max-flows 16 every packet still accounted: in a
#    record or as overflow;
#  - the table (no --json): one row per record, in the order of the column
#    the sort key names, RATE over max(duration, 1 s) (tablecheck.py); the
#    report names the ends (idle, TCP close, open) and says nothing of
#    evictions (there are none);
#  - time stamps anywhere in the 32-bit seconds of a pcap (0, 2^31, 2^32-1,
#    decades apart): the run ends by itself, each conversation one record
#    with tshark's times;
#  - SIGTERM and SIGINT end a long -r run promptly (bound 2 s), exit 0;
#  - bad options: exit 2, one line.
. "$(dirname "$0")/lib.sh"

require_root
require_tools tshark tcpdump editcap jq "$PY"
require_pktscope
MKFLOWS=$BUILD_DIR/tools/mkflows
[ -x "$MKFLOWS" ] || bail "mkflows is built at $MKFLOWS (run make tests)"

SEED=11
IDLE=30   # --idle-timeout: the reused 5-tuples come back after GAP > IDLE
ACTIVE=60 # --active-timeout: the long flows last LONG and 3/4 LONG seconds
LONG=200
GAP=120
MANY=3000
F=$TMPD/flows.pcap
E=$TMPD/flows.json

# pktscope flows -r, foreground; output in $TMPD/NAME.{out,err}, RC[NAME].
flows_run() { # name, flows arguments...
	local name=$1
	shift
	timeout -k 5 120 "$PKTSCOPE" flows "$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" </dev/null
	RC[$name]=$?
}
flows_ok() { # name, flows arguments...: runs it, one check that it worked
	flows_run "$@"
	if [ "${RC[$1]}" -eq 0 ] && jq -e 'select(.type == "summary")' "$TMPD/$1.out" >/dev/null 2>&1; then
		ok "$1: pktscope flows ${*:2}: exit 0 and a summary"
		return 0
	fi
	nok "$1: pktscope flows ${*:2}: exit 0 and a summary"
	diag "exit ${RC[$1]}; stderr: $(head -c 1000 "$TMPD/$1.err")"
	return 1
}
summary() { jq -c 'select(.type == "summary")' "$TMPD/$1.out"; }
nframes() { tshark -r "$1" -T fields -e frame.number 2>/dev/null | grep -c ''; }
# The records of one conversation, in order: "record end_reason" per line.
records_of() { # name, a addr, a port (or "" for none)
	jq -r --arg a "$2" --arg p "$3" 'select(.type == "flow" and .a.addr == $a and
		((.a.port // "" | tostring) == $p)) | "\(.first_seen) \(.record) \(.end_reason)"' \
		"$TMPD/$1.out" | sort | cut -d' ' -f2-
}

# ------------------------------------------------------------- generator

"$MKFLOWS" --seed $SEED --many $MANY --long $LONG --gap $GAP --expect "$E" "$F" >/dev/null ||
	bail "mkflows writes $F"
"$MKFLOWS" --seed $SEED --many $MANY --long $LONG --gap $GAP --expect "$E.2" "$F.2" >/dev/null
if cmp -s "$F" "$F.2" && cmp -s "$E" "$E.2"; then
	ok "mkflows: the same seed writes the same capture and truth, byte for byte"
else
	nok "mkflows: the same seed writes the same capture and truth, byte for byte"
fi
"$MKFLOWS" --seed $((SEED + 1)) --many $MANY --long $LONG --gap $GAP "$F.3" >/dev/null
if ! cmp -s "$F" "$F.3"; then ok "mkflows: another seed, another capture"; else
	nok "mkflows: another seed, another capture"; fi
rm -f "$F.2" "$F.3" "$E.2"
"$MKFLOWS" --seed $SEED --many $MANY --long $LONG --gap $GAP --pcapng "$TMPD/flows.pcapng" >/dev/null ||
	bail "mkflows --pcapng writes $TMPD/flows.pcapng"
fr() { tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.protocols 2>/dev/null | md5sum; }
check_eq "mkflows --pcapng: the same frames and times as the pcap (tshark)" "$(fr "$F")" "$(fr "$TMPD/flows.pcapng")"
N_FILE=$(jq .file.packets "$E")
N_CONV=$(jq '.conversations | length' "$E")
# "packets bytes" of the frames that are flows: the file less the frames
# without an IP header (the truth; conv.py checks it against tshark).
FLOW_PB=$(jq -r '"\(.file.packets - .not_flow.packets) \(.file.bytes - .not_flow.bytes)"' "$E")
[ "$N_FILE" -gt $((MANY * 3)) ] || bail "mkflows wrote $N_FILE packets"

conv "conv.py selftest" selftest
conv "truth" expect "$F" "$E"

# The comparisons catch errors: the truth written as records passes, and
# each planted error is reported where it was planted.
"$PY" "$IT_DIR/conv.py" as-records "$E" >"$TMPD/fake.jsonl" || bail "conv.py as-records"
"$PY" "$IT_DIR/conv.py" compare "$F" "$TMPD/fake.jsonl" >"$TMPD/fake.out" 2>&1
check_eq "conv.py compare: the truth as records passes every comparison" "0 bad" \
	"$(grep -c '^bad' "$TMPD/fake.out") bad"
planted() { # description, Python changing a record r (or keep = False), regex of the bad line expected
	"$PY" -c 'import json, sys
plant = compile(sys.argv[1], "plant", "exec")
for line in open(sys.argv[2]):
    r, keep = json.loads(line), True
    exec(plant)
    if keep:
        print(json.dumps(r))' "$2" "$TMPD/fake.jsonl" >"$TMPD/planted.jsonl"
	"$PY" "$IT_DIR/conv.py" compare "$F" "$TMPD/planted.jsonl" >"$TMPD/planted.out" 2>&1
	local rc=$?
	if [ "$rc" -eq 1 ] && grep -qE "$3" "$TMPD/planted.out"; then
		ok "conv.py compare catches a planted error: $1"
	else
		nok "conv.py compare catches a planted error: $1"
		diag "exit $rc; no line matching /$3/ in:"
		diag "$(grep '^bad' "$TMPD/planted.out" | head -5)"
	fi
}
planted "one byte more b->a in a UDP conversation" \
	'if r["a"].get("port") == 40404: r["b_to_a"]["bytes"] += 1' \
	'^bad.*exact packets and bytes.*10\.4\.0\.1:40404'
planted "a packet moved from a->b to b->a" \
	'if r["a"]["addr"] == "10.3.0.1": r["a_to_b"]["packets"] -= 1; r["b_to_a"]["packets"] += 1' \
	'^bad.*conv,udp.*10\.3\.0\.1:5004'
planted "a TCP record's endpoints swapped" \
	'if r["a"].get("port") == 45000: r["a"], r["b"] = r["b"], r["a"]' \
	"^bad.*'a' is the SYN's sender.*10\.4\.0\.3:45000"
planted "an RTT 1 us off" \
	'if r["a"].get("port") == 45000: r["rtt_us"] += 1' '^bad.*handshake RTT.*10\.4\.0\.4:80'
planted "a conversation left out" 'keep = r["a"]["addr"] != "10.1.6.1"' '^bad.*every conversation.*proto 50'
planted "a first_ns a microsecond late" \
	'if (r["a"]["addr"], r["b"]["addr"]) == ("10.1.4.1", "10.2.4.1"): r["a_to_b"]["first_ns"] += 1000' \
	'^bad.*first and last packet time.*10\.1\.4\.1'
"$PY" "$IT_DIR/conv.py" records "$F" "$TMPD/fake.jsonl" --idle $IDLE --active 100000 >"$TMPD/fake-rec.out" 2>&1
check_eq "conv.py records: the truth as one record per conversation fails only where it must (the long UDP flow ends forced, not idle)" \
	"1 udp 10.3.0.1:5004" "$(grep -c '^bad' "$TMPD/fake-rec.out") $(grep '^bad' "$TMPD/fake-rec.out" | grep -o 'udp 10\.3\.0\.1:5004' | head -1)"

# ------------------------------------------------------------ 5-tuple

if flows_ok main -r "$F" --json --idle-timeout $IDLE --active-timeout $ACTIVE; then
	conv "5tuple" compare "$F" "$TMPD/main.out"
	conv "5tuple" records "$F" "$TMPD/main.out" --idle $IDLE --active $ACTIVE

	want=$(seq $(( (LONG + ACTIVE - 1) / ACTIVE - 1 )) | sed 's/.*/& active/'; echo "$(( (LONG + ACTIVE - 1) / ACTIVE )) forced")
	check_eq "the long UDP flow ($LONG s, a packet a second): $(( (LONG + ACTIVE - 1) / ACTIVE )) records, active then forced" \
		"$want" "$(records_of main 10.3.0.1 5004)"
	LT=$((LONG * 3 / 4))
	tport=$(jq -r '.conversations[] | select(.kind == "tcp_long") | .a.port' "$E")
	want=$(seq $(( (LT + ACTIVE - 1) / ACTIVE - 1 )) | sed 's/.*/& active/'; echo "$(( (LT + ACTIVE - 1) / ACTIVE )) tcp_end")
	check_eq "the long TCP session ($LT s, FIN at the end): records active then tcp_end" \
		"$want" "$(records_of main 10.3.0.3 "$tport")"
	check_eq "a UDP 5-tuple idle for $GAP s (> --idle-timeout $IDLE) then used again: two conversations, both ended idle" \
		"$(printf '1 idle\n1 idle')" "$(records_of main 10.4.0.1 40404)"
	check_eq "a TCP 5-tuple closed, then opened again $GAP s later: two conversations, both tcp_end" \
		"$(printf '1 tcp_end\n1 tcp_end')" "$(records_of main 10.4.0.3 45000)"
	bad=$(jq -r 'select(.type == "flow" and .proto == 6) | .a_to_b.tcp_flags, .b_to_a.tcp_flags' \
		"$TMPD/main.out" | grep -v '^[FSRPAUEC]*$' | sort | uniq -c | sort -rn | head -3 | tr '\n' ' ')
	check_eq "tcp_flags in the issue's letters (\"SPA\": F S R P A U E C)" "" "$bad"

	s=$(summary main)
	check_eq "summary: matched = the file's packets (tshark)" "$(nframes "$F")" "$(jq .kernel.matched <<<"$s")"
	check_eq "summary: flow_packets + not_flow_packets + overflow_packets = matched" \
		"$(jq .kernel.matched <<<"$s")" "$(jq '.kernel | .flow_packets + .not_flow_packets + .overflow_packets' <<<"$s")"
	check_eq "summary: flow_packets and flow_bytes = the file's IP packets and bytes (the generator's truth)" \
		"$FLOW_PB" "$(jq -r '.kernel | "\(.flow_packets) \(.flow_bytes)"' <<<"$s")"
	check_eq "summary: not_flow = the frames without an IP header (ARP, bad IHL), packets and bytes" \
		"$(jq -r '.not_flow | "\(.packets) \(.bytes)"' "$E")" "$(jq -r '.kernel | "\(.not_flow_packets) \(.not_flow_bytes)"' <<<"$s")"
	check_eq "summary: nothing overflowed, one kernel entry created per conversation" \
		"0 0 $N_CONV" "$(jq -r '.kernel | "\(.overflow_packets) \(.overflow_bytes) \(.created)"' <<<"$s")"
	check_eq "summary: written = records = the flow lines" \
		"$(jq -s '[.[] | select(.type == "flow")] | length' "$TMPD/main.out") 0" \
		"$(jq -r '"\(.written) \(.write_errors)"' <<<"$s")"
	check_eq "summary: open (at the end of the file) = the records ended forced" \
		"$(jq -s '[.[] | select(.type == "flow" and .end_reason == "forced")] | length' "$TMPD/main.out")" \
		"$(jq .flows.open <<<"$s")"

	# The TC program, and the file as pcapng: each run against tshark on
	# its own (not against the XDP run's records).
	if flows_ok tc -r "$F" --hook tc --json --idle-timeout $IDLE --active-timeout $ACTIVE; then
		conv "--hook tc" compare "$F" "$TMPD/tc.out"
		conv "--hook tc" records "$F" "$TMPD/tc.out" --idle $IDLE --active $ACTIVE
		check_eq "--hook tc: not_run 0 (every frame fits a TC test run)" 0 "$(summary tc | jq .not_run)"
	fi
	if flows_ok ng -r "$TMPD/flows.pcapng" --json --idle-timeout $IDLE --active-timeout $ACTIVE; then
		conv "pcapng" compare "$TMPD/flows.pcapng" "$TMPD/ng.out"
		conv "pcapng" records "$TMPD/flows.pcapng" "$TMPD/ng.out" --idle $IDLE --active $ACTIVE
	fi
fi

# --active-timeout 0: a flow is exported only when it ends.
if flows_ok noactive -r "$F" --json --idle-timeout $IDLE --active-timeout 0; then
	check_eq "--active-timeout 0: the long UDP flow is one record, forced at the end of the file" \
		"1 forced" "$(records_of noactive 10.3.0.1 5004)"
fi

# ------------------------------------------------------------ host pairs

if flows_ok hostpair -r "$F" --json --by hostpair; then
	conv "hostpair" compare "$F" "$TMPD/hostpair.out" --by hostpair
	bad=$(jq -c 'select(.type == "flow" and (.protocol != "any" or .a.port != null or .b.port != null))
		| {protocol, a, b}' "$TMPD/hostpair.out" | head -2)
	check_eq "--by hostpair: protocol \"any\", no ports" "" "$bad"
fi

# ------------------------------------------------------------ hosts

# --by src credits each conversation to the host that started it (a_to_b:
# what it sent, b_to_a: what it got back), --by dst to the host it was
# started to (a_to_b: what that host received, b_to_a: what it sent).  A
# host's Tx in tshark's endpoint table is then its src a_to_b + dst b_to_a,
# its Rx its src b_to_a + dst a_to_b (conv.py endpoints).
if flows_ok src -r "$F" --json --by src --idle-timeout $IDLE --active-timeout $ACTIVE &&
	flows_ok dst -r "$F" --json --by dst --idle-timeout $IDLE --active-timeout $ACTIVE; then
	conv "hosts" endpoints "$F" "$TMPD/src.out" "$TMPD/dst.out" --idle $IDLE
	for by in src dst; do
		check_eq "--by $by: the groups' sums = the file's IP packets and bytes (the generator's truth)" \
			"$FLOW_PB" "$(rec_sums "$TMPD/$by.out")"
	done

	# The comparison catches errors planted in pktscope's own output.
	planted_ep() { # description, src|dst, Python changing a record r (or keep = False), regex of the bad line expected
		local d=$1 which=$2 rc
		cp "$TMPD/src.out" "$TMPD/psrc.out"
		cp "$TMPD/dst.out" "$TMPD/pdst.out"
		"$PY" -c 'import json, sys
plant = compile(sys.argv[1], "plant", "exec")
for line in open(sys.argv[2]):
    r, keep = json.loads(line), True
    if r.get("type") == "flow":
        exec(plant)
    if keep:
        print(json.dumps(r))' "$3" "$TMPD/$which.out" >"$TMPD/p$which.out"
		"$PY" "$IT_DIR/conv.py" endpoints "$F" "$TMPD/psrc.out" "$TMPD/pdst.out" --idle $IDLE >"$TMPD/planted.out" 2>&1
		rc=$?
		if [ "$rc" -eq 1 ] && grep -qE "$4" "$TMPD/planted.out"; then
			ok "conv.py endpoints catches a planted error: $d"
		else
			nok "conv.py endpoints catches a planted error: $d"
			diag "exit $rc; no line matching /$4/ in:"
			diag "$(grep -v '^ok' "$TMPD/planted.out" | head -5)"
		fi
	}
	planted_ep "one packet more from 10.1.2.1 (--by src a_to_b): its Tx off by one" src \
		'if r["a"]["addr"] == "10.1.2.1": r["a_to_b"]["packets"] += 1' \
		$'^bad\t.*endpoints,ipv4, every host.*IPv4 10\\.1\\.2\\.1\t.*3804 packets .*\t.*3805 packets '
	planted_ep "one byte more to fd00:2::1 (--by dst a_to_b): its Rx bytes off by one" dst \
		'if r["b"]["addr"] == "fd00:2::1": r["a_to_b"]["bytes"] += 1' \
		$'^bad\t.*endpoints,ipv6, every host.*IPv6 fd00:2::1\t'
	planted_ep "a host's group left out (--by dst 10.2.2.1)" dst \
		'keep = r["b"]["addr"] != "10.2.2.1"' \
		$'^bad\t.*endpoints,ipv4, every host.*IPv4 10\\.2\\.2\\.1\t.*\tno such host'
	planted_ep "a group for a host tshark never saw (--by src 10.1.2.1 renamed)" src \
		'if r["a"]["addr"] == "10.1.2.1": r["a"]["addr"] = "10.99.0.1"' \
		$'^bad\t.*endpoints,ipv4, every host.*IPv4 10\\.99\\.0\\.1\tno such host'
fi

# ------------------------------------------------------------ expressions

for expr in 'tcp port 80' 'icmp or icmp6' 'udp and net 10.4.0.0/16'; do
	lbl="expression '$expr'"
	sub=$TMPD/expr.pcap
	tcpdump --time-stamp-precision=nano -r "$F" -w "$sub" "$expr" 2>/dev/null || { nok "$lbl: tcpdump -r keeps its packets"; continue; }
	if flows_ok expr -r "$F" --json --idle-timeout $IDLE --active-timeout $ACTIVE "$expr"; then
		conv "$lbl" compare "$sub" "$TMPD/expr.out"
		check_eq "$lbl: summary matched = the packets tcpdump keeps; no flow from others" \
			"$(nframes "$sub") 0" "$(summary expr | jq -r '"\(.kernel.matched) \(.kernel.not_flow_packets + .kernel.overflow_packets)"')"
	fi
done

# ------------------------------------------------------------ overflow

if flows_ok small -r "$F" --json --idle-timeout $IDLE --max-flows 16; then
	s=$(summary small)
	tot=$(jq -r '"\(.file.packets - .not_flow.packets) \(.file.bytes - .not_flow.bytes)"' "$E")
	read -r rp rb < <(rec_sums "$TMPD/small.out")
	op=$(jq .kernel.overflow_packets <<<"$s")
	ob=$(jq .kernel.overflow_bytes <<<"$s")
	if [ "${op:-0}" -gt 0 ] && [ "$(jq .memory.max_flows <<<"$s")" = 16 ]; then
		ok "--max-flows 16 with $N_CONV conversations: overflow counted ($op packets, $ob bytes)"
	else
		nok "--max-flows 16 with $N_CONV conversations: overflow counted"
		diag "$s"
	fi
	check_eq "--max-flows 16: records + overflow = every IP packet of the file (packets, bytes)" \
		"$tot" "$((rp + op)) $((rb + ob))"
	check_eq "--max-flows 16: flow_packets + not_flow_packets + overflow_packets = matched = the file" \
		"$N_FILE $N_FILE" "$(jq -r '.kernel | "\(.matched) \(.flow_packets + .not_flow_packets + .overflow_packets)"' <<<"$s")"
fi

# ------------------------------------------------------------ the table

# Without --json, -r prints a table: one row per record (the records above,
# compared with tshark), sorted by the column the sort key names, RATE the
# bits over the duration or over 1 s when shorter (tablecheck.py).
FIRST_NS=$(tshark -r "$F" -T fields -e frame.time_epoch 2>/dev/null | "$PY" -c 'import sys
from decimal import Decimal
print(min(int(Decimal(l) * 10**9) for l in sys.stdin if l.strip()))')
table_check() { # label, table run name, records run name, sort, tablecheck options...
	local label=$1 tab=$2 recs=$3 sort=$4
	shift 4
	"$PY" "$IT_DIR/tablecheck.py" "$TMPD/$tab.out" "$TMPD/$recs.out" "$sort" "$FIRST_NS" "$@" \
		>"$TMPD/tc.out" 2>"$TMPD/tc.err"
	tap_compare "$label" "$TMPD/tc.out"
	[ -s "$TMPD/tc.err" ] && { nok "$label: tablecheck.py ran"; diag "$(head -c 1000 "$TMPD/tc.err")"; }
	return 0
}
for sort in bytes packets rate age; do
	flows_run tab-$sort -r "$F" --idle-timeout $IDLE --active-timeout $ACTIVE --sort $sort
	check_eq "table --sort $sort: exit 0" 0 "${RC[tab-$sort]}"
	table_check "table --sort $sort" tab-$sort main $sort
done
flows_run tab-top -r "$F" --idle-timeout $IDLE --active-timeout $ACTIVE --top 10
table_check "table --top 10" tab-top main bytes --top 10
flows_run tab-hp -r "$F" --by hostpair --sort packets
table_check "table --by hostpair" tab-hp hostpair packets --by hostpair
# the report under the table names the ends as what they were
s=$(summary main)
check_eq "table: the report counts the rows and names the ends (idle, TCP close, open at the end)" \
	"$(($(grep -c '' "$TMPD/tab-bytes.out") - 1)) flow records written; $(jq .flows.ended_idle <<<"$s") conversations ended idle, $(jq .flows.ended_tcp <<<"$s") by TCP close, $(jq .flows.open <<<"$s") open" \
	"$(head -1 "$TMPD/tab-bytes.err")"
check_eq "summary: ended_idle + ended_tcp + open = the conversations (every one ended once, or is open)" \
	"$N_CONV" "$(jq '.flows | .ended_idle + .ended_tcp + .open' <<<"$s")"
check_eq "summary: ended_tcp = the records that ended by a TCP close, ended_idle those that ended idle" \
	"$(jq -s '[.[] | select(.end_reason == "tcp_end")] | length' "$TMPD/main.out") $(jq -s '[.[] | select(.end_reason == "idle")] | length' "$TMPD/main.out")" \
	"$(jq -r '.flows | "\(.ended_tcp) \(.ended_idle)"' <<<"$s")"
check_eq "summary: no 'evicted' (nothing is evicted: a full table counts overflow)" "null" \
	"$(jq -c '.flows.evicted' <<<"$s")"

# ------------------------------------------------ time stamps near 2^32 s

# A pcap's seconds are 32 bits: a capture may sit anywhere in them.  UDP
# conversations at 0 s, across 2^31 s and up to 2^32-1 s, with gaps of
# decades between them, one of two packets 1 us apart, in one file written
# here (not by pktscope).  The run ends by itself (it used to step through
# every sweep of the gap, and past 2^64 ns loop for ever, deaf to
# SIGTERM), every packet is in a record, each conversation is one record
# with its packets and its first and last time as tshark reads them, and
# the table's rate of the 1 us pair is its bits over one second.
TS=$TMPD/ts.pcap
"$PY" - "$TS" <<'PYEOF' || bail "the time-stamp capture is written"
import struct, sys
def frame(sport, payload=32):
    eth = bytes.fromhex("0200000000020200000000010800")
    ulen = 8 + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 1, 0, 64, 17, 0,
                     bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2]))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
    return eth + ip + struct.pack("!HHHH", sport, 9000, ulen, 0) + b"p" * payload
conv = {1000: [(0, 0), (1, 0), (2, 0)],
        1001: [(2**31 - 2, 5), (2**31 - 1, 5), (2**31, 5), (2**31 + 1, 5)],
        1002: [(2**32 - 3, 7), (2**32 - 2, 7), (2**32 - 1, 999999)],
        1003: [(3000000000, 500000), (3000000000, 500001)]}
pkts = sorted((t, us, port) for port, ts in conv.items() for t, us in ts)
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for t, us, port in pkts:
        f = frame(port)
        out.write(struct.pack("<IIII", t, us, len(f), len(f)) + f)
PYEOF
ts_truth() { # per source port: packets, first and last time in ns, from tshark
	tshark -r "$TS" -T fields -e udp.srcport -e frame.time_epoch 2>/dev/null | "$PY" -c 'import sys
from decimal import Decimal
c = {}
for l in sys.stdin:
    p, t = l.split()
    c.setdefault(int(p), []).append(int(Decimal(t) * 10**9))
for p in sorted(c):
    print(p, 1, len(c[p]), min(c[p]), max(c[p]))'
}
ts_got() { # per source port: records, packets, first and last time in ns
	"$PY" -c 'import json, sys
c = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("type") == "flow":
        s = r["a_to_b"]
        n, p, f, t = c.get(r["a"]["port"], (0, 0, None, None))
        c[r["a"]["port"]] = (n + 1, p + s["packets"], s["first_ns"] if f is None else min(f, s["first_ns"]),
                             s["last_ns"] if t is None else max(t, s["last_ns"]))
for p in sorted(c):
    print(p, *c[p])' "$1"
}
start=$(date +%s%N)
flows_run ts -r "$TS" --json
took=$((($(date +%s%N) - start) / 1000000))
check_eq "time stamps up to 2^32-1 s: flows -r ends by itself, exit 0 (in ${took} ms)" 0 "${RC[ts]}"
check_eq "time stamps up to 2^32-1 s: every packet in a record (flow_packets = the file's)" \
	"$(nframes "$TS") $(nframes "$TS")" \
	"$(summary ts | jq -r '"\(.kernel.flow_packets) \(.kernel.matched)"')"
want=$(ts_truth)
got=$(ts_got "$TMPD/ts.out")
while read -r port rest; do
	check_eq "time stamps: the conversation from port $port: one record, its packets, first and last time (tshark)" \
		"$port $rest" "$(grep "^$port " <<<"$got")"
done <<<"$want"
flows_run ts-tab -r "$TS"
check_eq "time stamps: the table's rate of two packets 1 us apart: their 148 bytes over 1 s, 1.2Kb/s" \
	"udp 10.9.0.1.1003 1.2Kb/s 2 148" \
	"$(awk '$2 == "10.9.0.1.1003" { print $1, $2, $4, $5, $6 }' "$TMPD/ts-tab.out")"

# ------------------------------------------------------- SIGTERM, SIGINT
#
# flows -r stops on a signal within 100 ms (the loop looks at it between
# packets and between sweeps).  A run made long on purpose: --interval
# 1 us over thousands of flows, so that every packet takes a sweep of the
# whole table.  The bound checked is generous (2 s); the time taken is
# printed.
BIG=$TMPD/big.pcap
"$MKFLOWS" --seed 5 --many 20000 --bulk 0 --long 30 --gap 40 "$BIG" >/dev/null || bail "mkflows writes $BIG"
# Python runs it and times the signal to its exit (1 ms polls).
for sig in TERM INT; do
	"$PY" - "$PKTSCOPE" "$BIG" "$sig" "$TMPD/sig.out" >"$TMPD/sig.time" <<'PYEOF'
import signal, subprocess, sys, time
ps, big, sig, out = sys.argv[1:5]
with open(out, "w") as o:
    p = subprocess.Popen([ps, "flows", "-r", big, "--json", "--interval", "0.000001"], stdout=o,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    time.sleep(1)
    if p.poll() is not None:
        print("ended-early", p.returncode)
        sys.exit()
    t0 = time.monotonic()
    p.send_signal(getattr(signal, "SIG" + sig))
    try:
        rc = p.wait(2)
        print("%d %d" % ((time.monotonic() - t0) * 1000, rc))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        print("hung -")
PYEOF
	read -r took rc <"$TMPD/sig.time"
	case $took in
	ended-early) nok "SIG$sig: flows -r over $BIG still runs after 1 s (it is made slow on purpose)"; continue ;;
	hung) nok "SIG$sig: flows -r ends within 2 s"; continue ;;
	esac
	ok "SIG$sig: flows -r ends within 2 s (in $took ms)"
	check_eq "SIG$sig: exit status 0, the summary written, every record before it" "0 true" \
		"$rc $(jq -s '(.[-1].type == "summary") and (.[-1].written == ([.[] | select(.type == "flow")] | length))' "$TMPD/sig.out")"
done

# ------------------------------------------------------------ usage errors

usage_err() { # description, flows arguments...
	local d=$1 err lines
	shift
	flows_run usage "$@"
	err=$(cat "$TMPD/usage.err")
	lines=$(grep -c '' "$TMPD/usage.err")
	if [ "${RC[usage]}" -eq 2 ] && [ "$lines" -eq 1 ] && [[ $err == "pktscope: "* ]] &&
		[ ! -s "$TMPD/usage.out" ]; then
		ok "usage error, $d: exit 2, one line: $err"
	else
		nok "usage error, $d: exit 2, one stderr line starting 'pktscope: ', nothing on stdout"
		diag "exit ${RC[usage]}, $lines line(s): ${err:-(empty)}"
		diag "stdout: $(head -c 300 "$TMPD/usage.out")"
	fi
}
echo "not a capture" >"$TMPD/junk.pcap"
usage_err "--idle-timeout 0" -r "$F" --json --idle-timeout 0
usage_err "--idle-timeout -1" -r "$F" --json --idle-timeout -1
usage_err "--idle-timeout abc" -r "$F" --json --idle-timeout abc
usage_err "--active-timeout -5" -r "$F" --json --active-timeout -5
usage_err "--active-timeout 1x" -r "$F" --json --active-timeout 1x
usage_err "--fin-timeout x" -r "$F" --json --fin-timeout x
usage_err "--max-flows 0" -r "$F" --json --max-flows 0
usage_err "--max-flows lots" -r "$F" --json --max-flows lots
usage_err "--by port" -r "$F" --json --by port
usage_err "an unknown option" -r "$F" --json --no-such-option
usage_err "a file that does not exist" -r "$TMPD/missing.pcap" --json
usage_err "a file that is not a capture" -r "$TMPD/junk.pcap" --json
usage_err "a bad expression" -r "$F" --json 'tcp port'
