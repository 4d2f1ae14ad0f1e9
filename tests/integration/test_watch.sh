#!/usr/bin/env bash
# `pktscope watch` against real peers:
#  - offline, per packet and in order, the JSON lines of `watch -r FILE`
#    against tshark's dissection of the same file (frame length, IP
#    version/addresses, ports, TCP flags, TTL/hop limit, ICMP type/code),
#    over mkpcap's crafted valid packets and a seeded 3000-packet mix;
#  - the text lines against `tcpdump -n -r`: one line per packet tcpdump
#    prints, and the same "src.port > dst.port" on every packet tcpdump
#    prints ports for (ports elsewhere only where tshark finds them: tcpdump
#    4.99 does not walk some IPv6 extension chains to the TCP header);
#  - -c N (file and live) and --sample N (decided per CPU in the kernel);
#  - live over the veth pair, at --hook xdp and --hook tc: exactly the UDP
#    datagrams and pings sent, with their addresses, ports and directions;
#  - a stopped reader behind a 4 KiB ring: every event lost in the kernel is
#    counted, and received + lost = matched = frames sent;
#  - usage and file errors: exit 2, one line, nothing attached.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq tcpdump tshark tcpreplay nsenter ping "$PY"
require_pktscope
MKPCAP=$BUILD_DIR/tools/mkpcap
[ -x "$MKPCAP" ] || bail "mkpcap is built at $MKPCAP (run make tests)"
setup_pair

NCPU=$(nproc)
VALID=$TMPD/valid.pcap
MIX=$TMPD/mix.pcap
MIX_N=3000
"$MKPCAP" --valid "$VALID" >/dev/null || bail "mkpcap --valid writes $VALID"
"$MKPCAP" --mix "$MIX_N" --seed 5 "$MIX" >/dev/null || bail "mkpcap --mix $MIX_N writes $MIX"

# pktscope in the namespace B, in the foreground, stdout/stderr to files.
watch_run() { # name, watch arguments...
	local name=$1
	shift
	ps_run "$name" "$NS_B" watch "$@"
}
packets() { jq -c 'select(.type == "packet")' "$TMPD/$1.out" 2>/dev/null; }
summary() { jq -c 'select(.type == "summary")' "$TMPD/$1.out" 2>/dev/null; }
npackets() { packets "$1" | grep -c ''; }

# ------------------------------------------------- 1. offline vs tshark

TSHARK_FIELDS=(frame.len frame.protocols ip.src ip.dst ipv6.src ipv6.dst ip.ttl ipv6.hlim
	tcp.srcport tcp.dstport udp.srcport udp.dstport tcp.flags
	icmp.type icmp.code icmpv6.type icmpv6.code)

tshark_fields() { # file: one CSV line per frame, the first value of each field
	local args=() f
	for f in "${TSHARK_FIELDS[@]}"; do args+=(-e "$f"); done
	tshark -r "$1" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields \
		-E separator=, -E occurrence=f "${args[@]}" 2>/dev/null
}

# Compares tshark's fields (CSV) with pktscope's packet objects (JSON lines),
# packet by packet.  What tshark says is the expectation:
#  - the IP version is that of the first ip/ipv6 layer in frame.protocols,
#    and its addresses and TTL/hop limit the first values (the outer header
#    of an ICMP error or a tunnel);
#  - the L4 protocol is the layer after it (past IPv6 extension headers and
#    AH); only when it is tcp or udp are there ports ("data" for a non-first
#    fragment: none), only for tcp flags;
#  - ICMP type/code for icmp under IPv4 and icmpv6 under IPv6 (pktscope's
#    contract: the other combinations are another protocol, and tshark
#    dissects them anyway);
#  - TCP flags compared as bits: tshark's tcp.flags masked to the 8 flags of
#    byte 13, pktscope's tcpdump letters (FSRPUEW. or "none") turned back.
# Prints TSV "ok|bad <tab> what <tab> detail" lines.
CMP_PY='
import json, sys
fields = sys.argv[1].split(",")
ts = [dict(zip(fields, l.rstrip("\n").split(","))) for l in open(sys.argv[2]) if l.strip()]
ps = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
out = []
tok = [] # "packet src.sport > dst.dport", as tcpdump prints them, for the text check
def res(what, bad):
    if bad:
        out.append("bad\t%s\t%d packet(s) differ; first: %s" % (what, len(bad), "; ".join(bad[:8])))
    else:
        out.append("ok\t%s\t" % what)
