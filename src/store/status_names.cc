#include <array>
#include <optional>
#include <string_view>

#include "src/store/journal.h"

namespace baton::store {
namespace {

// Indexed by the enumerator's value; the names are what the journal stores, so never rename one.
constexpr std::array<std::string_view, 5> kRunStatusNames = {"running", "waiting", "succeeded",
                                                             "failed", "cancelled"};
constexpr std::array<std::string_view, 6> kStepStatusNames = {"running", "waiting", "succeeded",
                                                              "failed",  "skipped", "cancelled"};
constexpr std::array<std::string_view, 4> kAttemptStatusNames = {"running", "succeeded", "failed",
                                                                 "interrupted"};

template <typename Status, std::size_t kCount>
std::string_view name_of(const std::array<std::string_view, kCount>& names, Status status) {
  const auto index = static_cast<std::size_t>(status);
  return index < kCount ? names[index] : std::string_view("unknown");
}

template <typename Status, std::size_t kCount>
std::optional<Status> parse(const std::array<std::string_view, kCount>& names,
                            std::string_view name) {
  for (std::size_t index = 0; index < kCount; ++index) {
    if (names[index] == name) return static_cast<Status>(index);
  }
  return std::nullopt;
}

}  // namespace

std::string_view run_status_name(RunStatus status) { return name_of(kRunStatusNames, status); }
std::string_view step_status_name(StepStatus status) { return name_of(kStepStatusNames, status); }
std::string_view attempt_status_name(AttemptStatus status) {
  return name_of(kAttemptStatusNames, status);
}

std::optional<RunStatus> parse_run_status(std::string_view name) {
  return parse<RunStatus>(kRunStatusNames, name);
}
std::optional<StepStatus> parse_step_status(std::string_view name) {
  return parse<StepStatus>(kStepStatusNames, name);
}
std::optional<AttemptStatus> parse_attempt_status(std::string_view name) {
  return parse<AttemptStatus>(kAttemptStatusNames, name);
}

}  // namespace baton::store
