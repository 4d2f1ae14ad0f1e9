#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# pktscope capture -w against tcpdump -w on the same traffic, at the highest
# rate this machine generates: `make bench-capture` (root).
#
# A network namespace of its own holds a veth pair.  build/inject sends
# PACKETS packets of a fixed mix into veth-a with BPF_PROG_TEST_RUN and
# BPF_F_TEST_XDP_LIVE_FRAMES (bench/inject.bpf.c), pinned to CPU 0; veth-b
# receives them, on CPU 0 too (the veth's NAPI runs where the frames were
# redirected).  The capture tool runs pinned to CPU 1 and writes to a tmpfs,
# so no disk is measured.  Each tool runs in turn, alone, on the same packets.
#
# Measured per run:
#  - the tool's own CPU (user + system) from its rusage, less what it had
#    used when it announced it was ready (start-up: loading BPF programs,
#    opening the socket), per million packets it wrote to the file;
#  - packets written (counted in the file), packets the tool reports lost
#    (pktscope: ring buffer full; tcpdump: dropped by kernel), and packets
#    neither written nor reported (the rest of what it should have kept);
#  - the injection rate, and the CPU of the injecting CPU's work: the
#    injector's rusage plus ksoftirqd there.  The veth's receive path and
#    the capture's kernel side (pktscope's XDP program and ring buffer
#    writes; tcpdump's AF_PACKET tap and copies) run there, in softirq.
#    Less the same figure for a run without capture, per million packets
#    sent, it is what capturing costs the kernel.  Both figures are per
#    process, so other work on the machine does not count in them.
#  - the whole machine's busy CPU (/proc/stat) from the injection's start
#    until the tool has exited and `sync` has written its file out, less
#    the baseline's: everything capturing cost, the kernel's writeback of
#    the page cache included, which no tool's rusage shows.  This one
#    counts other work on the machine too.
#
# Three kinds of traffic:
#  - the mix (the cases below without a prefix): IMIX-like sizes, 351 bytes
#    a frame on average (`inject mix`);
#  - small packets (cases sm-*): only the mix's frames of at most 128 bytes
#    (ACKs, DNS queries, small QUIC, ICMP, ARP: 75 bytes on average), the
#    same injection;
#  - bulk TCP (cases tcp-*): iperf3 for TCP_SECS seconds from a second
#    namespace over another veth pair, GRO, GSO and TSO off (every frame a
#    full-size 1514-byte segment or an ACK), captured on the server's end.
#    What crossed is the veth's rx + tx counters from the tool's start to
#    its stop; the rate is iperf3's, which the tool's kernel side slows (the
#    sender, the receiver and the tool's kernel side share the injecting
#    CPU).
# With OUTDIR on a disk, dd writes 512 MiB with O_DIRECT there before and
# after the runs: what the disk takes at best.  A pktscope run that had to
# wait for the disk says so ("disk-bound: N ms waiting ..., X MB/s"): its
# dwait_ms and wr_MBps columns.
#
# Environment: PACKETS (default 10240000, rounded to the 256-packet mix),
# FILTER (default 'udp port 53', which keeps 26 of 256 = 10.2%), BIGBUF_KIB
# (-B for the "big buffer" runs, default 262144 = 256 MiB), PKTSCOPE and
# BUILD (the binaries), OUTDIR (default: a tmpfs of its own), INJ_CPU and
# TOOL_CPU (0 and 1), CASES (which runs, default all: base = no capture,
# ps = pktscope, td = tcpdump, -B = with BIGBUF_KIB, -f = with FILTER, -pc =
# pktscope with --no-direct-io: through the page cache even where OUTDIR's
# file system takes O_DIRECT; not in the default list; sm- and tcp- before
# any of them: small packets, bulk TCP), TCP_SECS (default 10), ROUNDS
# (default 1: each case once; with more, the cases run in turn ROUNDS times
# and the table shows the median of each figure).

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
PKTSCOPE=${PKTSCOPE:-$BUILD/pktscope}
INJECT=$BUILD/inject
PACKETS=${PACKETS:-10240000}
FILTER=${FILTER:-udp port 53}
FILTER_KEEPS=${FILTER_KEEPS:-26} # of the 256 templates
BIGBUF_KIB=${BIGBUF_KIB:-262144}
INJ_CPU=${INJ_CPU:-0}
TOOL_CPU=${TOOL_CPU:-1}
CASES=${CASES:-"base ps ps-B td-B td ps-f ps-B-f td-B-f td-f"}
TCP_SECS=${TCP_SECS:-10}
ROUNDS=${ROUNDS:-1}
HZ=$(getconf CLK_TCK)
NS=pscap-$$
NSP=/run/netns/$NS
OUTDIR_GIVEN=${OUTDIR:-}
OUT=${OUTDIR:-/tmp/pscap-bench.$$}
BENCH=capture_vs_tcpdump
. "$ROOT/bench/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root"
for f in "$PKTSCOPE" "$INJECT"; do
	[ -x "$f" ] || die "$f is missing: run make bench-capture (or make $f)"
