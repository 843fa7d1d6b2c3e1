#!/bin/bash
# Slow-link benchmark: our distcc against Debian's 3.4 over an emulated network (Docs/performance.md, "Slow links").
#   Benchmarks/slowlink.sh                  three profiles, three rounds (6-8 minutes on a loaded 2-core machine)
#   Benchmarks/slowlink.sh --rounds 1 --profiles office --modes plain,ssh --no-doc     a quick look
# Needs root: two network namespaces (slowlink-c$$, slowlink-d$$, deleted on exit), TUN devices, an sshd.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "slowlink.sh: needs root (network namespaces, TUN devices, an sshd in a namespace): run it with sudo" >&2
  exit 2
fi
for tool in /usr/bin/distcc /usr/bin/distccd /usr/sbin/sshd /usr/bin/ssh /usr/sbin/ip /usr/bin/ping; do
  [[ -x $tool ]] || { echo "slowlink.sh: $tool missing: run Scripts/install-deps.sh" >&2; exit 2; }
done
namespaces=(slowlink-c$$ slowlink-d$$ slowlink-c$$p)
cleanup() {
  for ns in "${namespaces[@]}"; do
    [[ -e /run/netns/$ns ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
Scripts/build-release.sh --product distccd --product distcc >/dev/null
BENCH_COMMIT=$(git rev-parse --short HEAD) python3 Benchmarks/slowlink.py --netns "${namespaces[0]}" "${namespaces[1]}" "$@"
