#!/bin/sh
# Scheduling simulation (issue #9): our client and Debian's distcc 3.4 on the same loopback farms.
#   Benchmarks/scheduler/run.sh [--scenarios homogeneous,slow-first,...] [--rounds N]
# Builds the release binaries first; prints a line per build and the table; writes Docs/scheduling-results.md
# and Docs/scheduling-timeline.svg (the slow-first scenario). Needs gcc, make, python3; root or not.
set -e
cd "$(dirname "$0")/../.."
bin=$(Scripts/build-release.sh --product distcc --product distccd)
exec python3 Benchmarks/scheduler/simulate.py --distcc "$bin/distcc" --distccd "$bin/distccd" \
  --svg Docs/scheduling-timeline.svg --markdown Docs/scheduling-results.md --warm --with-legacy-chooser --rounds 3 "$@"
