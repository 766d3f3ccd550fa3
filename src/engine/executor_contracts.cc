// A prompt step's output contract: the schema, pattern and check command run on each answer;
// a rejected answer is journaled with its feedback, then repaired (sent back to the same model
// with the failure), then the fallback models get the original prompt, then the conductor is
// asked (on_failure: ask) or the step fails. docs/running.md says the order.
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "src/engine/answer_contract.h"
#include "src/engine/clock.h"
#include "src/engine/executor.h"
#include "src/engine/render.h"
#include "src/engine/run_records.h"
#include "src/engine/value_json.h"

namespace baton::engine {
namespace {

using store::AttemptStatus;
using store::StepStatus;

// The end of a check command's output that goes back to the model.
constexpr std::size_t kCheckOutputLimit = 2000;

std::string capped(const std::string& text) {
  if (text.size() <= kCheckOutputLimit) return text;
  return "...\n" + text.substr(text.size() - kCheckOutputLimit);
}

// Writes `answer` to a new file in the temporary directory; its path, or "" on failure.
std::string write_answer_file(std::string_view answer) {
  std::error_code error;
  std::filesystem::path directory = std::filesystem::temp_directory_path(error);
  if (error) directory = "/tmp";
  std::string path = (directory / "baton-answer-XXXXXX").string();
  int fd = ::mkstemp(path.data());
  if (fd < 0) return "";
  const char* data = answer.data();
  std::size_t left = answer.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return "";
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  ::close(fd);
  return path;
}

void remove_file(const std::string& path) {
  std::error_code ignored;
  if (!path.empty()) std::filesystem::remove(path, ignored);
}

}  // namespace

std::vector<providers::ChatMessage> RunExecutor::conversation(const Unit& unit) const {
  std::vector<providers::ChatMessage> messages = unit.messages;
  if (unit.repair_turn) {
    messages.push_back({"assistant", unit.repair_turn->answer});
    messages.push_back({"user", repair_request(unit.repair_turn->feedback)});
  }
  return messages;
}

void RunExecutor::on_model_answer(UnitRef ref, providers::ModelReply reply,
                                  std::string response_json) {
  const lang::OutputContract& contract = step_of(ref).prompt()->output;
  Result<lang::Value> json = check_answer(contract, reply.text);
  if (!json) {
    reject_answer(ref, reply, std::move(response_json), json.error().message());
    return;
  }
  if (contract.check) {
    start_check(ref,
                PendingAnswer{std::move(reply), std::move(response_json), std::move(*json), ""});
    return;
  }
  accept_answer(ref, reply, std::move(response_json), std::move(*json));
}

// The check runs inside the model's attempt, which stays open until the verdict; its tokens
// are journaled first, since the call was paid for whatever happens next.
void RunExecutor::start_check(UnitRef ref, PendingAnswer pending) {
  Unit& unit = unit_at(ref);
  const lang::Model* model = current_model(unit);
  const lang::CheckCommand& command = *step_of(ref).prompt()->output.check;
  lang::Context context = unit_context(unit);
  tools::ProcessSpec spec;
  Result<std::vector<std::string>> argv =
      render_argv(command.shell, command.argv, context, "output.check");
  std::string failure;
  if (!argv) {
    failure = argv.error().to_string();
  } else {
    spec.argv = std::move(*argv);
    pending.answer_file = write_answer_file(pending.reply.text);
    if (pending.answer_file.empty()) {
      failure = "output.check: cannot write the answer to a temporary file: " +
                std::error_code(errno, std::generic_category()).message();
    }
  }
  const providers::ModelUsage& usage = pending.reply.usage;
  if (!failure.empty()) {
    end_attempt(unit, AttemptStatus::kFailed, std::move(pending.response_json), failure, usage,
                model);
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), failure);
    return;
  }
  unit.attempt.input_tokens = usage.input_tokens;
  unit.attempt.output_tokens = usage.output_tokens;
  unit.attempt.cached_input_tokens = usage.cached_input_tokens;
  unit.attempt.cache_write_tokens = usage.cache_creation_input_tokens;
  unit.attempt.response_json = pending.response_json;
  check(services_.journal->finish_attempt(run_.id, unit.attempt));

  spec.stdin_text = pending.reply.text;
  spec.env.emplace_back("BATON_ANSWER_FILE", pending.answer_file);
  spec.timeout = command.timeout.value_or(std::chrono::milliseconds(0));
  unit.pending = std::move(pending);
  ++in_flight_;
  unit.phase = Phase::kInFlight;
  unit.handle = Handle::kProcess;
  unit.handle_id =
      services_.processes->start(spec, [this, ref](Result<tools::ProcessResult> result) {
        on_check_result(ref, std::move(result));
      });
}