done
command -v tcpdump >/dev/null || die "tcpdump is not installed"
[[ " $CASES" != *" tcp-"* ]] || command -v iperf3 >/dev/null || die "iperf3 is not installed"
PACKETS=$(( (PACKETS + 255) / 256 * 256 ))

trap bench_cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$OUTDIR_GIVEN" ]; then
	bench_tmpfs
else
	mkdir -p "$OUT" || die "cannot create $OUT"
	BENCH_RM="cap.pcap err ru pid inj iperf iperf-s"
fi
bench_netns
[[ " $CASES" != *" tcp-"* ]] || bench_tcp_netns

# Waits until the capture file has not grown for 1.5 s (tcpdump hands over
# a partly filled block after its 1 s timeout), 60 s at most.
wait_drained() {
	local last=-1 size stable=0 i
	for ((i = 0; i < 240; i++)); do
		size=$(stat -c %s "$OUT/cap.pcap" 2>/dev/null || echo 0)
		if [ "$size" = "$last" ]; then
			stable=$((stable + 1))
			[ $stable -ge 6 ] && return 0
		else
			stable=0
		fi
		last=$size
		sleep 0.25
	done
}

declare -A R # results: R[case,field]

# What the tool said at its exit (the tool's stderr, $OUT/err): written,
# reported lost, and pktscope's disk-bound line (0 when absent).
tool_report() {
	local name=$1 tool=$2
	R[$name,lost]=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$OUT/err")
	if [ "$tool" = tcpdump ]; then
		R[$name,reported]=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$OUT/err")
	else
		R[$name,reported]=$(sed -n 's/^\([0-9]*\) packets\{0,1\} written.*/\1/p' "$OUT/err")
	fi
	R[$name,lost]=${R[$name,lost]:-0}
	R[$name,dwait]=$(sed -n 's/^disk-bound: \([0-9]*\) ms.*/\1/p' "$OUT/err")
	R[$name,dwait]=${R[$name,dwait]:-0}
	R[$name,dmbps]=$(sed -n 's/^disk-bound: .* it wrote \([0-9]*\) MB\/s.*/\1/p' "$OUT/err")
	R[$name,dmbps]=${R[$name,dmbps]:-0}
}

