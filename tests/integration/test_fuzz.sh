#!/usr/bin/env bash
# The libFuzzer harnesses (fuzz/), each for a short bounded run: the seeds
# and regression inputs in fuzz/corpus are replayed, then the harness
# fuzzes FUZZ_TEST_SECONDS (default 18) more.  One TAP line per harness;
# a crash, a leak, undefined behaviour or a disagreement with libpcap,
# the kernel or the RFC decoder fails it (see fuzz/run.sh).  `make fuzz`
# runs them longer.  Needs root and the harnesses built (make tests).
set -u
cd "$(dirname "$0")/../.."
exec fuzz/run.sh -t "${FUZZ_TEST_SECONDS:-18}"
