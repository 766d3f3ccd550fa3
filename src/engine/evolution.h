#pragma once

#include <string>
#include <vector>

#include "baton/engine.h"
#include "baton/result.h"
#include "src/lang/loader.h"
#include "src/lang/workflow.h"
#include "src/store/journal.h"

namespace baton::engine {

// A run's step overrides (RunRecord::overrides_json) as JSON, and back: a list of
// {"step", "prompt", "model"} objects, "" for none.
std::string overrides_to_json(const std::vector<lang::StepOverride>& overrides);
Result<std::vector<lang::StepOverride>> overrides_from_json(const std::string& json);
// `overrides` with `change` merged in: a field it sets replaces the same step's field.
std::vector<lang::StepOverride> merge_override(std::vector<lang::StepOverride> overrides,
                                               const lang::StepOverride& change);

// The fingerprint a record was computed under: its own, or (in journals older than
// fingerprints) its step's in the workflow the run followed then.
std::string fingerprint_of(const store::StepRecord& record, const lang::Workflow& then);

// How the steps of a run fare when its workflow changes from `then` to `now`: which changed,
// and which of the finished ones (`records`) are kept or run again. The executor decides the
// same way when it restores the run (a record under another fingerprint runs again, and so does
// a finished step that reads a step that runs again).
WorkflowChanges compare_workflows(const lang::Workflow& then, const lang::Workflow& now,
                                  const std::vector<store::StepRecord>& records);

// The steps of `workflow` that `from` leads to: `from` and every step that reads it, directly
// or not; by index, as a mask.
std::vector<bool> downstream_of(const lang::Workflow& workflow, std::size_t from);

}  // namespace baton::engine
