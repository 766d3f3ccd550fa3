// How each kind of step runs: value, prompt, run (a command) and human.
#include <cmath>
#include <random>
#include <utility>

#include "src/engine/clock.h"
#include "src/engine/executor.h"
#include "src/engine/render.h"
#include "src/engine/run_records.h"
#include "src/engine/value_json.h"

namespace baton::engine {
namespace {

using std::chrono::milliseconds;
using store::AttemptStatus;
using store::StepStatus;

constexpr milliseconds kDefaultModelTimeout{120'000};
constexpr milliseconds kDefaultModelBackoff{1'000};
constexpr milliseconds kDefaultMaxBackoff{60'000};
constexpr int kDefaultModelAttempts = 3;
constexpr std::size_t kErrorTail = 2000;

bool worth_retrying(ErrorCode code) {
  return code == ErrorCode::kRateLimited || code == ErrorCode::kUnavailable ||
         code == ErrorCode::kTimeout;
}

std::string tail(const std::string& text) {
  if (text.size() <= kErrorTail) return text;
  return "..." + text.substr(text.size() - kErrorTail);
}

lang::Value parsed_json_or_none(const std::string& text) {
  Result<lang::Value> parsed = lang::value_from_json(text);
  return parsed ? std::move(*parsed) : lang::Value::none();
}

// A run step's fields.
lang::Value command_fields(const tools::ProcessResult& result) {
  lang::ValueDict fields;
  fields.set("output", lang::Value(result.stdout_text));
  fields.set("json", parsed_json_or_none(result.stdout_text));
  fields.set("stdout", lang::Value(result.stdout_text));
  fields.set("stderr", lang::Value(result.stderr_text));
  fields.set("exit_code", lang::Value(result.exit_code));
  return lang::Value(std::move(fields));
}

std::string messages_json(const std::vector<providers::ChatMessage>& messages) {
  std::string json = "{\"messages\":[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) json += ",";
    json += "{\"role\":" + json_string(messages[i].role) +
            ",\"content\":" + json_string(messages[i].content) + "}";
  }
  return json + "]}";
}

}  // namespace

// Exponential, capped, with jitter: half the delay is fixed and half is random, so that calls
// that failed together do not all come back together.
milliseconds backoff_delay(const lang::RetryPolicy& policy, milliseconds base, int failures) {
  milliseconds cap = policy.max_backoff.count() > 0 ? policy.max_backoff : kDefaultMaxBackoff;
  double delay = static_cast<double>(base.count()) * std::pow(2.0, std::max(0, failures - 1));
  delay = std::min(delay, static_cast<double>(cap.count()));
  static thread_local std::mt19937_64 random{std::random_device{}()};
  double jitter = std::uniform_real_distribution<double>(0.5, 1.0)(random);
  return milliseconds(static_cast<std::int64_t>(delay * jitter));
}

void RunExecutor::start_unit(UnitRef ref) {
  Unit& unit = unit_at(ref);
  const lang::Step& spec = step_of(ref);
  unit.started_ms = now_ms();
  lang::Context context = unit_context(unit);
  if (spec.when) {
    Result<bool> holds = evaluate_condition(*spec.when, context);
    if (!holds) {
      finish_unit(ref, StepStatus::kFailed, lang::Value::none(), holds.error().to_string());
      return;
    }
    if (!*holds) {
      finish_unit(ref, StepStatus::kSkipped, lang::Value::none(), "");
      return;
    }
  }
  switch (spec.kind) {
    case lang::StepKind::kValue:
      start_value(ref, context);
      return;
    case lang::StepKind::kPrompt:
      start_prompt(ref, context);
      return;
    case lang::StepKind::kRun:
      start_command(ref, context);
      return;
    case lang::StepKind::kHuman:
      start_human(ref, context);
      return;
    case lang::StepKind::kCall:
      start_call(ref, context);
      return;
    case lang::StepKind::kLoop:  // begin_loop() runs its steps; a loop has no unit
      return;
  }
}

// Starts the unit's next attempt, or defers it while a concurrency limit is reached.
void RunExecutor::launch(UnitRef ref) {
  Unit& unit = unit_at(ref);
  if (in_flight_ >= services_.concurrency) {
    deferred_.push_back(ref);
    return;
  }
  if (step_of(ref).kind == lang::StepKind::kRun) {
    run_command(ref);
    return;
  }
  if (step_of(ref).kind == lang::StepKind::kCall) {
    call_handler(ref);
    return;
  }
  const lang::Model* model = current_model(unit);
  if (model->concurrency) {
    auto found = model_in_flight_.find(model->name);
    if (found != model_in_flight_.end() && found->second >= *model->concurrency) {
      deferred_.push_back(ref);
      return;
    }
  }
  call_model(ref);
}

// --- value ----------------------------------------------------------------------------------

void RunExecutor::start_value(UnitRef ref, const lang::Context& context) {
  Result<lang::Value> value = evaluate_data(step_of(ref).value()->value, context, "value");
  if (!value) {
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), value.error().to_string());
    return;
  }
  lang::ValueDict result;
  result.set("output", std::move(*value));
  finish_unit(ref, StepStatus::kSucceeded, lang::Value(std::move(result)), "");
}

// --- prompt ---------------------------------------------------------------------------------

const lang::Model* RunExecutor::current_model(const Unit& unit) const {
  const lang::Model* primary = workflow_->find_model(workflow_->steps[unit.step].prompt()->model);
  if (unit.model_index == 0 || primary == nullptr) return primary;
  return workflow_->find_model(primary->fallback[unit.model_index - 1]);
}

void RunExecutor::start_prompt(UnitRef ref, const lang::Context& context) {
  Result<std::vector<providers::ChatMessage>> messages =
      render_messages(*step_of(ref).prompt(), context);
  if (!messages) {
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), messages.error().to_string());
    return;
  }
  Unit& unit = unit_at(ref);
  unit.messages = std::move(*messages);
  unit.attempts = attempts_made_[{step_of(ref).id, unit.item}];
  if (resume_prompt(ref)) return;
  unit.purpose = "first";
  launch(ref);
}

