#!/usr/bin/env bash
# Every record as the file holds it.  Over -r, pktscope must keep what
# tcpdump keeps, record for record: data, captured length, original length,
# time stamp.  The inputs are written by capgen.py (the tests' own writer,
# not pktscope's, nor libpcap's whose reader is the peer), one class each:
#  - time stamps at the edges (0, 2^31 - 1, 2^31, 2^32 - 1 s; fractions at
#    their ends) in microsecond and nanosecond pcap, in pcapng units of
#    10^-6, 10^-9, 10^-3 and 2^-10 s with an offset, and past 2106 (pcapng);
#  - records cut by a snap length (caplen < len), frames under 14 bytes, and
#    frames of 64 KiB to 256 KiB (BIG TCP sizes), at XDP and TC;
#  - link types other than Ethernet: LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6,
#    NULL (both byte orders), LOOP; one pktscope does not read (802.11);
#  - pcapng whose interfaces differ, with epb_flags directions, a simple and
#    an obsolete packet block, and a second, big-endian section;
#  - live: BIG TCP packets of ~148 KB at TC egress, kept whole.
# The peers: tcpdump -r ... -w (byte for byte), tcpdump's filter decisions,
# tshark's reading of time, lengths and direction.
. "$(dirname "$0")/lib.sh"

require_root
require_tools tcpdump tshark cmp sha256sum "$PY"
require_pktscope
GEN=$IT_DIR/capgen.py
cd "$TMPD" || bail "cd $TMPD"

gen() { "$PY" "$GEN" "$@" >"$TMPD/gen.out" || bail "capgen.py $*"; }
# tcpdump's copy of a file, as the reference: nanoseconds where the input
# has them (its default precision is microseconds).
td_copy() { # in, out, precision (usec|nano), expression...
	local in=$1 out=$2 prec=$3
	shift 3
	tcpdump --time-stamp-precision="$prec" -r "$in" -w "$out" "$@" 2>/dev/null
}
# pktscope capture -r IN -w OUT [args]: status in $CRC, stderr in $TMPD/cap.err
cap() {
	"$PKTSCOPE" capture "$@" >"$TMPD/cap.out" 2>"$TMPD/cap.err"
	CRC=$?
}
same_bytes() { # description, a, b
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		nok "$1"
		diag "$(cmp "$2" "$3" 2>&1 | head -2)"
		diag "$(tcpdump -nr "$2" 2>&1 | head -3)"
	fi
}
# tshark's fields of every record, one line each.
ts_fields() { # file, fields...
	local f=$1 args=()
	shift
	for x in "$@"; do args+=(-e "$x"); done
	tshark -r "$f" -T fields "${args[@]}" 2>/dev/null
}
json_of() { # --json summary object of stats -r on stdout
	tail -n 1 "$1"
}

# ---------------------------------------------------------------- 1. time

for prec in usec nsec; do
	gen times "times-$prec.pcap" --prec "$prec"
	n=$(awk '$1 == "records" {print $2}' "$TMPD/gen.out")
	cap -r "times-$prec.pcap" -w "times-$prec.out.pcap"
	check_eq "times $prec: capture -r exits 0" 0 "$CRC"
	td_copy "times-$prec.pcap" "times-$prec.ref.pcap" "$([ $prec = nsec ] && echo nano || echo micro)"
	same_bytes "times $prec: every time stamp (0 to 2^32 - 1 s) written as tcpdump writes it" \
		"times-$prec.out.pcap" "times-$prec.ref.pcap"
	# watch prints each record's own time: against tshark's reading.
	"$PKTSCOPE" watch -r "times-$prec.pcap" --json >"times-$prec.json" 2>/dev/null
	got=$("$PY" -c 'import json, sys, datetime as d
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") != "packet": continue
    t = o["time"]
    s, frac = t[:19], t[20:-1]
    sec = int(d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=d.timezone.utc).timestamp())
    print("%d.%s" % (sec, frac))' "times-$prec.json")
	want=$(ts_fields "times-$prec.pcap" frame.time_epoch | awk -F. '{printf "%s.%-9s\n", $1, $2}' | tr ' ' 0)
	check_eq "times $prec: watch --json times = tshark's frame.time_epoch ($n records)" "$want" "$got"
	# flows over times up to 2^32 - 1 s ends, and accounts every record.
	timeout 60 "$PKTSCOPE" flows -r "times-$prec.pcap" --json >"times-$prec.flows" 2>&1
	rc=$?
	check_eq "times $prec: flows -r ends (exit 0, not 124: timed out)" 0 "$rc"
	check_eq "times $prec: flows -r accounts every record" "$n" \
		"$(tail -n 1 "times-$prec.flows" | jq '.kernel.flow_packets' 2>/dev/null)"
