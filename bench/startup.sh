#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# How long each pktscope command takes over a small file, end to end (load,
# verify, read, report, exit), against tcpdump -r of the same file measured
# in the same run: medians of ROUNDS runs each, and the ratio.  Most of a
# command's start-up is the verifier's work on the datapath program.
#
#   make bench-startup            ROUNDS=21 PACKETS=100 (a 30 KB file)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PS=$(realpath "$BUILD/pktscope")
ROUNDS=${ROUNDS:-21}
PACKETS=${PACKETS:-100}
DIR=$(mktemp -d /tmp/ps-startup.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench-startup: run as root (the commands load BPF programs)" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "bench-startup: tcpdump is not installed" >&2; exit 2; }

"$BUILD/tools/mkpcap" --mix "$PACKETS" --seed 1 "$DIR/small.pcap" >/dev/null

# ms, the median of ROUNDS runs of the command
median_ms() {
	local i t0 t1 all=()
	for ((i = 0; i < ROUNDS; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>"$DIR/err" || {
			# A command that fails is not fast: stop, saying what it said.
			echo "bench-startup: '$*' failed:" >&2
			cat "$DIR/err" >&2
			exit 1
		}
		t1=$(date +%s%N)
		all+=($(((t1 - t0) / 1000)))
	done
	printf '%s\n' "${all[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'
}

echo "# $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $PACKETS packets, $ROUNDS rounds (medians)"
base=$(median_ms tcpdump -r "$DIR/small.pcap" -n)
printf '%-44s %8s ms\n' "tcpdump -r small.pcap -n (baseline)" "$base"
for c in "stats -r small.pcap" "stats -r small.pcap --hook tc" "watch -r small.pcap -n" \
	"watch -r small.pcap -n tcp" "capture -r small.pcap -w out.pcap" "flows -r small.pcap --json"; do
	# shellcheck disable=SC2086
	t=$(cd "$DIR" && median_ms "$PS" $c)
	printf '%-44s %8s ms  %5.1fx tcpdump\n' "pktscope $c" "$t" "$(awk -v a="$t" -v b="$base" 'BEGIN { print a / b }')"
done
