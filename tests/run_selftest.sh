#!/usr/bin/env bash
# The runner (tests/run.sh, tests/tapsum.pl) against programs that break the
# rules it must catch: tests/run.sh runs a made-up suite of them (unit test
# sources and binaries, integration scripts, in a temporary folder) and its
# closing line and its "not ok" lines must be what each deserves, outside
# CI and under CI=true.  TAP on standard output; run.sh runs it first.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/run-selftest.XXXXXX)
trap "cp -r \"$T\" /tmp/rn_selftest_keep; rm -rf \"$T\"" EXIT
n=0 bad=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $*"; }
check_eq() { # description, expected, got
	if [ "$2" == "$3" ]; then ok "$1"; else
		nok "$1"
		printf '#   expected: %s\n#        got: %s\n' "$2" "$3"
	fi
}
has_line() { # description, file, fixed string a line must hold
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		nok "$1"
		echo "#   no line with: $3"
	fi
}

mkdir -p "$T/unit" "$T/it" "$T/build/tests"
# Unit tests: one built (prints TAP as cmocka does, a skip as "not ok ..
# # SKIP"), one whose binary is missing.
: >"$T/unit/test_built.c"
: >"$T/unit/test_unbuilt.c"
cat >"$T/build/tests/test_built" <<'EOF'
#!/bin/sh
echo "1..3"
echo "ok 1 - first"
echo "ok 2 - second"
echo "not ok 3 # SKIP no O_DIRECT here"
EOF
chmod +x "$T/build/tests/test_built"

it() { cat >"$T/it/test_$1.sh"; } # name: an integration script from stdin
it whole <<'EOF'
echo "ok 1 - a"; echo "ok 2 - b"; echo "ok 3 - c"; echo "1..3"
EOF
it died_after_three <<'EOF'
echo "1..5"; echo "ok 1 - a"; echo "ok 2 - b"; echo "ok 3 - c"; exit 0
EOF
it silent <<'EOF'
exit 0
EOF
it crashed <<'EOF'
echo "ok 1 - a"; echo "ok 2 - b"; kill -s SEGV $$
EOF
it status_only <<'EOF'
echo "ok 1 - a"; echo "ok 2 - b"; echo "1..2"; exit 1
EOF
it one_failed <<'EOF'
echo "1..2"; echo "ok 1 - a"; echo "not ok 2 - b"; exit 1
EOF
it skips <<'EOF'
echo "ok 1 - skip the third step"
echo "ok 2 - the VLAN checks # skip no 802.1Q here"
echo "ok 3 - the clang checks # SKIP no clang"
echo "1..3"
EOF
it skip_all <<'EOF'
echo "1..0 # SKIP missing tools: nfdump"
EOF
it stderr_is_not_tap <<'EOF'
echo "1..1"; echo "ok 1 - a"; echo "ok 2 - on stderr" >&2; echo "not ok 3 - on stderr" >&2
EOF
it bailed <<'EOF'
echo "1..3"; echo "ok 1 - a"; echo "Bail out! the namespace is gone"; exit 1
EOF
it out_of_order <<'EOF'
echo "ok 1 - a"; echo "ok 3 - c"; echo "1..2"
EOF

suite() { # label, extra environment...: runs the made-up suite
	local label=$1
	shift
	env "$@" RUN_SELFTEST=0 BUILD="$T/build" UNIT_SRC="$T/unit" IT_SRC="$T/it" \
		bash "$ROOT/tests/run.sh" >"$T/$label.out" 2>&1
	echo $? >"$T/$label.rc"
}
suite plain CI=
suite ci CI=true

# Outside CI.  Passed: built 2, whole 3, died_after_three 3, crashed 2,
# status_only 2, one_failed 1, skips 3 ("skip the third step" is no
# directive... it passes; the two directives skip), stderr_is_not_tap 1,
# bailed 1, out_of_order 2  => 2+3+3+2+2+1+1+1+1+2 = 18.
# Failed: unbuilt 1, died_after_three 1, silent 1, crashed 1, status_only 1,
# one_failed 1, bailed 1, out_of_order 1 => 8.
# Skipped: built 1, skips 2, skip_all 1 => 4.
O=$T/plain.out
check_eq "plain: the closing line" "18 passed, 8 failed, 4 skipped" "$(tail -n 1 "$O")"
check_eq "plain: exit status 1" 1 "$(cat "$T/plain.rc")"
has_line "plain: a unit test binary missing from the build fails" "$O" \
	"not ok - test_unbuilt: $T/build/tests/test_unbuilt is missing"
has_line "plain: 3 results of a plan of 5, exit 0, fails" "$O" \
	"not ok - test_died_after_three: Bad plan.  You planned 5 tests but ran 3."
has_line "plain: a script that prints nothing fails" "$O" "not ok - test_silent: No plan found in TAP output"
has_line "plain: a script killed after two results fails" "$O" \
	"not ok - test_crashed: killed by signal 11 (exit status 139)"
has_line "plain: a non-zero exit without a failed check fails" "$O" \
	"not ok - test_status_only: exited with status 1 without a failed check"
has_line "plain: Bail out! fails" "$O" "not ok - test_bailed: Bail out! the namespace is gone"
has_line "plain: results out of sequence fail" "$O" \
	"not ok - test_out_of_order: Tests out of sequence.  Found (3) but expected (2)"
check_eq "plain: a failed check with its exit status 1 is one failure, no runner line" "" \
	"$(grep -F 'not ok - test_one_failed:' "$O")"
check_eq "plain: \"ok 2 - on stderr\" on standard error is not read as TAP" "" \
	"$(grep -F 'not ok - test_stderr_is_not_tap:' "$O")"
has_line "plain: standard error is shown" "$O" "# stderr: not ok 3 - on stderr"
check_eq "plain: the failed programs, named" \
	"# failed: test_unbuilt test_bailed test_crashed test_died_after_three test_one_failed test_out_of_order test_silent test_status_only (logs in $T/build/test-logs)" \
	"$(grep '^# failed: ' "$O")"

# Under CI=true every skipped check is a failed one: the 4 skips fail.
# (No description here may hold a hash mark: "# SKIP" in one is the
# directive.)
O=$T/ci.out
check_eq "CI=true: the closing line (the 4 skips fail)" "18 passed, 12 failed" "$(tail -n 1 "$O")"
has_line "CI=true: the skipped directive fails, with its reason" "$O" \
	"not ok - test_skips: CI=true: 2 check(s) skipped count as failed: - the VLAN checks: no 802.1Q here; - the clang checks: no clang"
has_line "CI=true: a plan 1..0 with the SKIP directive fails, with its reason" "$O" \
	"not ok - test_skip_all: CI=true: 1 check(s) skipped count as failed: every check: missing tools: nfdump"
has_line "CI=true: cmocka's skip (not ok, with the SKIP directive) fails" "$O" \
	"not ok - test_built: CI=true: 1 check(s) skipped count as failed"

echo "1..$n"
[ "$bad" -eq 0 ]