if len(ts) != len(ps):
    out.append("bad\tsame number of packets as tshark\ttshark %d, pktscope %d" % (len(ts), len(ps)))
else:
    out.append("ok\tsame number of packets as tshark (%d)\t" % len(ts))
EXT = {"ipv6.hopopts", "ipv6.dstopts", "ipv6.routing", "ipv6.fraghdr", "ah"}
BITS = {"F": 1, "S": 2, "R": 4, "P": 8, ".": 16, "U": 32, "E": 64, "W": 128}
def flagbits(s):
    if s is None: return None
    if s == "none": return 0
    return sum(BITS[c] for c in s)
checks = {k: [] for k in ("len", "ip", "ports", "flags", "ttl", "icmp")}
for n, (t, p) in enumerate(zip(ts, ps), 1):
    def diff(k, exp, got):
        if exp != got:
            checks[k].append("packet %d: tshark %s, pktscope %s" % (n, exp, got))
    diff("len", int(t["frame.len"]), p.get("length"))
    layers = t["frame.protocols"].split(":")
    ipi = next((i for i, l in enumerate(layers) if l in ("ip", "ipv6")), None)
    ver = None if ipi is None else (4 if layers[ipi] == "ip" else 6)
    l4 = None
    if ipi is not None:
        rest = [l for l in layers[ipi + 1:] if l not in EXT]
        l4 = rest[0] if rest else None
    pre = "ip" if ver == 4 else "ipv6"
    exp_ip = None if ver is None else "v%d %s > %s" % (ver, t[pre + ".src"], t[pre + ".dst"])
    got_ip = None if p.get("ip_version") is None else "v%d %s > %s" % (p["ip_version"], p.get("src"), p.get("dst"))
    diff("ip", exp_ip, got_ip)
    exp_ttl = None if ver is None else int(t["ip.ttl" if ver == 4 else "ipv6.hlim"])
    diff("ttl", exp_ttl, p.get("ttl"))
    exp_ports = "%s > %s" % (t[l4 + ".srcport"], t[l4 + ".dstport"]) if l4 in ("tcp", "udp") else None
    got_ports = "%s > %s" % (p["sport"], p["dport"]) if "sport" in p or "dport" in p else None
    diff("ports", exp_ports, got_ports)
    if exp_ports is not None:
        sp, dp = exp_ports.split(" > ")
        tok.append("%d %s.%s > %s.%s" % (n, t[pre + ".src"], sp, t[pre + ".dst"], dp))
    exp_fl = int(t["tcp.flags"], 16) & 0xff if l4 == "tcp" else None
    got_fl = flagbits(p.get("tcp_flags"))
    if exp_fl != got_fl:
        checks["flags"].append("packet %d: tshark %s, pktscope %s" % (n,
            "none" if exp_fl is None else "0x%02x" % exp_fl,
            "none" if got_fl is None else "0x%02x [%s]" % (got_fl, p["tcp_flags"])))
    ic = "icmp" if ver == 4 and l4 == "icmp" else "icmpv6" if ver == 6 and l4 == "icmpv6" else None
    exp_ic = None if ic is None else "%s/%s" % (t[ic + ".type"], t[ic + ".code"])
    got_ic = None if "icmp_type" not in p and "icmp_code" not in p else "%s/%s" % (p.get("icmp_type"), p.get("icmp_code"))
    diff("icmp", exp_ic, got_ic)
res("frame length = frame.len", checks["len"])
res("IP version, src, dst = first ip/ipv6 layer", checks["ip"])
res("TCP/UDP ports = tcp/udp.srcport/dstport (none otherwise)", checks["ports"])
res("TCP flag bits = tcp.flags & 0xff", checks["flags"])
res("TTL/hop limit = ip.ttl/ipv6.hlim", checks["ttl"])
res("ICMP type/code = icmp/icmpv6.type/code", checks["icmp"])
print("\n".join(out))
with open(sys.argv[4], "w") as f:
    f.write("".join(l + "\n" for l in tok))
