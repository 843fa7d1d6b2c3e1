#!/bin/bash
# Client CPU per job for one large C++ translation unit (Qt's threads/mandelbrot/renderthread.cpp), full
# preprocessing (DISTCC_DIRECTIVES_ONLY=0) against directives-only, through our daemon on loopback, interleaved.
#   Benchmarks/directives-cpu.sh [ROUNDS] [JOBS_PER_ROUND]      (defaults 5 and 5)
# Environment: DISTCC_BIN (default: the release build of Scripts/build-release.sh); COMPILER=clang measures
# clang++ 14 (qmake -spec linux-clang), whose partial mode is -frewrite-includes (rewritten includes).
# Prints, per mode, the client's user+sys CPU per job (its preprocessor included: the client waits for it), the
# preprocessor's own CPU run alone, and their difference, as median [min–max] over rounds of per-round means.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
per_round=${2:-5}
compiler=${COMPILER:-gcc}
cxx=g++ partial=-fdirectives-only request_line="directives-only request" spec=()
if [[ $compiler == clang ]]; then
  cxx=clang++ partial=-frewrite-includes request_line="rewritten-includes request" spec=(-spec linux-clang)
fi
bin=${DISTCC_BIN:-$("$root/Scripts/build-release.sh" --product distcc --product distccd 2>/dev/null)}
work=$(mktemp -d /tmp/directives-cpu.XXXXXX)
daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cp -r /usr/lib/x86_64-linux-gnu/qt5/examples/corelib/threads/mandelbrot "$work/"
cd "$work/mandelbrot"
qmake "${spec[@]}" >/dev/null 2>&1
command=$(make -n 2>/dev/null | grep ' -c .* renderthread.cpp' | head -1 || true)
[[ -n $command ]] || { echo "directives-cpu.sh: no compile command for renderthread.cpp" >&2; exit 1; }
read -r -a words <<<"$command"
flags=("${words[@]:1}")
address=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
port=$(python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$address")
mkdir -p "$work/distcc-dir"
"$bin/distccd" --daemon --no-detach --listen "$address" --port "$port" --allow 127.0.0.0/8 --jobs 2 \
  --log-stderr --log-level info 2>"$work/distccd.log" &
daemon_pid=$!
for _ in $(seq 100); do grep -q "daemon started" "$work/distccd.log" 2>/dev/null && break; sleep 0.1; done
export DISTCC_HOSTS="$address:$port/2,lzo" DISTCC_DIR="$work/distcc-dir" DISTCC_FALLBACK=0
"$bin/distcc" $cxx "${flags[@]}" >/dev/null  # learns the announcement
# cpu_of COMMAND...: user+sys seconds of COMMAND and its waited-for children.
cpu_of() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'; }
preprocessor=()
skip=0
for word in "${flags[@]}"; do
  if ((skip)); then skip=0; continue; fi
  case $word in -o) skip=1 ;; -c) preprocessor+=(-E) ;; *) preprocessor+=("$word") ;; esac
done
declare -A samples
for round in $(seq "$rounds"); do
  for mode in full directives; do
    switch=0; extra=(); [[ $mode == directives ]] && { switch=1; extra=("$partial"); }
    client=0; cpp=0
    for _ in $(seq "$per_round"); do
      client=$(echo "$client + $(DISTCC_DIRECTIVES_ONLY=$switch cpu_of "$bin/distcc" $cxx "${flags[@]}")" | bc)
      cpp=$(echo "$cpp + $(cpu_of $cxx "${preprocessor[@]}" "${extra[@]}" -o "$work/cpp.out")" | bc)
    done
    samples[$mode,client]+="$(echo "scale=4; 1000 * $client / $per_round" | bc) "
    samples[$mode,cpp]+="$(echo "scale=4; 1000 * $cpp / $per_round" | bc) "
  done
done
used=$(grep -c "$request_line" "$work/distccd.log" || true)
sizes=$(for extra in "" "$partial"; do $cxx "${preprocessor[@]}" $extra -o - 2>/dev/null | wc -c; done | tr '\n' ' ')
summary() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "%.0f [%.0f–%.0f]", a[int((NR+1)/2)], a[1], a[NR]}'; }
echo "renderthread.cpp ($cxx), $rounds rounds x $per_round jobs per mode, interleaved; ms of user+sys CPU per job"
echo "preprocessor output bytes: full, $partial: $sizes"
for mode in full directives; do
  client=$(echo "${samples[$mode,client]}" | summary)
  cpp=$(echo "${samples[$mode,cpp]}" | summary)
  printf '%-11s client %-16s preprocessor alone %-16s\n' "$mode" "$client" "$cpp"
done
echo "daemon: $used ${request_line}s of $((rounds * per_round)) directives-mode jobs"
