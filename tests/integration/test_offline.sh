#!/usr/bin/env bash
# `pktscope stats -r` against tshark, the real peer: on pcaps this test writes
# (the crafted valid packets of tests/tools/pkt.c, and a larger seeded mix),
# every class pktscope counts must equal what tshark's own dissectors count
# with the matching display filter, in packets and in bytes.  The same file
# as pcapng must give the same numbers, at XDP and at TC.
. "$(dirname "$0")/lib.sh"

require_tools tshark editcap jq
require_pktscope
PS=$PKTSCOPE
MKPCAP=$BUILD_DIR/tools/mkpcap
[ -x "$MKPCAP" ] || bail "mkpcap is built at $MKPCAP (run make tests)"
TMP=$TMPD

# pktscope counter -> tshark display filter.  Defragmentation is off below,
# so a non-first fragment is dissected as data, as pktscope counts it.
# pktscope counts ICMP under IPv4 and ICMPv6 under IPv6 only (the crafted
# table has each protocol number under the other IP version too).
# (-z io,stat splits on commas: the filters must not contain one.)
# tshark dissects an 0x88a8 tag with its 802.1ad dissector, which hands an
# inner 0x8100 tag to "vlan" without a vlan.etype naming it.
declare -A FILTERS=(
	[l2.ipv4]='eth.type == 0x0800 || vlan.etype == 0x0800'
	[l2.ipv6]='eth.type == 0x86dd || vlan.etype == 0x86dd'
	[l2.arp]='arp'
	[l2.vlan_8021q]='eth.type == 0x8100 || vlan.etype == 0x8100 || (ieee8021ad && vlan)'
	[l2.vlan_8021ad]='eth.type == 0x88a8 || eth.type == 0x9100'
	[l4.tcp]='tcp'
	[l4.udp]='udp'
	[l4.icmp]='icmp && ip.proto == 1'
	[l4.icmpv6]='icmpv6 && ipv6 && !ip'
	[l4.fragment]='ip.frag_offset > 0 || ipv6.fraghdr.offset > 0'
	[frag.ipv4_first]='ip.flags.mf == 1 && ip.frag_offset == 0'
	[frag.ipv4_nonfirst]='ip.frag_offset > 0'
	[frag.ipv6_first]='ipv6.fraghdr.more == 1 && ipv6.fraghdr.offset == 0'
	[frag.ipv6_nonfirst]='ipv6.fraghdr.offset > 0'
	[tcp_flags.syn]='tcp.flags.syn == 1 && tcp.flags.ack == 0'
	[tcp_flags.synack]='tcp.flags.syn == 1 && tcp.flags.ack == 1'
	[tcp_flags.fin]='tcp.flags.fin == 1'
	[tcp_flags.rst]='tcp.flags.reset == 1'
	[tcp_flags.null]='tcp.flags == 0x000'
	[tcp_flags.synfin]='tcp.flags.syn == 1 && tcp.flags.fin == 1'
	[tcp_flags.xmas]='tcp.flags.fin == 1 && tcp.flags.push == 1 && tcp.flags.urg == 1'
	[ip.ttl_low]='ip.ttl < 2 || ipv6.hlim < 2'
	[ip.ipv4_options]='ip.hdr_len > 20'
	[ip.ipv6_ext_headers]='ipv6.nxt == 0 || ipv6.nxt == 43 || ipv6.nxt == 44 || ipv6.nxt == 51 || ipv6.nxt == 60 || ipv6.nxt == 135 || ipv6.nxt == 139 || ipv6.nxt == 140'
)

# Prints "frames bytes" for each filter, in order, from one tshark pass.
tshark_counts() { # file, filters...
	local file=$1 spec="io,stat,0"
	shift
	for f in "$@"; do spec="$spec,$f"; done
	tshark -r "$file" -q -o ip.defragment:FALSE -o ipv6.defragment:FALSE -z "$spec" 2>/dev/null |
		grep -E '^\| *[0-9.]+ <> ' | tail -1 | tr -d ' ' | tr '|' '\n' | grep -v '^$' | tail -n +2 |
		paste - -
}

compare_file() { # label, file, json
	local label=$1 file=$2 json=$3 keys=() filters=() i=0 got want
	keys=(total "${!FILTERS[@]}")
	filters=(frame)
	for k in "${keys[@]:1}"; do filters+=("${FILTERS[$k]}"); done
	mapfile -t want < <(tshark_counts "$file" "${filters[@]}")
	if [ ${#want[@]} -ne ${#keys[@]} ]; then
		nok "$label: tshark gave ${#want[@]} columns for ${#keys[@]} filters"
		return
	fi
	for k in "${keys[@]}"; do
		if [ "$k" = total ]; then
			got=$(jq -r '.interfaces[0].hooks[0] | "\(.packets)\t\(.bytes)"' "$json")
		else
			got=$(jq -r --arg k "$k" '.interfaces[0].hooks[0].counters[$k] | "\(.packets)\t\(.bytes)"' "$json")
		fi
		if [ "$got" = "${want[$i]}" ]; then
			ok "$label: $k = tshark's '${filters[$i]}' (${got/$'\t'/ pkts, } bytes)"
		else
			nok "$label: $k: pktscope '${got/$'\t'/ }' != tshark '${want[$i]/$'\t'/ }' for '${filters[$i]}'"
		fi
		i=$((i + 1))
	done
}

check_run() { # label, file, extra pktscope args...
	local label=$1 file=$2 json=$TMP/out.json
	shift 2
	if ! "$PS" stats -r "$file" --json "$@" >"$json" 2>"$TMP/err"; then
		nok "$label: pktscope stats -r failed: $(cat "$TMP/err")"
		return
	fi
	local bad
	bad=$(jq '.interfaces[0].hooks[0].counters | to_entries |
		map(select(.key | startswith("malformed.") or startswith("unparsed."))) |
		map(.value.packets) | add' "$json")
	if [ "$bad" = 0 ]; then ok "$label: valid packets, no malformed count"; else
		nok "$label: $bad valid packets counted malformed"; fi
	local read
	read=$(jq '.file.packets_read' "$json")
	local frames
	frames=$(tshark -r "$file" 2>/dev/null | wc -l)
	if [ "$read" = "$frames" ]; then ok "$label: read $read packets, as tshark"; else
		nok "$label: read $read packets, tshark $frames"; fi
	compare_file "$label" "$file" "$json"
}

"$MKPCAP" --valid "$TMP/crafted.pcap" >/dev/null || bail "mkpcap --valid writes the crafted packets"
"$MKPCAP" --mix 5000 --seed 7 "$TMP/mix.pcap" >/dev/null || bail "mkpcap --mix writes the mix"
editcap -F pcapng "$TMP/mix.pcap" "$TMP/mix.pcapng" || bail "editcap writes the mix as pcapng"

check_run "crafted pcap, xdp" "$TMP/crafted.pcap"
check_run "mixed pcap, xdp" "$TMP/mix.pcap"
check_run "mixed pcapng, xdp" "$TMP/mix.pcapng"
check_run "mixed pcap, tc" "$TMP/mix.pcap" --hook tc

# An unreadable or non-Ethernet file is refused with one line and exit 2.
echo "not a capture" >"$TMP/junk.pcap"
"$PS" stats -r "$TMP/junk.pcap" >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q '^pktscope: ' "$TMP/err"; then
	ok "garbage file: exit 2, one line: $(cat "$TMP/err")"
else
	nok "garbage file: exit $rc, stderr: $(cat "$TMP/err")"
fi
