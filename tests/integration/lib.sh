# shellcheck shell=bash
# Shared helpers for pktscope's integration tests.  Source it from a
# tests/integration/test_*.sh script (run with bash, as root, no stdin).
#
#  - two network namespaces per run, named psit-<pid>-a and psit-<pid>-b,
#    joined by a veth pair with IPv4 addresses, static neighbour entries and
#    IPv6 disabled, so the link is silent unless a test sends something;
#  - TAP output: ok / nok / skip / check_eq, a "1..N" plan at the end;
#  - pktscope in a namespace: ps_start (stats; ps_start_cmd for another
#    subcommand: waits for "pktscope: watching"), ps_stop (SIGINT, bounded
#    wait), ps_run (foreground, for error cases);
#  - a trap on EXIT/INT/TERM that stops whatever the test started, asserts
#    that nothing is left attached, and deletes the namespaces.
#
# pktscope runs under `nsenter --net=...`, not `ip netns exec`: the latter
# remounts /sys, which hides bpffs (/sys/fs/bpf) from the process.
set -u

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$IT_DIR/../.." && pwd)
BUILD_DIR=${BUILD:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
PKTSCOPE=${PKTSCOPE:-$BUILD_DIR/pktscope}
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3
TEST_NAME=$(basename "$0" .sh)

RUN_ID=psit-$$
NS_A=$RUN_ID-a
NS_B=$RUN_ID-b
IF_A=veth-a
IF_B=veth-b
MAC_A=02:70:73:00:00:0a
MAC_B=02:70:73:00:00:0b
IP_A=192.0.2.1
IP_B=192.0.2.2
WAIT_S=${PKTSCOPE_TEST_WAIT:-10} # bound of every wait for a process or a line

_T=0 # checks so far
_F=0 # failed checks
_PIDS=()       # every background process this script started
_NAMESPACES=() # namespaces to delete
_WATCH=()      # "ns ifname" pairs that must be left with nothing attached
_CLEANUP_CMDS=() # extra commands run by the trap (foreign programs, pins)
declare -A PID=() # name -> pid of a background process
declare -A RC=()  # name -> exit status once stopped ("hung" if it had to be killed)

TMPD=$(mktemp -d "/tmp/$RUN_ID.XXXXXX")

# ------------------------------------------------------------------ TAP

diag() { # lines of text, printed as TAP comments
	local line
	while IFS= read -r line; do printf '#   %s\n' "$line"; done <<<"$*"
}
ok() {
	_T=$((_T + 1))
	echo "ok $_T - $*"
}
nok() {
	_T=$((_T + 1))
	_F=$((_F + 1))
	echo "not ok $_T - $*"
}
# Under CI (CI=true in the environment) nothing is skipped: a missing peer
# tool or a failed set-up step is a failed check there, so CI never passes
# with checks left out.  Elsewhere a skip, with its reason.
in_ci() { [[ ${CI:-} =~ ^([Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss])$ ]]; }
# A set-up step that failed where the checks still run without it (they
# may fail for that reason): a failed check under CI, a note elsewhere.
setup_failed() { # what failed
	if in_ci; then nok "set-up: $*"; else diag "set-up: $*"; fi
}
skip() { # description, reason
	if in_ci; then
		nok "$1: not run under CI=true, where that is a failure: $2"
		return
	fi
	_T=$((_T + 1))
	echo "ok $_T - $1 # skip $2"
}
check_eq() { # description, expected, got
	if [ "$2" == "$3" ]; then
		ok "$1"
	else
		nok "$1"
		diag "expected: $2"
		diag "     got: $3"
	fi
}
check() { # description, command...: ok when the command succeeds
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
# Turns a comparison helper's verdicts (ok|bad, what, expected, got: pkt.py
# compare, conv.py, ipfixcmp.py) into checks.
tap_compare() { # prefix, file
	local v what exp got
	while IFS=$'\t' read -r v what exp got; do
		if [ "$v" = ok ]; then
			ok "$1: $what"
		else
			nok "$1: $what"
			diag "expected: $exp"
			diag "     got: $got"
		fi
	done <"$2"
}

# Runs a comparison helper, its verdict lines to FILE; the helper itself
# failing is one failed check, so that a crash never takes its checks with
# it unseen: a Python traceback, an exit status other than 0 (all ok) or 1
# (some bad), 1 without a bad verdict, or no verdict at all.
helper_run() { # label, file, command...
	local label=$1 out=$2 rc what
	shift 2
	"$@" >"$out" 2>"$out.err"
	rc=$?
	case $1:${2:-} in
	*:-c) what="python3 -c" ;;
	"$PY":* | */python3:* | python3:*) what="$(basename "$2") ${3:-}" ;;
	*) what="$1 ${2:-}" ;;
	esac
	if grep -q '^Traceback' "$out.err" || [ "$rc" -gt 1 ] || ! grep -qE $'^(ok|bad)(\t|$)' "$out" ||
		{ [ "$rc" -eq 1 ] && ! grep -q '^bad' "$out"; }; then
		nok "$label: $what ran to its end (exit $rc, $(grep -cE '^(ok|bad)' "$out") verdicts)"
		diag "$(head -c 2000 "$out.err")"
		return 1
	fi
	return 0
}
# helper_run, then its verdicts as checks.
verdicts() { # label, command...
	local label=$1 f
	shift
	f=$(mktemp "$TMPD/verdicts.XXXXXX")
	helper_run "$label" "$f" "$@"
	tap_compare "$label" "$f"
}

