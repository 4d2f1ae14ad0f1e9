#!/usr/bin/env bash
# What pktscope leaves behind when it stops, however it stops:
#  - SIGKILL: the kernel removes tcx and XDP links with the process; nothing
#    may stay attached, and the next pktscope starts on that interface;
#  - legacy clsact filters (PKTSCOPE_TC_ATTACH=netlink) outlive a SIGKILL:
#    the next pktscope removes them, says so, and touches nobody else's;
#  - SIGINT, SIGTERM and -c: detach, print the summary, exit 0;
#  - the test harness itself: a test that fails midway, or is interrupted,
#    still stops what it started and deletes its namespaces (lib.sh's trap).
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq bpftool nsenter tcpdump tc "$PY"
require_pktscope
setup_pair

# Attachment lines without ids, XDP mode kept: "xdp driver", "tcx/egress",
# "tc clsact/ingress".
kinds() { attached "$NS_A" "$IF_A" | awk '{ print $1, (($1 == "xdp" || $1 == "tc") ? $2 : "") }' | sed 's/ $//'; }

is_gone() { # pid: the process no longer exists (or is not that pktscope)
	! _is_child "$1"
}

# ------------------------------------------------------------ SIGKILL with links

kill9_case() { # label, expected kinds while running, stats args...
	local label=$1 exp=$2 name
	shift 2
	name=k$_T
	if ! ps_start "$name" "$NS_A" -i "$IF_A" --json "$@"; then
		nok "$label: pktscope starts"
		return
	fi
	check_eq "$label: attached while running" "$exp" "$(kinds)"
	kill9 "$name"
	check_eq "$label: SIGKILL ends it" 137 "${RC[$name]}"
	check_attached "$label: nothing attached after SIGKILL" "$NS_A" "$IF_A" ""
	name=k$_T
	if ps_start "$name" "$NS_A" -i "$IF_A" --json "$@"; then
		ok "$label: the next pktscope starts on the interface"
		ps_stop "$name"
		check_attached "$label: the next one leaves nothing after SIGINT" "$NS_A" "$IF_A" ""
	else
		nok "$label: the next pktscope starts on the interface"
	fi
}

kill9_case "xdp native + tcx" $'tcx/egress\nxdp driver' --hook xdp --xdp-mode native
kill9_case "xdp generic + tcx" $'tcx/egress\nxdp generic' --hook xdp --xdp-mode generic
kill9_case "tcx both ways" $'tcx/egress\ntcx/ingress' --hook tc
kill9_case "default (auto: tcx both ways on veth)" $'tcx/egress\ntcx/ingress'

# ------------------------------------------------------------ SIGKILL with legacy clsact filters

# A tc filter that is not pktscope's must survive pktscope's clean-up of a
# dead pktscope's filters.
FX="" FX_WHY="clang is not installed"
if have clang; then
	FX=$TMPD/foreign.bpf.o
	clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" \
		-c "$IT_DIR/foreign.bpf.c" -o "$FX" 2>"$TMPD/clang.err" ||
		{ FX="" FX_WHY="clang cannot build foreign.bpf.c: $(head -c 300 "$TMPD/clang.err")"; }
fi

removal_line() { # name: the line of stderr that reports the clean-up
	grep -v '^pktscope: watching ' "$TMPD/$1.err" | grep -iE 'remov|stale|left|dead|clean' | head -1
}

# Attachments that are not the foreign filter, with ids; and their kinds.
ours_ids() { attached "$NS_A" "$IF_A" --ids | awk '$3 != "fx_tc"'; }
kinds_of() { awk '{ print $1, (($1 == "xdp" || $1 == "tc") ? $2 : "") }' | sed 's/ $//'; }

