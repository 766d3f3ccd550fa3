// Loops: a group of steps run once per iteration until `until` holds or `max` iterations ran.
//
// Each step of a loop is journaled once per iteration, under "<loop>.<step>" with the iteration
// (0, 1, ...) as its item, and each finished iteration as the loop's own item, holding its
// steps' results by name. A resumed run takes the finished iterations from those records and,
// in the iteration that was running, keeps every step that had finished: only the others run.
#include <algorithm>
#include <string>
#include <utility>

#include "src/engine/clock.h"
#include "src/engine/executor.h"
#include "src/engine/render.h"
#include "src/engine/value_json.h"

namespace baton::engine {
namespace {

using store::StepStatus;

// A command that ran and exited with an error is an outcome the loop reacts to (its exit code
// and output are what the next iteration fixes); any other failure fails the loop.
bool is_outcome(StepStatus status, const lang::Value& result) {
  return status == StepStatus::kFailed && !result.is_none();
}

bool reads(const lang::Step& step, std::size_t dependency) {
  return std::find(step.dependencies.begin(), step.dependencies.end(), dependency) !=
         step.dependencies.end();
}

}  // namespace

lang::Value RunExecutor::loop_variable(std::size_t loop) const {
  const StepRun& run = steps_[loop];
  lang::ValueDict fields;
  fields.set("index", lang::Value(run.iteration + 1));
  fields.set("index0", lang::Value(run.iteration));
  fields.set("first", lang::Value(run.iteration == 0));
  fields.set("max", lang::Value(workflow_->steps[loop].loop_body()->max));
  fields.set("previous", run.previous);
  return lang::Value(std::move(fields));
}

lang::Context RunExecutor::iteration_context(std::size_t loop) const {
  lang::Context context(&context_);
  context.set("loop", loop_variable(loop));
  for (const auto& [name, result] : steps_[loop].current.entries()) context.set(name, result);
  return context;
}

void RunExecutor::begin_loop(std::size_t index) {
  const lang::Step& spec = workflow_->steps[index];
  StepRun& loop = steps_[index];
  if (spec.when) {
    Result<bool> holds = evaluate_condition(*spec.when, context_);
    if (!holds) {
      finish_step(index, StepStatus::kFailed, lang::Value::none(), holds.error().to_string());
      return;
    }
    if (!*holds) {
      finish_step(index, StepStatus::kSkipped, skipped_result(spec), "");
      return;
    }
  }
  // The iterations an earlier process finished.
  int finished = 0;
  for (auto kept = kept_items_.find({index, 0}); kept != kept_items_.end();
       kept = kept_items_.find({index, finished})) {
    Result<lang::Value> results = lang::value_from_json(kept->second.result_json);
    if (!results || !results->is_dict()) {
      fail_run("the journal's results of iteration " + std::to_string(finished) + " of loop '" +
               spec.id + "' are not a JSON object");
      return;
    }
    loop.previous = finished == 0 ? lang::Value::none() : lang::Value(loop.current);
    loop.current = results->as_dict();
    ++finished;
  }
  if (finished == 0) {
    start_iteration(index, 0);
    return;
  }
  loop.iteration = finished - 1;
  after_iteration(index);
}

void RunExecutor::start_iteration(std::size_t index, int iteration) {
  const lang::LoopStep& spec = *workflow_->steps[index].loop_body();
  StepRun& loop = steps_[index];
  if (iteration > 0) loop.previous = lang::Value(std::move(loop.current));
  loop.iteration = iteration;
  loop.iteration_started_ms = now_ms();
  loop.current = lang::ValueDict();
  loop.body_done = 0;
  for (std::size_t step : spec.body) {
    StepRun& run = steps_[step];
    run = StepRun{};
    run.expanded = true;
    run.started_ms = loop.iteration_started_ms;
    Unit& unit = run.units.emplace_back();
    unit.step = step;
    unit.item = iteration;
  }
  // Steps an earlier process finished in this iteration are kept, in dependency order.
  for (std::size_t step : spec.body) {
    auto kept = kept_items_.find({step, iteration});
    if (kept == kept_items_.end()) continue;
    const lang::Step& body_step = workflow_->steps[step];
    Result<lang::Value> result = lang::value_from_json(kept->second.result_json);
    StepRun& run = steps_[step];
    Unit& unit = run.units[0];
    unit.phase = Phase::kDone;
    unit.status = kept->second.status;
    unit.result = result && kept->second.status != StepStatus::kSkipped ? std::move(*result)
                                                                        : skipped_result(body_step);
    run.done = true;
    run.status = unit.status;
    loop.current.set(body_step.name, unit.result);
    ++loop.body_done;
  }
  if (loop.body_done == spec.body.size()) {
    end_iteration(index);
    return;
  }
  for (std::size_t step : spec.body) {
    StepRun& run = steps_[step];
    if (run.done) continue;
    for (std::size_t other : spec.body) {
      if (!steps_[other].done && reads(workflow_->steps[step], other)) ++run.pending;
    }
    if (run.pending == 0) ready_.push_back({step, 0});
  }
}

void RunExecutor::finish_body_step(UnitRef ref) {
  Unit& unit = unit_at(ref);
  StepRun& run = steps_[ref.step];
  run.done = true;
  run.status = unit.status;
  record_step(ref.step, unit.item, unit.status, unit.result, unit.error, unit.started_ms,
              unit.attempts);
  settle_body_step(*step_of(ref).loop, ref.step, unit.status, unit.result, unit.error);
}

void RunExecutor::settle_body_step(std::size_t index, std::size_t step, StepStatus status,
                                   const lang::Value& result, const std::string& error) {
  StepRun& loop = steps_[index];
  if (loop.done) return;  // failed already, by another of its steps
  const lang::Step& spec = workflow_->steps[step];
  bool failed = status == StepStatus::kFailed || status == StepStatus::kCancelled;
  if (failed && !is_outcome(status, result)) {
    finish_step(
        index, StepStatus::kFailed, lang::Value::none(),
        "iteration " + std::to_string(loop.iteration) + ", step '" + spec.name + "': " + error);
    return;
  }
  loop.current.set(spec.name, status == StepStatus::kSkipped ? skipped_result(spec) : result);
  const lang::LoopStep& body = *workflow_->steps[index].loop_body();
  for (std::size_t other : body.body) {
    StepRun& waiting = steps_[other];
    if (waiting.done || !reads(workflow_->steps[other], step)) continue;
    if (--waiting.pending == 0) ready_.push_back({other, 0});
  }
  if (++loop.body_done == body.body.size()) end_iteration(index);
}

void RunExecutor::end_iteration(std::size_t index) {
  StepRun& loop = steps_[index];
  record_step(index, loop.iteration, StepStatus::kSucceeded, lang::Value(loop.current), "",
              loop.iteration_started_ms, 0);
  after_iteration(index);
}

// The iteration loop.iteration has finished (its results are loop.current): the loop ends,
// fails, or runs the next one.
void RunExecutor::after_iteration(std::size_t index) {
  const lang::Step& spec = workflow_->steps[index];
  const lang::LoopStep& body = *spec.loop_body();
  StepRun& loop = steps_[index];
  const int ran = loop.iteration + 1;
  bool converged = false;
  if (body.until) {
    Result<bool> holds = evaluate_condition(*body.until, iteration_context(index));
    if (!holds) {
      finish_step(index, StepStatus::kFailed, lang::Value::none(),
                  "loop.until, after iteration " + std::to_string(loop.iteration) + ": " +
                      holds.error().to_string());
      return;
    }
    converged = *holds;
  }
  if (!converged && ran < body.max) {
    start_iteration(index, ran);
    return;
  }
  if (!converged && body.until) {
    finish_step(index, StepStatus::kFailed, lang::Value::none(),
                "the loop reached max (" + std::to_string(body.max) +
                    " iterations) and its 'until' never held; each iteration's results are in "
                    "the journal");
    return;
  }
  lang::ValueDict result = loop.current;
  result.set("iterations", lang::Value(ran));
  finish_step(index, StepStatus::kSucceeded, lang::Value(std::move(result)), "");
}

}  // namespace baton::engine
