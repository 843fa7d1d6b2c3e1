#!/bin/bash
# Prepares a configured Linux 6.1 tree (Debian's linux-source-6.1) for the real-build scenario.
# Usage: Benchmarks/prepare-linux.sh CACHE_DIR   -> tree in CACHE_DIR/linux-source-6.1, timing in CACHE_DIR/prepare.txt
# Idempotent: a tree that is already prepared is left alone.
set -euo pipefail
cache=$1
tree=$cache/linux-source-6.1
if [[ -f $tree/.bench-prepared ]]; then exit 0; fi
need=()
for pkg in linux-source-6.1 flex bison bc libelf-dev libssl-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "installing ${need[*]} (apt)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2
fi
mkdir -p "$cache"
rm -rf "$tree"
start=$(date +%s.%N)
tar -C "$cache" -xaf /usr/src/linux-source-6.1.tar.xz
extracted=$(date +%s.%N)
make -C "$tree" -s defconfig >&2
make -C "$tree" -s -j"$(nproc)" prepare >&2
prepared=$(date +%s.%N)
printf 'extract %.1f\nprepare %.1f\n' "$(echo "$extracted - $start" | bc)" "$(echo "$prepared - $extracted" | bc)" \
  >"$cache/prepare.txt"
touch "$tree/.bench-prepared"
