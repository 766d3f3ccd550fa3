// Call steps: a C++ function registered by the embedding program, run on the engine's thread.
#include "src/engine/clock.h"
#include "src/engine/executor.h"
#include "src/engine/render.h"
#include "src/engine/value_json.h"

namespace baton::engine {

void RunExecutor::start_call(UnitRef ref, const lang::Context& context) {
  const lang::CallStep& call = *step_of(ref).call();
  lang::Value input = lang::Value::none();
  if (call.with) {
    Result<lang::Value> evaluated = evaluate_data(*call.with, context, "with");
    if (!evaluated) {
      finish_unit(ref, store::StepStatus::kFailed, lang::Value::none(),
                  evaluated.error().to_string());
      return;
    }
    input = std::move(*evaluated);
  }
  Unit& unit = unit_at(ref);
  unit.handler_input = to_json_text(input);
  unit.attempts = attempts_made_[{step_of(ref).id, unit.item}];
  unit.purpose = "first";
  launch(ref);
}

void RunExecutor::call_handler(UnitRef ref) {
  Unit& unit = unit_at(ref);
  const lang::Step& spec = step_of(ref);
  const std::string& name = spec.call()->handler;
  begin_attempt(unit, "handler", "",
                "{\"handler\":" + json_string(name) + ",\"input\":" + unit.handler_input + "}");
  std::string error;
  lang::Value output = lang::Value::none();
  auto handler = services_.handlers->find(name);
  if (handler == services_.handlers->end()) {
    error = "no handler '" + name + "' is registered with this engine";
  } else {
    Result<std::string> answer =
        handler->second(HandlerCall{run_.id, spec.id, unit.item, unit.handler_input});
    if (!answer) {
      error = answer.error().to_string();
    } else if (Result<lang::Value> parsed = lang::value_from_json(*answer); !parsed) {
      error = "handler '" + name + "' did not return JSON: " + parsed.error().message();
    } else {
      output = std::move(*parsed);
    }
  }
  if (error.empty()) {
    end_attempt(unit, store::AttemptStatus::kSucceeded, to_json_text(output), "", {}, nullptr);
    lang::ValueDict result;
    result.set("output", std::move(output));
    finish_unit(ref, store::StepStatus::kSucceeded, lang::Value(std::move(result)), "");
    return;
  }
  end_attempt(unit, store::AttemptStatus::kFailed, "", error, {}, nullptr);
  lang::RetryPolicy policy =
      spec.retry.value_or(workflow_->defaults.retry.value_or(lang::RetryPolicy{}));
  if (unit.model_attempts < policy.attempts) {
    retry_later(ref, backoff_delay(policy, policy.backoff, unit.model_attempts), error);
    return;
  }
  finish_unit(ref, store::StepStatus::kFailed, lang::Value::none(), error);
}

}  // namespace baton::engine
