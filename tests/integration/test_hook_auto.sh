#!/usr/bin/env bash
# --hook auto, the default: the hook that fits each interface.
#  - on a veth (and every other virtual kind this kernel makes: the kind
#    pktscope names is the one `ip -d link` shows) it takes TC both ways:
#    no XDP program attached (bpftool, ip link), counts exact against the
#    pings sent, the reason on stderr and in stats' JSON;
#  - stats, watch, capture and flows all take it;
#  - with another program on the XDP hook it takes TC beside it: the other
#    program stays attached with its id and keeps counting, pktscope's
#    counts are exact; an explicit --hook xdp still refuses (exit 2);
#  - on a device (PKTSCOPE_AUTO_CLASS=device stands a veth in for one):
#    native XDP in, TC out; where the driver refuses native XDP (a bridge)
#    TC, never generic XDP; with several -i each interface gets its own;
#  - -r FILE: the XDP test run, which takes a frame larger than a page
#    (TC's refuses it);
#  - --xdp-mode without --hook xdp is a usage error.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq bpftool nsenter ping tshark clang "$PY"
require_pktscope
setup_pair

N=4            # pings per check
PSIZE=1000     # their payload
FRAME=$((14 + 20 + 8 + PSIZE))
ATT_TC=$(printf 'tcx/egress ps_tc_egress\ntcx/ingress ps_tc_ingress')
ATT_XDP=$(printf 'tcx/egress ps_tc_egress\nxdp driver ps_xdp')
VIRT="XDP would cost throughput"

watching() { grep '^pktscope: watching ' "$TMPD/$1.err" | head -1; }
# The XDP program `ip link` reports on the interface: its id, or "none".
ip_xdp() { # ns, ifname
	ip -n "$1" -d -j link show dev "$2" | jq -r '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id // "none"'
}
ping_b_to_a() { in_ns "$NS_B" ping -q -c "$N" -i 0.2 -s "$PSIZE" -W 2 "${1:-$IP_A}" >/dev/null 2>&1; }
# "packets bytes icmp" of one interface's hook in a stats summary.
hook_counts() { # summary, ifname, direction
	hook_obj "$1" "$2" "$3" | jq -r '"\(.hook)/\(.direction) \(.mode) \(.packets) \(.bytes) \(.counters["l4.icmp"].packets)"'
}
# A stats run over IF_A with N pings from B: the summary's per-hook counts
# must be the pings, exactly.
stats_pings() { # label, expected "hook/dir mode" for ingress and egress, env..., -- stats args...
	local label=$1 want_in=$2 want_out=$3 s
	shift 3
	ping_b_to_a
	ps_stop "$label"
	check_eq "$label: exits 0 on SIGINT" 0 "${RC[$label]}"
	s=$(ps_summary "$label")
	check_eq "$label: ingress counts the $N echo requests exactly" \
		"$want_in $N $((N * FRAME)) $N" "$(hook_counts "$s" "$IF_A" ingress)"
	check_eq "$label: egress counts the $N echo replies exactly" \
		"$want_out $N $((N * FRAME)) $N" "$(hook_counts "$s" "$IF_A" egress)"
}

# ------------------------------------------------------------ 1. veth: TC

if ps_start auto "$NS_A" -i "$IF_A" --json; then
	kind=$(ip -n "$NS_A" -d -j link show dev "$IF_A" | jq -r '.[0].linkinfo.info_kind')
	check_eq "veth: the stderr line says TC both ways, auto, and why" \
		"pktscope: watching $IF_A [tc/ingress tcx, tc/egress tcx: auto, $kind is virtual: $VIRT]; Ctrl-C stops" \
		"$(watching auto)"
	check_eq "veth: attached at TC ingress and egress (tcx links)" "$ATT_TC" "$(attached "$NS_A" "$IF_A")"
	check_eq "veth: ip link shows no XDP program" none "$(ip_xdp "$NS_A" "$IF_A")"
	check_eq "veth: bpftool net shows no XDP program" "[]" \
		"$(in_ns "$NS_A" bpftool -j net show dev "$IF_A" | jq -c '[.[].xdp[]?]')"
	stats_pings auto "tc/ingress tcx" "tc/egress tcx"
	check_eq "veth: stats' JSON says auto and why" \
		"{\"asked\":\"auto\",\"reason\":\"$kind is virtual: $VIRT\"}" \
		"$(ps_summary auto | jq -c '.interfaces[0].hook_choice')"
	check_attached "veth: nothing attached after SIGINT" "$NS_A" "$IF_A" ""
else
	nok "veth: pktscope stats -i $IF_A starts"