void RunExecutor::on_check_result(UnitRef ref, Result<tools::ProcessResult> result) {
  Unit& unit = unit_at(ref);
  --in_flight_;
  unit.handle = Handle::kNone;
  unit.phase = Phase::kPending;
  PendingAnswer pending = std::move(*unit.pending);
  unit.pending.reset();
  remove_file(pending.answer_file);
  if (!result) {
    // Not the answer's fault: repairing would not help.
    std::string error = "output.check could not run: " + result.error().message();
    const providers::ModelUsage& usage = pending.reply.usage;
    end_attempt(unit, AttemptStatus::kFailed, std::move(pending.response_json), error, usage,
                current_model(unit));
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), error);
    return;
  }
  const tools::ProcessResult& process = *result;
  if (!process.timed_out && process.term_signal == 0 && process.exit_code == 0) {
    accept_answer(ref, pending.reply, std::move(pending.response_json), std::move(pending.json));
    return;
  }
  std::string why;
  if (process.timed_out) {
    const lang::CheckCommand& command = *step_of(ref).prompt()->output.check;
    why = "timed out after " +
          std::to_string(command.timeout.value_or(std::chrono::milliseconds(0)).count()) + " ms";
  } else if (process.term_signal != 0) {
    why = "was killed by signal " + std::to_string(process.term_signal);
  } else {
    why = "exited with code " + std::to_string(process.exit_code);
  }
  std::string output = capped(process.stdout_text + process.stderr_text);
  std::string feedback = "your answer did not pass the check (the command " + why + ")";
  if (output.find_first_not_of(" \t\r\n") != std::string::npos) feedback += ":\n" + output;
  reject_answer(ref, pending.reply, std::move(pending.response_json), std::move(feedback));
}

void RunExecutor::accept_answer(UnitRef ref, const providers::ModelReply& reply,
                                std::string response_json, lang::Value json) {
  Unit& unit = unit_at(ref);
  const lang::Model* model = current_model(unit);
  end_attempt(unit, AttemptStatus::kSucceeded, std::move(response_json), "", reply.usage, model);
  lang::ValueDict usage;
  usage.set("input_tokens", lang::Value(reply.usage.input_tokens));
  usage.set("output_tokens", lang::Value(reply.usage.output_tokens));
  lang::ValueDict fields;
  fields.set("output", lang::Value(reply.text));
  fields.set("json", std::move(json));
  fields.set("usage", lang::Value(std::move(usage)));
  fields.set("model", lang::Value(model->name));
  finish_unit(ref, StepStatus::kSucceeded, lang::Value(std::move(fields)), "");
}

// The attempt fails, but its tokens count: the answer was paid for.
void RunExecutor::reject_answer(UnitRef ref, const providers::ModelReply& reply,
                                std::string response_json, std::string feedback) {
  Unit& unit = unit_at(ref);
  unit.attempt.feedback = feedback;
  unit.attempt.answer = reply.text;
  end_attempt(unit, AttemptStatus::kFailed, std::move(response_json), "rejected: " + feedback,
              reply.usage, current_model(unit));
  after_rejection(ref, RepairTurn{reply.text, std::move(feedback)}, false);
}

// What follows a rejected answer: a repair while the model has some left, then the next
// fallback model, then the conductor or the step's failure. `replaying`: the rejection was
// journaled by an earlier process, which died before acting on it.
void RunExecutor::after_rejection(UnitRef ref, RepairTurn rejected, bool replaying) {
  Unit& unit = unit_at(ref);
  const lang::Step& spec = step_of(ref);
  const lang::PromptStep& prompt = *spec.prompt();
  const std::string model = current_model(unit)->name;
  const char* next = unit.repairs < prompt.repair                 ? "repair"
                     : has_fallback(unit)                         ? "fallback"
                     : prompt.on_failure == lang::OnFailure::kAsk ? "ask"
                                                                  : "fail";
  if (!replaying) {
    emit("attempt_rejected", spec.id, unit.item,
         "{\"attempt\":" + std::to_string(unit.attempt.number) + ",\"model\":" +
             json_string(model) + ",\"feedback\":" + json_string(rejected.feedback) +
             ",\"next\":" + json_string(next) + "}");
  }
  if (std::string_view(next) == "repair") {
    ++unit.repairs;
    unit.model_attempts = 0;
    unit.repair_turn = std::move(rejected);
    unit.purpose = "repair";
    launch(ref);
    return;
  }
  if (std::string_view(next) == "fallback") {
    switch_to_fallback(unit);
    launch(ref);
    return;
  }
  std::string error = "the answer of model '" + model + "' was rejected";
  if (unit.repairs > 0) {
    error +=
        " after " + std::to_string(unit.repairs) + (unit.repairs == 1 ? " repair" : " repairs");
  }
  fail_prompt(ref, error + ": " + rejected.feedback, rejected.answer);
}

bool RunExecutor::has_fallback(const Unit& unit) const {
  const lang::Model* primary = workflow_->find_model(workflow_->steps[unit.step].prompt()->model);
  return primary != nullptr && unit.model_index < primary->fallback.size();
}

// The fallback model gets the original prompt, its own retries and its own repairs.
void RunExecutor::switch_to_fallback(Unit& unit) {
  ++unit.model_index;
  unit.model_attempts = 0;
  unit.repairs = 0;
  unit.repair_turn.reset();
  unit.purpose = "fallback";
}

