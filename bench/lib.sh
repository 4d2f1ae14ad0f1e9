# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# What bench/capture_vs_tcpdump.sh and bench/flows_cpu.sh share: a network
# namespace with a veth pair that build/inject sends into, starting a tool
# in it and waiting until it is ready, the injection, the kernel-side
# counters, and the medians over rounds.  Sourced; the caller sets BENCH
# (its name, for messages), NS, NSP (/run/netns/$NS), OUT, INJECT, INJ_CPU,
# TOOL_CPU, PACKETS and ROUNDS first.

WRAP_PID=
INJ_PID=
TOOL_PID=
MADE=     # what bench_cleanup removes: only what this run created (dir mnt ns tcpns)
BENCH_RM= # files in a directory the caller gave, removed at exit

die() { echo "$BENCH: $*" >&2; exit 1; }

bench_cleanup() {
	if [ -n "$INJ_PID" ] && kill -0 "$INJ_PID" 2>/dev/null; then
		kill -TERM "$INJ_PID" 2>/dev/null # a test run stops at a signal
		wait "$INJ_PID" 2>/dev/null
	fi
	if [ -n "$WRAP_PID" ] && kill -0 "$WRAP_PID" 2>/dev/null; then
		kill -TERM "$WRAP_PID" 2>/dev/null # the wrapper passes it on
		wait "$WRAP_PID" 2>/dev/null
	fi
	[[ $MADE == *tcpns* ]] && ip netns del "$NS-c" 2>/dev/null
	[[ $MADE == *" ns"* ]] && ip netns del "$NS" 2>/dev/null
	[[ $MADE == *mnt* ]] && umount "$OUT" 2>/dev/null
	[[ $MADE == *dir* ]] && rmdir "$OUT" 2>/dev/null
	[ -n "$BENCH_RM" ] && (cd "$OUT" 2>/dev/null && rm -f $BENCH_RM)
	return 0
}

# A tmpfs of its own at $OUT for the tools' files: at most PACKETS frames
# of up to 1.5 kB, 351 B on average.
bench_tmpfs() {
	mkdir "$OUT" || die "cannot create $OUT"
	MADE="$MADE dir"
	mount -t tmpfs -o size=$(( PACKETS / 1000000 * 400 + 1000 ))m tmpfs "$OUT" ||
		die "cannot mount a tmpfs on $OUT"
	MADE="$MADE mnt"
}

bench_netns() {
	ip netns add "$NS" || die "cannot create network namespace $NS"
	MADE="$MADE ns"
	ip -n "$NS" link add veth-a type veth peer name veth-b || die "cannot create the veth pair"
	# No IPv6 autoconfiguration: nothing but the injected packets on the wire.
	nsenter --net="$NSP" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$NS" link set veth-a up && ip -n "$NS" link set veth-b up
	# Frames redirected into veth-a reach veth-b only through its NAPI
	# context, which an XDP program on veth-b (pktscope's) or GRO turns
	# on.  GRO for every run, so that the kernel's receive path is the
	# same whichever tool listens; each template is its own flow, so GRO
	# merges nothing.
	nsenter --net="$NSP" "$INJECT" gro veth-b on || die "cannot turn GRO on for veth-b"
}

# Bulk TCP: a second namespace, $NS-c, with the client end of a veth pair
# (tcp-c, 198.51.100.1) whose server end (tcp-s, 198.51.100.2) is in $NS,
# where the tools listen.  GRO, GSO and TSO off on both ends: every frame
# on the veth is one full-size TCP segment (1514 bytes) or an ACK, as on
# a wire, and both tools see the same frames.
bench_tcp_netns() {
	ip netns add "$NS-c" || die "cannot create network namespace $NS-c"
	MADE="$MADE tcpns"
	ip link add tcp-c netns "$NS-c" type veth peer name tcp-s netns "$NS" ||
		die "cannot create the TCP veth pair"
	ip -n "$NS-c" addr add 198.51.100.1/24 dev tcp-c
	ip -n "$NS" addr add 198.51.100.2/24 dev tcp-s
	ip -n "$NS-c" link set tcp-c up && ip -n "$NS" link set tcp-s up &&
		ip -n "$NS" link set lo up && ip -n "$NS-c" link set lo up || die "cannot set up tcp-s"
	for f in gro gso tso; do
		nsenter --net="/run/netns/$NS-c" "$INJECT" offload tcp-c $f off &&
			nsenter --net="$NSP" "$INJECT" offload tcp-s $f off ||
			die "cannot turn $f off on the TCP veth pair"
	done
}

