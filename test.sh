#!/usr/bin/env bash
# The whole test suite: set up what is missing, build, run every test.
# Ends with the line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh test
exec tests/run.sh