done

gen times-ng times.pcapng
cap -r times.pcapng -w times-ng.out.pcap
td_copy times.pcapng times-ng.ref.pcap nano
same_bytes "pcapng times (10^-6, 10^-9, 10^-3, 2^-10 s, an offset) to pcap as tcpdump converts them" \
	times-ng.out.pcap times-ng.ref.pcap
cap -r times.pcapng --pcapng -w times-ng.out.pcapng
check_eq "pcapng times to pcapng: every record's time, as tshark reads both" \
	"$(ts_fields times.pcapng frame.time_epoch frame.interface_name)" \
	"$(ts_fields times-ng.out.pcapng frame.time_epoch frame.interface_name)"

gen far-ng far.pcapng
cap -r far.pcapng --pcapng -w far.out.pcapng
check_eq "times past 2106 (pcapng): kept in pcapng, as tshark reads both" \
	"$(ts_fields far.pcapng frame.time_epoch)" "$(ts_fields far.out.pcapng frame.time_epoch)"
cap -r far.pcapng -w far.out.pcap
check_eq "times past 2106 to pcap: refused at the record, exit 1" 1 "$CRC"
check "times past 2106 to pcap: says why and what to do" grep -q "past 2106.*--pcapng" cap.err
check "times past 2106 to pcap: counted as not written" grep -q "^3 packets not written\|packets not written" cap.err

# ------------------------------------------------------------- 2. lengths

gen lengths len.pcap
n=$(awk '$1 == "records" {print $2}' "$TMPD/gen.out")
wire=$(awk '$1 == "wire_bytes" {print $2}' "$TMPD/gen.out")
td_copy len.pcap len.ref.pcap micro
for hook in xdp tc; do
	cap --hook "$hook" -r len.pcap -w "len-$hook.pcap"
	same_bytes "lengths, $hook: cut (caplen < len), short (0-13 bytes) and 64-256 KiB records written whole, as tcpdump" \
		"len-$hook.pcap" len.ref.pcap
	"$PKTSCOPE" stats --hook "$hook" -r len.pcap --json >"len-$hook.json" 2>/dev/null
	check_eq "lengths, $hook: stats counts every record, bytes on the wire, none left unrun" \
		"$n $wire 0 0" "$(json_of "len-$hook.json" | jq -r '"\(.total.packets) \(.total.bytes) \(.file.not_run) \(.total.counters["malformed.eth_short"].packets - 5)"')"
	for e in "greater 1000" "less 100" "len > 65535" "tcp" "ip[2:2] = 0" "tcp port 8080" \
		"len <= 13" "ether[0] = 2" "tcp[13] & 0x10 != 0"; do
		cap --hook "$hook" -r len.pcap -w "f.pcap" "$e"
		td_copy len.pcap f.ref.pcap micro "$e"
		k=$(tcpdump -r f.ref.pcap 2>/dev/null | wc -l)
		same_bytes "lengths, $hook: '$e' keeps tcpdump's $k records (len is the wire length)" f.pcap f.ref.pcap
	done
done
"$PKTSCOPE" watch -r len.pcap >len.watch 2>len.werr
check_eq "lengths: watch prints every record" "$n" "$(wc -l <len.watch)"
check "lengths: no record left unrun" sh -c '! grep -q "not run" len.werr'
cat len.pcap | "$PKTSCOPE" capture -r - -w stdin.pcap 2>/dev/null
same_bytes "lengths: read from standard input, the same records" stdin.pcap len.ref.pcap

# ---------------------------------------------------------- 3. link types