# rx + tx packets of an interface in $NS.
dev_packets() {
	nsenter --net="$NSP" awk -v d="$1" '{ sub(/^ +/, ""); split($0, f, /[: ]+/);
		if (f[1] == d) print f[3] + f[11] }' /proc/net/dev
}

# dd's rate writing 512 MiB to directory $1 with O_DIRECT (what the disk
# takes at best, written the way pktscope writes), in MB/s; "-" where
# O_DIRECT is refused (tmpfs).
disk_rate_dd() {
	local r
	r=$(dd if=/dev/zero of="$1/dd.bench" bs=2M count=256 oflag=direct 2>&1 |
		sed -n 's/^\([0-9]*\) bytes.*copied, \([0-9.]*\) s.*/\1 \2/p')
	rm -f "$1/dd.bench"
	[ -n "$r" ] && awk -v b="${r% *}" -v s="${r#* }" 'BEGIN { printf "%.0f", b / s / 1e6 }' ||
		echo -
}

# CPU ticks of ksoftirqd on the injecting CPU: softirq work the injector's
# own syscall handed over.
ksoftirqd_ticks() {
	local p
	p=$(pgrep -x "ksoftirqd/$INJ_CPU" | head -1)
	[ -n "$p" ] || { echo 0; return; }
	sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }'
}
# Busy ticks of the whole machine, every CPU and every task (kernel
# threads such as the writeback workers included): user, nice, system, irq,
# softirq, steal from the first line of /proc/stat.
machine_busy_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
rx_packets() {
	nsenter --net="$NSP" awk '{ sub(/^ +/, ""); split($0, f, /[: ]+/);
		if (f[1] == "veth-b") print f[3] }' /proc/net/dev
}
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }

# tool_start LABEL STDOUT TOOL [ARGS...]: runs the tool in the namespace
# on TOOL_CPU under `inject run` (rusage to $OUT/ru, stderr to $OUT/err)
# and waits for its "listening on" / "watching" line; sets WRAP_PID and
# TOOL_PID.
tool_start() {
	local label=$1 stdout=$2 i
	shift 2
	# nsenter and taskset exec: $! is the wrapper itself, not a subshell
	# (whose SIGINT a non-interactive shell ignores).
	nsenter --net="$NSP" taskset -c "$TOOL_CPU" "$INJECT" run -p "$OUT/pid" -o "$OUT/ru" \
		-- "$@" >"$stdout" 2>"$OUT/err" &
	WRAP_PID=$!
	for ((i = 0; i < 300; i++)); do
		if grep -qE 'listening on|watching' "$OUT/err" 2>/dev/null; then
			TOOL_PID=$(cat "$OUT/pid")
			return 0
		fi
		kill -0 "$WRAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$OUT/err" >&2
	die "$label did not start"
}

# As Ctrl-C: the tool reports and exits.
tool_stop() {
	kill -INT "$TOOL_PID"
	wait "$WRAP_PID"
	WRAP_PID=
}

# inject_send LABEL [ARGS...]: PACKETS packets into veth-a from INJ_CPU,
# inject's report in $OUT/inj.  In the background: a signal's trap runs
# during `wait`, not only after the injection.
inject_send() {
	local label=$1
	shift
	nsenter --net="$NSP" taskset -c "$INJ_CPU" "$INJECT" send -i veth-a -n "$PACKETS" "$@" \
		>"$OUT/inj" &
	INJ_PID=$!
	wait "$INJ_PID" || die "injection failed ($label)"
	INJ_PID=
}

# bench_medians "FIELDS" "CASES": R[case,field] becomes the median of
# R[case,field,round] over the ROUNDS rounds.
bench_medians() {
	local c f r
	for c in $2; do
		for f in $1; do
			R[$c,$f]=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R[$c,$f,$r]}"; done |
				sort -g | awk '{ v[NR] = $1 } END {
					print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
		done
	done
}
