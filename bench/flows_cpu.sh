#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What `pktscope flows` costs at the highest rate this machine generates,
# against tcpdump on the same traffic, and how much memory it holds with
# 100,000 conversations: `make bench-flows` (root).
#
# The traffic is bench/capture_vs_tcpdump.sh's: a network namespace of its
# own holds a veth pair; build/inject sends PACKETS packets of the same mix
# into veth-a with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES, pinned to
# CPU 0, and veth-b receives them on CPU 0 too.  Here `inject send --flows N`
# rewrites the TCP/UDP templates' ephemeral ports so that the same packets
# make exactly N conversations.  The tool runs pinned to CPU 1, alone; each
# tool in turn on the same packets.
#
# Measured per run:
#  - the tool's CPU (user + system, all its threads, from
#    /proc/PID/task/*/schedstat, in ns) while the packets are sent, as % of
#    one core over the injection time; and from the start of the injection
#    until the tool has dealt with every packet (pktscope: two intervals
#    later, so a sweep has read the table; tcpdump: once its CPU stays flat
#    for 1.5 s), in seconds per million packets sent;
#  - its CPU from ready to exit from its rusage, less what it used before it
#    announced it was ready (start-up), as bench/capture_vs_tcpdump.sh does;
#  - the injecting CPU's work (the injector's rusage plus ksoftirqd there:
#    the veth's receive path and the tool's kernel side run there, in
#    softirq), per million packets sent, against a run without any tool;
#  - packets accounted: pktscope flows' summary (flow_packets +
#    overflow_packets + not_flow_packets must equal the packets sent, and
#    created the conversations sent, unless the table was full), tcpdump's
#    captured and dropped counts;
#  - memory: VmRSS and VmHWM from /proc/PID/status once the table holds
#    every conversation (after the traffic, before exit), the peak over the
#    whole run (rusage maxrss: it includes the records written at exit), and
#    the summary's kernel_bytes (the flow map's memlock, /proc fdinfo) and
#    user_bytes.
#
# Environment: PACKETS (default 10240000, rounded to the 256-packet mix),
# FLOWS (default 100000: the conversations in the runs of pktscope stats,
# tcpdump and the baseline), MAX_FLOWS (131072: --max-flows for runs with
# more conversations than the default table of 65536), FILTER (default
# 'udp port 53', tcpdump's filtered run), INTERVAL (default 1: pktscope's
# --interval, how often flows reads its table), PKTSCOPE and BUILD, INJ_CPU and
# TOOL_CPU (0 and 1), ROUNDS (default 1; with more, every case runs ROUNDS
# times in turn and the tables show medians), CASES (default all):
#   base          no tool (the baseline the kernel figures are taken from)
#   stats         pktscope stats -i veth-b --json --interval INTERVAL
#   fl-N          pktscope flows -i veth-b --json --interval INTERVAL with N
#                 conversations (and --max-flows MAX_FLOWS if N > 65536)
#   fl-N-def      the same with the default table (65536): overflow
#   td            tcpdump -i veth-b -w FILE (a tmpfs)
#   td-null       tcpdump -i veth-b -w /dev/null
#   td-f          tcpdump -i veth-b -w FILE FILTER

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
PKTSCOPE=${PKTSCOPE:-$BUILD/pktscope}
INJECT=$BUILD/inject
PACKETS=${PACKETS:-10240000}
FLOWS=${FLOWS:-100000}
MAX_FLOWS=${MAX_FLOWS:-131072}
FILTER=${FILTER:-udp port 53}
INJ_CPU=${INJ_CPU:-0}
TOOL_CPU=${TOOL_CPU:-1}
CASES=${CASES:-"base stats fl-1000 fl-10000 fl-50000 fl-100000 fl-100000-def td td-null td-f"}
ROUNDS=${ROUNDS:-1}
INTERVAL=${INTERVAL:-1}
HZ=$(getconf CLK_TCK)
NS=psflow-$$
NSP=/run/netns/$NS
OUT=/tmp/psflow-bench.$$
BENCH=flows_cpu
. "$ROOT/bench/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root"
for f in "$PKTSCOPE" "$INJECT"; do
	[ -x "$f" ] || die "$f is missing: run make bench-flows (or make $f)"