sys.exit(1 if any(l.startswith("bad") for l in out) else 0)
'

tap_cmp() { # prefix, file of "ok|bad what detail" lines
	local v what detail
	while IFS=$'\t' read -r v what detail; do
		if [ "$v" = ok ]; then
			ok "$1: $what"
		else
			nok "$1: $what"
			diag "$detail"
		fi
	done <"$2"
}

# $TMPD/NAME.packets (watch's) against $TMPD/NAME.tshark, packet by packet.
vs_tshark() { # label, name
	helper_run "$1 vs tshark" "$TMPD/$2.cmp" "$PY" -c "$CMP_PY" "$(IFS=,; echo "${TSHARK_FIELDS[*]}")" \
		"$TMPD/$2.tshark" "$TMPD/$2.packets" "$TMPD/$2.tshark-ports"
	tap_cmp "$1 vs tshark" "$TMPD/$2.cmp"
}

offline_vs_tshark() { # label, file
	local label=$1 file=$2
	watch_run "$label" -r "$file" --json
	check_eq "$label: watch -r --json exits 0" 0 "${RC[$label]}"
	packets "$label" >"$TMPD/$label.packets"
	tshark_fields "$file" >"$TMPD/$label.tshark"
	vs_tshark "$label" "$label"
}

offline_vs_tshark offline-valid "$VALID"
offline_vs_tshark offline-mix "$MIX"

# ------------------------------------------------- 2. text vs tcpdump

# The "src.port > dst.port" of each packet line that has one, numbered by
# packet: a packet's line is one that does not start with white space
# (tcpdump continues some, e.g. with a hex dump of an unknown EtherType, on
# indented lines).  IPv4 as a.b.c.d.port, IPv6 as addr.port; tcpdump prints
# the ports of an IPv6 packet with extension headers apart, after them
# ("fd00::1 > fd00::2: HBH 40001 > 40002: UDP"): joined back to addr.port.
TOK_PY='
import re, sys
A4 = r"\d+\.\d+\.\d+\.\d+"
A6 = r"[0-9a-f]*:[0-9a-f:]*"
std = re.compile(r"(?:^| )((?:%s|%s)\.\d+) > ((?:%s|%s)\.\d+):" % (A4, A6, A4, A6))
ext = re.compile(r" IP6 (%s) > (%s): (?:.*? )?(\d+) > (\d+): " % (A6, A6))
n = 0
for line in open(sys.argv[1]):
    if not line.strip() or line[0].isspace():
        continue
    n += 1
    m = std.search(line)
    if m:
        print(n, "%s > %s" % m.groups())
        continue
    m = ext.search(line)
    if m:
        print(n, "%s.%s > %s.%s" % (m.group(1), m.group(3), m.group(2), m.group(4)))
'
ports_tokens() { "$PY" -c "$TOK_PY" "$1"; }

