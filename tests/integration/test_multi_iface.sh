#!/usr/bin/env bash
# Several interfaces at once: each is reported apart, exactly, and the total
# is their sum; without -i, pktscope takes the default route's interface and
# says which.
source "$(dirname "$0")/lib.sh"
require_root
require_pktscope
require_tools jq ping

setup_pair
# A second veth pair between the same namespaces.
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

PING_FRAME=98 # ping's default 56 bytes of data
for hook in xdp tc auto; do
	ps_start multi$hook "$NS_B" -i "$IF_B" -i "$IF_B2" --hook "$hook" --json --interval 60 ||
		bail "pktscope on two interfaces did not start"
	in_ns "$NS_A" ping -q -c 3 -i 0.05 "$IP_B" >/dev/null
	in_ns "$NS_A" ping -q -c 5 -i 0.05 "$IP_B2" >/dev/null
	ps_stop multi$hook
	sum=$(ps_summary multi$hook | tail -1)
	check_eq "$hook: both interfaces reported, in the order given" \
		"$IF_B,$IF_B2" "$(jq -r '[.interfaces[].name] | join(",")' <<<"$sum")"
	for pair in "$IF_B:3" "$IF_B2:5"; do
		ifn=${pair%%:*} n=${pair##*:}
		in=$(hook_obj "$sum" "$ifn" ingress)
		out=$(hook_obj "$sum" "$ifn" egress)
		check_eq "$hook: $ifn ingress: the $n echo requests sent to it" \
			"$n $n" "$(jq -r '"\(.packets) \(.counters["l4.icmp"].packets)"' <<<"$in")"
		check_eq "$hook: $ifn egress: its $n echo replies" \
			"$n $n" "$(jq -r '"\(.packets) \(.counters["l4.icmp"].packets)"' <<<"$out")"
		check_eq "$hook: $ifn total: its $n requests and $n replies of $PING_FRAME bytes" \
			"$((2 * n)) $((2 * n * PING_FRAME))" \
			"$(jq -r --arg i "$ifn" '.interfaces[] | select(.name == $i) | "\(.total.packets) \(.total.bytes)"' <<<"$sum")"
	done
	check_eq "$hook: the grand total: the 16 packets of $PING_FRAME bytes sent" "16 $((16 * PING_FRAME))" \
		"$(jq -r '"\(.total.packets) \(.total.bytes)"' <<<"$sum")"
	check_attached "$hook: nothing left on $IF_B after exit" "$NS_B" "$IF_B" ""
	check_attached "$hook: nothing left on $IF_B2 after exit" "$NS_B" "$IF_B2" ""
done

# No -i: the default route's interface, said on stderr.
ip -n "$NS_B" route add default via "$IP_A2" dev "$IF_B2"
ps_start default "$NS_B" --json --interval 60 || bail "pktscope without -i did not start"
ps_stop default
check "no -i: says it uses $IF_B2, the default route's interface" \
	grep -q "using $IF_B2, the interface of the default route" "$TMPD/default.err"
check_eq "no -i: reports $IF_B2" "$IF_B2" "$(ps_summary default | tail -1 | jq -r '.interfaces[0].name')"
ip -n "$NS_B" route del default
ps_run nodefault "$NS_B" stats --json -c 1
check_usage_error "no -i and no default route: one line, exit 2" nodefault

# A name given twice is a usage error.
ps_run twice "$NS_B" stats -i "$IF_B" -i "$IF_B" -c 1
check_usage_error "the same interface twice: one line, exit 2" twice
