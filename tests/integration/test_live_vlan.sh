#!/usr/bin/env bash
# Live, pktscope keeps exactly what tcpdump keeps on the same interface, VLAN
# tags included, at --hook xdp, tc and socket.
#
# Live on Linux, tcpdump is not `tcpdump -r`: the kernel takes the outer
# 802.1Q/802.1ad tag of a received frame out of the data (into metadata)
# before any packet socket sees it, and libpcap compiles for a live
# interface with loads of the kernel's ancillary data (SKF_AD_VLAN_TAG_PRESENT,
# SKF_AD_VLAN_TAG, SKF_AD_PKTTYPE for inbound/outbound, SKF_AD_IFINDEX).  So
# live `udp` keeps 802.1Q-tagged UDP, `vlan` checks the metadata, and
# inbound/outbound work at all.  Here, for a table of expressions, a mix of
# tagged frames (802.1Q, 802.1ad, QinQ, 0x9100, short ones the kernel drops)
# and plain ones is replayed into veth-a while `tcpdump -i veth-b -w REF
# EXPR` and `pktscope capture -i veth-b EXPR` run side by side; the two
# files hold the same frames, byte for byte (tcpdump writes the tag back;
# pktscope's captures carry it as the wire had it).  Pings between A and B
# add traffic B sends (outbound).
#
# One libpcap quirk is stepped around, not copied: when tcpdump sets its
# filter it runs the first block of its ring through libpcap's own
# interpreter in user space, which knows no packet type or ifindex (it
# rejects every packet for inbound/outbound/ifindex there).  Marked frames
# (the tagged set again, and pings both ways) first fill that block; they
# are left out of the comparison.
source "$(dirname "$0")/lib.sh"
require_root
require_pktscope
require_tools jq tcpdump tcpreplay mergecap "$PY"

MKPCAP=${BUILD_DIR}/tools/mkpcap
[ -x "$MKPCAP" ] || bail "mkpcap is built at $MKPCAP (run make tests)"
setup_pair
IFX_B=$(ifindex "$NS_B" "$IF_B")
PRIMER=c0ffee0d # ping -p: the payload that marks the primer pings

gro_off "$NS_B" "$IF_B" || setup_failed "could not turn GRO off on $IF_B"

# The frames of a file, one hex string per frame, sorted; primer pings out.
frame_hex() {
	tcpdump -r "$1" -n -xx 2>/dev/null | awk '
		/^\t0x/ { sub(/^\t0x[0-9a-f]+: +/, ""); gsub(/ /, ""); h = h $0; next }
		{ if (h != "") print h; h = "" }
		END { if (h != "") print h }' | grep -v "$PRIMER$PRIMER" | sort
}

"$PY" "$IT_DIR/mkvlan.py" "$TMPD/vlan.pcap" "$MAC_A" >/dev/null || bail "mkvlan.py"
"$PY" "$IT_DIR/mkvlan.py" "$TMPD/primer.pcap" "$MAC_A" "$PRIMER" >/dev/null || bail "mkvlan.py (primer)"
"$MKPCAP" --mix 1500 --seed 23 --eth-src "$MAC_A" "$TMPD/mix.pcap" >/dev/null || bail "mkpcap --mix"
"$MKPCAP" --eth-src "$MAC_A" "$TMPD/crafted.pcap" >/dev/null || bail "mkpcap"
mergecap -a -F pcap -w "$TMPD/all.pcap" "$TMPD/vlan.pcap" "$TMPD/mix.pcap" "$TMPD/crafted.pcap" ||
	bail "mergecap"
# Whole frames veth carries: up to its MTU, 4 bytes more with a tag; from
# 14 bytes on (a packet socket sends no less).
tcpdump -r "$TMPD/all.pcap" -w "$TMPD/live.pcap" \
	'len >= 14 and (len <= 1514 or (len <= 1518 and (ether[12:2] = 0x8100 or ether[12:2] = 0x88a8)))' \
	2>/dev/null || bail "select the frames veth carries"
N_LIVE=$(frame_hex "$TMPD/live.pcap" | grep -c '')
N_TAGGED=$(frame_hex "$TMPD/live.pcap" | grep -cE '^.{24}(8100|88a8)')
diag "replayed: $N_LIVE frames, $N_TAGGED with an outer 802.1Q/802.1ad tag"

EXPRS=(
	"udp"
	"vlan"
	"vlan and udp"
	"vlan 10"
	"not vlan"
	"vlan and vlan"
	"vlan 100 and vlan 10"
	"vlan and ip6"
	"ether[12:2] = 0x8100"
	"tcp or arp"
	"len > 100"
	"inbound"
	"outbound"
	"vlan and inbound"
	"icmp and outbound"
	"ifindex $IFX_B"
	"ip6 protochain 17 or vlan 20"
)

