#pragma once

#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/lang/workflow.h"
#include "src/store/journal.h"

namespace baton::engine {

// The data of a `budget_set` event: {"usd": N, "tokens": N}, each only when it is set. A run's
// budget is its workflow's, changed field by field by its budget_set events in order.
std::string budget_json(const lang::Budget& budget);
Result<lang::Budget> budget_from_json(std::string_view json);

// A step the run paused at because its call would break the budget: its result is
// {"budget": why}.
bool waits_for_budget(const store::StepRecord& step);

}  // namespace baton::engine
