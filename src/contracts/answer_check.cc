#include "src/contracts/answer_check.h"

#include <optional>
#include <utility>
#include <vector>

namespace baton::contracts {

Result<ExtractedJson> check_json_answer(std::string_view answer, const Schema& schema) {
  std::optional<ExtractedJson> conforming;
  std::optional<Error> first_failure;
  for_each_json_candidate(answer, [&](const ExtractedJson& candidate) {
    Result<std::vector<Violation>> violations = schema.validate(candidate.text);
    if (violations && violations->empty()) {
      conforming = candidate;
      return false;
    }
    if (!first_failure) {
      first_failure = violations ? Error(ErrorCode::kOutputRejected, summarize(*violations))
                                 : std::move(violations).error();
    }
    return true;
  });
  if (conforming) return *std::move(conforming);
  if (first_failure) return *std::move(first_failure);
  return extract_json(answer).error();
}

}  // namespace baton::contracts
