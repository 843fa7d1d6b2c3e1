#!/usr/bin/env bash
# The main job, end to end on one machine:
#   1. installs what is missing (Debian packages),
#   2. builds release binaries (static Swift standard library),
#   3. starts our distccd on two loopback addresses,
#   4. builds the sample C project (Examples/calc) through our distcc with make -j8,
#   5. shows that the objects came from the daemons (their job log, and the objects equal a local build's),
#   6. stops the daemons by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

./Scripts/install-deps.sh
echo "== building release binaries (static Swift runtime; Scripts/build-release.sh)"
bin="$(Scripts/build-release.sh --product distcc --product distccd)"

work=$(mktemp -d /tmp/swift-distcc-main-job.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hosts=""
for addr in 127.0.0.2 127.0.0.3; do
  port=$(free_port)
  "$bin/distccd" --daemon --no-detach --listen "$addr" --port "$port" --allow 127.0.0.0/8 --jobs 4 \
    --log-stderr --log-level info 2>"$work/distccd-$addr.log" &
  pids+=($!)
  for _ in $(seq 100); do grep -q ":$(printf '%04X' "$port") .* 0A " /proc/net/tcp && break; sleep 0.05; done
  hosts+="$addr:$port,lzo "
  echo "== distccd (pid ${pids[-1]}) listening on $addr:$port"
done

echo "== building Examples/calc through distcc (DISTCC_HOSTS=\"$hosts\")"
cp -r Examples/calc "$work/calc"
mkdir -p "$work/distcc-dir"   # like 3.4, the client does not create a DISTCC_DIR that is set but missing
DISTCC_HOSTS="$hosts" DISTCC_DIR="$work/distcc-dir" DISTCC_FALLBACK=0 DISTCC_VERBOSE=0 \
  make -C "$work/calc" -j8 CC="$bin/distcc gcc" OBJDIR=build check

echo "== the same project built locally, for comparison"
make -s -C "$work/calc" CC=gcc OBJDIR=local-build local-build/calc >/dev/null
for obj in "$work"/calc/build/*.o; do
  cmp -s "$obj" "$work/calc/local-build/$(basename "$obj")" || { echo "differs: $obj"; exit 1; }
done
echo "objects identical to a local build: $(ls "$work"/calc/build/*.o | wc -l)"

echo "== what the daemons did"
total=0
for addr in 127.0.0.2 127.0.0.3; do
  n=$(grep -c 'COMPILE_OK' "$work/distccd-$addr.log" || true)
  total=$((total + n))
  echo "$addr: $n jobs compiled"
  grep 'COMPILE_OK' "$work/distccd-$addr.log" | sed 's/^/    /' || true
done
objects=$(ls "$work"/calc/build/*.o | wc -l)
if [ "$total" -ne "$objects" ]; then
  echo "expected $objects remote compiles, the daemons logged $total" >&2
  exit 1
fi
echo "== done: $total of $objects objects compiled by the daemons; stopping them"