live_one() { # hook, expression
	local hook=$1 e=$2 name ref d want got n_ref n_cap sent
	d="live --hook $hook '$e'"
	name=c$((++LIVE_N))
	ref=r$LIVE_N
	if ! tcpdump_start "$ref" "$NS_B" "$IF_B" "$e"; then
		nok "$d: tcpdump -i $IF_B starts"
		return
	fi
	if ! ps_start_cmd "$name" "$NS_B" capture -i "$IF_B" --hook "$hook" -B 65536 \
		-w "$TMPD/$name.pcap" --json "$e"; then
		nok "$d: pktscope capture -i $IF_B starts"
		bg_stop "$ref"
		return
	fi
	# The primer (see above), then the mix, then traffic both ways.
	in_ns "$NS_A" tcpreplay -q -i "$IF_A" --topspeed "$TMPD/primer.pcap" >/dev/null 2>&1
	in_ns "$NS_A" ping -q -c 1 -p "$PRIMER" "$IP_B" >/dev/null
	in_ns "$NS_B" ping -q -c 1 -p "$PRIMER" "$IP_A" >/dev/null
	sleep 0.3
	sent=$(in_ns "$NS_A" tcpreplay -i "$IF_A" --pps "$LIVE_PPS" "$TMPD/live.pcap" 2>&1)
	[ "$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$sent")" = "$N_LIVE" ] ||
		{ nok "$d: tcpreplay sends the $N_LIVE frames into $IF_A"; diag "$sent"; }
	in_ns "$NS_A" ping -q -c 2 -i 0.05 "$IP_B" >/dev/null
	in_ns "$NS_B" ping -q -c 2 -i 0.05 "$IP_A" >/dev/null
	sleep 0.3 # the reader polls every 100 ms; SIGINT drains what is left anyway
	ps_stop "$name"
	sleep 0.2
	bg_stop "$ref" INT
	if [ "${RC[$name]}" != 0 ]; then
		nok "$d: capture exits 0 after SIGINT"
		diag "exit ${RC[$name]}; stderr: $(head -c 600 "$TMPD/$name.err")"
		return
	fi
	grep -q '^0 packets\{0,1\} dropped by kernel' "$TMPD/$ref.err" ||
		nok "$d: tcpdump dropped nothing (the reference is whole): $(tr '\n' ' ' <"$TMPD/$ref.err")"
	want=$(frame_hex "$TMPD/$ref.pcap")
	got=$(frame_hex "$TMPD/$name.pcap")
	n_ref=$(grep -c . <<<"$want")
	n_cap=$(grep -c . <<<"$got")
	if [ "$n_ref" -eq 0 ]; then
		nok "$d: tcpdump -i $IF_B keeps none of the frames: the comparison would hold for a filter that drops all"
	elif [ "$want" == "$got" ]; then
		ok "$d: the $n_ref frames tcpdump -i $IF_B keeps, byte for byte"
	else
		nok "$d: the frames tcpdump -i $IF_B keeps, byte for byte"
		diag "tcpdump kept $n_ref, pktscope $n_cap; only tcpdump's (first 3):"
		diag "$(comm -23 <(echo "$want") <(echo "$got") | head -3 | cut -c1-120)"
		diag "only pktscope's (first 3):"
		diag "$(comm -13 <(echo "$want") <(echo "$got") | head -3 | cut -c1-120)"
	fi
	HOOK_KEPT[$hook]=$((${HOOK_KEPT[$hook]:-0} + n_ref))
	jq -e 'select(.type == "summary") | .written == .kernel.matched and
		.kernel.lost_ringbuf_full == 0 and (.socket_drops // 0) == 0' "$TMPD/$name.out" >/dev/null ||
		nok "$d: written = matched, nothing lost: $(jq -c 'select(.type == "summary")' "$TMPD/$name.out")"
}

LIVE_N=0
LIVE_PPS=${LIVE_PPS:-4000}
declare -A HOOK_KEPT=()
for hook in xdp tc socket; do
	for e in "${EXPRS[@]}"; do
		live_one "$hook" "$e"
	done
	check "--hook $hook: the table kept something (not vacuous: ${HOOK_KEPT[$hook]:-0} frames)" \
		test "${HOOK_KEPT[$hook]:-0}" -gt 100
done

# The same expressions over the file keep what tcpdump -r keeps (file
# semantics: the tag in the frame).  Spot check: live and file differ.
ps_run file "$NS_B" capture -r "$TMPD/live.pcap" -w "$TMPD/file-udp.pcap" udp
tcpdump -r "$TMPD/live.pcap" -w "$TMPD/file-udp-ref.pcap" udp 2>/dev/null
check_eq "-r live.pcap 'udp': what tcpdump -r keeps (the tag in the frame)" \
	"$(frame_hex "$TMPD/file-udp-ref.pcap" | md5sum)" "$(frame_hex "$TMPD/file-udp.pcap" | md5sum)"
ps_run fileinb "$NS_B" capture -r "$TMPD/live.pcap" -w "$TMPD/x.pcap" inbound
check_usage_error "-r with 'inbound': libpcap's refusal for files, as tcpdump -r" fileinb
