#!/bin/bash
# One command for the whole benchmark suite: builds our release binaries, then runs every scenario against
# Debian's distcc 3.4 in the same interleaved run and writes Docs/performance.md.
#   Benchmarks/run.sh            full run (under 15 minutes; the first one also prepares a Linux tree)
#   Benchmarks/run.sh --quick    about 2 minutes: fewer rounds, no Linux build
#   Benchmarks/run.sh --realcpp  real C++ (Qt 5 corelib examples) through distcc 3.4, ours, ours under pump and
#                                icecream 1.4 in network namespaces (Benchmarks/realcpp.py; --rounds, --systems)
# Other options: --keep (keep the work directory), --only per_job,throughput,lzo,calc,linux,startup,sizes, --no-doc
# Pump mode has its own: Benchmarks/pump/run.sh [--only cpu,plateau,latency] (its own section of Docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in distcc distccd; do
  [[ -x /usr/bin/$tool ]] || { echo "run.sh: /usr/bin/$tool missing: apt-get install distcc" >&2; exit 2; }
done
if [[ "${1:-}" == --realcpp ]]; then
  shift
  for tool in icecc iceccd icecc-scheduler qmake unshare ip; do
    command -v $tool >/dev/null || { echo "run.sh: $tool missing: Scripts/install-deps.sh" >&2; exit 2; }
  done
  Scripts/build-release.sh --product distccd --product distcc --product distcc-pump \
    --product distcc-include-server >/dev/null
  BENCH_COMMIT=$(git rev-parse --short HEAD) exec python3 Benchmarks/realcpp.py "$@"
fi
command -v valgrind >/dev/null || echo "run.sh: valgrind not installed: no instruction counts" >&2
# The binaries as shipped (static Swift runtime and, where installed, static libstdc++).
Scripts/build-release.sh --product distccd --product distcc >/dev/null
BENCH_COMMIT=$(git rev-parse --short HEAD) exec python3 Benchmarks/bench.py "$@"
