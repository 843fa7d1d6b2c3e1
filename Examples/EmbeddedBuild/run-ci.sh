#!/usr/bin/env bash
# CI for the embedding example: builds `embedded-build`, then compiles Examples/calc with it twice: through a
# daemon this script starts on a loopback address (ours, stopped by its pid) and through a Server inside the
# example's own process. Each mode must compile every file and name the host of each object.
set -euo pipefail
cd "$(dirname "$0")/../.."

swift build --package-path Examples/EmbeddedBuild
tool=$(swift build --package-path Examples/EmbeddedBuild --show-bin-path)/embedded-build
swift build --product distccd
distccd=$(swift build --show-bin-path)/distccd

work=$(mktemp -d)
daemon=
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A free port on 127.0.0.3, as the kernel picks one.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.3", 0)); print(s.getsockname()[1])')
# (--log-stderr: as root the daemon runs jobs as the distcc user, who cannot open a file in $work.)
"$distccd" --daemon --no-detach --listen 127.0.0.3 --port "$port" --allow 127.0.0.0/8 \
  --log-stderr --log-level warning 2>"$work/distccd.log" &
daemon=$!
ready=0
for _ in $(seq 200); do
  if python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.3', $port)))"; then
    ready=1
    break
  fi
  sleep 0.05
done
[ "$ready" = 1 ] || { echo "distccd did not start listening"; cat "$work/distccd.log"; exit 1; }

sources=$(ls Examples/calc/src/*.c | wc -l)
check() {  # mode, output file: one line per object, each naming a host
  local lines
  lines=$(grep -c '\.o: ' "$2")
  [ "$lines" -eq "$sources" ] || { echo "$1: $lines object lines, expected $sources"; cat "$2"; exit 1; }
  if grep -q 'FAILED\|localhost' "$2"; then echo "$1: a compile failed or ran locally"; cat "$2"; exit 1; fi
  echo "embedded-build $1: $sources objects"
}

HOME="$work" "$tool" --hosts "127.0.0.3:$port/4" --jobs 4 --cflags "-O2 -Wall" Examples/calc/src \
  "$work/out-hosts" | tee "$work/hosts.txt"
check --hosts "$work/hosts.txt"
HOME="$work" "$tool" --in-process-daemon --jobs 4 --cflags "-O2 -Wall" Examples/calc/src \
  "$work/out-daemon" | tee "$work/daemon.txt"
check --in-process-daemon "$work/daemon.txt"
