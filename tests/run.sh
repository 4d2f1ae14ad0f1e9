#!/usr/bin/env bash
# Runs the whole suite: every cmocka unit test binary and every integration
# script.  Each prints TAP lines ("ok ..." / "not ok ..."); this counts them
# and ends with one line: "N passed, N failed[, N skipped]".
# A program that exits non-zero without a "not ok" line counts as one failure,
# so a crash or a hang killed by the timeout is never silent.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LOG_DIR=$BUILD/test-logs
mkdir -p "$LOG_DIR"
pass=0 fail=0 skip=0
failed_names=()

run_one() { # name, timeout seconds, command...
	local name=$1 limit=$2 log="$LOG_DIR/$1.log" rc p f s
	shift 2
	echo "# --- $name"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout --kill-after=10 "$limit" "$@" </dev/null >"$log" 2>&1
	rc=$?
	cat "$log"
	# cmocka writes a skipped test as "not ok N - name # SKIP".
	s=$(grep -ciE '^(not )?ok .*# skip' "$log" || true)
	f=$(grep -E '^not ok ' "$log" | grep -civE '# skip' || true)
	p=$(grep -E '^ok ' "$log" | grep -civE '# skip' || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc (124 = timed out)"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
	return 0
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" 600 "$t"
done
for t in tests/integration/test_*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" 900 bash "$t"
done

[ ${#failed_names[@]} -gt 0 ] && echo "# failed: ${failed_names[*]} (logs in $LOG_DIR)"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
