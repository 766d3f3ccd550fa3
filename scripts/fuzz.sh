#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build/fuzz and runs each.
#   scripts/fuzz.sh SECONDS   explore for SECONDS each (default 60), with a random seed
#   scripts/fuzz.sh --runs N  a reproducible run: seed 1, N inputs each, an empty corpus (CI)
# A crash leaves its input in build/fuzz/ and fails the script; add such an input to
# fuzz/seeds/ once fixed, so that every later run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=(-max_total_time="${1:-60}")
reproducible=false
if [[ ${1:-} == --runs ]]; then
  limit=(-seed=1 -runs="$2")
  reproducible=true
fi

if [[ ! -f build/fuzz/build.ninja ]]; then
  CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBATON_BUILD_FUZZ=ON -DBATON_BUILD_TESTS=OFF -DBATON_BUILD_BENCH=OFF >/dev/null
fi
cmake --build build/fuzz --target baton_fuzz_targets

for target in build/fuzz/fuzz/fuzz_*; do
  [[ -x $target ]] || continue
  name=$(basename "$target")
  corpus=build/fuzz/corpus-$name
  $reproducible && rm -rf "$corpus"
  mkdir -p "$corpus"
  inputs=("$corpus")
  [[ -d fuzz/seeds/${name#fuzz_} ]] && inputs+=("fuzz/seeds/${name#fuzz_}")
  echo "fuzz: $name ${limit[*]}"
  "$target" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build/fuzz/ "${inputs[@]}" 2>"build/fuzz/$name.log" ||
    { tail -40 "build/fuzz/$name.log"; exit 1; }
  grep -E '^(#[0-9]+ +DONE|Done)' build/fuzz/$name.log | tail -1 || true
done
