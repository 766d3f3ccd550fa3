#include "src/contracts/schema_draft.h"

#include <array>
#include <string>
#include <utility>

namespace baton::contracts {

std::string_view draft_name(Draft draft) {
  switch (draft) {
    case Draft::kDraft3:
      return "draft-03";
    case Draft::kDraft4:
      return "draft-04";
    case Draft::kDraft6:
      return "draft-06";
    case Draft::kDraft7:
      return "draft-07";
  }
  return "unknown";
}

Result<Draft> draft_from_uri(std::string_view uri) {
  std::string_view rest = uri;
  if (rest.ends_with('#')) rest.remove_suffix(1);
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (rest.starts_with(scheme)) rest.remove_prefix(scheme.size());
  }
  if (rest.starts_with("json-schema.org/")) {
    rest.remove_prefix(std::string_view("json-schema.org/").size());
    static constexpr std::array<std::pair<std::string_view, Draft>, 4> kDrafts = {{
        {"draft-03/schema", Draft::kDraft3},
        {"draft-04/schema", Draft::kDraft4},
        {"draft-06/schema", Draft::kDraft6},
        {"draft-07/schema", Draft::kDraft7},
    }};
    for (const auto& [path, draft] : kDrafts) {
      if (rest == path) return draft;
    }
    if (rest.starts_with("draft/2019-09/") || rest.starts_with("draft/2020-12/")) {
      return invalid_input("$schema \"" + std::string(uri) +
                           "\" is not supported: Baton validates JSON Schema drafts 3, 4, 6 and 7 "
                           "(declare http://json-schema.org/draft-07/schema#, or leave $schema "
                           "out)");
    }
  }
  return invalid_input("unknown $schema \"" + std::string(uri) +
                       "\": expected http://json-schema.org/draft-0N/schema# with N = 3, 4, 6 "
                       "or 7, or no $schema (draft 7)");
}

}  // namespace baton::contracts
