#!/usr/bin/env bash
# Runs the libFuzzer harnesses built in $BUILD/fuzz (make fuzz-build), each
# for a bounded time from its seeds in fuzz/corpus/<harness>, and prints
# one TAP line per harness, then the plan.
#
#   fuzz/run.sh [-t SECONDS] [-k] [HARNESS...]
#     -t SECONDS  per harness (default 120)
#     -k          keep what the fuzzer finds new in $BUILD/fuzz/work/<harness>
#                 and start from it next time (make fuzz); without -k, a
#                 scratch directory is used and removed
#
# The seeds in the repository are replayed first, every time: the
# regression inputs (fuzz/corpus/*/regress-*) among them.  A crash, a
# leak, undefined behaviour, an input running over FUZZ_TIMEOUT seconds
# (default 25), or a harness's own "FUZZ FAILURE" (pktscope disagreeing
# with libpcap, the kernel or the RFC) fails the harness: the input is
# saved in $BUILD/fuzz/artifacts/<harness>/ and the report's first lines
# are shown.  Reproduce with $BUILD/fuzz/<harness> <input>.
# Needs root (the filter harnesses load BPF programs).  Exit status 0 when
# every harness passed.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
secs=120
keep=0
while getopts "t:k" o; do
	case $o in
	t) secs=$OPTARG ;;
	k) keep=1 ;;
	*) echo "usage: fuzz/run.sh [-t SECONDS] [-k] [HARNESS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))

if [ $# -gt 0 ]; then
	harnesses=("$@")
else
	harnesses=()
	for s in fuzz/fuzz_*.c; do
		h=$(basename "$s" .c)
		harnesses+=("$h")
	done
fi

FZ=$BUILD/fuzz
mkdir -p "$FZ/logs"
# Files the harnesses write (capture files, rotations): a directory of
# this run's on a tmpfs and one on the disk (direct I/O), both removed.
export FUZZ_TMPDIR FUZZ_DISK_TMPDIR
FUZZ_TMPDIR=$(mktemp -d /dev/shm/pktscope-fuzz.XXXXXX)
FUZZ_DISK_TMPDIR=$(mktemp -d /var/tmp/pktscope-fuzz.XXXXXX)
scratch=()
cleanup() {
	rm -rf "$FUZZ_TMPDIR" "$FUZZ_DISK_TMPDIR"
	[ ${#scratch[@]} -gt 0 ] && rm -rf "${scratch[@]}"
}
trap cleanup EXIT
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

n=0 failed=0
for h in "${harnesses[@]}"; do
	n=$((n + 1))
	bin=$FZ/$h
	seeds=fuzz/corpus/$h
	log=$FZ/logs/$h.log
	art=$FZ/artifacts/$h
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "not ok $n - $h: no $bin or no $seeds (make fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	if [ $keep = 1 ]; then
		work=$FZ/work/$h
		mkdir -p "$work"
	else
		work=$(mktemp -d "/tmp/pktscope-fuzz-$h.XXXXXX")
		scratch+=("$work")
	fi
	mkdir -p "$art"
	# fuzz/<harness>.dict: words for libFuzzer; fuzz/<harness>.options:
	# its own flags (one line).
	dict=()
	[ -f "fuzz/$h.dict" ] && dict=(-dict="fuzz/$h.dict")
	[ -f "fuzz/$h.options" ] && read -r -a more <"fuzz/$h.options" && dict+=("${more[@]}")
	# New inputs go to the first directory: never the repository's.
	"$bin" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-25}" -rss_limit_mb=3072 \
		-print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" \
		"$work" "$seeds" </dev/null >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1)
	nseeds=$(find "$seeds" -type f | wc -l)
	if [ $rc -eq 0 ] && ! grep -aq '^FUZZ FAILURE\|ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\)\|runtime error:' "$log"; then
		echo "ok $n - $h: ${runs:-?} inputs in ${secs} s (${rate:-?}/s), $nseeds seeds replayed, ${cov:-cov ?}"
	else
		failed=$((failed + 1))
		saved=$(sed -n "s/.*Test unit written to \(.*\)/\1/p" "$log" | tail -1)
		echo "not ok $n - $h: exit status $rc; input saved in ${saved:-(none)}; log $log"
		# What failed, and where in pktscope's and the harness's code.
		{
			grep -a -m 4 '^FUZZ FAILURE\|ERROR:\|SUMMARY:\|runtime error:' "$log"
			grep -a -m 4 -E '^ +#[0-9]+ .*/(src|fuzz|tests)/[a-z_/]+\.c' "$log"
		} | sed 's/^/#   /'
	fi
done
echo "1..$n"
[ $failed -eq 0 ]
