// The workflow's `budget`: before a model call is sent, its worst case (the prompt, estimated
// generously, plus max_tokens of output, at the model's price) is reserved against what the run
// has spent and what calls in flight have reserved; a call that could break the budget is not
// sent. The real cost is settled when the call ends (end_attempt adds it to the run).
#include <fmt/format.h>

#include "src/engine/budget_event.h"
#include "src/engine/estimate.h"
#include "src/engine/executor.h"
#include "src/engine/run_records.h"
#include "src/engine/value_json.h"

namespace baton::engine {

RunExecutor::BudgetVerdict RunExecutor::reserve_budget(Unit& unit, const lang::Model& model,
                                                       std::string& why) {
  if (!budget_.usd && !budget_.tokens) return BudgetVerdict::kReserved;
  const std::int64_t input = estimated_prompt_tokens(conversation(unit));
  const std::int64_t output = model.max_tokens.value_or(0);  // start_run insists on max_tokens
  const double usd = call_cost_usd(model, input, output);
  const std::int64_t spent_tokens = run_.input_tokens + run_.output_tokens;
  const bool tokens_exceeded = budget_.tokens && spent_tokens + input + output > *budget_.tokens;
  const bool usd_exceeded = budget_.usd && run_.cost_usd + usd > *budget_.usd;
  if (tokens_exceeded || usd_exceeded) {
    why = tokens_exceeded
              ? fmt::format(
                    "budget: this call could use up to {} tokens, and {} of the budget's {} "
                    "are spent; the call was not sent",
                    input + output, spent_tokens, *budget_.tokens)
              : fmt::format(
                    "budget: this call could cost up to ${:.4f}, and ${:.4f} of the "
                    "budget's ${:.2f} is spent; the call was not sent",
                    usd, run_.cost_usd, *budget_.usd);
    return BudgetVerdict::kExceeded;
  }
  // It fits what is spent; calls in flight may hold the rest until they settle.
  if ((budget_.tokens && spent_tokens + reserved_tokens_ + input + output > *budget_.tokens) ||
      (budget_.usd && run_.cost_usd + reserved_usd_ + usd > *budget_.usd)) {
    budget_blocked_ = true;
    return BudgetVerdict::kLater;
  }
  unit.reserved_tokens = input + output;
  unit.reserved_usd = usd;
  reserved_tokens_ += unit.reserved_tokens;
  reserved_usd_ += unit.reserved_usd;
  return BudgetVerdict::kReserved;
}

// The run pauses (waits) at this call, as at a human step: the other branches go on, and
// `baton resume RUN --budget-usd N` (Engine::set_budget) raises the budget and sends it.
void RunExecutor::wait_for_budget(UnitRef ref, const std::string& why) {
  Unit& unit = unit_at(ref);
  unit.phase = Phase::kWaiting;
  unit.status = store::StepStatus::kWaiting;
  ++waiting_;
  store::StepRecord record;
  record.step_id = step_of(ref).id;
  record.item = unit.item;
  record.status = store::StepStatus::kWaiting;
  record.result_json = "{\"budget\":" + json_string(why) + "}";  // see waits_for_budget()
  record.started_ms = unit.started_ms;
  record.attempts = unit.attempts;
  record.fingerprint = step_of(ref).fingerprint;
  check(services_.journal->put_step(run_.id, record));
  emit("step_waiting", record.step_id, unit.item, record.result_json);
}

// The latest `budget_set` event of the run replaces the workflow's budget, field by field.
Status RunExecutor::restore_budget() {
  budget_ = workflow_->budget;
  BATON_ASSIGN_OR_RETURN(std::vector<store::EventRecord> events,
                         services_.journal->events(run_.id, 0));
  for (const store::EventRecord& event : events) {
    if (event.type != "budget_set") continue;
    BATON_ASSIGN_OR_RETURN(lang::Budget budget, budget_from_json(event.data_json));
    if (budget.usd) budget_.usd = budget.usd;
    if (budget.tokens) budget_.tokens = budget.tokens;
  }
  return ok_status();
}

void RunExecutor::release_budget(Unit& unit) {
  reserved_tokens_ -= unit.reserved_tokens;
  reserved_usd_ -= unit.reserved_usd;
  unit.reserved_tokens = 0;
  unit.reserved_usd = 0;
}

}  // namespace baton::engine
