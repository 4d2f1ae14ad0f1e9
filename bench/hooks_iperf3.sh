#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What each of pktscope's hooks costs the host's own traffic: iperf3 between
# two network namespaces over a veth pair, with no tool, then with `pktscope
# stats` on the receiving end at each hook: `make bench-hooks` (root).
#
# XDP on a veth is not free for the traffic that crosses it: the veth's peer
# then stops sending large (GSO) packets, so a TCP stream goes through the
# receive path one MTU-sized frame at a time, where without XDP 64 kB
# super-packets cross the pair.  TC costs a program run per packet and
# changes nothing else.  This measures it:
#
#   base         no tool
#   xdp          pktscope stats --hook xdp --xdp-mode native
#   xdp-generic  pktscope stats --hook xdp --xdp-mode generic
#   tc           pktscope stats --hook tc
#   auto         pktscope stats (the default, --hook auto: TC on a veth)
#   tcpdump      tcpdump -i veth-s -w /dev/null (for comparison: AF_PACKET)
#
# tcpdump's own drops are not the point here (it is the one copying every
# packet); its run only shows what AF_PACKET costs the stream.
#
# Two namespaces of its own, C (client) and S (server), joined by a veth pair
# veth-c <-> veth-s (MTU 1500, IPv6 off).  iperf3 -s runs in S pinned to
# SERVER_CPU, the client in C pinned to CLIENT_CPU; pktscope stats
# (--interval 1 --json) attaches to veth-s, the receiving end, before each
# run, and stops after it: its summary must have counted the stream (a hook
# that saw nothing would measure nothing).  Each round runs every case once,
# in turn, for SECS seconds each, TCP then UDP (-u -b 0: as fast as the
# client sends; the rate is what the server received); the table has the
# median over ROUNDS rounds and its ratio to base's median from the same run.
#
# Environment: SECS (default 10), ROUNDS (default 5), CASES (default all),
# PROTOS (default "tcp udp"), CLIENT_CPU and SERVER_CPU (0 and 1), PKTSCOPE
# and BUILD.  iperf3 (Debian package iperf3) is installed if it is missing.

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
PKTSCOPE=${PKTSCOPE:-$BUILD/pktscope}
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-5}
CASES=${CASES:-"base xdp xdp-generic tc auto tcpdump"}
PROTOS=${PROTOS:-"tcp udp"}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
NS_C=pshook-$$-c
NS_S=pshook-$$-s
IP_C=10.251.0.1
IP_S=10.251.0.2
PORT=5201
OUT=$(mktemp -d /tmp/pshook-bench.XXXXXX)
BENCH=hooks_iperf3
. "$ROOT/bench/lib.sh" # die, bench_medians

