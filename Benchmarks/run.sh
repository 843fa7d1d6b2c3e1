#!/bin/bash
# One command for the whole benchmark suite: builds our release binaries, then runs every scenario against
# Debian's distcc 3.4 in the same interleaved run and writes Docs/performance.md.
#   Benchmarks/run.sh            full run (under 15 minutes; the first one also prepares a Linux tree)
#   Benchmarks/run.sh --quick    about 2 minutes: fewer rounds, no Linux build
# Other options: --keep (keep the work directory), --only per_job,throughput,lzo,calc,linux,startup, --no-doc
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in distcc distccd; do
  [[ -x /usr/bin/$tool ]] || { echo "run.sh: /usr/bin/$tool missing: apt-get install distcc" >&2; exit 2; }
done
command -v valgrind >/dev/null || echo "run.sh: valgrind not installed: no instruction counts" >&2
swift build -c release --static-swift-stdlib --product distccd
# Our client is measured when it builds and compiles remotely with DISTCC_FALLBACK=0 (bench.py checks).
swift build -c release --static-swift-stdlib --product distcc ||
  echo "run.sh: our client does not build: measuring our daemon with 3.4's client only" >&2
BENCH_COMMIT=$(git rev-parse --short HEAD) exec python3 Benchmarks/bench.py "$@"