fi

# ------------------------------------------------------------ 2. the other subcommands

K=$((2 * N))
if ps_start_cmd w "$NS_A" watch -i "$IF_A" --json -c "$K"; then
	check_eq "watch: the stderr line says TC both ways, auto" \
		"pktscope: watching $IF_A [tc/ingress tcx, tc/egress tcx: auto, veth is virtual: $VIRT]; Ctrl-C stops" \
		"$(watching w)"
	check_eq "watch: no XDP program while it runs" none "$(ip_xdp "$NS_A" "$IF_A")"
	ping_b_to_a
	bg_wait w 10
	check_eq "watch -c $K: exits by itself, 0" 0 "${RC[w]}"
	check_eq "watch: the $N requests in and $N replies out, every one at hook tc" \
		"$N tc ingress 8,$N tc egress 0" \
		"$(jq -r 'select(.type == "packet") | "\(.hook) \(.direction) \(.icmp_type // .l4)"' "$TMPD/w.out" 2>/dev/null |
			sort | uniq -c | sed 's/^ *//' | sort -k3 -r | paste -sd,)"
else
	nok "watch: pktscope watch -i $IF_A starts"
fi
check_attached "watch: nothing attached after it" "$NS_A" "$IF_A" ""

if ps_start_cmd c "$NS_A" capture -i "$IF_A" --pcapng -w "$TMPD/c.pcapng" -c "$K"; then
	check_eq "capture: the stderr line says TC both ways, auto" \
		"pktscope: watching $IF_A [tc/ingress tcx, tc/egress tcx: auto, veth is virtual: $VIRT]; Ctrl-C stops" \
		"$(watching c)"
	ping_b_to_a
	bg_wait c 10
	check_eq "capture -c $K: exits by itself, 0" 0 "${RC[c]}"
	check_eq "capture: tshark reads $N requests in and $N replies out, each marked \"hook tc\"" \
		"$N 0x00000001 hook tc 8,$N 0x00000002 hook tc 0" \
		"$(tshark -r "$TMPD/c.pcapng" -T fields -E separator=' ' -e frame.packet_flags_direction \
			-e frame.comment -e icmp.type 2>/dev/null | sort | uniq -c | sed 's/^ *//' | paste -sd,)"
else
	nok "capture: pktscope capture -i $IF_A starts"
fi
check_attached "capture: nothing attached after it" "$NS_A" "$IF_A" ""

if ps_start_cmd f "$NS_A" flows -i "$IF_A" --json; then
	check_eq "flows: the stderr line says TC both ways, auto" \
		"pktscope: watching $IF_A [tc/ingress tcx, tc/egress tcx: auto, veth is virtual: $VIRT]; Ctrl-C stops" \
		"$(watching f)"
	check_eq "flows: attached at TC ingress and egress" "$ATT_TC" "$(attached "$NS_A" "$IF_A")"
	ping_b_to_a
	ps_stop f
	check_eq "flows: exits 0 on SIGINT" 0 "${RC[f]}"
	check_eq "flows: its records hold the $K pings, packets and bytes" "$K $((K * FRAME))" \
		"$(rec_sums "$TMPD/f.out")"
else
	nok "flows: pktscope flows -i $IF_A starts"
fi
check_attached "flows: nothing attached after it" "$NS_A" "$IF_A" ""

# ------------------------------------------------------------ 3. every virtual kind

# The kind pktscope names must be the one ip(8) reads from the kernel.
VK=()
mk() { # name, ip link add arguments after the name...
	local n=$1
	shift
	if ip -n "$NS_A" link add "$n" "$@" 2>"$TMPD/mk.err"; then
		VK+=("$n")
		_WATCH+=("$NS_A $n")
	else
		diag "this kernel cannot make $n ($*): $(cat "$TMPD/mk.err")"
	fi
}
mk psbr0 type bridge
mk psbond0 type bond
mk psvx0 type vxlan id 42 dstport 4789 dev "$IF_A"
mk psgnv0 type geneve id 42 remote "$IP_B"
mk psmv0 link "$IF_A" type macvlan
mk psiv0 link "$IF_A" type ipvlan mode l2
mk psvl0 link "$IF_A" type vlan id 7
mk pswg0 type wireguard
mk psifb0 type ifb
if ip -n "$NS_A" tuntap add dev pstap0 mode tap 2>"$TMPD/mk.err"; then
	VK+=(pstap0)
	_WATCH+=("$NS_A pstap0")
else
	diag "this kernel cannot make a tap device: $(cat "$TMPD/mk.err")"
