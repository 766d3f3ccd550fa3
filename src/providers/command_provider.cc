#include "src/providers/command_provider.h"

#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "src/lang/workflow.h"

namespace baton::providers {
namespace {

constexpr std::size_t kErrorTail = 2000;

std::string tail(const std::string& text) {
  if (text.size() <= kErrorTail) return text;
  return "..." + text.substr(text.size() - kErrorTail);
}

std::string decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string request_json(const tools::ProcessSpec& spec) {
  nlohmann::json request = {{"argv", spec.argv}, {"stdin", spec.stdin_text}};
  return request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string response_json(const tools::ProcessResult& result) {
  nlohmann::json response = {{"exit_code", result.exit_code},
                             {"stdout", result.stdout_text},
                             {"stderr", result.stderr_text}};
  return response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class CommandProvider final : public ModelProvider {
 public:
  CommandProvider(EventLoop& loop, tools::ProcessRunner& processes)
      : loop_(loop), processes_(processes) {}

  ~CommandProvider() override {
    for (const auto& [id, call] : calls_) {
      if (call.process) processes_.cancel(*call.process);
    }
  }

  CallId start(const ModelCall& call, Callback done) override {
    const CallId id = next_id_++;
    Call& added = calls_[id];
    added.done = std::move(done);
    added.on_delta = call.on_delta;
    if (call.model == nullptr || call.model->command.empty()) {
      fail_soon(id, Error(ErrorCode::kInternal, "command model without a command"));
      return id;
    }
    const lang::Model& model = *call.model;
    tools::ProcessSpec spec;
    spec.argv = model.command;
    spec.stdin_text = command_prompt(call.messages);
    spec.env = {{"BATON_MODEL", model.model}, {"BATON_STEP", call.step_id}};
    if (model.temperature) spec.env.emplace_back("BATON_TEMPERATURE", decimal(*model.temperature));
    if (model.max_tokens)
      spec.env.emplace_back("BATON_MAX_TOKENS", std::to_string(*model.max_tokens));
    spec.timeout = call.timeout;
    added.request_json = request_json(spec);
    added.timeout = call.timeout;
    added.context = "command model '" + model.name + "'";
    added.process = processes_.start(
        std::move(spec),
        [this, id](Result<tools::ProcessResult> result) { on_exit(id, std::move(result)); });
    return id;
  }

  void cancel(CallId id) override {
    const auto found = calls_.find(id);
    if (found == calls_.end()) return;
    if (found->second.process) processes_.cancel(*found->second.process);
    calls_.erase(found);
  }

 private:
  struct Call {
    std::optional<tools::ProcessRunner::ProcessId> process;
    Callback done;
    std::function<void(std::string_view)> on_delta;
    std::string request_json;
    std::chrono::milliseconds timeout{0};
    std::string context;
  };

  void on_exit(CallId id, Result<tools::ProcessResult> result) {
    const auto found = calls_.find(id);
    if (found == calls_.end()) return;
    Call call = std::move(found->second);
    calls_.erase(found);
    ModelOutcome outcome;
    outcome.request_json = std::move(call.request_json);
    if (!result) {
      outcome.reply = std::move(result).error().with_context(call.context);
    } else {
      outcome.response_body = response_json(*result);
      outcome.reply = read_result(*result, call);
    }
    if (outcome.reply && call.on_delta && !outcome.reply->text.empty()) {
      const std::weak_ptr<bool> alive = alive_;
      call.on_delta(outcome.reply->text);
      if (alive.expired()) return;
    }
    call.done(std::move(outcome));  // may destroy this provider: nothing after it
  }

  static Result<ModelReply> read_result(const tools::ProcessResult& result, const Call& call) {
    std::string why;
    ErrorCode code = ErrorCode::kUnavailable;
    if (result.timed_out) {
      code = ErrorCode::kTimeout;
      why = "timed out after " + std::to_string(call.timeout.count()) + " ms";
    } else if (result.term_signal != 0) {
      why = "killed by signal " + std::to_string(result.term_signal);
    } else if (result.exit_code != 0) {
      why = "exited with code " + std::to_string(result.exit_code);
    }
    if (!why.empty()) {
      if (!result.stderr_text.empty()) why += ": " + tail(result.stderr_text);
      return Error(code, call.context + ": " + why);
    }
    ModelReply reply;
    reply.text = result.stdout_text;
    reply.finish_reason = result.stdout_truncated ? "length" : "stop";
    return reply;
  }

  // Reports a failure found before starting, from the loop rather than inside start().
  void fail_soon(CallId id, Error error) {
    loop_.post([alive = std::weak_ptr<bool>(alive_), this, id, error = std::move(error)]() mutable {
      if (alive.expired()) return;
      const auto found = calls_.find(id);
      if (found == calls_.end()) return;  // cancelled
      Callback done = std::move(found->second.done);
      calls_.erase(found);
      ModelOutcome outcome;
      outcome.reply = std::move(error);
      done(std::move(outcome));
    });
  }

  EventLoop& loop_;
  tools::ProcessRunner& processes_;
  CallId next_id_ = 1;
  std::unordered_map<CallId, Call> calls_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::string command_prompt(const std::vector<ChatMessage>& messages) {
  if (messages.size() == 1 && messages[0].role == "user") return messages[0].content;
  std::string text;
  for (const ChatMessage& message : messages) {
    if (!text.empty()) text += "\n\n";
    text += "### " + message.role + "\n" + message.content;
  }
  return text;
}

std::unique_ptr<ModelProvider> make_command_provider(EventLoop& loop,
                                                     tools::ProcessRunner& processes) {
  return std::make_unique<CommandProvider>(loop, processes);
}

}  // namespace baton::providers
