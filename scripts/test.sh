#!/usr/bin/env bash
# Builds Baton (through setup.sh) and runs every test: the libFuzzer targets for a fixed,
# reproducible number of inputs each (when clang is present), then the whole ctest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

if command -v clang++ >/dev/null 2>&1; then
  ./scripts/fuzz.sh --runs "${BATON_FUZZ_RUNS:-60000}"
fi

ctest --test-dir build --output-on-failure -j "$(nproc)"
