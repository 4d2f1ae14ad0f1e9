#!/usr/bin/env bash
# Runs the whole suite: the runner's own self-test, every cmocka unit test
# binary and every integration script.  Each prints TAP on standard output;
# tests/tapsum.pl reads it with TAP::Parser and holds it to its plan, and
# this ends with one line: "N passed, N failed[, N skipped]".
#
# Counted as failures besides the "not ok" lines (see tapsum.pl): a program
# whose results are not its plan (it died after some, printed none, or lost
# some), that bailed out, or that exited non-zero without a failed check (a
# crash, or a hang killed by the timeout); a unit test binary missing from
# the build (each tests/unit/test_X.c must have its $BUILD/tests/test_X);
# under CI (CI=true), every skipped check.  A program's standard error is
# shown after its TAP, never read as TAP (TAP14: only standard output is).
#
# For the self-test (tests/run_selftest.sh): UNIT_SRC and IT_SRC name the
# folders of unit test sources and integration scripts, RUN_SELFTEST=0
# leaves the self-test out.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
UNIT_SRC=${UNIT_SRC:-tests/unit}
IT_SRC=${IT_SRC:-tests/integration}
TAPSUM=$PWD/tests/tapsum.pl
LOG_DIR=$BUILD/test-logs
mkdir -p "$LOG_DIR"
pass=0 fail=0 skip=0
failed_names=()

note_failure() { # name, reason: one failure that is no program's check
	echo "not ok - $1: $2"
	fail=$((fail + 1))
	failed_names+=("$1")
}

run_one() { # name, timeout seconds, command...
	local name=$1 limit=$2 tap="$LOG_DIR/$1.tap" err="$LOG_DIR/$1.err" rc verdict counts p f s
	shift 2
	echo "# --- $name"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout --kill-after=10 "$limit" "$@" </dev/null >"$tap" 2>"$err"
	rc=$?
	cat "$tap"
	[ -s "$err" ] && sed 's/^/# stderr: /' "$err"
	if ! verdict=$(perl "$TAPSUM" "$tap" "$rc" "$limit" 2>&1); then
		note_failure "$name" "tapsum.pl could not read its output: $verdict"
		return 0
	fi
	counts=$(tail -n 1 <<<"$verdict")
	grep -v '^[0-9]* [0-9]* [0-9]*$' <<<"$verdict" | sed "s/^not ok - /not ok - $name: /"
	read -r p f s <<<"$counts"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
	return 0
}

if [ "${RUN_SELFTEST:-1}" != 0 ]; then
	run_one run_selftest 300 bash tests/run_selftest.sh
fi

nunit=0
for src in "$UNIT_SRC"/test_*.c; do
	[ -f "$src" ] || continue
	nunit=$((nunit + 1))
	t=$BUILD/tests/$(basename "$src" .c)
	if [ ! -x "$t" ]; then
		note_failure "$(basename "$t")" "$t is missing: $src was not built (make tests)"
		continue
	fi
	run_one "$(basename "$t")" 600 "$t"
done
[ "$nunit" -gt 0 ] || note_failure unit "no unit test sources in $UNIT_SRC"

nit=0
for t in "$IT_SRC"/test_*.sh; do
	[ -f "$t" ] || continue
	nit=$((nit + 1))
	run_one "$(basename "$t" .sh)" 900 bash "$t"
done
[ "$nit" -gt 0 ] || note_failure integration "no integration scripts in $IT_SRC"

[ ${#failed_names[@]} -gt 0 ] && echo "# failed: ${failed_names[*]} (logs in $LOG_DIR)"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
