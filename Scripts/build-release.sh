#!/usr/bin/env bash
# Builds the release binaries as we ship them: the Swift runtime linked statically
# (--static-swift-stdlib) and, where their static archives are installed, libstdc++ and liblzo2 too, so that
# the client starts without loading or relocating any C++, Swift or LZO shared library (Docs/performance.md:
# loading liblzo2.so cost 0.07-0.2 ms of a 2.4 ms job). The archives are found first because a directory
# holding only them comes first on the linker's search path (-lstdc++ and the modulemap's -llzo2).
#   Scripts/build-release.sh [--product NAME]...     prints the directory of the built products
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib --disable-local-rpath)
shim=.build/static-libstdcxx
linked=0
for name in libstdc++.a liblzo2.a; do
  archive=$(g++ -print-file-name="$name" 2>/dev/null || true)
  if [[ "$archive" == /* && -f "$archive" ]]; then
    mkdir -p "$shim"
    ln -sf "$archive" "$shim/$name"
    linked=1
  fi
done
if ((linked)); then
  flags+=(-Xswiftc -Xclang-linker -Xswiftc "-L$PWD/$shim")
fi
if (($# == 0)); then
  swift build "${flags[@]}" >&2
else
  while (($#)); do
    [[ "$1" == --product ]] && { swift build "${flags[@]}" --product "$2" >&2; shift 2; continue; }
    echo "usage: $0 [--product NAME]..." >&2
    exit 2
  done
fi
swift build "${flags[@]}" --show-bin-path
