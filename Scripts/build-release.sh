#!/usr/bin/env bash
# Builds the release binaries as we ship them: the Swift runtime linked statically
# (--static-swift-stdlib) and, where GCC's static libstdc++ is installed, libstdc++ too, so that the
# client starts without loading or relocating any C++ or Swift shared library (Docs/performance.md).
# Concrete generic types' metadata through their accessors, not mangled names
# (-disable-concrete-type-metadata-mangled-name-accessors): the runtime otherwise demangles each name and
# checks the type's generic requirements by scanning every protocol conformance of the binary at its
# first use, about a third of the client's instructions per job. A build flag, not a manifest setting:
# unsafeFlags in library targets would stop other packages from depending on ours.
#   Scripts/build-release.sh [--product NAME]...     prints the directory of the built products
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --static-swift-stdlib --disable-local-rpath
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors)
archive=$(g++ -print-file-name=libstdc++.a 2>/dev/null || true)
if [[ "$archive" == /* && -f "$archive" ]]; then
  shim=.build/static-libstdcxx
  mkdir -p "$shim"
  ln -sf "$archive" "$shim/libstdc++.a"
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
