#!/usr/bin/env bash
# Installs the Debian packages swift-distcc needs to build and to test (root, or sudo).
#   liblzo2-dev, libzstd-dev, libssh2-1-dev  linked by DistProtocol (LZO, zstd bodies) and the SSH transport
#                               (the build links liblzo2's static archive, liblzo2.a, which Debian's
#                               liblzo2-dev ships)
#   distcc, distcc-pump         Debian's distcc 3.4: the referee the interop tests run against
#   openssh-server              the real sshd the SSH tests start on loopback
#   gcc, g++, make              the compilers the daemons run and the sample project's build
#   clang (14)                  the clang the rewritten-includes tests and Scripts/directives-exactness.sh run
#   chromium                    the headless browser that checks distccmon-web's page
#   systemd                     systemd-socket-activate, which hands distccd its sockets in the tests, and
#                               systemd-analyze, which checks the package's units
#   lintian, man-db,            the package checks (Scripts/package-deb.sh, PackageTests): lintian,
#   bash-completion             man --warnings, the completion functions
#   libavahi-client-dev         Avahi's headers (CAvahi); libavahi-client3 is loaded with dlopen for zeroconf
#   avahi-daemon, avahi-utils, dbus  the private mDNS responders and buses the zeroconf tests start
#   iproute2, iputils-ping      network namespaces and the link check of Benchmarks/slowlink.sh
#   linux-source-6.1, flex, bison, bc, libelf-dev, libssl-dev   the Linux 6.1 tree the pump-mode real-build test
#                               and the benchmarks build (Benchmarks/prepare-linux.sh configures it once)
#   qtbase5-dev, qtbase5-examples  qmake, moc, Qt's headers and the Qt 5 examples the pump-mode tests and
#                               benchmarks build
#   icecc                       icecream 1.4, the third system of the real-C++ benchmark (run.sh --realcpp)
set -euo pipefail
SUDO_CMD=""; [ "$(id -u)" -eq 0 ] || SUDO_CMD=sudo
pkgs=(liblzo2-dev libzstd-dev libssh2-1-dev pkg-config distcc distcc-pump openssh-server openssh-client gcc g++ make clang
  chromium systemd lintian man-db bash-completion libavahi-client-dev avahi-daemon avahi-utils dbus iproute2 iputils-ping
  util-linux linux-source-6.1 flex bison bc libelf-dev libssl-dev qtbase5-dev qtbase5-dev-tools qt5-qmake
  qtbase5-examples icecc)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The daemons' compiler whitelist (/usr/lib/distcc) names clang only once it is linked there.
if command -v update-distcc-symlinks >/dev/null 2>&1; then $SUDO_CMD update-distcc-symlinks >/dev/null || true; fi
# Debian's package starts distccd as a service on install; the tests start their own daemons.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now distcc >/dev/null 2>&1 || true; fi
# Likewise avahi-daemon: the zeroconf tests start private ones in network namespaces.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now avahi-daemon.socket avahi-daemon >/dev/null 2>&1 || true
fi
