#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "baton/engine.h"
#include "baton/result.h"
#include "src/lang/workflow.h"
#include "src/store/journal.h"

namespace baton::engine {

// A new run id: 12 random lower-case letters and digits.
std::string new_run_id();
// A hex digest of a workflow's text (64-bit FNV-1a): which version of a file a run ran.
std::string content_hash(std::string_view text);

// "PID@HOST" of this process, as a run's owner.
std::string this_process_owner();
// Whether the owner's process still runs. On another host it cannot be told: assumed alive.
bool owner_is_alive(std::string_view owner);

// "step" for a whole step, "step[3]" for an item of a for_each step.
std::string step_label(std::string_view step, int item);
struct StepLabel {
  std::string id;
  int item = -1;
};
Result<StepLabel> parse_step_label(std::string_view label);

RunSummary to_summary(const store::RunRecord& run);
RunDetail to_detail(RunSummary summary, const store::RunRecord& run, const lang::Workflow& workflow,
                    const std::vector<store::StepRecord>& steps,
                    const std::vector<store::AttemptRecord>& attempts);

}  // namespace baton::engine
