#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (swiftc -sanitize=fuzzer,address).
#
#   Fuzz/run.sh SECONDS [request|zstd|policy|all]     default: 60 seconds, all targets
#
# Each target is compiled by a standalone swiftc invocation together with the sources of the module it
# fuzzes (DistProtocol; CompilerPolicy with CompilerArgs), so `swift build` never sees it and CI's normal build cannot break.
# Seeds: the golden wire captures of Tests/DistProtocolTests/Fixtures; new corpus entries accumulate in
# .build/fuzz/corpus-<target> (not committed). A crash leaves .build/fuzz/crash-* and exits non-zero.
# Prints one summary line per target: executions, execs/s, corpus size, crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
which=${2:-all}
out=.build/fuzz
mkdir -p "$out"
swiftc=${SWIFTC:-swiftc}
# -package-name: the modules' `package` declarations (LZO, Zstd) need one, as under SwiftPM.
common=(-sanitize=fuzzer,address -parse-as-library -swift-version 6 -O -g -package-name swift_distcc)

build() { # name module-sources... -- extra flags
  local name=$1; shift
  if [ "$name" = request ]; then
    "$swiftc" "${common[@]}" -module-name FuzzRequest -I Sources/CLZO -I Sources/CZstd -Xcc -I/usr/include/lzo \
      Sources/DistProtocol/*.swift Fuzz/Targets/RequestDecoderFuzz.swift -llzo2 -lzstd -o "$out/fuzz-request"
  elif [ "$name" = zstd ]; then
    "$swiftc" "${common[@]}" -module-name FuzzZstd -I Sources/CLZO -I Sources/CZstd -Xcc -I/usr/include/lzo \
      Sources/DistProtocol/*.swift Fuzz/Targets/ZstdFuzz.swift -llzo2 -lzstd -o "$out/fuzz-zstd"
  else
    # CompilerPolicy imports CompilerArgs (the response-file reader): built first, as a module of its own.
    "$swiftc" "${common[@]}" -module-name CompilerArgs -emit-module \
      -emit-module-path "$out/CompilerArgs.swiftmodule" -emit-library -static \
      -o "$out/libCompilerArgs.a" Sources/CompilerArgs/*.swift
    "$swiftc" "${common[@]}" -module-name FuzzPolicy -I "$out" \
      Sources/CompilerPolicy/*.swift Fuzz/Targets/CompilerPolicyFuzz.swift "$out/libCompilerArgs.a" \
      -o "$out/fuzz-policy"
  fi
}

seed() { # name
  local corpus="$out/corpus-$1"
  mkdir -p "$corpus"
  if [ "$1" = request ]; then
    for file in Tests/DistProtocolTests/Fixtures/*.bin; do
      [ -e "$file" ] || continue
      base=$(basename "$file")
      { printf '\x00\x40'; cat "$file"; } > "$corpus/seed-$base"
      case "$base" in *response*) { printf '\x04\x01'; cat "$file"; } > "$corpus/seed-r-$base" ;; esac
    done
    printf '\x03\x00int main(void) { return 0; }\n' > "$corpus/seed-lzo"
  elif [ "$1" = zstd ]; then
    # Frames with and without a content size, one with a checksum, and a round-trip seed.
    { printf '\x00'; printf 'int main(void) { return 0; }\n%.0s' 1 2 3 4 | zstd -q -c -1; } > "$corpus/seed-pipe"
    { printf '\x00'; head -c 3000 Docs/protocol.md | zstd -q -c -3 -C --content-size; } > "$corpus/seed-sized"
    { printf '\x01'; head -c 2000 Docs/protocol.md; } > "$corpus/seed-round"
  else
    printf 'gcc\n-c\nx.c\n-o\nx.o\n-O2\n-Wall\n-MD\n-MF\nx.d\n@r\xff-Ifoo -DX="a b"' > "$corpus/seed-1"
    printf 'gcc\n-c\nx.c\n-Wp,-MD,x.d\n-Wa,--noexecstack\n-Xclang\n-fno-pch-timestamp' > "$corpus/seed-2"
  fi
}

status=0
for name in request zstd policy; do
  [ "$which" = all ] || [ "$which" = "$name" ] || continue
  echo "== building fuzz-$name"
  if ! build "$name" >"$out/build-$name.log" 2>&1; then
    grep -E 'error' "$out/build-$name.log" | head -20
    exit 2
  fi
  seed "$name"
  echo "== fuzzing $name for ${seconds}s"
  log="$out/fuzz-$name.log"
  if ! (cd "$out" && "./fuzz-$name" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 "corpus-$name") >"$log" 2>&1; then
    status=1
    grep -E 'ERROR|Fatal|crash-|fatalError|SUMMARY' "$log" | head -20
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  corpus=$(ls "$out/corpus-$name" | wc -l)
  crashes=$(ls "$out" | grep -c '^crash-' || true)
  echo "fuzz-$name: $runs executions, $rate execs/s, corpus $corpus, crash files $crashes"
done
exit $status
