#!/usr/bin/env bash
# Installs what Baton needs from Debian's packages (only what is missing), then builds into
# build/. Safe to run again: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build ccache pkg-config git
  libyaml-dev libyaml-cpp-dev nlohmann-json3-dev libfmt-dev libcli11-dev
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libcpp-httplib-dev libvalijson-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jinja2 json-schema-test-suite python3-jsonschema
  clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

build_type=${BATON_BUILD_TYPE:-RelWithDebInfo}
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type"
fi
cmake --build build
