#include "src/engine/executor.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <utility>

#include "src/engine/budget_event.h"
#include "src/engine/clock.h"
#include "src/engine/render.h"
#include "src/engine/run_records.h"
#include "src/engine/value_json.h"
#include "src/lang/workflow.h"

namespace baton::engine {
namespace {

using store::StepStatus;

constexpr std::chrono::milliseconds kPollInterval{250};

bool is_finished(StepStatus status) {
  return status == StepStatus::kSucceeded || status == StepStatus::kSkipped;
}

std::string_view event_for(StepStatus status) {
  switch (status) {
    case StepStatus::kRunning:
      return "step_started";
    case StepStatus::kWaiting:
      return "step_waiting";
    case StepStatus::kSucceeded:
      return "step_succeeded";
    case StepStatus::kFailed:
      return "step_failed";
    case StepStatus::kSkipped:
      return "step_skipped";
    case StepStatus::kCancelled:
      return "step_cancelled";
  }
  return "step_failed";
}

// The fields of a for_each step: each field of its items' results, as a list in item order.
lang::Value collect_items(const std::vector<lang::Value>& results) {
  std::vector<std::string> fields;
  for (const lang::Value& result : results) {
    if (!result.is_dict()) continue;
    for (const auto& entry : result.as_dict().entries()) {
      if (std::find(fields.begin(), fields.end(), entry.first) == fields.end())
        fields.push_back(entry.first);
    }
  }
  lang::ValueDict collected;
  for (const std::string& field : fields) {
    lang::ValueList column;
    column.reserve(results.size());
    for (const lang::Value& result : results) {
      const lang::Value* value = result.is_dict() ? result.as_dict().find(field) : nullptr;
      column.push_back(value != nullptr ? *value : lang::Value::none());
    }
    collected.set(field, lang::Value(std::move(column)));
  }
  if (fields.empty()) collected.set("output", lang::Value(lang::ValueList{}));
  return lang::Value(std::move(collected));
}

}  // namespace

lang::Value skipped_result(const lang::Step& step) {
  lang::ValueDict result;
  const lang::LoopStep* loop = step.loop_body();
  for (const std::string& field : loop != nullptr ? loop->fields : lang::step_fields(step.kind))
    result.set(field, lang::Value::none());
  return lang::Value(std::move(result));
}

RunExecutor::RunExecutor(Services services, std::shared_ptr<const lang::Workflow> workflow,
                         store::RunRecord run, bool resumed)
    : services_(std::move(services)),
      workflow_(std::move(workflow)),
      run_(std::move(run)),
      resumed_(resumed) {}

RunExecutor::~RunExecutor() { cancel_in_flight(); }

Result<store::RunRecord> RunExecutor::execute() {
  BATON_TRY(restore());
  Status settled = loop_until_settled();
  if (!settled) {
    cancel_in_flight();
    return std::move(settled).error();
  }
  return finish();
}

// --- restoring a run from the journal -------------------------------------------------------

Status RunExecutor::restore() {
  const std::size_t count = workflow_->steps.size();
  steps_.assign(count, StepRun{});
  dependents_.assign(count, {});
  for (std::size_t i = 0; i < count; ++i) {
    if (workflow_->steps[i].loop) continue;  // its loop starts it, in each iteration
    for (std::size_t dependency : workflow_->steps[i].dependencies)
      dependents_[dependency].push_back(i);
  }

  Result<lang::Value> inputs = lang::value_from_json(run_.inputs_json);
  if (!inputs) return internal_error("the run's inputs are not JSON: " + inputs.error().message());
  context_.set("inputs", std::move(*inputs));

  BATON_ASSIGN_OR_RETURN(std::vector<store::DecisionRecord> decisions,
                         services_.journal->decisions(run_.id));
  for (store::DecisionRecord& decision : decisions)
    decisions_[{decision.step_id, decision.item}] = std::move(decision);

  // Attempts that a killed process left running were interrupted: say so, and run again.
  BATON_ASSIGN_OR_RETURN(std::vector<store::AttemptRecord> attempts,
                         services_.journal->attempts(run_.id));
  std::map<std::pair<std::string, int>, int> attempts_made;
  for (store::AttemptRecord& attempt : attempts) {
    int& made = attempts_made[{attempt.step_id, attempt.item}];
    made = std::max(made, attempt.number);
    if (attempt.status != store::AttemptStatus::kRunning) continue;
    attempt.status = store::AttemptStatus::kInterrupted;
    attempt.error = "interrupted: the process running it stopped";
    attempt.ended_ms = now_ms();
    BATON_TRY(services_.journal->finish_attempt(run_.id, attempt));
  }
  attempts_made_ = std::move(attempts_made);
  total_usage(attempts, *workflow_, run_);
  BATON_TRY(restore_budget());
  restore_prompt_progress(attempts);

  BATON_ASSIGN_OR_RETURN(std::vector<store::StepRecord> records, services_.journal->steps(run_.id));
  // A rerun starts with the results it reused: it has not run before for that.
  auto computed_here = [](const store::StepRecord& record) { return record.reused_from.empty(); };
  if (!attempts_made_.empty() || std::any_of(records.begin(), records.end(), computed_here))
    resumed_ = true;
  const std::int64_t restored_ms = now_ms();
  std::vector<bool> stale(count, false);
  for (store::StepRecord& record : records) {
    auto index = workflow_->step_index.find(record.step_id);
    if (index == workflow_->step_index.end()) continue;
    if (!record.fingerprint.empty() &&
        record.fingerprint != workflow_->steps[index->second].fingerprint) {
      // Computed by another definition of the step (the workflow file changed): it runs again
      // from the start, and a decision made before now answered another question.
      failed_before_[{record.step_id, record.item}] = restored_ms;
      stale[index->second] = true;
      continue;
    }
    // A command in a loop that exited with an error is a result its loop went on with.
    bool outcome = workflow_->steps[index->second].loop && record.status == StepStatus::kFailed &&
                   !record.result_json.empty();
    if ((record.status == StepStatus::kFailed || record.status == StepStatus::kCancelled) &&
        !outcome)
      failed_before_[{record.step_id, record.item}] = record.ended_ms;
    // A step paused at the budget tries its call again; one that asked the conductor waits on.
    if (record.status == StepStatus::kWaiting && !waits_for_budget(record))
      waiting_records_[{record.step_id, record.item}] = record.result_json;
    if (!is_finished(record.status) && !outcome) continue;
    if (record.item >= 0) {
      kept_items_[{index->second, record.item}] = std::move(record);
      continue;
    }
    StepRun& step = steps_[index->second];
    step.done = true;
    step.expanded = true;
    step.status = record.status;
    if (record.status == StepStatus::kSucceeded) {
      Result<lang::Value> result = lang::value_from_json(record.result_json);
      if (!result)
        return Error(ErrorCode::kDataLoss,
                     "the journal's result of step '" + record.step_id + "' is not JSON");
      step.result = std::move(*result);
    } else {
      step.result = skipped_result(workflow_->steps[index->second]);
    }
    context_.set(record.step_id, step.result);
  }

  forget_what_reads_rerun_steps(records, std::move(stale), restored_ms);
  for (std::size_t i = 0; i < count; ++i) {
    if (steps_[i].done || workflow_->steps[i].loop) continue;
    for (std::size_t dependency : workflow_->steps[i].dependencies)
      if (!steps_[dependency].done) ++steps_[i].pending;
    if (steps_[i].pending == 0) ready_steps_.push_back(i);
  }

  emit(resumed_ ? "run_resumed" : "run_started", "", -1,
       "{\"workflow\":" + json_string(workflow_->name) + "}");
  return flush();
}

// A step that reads a step about to run again runs again too, from the start: what it read
// changes. Only a changed workflow makes this happen (`rerun` holds the steps whose records
// were computed by another definition); a journal otherwise never holds a finished step whose
// dependency has not finished.
void RunExecutor::forget_what_reads_rerun_steps(const std::vector<store::StepRecord>& records,
                                                std::vector<bool> rerun, std::int64_t restored_ms) {
  for (std::size_t i : workflow_->topological_order) {
    for (std::size_t dependency : workflow_->steps[i].dependencies) {
      if (rerun[dependency] || (steps_[i].done && !steps_[dependency].done)) rerun[i] = true;
    }
    if (rerun[i] && steps_[i].done) steps_[i] = StepRun{};
  }
  for (const store::StepRecord& record : records) {
    auto index = workflow_->step_index.find(record.step_id);
    if (index == workflow_->step_index.end() || !rerun[index->second]) continue;
    failed_before_[{record.step_id, record.item}] = restored_ms;
    kept_items_.erase({index->second, record.item});
    waiting_records_.erase({record.step_id, record.item});
  }
}

// --- the loop -------------------------------------------------------------------------------

Status RunExecutor::loop_until_settled() {
  auto last_poll = std::chrono::steady_clock::now();
  while (true) {
    if (!failure_.empty()) return Error(ErrorCode::kDataLoss, failure_);
    if (services_.cancel_flag != nullptr && services_.cancel_flag->load()) cancelled_ = true;
    if (cancelled_) return ok_status();
    start_ready();
    if (!finished_.empty() || !unpublished_.empty()) {
      BATON_TRY(flush());
      continue;
    }
    if (!ready_steps_.empty() || !ready_.empty()) continue;
    bool busy = in_flight_ > 0 || backing_off_ > 0;
    if (!busy) {
      if (waiting_ == 0) return ok_status();
      // Nothing else can progress: a decision may have come from another process meanwhile.
      poll_outside();
      if (finished_.empty() && ready_.empty() && !cancelled_) return ok_status();
      continue;
    }
    BATON_TRY(services_.journal->commit());
    services_.loop->run_once(kPollInterval);
    auto now = std::chrono::steady_clock::now();
    if (now - last_poll >= kPollInterval) {
      poll_outside();
      last_poll = now;
    }
  }
}

void RunExecutor::start_ready() {
  while (!ready_steps_.empty()) {
    std::size_t step = ready_steps_.front();
    ready_steps_.pop_front();
    Status begun = begin_step(step);
    if (!begun) fail_run(begun.error().message());
  }
  while (!ready_.empty() && !cancelled_) {
    UnitRef ref = ready_.front();
    ready_.pop_front();
    start_unit(ref);
  }
  // Launch what waited, in order, while there is room. Once the global limit is reached the
  // rest waits as it is: trying all of it again on every turn made a large fan-out quadratic.
  if (deferred_.empty() || cancelled_ || in_flight_ >= services_.concurrency) return;
  std::vector<UnitRef> deferred = std::move(deferred_);
  deferred_.clear();
  std::size_t next = 0;
  budget_blocked_ = false;
  for (; next < deferred.size() && in_flight_ < services_.concurrency && !budget_blocked_; ++next)
    launch(deferred[next]);
  deferred_.insert(deferred_.end(), deferred.begin() + static_cast<std::ptrdiff_t>(next),
                   deferred.end());
}

Status RunExecutor::flush() {
  BATON_TRY(services_.journal->commit());
  std::vector<Event> events = std::move(unpublished_);
  unpublished_.clear();
  if (services_.listener) {
    for (const Event& event : events) services_.listener(event);
  }
  std::vector<std::size_t> finished = std::move(finished_);
  finished_.clear();
  for (std::size_t step : finished) release(step);
  return ok_status();
}

void RunExecutor::release(std::size_t step) {
  for (std::size_t dependent : dependents_[step]) {
    if (--steps_[dependent].pending == 0) ready_steps_.push_back(dependent);
  }
}

// Decisions and cancellation can come from another process, through the journal.
void RunExecutor::poll_outside() {
  Result<std::optional<store::RunRecord>> current = services_.journal->find_run(run_.id);
  if (current && *current && (*current)->status == store::RunStatus::kCancelled) cancelled_ = true;
  if (waiting_ == 0) return;
  Result<std::vector<store::DecisionRecord>> decisions = services_.journal->decisions(run_.id);
  if (!decisions) return;
  for (store::DecisionRecord& decision : *decisions)
    decisions_[{decision.step_id, decision.item}] = std::move(decision);
  for (std::size_t s = 0; s < steps_.size(); ++s) {
    for (std::size_t u = 0; u < steps_[s].units.size(); ++u) {
      if (steps_[s].units[u].phase == Phase::kWaiting) answer_if_decided({s, u});
    }
  }
}

void RunExecutor::cancel_in_flight() {
  for (StepRun& step : steps_) {
    for (Unit& unit : step.units) {
      if (unit.phase != Phase::kInFlight && unit.phase != Phase::kBackoff) continue;
      if (unit.handle == Handle::kModel) {
        const lang::Model* model = current_model(unit);
        Result<providers::ModelProvider*> provider = services_.provider_for(*model);
        if (provider) (*provider)->cancel(unit.handle_id);
      } else if (unit.handle == Handle::kProcess) {
        services_.processes->cancel(unit.handle_id);
        if (unit.pending) {  // an output check: its answer file goes with it
          std::error_code ignored;
          std::filesystem::remove(unit.pending->answer_file, ignored);
          unit.pending.reset();
        }
      } else if (unit.handle == Handle::kTimer) {
        services_.loop->cancel_timer(unit.handle_id);
      }
      if (unit.phase == Phase::kInFlight) {
        end_attempt(unit, store::AttemptStatus::kInterrupted, "", "cancelled", {}, nullptr);
      }
      unit.handle = Handle::kNone;
      unit.phase = Phase::kPending;
    }
  }
  in_flight_ = 0;
  backing_off_ = 0;
}

void RunExecutor::fail_run(std::string message) {
  if (failure_.empty()) failure_ = std::move(message);
}

void RunExecutor::check(const Status& status) {
  if (!status) fail_run(status.error().message());
}

// --- steps and units ------------------------------------------------------------------------

Status RunExecutor::begin_step(std::size_t index) {
  StepRun& step = steps_[index];
  const lang::Step& spec = workflow_->steps[index];
  step.expanded = true;
  step.started_ms = now_ms();
  for (std::size_t dependency : spec.dependencies) {
    StepStatus status = steps_[dependency].status;
    if (status == StepStatus::kFailed || status == StepStatus::kCancelled) {
      finish_step(index, StepStatus::kFailed, lang::Value::none(),
                  "not run: step '" + workflow_->steps[dependency].id + "' did not succeed");
      return ok_status();
    }
  }
  // A step whose every dependency was skipped is skipped too; one that also depends on a step
  // that ran, runs, and reads none for the skipped step's fields.
  auto skipped = [&](std::size_t dependency) {
    return steps_[dependency].status == StepStatus::kSkipped;
  };
  if (!spec.dependencies.empty() &&
      std::all_of(spec.dependencies.begin(), spec.dependencies.end(), skipped)) {
    finish_step(index, StepStatus::kSkipped, skipped_result(spec),
                "step '" + workflow_->steps[spec.dependencies.front()].id + "' was skipped");
    return ok_status();
  }

  if (spec.loop_body()) {
    begin_loop(index);
    return ok_status();
  }
  if (!spec.for_each) {
    step.units.emplace_back().step = index;
    ready_.push_back({index, 0});
    return ok_status();
  }
  Result<lang::Value> items = evaluate_data(*spec.for_each, context_, "for_each");
  if (items && !items->is_list()) {
    items = Error(ErrorCode::kInvalidInput,
                  "for_each gave " + std::string(lang::type_name(*items)) + ", not a list");
  }
  if (!items) {
    finish_step(index, StepStatus::kFailed, lang::Value::none(), items.error().to_string());
    return ok_status();
  }
  const lang::ValueList& list = items->as_list();
  step.units.resize(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    Unit& unit = step.units[i];
    unit.step = index;
    unit.item = static_cast<int>(i);
    unit.item_value = list[i];
    auto kept = kept_items_.find({index, unit.item});
    if (kept != kept_items_.end()) {
      Result<lang::Value> result = lang::value_from_json(kept->second.result_json);
      unit.phase = Phase::kDone;
      unit.status = kept->second.status;
      unit.result = result ? std::move(*result) : skipped_result(spec);
      ++step.units_done;
      continue;
    }
    ready_.push_back({index, i});
  }
  if (step.units_done == step.units.size()) complete_for_each(index);
  return ok_status();
}

lang::Context RunExecutor::unit_context(const Unit& unit) const {
  if (std::optional<std::size_t> loop = workflow_->steps[unit.step].loop)
    return iteration_context(*loop);
  lang::Context context(&context_);
  if (unit.item >= 0) context.set(workflow_->steps[unit.step].as, unit.item_value);
  return context;
}

void RunExecutor::finish_unit(UnitRef ref, StepStatus status, lang::Value result,
                              std::string error) {
  Unit& unit = unit_at(ref);
  unit.phase = Phase::kDone;
  unit.status = status;
  unit.result = std::move(result);
  unit.error = std::move(error);
  if (step_of(ref).loop) {
    finish_body_step(ref);
    return;
  }
  if (unit.item < 0) {
    finish_step(ref.step, status, unit.result, unit.error);
    return;
  }
  StepRun& step = steps_[ref.step];
  record_step(ref.step, unit.item, unit.status, unit.result, unit.error, unit.started_ms,
              unit.attempts);
  ++step.units_done;
  if (step.units_done == step.units.size()) complete_for_each(ref.step);
}

void RunExecutor::complete_for_each(std::size_t index) {
  StepRun& step = steps_[index];
  std::vector<lang::Value> results;
  std::string failures;
  int failed = 0;
  for (const Unit& unit : step.units) {
    results.push_back(unit.status == StepStatus::kSucceeded ? unit.result : lang::Value::none());
    if (unit.status != StepStatus::kFailed && unit.status != StepStatus::kCancelled) continue;
    if (++failed == 1) failures = "item " + std::to_string(unit.item) + ": " + unit.error;
  }
  if (failed > 0) {
    std::string error = std::to_string(failed) + " of " + std::to_string(step.units.size()) +
                        " items failed; first, " + failures;
    finish_step(index, StepStatus::kFailed, lang::Value::none(), std::move(error));
    return;
  }
  finish_step(index, StepStatus::kSucceeded, collect_items(results), "");
}

void RunExecutor::finish_step(std::size_t index, StepStatus status, lang::Value result,
                              std::string error) {
  StepRun& step = steps_[index];
  const lang::Step& spec = workflow_->steps[index];
  step.done = true;
  step.status = status;
  step.result = std::move(result);
  step.error = std::move(error);
  int attempts = step.units.size() == 1 && step.units[0].item < 0 ? step.units[0].attempts : 0;
  record_step(index, -1, status, step.result, step.error, step.started_ms, attempts);
  if (status == StepStatus::kSucceeded) context_.set(spec.id, step.result);
  if (status == StepStatus::kSkipped) context_.set(spec.id, skipped_result(spec));
  finished_.push_back(index);
}

void RunExecutor::record_step(std::size_t index, int item, StepStatus status,
                              const lang::Value& result, const std::string& error,
                              std::int64_t started_ms, int attempts) {
  const std::string& id = workflow_->steps[index].id;
  store::StepRecord record;
  record.step_id = id;
  record.item = item;
  record.status = status;
  // A failed step has no result, except a command in a loop (its exit code and output).
  if (status == StepStatus::kSucceeded || (status == StepStatus::kFailed && !result.is_none()))
    record.result_json = to_json_text(result);
  record.error = error;
  record.started_ms = started_ms;
  bool ended = status != StepStatus::kRunning && status != StepStatus::kWaiting;
  record.ended_ms = ended ? now_ms() : 0;
  record.attempts = attempts;
  record.fingerprint = workflow_->steps[index].fingerprint;
  check(services_.journal->put_step(run_.id, record));

  std::string data;
  auto add = [&data](std::string_view field, const std::string& json) {
    data += (data.empty() ? "{\"" : ",\"") + std::string(field) + "\":" + json;
  };
  if (!error.empty()) add("error", json_string(error));
  if (ended && started_ms > 0) add("elapsed_ms", std::to_string(record.ended_ms - started_ms));
  const lang::Value* usage = result.is_dict() ? result.as_dict().find("usage") : nullptr;
  if (usage != nullptr && usage->is_dict()) {
    for (const char* field : {"input_tokens", "output_tokens"}) {
      const lang::Value* tokens = usage->as_dict().find(field);
      if (tokens != nullptr && tokens->is_int()) add(field, std::to_string(tokens->as_int()));
    }
  }
  data = data.empty() ? "{}" : data + "}";
  emit(std::string(event_for(status)), id, item, std::move(data));
}

void RunExecutor::emit(std::string type, const std::string& step, int item, std::string data_json) {
  store::EventRecord record;
  record.time_ms = now_ms();
  record.type = std::move(type);
  record.step_id = step;
  record.item = item;
  record.data_json = std::move(data_json);
  check(services_.journal->append_event(run_.id, record));
  if (!services_.listener) return;
  unpublished_.push_back(Event{run_.id, record.seq, record.time_ms, std::move(record.type),
                               std::move(record.step_id), item, std::move(record.data_json)});
}

// --- the end --------------------------------------------------------------------------------

Result<store::RunRecord> RunExecutor::finish() {
  std::string failed_steps;
  bool any_failed = false;
  if (cancelled_) {
    for (std::size_t s = 0; s < steps_.size(); ++s) {
      for (std::size_t u = 0; u < steps_[s].units.size(); ++u) {
        const Unit& unit = steps_[s].units[u];
        bool begun = unit.phase == Phase::kInFlight || unit.phase == Phase::kBackoff ||
                     (unit.phase == Phase::kPending && unit.attempts > 0);
        if (begun)
          record_step(s, unit.item, StepStatus::kCancelled, lang::Value::none(), "cancelled",
                      unit.started_ms, unit.attempts);
      }
    }
    cancel_in_flight();
    run_.status = store::RunStatus::kCancelled;
  } else {
    for (std::size_t s = 0; s < steps_.size(); ++s) {
      if (steps_[s].status != StepStatus::kFailed || !steps_[s].done) continue;
      if (workflow_->steps[s].loop) continue;  // its loop reports it
      // Report the root causes, not the steps that failed because a dependency did.
      if (steps_[s].error.rfind("not run: ", 0) == 0) continue;
      any_failed = true;
      if (!failed_steps.empty()) failed_steps += "; ";
      failed_steps += "step '" + workflow_->steps[s].id + "': " + steps_[s].error;
    }
    if (any_failed) {
      run_.status = store::RunStatus::kFailed;
      run_.error = failed_steps;
    } else if (waiting_ > 0) {
      run_.status = store::RunStatus::kWaiting;
    } else {
      compute_outputs();
    }
  }
  run_.updated_ms = now_ms();
  emit("run_" + std::string(store::run_status_name(run_.status)), "", -1,
       run_.status == store::RunStatus::kFailed ? "{\"error\":" + json_string(run_.error) + "}"
                                                : "{}");
  check(services_.journal->update_run(run_));
  BATON_TRY(flush());
  if (!failure_.empty()) return Error(ErrorCode::kDataLoss, failure_);
  return run_;
}

void RunExecutor::compute_outputs() {
  lang::ValueDict outputs;
  for (const lang::Output& output : workflow_->outputs) {
    Result<lang::Value> value =
        evaluate_data(output.value, context_, "output '" + output.name + "'");
    if (!value) {
      run_.status = store::RunStatus::kFailed;
      run_.error = value.error().to_string();
      return;
    }
    outputs.set(output.name, std::move(*value));
  }
  run_.status = store::RunStatus::kSucceeded;
  run_.error.clear();
  run_.outputs_json = to_json_text(lang::Value(std::move(outputs)));
}

}  // namespace baton::engine
