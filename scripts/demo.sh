#!/usr/bin/env bash
# Builds Baton (through setup.sh), then plays the main example workflow, examples/release_notes.yaml:
# model calls in parallel, a command step, a human approval, and a command that publishes.
#
# With OPENAI_API_KEY or OPENAI_BASE_URL set, the model calls go to that endpoint; otherwise
# they are answered from examples/fixtures/release_notes.yaml, and the run says so. On a
# terminal, `baton run` asks you to approve; otherwise this script approves with `baton approve`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null

baton=./build/baton
example=examples/release_notes.yaml
work=build/demo
mkdir -p "$work"
db=$work/baton.db
out=$work/release-notes.md
rm -f "$out"

echo "== baton check $example"
"$baton" check "$example"

source_flags=()
if [[ -n ${OPENAI_API_KEY:-} || -n ${OPENAI_BASE_URL:-} ]]; then
  echo "== model calls go to ${OPENAI_BASE_URL:-https://api.openai.com/v1}"
else
  echo "== no OPENAI_API_KEY or OPENAI_BASE_URL: model answers come from the example's fixture"
  source_flags=(--fixture examples/fixtures/release_notes.yaml)
fi

echo "== baton run $example"
status=0
"$baton" run "$example" -i out="$out" --db "$db" "${source_flags[@]}" || status=$?
run=$("$baton" runs --db "$db" -n 1 | awk '{print $1}')

if [[ $status -eq 3 ]]; then
  echo
  echo "== the run waits for a human; this script answers: baton approve $run approve"
  status=0
  "$baton" approve "$run" approve --db "$db" || status=$?
fi

echo
echo "== baton show $run"
"$baton" show "$run" --db "$db"
if [[ -f $out ]]; then
  echo
  echo "== $out"
  cat "$out"
fi
echo
echo "(the journal is $db: try  $baton show $run rewrite[2] --db $db)"
exit "$status"
