#!/usr/bin/env bash
# Every error a user can cause: exit status 2, exactly one line on stderr
# starting "pktscope: ", and nothing left attached.  Where the error is that
# the hook is taken (another XDP program, another pktscope), whatever held
# it must still be attached, with the same program id, and still counting.
. "$(dirname "$0")/lib.sh"

require_root
require_tools jq bpftool nsenter ping setpriv "$PY"
require_pktscope
setup_pair

BR=psbr0 # a device without native XDP (bridge)
ip -n "$NS_A" link add "$BR" type bridge || bail "create bridge $BR"
ip -n "$NS_A" link set "$BR" up
_WATCH+=("$NS_A $BR")

# An error run: usage error checks, then the interface must hold exactly
# what it held before (default: nothing).
error_case() { # description, expected attachments on IF ("" = none), ns, if, pktscope args...
	local d=$1 exp=$2 ns=$3 ifn=$4 name
	shift 4
	name=e$_T
	ps_run "$name" "$ns" "$@"
	check_usage_error "$d" "$name"
	check_attached "$d: $ifn holds what it held before" "$ns" "$ifn" "$exp" --ids
}

# ------------------------------------------------------------ bad input

error_case "unknown interface" "" "$NS_A" "$IF_A" stats -i nosuch0 -c 1
error_case "unknown interface next to a good one" "" "$NS_A" "$IF_A" stats -i "$IF_A" -i nosuch0 -c 1

# Each with -c 1 --interval 1 where the option is not the one under test,
# so a value wrongly accepted ends the run instead of hanging it.
error_case "--interval 0" "" "$NS_A" "$IF_A" stats -i "$IF_A" --interval 0 -c 1
error_case "--interval -1" "" "$NS_A" "$IF_A" stats -i "$IF_A" --interval -1 -c 1
error_case "--interval abc" "" "$NS_A" "$IF_A" stats -i "$IF_A" --interval abc -c 1
error_case "--hook foo" "" "$NS_A" "$IF_A" stats -i "$IF_A" --hook foo -c 1 --interval 1
error_case "--xdp-mode foo" "" "$NS_A" "$IF_A" stats -i "$IF_A" --xdp-mode foo -c 1 --interval 1
error_case "--ttl-threshold 300" "" "$NS_A" "$IF_A" stats -i "$IF_A" --ttl-threshold 300 -c 1 --interval 1
error_case "--ttl-threshold -1" "" "$NS_A" "$IF_A" stats -i "$IF_A" --ttl-threshold -1 -c 1 --interval 1
error_case "-c abc" "" "$NS_A" "$IF_A" stats -i "$IF_A" -c abc --interval 1

printf 'this is not a capture file\n' >"$TMPD/garbage.pcap"
: >"$TMPD/empty.pcap"
error_case "-r nonexistent file" "" "$NS_A" "$IF_A" stats -r "$TMPD/does-not-exist.pcap"
error_case "-r a file that is not a capture" "" "$NS_A" "$IF_A" stats -r "$TMPD/garbage.pcap"
error_case "-r an empty file" "" "$NS_A" "$IF_A" stats -r "$TMPD/empty.pcap"
error_case "-r a directory" "" "$NS_A" "$IF_A" stats -r "$TMPD"

# ------------------------------------------------------------ privilege

# A valid capture that user 65534 can read, so privilege is the only error.
chmod 755 "$TMPD"
"$BUILD_DIR/tools/mkpcap" --valid "$TMPD/valid.pcap" >/dev/null && chmod 644 "$TMPD/valid.pcap"
if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$PKTSCOPE" -a -r "$TMPD/valid.pcap"; then
	for args in "stats -i $IF_A -c 1 --interval 1" "stats -r $TMPD/valid.pcap"; do
		name=e$_T
		timeout -k 5 "$((WAIT_S * 2))" nsenter --net="/run/netns/$NS_A" -- \
			setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
			"$PKTSCOPE" $args >"$TMPD/$name.out" 2>"$TMPD/$name.err" </dev/null
		RC[$name]=$?
		check_usage_error "not root: pktscope $args" "$name"
		check_attached "not root: $IF_A has nothing attached" "$NS_A" "$IF_A" ""
	done
else
	skip "not root" "user 65534 cannot execute $PKTSCOPE or read $TMPD/valid.pcap"
fi

# ------------------------------------------------------------ XDP modes