# run_case NAME LABEL EXPECTED_KEPT INJECT_ARGS TOOL [ARGS...]; TOOL "none"
# for the baseline.
run_case() {
	local name=$1 label=$2 want=$3 inj_args=$4 tool=$5
	shift 5
	local ready_ticks=0 b0 b1 rx0 rx1 m0 m1 out stat
	rm -f "$OUT"/cap.pcap "$OUT"/err "$OUT"/ru "$OUT"/pid "$OUT"/inj
	if [ "$tool" != none ]; then
		tool_start "$label" /dev/null "$@"
		read -r -a stat <<<"$(sed 's/.*) //' "/proc/$TOOL_PID/stat")"
		ready_ticks=$(( stat[11] + stat[12] )) # utime, stime
		sleep 0.5
	fi
	sync
	m0=$(machine_busy_ticks)
	b0=$(ksoftirqd_ticks)
	rx0=$(rx_packets)
	inject_send "$label" $inj_args
	out=$(cat "$OUT/inj")
	if [ "$tool" != none ]; then
		wait_drained
	else
		sleep 0.5
	fi
	b1=$(ksoftirqd_ticks)
	rx1=$(rx_packets)
	if [ "$tool" != none ]; then
		tool_stop
	fi
	sync
	m1=$(machine_busy_ticks)
	R[$name,label]=$label
	R[$name,machine]=$(awk -v t=$((m1 - m0)) -v hz="$HZ" 'BEGIN { print t / hz }')
	R[$name,sent]=$PACKETS
	R[$name,rx]=$((rx1 - rx0))
	R[$name,want]=$want
	R[$name,mpps]=$(kv mpps "$out")
	R[$name,inj_cpu]=$(awk -v u="$(kv cpu_user_s "$out")" -v s="$(kv cpu_sys_s "$out")" \
		'BEGIN { print u + s }')
	R[$name,softirqd]=$(awk -v t=$((b1 - b0)) -v hz="$HZ" 'BEGIN { print t / hz }')
	R[$name,kern]=$(awk -v a="${R[$name,inj_cpu]}" -v b="${R[$name,softirqd]}" 'BEGIN { print a + b }')
	if [ "$tool" = none ]; then
		R[$name,tool_cpu]=0
		R[$name,written]=0
		R[$name,lost]=0
		R[$name,reported]=0
		R[$name,start_cpu]=0
		R[$name,dwait]=0
		R[$name,dmbps]=0
		return
	fi
	local ru
	ru=$(cat "$OUT/ru")
	R[$name,start_cpu]=$(awk -v t=$ready_ticks -v hz="$HZ" 'BEGIN { print t / hz }')
	R[$name,tool_cpu]=$(awk -v u="$(kv utime_us "$ru")" -v s="$(kv stime_us "$ru")" \
		-v st="${R[$name,start_cpu]}" 'BEGIN { print (u + s) / 1e6 - st }')
	R[$name,written]=$(kv packets "$("$INJECT" count "$OUT/cap.pcap")")
	tool_report "$name" "$tool"
	rm -f "$OUT/cap.pcap"
}

# run_tcp_case NAME LABEL TOOL [ARGS...]: TCP_SECS of iperf3 through tcp-s
# while the tool listens there; TOOL "none" for the baseline.
run_tcp_case() {
	local name=$1 label=$2 tool=$3
	shift 3
	local ready_ticks=0 c0 c1 m0 m1 stat ru bytes spid
	rm -f "$OUT"/cap.pcap "$OUT"/err "$OUT"/ru "$OUT"/pid "$OUT"/iperf
	if [ "$tool" != none ]; then
		tool_start "$label" /dev/null "$@"
		read -r -a stat <<<"$(sed 's/.*) //' "/proc/$TOOL_PID/stat")"
		ready_ticks=$(( stat[11] + stat[12] ))
	fi
	nsenter --net="$NSP" taskset -c "$INJ_CPU" iperf3 -s -1 >"$OUT/iperf-s" 2>&1 &
	spid=$!
	sleep 0.5
	sync
	m0=$(machine_busy_ticks)
	c0=$(dev_packets tcp-s)
	nsenter --net="/run/netns/$NS-c" taskset -c "$INJ_CPU" iperf3 -c 198.51.100.2 \
		-t "$TCP_SECS" -J >"$OUT/iperf" 2>&1 || die "iperf3 failed ($label)"
	wait "$spid"
	if [ "$tool" != none ]; then
		wait_drained
	fi
	c1=$(dev_packets tcp-s)
	[ "$tool" != none ] && tool_stop
	sync
	m1=$(machine_busy_ticks)
	R[$name,label]=$label
	R[$name,gbps]=$(jq '.end.sum_received.bits_per_second / 1e9' "$OUT/iperf")
	R[$name,crossed]=$((c1 - c0))
	R[$name,want]=$((c1 - c0))
	R[$name,machine]=$(awk -v t=$((m1 - m0)) -v hz="$HZ" 'BEGIN { print t / hz }')
	if [ "$tool" = none ]; then
		for f in written lost reported tool_cpu start_cpu mbps dwait dmbps; do
			R[$name,$f]=0
		done
		return
	fi
	ru=$(cat "$OUT/ru")
	R[$name,start_cpu]=$(awk -v t=$ready_ticks -v hz="$HZ" 'BEGIN { print t / hz }')
	R[$name,tool_cpu]=$(awk -v u="$(kv utime_us "$ru")" -v s="$(kv stime_us "$ru")" \
		-v st="${R[$name,start_cpu]}" 'BEGIN { print (u + s) / 1e6 - st }')
	out=$("$INJECT" count "$OUT/cap.pcap")
	R[$name,written]=$(kv packets "$out")
	bytes=$(kv bytes "$out")
	R[$name,mbps]=$(awk -v b="${bytes:-0}" -v s="$TCP_SECS" 'BEGIN { print b / s / 1e6 }')
	tool_report "$name" "$tool"
	rm -f "$OUT/cap.pcap"
}