text_vs_tcpdump() { # label, file, the offline label whose tshark ports to use
	local label=$1 file=$2 want got n
	watch_run "$label" -r "$file" -n
	check_eq "$label: watch -r -n exits 0" 0 "${RC[$label]}"
	tcpdump -n -r "$file" >"$TMPD/$label.tcpdump" 2>/dev/null
	want=$(grep -c '^[^[:space:]]' "$TMPD/$label.tcpdump")
	got=$(grep -c '' "$TMPD/$label.out")
	check_eq "$label: one line per packet, as many as tcpdump -n -r prints packets" \
		"$want $want" "$got $(grep -c '^[^[:space:]]' "$TMPD/$label.out")"
	ports_tokens "$TMPD/$label.tcpdump" >"$TMPD/$label.tok-tcpdump"
	ports_tokens "$TMPD/$label.out" >"$TMPD/$label.tok-ps"
	n=$(grep -c '' "$TMPD/$label.tok-tcpdump")
	# Every packet tcpdump prints ports for, pktscope prints the same.
	got=$(awk 'NR == FNR { ps[$1] = $0; next } ps[$1] != $0 { print "packet " $1 ": tcpdump \"" substr($0, length($1) + 2) "\", pktscope \"" substr(ps[$1], length($1) + 2) "\"" }' \
		"$TMPD/$label.tok-ps" "$TMPD/$label.tok-tcpdump")
	if [ "$n" -eq 0 ]; then
		nok "$label: tcpdump printed TCP/UDP ports (the file has such packets)"
	elif [ -z "$got" ]; then
		ok "$label: the 'src.port > dst.port' of each of the $n packets tcpdump prints ports for"
	else
		nok "$label: the 'src.port > dst.port' of each of the $n packets tcpdump prints ports for"
		diag "$(head -20 <<<"$got")"
	fi
	# And no ports where tcpdump has none, but for packets whose TCP/UDP
	# header tcpdump does not reach: those must be tshark's.
	got=$(awk 'NR == FNR { td[$1] = 1; next } !($1 in td)' "$TMPD/$label.tok-tcpdump" "$TMPD/$label.tok-ps")
	want=$(awk 'NR == FNR { td[$1] = 1; next } !($1 in td)' "$TMPD/$label.tok-tcpdump" "$TMPD/$3.tshark-ports")
	check_eq "$label: ports on other packets only where tshark finds them (tcpdump stops short)" "$want" "$got"
	[ -n "$got" ] && diag "$label: tcpdump prints no ports for packet(s): $(cut -d' ' -f1 <<<"$got" | paste -sd' ')"
}

text_vs_tcpdump text-valid "$VALID" offline-valid
text_vs_tcpdump text-mix "$MIX" offline-mix

# ------------------------------------------------- 3. -c and --sample

watch_run count-json -r "$MIX" -c 7 --json
check_eq "-r -c 7 --json: exits 0" 0 "${RC[count-json]}"
check_eq "-r -c 7 --json: exactly 7 packet objects, then summary printed 7" \
	"7 7" "$(npackets count-json) $(summary count-json | jq -r .printed)"
# The 7 against tshark's first 7 (not against watch's own longer run).
packets count-json >"$TMPD/count-json.packets"
head -7 "$TMPD/offline-mix.tshark" >"$TMPD/count-json.tshark"
vs_tshark "-r -c 7 --json: the file's first 7" count-json
watch_run count-text -r "$MIX" -c 7 -n
tcpdump -n -r "$MIX" -c 7 >"$TMPD/count-text.tcpdump" 2>/dev/null
check_eq "-r -c 7 -n: 7 packet lines, as tcpdump -c 7 prints 7" "7 7" \
	"$(grep -c '^[^[:space:]]' "$TMPD/count-text.tcpdump") $(grep -c '^[^[:space:]]' "$TMPD/count-text.out")"
check_eq "-r -c 7 -n: the 'src.port > dst.port' tcpdump -c 7 prints" \
	"$(ports_tokens "$TMPD/count-text.tcpdump")" "$(ports_tokens "$TMPD/count-text.out")"

for N in 1 7 100; do
	label=sample-$N
	watch_run "$label" -r "$MIX" --json --sample "$N"
	check_eq "--sample $N: exits 0" 0 "${RC[$label]}"
	s=$(summary "$label")
	lo=$((MIX_N / N))
	hi=$((MIX_N / N + NCPU))
	got=$(jq -r --argjson n "$MIX_N" --argjson lo "$lo" --argjson hi "$hi" '[
		(.kernel.matched == $n), (.kernel.sent + .kernel.sampled_out == .kernel.matched),
		(.kernel.sent >= $lo and .kernel.sent <= $hi),
		(.printed == .received and .received == .kernel.sent),
		.kernel.lost_ringbuf_full, .kernel.filter_missing, .user.write_errors,
		.user.malformed_records] | map(tostring) | join(" ")' <<<"$s" 2>&1)
	check_eq "--sample $N: matched $MIX_N, sent + sampled_out = matched, sent in [$lo, $hi] ($NCPU CPUs), printed = received = sent, nothing lost" \
		"true true true true 0 0 0 0" "$got"
	[ "$got" = "true true true true 0 0 0 0" ] || diag "summary: $s"
	check_eq "--sample $N: one packet line per printed" "$(jq -r .printed <<<"$s" 2>/dev/null)" "$(npackets "$label")"
