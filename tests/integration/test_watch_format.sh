#!/usr/bin/env bash
# `pktscope watch` text with the frame's bytes (-e, -v, -x, -X, -A, -S, -s)
# against tcpdump's on the same frames, and how watch writes its output:
#  - crafted frames (mkpcap --valid, mkfmt, a seeded mkpcap --mix) read with
#    -r: every packet's text, after removing pktscope's additions by the
#    README's rule (watchfmt.py), is tcpdump -r's with the same options; the
#    frames pktscope is known not to decode (mkfmt --apart) must differ;
#  - the same frames cut to a snap length (editcap -s N vs watch -s N);
#  - without frame bytes: ARP lines and ICMP lengths as tcpdump's, and the
#    events carry no bytes (caplen 0);
#  - the JSON fields the bytes add, against tshark's dissection and the
#    frames' own bytes, the TCP options against tcpdump -S's;
#  - real traffic over the veth pair (ARP, ping, UDP, an ICMP port
#    unreachable, a TCP connection with options), at --hook xdp and tc:
#    pktscope -e -v -x live against tcpdump -e -v -x of tcpdump's own
#    capture of the same interface at the same time;
#  - -l and --json: a line is in the output while watch still runs;
#  - `| head`: watch ends by itself, exit 0, no error, nothing attached,
#    also when no packet follows the last line head took.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq tcpdump tshark editcap nsenter ping "$PY"
require_pktscope
MKPCAP=$BUILD_DIR/tools/mkpcap
MKFMT=$BUILD_DIR/tools/mkfmt
[ -x "$MKPCAP" ] && [ -x "$MKFMT" ] || bail "mkpcap and mkfmt are built in $BUILD_DIR/tools (run make tests)"
setup_pair
gro_off "$NS_B" "$IF_B"
WF=$IT_DIR/watchfmt.py

