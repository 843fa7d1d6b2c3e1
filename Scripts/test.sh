#!/usr/bin/env bash
# Runs the whole test suite: unit tests and the integration tests that start real daemons on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
