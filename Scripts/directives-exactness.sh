#!/bin/bash
# Directives-only exactness on real code (Docs/distcc.md "Directives-only preprocessing"): builds Qt 5's corelib
# examples and a Linux 6.1 subset twice in the same directory, locally and through our distcc and distccd
# (directives-only negotiated), and compares every object byte for byte and the builds' standard error.
#   Scripts/directives-exactness.sh [WORKDIR]       (default: a new directory under /tmp, removed afterwards)
# Environment: DISTCC_BIN (default .build/debug), LINUX_CACHE (a tree prepared by Benchmarks/prepare-linux.sh;
# default /tmp/directives-linux, prepared when missing), JOBS (make -j, default 2).
# Configurations: no -g; "-g -gno-record-gcc-switches" (directives-only); plain -g (falls back to full cpp).
# PROJECTS (default "qt linux") and CONFIGS (default "none norecord g warn") choose a part; "warn" adds
# -Wconversion -Wshadow -Wundef (-Wno-error: Linux builds with -Werror) so that the standard errors are long.
# Source excerpts under diagnostics are switched off (-fno-diagnostics-show-caret) and columns counted in bytes
# (-fdiagnostics-column-unit=byte) in both builds: a daemon has not the files to quote or to expand tabs in
# (gcc's default display columns), in either mode, as with 3.4.
# COMPILER=clang builds with Debian's clang 14 instead (qmake -spec linux-clang, CC=clang), whose jobs are
# sent as rewritten includes (-frewrite-includes); its configurations: none, "-g -gdwarf-4" (rewritten),
# plain -g (DWARF 5: falls back to full cpp) and warn; clang's diagnostics are compared with their excerpts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${DISTCC_BIN:-$root/.build/debug}
jobs=${JOBS:-2}
compiler=${COMPILER:-gcc}
linux_cache=${LINUX_CACHE:-/tmp/directives-linux}
work=${1:-}
own_work=0
if [[ -z $work ]]; then work=$(mktemp -d /tmp/directives-exactness.XXXXXX); own_work=1; fi
mkdir -p "$work"
daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  if ((own_work)); then rm -rf "$work"; fi
}
trap cleanup EXIT

address=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
port=$(python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$address")
mkdir -p "$work/distcc-dir" "$work/tmp"
"$bin/distccd" --daemon --no-detach --listen "$address" --port "$port" --allow 127.0.0.0/8 --jobs 4 \
  --log-stderr --log-level info 2>"$work/distccd.log" &
daemon_pid=$!
for _ in $(seq 100); do grep -q "daemon started" "$work/distccd.log" 2>/dev/null && break; sleep 0.1; done
export DISTCC_HOSTS="$address:$port/4" DISTCC_DIR="$work/distcc-dir" DISTCC_FALLBACK=0 TMPDIR="$work/tmp"
# 1: clang jobs too (rewritten includes are asked for, gcc's directives-only mode is the default).
export DISTCC_DIRECTIVES_ONLY=1
# One job to learn what the daemon announces (XCAP), as any client does.
printf 'int x;\n' >"$work/probe.c"
(cd "$work" && "$bin/distcc" "$compiler" -c probe.c -o probe.o)
[[ -s $(ls "$work"/distcc-dir/caps/xcap_* 2>/dev/null | head -1) ]] || { echo "no announcement learned" >&2; exit 1; }

projects=${PROJECTS:-qt linux}
configs=()
for name in ${CONFIGS:-none norecord g warn}; do
  case $name in
  none) configs+=("") ;;
  norecord) if [[ $compiler == clang ]]; then configs+=("-g -gdwarf-4"); else configs+=("-g -gno-record-gcc-switches"); fi ;;
  g) configs+=("-g") ;;
  warn) configs+=("-Wconversion -Wshadow -Wundef -Wno-error") ;; # many warnings, many in macro expansions
  esac
done

remote_blind="-fno-diagnostics-show-caret -fdiagnostics-column-unit=byte"
request_line="directives-only request"
cxx=g++ cc=gcc qmake_spec=()
if [[ $compiler == clang ]]; then
  remote_blind= request_line="rewritten-includes request" cxx=clang++ cc=clang qmake_spec=(-spec linux-clang)
fi

