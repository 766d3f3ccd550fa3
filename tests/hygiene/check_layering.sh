#!/usr/bin/env bash
# The layering rules of STYLE.md, as a test:
#  - public headers (include/baton/) include only the standard library and baton/...;
#  - src/base includes nothing else of Baton; src/contracts only base/; src/lang only base/,
#    contracts/ (it compiles output contracts while loading) and lang/.
set -uo pipefail
root=${1:?usage: check_layering.sh SOURCE_DIR}
cd "$root" || exit 2
failed=0

report() {  # report RULE MATCHES
  if [[ -n $2 ]]; then
    echo "layering: $1:"
    echo "$2"
    failed=1
  fi
}

report "public headers may include only <std> and baton/" \
  "$(grep -rnE '#include *[<"](curl/|sqlite3\.h|libpq-fe\.h|nlohmann/|yaml-cpp/|yaml\.h|httplib\.h|openssl/|fmt/|CLI/|src/)' include/baton || true)"
report "src/base may include only baton/ and base/" \
  "$(grep -rnE '#include *"src/' src/base | grep -vE '"src/base/' || true)"
report "src/contracts may include only baton/, base/ and contracts/" \
  "$(grep -rnE '#include *"src/' src/contracts | grep -vE '"src/(base|contracts)/' || true)"
report "src/lang may include only baton/, base/, contracts/ and lang/" \
  "$(grep -rnE '#include *"src/' src/lang | grep -vE '"src/(base|contracts|lang)/' || true)"
report "heavy third-party headers belong in .cc files" \
  "$(grep -rnE '#include *<(nlohmann/|yaml-cpp/|yaml\.h|curl/|sqlite3\.h|libpq-fe\.h|httplib\.h|openssl/)' --include='*.h' src || true)"

exit $failed
