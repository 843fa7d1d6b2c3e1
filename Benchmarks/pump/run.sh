#!/bin/sh
# Pump-mode benchmarks (issue #15): client CPU of a Linux build, the simulated plateau, include-server latency.
#   Benchmarks/pump/run.sh [--only cpu,plateau,latency] [--rounds N] [--farm 1,2,4,8,16] [--sleep-ms 500]
# Builds the release binaries first; writes Benchmarks/results/pump.json and the pump section of
# Docs/performance.md. Needs linux-source-6.1 (prepared once by Benchmarks/prepare-linux.sh), qtbase5-examples,
# Debian's distcc; run as root or not.
set -e
cd "$(dirname "$0")/../.."
bin=$(Scripts/build-release.sh --product distcc --product distccd --product distcc-pump \
  --product distcc-include-server)
BENCH_COMMIT=$(git rev-parse --short HEAD) exec python3 Benchmarks/pump/pump.py --bin "$bin" "$@"