void RunExecutor::call_model(UnitRef ref) {
  Unit& unit = unit_at(ref);
  const lang::Step& spec = step_of(ref);
  const lang::Model* model = current_model(unit);
  Result<providers::ModelProvider*> provider = services_.provider_for(*model);
  if (!provider) {
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), provider.error().message());
    return;
  }
  providers::ModelCall call;
  call.model = model;
  call.step_id = spec.id;
  call.item = unit.item;
  call.messages = conversation(unit);
  call.timeout = spec.timeout.value_or(workflow_->defaults.timeout.value_or(kDefaultModelTimeout));
  call.cache = spec.prompt()->cache;
  std::string why;
  switch (reserve_budget(unit, *model, why)) {
    case BudgetVerdict::kReserved:
      break;
    case BudgetVerdict::kLater:
      deferred_.push_back(ref);
      return;
    case BudgetVerdict::kExceeded:
      wait_for_budget(ref, why);
      return;
  }

  begin_attempt(unit, "model", model->name, messages_json(call.messages));
  ++in_flight_;
  ++model_in_flight_[model->name];
  unit.phase = Phase::kInFlight;
  unit.handle = Handle::kModel;
  unit.handle_id = (*provider)->start(call, [this, ref](providers::ModelOutcome outcome) {
    on_model_outcome(ref, std::move(outcome));
  });
}

void RunExecutor::on_model_outcome(UnitRef ref, providers::ModelOutcome outcome) {
  Unit& unit = unit_at(ref);
  const lang::Model* model = current_model(unit);
  --in_flight_;
  --model_in_flight_[model->name];
  release_budget(unit);
  unit.handle = Handle::kNone;
  unit.phase = Phase::kPending;
  unit.attempt.request_json = std::move(outcome.request_json);

  if (outcome.reply) {
    if (outcome.cached) mark_cached(unit, outcome);  // nothing was sent, nothing paid
    on_model_answer(ref, std::move(*outcome.reply), std::move(outcome.response_body));
    return;
  }

  const Error& error = outcome.reply.error();
  std::string message = "model '" + model->name + "': " + error.message();
  end_attempt(unit, AttemptStatus::kFailed, std::move(outcome.response_body), message, {}, model);
  const lang::Step& spec = step_of(ref);
  lang::RetryPolicy policy{kDefaultModelAttempts, kDefaultModelBackoff, kDefaultMaxBackoff};
  if (spec.retry) {
    policy = *spec.retry;
  } else if (model->retry) {
    policy = *model->retry;
  } else if (workflow_->defaults.retry) {
    policy = *workflow_->defaults.retry;
  }
  if (worth_retrying(error.code()) && unit.model_attempts < policy.attempts) {
    milliseconds base = policy.backoff.count() > 0 ? policy.backoff : kDefaultModelBackoff;
    milliseconds delay = outcome.retry_after ? *outcome.retry_after
                                             : backoff_delay(policy, base, unit.model_attempts);
    retry_later(ref, delay, message);
    return;
  }
  if (has_fallback(unit)) {
    switch_to_fallback(unit);
    emit("attempt_failed", spec.id, unit.item,
         "{\"error\":" + json_string(message) +
             ",\"fallback\":" + json_string(current_model(unit)->name) + "}");
    launch(ref);
    return;
  }
  fail_prompt(ref, message, unit.repair_turn ? unit.repair_turn->answer : "");
}

