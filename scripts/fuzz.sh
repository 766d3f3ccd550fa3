#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build/fuzz and runs each for SECONDS (default 60).
# A crash leaves its input in build/fuzz/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

if [[ ! -f build/fuzz/build.ninja ]]; then
  CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBATON_BUILD_FUZZ=ON -DBATON_BUILD_TESTS=OFF -DBATON_BUILD_BENCH=OFF >/dev/null
fi
cmake --build build/fuzz --target baton_fuzz_targets

for target in build/fuzz/fuzz/fuzz_*; do
  [[ -x $target ]] || continue
  name=$(basename "$target")
  corpus=build/fuzz/corpus-$name
  mkdir -p "$corpus"
  inputs=("$corpus")
  [[ -d fuzz/seeds/${name#fuzz_} ]] && inputs+=("fuzz/seeds/${name#fuzz_}")
  echo "fuzz: $name for ${seconds}s"
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build/fuzz/ "${inputs[@]}" 2>"build/fuzz/$name.log" ||
    { tail -40 "build/fuzz/$name.log"; exit 1; }
  grep -E '^(#[0-9]+ +DONE|Done)' build/fuzz/$name.log | tail -1 || true
done