legacy_case() { # label, kinds while running, next run's PKTSCOPE_TC_ATTACH, next run's kinds, stats args...
	local label=$1 exp=$2 next_env=$3 exp_next=$4 name left foreign="" now line
	shift 4
	if [ -n "$FX" ]; then
		in_ns "$NS_A" tc qdisc add dev "$IF_A" clsact 2>/dev/null
		if in_ns "$NS_A" tc filter add dev "$IF_A" ingress pref 7 bpf da obj "$FX" sec tc 2>"$TMPD/tc.err"; then
			foreign=$(attached "$NS_A" "$IF_A" --ids | awk '$3 == "fx_tc"')
		else
			skip "$label: the other tool's tc filter is untouched" \
				"tc filter add fails: $(head -c 300 "$TMPD/tc.err")"
		fi
	else
		skip "$label: the other tool's tc filter is untouched" "$FX_WHY"
	fi
	name=l$_T
	if ! PKTSCOPE_TC_ATTACH=netlink ps_start "$name" "$NS_A" -i "$IF_A" --json "$@"; then
		nok "$label: pktscope (PKTSCOPE_TC_ATTACH=netlink) starts"
		return
	fi
	check_eq "$label: attached while running" "$exp" "$(ours_ids | kinds_of)"
	left=$(ours_ids | grep '^tc ')
	kill9 "$name"
	sleep 0.5
	check_eq "$label: after SIGKILL its clsact filters are left (as documented), nothing else" \
		"$left" "$(ours_ids)"

	name=l$_T
	if [ "$next_env" = netlink ]; then
		PKTSCOPE_TC_ATTACH=netlink ps_start "$name" "$NS_A" -i "$IF_A" --json "$@"
	else
		ps_start "$name" "$NS_A" -i "$IF_A" --json "$@"
	fi || { nok "$label: the next pktscope starts"; return; }
	line=$(removal_line "$name")
	if [ -n "$line" ]; then
		ok "$label: the next pktscope says it removed what the dead one left"
		diag "$line"
	else
		nok "$label: the next pktscope says it removed what the dead one left"
		diag "stderr: $(cat "$TMPD/$name.err")"
	fi
	now=$(ours_ids)
	check_eq "$label: none of the dead one's filters is left" 0 \
		"$(grep -cxF -f <(printf '%s\n' "$left") <<<"$now")"
	check_eq "$label: the next one is attached" "$exp_next" "$(kinds_of <<<"$now")"
	if [ -n "$foreign" ]; then
		check_eq "$label: the other tool's tc filter is untouched" "$foreign" \
			"$(attached "$NS_A" "$IF_A" --ids | awk '$3 == "fx_tc"')"
	fi
	ps_stop "$name"
	check_eq "$label: the next pktscope exits 0 on SIGINT" 0 "${RC[$name]}"
	check_attached "$label: after it, nothing of pktscope's is attached" "$NS_A" "$IF_A" "$foreign" --ids
	in_ns "$NS_A" tc qdisc del dev "$IF_A" clsact 2>/dev/null
	check_attached "$label: interface bare again" "$NS_A" "$IF_A" ""
}

legacy_case "legacy --hook tc, next run tcx" $'tc clsact/egress\ntc clsact/ingress' \
	"" $'tcx/egress\ntcx/ingress' --hook tc
legacy_case "legacy --hook xdp, next run legacy" $'tc clsact/egress\nxdp driver' \
	netlink $'tc clsact/egress\nxdp driver' --hook xdp

# ------------------------------------------------------------ orderly stops

stop_case() { # label, signal, stats args...
	local label=$1 sig=$2 name s n
	shift 2
	name=s$_T
	if ! ps_start "$name" "$NS_A" -i "$IF_A" "$@"; then
		nok "$label: pktscope starts"
		return
	fi
	in_ns "$NS_B" ping -q -c 2 -i 0.2 -W 2 "$IP_A" >/dev/null 2>&1
	ps_stop "$name" "$sig"
	check_eq "$label: exits 0 on SIG$sig" 0 "${RC[$name]}"
	check_attached "$label: nothing attached after SIG$sig" "$NS_A" "$IF_A" ""
	if [[ " $* " == *" --json "* ]]; then
		n=$(ps_summary "$name" | grep -c '')
		s=$(ps_summary "$name")
		check_eq "$label: exactly one JSON summary" 1 "$n"
		check_eq "$label: the summary counts the 2 pings each way" "2 2" \
			"$(jq -r '[.interfaces[0].hooks[].counters["l4.icmp"].packets] | map(tostring) | join(" ")' <<<"$s" 2>&1)"
	else
		if grep -q "$IF_A" "$TMPD/$name.out" && [ -s "$TMPD/$name.out" ]; then
			ok "$label: prints a text summary naming $IF_A"
		else
			nok "$label: prints a text summary naming $IF_A"
			diag "stdout: $(head -c 1000 "$TMPD/$name.out")"
		fi
	fi
}