VALID=$TMPD/valid.pcap
FMT=$TMPD/fmt.pcap
MIX=$TMPD/mix.pcap
"$MKPCAP" --valid "$VALID" >/dev/null || bail "mkpcap --valid writes $VALID"
"$MKFMT" "$FMT" >/dev/null || bail "mkfmt writes $FMT"
"$MKPCAP" --mix 2000 --seed 11 "$MIX" >/dev/null || bail "mkpcap --mix writes $MIX"
# Of --valid's frames, those with headers pktscope does not decode (IPv6
# routing and AH, 802.3 with LLC), numbered as in the file.
VALID_APART=$("$MKPCAP" --list | awk '$2 == "valid," { n++ }
	$2 == "valid," && ($1 == "ipv6_ext_chain_tcp" || $1 == "ipv6_ah_icmpv6" || $1 == "ether_8023_llc") {
		printf "%s%d", (c++ ? "," : ""), n }')
FMT_APART=$("$MKFMT" --apart all)
FMT_APART_V=$("$MKFMT" --apart v)

watch_run() { # name, watch arguments...
	local name=$1
	shift
	ps_run "$name" "$NS_B" watch "$@"
}

# "ok|bad what detail" lines (watchfmt.py) as checks.
tap_wf() { # prefix, file
	local v what detail
	while IFS=$'\t' read -r v what detail; do
		if [ "$v" = ok ]; then
			ok "$1: $what"
		else
			nok "$1: $what"
			diag "$(printf '%b' "${detail//\\t/\\\\t}" | head -40)"
		fi
	done <"$2"
}

cmp_file() { # label, file, apart list, options...
	local label=$1 file=$2 apart=$3
	shift 3
	watch_run "$label" -r "$file" -n "$@"
	check_eq "$label: exits 0" 0 "${RC[$label]}"
	tcpdump -r "$file" -n "$@" >"$TMPD/$label.td" 2>/dev/null
	"$PY" "$WF" compare "$TMPD/$label.td" "$TMPD/$label.out" --apart "$apart" >"$TMPD/$label.cmp" 2>&1 ||
		{ nok "$label: watchfmt.py compare ran"; diag "$(head -c 2000 "$TMPD/$label.cmp")"; return; }
	tap_wf "$label" "$TMPD/$label.cmp"
}

# ------------------------------------------------- 1. crafted frames vs tcpdump -r

OPTSETS=("-e" "-v" "-vv" "-x" "-xx" "-X" "-XX" "-A" "-AA" "-e -v -x" "-S -v" "-e -vv -XX")
for opts in "${OPTSETS[@]}"; do
	# shellcheck disable=SC2086 # the options are words
	set -- $opts
	tag=${opts// /}
	case $opts in *v*) fa=$FMT_APART_V ;; *) fa=$FMT_APART ;; esac
	cmp_file "valid$tag" "$VALID" "$VALID_APART" "$@"
	cmp_file "fmt$tag" "$FMT" "$fa" "$@"
done
for opts in "-e" "-v" "-x" "-e -vv -X"; do
	# shellcheck disable=SC2086
	set -- $opts
	cmp_file "mix${opts// /}" "$MIX" "" "$@"
done

# ------------------------------------------------- 2. frames cut to a snap length

for s in 34 54 80; do
	editcap -s "$s" "$VALID" "$TMPD/cut$s.pcap" || bail "editcap -s $s"
	editcap -s "$s" "$FMT" "$TMPD/fcut$s.pcap" || bail "editcap -s $s"
	for opts in "-e" "-v" "-x"; do
		for f in valid fmt; do
			label=$f-s$s${opts// /}
			if [ $f = valid ]; then in=$VALID cut=$TMPD/cut$s.pcap ign=$VALID_APART; else
				in=$FMT cut=$TMPD/fcut$s.pcap ign=$FMT_APART_V; fi
			# shellcheck disable=SC2086
			watch_run "$label" -r "$in" -n -s "$s" $opts
			# shellcheck disable=SC2086
			tcpdump -r "$cut" -n $opts >"$TMPD/$label.td" 2>/dev/null
			"$PY" "$WF" compare "$TMPD/$label.td" "$TMPD/$label.out" --ignore "$ign" >"$TMPD/$label.cmp" 2>&1
			tap_wf "$label (tcpdump on the file cut by editcap -s $s)" "$TMPD/$label.cmp"
		done
	done
done

# ------------------------------------------------- 2b. seeded random frames

# 6000 frames with random fields in the headers pktscope decodes (VLAN
# tags, IPv4 options, IPv6 option and fragment headers, TCP options, ICMP
# and ICMPv6 types with quoted datagrams, ARP operations), some cut short.
# Every one the datapath finds valid and pktscope prints as tcpdump (not
# its summary of what it does not decode) must equal tcpdump's text, in
# full and cut to a snap length.
RND_PY='
import random, struct, sys
random.seed(int(sys.argv[2]))
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
R = random.randrange
def rb(n):
    return bytes(R(256) for _ in range(n))
def ip4(proto, payload, opts=b"", frag=0, tos=0):
    ihl = 5 + len(opts) // 4
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, tos, 20 + len(opts) + len(payload), R(65536),
                       frag, R(256), proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + opts + payload
def tcp():
    doff = random.choice([5, 6, 8, 10, 15])
    kinds = [0, 1, 2, 3, 4, 5, 6, 8, 19, 20, 28, 29, 34, 254, 99]
    o = bytes(random.choice(kinds) if i % 3 == 0 else R(20) for i in range((doff - 5) * 4))
    return struct.pack(">HHIIBBHHH", 40000 + R(100), 5000 + R(100), R(2**32), R(2**32), doff << 4,
                       R(256), R(65536), 0, R(65536)) + o + rb(R(40))
def l4(proto):
    if proto == 6:
        return tcp()
    if proto == 17:
        return struct.pack(">HHHH", 40000 + R(100), 41000 + R(100), 8 + R(40), 0) + rb(R(40))
    return rb(R(60))
def frame():
    eth = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])
    tags = b"".join(struct.pack(">HH", random.choice([0x8100, 0x88a8, 0x9100, 0x9200]), R(65536))
                    for _ in range(random.choice([0, 0, 0, 1, 2])))
    k = random.random()
    if k < 0.45:
        proto = random.choice([1, 1, 6, 6, 17, 17, 58, 59, 253])
        opts = b""
        if random.random() < 0.3:
            opts = bytes([random.choice([0, 1, 7, 68, 130, 131, 137, 148, 82, 99]), R(40)]) + rb(4 * R(1, 10) - 2)
        if proto == 1:
            t = random.choice([0, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 42])
            iproto = random.choice([6, 17, 47, 1])
            payload = bytes([t, R(20)]) + rb(6) + ip4(iproto, l4(iproto)) + rb(R(120))
        else:
            payload = l4(proto)
        f = eth + tags + b"\x08\x00" + ip4(proto, payload, opts, random.choice([0, 0, 0, 0x4000, 0x2000, 0x0001]), R(256))
    elif k < 0.8:
        nh = random.choice([0, 60, 44, 6, 17, 58, 58, 58, 59])
        cur, payload = nh, b""
        for _ in range(R(4)):
            if cur in (0, 60):
                n2, ln = random.choice([6, 17, 58, 60, 44]), R(3)
                body = bytes(random.choice([0, 1, 5, 0x3e, 0x7f]) if i % 2 == 0 else R(10) for i in range(6 + 8 * ln))
                payload, cur = payload + bytes([n2, ln]) + body, n2
            elif cur == 44:
                n2 = random.choice([6, 17, 58])
                payload, cur = payload + bytes([n2, 0]) + struct.pack(">HI", random.choice([0, 1, 8, 9]), R(2**32)), n2
        if cur == 58:
            t = random.choice([1, 2, 3, 4, 128, 129, 133, 135, 136, 137, 141, 144, 200, 250])
            inner = struct.pack(">IHBB16s16s", 0x60000000, 20, random.choice([6, 17, 0]), 64,
                                bytes([0xfd] + [0] * 14 + [2]), bytes([0xfd] + [0] * 14 + [7])) + l4(random.choice([6, 17]))[:20]
            payload += bytes([t, R(8), 0, 0]) + rb(4) + (inner if t < 5 else rb(R(40)))
        elif cur in (6, 17):
            payload += l4(cur)
        f = eth + tags + b"\x86\xdd" + struct.pack(">IHBB16s16s", 0x60000000 | R(2**28), len(payload), nh, R(256),
                                                   bytes([0xfd] + [0] * 14 + [1]), bytes([0xfd] + [0] * 14 + [2])) + payload
    elif k < 0.9:
        hln, pln = random.choice([(6, 4), (6, 4), (8, 4), (0, 4), (6, 16)])
        f = eth + tags + b"\x08\x06" + struct.pack(">HHBBH", random.choice([1, 1, 6]), 0x0800, hln, pln,
                                                   random.choice([1, 2, 3, 4, 8, 9])) + rb(2 * (hln + pln))
    else:
        f = eth + tags + struct.pack(">H", random.choice([0x88b5, 0x88b6, 0x0026, 0x8847])) + rb(R(60))
    if len(f) < 60 and random.random() < 0.7:
        f += bytes(60 - len(f))
    return f
