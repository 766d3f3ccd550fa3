#include "src/contracts/violation.h"

#include <algorithm>

#include "src/base/check.h"

namespace baton::contracts {

std::string describe(const Violation& violation) {
  return (violation.pointer.empty() ? std::string("(root)") : violation.pointer) + " " +
         violation.message;
}

std::string summarize(std::span<const Violation> violations, std::size_t max_shown) {
  BATON_CHECK(!violations.empty(), "summarize() needs at least one violation");
  std::string summary = "your answer did not match the schema: ";
  const std::size_t shown = std::max<std::size_t>(1, std::min(max_shown, violations.size()));
  for (std::size_t index = 0; index < shown; ++index) {
    if (index > 0) summary += "; ";
    summary += describe(violations[index]);
  }
  const std::size_t hidden = violations.size() - shown;
  if (hidden > 0) {
    summary +=
        " (and " + std::to_string(hidden) + (hidden == 1 ? " more problem)" : " more problems)");
  }
  return summary;
}

}  // namespace baton::contracts
