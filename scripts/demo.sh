#!/usr/bin/env bash
# Builds Baton (through setup.sh), then takes the main example workflow through `baton check`:
# first as written, then with two typical mistakes, to show what the checker reports.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null

example=examples/article.yaml
echo "== baton check $example"
./build/baton check "$example"

broken=$(mktemp -d)/article.yaml
trap 'rm -rf "$(dirname "$broken")"' EXIT
# A misspelt key and a reference to a step that does not exist.
sed -e '0,/prompt:/s//promt:/' -e 's/{{ outline\./{{ outlin./' "$example" >"$broken"
echo
echo "== baton check $broken (two mistakes added)"
status=0
./build/baton check "$broken" || status=$?
echo "(exit status $status: 2 means the workflow is invalid)"