error_case "--xdp-mode native on a bridge (no native XDP)" "" "$NS_A" "$BR" \
	stats -i "$BR" --hook xdp --xdp-mode native -c 1 --interval 1
error_case "--xdp-mode without --hook xdp (the default is auto)" "" "$NS_A" "$BR" \
	stats -i "$BR" --xdp-mode generic -c 1 --interval 1
# auto falls back to generic there: not an error
if ps_start auto-br "$NS_A" -i "$BR" --hook xdp --json; then
	got=$(attached "$NS_A" "$BR" | awk '{ print $1, ($1 == "xdp" ? $2 : "") }' | sed 's/ $//')
	check_eq "--xdp-mode auto on a bridge falls back to generic XDP" $'tcx/egress\nxdp generic' "$got"
	ps_stop auto-br
	check_attached "--xdp-mode auto on a bridge: nothing attached after SIGINT" "$NS_A" "$BR" ""
else
	nok "--xdp-mode auto on a bridge starts (falls back to generic)"
fi

# ------------------------------------------------------------ hook taken by another program

FX="" FX_WHY="clang is not installed"
if have clang; then
	FX=$TMPD/foreign.bpf.o
	clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" \
		-c "$IT_DIR/foreign.bpf.c" -o "$FX" 2>"$TMPD/clang.err" ||
		{ FX="" FX_WHY="clang cannot build tests/integration/foreign.bpf.c: $(head -c 300 "$TMPD/clang.err")"; }
fi

fx_count() { # prog id: packets the foreign program has seen
	local map
	map=$(bpftool -j prog show id "$1" 2>/dev/null | jq '.map_ids[0]')
	bpftool -j map lookup id "$map" key 0 0 0 0 2>/dev/null | jq '.formatted.value // empty'
}

# The foreign program is still there and still sees traffic: +3 for a ping -c 3.
check_foreign_counts() { # description, prog id
	local before after
	before=$(fx_count "$2")
	in_ns "$NS_B" ping -q -c 3 -i 0.2 -W 2 "$IP_A" >/dev/null 2>&1
	after=$(fx_count "$2")
	check_eq "$1: the other program still counts (3 pings)" 3 "$((${after:-0} - ${before:-0}))"
}

foreign_case() { # label, expected XDP mode (driver|generic), pktscope variants (one string each)...
	local label=$1 kind=$2 held id v
	shift 2
	held=$(attached "$NS_A" "$IF_A" --ids)
	id=$(awk '{ print $NF }' <<<"$held")
	if [ "$(awk '{ print $1, $2, $3 }' <<<"$held")" != "xdp $kind fx_xdp" ]; then
		nok "$label: the other program is attached"
		diag "attachments: ${held:-(nothing)}"
		return
	fi
	for v in "${@}"; do
		# shellcheck disable=SC2086
		error_case "$label, pktscope stats $v" "$held" "$NS_A" "$IF_A" stats -i "$IF_A" $v -c 1 --interval 1
	done
	check_foreign_counts "$label" "$id"
}

if [ -n "$FX" ]; then
	xdp_off() {
		ip -n "$NS_A" link set dev "$IF_A" xdpdrv off 2>/dev/null
		ip -n "$NS_A" link set dev "$IF_A" xdpgeneric off 2>/dev/null
	}
	_CLEANUP_CMDS+=(xdp_off)
	if ip -n "$NS_A" link set dev "$IF_A" xdpdrv obj "$FX" sec xdp 2>"$TMPD/ip.err"; then
		foreign_case "XDP held natively by ip link" driver "--hook xdp" "--hook xdp --xdp-mode native" \
			"--hook xdp --xdp-mode generic"
	else
		nok "attach another XDP program natively with ip link"
		diag "$(cat "$TMPD/ip.err")"
	fi
	xdp_off
	check_attached "ip link xdp off leaves $IF_A bare" "$NS_A" "$IF_A" ""

	if ip -n "$NS_A" link set dev "$IF_A" xdpgeneric obj "$FX" sec xdp 2>"$TMPD/ip.err"; then
		foreign_case "XDP held in generic mode by ip link" generic "--hook xdp" \
			"--hook xdp --xdp-mode generic" "--hook xdp --xdp-mode native"
	else
		nok "attach another XDP program in generic mode with ip link"
		diag "$(cat "$TMPD/ip.err")"
	fi
	xdp_off

	PIN=/sys/fs/bpf/$RUN_ID-fx
	_CLEANUP_CMDS+=("rm -rf $PIN")
	if mountpoint -q /sys/fs/bpf && bpftool prog loadall "$FX" "$PIN" 2>"$TMPD/bpftool.err" &&
		in_ns "$NS_A" bpftool net attach xdp pinned "$PIN/fx_xdp" dev "$IF_A" 2>>"$TMPD/bpftool.err"; then
		foreign_case "XDP held by bpftool net attach" driver "--hook xdp"
		in_ns "$NS_A" bpftool net detach xdp dev "$IF_A"
	else
		nok "attach another XDP program with bpftool"
		diag "$(cat "$TMPD/bpftool.err")"
	fi
	rm -rf "$PIN"
	check_attached "after the foreign programs, $IF_A is bare" "$NS_A" "$IF_A" ""