ALL=$PACKETS
FILT=$(( PACKETS / 256 * FILTER_KEEPS ))
echo "pktscope capture vs tcpdump: $PACKETS packets per run (the mix of \`inject mix\`: mean frame" \
	"351 bytes), median of $ROUNDS round(s), injector on" \
	"CPU $INJ_CPU, tool on CPU $TOOL_CPU, files on $( [ -z "$OUTDIR_GIVEN" ] && echo tmpfs || echo "$OUT")"
echo "filter runs: '$FILTER' keeps $FILT of $PACKETS; big buffer -B $BIGBUF_KIB KiB;" \
	"load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pktscope $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "(not a git tree)"), $(tcpdump --version 2>&1 | head -1)"
DISK_DD0=
if [ -n "$OUTDIR_GIVEN" ]; then
	DISK_DD0=$(disk_rate_dd "$OUT")
	echo "disk: dd oflag=direct bs=2M, 512 MiB to $OUT: $DISK_DD0 MB/s"
fi
echo

# A case's name: [sm-|tcp-](base | ps[-B][-pc][-f] | td[-B][-f]).
do_case() {
	local c=$1 shape=mix rest=$1 iface=veth-b inj= label tool args=() want=$ALL sfx=
	case $c in
	sm-*) shape=sm rest=${c#sm-} inj="--max-len 128" sfx=" (small)" ;;
	tcp-*) shape=tcp rest=${c#tcp-} iface=tcp-s sfx=" (bulk TCP)" ;;
	esac
	case $rest in
	base) label="no capture (baseline)$sfx" tool=none want=0 ;;
	ps | ps-*) tool=pktscope label="pktscope capture"
		args=("$PKTSCOPE" capture -i "$iface") ;;
	td | td-*) tool=tcpdump label=tcpdump args=(tcpdump -i "$iface") ;;
	*) die "unknown case $c" ;;
	esac
	if [ "$tool" != none ]; then
		[[ $rest == *-B* ]] && args+=(-B "$BIGBUF_KIB") && label+=" -B $BIGBUF_KIB"
		[[ $rest == *-pc* ]] && args+=(--no-direct-io) && label+=" --no-direct-io"
		[ "${rest%-pc}" = "$rest" ] || [ "$tool" = pktscope ] || die "unknown case $c"
		args+=(-w "$OUT/cap.pcap")
		if [[ $rest == *-f ]]; then
			[ "$shape" = mix ] || die "$c: the filter runs are for the mix only"
			args+=($FILTER)
			label+=" '$FILTER'"
			want=$FILT
		fi
		label+=$sfx
	fi
	if [ "$shape" = tcp ]; then
		run_tcp_case "$c" "$label" "$tool" "${args[@]}"
	else
		run_case "$c" "$label" "$want" "$inj" "$tool" "${args[@]}"
	fi
}