requests() { grep -c "$request_line" "$work/distccd.log" || true; }
jobs_done() { grep -c "COMPILE_OK\|COMPILE_ERROR" "$work/distccd.log" || true; }

# compare NAME TREE CLEAN_FUNCTION BUILD_FUNCTION: local build, objects kept, clean, distributed build, compare.
compare() {
  local name=$1 tree=$2 clean=$3 build=$4
  local out="$work/results/$name"
  rm -rf "$out"; mkdir -p "$out/local" "$out/remote"
  $clean
  touch "$out/local-start"
  (cd "$tree" && $build local) 2>"$out/local.err" >/dev/null
  (cd "$tree" && find "${scan[@]}" -name '*.o' -newer "$out/local-start" -print0 | xargs -0r cp --parents -t "$out/local")
  $clean
  local before_requests before_jobs
  before_requests=$(requests); before_jobs=$(jobs_done)
  touch "$out/remote-start"
  (cd "$tree" && $build remote) 2>"$out/remote.err" >/dev/null
  (cd "$tree" && find "${scan[@]}" -name '*.o' -newer "$out/remote-start" -print0 | xargs -0r cp --parents -t "$out/remote")
  local total same
  total=$(cd "$out/local" && find . -name '*.o' | wc -l)
  same=0
  while IFS= read -r -d '' object; do
    cmp -s "$out/local/$object" "$out/remote/$object" && same=$((same + 1)) || echo "  differs: $object"
  done < <(cd "$out/local" && find . -name '*.o' -print0)
  local stderr="identical"
  if ! diff -q <(sort "$out/local.err") <(sort "$out/remote.err") >/dev/null; then
    stderr="DIFFERENT ($(diff <(sort "$out/local.err") <(sort "$out/remote.err") | grep -c '^[<>]' || true) lines)"
  fi
  printf '%-34s objects identical %4d/%-4d remote jobs %4d, %s %4d; stderr %s (%d lines)\n' \
    "$compiler $name" "$same" "$total" $(($(jobs_done) - before_jobs)) "${request_line% request}" $(($(requests) - before_requests)) "$stderr" \
    "$(wc -l <"$out/local.err")"
}

# Qt 5 corelib examples (a copy; qmake, then make with CXX).
if [[ " $projects " == *" qt "* ]]; then
qt=$work/qt/corelib
mkdir -p "$work/qt"
rm -rf "$work/qt/corelib"
cp -r /usr/lib/x86_64-linux-gnu/qt5/examples/corelib "$work/qt/"
qt_flags=
qt_clean() { (cd "$qt" && find . -name '*.o' -delete); }
qt_build() {
  local command=$cxx
  [[ $1 == remote ]] && command="$bin/distcc $cxx"
  make -k -j"$jobs" CXX="$command" >/dev/null
}
scan=(.)
for config in "${configs[@]}"; do
  (cd "$qt" && qmake -r "${qmake_spec[@]}" "QMAKE_CXXFLAGS+=$config $remote_blind" >/dev/null 2>&1)
  compare "qt-corelib ${config:-no -g}" "$qt" qt_clean qt_build
done
fi

# Linux 6.1 subset (Benchmarks/bench.py's LINUX_SUBSET).
[[ " $projects " == *" linux "* ]] || exit 0
bash "$root/Benchmarks/prepare-linux.sh" "$linux_cache"
linux=$linux_cache/linux-source-6.1
subset=(lib/zlib_inflate lib/zlib_deflate lib/lzo lib/lz4 lib/xz lib/math)
linux_flags=
linux_clean() {
  for dir in "${subset[@]}"; do
    find "$linux/$dir" \( -name '*.o' -o -name '*.a' -o -name '*.o.cmd' -o -name '*.a.cmd' -o -name '*.o.d' \) -delete
  done
}
linux_build() {
  local command=$cc
  [[ $1 == remote ]] && command="$bin/distcc $cc"
  make -j"$jobs" CC="$command" KCFLAGS="$linux_flags $remote_blind" "${subset[@]/%//}" >/dev/null
}
scan=("${subset[@]}")
for config in "${configs[@]}"; do
  linux_flags=$config
  compare "linux-6.1 subset ${config:-no -g}" "$linux" linux_clean linux_build
done
linux_clean