for lt in sll sll2 raw ipv4 ipv6 null loop; do
	gen linktype "$lt" "$lt.pcap"
	n=$(awk '$1 == "records" {print $2}' "$TMPD/gen.out")
	cap -r "$lt.pcap" -w "$lt.out.pcap"
	td_copy "$lt.pcap" "$lt.ref.pcap" micro
	same_bytes "$lt: capture -r writes the file's own link type and records, as tcpdump" \
		"$lt.out.pcap" "$lt.ref.pcap"
	for e in tcp ip6 "udp port 53" icmp ip arp inbound "less 60" "ip and not tcp"; do
		cap -r "$lt.pcap" -w f.pcap "$e"
		prc=$CRC
		tcpdump -r "$lt.pcap" -w f.ref.pcap "$e" 2>/dev/null
		trc=$?
		if [ "$trc" -ne 0 ]; then
			check_eq "$lt: '$e' refused as tcpdump refuses it (exit 2)" 2 "$prc"
		else
			k=$(tcpdump -r f.ref.pcap 2>/dev/null | wc -l)
			same_bytes "$lt: '$e' keeps tcpdump's $k records" f.pcap f.ref.pcap
		fi
	done
	"$PKTSCOPE" stats -r "$lt.pcap" --json >"$lt.json" 2>/dev/null
	j=$(json_of "$lt.json")
	for proto in tcp udp icmp; do
		want=$(tshark -r "$lt.pcap" -Y "$proto && !icmp.type == 3" 2>/dev/null | wc -l)
		got=$(jq -r ".total.counters[\"l4.$proto\"].packets" <<<"$j")
		check_eq "$lt: l4.$proto = tshark's '$proto'" "$want" "$got"
	done
	check_eq "$lt: every record counted, bytes as the file's lengths, none unrun" \
		"$n $(ts_fields "$lt.pcap" frame.len | awk '{s += $1} END {print s}') 0" \
		"$(jq -r '"\(.total.packets + (.interfaces[0].hooks[1].packets // 0) * 0) \(.total.bytes) \(.file.not_run)"' <<<"$j")"
	if [ "$lt" = sll ] || [ "$lt" = sll2 ]; then
		# The packet type as the cooked header holds it (tshark leaves
		# it out of a netlink record's dissection).
		want=$("$PY" -c 'import struct, sys
d = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off < len(d):
    cap = struct.unpack_from("<I", d, off + 8)[0]
    rec = d[off + 16:off + 16 + cap]
    t = rec[1] if sys.argv[2] == "sll" else rec[10] if len(rec) > 10 else None
    n += len(rec) >= (16 if sys.argv[2] == "sll" else 20) and t == 4
    off += 16 + cap
print(n)' "$lt.pcap" "$lt")
		got=$("$PKTSCOPE" watch -r "$lt.pcap" 2>/dev/null | grep -c " Out ")
		check_eq "$lt: the packets the host sent (packet type 4) are shown Out" "$want" "$got"
		check_eq "$lt: and counted at egress" "$want" \
			"$(jq -r '[.interfaces[0].hooks[] | select(.direction == "egress") | .packets] | add // 0' <<<"$j")"
	fi
done

gen linktype ieee802_11 wifi.pcap
echo keep >keep.pcap
sum0=$(sha256sum <keep.pcap)
cap -r wifi.pcap -w keep.pcap
check_eq "802.11 (not read): exit 2" 2 "$CRC"
check "802.11: one line naming the link type's number and name" \
	grep -qx "pktscope: wifi.pcap holds frames of link type 105 (IEEE802_11): .*" cap.err
check_eq "802.11: the -w file untouched" "$sum0" "$(sha256sum <keep.pcap)"
for cmd in stats watch flows; do
	"$PKTSCOPE" "$cmd" -r wifi.pcap >/dev/null 2>"$cmd.err"
	check_eq "802.11: $cmd -r exits 2" 2 "$?"
done

# ---------------------------------------------------------- 4. pcapng mixed

gen mixed-ng mixed.pcapng
cap -r mixed.pcapng --pcapng -w mixed.out.pcapng
check_eq "mixed pcapng: capture --pcapng exits 0" 0 "$CRC"
# Section 1's records (interface names across sections are tshark's own
# muddle: the second section's are compared without them).
check_eq "mixed pcapng: every record's time, lengths, direction flags and protocols kept" \
	"$(ts_fields mixed.pcapng frame.number frame.time_epoch frame.len frame.cap_len frame.packet_flags_direction frame.protocols | head -8)" \
	"$(ts_fields mixed.out.pcapng frame.number frame.time_epoch frame.len frame.cap_len frame.packet_flags_direction frame.protocols | head -8)"
check_eq "mixed pcapng: the interfaces' names and link types kept" \
	"$(ts_fields mixed.pcapng frame.interface_name frame.encap_type | head -7)" \
	"$(ts_fields mixed.out.pcapng frame.interface_name frame.encap_type | head -7)"
# watch: In/Out from epb_flags, else from the SLL packet type, else In.
want=$(ts_fields mixed.pcapng frame.packet_flags_direction sll.pkttype | awk -F'\t' '{
	print ($1 == "0x00000002" || ($1 == "" && $2 == "4")) ? "Out" : "In" }')
got=$("$PKTSCOPE" watch -r mixed.pcapng -n 2>/dev/null | awk '{print $3}')
check_eq "mixed pcapng: watch shows each record's direction (epb_flags, SLL type)" "$want" "$got"
cp len.ref.pcap keep.pcap
sum0=$(sha256sum <keep.pcap)
cap -r mixed.pcapng -w keep.pcap
check_eq "mixed pcapng to pcap: refused (a pcap file holds one link type), exit 2" 2 "$CRC"
check "mixed pcapng to pcap: says to write --pcapng" grep -q "EN10MB and LINUX_SLL.*--pcapng" cap.err
check_eq "mixed pcapng to pcap: the -w file untouched" "$sum0" "$(sha256sum <keep.pcap)"


# ------------------------------------------- 5. live frames over 64 KiB

# BIG TCP (IPv6, gso_max_size past 64 KiB): TC egress sees the GSO packets
# whole, ~148 KB each.  pktscope must keep them whole, as tcpdump does.  No
# expression: TCP sizes its GSO packets by its pacing rate, and the slower
# the path the smaller they come (below 64 KiB with a filter here).
if have iperf3; then
	NS_G=$RUN_ID-g1
	NS_H=$RUN_ID-g2
	ip netns add "$NS_G" && ip netns add "$NS_H" || bail "ip netns add"
	_NAMESPACES+=("$NS_G" "$NS_H")
	ip link add gva netns "$NS_G" type veth peer name gvb netns "$NS_H" || bail "veth"
	_WATCH+=("$NS_G gva")
	for x in "$NS_G gva fd77::1" "$NS_H gvb fd77::2"; do
		read -r ns ifn addr <<<"$x"
		ip -n "$ns" link set lo up
		ip -n "$ns" addr add "$addr/64" dev "$ifn" nodad
		ip -n "$ns" link set dev "$ifn" gso_max_size 150000 gro_max_size 150000 up
	done
	bg_start big-srv nsenter --net="/run/netns/$NS_H" -- iperf3 -s -1
	sleep 0.5
	if ps_start_cmd big-cap "$NS_G" capture -i gva --hook tc -w "$TMPD/big.pcap"; then
		bg_start big-td nsenter --net="/run/netns/$NS_G" -- tcpdump -i gva -p -n -U -s 0 \
			-B 65536 -Z root -w "$TMPD/big-td.pcap"
		wait_line "$TMPD/big-td.err" 'listening on' "${PID[big-td]}" ||
			diag "tcpdump did not start: $(cat "$TMPD/big-td.err")"
		in_ns "$NS_G" iperf3 -6 -c fd77::2 -t 2 >/dev/null 2>&1
		sleep 0.5
		ps_stop big-cap
		bg_stop big-td INT
		max_ps=$(ts_fields big.pcap frame.len frame.cap_len | sort -n | tail -1)
		max_td=$(ts_fields big-td.pcap frame.len frame.cap_len | sort -n | tail -1)
		check "live BIG TCP: frames over 65535 bytes crossed ($max_td)" test "${max_td%%	*}" -gt 65535
		check_eq "live BIG TCP: the largest frame kept whole, as tcpdump keeps it" "$max_td" "$max_ps"
		check "live BIG TCP: no frame cut (cap_len = len everywhere)" \
			sh -c "tshark -r '$TMPD/big.pcap' -T fields -e frame.len -e frame.cap_len 2>/dev/null | awk '\$1 != \$2 { bad = 1 } END { exit bad }'"
	else
		nok "live BIG TCP: pktscope capture starts"
	fi
	bg_stop big-srv KILL 2>/dev/null
elif [ "${CI:-}" = true ]; then
	nok "iperf3 is installed (live BIG TCP)"
else
	skip "live BIG TCP frames" "iperf3 is not installed"
fi

# ------------------------------------------- 6. watch over other link types

# watch -e/-v/-x prints tcpdump's text for records of other link types too:
# their own link header with -e, the network layer's bytes with -x.  Lines
# compared by the README's rule (pktscope's interface, direction, hook,
# size and marks taken out); IP, IPv6 and ARP records (the others have
# pktscope's summary), DNS, which pktscope does not decode, left out.
# LINUX_SLL2 is not: tcpdump names its interface by the reading host's own
# interface of that index.
strip_ps() { sed -E 's/^([0-9:.]+) [^ ]+ (In |Out) (\([a-z]+\) )?/\1 /; s/, [0-9]+ bytes( \[[^]]*\])*$//'; }
for lt in sll raw ipv4 ipv6 null loop; do
	e='not port 53'
	[ "$lt" = sll ] && e='not port 53 and (ip or ip6 or arp)'
	# a NULL header in the other byte order is not 'ip' to libpcap: its DNS
	# packet would still pass 'not port 53'
	[ "$lt" = null ] && e='tcp or icmp or (udp and not port 53)'
	for f in -e "-e -v" -x -xx -X; do
		# shellcheck disable=SC2086
		got=$("$PKTSCOPE" watch -r "$lt.pcap" -n $f "$e" 2>/dev/null | strip_ps)
		# shellcheck disable=SC2086
		want=$(tcpdump -r "$lt.pcap" -n $f "$e" 2>/dev/null)
		check_eq "$lt: watch $f prints tcpdump's $(grep -c '^[0-9]' <<<"$want") lines" "$want" "$got"
	done
done