else
	skip "hook taken by another XDP program" "$FX_WHY"
fi

# ------------------------------------------------------------ a second pktscope

second_case() { # label, first's PKTSCOPE_TC_ATTACH ("" or netlink), first's args...
	local label=$1 tca=$2 held first s got started=0
	shift 2
	first=first$_T
	if [ -n "$tca" ]; then
		PKTSCOPE_TC_ATTACH=$tca ps_start "$first" "$NS_A" -i "$IF_A" --json "$@" && started=1
	else
		ps_start "$first" "$NS_A" -i "$IF_A" --json "$@" && started=1
	fi
	if [ $started = 0 ]; then
		nok "$label: the first pktscope starts"
		return
	fi
	held=$(attached "$NS_A" "$IF_A" --ids)
	for v in "" "--hook tc" "--hook xdp --xdp-mode generic"; do
		name=e$_T
		# shellcheck disable=SC2086
		ps_run "$name" "$NS_A" stats -i "$IF_A" $v -c 1 --interval 1
		check_usage_error "$label, second pktscope stats $v" "$name"
		if grep -qw -- "${PID[$first]}" "$TMPD/$name.err"; then
			ok "$label, second pktscope stats $v: names the first one's pid (${PID[$first]})"
		else
			nok "$label, second pktscope stats $v: names the first one's pid (${PID[$first]})"
			diag "stderr: $(cat "$TMPD/$name.err")"
		fi
		check_attached "$label, second pktscope stats $v: the first one's programs stay attached" \
			"$NS_A" "$IF_A" "$held" --ids
	done
	# Two interfaces, the second taken: nothing may stay on the free one.
	error_case "$label, second pktscope on $BR and $IF_A" "" "$NS_A" "$BR" stats -i "$BR" -i "$IF_A" -c 1 --interval 1
	check_attached "$label: the first one's programs stay attached" "$NS_A" "$IF_A" "$held" --ids

	in_ns "$NS_B" ping -q -c 3 -i 0.2 -W 2 "$IP_A" >/dev/null 2>&1
	ps_stop "$first"
	check_eq "$label: the first pktscope exits 0 on SIGINT" 0 "${RC[$first]}"
	s=$(ps_summary "$first")
	got=$(jq -r '[.interfaces[0].hooks[] | "\(.direction) \(.counters["l4.icmp"].packets)"] | join(", ")' <<<"$s" 2>&1)
	check_eq "$label: the first pktscope still counted the 3 pings each way" "ingress 3, egress 3" "$got"
	check_attached "$label: nothing attached once the first one stopped" "$NS_A" "$IF_A" ""
}

second_case "pktscope running (xdp + tcx)" "" --hook xdp
second_case "pktscope running (default: auto, tcx)" ""
second_case "pktscope running (--hook tc, legacy clsact)" netlink --hook tc

# Not an error: the same ifindex in another namespace is another interface.
if [ "$(ifindex "$NS_A" "$IF_A")" = "$(ifindex "$NS_B" "$IF_B")" ]; then
	if ps_start ns-a "$NS_A" -i "$IF_A" --json; then
		if ps_start ns-b "$NS_B" -i "$IF_B" --json; then
			ok "a pktscope on $IF_B ($NS_B) runs beside one on $IF_A ($NS_A), same ifindex $(ifindex "$NS_A" "$IF_A")"
			ps_stop ns-b
		else
			nok "a pktscope on $IF_B ($NS_B) runs beside one on $IF_A ($NS_A), same ifindex $(ifindex "$NS_A" "$IF_A")"
		fi
		ps_stop ns-a
	else
		nok "pktscope on $IF_A starts"
	fi
else
	skip "same ifindex in two namespaces" "the veth ends got different ifindexes"
fi