void RunExecutor::retry_later(UnitRef ref, milliseconds delay, const std::string& error) {
  Unit& unit = unit_at(ref);
  emit("attempt_failed", step_of(ref).id, unit.item,
       "{\"error\":" + json_string(error) + ",\"retry_in_ms\":" + std::to_string(delay.count()) +
           "}");
  unit.phase = Phase::kBackoff;
  unit.handle = Handle::kTimer;
  ++backing_off_;
  unit.handle_id = services_.loop->add_timer(delay, [this, ref] {
    Unit& waiting = unit_at(ref);
    --backing_off_;
    waiting.handle = Handle::kNone;
    waiting.phase = Phase::kPending;
    launch(ref);
  });
}

void RunExecutor::begin_attempt(Unit& unit, std::string kind, std::string model,
                                std::string request_json) {
  ++unit.attempts;
  ++unit.model_attempts;
  store::AttemptRecord& attempt = unit.attempt;
  attempt = store::AttemptRecord{};
  attempt.step_id = workflow_->steps[unit.step].id;
  attempt.item = unit.item;
  attempt.number = unit.attempts;
  attempt.kind = std::move(kind);
  attempt.model = std::move(model);
  attempt.purpose = unit.purpose.empty() ? "retry" : std::move(unit.purpose);
  unit.purpose.clear();
  attempt.request_json = std::move(request_json);
  attempt.started_ms = now_ms();
  check(services_.journal->add_attempt(run_.id, attempt));
  if (unit.attempts == 1 || unit.phase == Phase::kPending) {
    emit("step_started", attempt.step_id, unit.item,
         "{\"attempt\":" + std::to_string(attempt.number) + "}");
  }
}

void RunExecutor::end_attempt(Unit& unit, AttemptStatus status, std::string response_json,
                              std::string error, const providers::ModelUsage& usage,
                              const lang::Model* model) {
  store::AttemptRecord& attempt = unit.attempt;
  attempt.status = status;
  attempt.response_json = std::move(response_json);
  attempt.error = std::move(error);
  attempt.ended_ms = now_ms();
  attempt.input_tokens = usage.input_tokens;
  attempt.output_tokens = usage.output_tokens;
  attempt.cached_input_tokens = usage.cached_input_tokens;
  attempt.cache_write_tokens = usage.cache_creation_input_tokens;
  check(services_.journal->finish_attempt(run_.id, attempt));
  run_.input_tokens += usage.input_tokens;
  run_.output_tokens += usage.output_tokens;
  if (model != nullptr) run_.cost_usd += attempt_cost_usd(*model, attempt);
}

// --- run (a command) ------------------------------------------------------------------------

void RunExecutor::start_command(UnitRef ref, const lang::Context& context) {
  const lang::RunStep& run = *step_of(ref).run();
  tools::ProcessSpec spec;
  Status rendered = ok_status();
  auto render = [&](const lang::LocatedTemplate& text, std::string_view what, std::string& out) {
    if (!rendered) return;
    Result<std::string> value = render_text(text, context, what);
    if (!value) {
      rendered = std::move(value).error();
      return;
    }
    out = std::move(*value);
  };
  if (Result<std::vector<std::string>> argv = render_argv(run.shell, run.argv, context, "run")) {
    spec.argv = std::move(*argv);
  } else {
    rendered = std::move(argv).error();
  }
  if (run.stdin_text) render(*run.stdin_text, "stdin", spec.stdin_text);
  if (run.cwd) render(*run.cwd, "cwd", spec.cwd);
  for (const auto& [name, text] : run.env) {
    spec.env.emplace_back(name, "");
    render(text, "env." + name, spec.env.back().second);
  }
  if (!rendered) {
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), rendered.error().to_string());
    return;
  }
  const lang::Step& step = step_of(ref);
  spec.timeout = step.timeout.value_or(workflow_->defaults.timeout.value_or(milliseconds(0)));
  Unit& unit = unit_at(ref);
  unit.command = std::move(spec);
  unit.attempts = attempts_made_[{step.id, unit.item}];
  unit.purpose = "first";
  launch(ref);
}

void RunExecutor::run_command(UnitRef ref) {
  Unit& unit = unit_at(ref);
  std::string request = "{\"argv\":[";
  for (std::size_t i = 0; i < unit.command.argv.size(); ++i)
    request += (i > 0 ? "," : "") + json_string(unit.command.argv[i]);
  request += "],\"stdin\":" + json_string(unit.command.stdin_text) + "}";
  begin_attempt(unit, "process", "", std::move(request));
  ++in_flight_;
  unit.phase = Phase::kInFlight;
  unit.handle = Handle::kProcess;
  unit.handle_id =
      services_.processes->start(unit.command, [this, ref](Result<tools::ProcessResult> result) {
        on_command_result(ref, std::move(result));
      });
}