fi
VK+=(lo)
for v in "${VK[@]}"; do
	ip -n "$NS_A" link set "$v" up 2>/dev/null
	kind=$(ip -n "$NS_A" -d -j link show dev "$v" | jq -r '.[0].linkinfo.info_kind // "loopback"')
	ps_run "k-$v" "$NS_A" stats -i "$v" -c 1 --interval 0.1 --json
	check_eq "$v ($kind): TC both ways, auto, named $kind" \
		"0 tc/ingress,tc/egress $kind is virtual: $VIRT" \
		"${RC[k-$v]} $(ps_summary "k-$v" | jq -r '.interfaces[0] | "\([.hooks[] | "\(.hook)/\(.direction)"] | join(",")) \(.hook_choice.reason)"')"
	check_eq "$v: nothing attached after it" "" "$(wait_attached "$NS_A" "$v" "")"
done

# ------------------------------------------------------------ 4. a device (PKTSCOPE_AUTO_CLASS)

# The veth stands in for a device with native XDP, the bridge for a driver
# without it.
if PKTSCOPE_AUTO_CLASS=device ps_start dev "$NS_A" -i "$IF_A" --json; then
	check_eq "device: native XDP in, TC out, auto, and why" \
		"pktscope: watching $IF_A [xdp/ingress native, tc/egress tcx: auto, native XDP (PKTSCOPE_AUTO_CLASS)]; Ctrl-C stops" \
		"$(watching dev)"
	check_eq "device: attached at XDP (native) and TC egress" "$ATT_XDP" "$(attached "$NS_A" "$IF_A")"
	stats_pings dev "xdp/ingress native" "tc/egress tcx"
	check_attached "device: nothing attached after SIGINT" "$NS_A" "$IF_A" ""
else
	nok "device: pktscope stats -i $IF_A starts"
fi
if PKTSCOPE_AUTO_CLASS=device ps_start devbr "$NS_A" -i psbr0 --json; then
	check_eq "device refusing native XDP (bridge): TC, not generic XDP, and why" \
		"pktscope: watching psbr0 [tc/ingress tcx, tc/egress tcx: auto, native XDP refused (Operation not supported); generic XDP would gain nothing over TC]; Ctrl-C stops" \
		"$(watching devbr)"
	check_eq "device refusing native XDP: attached at TC both ways, no XDP" "$ATT_TC none" \
		"$(attached "$NS_A" psbr0) $(ip_xdp "$NS_A" psbr0)"
	ps_stop devbr
	check_eq "device refusing native XDP: exits 0" 0 "${RC[devbr]}"
	check_attached "device refusing native XDP: nothing attached after SIGINT" "$NS_A" psbr0 ""
else
	nok "device refusing native XDP: pktscope stats -i psbr0 starts"
fi

# Another pktscope holds the interface at TC: auto would take XDP on this
# "device", and the claim refuses it first, in one line.
if ps_start first "$NS_A" -i "$IF_A" --hook tc --json; then
	held=$(attached "$NS_A" "$IF_A" --ids)
	PKTSCOPE_AUTO_CLASS=device ps_run second "$NS_A" stats -i "$IF_A" -c 1 --interval 1
	check_usage_error "a second pktscope, auto on a device" second
	check "a second pktscope, auto on a device: names the first one's pid" \
		grep -qw -- "${PID[first]}" "$TMPD/second.err"
	check_eq "a second pktscope, auto on a device: the first one's programs stay" "$held" \
		"$(attached "$NS_A" "$IF_A" --ids)"
	ps_stop first
else
	nok "a first pktscope --hook tc starts"
fi
check_attached "a second pktscope: nothing attached once the first stopped" "$NS_A" "$IF_A" ""

# ------------------------------------------------------------ 5. XDP held by another program

FX=$TMPD/foreign.bpf.o
clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" \
	-c "$IT_DIR/foreign.bpf.c" -o "$FX" 2>"$TMPD/clang.err" || bail "clang builds foreign.bpf.c: $(cat "$TMPD/clang.err")"
xdp_off() {
	ip -n "$NS_A" link set dev "$IF_A" xdpdrv off 2>/dev/null
	ip -n "$NS_A" link set dev "$IF_A" xdpgeneric off 2>/dev/null
}
_CLEANUP_CMDS+=(xdp_off)
fx_count() { # prog id: packets the foreign program has seen
	local map
	map=$(bpftool -j prog show id "$1" 2>/dev/null | jq '.map_ids[0]')
	bpftool -j map lookup id "$map" key 0 0 0 0 2>/dev/null | jq '.formatted.value // empty'
}
ours() { attached "$NS_A" "$IF_A" | grep -v ' fx_xdp'; }