FIELDS="mpps rx written lost reported tool_cpu start_cpu kern machine dwait dmbps gbps crossed want mbps"
for ((r = 1; r <= ROUNDS; r++)); do
	for c in $CASES; do
		do_case "$c"
		for f in $FIELDS; do
			R[$c,$f,$r]=${R[$c,$f]:-0}
		done
		if [[ $c == tcp-* ]]; then
			printf '  round %d/%d: %-44s %.2f Gb/s, %s of %s written, %s reported lost\n' \
				"$r" "$ROUNDS" "${R[$c,label]}" "${R[$c,gbps]}" "${R[$c,written]}" \
				"${R[$c,crossed]}" "${R[$c,lost]}" >&2
		else
			printf '  round %d/%d: %-44s %.2f Mpps, %s of %s written, %s reported lost\n' \
				"$r" "$ROUNDS" "${R[$c,label]}" "${R[$c,mpps]}" "${R[$c,written]}" \
				"${R[$c,want]}" "${R[$c,lost]}" >&2
			if [ "${R[$c,rx]}" != "$PACKETS" ]; then
				echo "  warning: veth-b received ${R[$c,rx]} packets, not $PACKETS" >&2
			fi
		fi
		[ "${R[$c,dwait]:-0}" != 0 ] && grep '^disk-bound' "$OUT/err" | sed 's/^/    /' >&2
		if [ "$c" != base ] && [ "${R[$c,reported]:-}" != "${R[$c,written]}" ]; then
			echo "  warning: the tool says ${R[$c,reported]:-?} written, the file holds" \
				"${R[$c,written]}" >&2
		fi
	done
done
bench_medians "$FIELDS" "$CASES" # each figure: its median over the rounds
echo

# The cases of one kind of traffic: "" the mix, sm- small, tcp- bulk TCP.
shape_cases() {
	local c
	for c in $CASES; do
		case $1,$c in
		sm-,sm-* | tcp-,tcp-*) echo "$c" ;;
		,sm-* | ,tcp-*) ;;
		,*) echo "$c" ;;
		esac
	done
}

# The injected kinds: per run, the injecting CPU's work per Mpkt sent, less
# the baseline's.
inj_table() {
	local pre=$1 c bk= bm=
	[ -n "${R[${pre}base,kern]:-}" ] && bk=${R[${pre}base,kern]} && bm=${R[${pre}base,machine]}
	printf '%-56s %5s %9s %9s %7s %9s %9s %8s %10s %9s %9s %9s %9s %8s %7s\n' run inj_Mpps \
		should_keep written kept% lost_rep unaccount tool_cpu "cpu_s/Mpkt" start_cpu \
		kern/Mpkt all/Mpkt mach/Mpkt dwait_ms wr_MBps
	for c in $(shape_cases "$pre"); do
		awk -v l="${R[$c,label]}" -v mpps="${R[$c,mpps]}" -v want="${R[$c,want]}" \
			-v w="${R[$c,written]}" -v lost="${R[$c,lost]}" -v cpu="${R[$c,tool_cpu]}" \
			-v st="${R[$c,start_cpu]}" -v kern="${R[$c,kern]}" -v bk="$bk" \
			-v mach="${R[$c,machine]}" -v bm="$bm" -v dw="${R[$c,dwait]}" \
			-v dm="${R[$c,dmbps]}" -v sent="$PACKETS" 'BEGIN {
			m = sent / 1e6
			per = w > 0 ? sprintf("%.3f", cpu / (w / 1e6)) : "-"
			extra = bk != "" ? sprintf("%.3f", (kern - bk) / m) : "-"
			all = bk != "" ? sprintf("%.3f", (kern - bk + cpu) / m) : "-"
			machine = bm != "" ? sprintf("%.3f", (mach - bm) / m) : "-"
			if (want == 0)
				printf "%-56s %5.2f %9s %9s %7s %9s %9s %8s %10s %9s %9s %9s %9s %8s %7s\n",
				       l, mpps, "-", "-", "-", "-", "-", "-", "-", "-",
				       sprintf("(%.3f)", kern / m), "-", sprintf("(%.3f)", mach / m),
				       "-", "-"
			else
				printf "%-56s %5.2f %9d %9d %6.1f%% %9d %9d %8.3f %10s %9.3f %9s %9s %9s %8d %7s\n",
				       l, mpps, want, w, 100 * w / want, lost, want - w - lost, cpu, per,
				       st, extra, all, machine, dw, dm ? dm : "-"
		}'
	done
}