void RunExecutor::fail_prompt(UnitRef ref, std::string error, std::string last_answer) {
  if (step_of(ref).prompt()->on_failure == lang::OnFailure::kAsk) {
    ask_for_answer(ref, error, last_answer);
    return;
  }
  finish_unit(ref, StepStatus::kFailed, lang::Value::none(), std::move(error));
}

void RunExecutor::ask_for_answer(UnitRef ref, const std::string& why,
                                 const std::string& last_answer) {
  const std::string label = step_label(step_of(ref).id, unit_at(ref).item);
  std::string question = "Step '" + label + "' has no acceptable answer (" + why +
                         "). Give the answer to use with --value (it must pass the step's "
                         "output contract), or reject the step.";
  wait_for_human(ref, "{\"question\":" + json_string(question) + ",\"show\":" +
                          json_string(last_answer) + ",\"feedback\":" + json_string(why) + "}");
}

void RunExecutor::decide_prompt(UnitRef ref, const store::DecisionRecord& decision) {
  if (!decision.approved) {
    std::string error = "rejected by the conductor";
    if (!decision.reason.empty()) error += ": " + decision.reason;
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(), std::move(error));
    return;
  }
  if (decision.value_json.empty()) {
    finish_unit(ref, StepStatus::kFailed, lang::Value::none(),
                "approved without an answer: a prompt step needs the answer to use (--value)");
    return;
  }
  std::string answer = answer_from_value_json(decision.value_json);
  Result<lang::Value> json = check_answer(step_of(ref).prompt()->output, answer);
  if (!json) {
    finish_unit(
        ref, StepStatus::kFailed, lang::Value::none(),
        "the conductor's answer does not pass the output contract: " + json.error().message());
    return;
  }
  lang::ValueDict usage;
  usage.set("input_tokens", lang::Value(std::int64_t{0}));
  usage.set("output_tokens", lang::Value(std::int64_t{0}));
  lang::ValueDict fields;
  fields.set("output", lang::Value(std::move(answer)));
  fields.set("json", std::move(*json));
  fields.set("usage", lang::Value(std::move(usage)));
  fields.set("model", lang::Value(std::string("human")));
  finish_unit(ref, StepStatus::kSucceeded, lang::Value(std::move(fields)), "");
}

// --- resuming -------------------------------------------------------------------------------

// Replays each prompt unit's model attempts: which model it was on, the repairs made there,
// and the last rejected answer. "first" and "fallback" attempts start over, as does a change
// of model.
void RunExecutor::restore_prompt_progress(const std::vector<store::AttemptRecord>& attempts) {
  for (const store::AttemptRecord& attempt : attempts) {
    if (attempt.kind != "model") continue;
    const lang::Step* step = workflow_->find_step(attempt.step_id);
    if (step == nullptr || step->prompt() == nullptr) continue;
    PromptProgress& progress = prompt_progress_[{attempt.step_id, attempt.item}];
    if (attempt.purpose == "first" || attempt.purpose == "fallback" ||
        attempt.model != progress.model) {
      progress = PromptProgress{};
      progress.model = attempt.model;
    }
    if (attempt.purpose == "repair") ++progress.repairs;
    progress.rejected_last = attempt.status == AttemptStatus::kFailed && !attempt.feedback.empty();
    if (progress.rejected_last) progress.turn = RepairTurn{attempt.answer, attempt.feedback};
  }
}

// Continues a prompt unit where an earlier process left it: waiting for the conductor, or on
// the model it had reached with the repairs it had left. False when it starts from the start
// (never attempted, or failed: a failed step is run again afresh).
bool RunExecutor::resume_prompt(UnitRef ref) {
  Unit& unit = unit_at(ref);
  const std::pair<std::string, int> key{step_of(ref).id, unit.item};
  if (failed_before_.contains(key)) return false;
  if (auto waiting = waiting_records_.find(key); waiting != waiting_records_.end()) {
    std::string record = std::move(waiting->second);
    waiting_records_.erase(waiting);
    wait_for_human(ref, std::move(record));
    return true;
  }
  auto found = prompt_progress_.find(key);
  if (found == prompt_progress_.end()) return false;
  PromptProgress progress = std::move(found->second);
  prompt_progress_.erase(found);
  const lang::Model* primary = workflow_->find_model(step_of(ref).prompt()->model);
  unit.model_index = 0;
  if (primary != nullptr) {
    for (std::size_t i = 0; i < primary->fallback.size(); ++i) {
      if (primary->fallback[i] == progress.model) unit.model_index = i + 1;
    }
  }
  unit.repairs = progress.repairs;
  unit.repair_turn = progress.turn;
  if (progress.rejected_last && progress.turn) {
    after_rejection(ref, *progress.turn, true);
    return true;
  }
  launch(ref);  // the call that was interrupted or failed, again: a "retry"
  return true;
}

}  // namespace baton::engine