held_case() { # label, ip link xdp mode (xdpdrv|xdpgeneric), bpfq's name for it
	local label=$1 held id c0 c1
	ip -n "$NS_A" link set dev "$IF_A" "$2" obj "$FX" sec xdp 2>"$TMPD/ip.err" ||
		{ nok "$label: ip link attaches another XDP program"; diag "$(cat "$TMPD/ip.err")"; return; }
	held=$(attached "$NS_A" "$IF_A" --ids)
	id=$(awk '{ print $NF }' <<<"$held")
	check_eq "$label: the other program holds XDP" "xdp $3 fx_xdp" "$(awk '{ print $1, $2, $3 }' <<<"$held")"

	c0=$(fx_count "$id")
	if ps_start "$label" "$NS_A" -i "$IF_A" --json; then
		check_eq "$label: auto takes TC beside it, and says so" \
			"pktscope: watching $IF_A [tc/ingress tcx, tc/egress tcx: auto, veth is virtual: $VIRT; XDP held by fx_xdp (id $id)]; Ctrl-C stops" \
			"$(watching "$label")"
		check_eq "$label: pktscope at TC both ways" "$ATT_TC" "$(ours)"
		check_eq "$label: the other program is still attached, same id" "$held" \
			"$(attached "$NS_A" "$IF_A" --ids | grep ' fx_xdp')"
		stats_pings "$label" "tc/ingress tcx" "tc/egress tcx"
		c1=$(fx_count "$id")
		check_eq "$label: the other program saw the $N requests too" "$N" "$((${c1:-0} - ${c0:-0}))"
	else
		nok "$label: pktscope stats -i $IF_A starts beside it"
	fi
	check_attached "$label: after pktscope, only the other program, same id" "$NS_A" "$IF_A" "$held" --ids

	if PKTSCOPE_AUTO_CLASS=device ps_start "$label-dev" "$NS_A" -i "$IF_A" --json; then
		check_eq "$label, a device: auto takes TC, and says why" \
			"pktscope: watching $IF_A [tc/ingress tcx, tc/egress tcx: auto, XDP held by fx_xdp (id $id): TC sees what it passes]; Ctrl-C stops" \
			"$(watching "$label-dev")"
		stats_pings "$label-dev" "tc/ingress tcx" "tc/egress tcx"
	else
		nok "$label, a device: pktscope stats -i $IF_A starts beside it"
	fi
	check_attached "$label, a device: after pktscope, only the other program" "$NS_A" "$IF_A" "$held" --ids

	ps_run "$label-xdp" "$NS_A" stats -i "$IF_A" --hook xdp -c 1 --interval 1
	check_usage_error "$label: --hook xdp still refuses" "$label-xdp"
	check "$label: --hook xdp names the program holding the hook" grep -q "'fx_xdp' (id $id" "$TMPD/$label-xdp.err"
	check_attached "$label: after the refusal, only the other program" "$NS_A" "$IF_A" "$held" --ids
	xdp_off
	check_attached "$label: ip link detaches it" "$NS_A" "$IF_A" ""
}
held_case held-native xdpdrv driver
held_case held-generic xdpgeneric generic

# Several interfaces: each gets its own hook.  A second veth pair; the
# first holds a foreign program, both stand for devices.
IF_A2=veth-a2 IF_B2=veth-b2 IP_A2=198.51.100.1 IP_B2=198.51.100.2
ip link add "$IF_A2" netns "$NS_A" address 02:70:73:00:01:0a type veth \
	peer name "$IF_B2" netns "$NS_B" address 02:70:73:00:01:0b || bail "second veth pair"