tcp_table() {
	local c
	printf '%-56s %6s %9s %9s %7s %9s %9s %8s %10s %9s %8s %7s\n' run Gb/s crossed written \
		kept% lost_rep unaccount tool_cpu "cpu_s/Mpkt" file_MBps dwait_ms wr_MBps
	for c in $(shape_cases tcp-); do
		awk -v l="${R[$c,label]}" -v g="${R[$c,gbps]}" -v x="${R[$c,crossed]}" \
			-v w="${R[$c,written]}" -v lost="${R[$c,lost]}" -v cpu="${R[$c,tool_cpu]}" \
			-v mb="${R[$c,mbps]}" -v dw="${R[$c,dwait]}" -v dm="${R[$c,dmbps]}" \
			-v base="$([ "$c" = tcp-base ] && echo 1)" 'BEGIN {
			if (base) {
				printf "%-56s %6.2f %9d %9s %7s %9s %9s %8s %10s %9s %8s %7s\n", l, g, x,
				       "-", "-", "-", "-", "-", "-", "-", "-", "-"
				exit
			}
			per = w > 0 ? sprintf("%.3f", cpu / (w / 1e6)) : "-"
			printf "%-56s %6.2f %9d %9d %6.1f%% %9d %9d %8.3f %10s %9.1f %8d %7s\n", l, g, x,
			       w, x ? 100 * w / x : 0, lost, x - w - lost, cpu, per, mb, dw,
			       dm ? dm : "-"
		}'
	done
}

if [ -n "$(shape_cases "")" ]; then
	echo "the mix (mean frame 351 bytes):"
	inj_table ""
	echo
fi
if [ -n "$(shape_cases sm-)" ]; then
	echo "small packets (the mix's frames of at most 128 bytes):"
	inj_table sm-
	echo
fi
if [ -n "$(shape_cases tcp-)" ]; then
	echo "bulk TCP (iperf3, $TCP_SECS s, 1514-byte frames; should keep: all that crossed tcp-s):"
	tcp_table
	echo
fi
if [ -n "$DISK_DD0" ]; then
	echo "disk: dd oflag=direct bs=2M, 512 MiB to $OUT: $DISK_DD0 MB/s before the runs," \
		"$(disk_rate_dd "$OUT") MB/s after"
fi
cat <<'EOF'

  inj_Mpps     injection rate achieved (the receive path and the capture's kernel side run on the
               injecting CPU: a costlier capture slows the injection)
  should_keep  packets the tool should have written: all sent, or those the filter matches
  crossed      bulk TCP: packets that crossed tcp-s (rx + tx) while the tool listened: all of
               them should be kept; Gb/s: iperf3's (the tool's kernel side slows it)
  lost_rep     packets the tool reports lost (pktscope: ring buffer full; tcpdump: dropped by kernel)
  unaccount    should_keep - written - lost_rep: lost without being reported (0 is right)
  tool_cpu     the tool's CPU seconds (user + system) from ready to exit; cpu_s/Mpkt: per million
               packets written
  start_cpu    CPU seconds the tool used before it was ready (not in tool_cpu)
  kern/Mpkt    CPU seconds of the injecting CPU (injector + its ksoftirqd) per million packets
               sent, less the baseline's (in parentheses): the capture's kernel side
  all/Mpkt     kern/Mpkt + tool_cpu per million packets sent: all that capturing costs, as
               counted per process
  mach/Mpkt    the whole machine's busy CPU seconds from the injection until the tool exited and
               sync(1) returned, per million packets sent, less the baseline's (in parentheses):
               all that capturing costs, the page cache's writeback included; other work counts
  file_MBps    bytes of packets in the file per second of traffic
  dwait_ms     pktscope, direct I/O: how long it waited for the disk with every write buffer in
               flight (the disk was the limit); wr_MBps: the rate its writes reached meanwhile
EOF