# "packets bytes" summed over the flow records in FILE, pktscope flows'
# JSON output.
rec_sums() { # FILE
	"$PY" -c 'import json, sys
p = b = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("type") == "flow":
        p += r["a_to_b"]["packets"] + r["b_to_a"]["packets"]
        b += r["a_to_b"]["bytes"] + r["b_to_a"]["bytes"]
print(p, b)' "$1"
}

# conv.py's verdicts (flows against tshark) as checks (verdicts: conv.py
# failing is one more).
conv() { # label, conv.py arguments...
	local label=$1
	shift
	verdicts "$label" "$PY" "$IT_DIR/conv.py" "$@"
}

# Ends the script with every check skipped: one counted skip line (under
# CI a failed one).
skip_all() {
	in_ci && bail "$TEST_NAME: not run under CI=true, where that is a failure: $*"
	echo "ok 1 - $TEST_NAME # skip $*"
	_T=1
	exit 0
}
bail() { # a failure that makes the rest of the script meaningless
	nok "$*"
	exit 1
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces, BPF)"
}
require_tools() { # tool...: skips the whole script when one is missing
	local t missing=()
	for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
	[ ${#missing[@]} -eq 0 ] || skip_all "missing tools: ${missing[*]}"
}
require_pktscope() { # the tool under test missing is a failure, not a skip
	[ -x "$PKTSCOPE" ] || bail "pktscope is built at $PKTSCOPE (run make)"
}
have() { command -v "$1" >/dev/null 2>&1; }

# ------------------------------------------------------------ namespaces

in_ns() { # ns, command...
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

# GRO on a receiving veth would hand tcpdump (after XDP) one merged frame
# where XDP saw several: off, with the legacy ETHTOOL_SGRO ioctl (no
# ethtool here).
gro_off() { # ns, ifname
	in_ns "$1" "$PY" -c '
import array, fcntl, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
val = array.array("B", struct.pack("II", 0x2c, 0)) # ETHTOOL_SGRO, off
addr, _ = val.buffer_info()
fcntl.ioctl(s, 0x8946, struct.pack("16sP", sys.argv[1].encode(), addr)) # SIOCETHTOOL
' "$2"
}

# Namespaces left by an earlier run of these tests that was killed before
# its trap ran (psit-<pid>-x whose pid is gone).
sweep_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^psit-[0-9]+-' || true); do
		pid=${ns#psit-}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
	done
}

new_ns() { # name: a namespace with lo up and IPv6 off before any link exists
	ip netns add "$1" || bail "ip netns add $1"
	_NAMESPACES+=("$1")
	in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null || bail "disable IPv6 in $1"
	ip -n "$1" link set lo up
}

# Two namespaces, a veth pair IF_A (in NS_A) <-> IF_B (in NS_B), IP_A/IP_B
# in 192.0.2.0/24 with permanent neighbour entries: no ARP, no IPv6 (no ND,
# MLD, router solicitations), so the link carries only what a test sends.
setup_pair() {
	sweep_stale
	new_ns "$NS_A"
	new_ns "$NS_B"
	ip link add "$IF_A" netns "$NS_A" address "$MAC_A" type veth \
		peer name "$IF_B" netns "$NS_B" address "$MAC_B" || bail "create veth pair"
	_WATCH+=("$NS_A $IF_A" "$NS_B $IF_B")
	ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A"
	ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B"
	ip -n "$NS_A" neigh replace "$IP_B" lladdr "$MAC_B" dev "$IF_A" nud permanent
	ip -n "$NS_B" neigh replace "$IP_A" lladdr "$MAC_A" dev "$IF_B" nud permanent
	ip -n "$NS_A" link set "$IF_A" up || bail "link up $IF_A"
	ip -n "$NS_B" link set "$IF_B" up || bail "link up $IF_B"
}

# An 802.1Q subinterface IFNAME.VID on each side, 198.18.VID.1/.2 with static
# neighbours: the kernel's own VLAN traffic.  Returns 1 (and creates
# nothing) when the kernel has no 802.1Q support, ip's error in
# $TMPD/vlan.err.
setup_vlan() { # vid
	local v=$1
	ip -n "$NS_A" link add link "$IF_A" name "$IF_A.$v" type vlan id "$v" 2>"$TMPD/vlan.err" || return 1
	ip -n "$NS_B" link add link "$IF_B" name "$IF_B.$v" type vlan id "$v" || bail "vlan $v on $IF_B"
	ip -n "$NS_A" addr add "198.18.$v.1/24" dev "$IF_A.$v"
	ip -n "$NS_B" addr add "198.18.$v.2/24" dev "$IF_B.$v"
	ip -n "$NS_A" neigh replace "198.18.$v.2" lladdr "$MAC_B" dev "$IF_A.$v" nud permanent
	ip -n "$NS_B" neigh replace "198.18.$v.1" lladdr "$MAC_A" dev "$IF_B.$v" nud permanent
	ip -n "$NS_A" link set "$IF_A.$v" up
	ip -n "$NS_B" link set "$IF_B.$v" up
}

ifindex() { # ns, ifname
	ip -n "$1" -j link show dev "$2" 2>/dev/null | jq -r '.[0].ifindex'
}

# ------------------------------------------------------------ attachments

# One sorted line per program attached to the interface ("xdp driver
# ps_xdp", "tcx/egress ps_tc_egress", "tc clsact/ingress ps_tc_ingress");
# --ids adds the program id.  Prints "ERROR ..." when it cannot tell.
attached() { # ns, ifname [--ids]
	local out
	if ! out=$(in_ns "$1" "$PY" "$IT_DIR/bpfq.py" "$2" ${3:-} 2>&1); then
		echo "ERROR $out"
		return 1
	fi
	[ -n "$out" ] && echo "$out"
	return 0
}

# Waits (bounded) until the interface has exactly the expected attachments
# (a newline-separated list, "" for none); prints what it last saw.
wait_attached() { # ns, ifname, expected [--ids]
	local i got
	for ((i = 0; i < WAIT_S * 10; i++)); do
		got=$(attached "$1" "$2" ${4:-})
		[ "$got" == "$3" ] && break
		sleep 0.1
	done
	echo "$got"
	[ "$got" == "$3" ]
}

check_attached() { # description, ns, ifname, expected [--ids]
	local got
	got=$(wait_attached "$2" "$3" "$4" ${5:-})
	check_eq "$1" "${4:-(nothing)}" "${got:-(nothing)}"
}

# ------------------------------------------------------------ processes

# Starts a background command, remembered by name; output in $TMPD/NAME.{out,err}.
# Without job control bash starts background commands with SIGINT ignored;
# env --default-signal gives them back the default, as a terminal would, so
# SIGINT tests what the program does with it.  env and nsenter exec, so the
# pid is the command's own.
bg_start() { # name, command... (an executable, not a shell function)
	local name=$1
	shift
	env --default-signal=INT,QUIT "$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" </dev/null &
	PID[$name]=$!
	_PIDS+=($!)
}

_is_child() { # pid: still alive and ours (not a reused pid)
	[ -r "/proc/$1/stat" ] || return 1
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat # state, ppid, ...
	[ "$2" = "$$" ] && [ "$1" != Z ]
}

# Waits (bounded) for a background process to exit; sets RC[name].
bg_wait() { # name [seconds]
	local name=$1 lim=${2:-$WAIT_S} pid=${PID[$1]} i
	for ((i = 0; i < lim * 10; i++)); do
		_is_child "$pid" || break
		sleep 0.1
	done
	if _is_child "$pid"; then
		RC[$name]=hung
		return 1
	fi
	wait "$pid" 2>/dev/null
	RC[$name]=$?
	return 0
}

bg_stop() { # name [signal]: signal, bounded wait, SIGKILL if it hangs
	local name=$1 sig=${2:-INT} pid=${PID[$1]}
	_is_child "$pid" && kill -s "$sig" "$pid" 2>/dev/null
	if ! bg_wait "$name"; then
		{
			kill -s KILL "$pid"
			wait "$pid"
		} 2>/dev/null
		RC[$name]=hung
		return 1
	fi
	return 0
}

wait_line() { # file, extended regex, pid: waits (bounded) for a line
	local i
	for ((i = 0; i < WAIT_S * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		_is_child "$3" || { grep -qE "$2" "$1" 2>/dev/null; return; }
		sleep 0.1
	done
	return 1
}

# pktscope stats in a namespace, in the background; returns once it printed
# "pktscope: watching" (0) or died / did not within WAIT_S (1, with its
# stderr as diagnostics).  Environment assignments before the call reach it.
ps_start() { # name, ns, stats arguments...
	local name=$1 ns=$2
	shift 2
	ps_start_cmd "$name" "$ns" stats "$@"
}

# The same for any subcommand that reports "pktscope: watching" once
# attached (stats, watch).
ps_start_cmd() { # name, ns, subcommand, arguments...
	local name=$1 ns=$2 sub=$3
	shift 3
	bg_start "$name" nsenter --net="/run/netns/$ns" -- "$PKTSCOPE" "$sub" "$@"
	if wait_line "$TMPD/$name.err" '^pktscope: watching ' "${PID[$name]}"; then
		return 0
	fi
	diag "pktscope $sub $* did not report 'pktscope: watching' within ${WAIT_S}s; stderr:"
	diag "$(head -c 2000 "$TMPD/$name.err")"
	return 1
}

ps_stop() { bg_stop "$1" "${2:-INT}"; }

# SIGKILL and reap; bash's "Killed" job notice goes nowhere.
kill9() { # name
	{
		kill -s KILL "${PID[$1]}"
		bg_wait "$1"
	} 2>/dev/null
}

ps_summary() { # name: the summary object(s) on its stdout, one per line
	jq -c 'select(type == "object" and .type == "summary")' "$TMPD/$1.out" 2>/dev/null
}

# The hook object of one interface and direction in a summary.
hook_obj() { # summary-json, ifname, direction
	jq -c --arg i "$2" --arg d "$3" \
		'[.interfaces[]? | select(.name == $i) | .hooks[]? | select(.direction == $d)] | .[0] // empty' \
		<<<"$1" 2>/dev/null
}

# pktscope in the foreground (error cases): sets RC[name], output in files.
ps_run() { # name, ns, pktscope arguments...
	local name=$1 ns=$2
	shift 2
	timeout -k 5 "$((WAIT_S * 2))" nsenter --net="/run/netns/$ns" -- "$PKTSCOPE" "$@" \
		>"$TMPD/$name.out" 2>"$TMPD/$name.err" </dev/null
	RC[$name]=$?
}

# exit status 2 and exactly one stderr line starting "pktscope: "
check_usage_error() { # description, name
	local err lines
	err=$(cat "$TMPD/$2.err")
	lines=$(grep -c '' "$TMPD/$2.err")
	check_eq "$1: exit status" 2 "${RC[$2]}"
	if [ "$lines" -eq 1 ] && [[ $err == "pktscope: "* ]]; then
		ok "$1: one stderr line starting 'pktscope: '"
	else
		nok "$1: one stderr line starting 'pktscope: '"
		diag "got $lines line(s):"
		diag "${err:-(empty)}"
	fi
}

# An optional filter EXPRESSION (one argument) is given to tcpdump as is.
# -s 4096, not 0: in immediate mode libpcap cuts its buffer into slots of the
# snap length, so -s 0 (256 KiB) leaves room for ~500 frames and drops under
# a burst; frames over veth are at most 1514 bytes here.
tcpdump_start() { # name, ns, ifname [expression]: captures to $TMPD/NAME.pcap
	bg_start "$1" nsenter --net="/run/netns/$2" -- tcpdump -i "$3" -p -n -U --immediate-mode -B 32768 -s 4096 -Z root \
		-w "$TMPD/$1.pcap" ${4:+"$4"}
	wait_line "$TMPD/$1.err" '^(tcpdump: )?listening on' "${PID[$1]}" && return 0
	diag "tcpdump on $3 did not start: $(cat "$TMPD/$1.err")"
	return 1
}

# Stops a capture; fails unless tcpdump wrote every packet it received
# (a capture that missed some cannot be the reference).
tcpdump_stop() { # name
	local cap rec drop
	sleep 0.3 # immediate mode: what the ring holds is handed over at once
	bg_stop "$1" INT
	cap=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$TMPD/$1.err")
	rec=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$TMPD/$1.err")
	drop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$TMPD/$1.err")
	[ -n "$cap" ] && [ "$cap" = "$rec" ] && [ "$drop" = 0 ] && return 0
	diag "tcpdump $1: $(tr '\n' ' ' <"$TMPD/$1.err")"
	return 1
}

# ------------------------------------------------------------ cleanup

_cleanup() {
	local rc=$? pid i w ns ifn got left=()
	trap - EXIT INT TERM
	for pid in "${_PIDS[@]}"; do
		_is_child "$pid" && kill -s INT "$pid" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		left=()
		for pid in "${_PIDS[@]}"; do _is_child "$pid" && left+=("$pid"); done
		[ ${#left[@]} -eq 0 ] && break
		sleep 0.1
	done
	{
		for pid in "${left[@]}"; do kill -s KILL "$pid"; done
		wait
	} 2>/dev/null
	for i in "${!_CLEANUP_CMDS[@]}"; do eval "${_CLEANUP_CMDS[$i]}" >/dev/null 2>&1; done
	if [ ${#_WATCH[@]} -gt 0 ]; then
		left=()
		for w in "${_WATCH[@]}"; do
			read -r ns ifn <<<"$w"
			ip netns list | grep -qw "^$ns" || continue
			ip -n "$ns" link show dev "$ifn" >/dev/null 2>&1 || continue
			got=$(WAIT_S=5 wait_attached "$ns" "$ifn" "")
			[ -n "$got" ] && left+=("$ifn ($ns): $got")
		done
		if [ ${#left[@]} -eq 0 ]; then
			ok "cleanup: nothing left attached once the test's processes stopped"
		else
			nok "cleanup: nothing left attached once the test's processes stopped"
			diag "$(printf '%s\n' "${left[@]}")"
		fi
	fi
	for ns in "${_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] && echo "# kept $TMPD" || rm -rf "$TMPD"
	echo "1..$_T"
	[ "$_F" -gt 0 ] && exit 1
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