done
check_eq "--sample 1 keeps every packet: sampled_out 0, sent $MIX_N" "0 $MIX_N" \
	"$(summary sample-1 | jq -r '"\(.kernel.sampled_out) \(.kernel.sent)"')"

# -c live: stops by itself after exactly N packets of a longer ping.
if ps_start_cmd count-live "$NS_B" watch -i "$IF_B" -c 5 --json; then
	in_ns "$NS_A" ping -q -c 8 -i 0.1 -W 2 "$IP_B" >/dev/null 2>&1
	bg_wait count-live 10
	check_eq "live -c 5: exits by itself with status 0" 0 "${RC[count-live]}"
	check_eq "live -c 5: exactly 5 packet objects, summary printed 5" \
		"5 5" "$(npackets count-live) $(summary count-live | jq -r .printed)"
else
	nok "live -c 5: pktscope watch starts"
	ps_stop count-live KILL
fi
check_attached "live -c 5: nothing left attached after it exits" "$NS_B" "$IF_B" ""

# ------------------------------------------------- 4. live over veth

K=9
UDP_DPORT=7201
UDP_SPORT=7200
UDP_LEN=60

wait_file() { # path
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# K datagrams from IP_A:UDP_SPORT to a receiver on IP_B:UDP_DPORT (so B
# answers no port-unreachable), then K pings A -> B.
send_traffic() { # label
	local r=$1-udprecv
	rm -f "$TMPD/$r.ready"
	bg_start "$r" nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$IP_B" "$UDP_DPORT" "$K" 10 "$TMPD/$r.ready"
	wait_file "$TMPD/$r.ready" || { nok "$1: UDP receiver ready"; return 1; }
	in_ns "$NS_A" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
for i in range(int(sys.argv[5])):
    s.sendto(b"x" * int(sys.argv[6]), (sys.argv[3], int(sys.argv[4])))
    time.sleep(0.002)
' "$IP_A" "$UDP_SPORT" "$IP_B" "$UDP_DPORT" "$K" "$UDP_LEN" ||
		{ nok "$1: UDP sender"; return 1; }
	bg_wait "$r" 15
	[ "$(cat "$TMPD/$r.out")" = "$K" ] || { nok "$1: all $K datagrams received"; diag "$(cat "$TMPD/$r.out" "$TMPD/$r.err")"; }
	in_ns "$NS_A" ping -q -c "$K" -i 0.05 -W 2 "$IP_B" >"$TMPD/$1-ping.out" 2>&1 ||
		{ nok "$1: ping A -> B"; diag "$(cat "$TMPD/$1-ping.out")"; }
}

live() { # label, hook
	local label=$1 hook=$2 in_hook idx got want s
	in_hook=$hook
	if ! ps_start_cmd "$label" "$NS_B" watch -i "$IF_B" --json --hook "$hook"; then
		nok "$label: pktscope watch -i $IF_B --hook $hook starts"
		ps_stop "$label" KILL
		return
	fi
	ok "$label: pktscope watch -i $IF_B --hook $hook starts"
	send_traffic "$label"
	sleep 0.3 # the reader polls every 100 ms; SIGINT drains what is left anyway
	ps_stop "$label"
	check_eq "$label: exit status after SIGINT" 0 "${RC[$label]}"
	idx=$(ifindex "$NS_B" "$IF_B")
	# Every packet as "direction hook ifname#ifindex src sport > dst dport what".
	got=$(packets "$label" | jq -r '[.direction, .hook, "\(.ifname)#\(.ifindex)", .src, (.sport // "-"), ">", .dst, (.dport // "-"),
		(if .l4 == "udp" then "udp/\(.payload_length)" elif .l4 == "icmp" then "icmp/\(.icmp_type)/\(.icmp_code)" else .l4 end),
		.length] | map(tostring) | join(" ")' | sort | uniq -c | sed 's/^ *//')
	want=$(printf '%s\n' \
		"$K egress tc $IF_B#$idx $IP_B - > $IP_A - icmp/0/0 98" \
		"$K ingress $in_hook $IF_B#$idx $IP_A - > $IP_B - icmp/8/0 98" \
		"$K ingress $in_hook $IF_B#$idx $IP_A $UDP_SPORT > $IP_B $UDP_DPORT udp/$UDP_LEN $((14 + 20 + 8 + UDP_LEN))" | sort)
	check_eq "$label: exactly the $K datagrams (in), $K echo requests (in), $K echo replies (out)" "$want" "$got"
	s=$(summary "$label")
	got=$(jq -r '[.printed, .received, .kernel.matched, .kernel.sent, .kernel.sampled_out, .kernel.lost_ringbuf_full,
		.user.write_errors, .user.malformed_records] | map(tostring) | join(" ")' <<<"$s" 2>&1)
	check_eq "$label: summary printed/received/matched/sent $((3 * K)), none sampled out or lost" \
		"$((3 * K)) $((3 * K)) $((3 * K)) $((3 * K)) 0 0 0 0" "$got"
	check_attached "$label: nothing left attached after SIGINT" "$NS_B" "$IF_B" ""
}

live live-xdp xdp
live live-tc tc

# ------------------------------------------------- 5. loss with a stopped reader

LOSS_N=3000
"$MKPCAP" --mix "$LOSS_N" --seed 9 --eth-src "$MAC_A" "$TMPD/burst.pcap" >/dev/null ||
	bail "mkpcap writes the burst"
tx_dropped() { ip -n "$NS_A" -s -j link show dev "$IF_A" | jq -r '.[0].stats64.tx.dropped'; }
is_stopped() { [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ]; }
if ps_start_cmd loss "$NS_B" watch -i "$IF_B" --json -B 4; then
	kill -s STOP "${PID[loss]}"
	for ((i = 0; i < WAIT_S * 10; i++)); do is_stopped "${PID[loss]}" && break; sleep 0.1; done
	is_stopped "${PID[loss]}" || nok "loss: the reader is stopped before the burst"
	drop0=$(tx_dropped)
	out=$(in_ns "$NS_A" tcpreplay -i "$IF_A" --pps 10000 "$TMPD/burst.pcap" 2>&1)
	sent=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$out")
	check_eq "loss: tcpreplay sent all $LOSS_N frames into $IF_A" "$LOSS_N" "${sent:-none}"
	[ "$sent" = "$LOSS_N" ] || diag "$out"
	# A frame veth-a could not hand to its peer is counted in its tx_dropped
	# (and never reached veth-b's hooks): what arrived is what was sent less those.
	dropped=$(($(tx_dropped) - drop0))
	[ "$dropped" -eq 0 ] || diag "loss: $IF_A dropped $dropped of the frames before its peer (tx_dropped)"
	arrived=$((${sent:-0} - dropped))
	kill -s CONT "${PID[loss]}"
	sleep 0.5
	ps_stop loss
	check_eq "loss: exit status after SIGCONT, SIGINT" 0 "${RC[loss]}"
	s=$(summary loss)
	got=$(jq -r --argjson n "$arrived" '[(.kernel.lost_ringbuf_full > 0),
		(.received + .kernel.lost_ringbuf_full == .kernel.matched), (.kernel.matched == $n),
		(.kernel.sent == .received), (.printed == .received), .kernel.sampled_out,
		.user.write_errors, .user.malformed_records] | map(tostring) | join(" ")' <<<"$s" 2>&1)
	check_eq "loss: lost > 0, received + lost = matched = frames that reached $IF_B ($arrived), sent = received = printed" \
		"true true true true true 0 0 0" "$got"
	diag "loss: summary $s"
	check_eq "loss: one packet line per printed" "$(jq -r .printed <<<"$s" 2>/dev/null)" "$(npackets loss)"
else
	nok "loss: pktscope watch -B 4 starts"
	ps_stop loss KILL
fi

# ------------------------------------------------- 6. errors

err_case() { # label, watch arguments...
	local label=$1
	shift
	watch_run "$label" "$@"
	check_usage_error "watch $*" "$label"
	check_eq "watch $*: nothing on stdout" "" "$(head -c 500 "$TMPD/$label.out")"
	check_eq "watch $*: nothing attached to $IF_B" "" "$(attached "$NS_B" "$IF_B")"
}
err_case err-iface -i nosuchif
err_case err-sample -i "$IF_B" --sample 0
err_case err-ring -i "$IF_B" -B 1
err_case err-file -r /nonexistent