stop_case "SIGINT, --hook xdp, json" INT --hook xdp --json
stop_case "SIGTERM, --hook xdp, json" TERM --hook xdp --json
stop_case "SIGINT, default (auto), json" INT --json
stop_case "SIGINT, --hook tc, json" INT --hook tc --json
stop_case "SIGTERM, --hook tc, text" TERM --hook tc
PKTSCOPE_TC_ATTACH=netlink stop_case "SIGINT, legacy clsact (netlink), json" INT --hook tc --json
PKTSCOPE_TC_ATTACH=netlink stop_case "SIGTERM, legacy clsact (netlink), text" TERM --hook xdp

# -c: stops by itself, detaches, summary.
if ps_start count "$NS_A" -i "$IF_A" --json --interval 1 -c 1; then
	bg_wait count 10
	check_eq "-c 1: exits 0 by itself" 0 "${RC[count]}"
	check_eq "-c 1: one interval and one summary" "interval summary " "$(jq -r .type "$TMPD/count.out" 2>&1 | tr '\n' ' ')"
	check_attached "-c 1: nothing attached after it ends" "$NS_A" "$IF_A" ""
else
	nok "-c 1: pktscope starts"
fi

# ------------------------------------------------------------ the harness's own trap

# A child test script that sets up namespaces, starts pktscope and tcpdump,
# records them, then fails in one of several ways; its trap must clean up.
cat >"$TMPD/child.sh" <<EOF
unset KEEP_TMP
. "$IT_DIR/lib.sh"
setup_pair
ps_start p "\$NS_A" -i "\$IF_A" --json || exit 9
tcpdump_start cap "\$NS_B" "\$IF_B" || exit 9
bg_start sleeper sleep 60
echo "\$NS_A \$NS_B \${PID[p]} \${PID[cap]} \${PID[sleeper]} \$TMPD" >"$TMPD/child-state.\$1"
case \$1 in
unbound) echo "\$no_such_variable" ;;
exit) exit 3 ;;
*) wait "\${PID[sleeper]}" ;;
esac
echo "not reached"
EOF

trap_case() { # how: unbound | exit | TERM | INT
	local how=$1 name=child-$1 st ns_a ns_b p cap sl tmp i gone
	bg_start "$name" bash "$TMPD/child.sh" "$how"
	for ((i = 0; i < WAIT_S * 10; i++)); do
		[ -s "$TMPD/child-state.$how" ] && break
		_is_child "${PID[$name]}" || break
		sleep 0.1
	done
	if [ ! -s "$TMPD/child-state.$how" ]; then
		nok "trap ($how): the child test set up namespaces, pktscope and tcpdump"
		diag "$(cat "$TMPD/$name.out" "$TMPD/$name.err")"
		bg_stop "$name" KILL
		return
	fi
	read -r ns_a ns_b p cap sl tmp <"$TMPD/child-state.$how"
	case $how in TERM | INT) sleep 0.3; kill -s "$how" "${PID[$name]}" ;; esac
	bg_wait "$name" 20
	case $how in
	unbound) [ "${RC[$name]}" != 0 ] && [ "${RC[$name]}" != hung ] ;;
	exit) [ "${RC[$name]}" = 3 ] ;;
	TERM) [ "${RC[$name]}" = 143 ] ;;
	INT) [ "${RC[$name]}" = 130 ] ;;
	esac && ok "trap ($how): the child test ended with its failure status (${RC[$name]})" ||
		{ nok "trap ($how): the child test ended with its failure status"; diag "status ${RC[$name]}"; }
	gone=""
	for i in "$p" "$cap" "$sl"; do [ -e "/proc/$i" ] && gone="$gone $i:$(tr '\0' ' ' <"/proc/$i/cmdline" 2>/dev/null)"; done
	check_eq "trap ($how): pktscope, tcpdump and sleep it started are gone" "" "$gone"
	check_eq "trap ($how): its namespaces are deleted" "" "$(ip netns list | awk '{print $1}' | grep -xF -e "$ns_a" -e "$ns_b")"
	check_eq "trap ($how): its temporary folder is removed" no "$([ -e "$tmp" ] && echo yes || echo no)"
	if grep -qE '^ok [0-9]+ - cleanup: nothing left attached' "$TMPD/$name.out" && ! grep -q 'not reached' "$TMPD/$name.out"; then
		ok "trap ($how): the child's trap checked that nothing was left attached"
	else
		nok "trap ($how): the child's trap checked that nothing was left attached"
		diag "$(cat "$TMPD/$name.out")"
	fi
}

for how in unbound exit TERM INT; do trap_case "$how"; done
