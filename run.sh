#!/usr/bin/env bash
# The main job: set up what is missing, build, and run `pktscope stats` on
# the interface of the default route (or with the arguments given).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh run
exec build/pktscope stats "$@"