for i in range(int(sys.argv[3])):
    f = frame()
    out.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(f), len(f)) + f)
'
RND=$TMPD/random.pcap
"$PY" -c "$RND_PY" "$RND" 23 6000 || bail "the random frames are written"
watch_run rnd-json -r "$RND" --json
jq -r 'select(.type == "packet") | if .malformed then "bad" else "ok" end' "$TMPD/rnd-json.out" >"$TMPD/rnd.valid"
editcap -s 70 "$RND" "$TMPD/rnd-cut.pcap" || bail "editcap -s 70"
for opts in "-e" "-vv" "-x" "-e -v -XX"; do
	for s in 0 70; do
		label=rnd-s$s${opts// /}
		in=$RND
		[ "$s" = 0 ] || in=$TMPD/rnd-cut.pcap
		# shellcheck disable=SC2086
		watch_run "$label" -r "$RND" -n -s "$s" $opts
		# shellcheck disable=SC2086
		tcpdump -r "$in" -n $opts >"$TMPD/$label.td" 2>/dev/null
		"$PY" "$WF" compare "$TMPD/$label.td" "$TMPD/$label.out" --valid "$TMPD/rnd.valid" --min 4800 \
			>"$TMPD/$label.cmp" 2>&1
		tap_wf "random frames, $opts, $([ "$s" = 0 ] && echo whole || echo "cut to $s bytes")" "$TMPD/$label.cmp"
	done
done

# ------------------------------------------------- 3. without frame bytes

for f in valid mix; do
	in=$TMPD/$f.pcap
	watch_run "sum-$f" -r "$in" -n
	tcpdump -r "$in" -n >"$TMPD/sum-$f.td" 2>/dev/null
	"$PY" "$WF" summary "$TMPD/sum-$f.td" "$TMPD/sum-$f.out" >"$TMPD/sum-$f.cmp" 2>&1
	tap_wf "no bytes, $f" "$TMPD/sum-$f.cmp"
done
watch_run caplen0 -r "$MIX" --json
check_eq "without -e/-v/-x/-X/-A the events carry no frame bytes (caplen 0, no eth_src) in all 2000" \
	"2000 2000" "$(jq -r 'select(.type == "packet") | select(.caplen == 0 and .eth_src == null) | 1' \
	"$TMPD/caplen0.out" | grep -c '') $(jq -r 'select(.type == "packet") | 1' "$TMPD/caplen0.out" | grep -c '')"

# ------------------------------------------------- 4. JSON fields from the bytes

JS_PY='
import json, re, struct, sys
def frames(path):
    b = open(path, "rb").read()
    magic = struct.unpack("<I", b[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    off, out = 24, []
    while off + 16 <= len(b):
        _, _, incl, _ = struct.unpack(end + "IIII", b[off:off + 16])
        out.append(b[off + 16:off + 16 + incl])
        off += 16 + incl
    return out
fr = frames(sys.argv[1])
ts = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
ps = [json.loads(l) for l in open(sys.argv[3]) if l.startswith("{\"time\"")]
td = [l.rstrip("\n") for l in open(sys.argv[4]) if re.match(r"\d\d:\d\d:\d\d\.", l)]
snap = int(sys.argv[5])
with_data = sys.argv[6] == "data"
bad = {k: [] for k in ("count", "bytes", "eth", "vlan", "ip", "tcp", "opts", "icmp")}
if not (len(fr) == len(ts) == len(ps) == len(td)):
    bad["count"].append("frames %d, tshark %d, pktscope %d, tcpdump %d" % (len(fr), len(ts), len(ps), len(td)))
def first(v):
    return v.split(",")[0] if v else None
def num(v):
    v = first(v)
    return int(v, 16 if v.startswith("0x") else 10) if v else None
n_tcp = n_icmp = n_vlan = 0
for i, (f, t, p, d) in enumerate(zip(fr, ts, ps, td), 1):
    def chk(k, exp, got):
        if exp != got:
            bad[k].append("packet %d: expected %r, got %r" % (i, exp, got))
    cap = min(len(f), snap)
    chk("bytes", (cap, f[:cap].hex() if with_data else None), (p.get("caplen"), p.get("data")))
    (esrc, edst, ipid, dsf, df, foff, tcls, flow, seq, ack, win, iid, iseq, i6id, i6seq) = t
    chk("eth", (esrc, edst), (p.get("eth_src"), p.get("eth_dst")))
    # The tags tcpdump -e shows (it knows more TPIDs than tshark).
    vids = [int(x) for x in re.findall(r"vlan (\d+), p \d", d)]
    n_vlan += bool(vids)
    chk("vlan", vids, p.get("vlan_ids"))
    if p.get("ip_version") == 4:
        chk("ip", (num(ipid), num(dsf), first(df) == "1", num(foff) * 8),
            (p.get("ip_id"), p.get("ip_tos"), p.get("ip_df"), p.get("ip_frag_offset")))
    elif p.get("ip_version") == 6:
        chk("ip", (num(tcls), num(flow)), (p.get("ip_class"), p.get("ip_flowlabel")))
    if p.get("l4") == "tcp" and not p.get("malformed"):
        n_tcp += 1
        chk("tcp", (num(seq), num(ack), num(win)), (p.get("tcp_seq"), p.get("tcp_ack"), p.get("tcp_win")))
        m = re.search(r", options \[(.*)\], length", d)
        chk("opts", m.group(1) if m else None, p.get("tcp_options"))
    if "icmp_id" in p or (p.get("l4") in ("icmp", "icmpv6") and p.get("icmp_type") in (0, 8, 128, 129)):
        n_icmp += 1
        exp = (num(iid), num(iseq)) if p.get("l4") == "icmp" else (num(i6id), num(i6seq))
        chk("icmp", exp, (p.get("icmp_id"), p.get("icmp_seq")))
names = {"count": "as many frames, tshark lines, objects, tcpdump lines",
         "bytes": "caplen (and data) = the frame\x27s first bytes",
         "eth": "eth_src, eth_dst = eth.src, eth.dst",
         "vlan": "vlan_ids = the tags tcpdump -e shows (%d tagged)" % n_vlan,
         "ip": "ip_id, ip_tos, ip_df, ip_frag_offset (bytes) / ip_class, ip_flowlabel = tshark\x27s",
         "tcp": "tcp_seq, tcp_ack, tcp_win = tcp.seq_raw, tcp.ack_raw, tcp.window_size_value (%d)" % n_tcp,
         "opts": "tcp_options = tcpdump -S\x27s options", "icmp": "icmp_id, icmp_seq = tshark\x27s (%d)" % n_icmp}
for k, v in bad.items():
    print("%s\t%s\t%s" % ("bad" if v else "ok", names[k], "; ".join(v[:5])))
'
TS_FIELDS=(eth.src eth.dst ip.id ip.dsfield ip.flags.df ip.frag_offset ipv6.tclass ipv6.flow
	tcp.seq_raw tcp.ack_raw tcp.window_size_value icmp.ident icmp.seq icmpv6.echo.identifier
	icmpv6.echo.sequence_number)
json_vs() { # label, file, snap the options give, data|nodata, watch options...
	local label=$1 file=$2 snap=$3 data=$4 args=() f
	shift 4
	watch_run "$label" -r "$file" --json "$@"
	for f in "${TS_FIELDS[@]}"; do args+=(-e "$f"); done
	# The first of each (an ICMP error quotes another datagram).
	tshark -r "$file" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -T fields -E occurrence=f \
		"${args[@]}" 2>/dev/null >"$TMPD/$label.ts"
	tcpdump -r "$file" -n -S -e 2>/dev/null >"$TMPD/$label.td"
	"$PY" -c "$JS_PY" "$file" "$TMPD/$label.ts" "$TMPD/$label.out" "$TMPD/$label.td" "$snap" "$data" \
		>"$TMPD/$label.cmp" 2>&1 || { nok "$label: JSON comparison ran"; diag "$(head -c 2000 "$TMPD/$label.cmp")"; return; }
	tap_wf "$label" "$TMPD/$label.cmp"
}
json_vs json-e-fmt "$FMT" 256 nodata -e
json_vs json-x-fmt "$FMT" 65535 data -x
json_vs json-v-valid "$VALID" 65535 nodata -v
json_vs json-A-mix "$MIX" 65535 data -A

# ------------------------------------------------- 5. live, against tcpdump on the same interface

wait_file() { # path
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ARP (A forgets B), 3 pings, 3 datagrams to a receiver, one to a closed
# port (B answers port unreachable), a TCP connection with data both ways.
live_traffic() { # label
	local r=$1-recv s=$1-srv
	ip -n "$NS_A" neigh del "$IP_B" dev "$IF_A"
	in_ns "$NS_A" ping -q -c 3 -i 0.1 -W 2 "$IP_B" >"$TMPD/$1-ping.out" 2>&1 ||
		{ nok "$1: ping A -> B"; diag "$(cat "$TMPD/$1-ping.out")"; }
	ip -n "$NS_A" neigh replace "$IP_B" lladdr "$MAC_B" dev "$IF_A" nud permanent
	rm -f "$TMPD/$r.ready" "$TMPD/$s.ready"
	bg_start "$r" nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" udp-recv "$IP_B" 40002 3 10 "$TMPD/$r.ready"
	wait_file "$TMPD/$r.ready" || nok "$1: UDP receiver ready"
	in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" udp-send "$IP_B" 40002 3 20 >/dev/null
	bg_wait "$r" 15
	in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" udp-send "$IP_B" 40003 1 20 >/dev/null
	sleep 0.2
	bg_start "$s" nsenter --net="/run/netns/$NS_B" -- "$PY" "$IT_DIR/pkt.py" tcp-server "$IP_B" 5001 "$TMPD/$s.ready" 300
	wait_file "$TMPD/$s.ready" || nok "$1: TCP server ready"
	in_ns "$NS_A" "$PY" "$IT_DIR/pkt.py" tcp-client "$IP_B" 5001 200 >"$TMPD/$1-tcp.out" 2>&1
	bg_wait "$s" 15
	check_eq "$1: the TCP exchange (200 bytes there, 300 back)" "200 300" \
		"$(cat "$TMPD/$s.out") $(cat "$TMPD/$1-tcp.out")"
}

live_vs_tcpdump() { # label, hook
	local label=$1 hook=$2 opts=(-e -v -x -n)
	if ! tcpdump_start "$label-td" "$NS_B" "$IF_B"; then
		nok "$label: tcpdump starts on $IF_B"
		return
	fi
	if ! ps_start_cmd "$label" "$NS_B" watch -i "$IF_B" --hook "$hook" "${opts[@]}"; then
		nok "$label: pktscope watch starts"
		ps_stop "$label" KILL
		tcpdump_stop "$label-td"
		return
	fi
	live_traffic "$label"
	sleep 0.3
	ps_stop "$label"
	check_eq "$label: exit status after SIGINT" 0 "${RC[$label]}"
	tcpdump_stop "$label-td" || nok "$label: tcpdump captured every packet (the reference)"
	tcpdump -r "$TMPD/$label-td.pcap" "${opts[@]}" >"$TMPD/$label.td" 2>/dev/null
	check_eq "$label: the capture has the ARP exchange, pings, datagrams, the port unreachable and TCP" \
		"2 3 3 1 1" "$(grep -c 'ARP' "$TMPD/$label.td") $(grep -c 'ICMP echo request' "$TMPD/$label.td") \
$(grep -c '40002: UDP' "$TMPD/$label.td") $(grep -c 'udp port 40003 unreachable' "$TMPD/$label.td") \
$(grep -c 'Flags \[S\], cksum.*options \[mss' "$TMPD/$label.td")"
	"$PY" "$WF" compare "$TMPD/$label.td" "$TMPD/$label.out" --no-time >"$TMPD/$label.cmp" 2>&1
	tap_wf "$label: live -e -v -x" "$TMPD/$label.cmp"
	check_attached "$label: nothing left attached" "$NS_B" "$IF_B" ""
}
live_vs_tcpdump live-xdp xdp
live_vs_tcpdump live-tc tc

# ------------------------------------------------- 6. -l and --json: lines while watch runs

line_while_running() { # label, regex, watch options...
	local label=$1 re=$2 i
	shift 2
	if ! ps_start_cmd "$label" "$NS_B" watch -i "$IF_B" "$@"; then
		nok "$label: pktscope watch starts"
		ps_stop "$label" KILL
		return
	fi
	in_ns "$NS_A" ping -q -c 1 -W 2 "$IP_B" >/dev/null 2>&1
	if wait_line "$TMPD/$label.out" "$re" "${PID[$label]}" && _is_child "${PID[$label]}"; then
		ok "$label: the packet's line is in the output while watch runs (watch $*)"
	else
		nok "$label: the packet's line is in the output while watch runs (watch $*)"
		diag "output: $(head -c 500 "$TMPD/$label.out")"
	fi
	ps_stop "$label"
	check_eq "$label: exit status after SIGINT" 0 "${RC[$label]}"
}
line_while_running line-l 'ICMP echo request' -l -n
line_while_running line-lx 'ICMP echo request' -l -n -x
line_while_running line-json '"icmp_type":8' --json
# Without -l the lines wait in a 4 KiB buffer (as tcpdump's on a file or
# pipe); at exit every line counted as printed is there.
if ps_start_cmd nol "$NS_B" watch -i "$IF_B" -n; then
	in_ns "$NS_A" ping -q -c 3 -i 0.1 -W 2 "$IP_B" >/dev/null 2>&1
	sleep 0.3
	ps_stop nol
	check_eq "without -l: at exit, one line per packet printed (6)" "6 packets printed 6" \
		"$(grep -o '^[0-9]* packets printed' "$TMPD/nol.err") $(grep -c '' "$TMPD/nol.out")"
else
	nok "nol: pktscope watch starts"
	ps_stop nol KILL
fi

# ------------------------------------------------- 7. | head

# watch | head -N in the namespace; its exit statuses ("watch head") to
# NAME.status.  env gives SIGINT its default action (bg_start's reason).
head_run() { # name, head -N, pings before, watch options...
	local name=$1 n=$2 pings=$3
	shift 3
	bg_start "$name" nsenter --net="/run/netns/$NS_B" -- bash -c \
		'"$1" watch -i "$2" "${@:5}" | head -n "$3" >"$4.lines"; echo "${PIPESTATUS[*]}" >"$4.status"' \
		x "$PKTSCOPE" "$IF_B" "$n" "$TMPD/$name" "$@"
	if ! wait_line "$TMPD/$name.err" '^pktscope: watching ' "${PID[$name]}"; then
		nok "$name: pktscope watch starts"
		diag "$(cat "$TMPD/$name.err")"
		return 1
	fi
	in_ns "$NS_A" ping -q -c "$pings" -i 0.01 -W 2 "$IP_B" >/dev/null 2>&1
	# No packet after the ping: watch must see on its own that head left.
	bg_wait "$name" "$WAIT_S"
	check_eq "$name: watch $* | head -$n ends by itself; exit statuses (watch head)" "0 0" \
		"$(cat "$TMPD/$name.status" 2>/dev/null || echo "${RC[$name]}")"
	check_eq "$name: head got $n lines" "$n" "$(grep -c '' "$TMPD/$name.lines")"
	check_eq "$name: no error on stderr (only the start and the closing counts)" "" \
		"$(grep -v -e '^pktscope: watching ' -e '^[0-9]* packets ' "$TMPD/$name.err")"
	if [ "${RC[$name]}" = hung ]; then
		# pktscope is the shell's child: stop it by its pid, then the shell.
		for pid in $(pgrep -P "${PID[$name]}"); do kill -s INT "$pid"; done
		kill9 "$name"
	fi
	check_attached "$name: nothing left attached" "$NS_B" "$IF_B" ""
	return 0
}
head_run head-l 3 2 -l -n
head_run head-json 1 1 --json
# 40 pings are more than 4 KiB of lines: the first write goes out, then head leaves.
head_run head-buffered 3 40 -n

# ------------------------------------------------- 8. errors

err_case() { # label, watch arguments...
	local label=$1
	shift
	watch_run "$label" "$@"
	check_usage_error "watch $*" "$label"
	check_eq "watch $*: nothing attached to $IF_B" "" "$(attached "$NS_B" "$IF_B")"
}
err_case err-snap -i "$IF_B" -x -s -1
err_case err-snap-big -i "$IF_B" -s 300000
ps_run err-capture-x "$NS_B" capture -i "$IF_B" -w "$TMPD/x.pcap" -x
check_usage_error "capture -x (a watch option)" err-capture-x

# ------------------------------------------------- 9. output errors are counted

# /dev/full takes no byte: every packet is counted as not printed, none lost
# without a count, and watch goes on to the end of the file (exit 0).
ps_run full "$NS_B" watch -r "$MIX" -n
check_eq "to a full device: exit status, then printed 2000" "0 2000" \
	"${RC[full]} $(sed -n 's/^\([0-9]*\) packets printed$/\1/p' "$TMPD/full.err")"
timeout -k 5 "$((WAIT_S * 2))" nsenter --net="/run/netns/$NS_B" -- "$PKTSCOPE" watch -r "$MIX" -n \
	>/dev/full 2>"$TMPD/full2.err"
check_eq "to /dev/full: exit 0, 0 printed, all 2000 counted as not printed (output errors)" \
	"0 0 2000" "$? $(sed -n 's/^\([0-9]*\) packets printed$/\1/p' "$TMPD/full2.err") \
$(sed -n 's/^\([0-9]*\) packets not printed (output errors).*/\1/p' "$TMPD/full2.err")"