# Ratios pktscope / tcpdump on like runs.
# ratio_line P T [notarget]: notarget for two pktscope runs (no verdict).
ratio_line() {
	local p=$1 t=$2 nt=${3:-} pre bk= bm=
	[ -n "${R[$p,label]:-}" ] && [ -n "${R[$t,label]:-}" ] || return 0
	case $p in sm-*) pre=sm- ;; tcp-*) pre=tcp- ;; *) pre= ;; esac
	if [ "$pre" != tcp- ] && [ -n "${R[${pre}base,kern]:-}" ]; then
		bk=${R[${pre}base,kern]}
		bm=${R[${pre}base,machine]}
	fi
	awk -v pl="${R[$p,label]}" -v tl="${R[$t,label]}" -v nt="$nt" \
		-v pc="${R[$p,tool_cpu]}" -v pw="${R[$p,written]}" -v plost="${R[$p,lost]}" \
		-v tc="${R[$t,tool_cpu]}" -v tw="${R[$t,written]}" -v tlost="${R[$t,lost]}" \
		-v pwant="${R[$p,want]}" -v twant="${R[$t,want]}" \
		-v pk="${R[$p,kern]:-0}" -v tk="${R[$t,kern]:-0}" -v bk="$bk" \
		-v pm="${R[$p,machine]}" -v tm="${R[$t,machine]}" -v bm="$bm" \
		-v pdw="${R[$p,dwait]}" -v pdm="${R[$p,dmbps]}" -v dd="$DISK_DD0" 'BEGIN {
		pp = pw ? pc / pw : 0; tp = tw ? tc / tw : 0
		pmiss = pwant - pw; tmiss = twant - tw
		pshare = pwant ? pmiss / pwant : 0; tshare = twant ? tmiss / twant : 0
		printf "%s / %s:\n", pl, tl
		printf "  tool CPU per packet written     %6.2fx", tp ? pp / tp : 0
		if (nt == "")
			printf "  (target <= 0.50: %s)", tp && pp / tp <= 0.5 ? "met" : "MISSED"
		printf "\n"
		if (nt != "")
			verdict = "-"
		else if (pmiss == 0 && tmiss == 0)
			verdict = "neither loses any"
		else if (pshare <= tshare)
			verdict = "pktscope loses no larger a share (target met)"
		else
			verdict = "pktscope loses a larger share (target MISSED)"
		printf "  packets not written             %d of %d (%.1f%%) vs %d of %d (%.1f%%), reported lost %d vs %d: %s\n",
		       pmiss, pwant, 100 * pshare, tmiss, twant, 100 * tshare, plost, tlost, verdict
		if (pdw > 0)
			printf "  pktscope was disk-bound: %d ms waiting for the disk; its writes reached %d MB/s (dd oflag=direct: %s MB/s)\n",
			       pdw, pdm, dd != "" ? dd : "?"
		if (bk != "" && tk - bk > 0)
			printf "  kernel side per packet sent     %6.2fx\n", (pk - bk) / (tk - bk)
		if (bk != "" && tk - bk + tc > 0)
			printf "  all capture CPU per packet sent %6.2fx\n", (pk - bk + pc) / (tk - bk + tc)
		if (bm != "" && tm - bm > 0)
			printf "  whole machine per packet sent   %6.2fx\n", (pm - bm) / (tm - bm)
	}'
}
echo
echo "ratios pktscope / tcpdump (same buffer setting, same kind of traffic):"
for pre in "" sm- tcp-; do
	ratio_line ${pre}ps-B ${pre}td-B
	ratio_line ${pre}ps ${pre}td
	ratio_line ${pre}ps-B-pc ${pre}td-B
	ratio_line ${pre}ps-pc ${pre}td
done
ratio_line ps-B-f td-B-f
ratio_line ps-f td-f
if [ -n "${R[ps-B-pc,label]:-}${R[ps-pc,label]:-}${R[sm-ps-pc,label]:-}${R[tcp-ps-pc,label]:-}" ]; then
	echo
	echo "ratios direct I/O / page cache (pktscope both):"
	for pre in "" sm- tcp-; do
		ratio_line ${pre}ps-B ${pre}ps-B-pc notarget
		ratio_line ${pre}ps ${pre}ps-pc notarget
	done
fi
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on these 2 CPUs makes every figure noisier)"