SERVER_PID=
PS_PID=
MADE=
# stop_pid PID SIGNAL: signals one of ours, waits (bounded), then SIGKILL.
stop_pid() {
	local i
	kill -s "$2" "$1" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && kill -s KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
hooks_cleanup() {
	[ -n "$PS_PID" ] && stop_pid "$PS_PID" INT
	[ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID" TERM
	[[ $MADE == *c* ]] && ip netns del "$NS_C" 2>/dev/null
	[[ $MADE == *s* ]] && ip netns del "$NS_S" 2>/dev/null
	rm -rf "$OUT"
	return 0
}
trap hooks_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$PKTSCOPE" ] || die "$PKTSCOPE is missing: run make bench-hooks (or make)"
command -v jq >/dev/null || die "jq is not installed (scripts/bootstrap.sh test installs it)"
if ! command -v iperf3 >/dev/null; then
	echo "$BENCH: installing iperf3" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iperf3 >/dev/null ||
		die "cannot install iperf3 (apt-get install iperf3)"
fi

# nsenter, taskset and env exec: a background one's $! is the program's own
# pid (a shell function's would be a subshell's, which ignores SIGINT).
NSC=(nsenter --net="/run/netns/$NS_C")
NSS=(nsenter --net="/run/netns/$NS_S")

ip netns add "$NS_C" || die "cannot create network namespace $NS_C"
MADE="$MADE c"
ip netns add "$NS_S" || die "cannot create network namespace $NS_S"
MADE="$MADE s"
for ns in "$NS_C" "$NS_S"; do
	nsenter --net="/run/netns/$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
ip link add veth-c netns "$NS_C" type veth peer name veth-s netns "$NS_S" ||
	die "cannot create the veth pair"
ip -n "$NS_C" addr add "$IP_C/24" dev veth-c
ip -n "$NS_S" addr add "$IP_S/24" dev veth-s
ip -n "$NS_C" link set veth-c up && ip -n "$NS_S" link set veth-s up || die "cannot bring the veth pair up"

"${NSS[@]}" taskset -c "$SERVER_CPU" iperf3 -s -p "$PORT" --forceflush >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for ((i = 0; i < 50; i++)); do
	grep -q 'listening' "$OUT/server.log" 2>/dev/null && break
	sleep 0.1
done
grep -q 'listening' "$OUT/server.log" || die "iperf3 -s did not start: $(cat "$OUT/server.log")"

case_args() { # case: pktscope stats arguments, or "none"
	case $1 in
	base) echo none ;;
	xdp) echo "--hook xdp --xdp-mode native" ;;
	xdp-generic) echo "--hook xdp --xdp-mode generic" ;;
	tc) echo "--hook tc" ;;
	auto) echo "" ;;
	tcpdump) echo tcpdump ;;
	*) die "unknown case $1 (base xdp xdp-generic tc auto tcpdump)" ;;
	esac
}

# ps_up CASE: pktscope stats on veth-s; records the hooks it reports.
ps_up() {
	local args i
	args=$(case_args "$1")
	[ "$args" = none ] && return 0
	# Emptied here, not only by the child's redirection, which may come
	# after the first look for the line: the last run's would be seen.
	: >"$OUT/ps.out"
	: >"$OUT/ps.err"
	if [ "$args" = tcpdump ]; then
		"${NSS[@]}" env --default-signal=INT tcpdump -i veth-s -n -p -w /dev/null \
			>"$OUT/ps.out" 2>"$OUT/ps.err" &
		PS_PID=$!
		TOOL=tcpdump
		for ((i = 0; i < 600; i++)); do
			grep -q 'listening on' "$OUT/ps.err" 2>/dev/null && break
			kill -0 "$PS_PID" 2>/dev/null || break
			sleep 0.1
		done
		grep -q 'listening on' "$OUT/ps.err" || die "tcpdump did not start: $(cat "$OUT/ps.err")"
		HOOKS[$1]="AF_PACKET, -w /dev/null"
		return 0
	fi
	TOOL=pktscope
	# shellcheck disable=SC2086
	"${NSS[@]}" env --default-signal=INT "$PKTSCOPE" stats -i veth-s $args --interval 1 --json \
		>"$OUT/ps.out" 2>"$OUT/ps.err" &
	PS_PID=$!
	# Loading the datapath takes the verifier a while on a busy machine.
	for ((i = 0; i < 600; i++)); do
		grep -q '^pktscope: watching' "$OUT/ps.err" 2>/dev/null && break
		kill -0 "$PS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^pktscope: watching' "$OUT/ps.err"; then
		local rc="still running"
		kill -0 "$PS_PID" 2>/dev/null || { wait "$PS_PID"; rc="exit status $?"; PS_PID=; }
		die "pktscope stats $args did not start ($rc): $(cat "$OUT/ps.err" "$OUT/ps.out" | head -c 500)"
	fi
	HOOKS[$1]=$(sed -n 's/^pktscope: watching veth-s \[\(.*\)\]; Ctrl-C stops$/\1/p' "$OUT/ps.err" | head -1)
}