done
for c in tcpdump jq; do
	command -v $c >/dev/null || die "$c is not installed"
done
PACKETS=$(( (PACKETS + 255) / 256 * 256 ))

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# tcpdump's file and pktscope's records.
bench_tmpfs
bench_netns

# CPU time of every thread of a process, in ns (exact, not in ticks).
cpu_ns() {
	local f a s=0
	for f in /proc/"$1"/task/*/schedstat; do
		read -r a _ <"$f" 2>/dev/null && s=$((s + a))
	done
	echo $s
}
now_ns() { date +%s%N; }
status_kb() { sed -n "s/^$1:[[:space:]]*\\([0-9]*\\) kB/\\1/p" "/proc/$2/status"; }

# Until the tool's CPU has grown by less than 0.5 ms in each quarter of a
# second for 1.5 s (60 s at most):
# tcpdump has then copied out everything the kernel queued for it.
wait_quiet() {
	local pid=$1 i prev cur stable=0
	prev=$(cpu_ns "$pid")
	for ((i = 0; i < 240; i++)); do
		sleep 0.25
		cur=$(cpu_ns "$pid")
		if [ $((cur - prev)) -lt 500000 ]; then
			stable=$((stable + 1))
			[ $stable -ge 6 ] && return 0
		else
			stable=0
		fi
		prev=$cur
	done
}

declare -A R # results: R[case,field]

# run_case NAME LABEL KIND FLOWS TOOL [ARGS...]; KIND: none, pktscope or
# tcpdump; the tool's stdout goes to $OUT/stdout.
run_case() {
	local name=$1 label=$2 kind=$3 flows=$4
	shift 4
	local cpid= start=0 c0 c1 c2 t0 t1 t2 b0 b1 rx0 rx1 out ru
	rm -f "$OUT"/cap.pcap "$OUT"/stdout "$OUT"/err "$OUT"/ru "$OUT"/pid "$OUT"/inj
	if [ "$kind" != none ]; then
		tool_start "$label" "$OUT/stdout" "$@"
		cpid=$TOOL_PID
		start=$(cpu_ns "$cpid")
		sleep 0.5
	fi
	b0=$(ksoftirqd_ticks)
	rx0=$(rx_packets)
	c0=$([ -n "$cpid" ] && cpu_ns "$cpid" || echo 0)
	t0=$(now_ns)
	inject_send "$label" --flows "$flows"
	t1=$(now_ns)
	c1=$([ -n "$cpid" ] && cpu_ns "$cpid" || echo 0)
	out=$(cat "$OUT/inj")
	case $kind in
	none) sleep 0.5 ;;
	pktscope) # two intervals: a sweep has read everything
		sleep "$(awk -v i="$INTERVAL" 'BEGIN { print 2 * i + 0.5 }')" ;;
	tcpdump) wait_quiet "$cpid" ;;
	esac
	t2=$(now_ns)
	b1=$(ksoftirqd_ticks)
	rx1=$(rx_packets)
	R[$name,label]=$label
	R[$name,kind]=$kind
	R[$name,flows]=$(kv flows "$out")
	R[$name,rx]=$((rx1 - rx0))
	R[$name,mpps]=$(kv mpps "$out")
	R[$name,kern]=$(awk -v u="$(kv cpu_user_s "$out")" -v s="$(kv cpu_sys_s "$out")" \
		-v t=$((b1 - b0)) -v hz="$HZ" 'BEGIN { print u + s + t / hz }')
	for f in cpu_pct idle_pct cpu_drained start_cpu tool_cpu rss hwm maxrss accounted \
		lost created open overflow notflow kbytes ubytes records; do
		R[$name,$f]=0
	done
	[ "$kind" = none ] && return
	c2=$(cpu_ns "$cpid")
	R[$name,rss]=$(status_kb VmRSS "$cpid")
	R[$name,hwm]=$(status_kb VmHWM "$cpid")
	tool_stop
	ru=$(cat "$OUT/ru")
	R[$name,cpu_pct]=$(awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN { print 100 * c / t }')
	R[$name,idle_pct]=$(awk -v c=$((c2 - c1)) -v t=$((t2 - t1)) 'BEGIN { print 100 * c / t }')
	R[$name,cpu_drained]=$(awk -v c=$((c2 - c0)) 'BEGIN { print c / 1e9 }')
	R[$name,start_cpu]=$(awk -v c="$start" 'BEGIN { print c / 1e9 }')
	R[$name,tool_cpu]=$(awk -v u="$(kv utime_us "$ru")" -v s="$(kv stime_us "$ru")" \
		-v st="$start" 'BEGIN { print (u + s) / 1e6 - st / 1e9 }')
	R[$name,maxrss]=$(kv maxrss_kb "$ru")
	if [ "$kind" = tcpdump ]; then
		R[$name,accounted]=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$OUT/err")
		R[$name,lost]=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$OUT/err")
		return
	fi
	local sum fp ov nf cr op kb ub wr
	sum=$(jq -c 'select(.type == "summary")' "$OUT/stdout" | tail -1)
	[ -n "$sum" ] || { cat "$OUT/err" >&2; die "$label printed no summary"; }
	if [ "$name" = stats ]; then
		R[$name,accounted]=$(jq '[.interfaces[0].hooks[] | select(.hook == "xdp") | .packets] | add' \
			<<<"$sum")
		return
	fi
	read -r fp ov nf cr op kb ub wr < <(jq -r '[.kernel.flow_packets, .kernel.overflow_packets,
		.kernel.not_flow_packets, .kernel.created, .flows.open, .memory.kernel_bytes,
		.memory.user_bytes, .written] | map(tostring) | join(" ")' <<<"$sum")
	R[$name,accounted]=$((fp + ov + nf))
	R[$name,overflow]=$ov
	R[$name,notflow]=$nf
	R[$name,created]=$cr
	R[$name,open]=$op
	R[$name,kbytes]=$kb
	R[$name,ubytes]=$ub
	R[$name,records]=$wr
}

do_case() {
	local n max
	case $1 in
	base) run_case base "no tool (baseline)" none "$FLOWS" none ;;
	stats) run_case stats "pktscope stats" pktscope "$FLOWS" \
		"$PKTSCOPE" stats -i veth-b --json --interval $INTERVAL ;;
	fl-*-def)
		n=${1#fl-}
		n=${n%-def}
		run_case "$1" "pktscope flows, $n flows, table 65536" pktscope "$n" \
			"$PKTSCOPE" flows -i veth-b --json --interval $INTERVAL ;;
	fl-*)
		n=${1#fl-}
		max=()
		[ "$n" -gt 65536 ] && max=(--max-flows "$MAX_FLOWS")
		run_case "$1" "pktscope flows, $n flows${max:+, table $MAX_FLOWS}" pktscope "$n" \
			"$PKTSCOPE" flows -i veth-b --json --interval $INTERVAL "${max[@]}" ;;
	td) run_case td "tcpdump -w FILE" tcpdump "$FLOWS" \
		tcpdump -i veth-b -w "$OUT/cap.pcap" ;;
	td-null) run_case td-null "tcpdump -w /dev/null" tcpdump "$FLOWS" \
		tcpdump -i veth-b -w /dev/null ;;
	td-f) run_case td-f "tcpdump -w FILE '$FILTER'" tcpdump "$FLOWS" \
		tcpdump -i veth-b -w "$OUT/cap.pcap" $FILTER ;;
	*) die "unknown case $1" ;;
	esac
}

echo "pktscope flows CPU and memory: $PACKETS packets per run (the mix of \`inject mix\`," \
	"mean frame 351 bytes), median of $ROUNDS round(s), injector on CPU $INJ_CPU, tool on" \
	"CPU $TOOL_CPU"
echo "pktscope --interval $INTERVAL; conversations: as the run says, $FLOWS for stats," \
	"tcpdump and the baseline; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pktscope $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "(no git tree)")," \
	"$(tcpdump --version 2>&1 | head -1)"
echo

FIELDS="mpps rx kern cpu_pct idle_pct cpu_drained start_cpu tool_cpu rss hwm maxrss accounted lost
	created open overflow notflow kbytes ubytes records"
for ((r = 1; r <= ROUNDS; r++)); do
	for c in $CASES; do
		do_case "$c"
		for f in $FIELDS; do
			R[$c,$f,$r]=${R[$c,$f]:-0}
		done
		printf '  round %d/%d: %-40s %.2f Mpps, tool %.2f%% of a core, %s of %s packets accounted\n' \
			"$r" "$ROUNDS" "${R[$c,label]}" "${R[$c,mpps]}" "${R[$c,cpu_pct]}" \
			"${R[$c,accounted]}" "$PACKETS" >&2
		if [ "${R[$c,rx]}" != "$PACKETS" ]; then
			echo "  warning: veth-b received ${R[$c,rx]} packets, not $PACKETS" >&2
		fi
	done
done
bench_medians "$FIELDS" "$CASES"
echo

base_kern=${R[base,kern]:-}
M=$(awk -v p="$PACKETS" 'BEGIN { print p / 1e6 }')

echo "CPU (tool: user + system, all threads; kernel: the injecting CPU)"
printf '%-42s %7s %5s %7s %6s %8s %8s %8s %9s %9s %8s\n' run flows Mpps "tool%" "idle%" \
	"tool_s" "s/Mpkt" start_s exit_s "kern/Mpkt" "+kern"
for c in $CASES; do
	awk -v l="${R[$c,label]}" -v k="${R[$c,kind]}" -v fl="${R[$c,flows]}" \
		-v mpps="${R[$c,mpps]}" -v pct="${R[$c,cpu_pct]}" -v idle="${R[$c,idle_pct]}" \
		-v dr="${R[$c,cpu_drained]}" -v st="${R[$c,start_cpu]}" -v tot="${R[$c,tool_cpu]}" \
		-v kern="${R[$c,kern]}" -v bk="$base_kern" -v m="$M" 'BEGIN {
		extra = bk != "" ? sprintf("%.4f", (kern - bk) / m) : "-"
		if (k == "none")
			printf "%-42s %7d %5.2f %7s %6s %8s %8s %8s %9s %9.4f %8s\n", l, fl, mpps,
			       "-", "-", "-", "-", "-", "-", kern / m, "-"
		else
			printf "%-42s %7d %5.2f %6.2f%% %5.2f%% %8.3f %8.4f %8.3f %9.3f %9.4f %8s\n", l,
			       fl, mpps, pct, idle, dr, dr / m, st, tot - dr, kern / m, extra
	}'
done
cat <<'EOF'

  flows      conversations in the traffic (inject send --flows)
  Mpps       injection rate (the receive path and the tool's kernel side share the injecting CPU)
  tool%      the tool's CPU while the packets were sent, % of one core (the 5% target's figure)
  idle%      the same after the traffic stopped, until tool_s was taken (pktscope: two sweeps of a
             table that still holds every conversation; tcpdump: 1.5 s of next to nothing)
  tool_s     the tool's CPU seconds from the first packet sent until it had dealt with all of them;
             s/Mpkt: per million packets sent
  start_s    CPU seconds before the tool was ready (loading BPF programs, allocating maps)
  exit_s     CPU seconds after tool_s until it exited (pktscope flows: a record per conversation)
  kern/Mpkt  CPU seconds of the injecting CPU (injector + its ksoftirqd) per million packets sent;
             +kern: less the baseline's, what the tool costs the kernel
EOF
echo

echo "Packets accounted and memory"
printf '%-42s %9s %9s %9s %8s %7s %7s %7s %8s %8s %8s %10s %10s\n' run sent accounted overflow \
	"not IP" created open records VmRSS VmHWM maxrss kernel_B user_B
for c in $CASES; do
	[ "${R[$c,kind]}" = none ] && continue
	awk -v l="${R[$c,label]}" -v k="${R[$c,kind]}" -v sent="$PACKETS" -v a="${R[$c,accounted]}" \
		-v lost="${R[$c,lost]}" -v ov="${R[$c,overflow]}" -v nf="${R[$c,notflow]}" \
		-v cr="${R[$c,created]}" -v op="${R[$c,open]}" -v rec="${R[$c,records]}" \
		-v rss="${R[$c,rss]}" \
		-v hwm="${R[$c,hwm]}" -v mx="${R[$c,maxrss]}" -v kb="${R[$c,kbytes]}" \
		-v ub="${R[$c,ubytes]}" -v stats="$( [ "$c" = stats ] && echo 1 || echo 0 )" 'BEGIN {
		mb = 1024
		if (k == "tcpdump" || stats)
			printf "%-42s %9d %9d %9s %8s %7s %7s %7s %5.1fMiB %5.1fMiB %5.1fMiB %10s %10s%s\n",
			       l, sent, a, "-", "-", "-", "-", "-", rss / mb, hwm / mb, mx / mb, "-", "-",
			       k == "tcpdump" ? sprintf("  (captured; %d dropped by kernel)", lost) : ""
		else
			printf "%-42s %9d %9d %9d %8d %7d %7d %7d %5.1fMiB %5.1fMiB %5.1fMiB %10d %10d\n",
			       l, sent, a, ov, nf, cr, op, rec, rss / mb, hwm / mb, mx / mb, kb, ub
	}'
done
cat <<'EOF'

  accounted  pktscope flows: flow_packets + overflow_packets + not_flow_packets (ARP), summary,
             = sent when every packet is accounted; stats: packets its XDP hook counted;
             tcpdump: packets captured
  created    flow entries created in the kernel (= flows when the table has room)
  open       conversations user space held at exit (the rest ended: TCP RST, or FIN both ways)
  records    flow records written (at exit: one per conversation, ended or forced out)
  VmRSS, VmHWM  /proc/PID/status after the traffic, the table full; maxrss: the peak over the whole
             run, exit included
  kernel_B   the flow map's memory (fdinfo memlock); user_B: the summary's user_bytes
EOF
echo

# Checks: every packet accounted, the conversations all created.
bad=0
for c in $CASES; do
	case $c in
	fl-*)
		if [ "${R[$c,accounted]}" != "$PACKETS" ]; then
			echo "CHECK FAILED: ${R[$c,label]}: ${R[$c,accounted]} packets accounted, $PACKETS sent"
			bad=1
		fi
		if [ "${R[$c,overflow]}" = 0 ] && [ "${R[$c,created]}" != "${R[$c,flows]}" ]; then
			echo "CHECK FAILED: ${R[$c,label]}: ${R[$c,created]} flows created, ${R[$c,flows]} sent"
			bad=1
		fi
		;;
	esac
	if [ "${R[$c,rx]}" != "$PACKETS" ]; then
		echo "CHECK FAILED: ${R[$c,label]}: veth-b received ${R[$c,rx]} of $PACKETS packets"
		bad=1
	fi
done
[ $bad = 0 ] && echo "checks: every pktscope flows run accounted for every packet sent and" \
	"created every conversation the table had room for"
echo

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }'; }
echo "ratios (same run):"
for c in $CASES; do
	case $c in fl-*) ;; *) continue ;; esac
	printf '  %s: tool %.2f%% of a core (target < 5%%: %s)\n' "${R[$c,label]}" "${R[$c,cpu_pct]}" \
		"$(awk -v p="${R[$c,cpu_pct]}" 'BEGIN { print p < 5 ? "met" : "MISSED" }')"
	for t in td td-null td-f; do
		[ -n "${R[$t,label]:-}" ] || continue
		printf '      against %-28s tool CPU %s, s/Mpkt %s' "${R[$t,label]}:" \
			"$(ratio "${R[$c,cpu_pct]}" "${R[$t,cpu_pct]}")" \
			"$(ratio "${R[$c,cpu_drained]}" "${R[$t,cpu_drained]}")"
		if [ -n "$base_kern" ]; then
			printf ', kernel side %s' "$(ratio "$(awk -v a="${R[$c,kern]}" -v b="$base_kern" \
				'BEGIN { print a - b }')" "$(awk -v a="${R[$t,kern]}" -v b="$base_kern" \
				'BEGIN { print a - b }')")"
		fi
		echo
	done
	if [ -n "$base_kern" ]; then
		printf '      injecting CPU per packet against no tool: %s' \
			"$(ratio "${R[$c,kern]}" "$base_kern")"
		[ -n "${R[stats,label]:-}" ] &&
			printf ', against pktscope stats: %s' "$(ratio "${R[$c,kern]}" "${R[stats,kern]}")"
		echo
	fi
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on these 2 CPUs makes" \
	"every figure noisier)"
exit $bad