void RunExecutor::on_command_result(UnitRef ref, Result<tools::ProcessResult> result) {
  Unit& unit = unit_at(ref);
  --in_flight_;
  unit.handle = Handle::kNone;
  std::string error;
  std::string response;
  if (!result) {
    error = result.error().message();
  } else {
    response = "{\"exit_code\":" + std::to_string(result->exit_code) +
               ",\"stdout\":" + json_string(result->stdout_text) +
               ",\"stderr\":" + json_string(result->stderr_text) + "}";
    if (result->timed_out) {
      error = "timed out after " + std::to_string(unit.command.timeout.count()) + " ms";
    } else if (result->term_signal != 0) {
      error = "killed by signal " + std::to_string(result->term_signal);
    } else if (result->exit_code != 0) {
      error = "exited with code " + std::to_string(result->exit_code);
      if (!result->stderr_text.empty()) error += ": " + tail(result->stderr_text);
    }
  }
  if (error.empty()) {
    end_attempt(unit, AttemptStatus::kSucceeded, std::move(response), "", {}, nullptr);
    finish_unit(ref, StepStatus::kSucceeded, command_fields(*result), "");
    return;
  }
  end_attempt(unit, AttemptStatus::kFailed, std::move(response), error, {}, nullptr);
  const lang::Step& spec = step_of(ref);
  lang::RetryPolicy policy =
      spec.retry.value_or(workflow_->defaults.retry.value_or(lang::RetryPolicy{}));
  if (unit.model_attempts < policy.attempts) {
    retry_later(ref, backoff_delay(policy, policy.backoff, unit.model_attempts), error);
    return;
  }
  // In a loop, a command that exited with an error keeps its fields: the loop goes on with them
  // (`until: "{{ test.exit_code == 0 }}"`, the next iteration reads its output).
  bool exited = result && !result->timed_out && result->term_signal == 0;
  finish_unit(ref, StepStatus::kFailed,
              spec.loop && exited ? command_fields(*result) : lang::Value::none(), error);
}

// --- human ----------------------------------------------------------------------------------

void RunExecutor::start_human(UnitRef ref, const lang::Context& context) {
  const lang::HumanStep& human = *step_of(ref).human();
  Result<std::string> question = render_text(human.question, context, "human");
  Result<std::string> show =
      human.show ? render_text(*human.show, context, "show") : Result<std::string>("");
  if (!question || !show) {
    const Error& error = !question ? question.error() : show.error();
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), error.to_string());
    return;
  }
  wait_for_human(
      ref, "{\"question\":" + json_string(*question) + ",\"show\":" + json_string(*show) + "}");
}

// `record_json` is what the conductor is shown: {"question": ..., "show": ...}.
void RunExecutor::wait_for_human(UnitRef ref, std::string record_json) {
  Unit& unit = unit_at(ref);
  unit.phase = Phase::kWaiting;
  ++waiting_;
  if (answer_if_decided(ref)) return;
  unit.status = StepStatus::kWaiting;
  const std::string& id = step_of(ref).id;
  store::StepRecord record;
  record.step_id = id;
  record.item = unit.item;
  record.status = StepStatus::kWaiting;
  record.result_json = std::move(record_json);
  record.started_ms = unit.started_ms;
  record.attempts = unit.attempts;
  record.fingerprint = step_of(ref).fingerprint;
  check(services_.journal->put_step(run_.id, record));
  emit("step_waiting", id, unit.item, record.result_json);
}

bool RunExecutor::answer_if_decided(UnitRef ref) {
  Unit& unit = unit_at(ref);
  auto found = decisions_.find({step_of(ref).id, unit.item});
  if (found == decisions_.end()) return false;
  const store::DecisionRecord& decision = found->second;
  // A decision made before the step failed, or before what it shows changed, answered another
  // question.
  auto failed = failed_before_.find(found->first);
  if (failed != failed_before_.end() && decision.decided_ms <= failed->second) return false;
  if (step_of(ref).kind == lang::StepKind::kPrompt) {
    --waiting_;
    decide_prompt(ref, decision);
    return true;
  }
  lang::Value value =
      decision.value_json.empty() ? lang::Value::none() : parsed_json_or_none(decision.value_json);
  lang::ValueDict result;
  result.set("output", value);
  result.set("approved", lang::Value(decision.approved));
  result.set("value", value);
  result.set("reason", lang::Value(decision.reason));
  --waiting_;
  finish_unit(ref, StepStatus::kSucceeded, lang::Value(std::move(result)), "");
  return true;
}

}  // namespace baton::engine
