#!/usr/bin/env bash
# Builds the Debian package swift-distcc_<version>_<arch>.deb from the release binaries (built as
# Scripts/build-release.sh builds them) and the files under Packaging/ and Docs/man/, with dpkg-deb only
# (no debhelper, no network). The version is the first entry of Packaging/debian/changelog.
#   Scripts/package-deb.sh [--output DIR] [--no-build]     prints the .deb's path as its last line
#     --output DIR   where the .deb goes (default .build/deb)
#     --no-build     take the binaries already in the release directory
# What goes where: Docs/architecture.md ("Packaging"); checked by Tests/IntegrationTests/PackageTests.swift.
set -euo pipefail
cd "$(dirname "$0")/.."
output=.build/deb
build=true
while (($#)); do
  case "$1" in
    --output) output=$2; shift 2 ;;
    --no-build) build=false; shift ;;
    *) echo "usage: $0 [--output DIR] [--no-build]" >&2; exit 2 ;;
  esac
done

products=(distcc distccd distccmon-text distccmon-web distcc-pump distcc-include-server)
if $build; then
  args=()
  for product in "${products[@]}"; do args+=(--product "$product"); done
  bin=$(Scripts/build-release.sh "${args[@]}" | tail -n 1)
else
  bin=$(swift build -c release --show-bin-path)
fi

version=$(sed -n '1s/^swift-distcc (\([^)]*\)).*/\1/p' Packaging/debian/changelog)
arch=$(dpkg --print-architecture)
[[ -n "$version" ]] || { echo "package-deb.sh: no version in Packaging/debian/changelog" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/swift-distcc-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/swift-distcc

install -d "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib/distcc" "$root/usr/share/man/man1" \
  "$root/usr/share/man/man8" "$root/etc/default" "$root/lib/systemd/system" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/lintian/overrides" "$doc" "$root/DEBIAN"
for product in "${products[@]}"; do
  [[ -x "$bin/$product" ]] || { echo "package-deb.sh: $bin/$product was not built" >&2; exit 1; }
  install -m 755 "$bin/$product" "$root/usr/bin/$product"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/$product"
  gzip -9n < "Docs/man/$product.1" > "$root/usr/share/man/man1/$product.1.gz"
done
install -m 755 Packaging/update-distcc-symlinks "$root/usr/sbin/update-distcc-symlinks"
gzip -9n < Docs/man/update-distcc-symlinks.8 > "$root/usr/share/man/man8/update-distcc-symlinks.8.gz"
install -m 644 Packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/swift-distcc"
install -m 644 Packaging/distccd.default "$root/etc/default/distccd"
install -m 644 Packaging/systemd/* "$root/lib/systemd/system/"
install -m 644 Packaging/bash-completion/distcc "$root/usr/share/bash-completion/completions/distcc"
for name in distccd distccmon-text distccmon-web; do
  ln -s distcc "$root/usr/share/bash-completion/completions/$name"
done
install -m 644 Packaging/debian/copyright "$doc/copyright"
gzip -9n < Packaging/debian/changelog > "$doc/changelog.gz"
for page in README.md Docs/distcc.md Docs/distccd.md Docs/hosts.md Docs/ssh.md Docs/security.md \
  Docs/monitor.md Docs/scheduling.md Docs/pump.md; do
  install -m 644 "$page" "$doc/$(basename "$page")"
done

for script in postinst prerm postrm; do install -m 755 "Packaging/debian/$script" "$root/DEBIAN/$script"; done
install -m 644 Packaging/debian/triggers "$root/DEBIAN/triggers"
echo /etc/default/distccd > "$root/DEBIAN/conffiles"

# Shared-library dependencies of the binaries (dpkg-shlibdeps wants a debian/control to sit beside);
# libssh2 (the first SSH host) and libzstd (the first zstd body) are loaded with dlopen, so they are named
# by hand.
mkdir -p "$stage/debian"
printf 'Source: swift-distcc\n\nPackage: swift-distcc\nArchitecture: any\n' > "$stage/debian/control"
shlibs=$(cd "$stage" && dpkg-shlibdeps -O "${products[@]/#/root/usr/bin/}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
depends="${shlibs:+$shlibs, }libssh2-1, libzstd1, passwd"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
  Packaging/debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
  > "$root/DEBIAN/md5sums"

mkdir -p "$output"
deb="$(cd "$output" && pwd)/swift-distcc_${version}_${arch}.deb"
# Built beside and renamed into place: a reader never sees a half-written package.
dpkg-deb --root-owner-group -Zxz --build "$root" "$stage/package.deb" >&2
mv "$stage/package.deb" "$deb.partial" && mv -f "$deb.partial" "$deb"
echo "$deb"