# ps_down CASE PROTO: stops it; the stream must be in its counts.
ps_down() {
	local n
	[ -z "$PS_PID" ] && return 0
	stop_pid "$PS_PID" INT
	PS_PID=
	if [ "$TOOL" = tcpdump ]; then
		n=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$OUT/ps.err")
	else
		n=$(jq -r 'select(.type == "summary") | .interfaces[0].total.packets' "$OUT/ps.out")
		# What one packet is at the receiving hook: a 64 kB GSO packet, or
		# an MTU-sized one.
		BPP=$(jq -r 'select(.type == "summary") | .interfaces[0].hooks[0] |
			if .packets > 0 then (.bytes / .packets | floor) else 0 end' "$OUT/ps.out")
	fi
	[ "${n:-0}" -gt 1000 ] || die "$1 $2: $TOOL counted ${n:-nothing} packets: it did not see the stream"
}

# run_iperf PROTO: one iperf3 run; GBPS becomes the rate received, in Gb/s.
run_iperf() {
	local extra=()
	[ "$1" = udp ] && extra=(-u -b 0 -l 1448)
	timeout -k 5 $((SECS + 30)) "${NSC[@]}" taskset -c "$CLIENT_CPU" \
		iperf3 -c "$IP_S" -p "$PORT" -t "$SECS" -J "${extra[@]}" \
		>"$OUT/client.json" 2>"$OUT/client.err" || die "iperf3 -c failed: $(cat "$OUT/client.err" "$OUT/client.json" | head -c 500)"
	GBPS=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$OUT/client.json")
	[ -n "$GBPS" ] && [ "$GBPS" != null ] || die "no rate in iperf3's report: $(head -c 500 "$OUT/client.json")"
}

declare -A R HOOKS
HOOKS[base]="(no tool)"
echo "$BENCH: iperf3 $NS_C -> $NS_S over veth, $SECS s per run, $ROUNDS rounds; cases: $CASES; $PROTOS" >&2
for ((r = 1; r <= ROUNDS; r++)); do
	for c in $CASES; do
		for p in $PROTOS; do
			ps_up "$c"
			run_iperf "$p"
			R[$c-$p,gbps,$r]=$GBPS
			BPP=
			ps_down "$c" "$p"
			R[$c-$p,bpp,$r]=${BPP:-0}
			printf '%s: round %d %-12s %s %6.2f Gb/s\n' "$BENCH" "$r" "$c" "$p" "${R[$c-$p,gbps,$r]}" >&2
			sleep 1
		done
	done
done
keys=()
for c in $CASES; do for p in $PROTOS; do keys+=("$c-$p"); done; done
bench_medians "gbps bpp" "${keys[*]}"

echo
echo "iperf3 over a veth pair, pktscope stats on the receiving end (veth-s): median of $ROUNDS runs of $SECS s"
printf '%-12s' case
for p in $PROTOS; do printf ' %9s %6s %6s' "${p^^} Gb/s" ratio B/pkt; done
printf '  %s\n' "hooks (pktscope's line)"
for c in $CASES; do
	printf '%-12s' "$c"
	for p in $PROTOS; do
		if [[ " $CASES " == *" base "* ]]; then
			ratio=$(awk -v a="${R[$c-$p,gbps]}" -v b="${R[base-$p,gbps]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		else
			ratio=-
		fi
		bpp=${R[$c-$p,bpp]%.*}
		[ "${bpp:-0}" -gt 0 ] 2>/dev/null || bpp=-
		printf ' %9.2f %6s %6s' "${R[$c-$p,gbps]}" "$ratio" "$bpp"
	done
	printf '  %s\n' "${HOOKS[$c]:-}"
done
echo "(ratio: to base, no tool, in the same run; B/pkt: bytes per packet at pktscope's ingress hook,"
echo " a 64 kB GSO packet or one frame; UDP: -b 0 -l 1448, what the server received)"