_WATCH+=("$NS_A $IF_A2" "$NS_B $IF_B2")
ip -n "$NS_A" addr add "$IP_A2/24" dev "$IF_A2"
ip -n "$NS_B" addr add "$IP_B2/24" dev "$IF_B2"
ip -n "$NS_A" neigh replace "$IP_B2" lladdr 02:70:73:00:01:0b dev "$IF_A2" nud permanent
ip -n "$NS_B" neigh replace "$IP_A2" lladdr 02:70:73:00:01:0a dev "$IF_B2" nud permanent
ip -n "$NS_A" link set "$IF_A2" up
ip -n "$NS_B" link set "$IF_B2" up
ip -n "$NS_A" link set dev "$IF_A" xdpdrv obj "$FX" sec xdp || nok "two: ip link attaches another XDP program"
id=$(attached "$NS_A" "$IF_A" --ids | awk '{ print $NF }')
if PKTSCOPE_AUTO_CLASS=device ps_start two "$NS_A" -i "$IF_A" -i "$IF_A2" --json; then
	check_eq "two: each interface its own hook, each reason on the line" \
		"pktscope: watching $IF_A [tc/ingress tcx, tc/egress tcx: auto, XDP held by fx_xdp (id $id): TC sees what it passes], $IF_A2 [xdp/ingress native, tc/egress tcx: auto, native XDP (PKTSCOPE_AUTO_CLASS)]; Ctrl-C stops" \
		"$(watching two)"
	ping_b_to_a
	ping_b_to_a "$IP_A2"
	ps_stop two
	s=$(ps_summary two)
	for ifn in "$IF_A" "$IF_A2"; do
		[ "$ifn" = "$IF_A" ] && h=tc && m=tcx || { h=xdp; m=native; }
		check_eq "two: $ifn ingress ($h) counts its $N requests" "$h/ingress $m $N $((N * FRAME)) $N" \
			"$(hook_counts "$s" "$ifn" ingress)"
		check_eq "two: $ifn egress counts its $N replies" "tc/egress tcx $N $((N * FRAME)) $N" \
			"$(hook_counts "$s" "$ifn" egress)"
	done
else
	nok "two: pktscope stats -i $IF_A -i $IF_A2 starts"
fi
check_attached "two: $IF_A2 bare after it" "$NS_A" "$IF_A2" ""
check_eq "two: only the other program left on $IF_A" "xdp driver fx_xdp $id" "$(wait_attached "$NS_A" "$IF_A" "xdp driver fx_xdp $id" --ids)"
xdp_off

# ------------------------------------------------------------ 6. -r FILE

# One UDP frame of 6000 bytes (larger than a page) and one of 60.
"$PY" - "$TMPD/big.pcap" <<'EOF'
import struct, sys
def frame(n):
    udp = 8 + n - 42
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp, 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return (b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip +
            struct.pack("!HHHH", 4000, 4001, udp, 0) + b"x" * (n - 42))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, n in enumerate((6000, 60)):
        f.write(struct.pack("<IIII", 1700000000 + i, 0, n, n) + frame(n))
EOF
ps_run file "$NS_A" stats -r "$TMPD/big.pcap" --json
check_eq "-r, auto: the XDP test run, and why" \
	"0 xdp/ingress test-run auto a file: the XDP test run takes larger frames whole" \
	"${RC[file]} $(ps_summary file | jq -r '.interfaces[0] | "\(.hooks[0].hook)/\(.hooks[0].direction) \(.hooks[0].mode) \(.hook_choice.asked) \(.hook_choice.reason)"')"
check_eq "-r, auto: both frames run and counted, the one over a page too (tshark: $(tshark -r "$TMPD/big.pcap" 2>/dev/null | grep -c '') frames)" \
	"2 0 2 6060 2" "$(ps_summary file | jq -r '"\(.file.packets_read) \(.file.not_run) \(.total.packets) \(.total.bytes) \(.total.counters["l4.udp"].packets)"')"
ps_run file-tc "$NS_A" stats -r "$TMPD/big.pcap" --json --hook tc
check_eq "-r, --hook tc: the frame over a page runs its first page, counted whole" \
	"0 2 6060 2" "$(ps_summary file-tc | jq -r '"\(.file.not_run) \(.total.packets) \(.total.bytes) \(.total.counters["l4.udp"].packets)"')"
ps_run wfile "$NS_A" watch -r "$TMPD/big.pcap" --json
check_eq "watch -r, auto: both frames, at hook xdp" "6000 xdp,60 xdp" \
	"$(jq -r 'select(.type == "packet") | "\(.length) \(.hook)"' "$TMPD/wfile.out" | paste -sd,)"

# ------------------------------------------------------------ 7. --xdp-mode

ps_run xm "$NS_A" stats -i "$IF_A" --xdp-mode native -c 1 --interval 1
check_usage_error "--xdp-mode without --hook xdp" xm
check "--xdp-mode without --hook xdp: says to add --hook xdp" grep -q -- "add --hook xdp" "$TMPD/xm.err"
check_eq "--xdp-mode without --hook xdp: nothing attached" "" "$(attached "$NS_A" "$IF_A")"
ps_run xm2 "$NS_A" watch -i "$IF_A" --hook auto --xdp-mode generic -c 1
check_usage_error "watch --hook auto --xdp-mode generic" xm2
ps_run hk "$NS_A" flows -i "$IF_A" --hook nope
check_usage_error "flows --hook nope" hk
check "flows --hook nope: names auto among the choices" grep -q "auto, xdp or tc" "$TMPD/hk.err"
