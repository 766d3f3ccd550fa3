#include "src/providers/fixture_provider.h"

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/lang/workflow.h"
#include "src/providers/openai_codec.h"

namespace baton::providers {
namespace {

// The outcome of answering `call` with `response`.
ModelOutcome answer(const FixtureResponse& response, const ModelCall& call,
                    ModelProvider::CallId id) {
  ModelOutcome outcome;
  const lang::Model* model = call.model;
  const std::string base_url =
      model != nullptr && !model->base_url.empty() ? model->base_url : std::string(kOpenAiBaseUrl);
  if (model != nullptr) {
    Result<std::string> request = build_chat_request(call, token_limit_field_for(base_url));
    if (!request) {
      outcome.reply = std::move(request).error();
      return outcome;
    }
    outcome.request_json = std::move(*request);
  }
  const std::string where =
      "fixture " + response.span.file + ":" + std::to_string(response.span.line) + ": ";
  if (response.error) {
    switch (*response.error) {
      case ErrorCode::kRateLimited:
        outcome.response_body = render_error_body(where + "rate limited", "rate_limit_exceeded");
        outcome.reply = Error(ErrorCode::kRateLimited, where + "rehearsed HTTP 429 (rate limited)");
        break;
      case ErrorCode::kUnavailable:
        outcome.response_body = render_error_body(where + "server error", "server_error");
        outcome.reply = Error(ErrorCode::kUnavailable, where + "rehearsed HTTP 503 (unavailable)");
        break;
      default:
        outcome.reply = Error(*response.error, where + "rehearsed timeout");
        break;
    }
    return outcome;
  }
  ModelReply reply;
  reply.text = response.reply;
  reply.model = model != nullptr ? model->model : std::string("fixture");
  reply.finish_reason = "stop";
  reply.usage = response.usage ? *response.usage : estimate_usage(call, response.reply);
  outcome.response_body = render_chat_completion(reply, "fixture-" + std::to_string(id));
  outcome.reply = std::move(reply);
  return outcome;
}

class FixtureProvider final : public ModelProvider {
 public:
  FixtureProvider(EventLoop& loop, std::shared_ptr<const Fixture> fixture)
      : loop_(loop), fixture_(std::move(fixture)), uses_(fixture_->responses.size(), 0) {}

  ~FixtureProvider() override {
    for (const auto& [id, timer] : pending_) {
      if (timer) loop_.cancel_timer(*timer);
    }
  }

  CallId start(const ModelCall& call, Callback done) override {
    const CallId id = next_id_++;
    ModelOutcome outcome;
    std::chrono::milliseconds latency{0};
    if (const auto index = find_fixture_response(*fixture_, call, uses_)) {
      ++uses_[*index];
      const FixtureResponse& response = fixture_->responses[*index];
      outcome = answer(response, call, id);
      latency = response.latency;
    } else {
      outcome.reply = no_fixture_response(*fixture_, call);
    }
    auto deliver = [alive = std::weak_ptr<bool>(alive_), this, id, outcome = std::move(outcome),
                    on_delta = call.on_delta, done = std::move(done)]() mutable {
      if (alive.expired()) return;
      if (!pending_.contains(id)) return;  // cancelled
      // A streamed call gets the whole reply as its one delta, as from a server that does not
      // stream. on_delta may cancel the call or destroy the provider.
      if (on_delta && outcome.reply && !outcome.reply->text.empty()) {
        on_delta(outcome.reply->text);
        if (alive.expired() || !pending_.contains(id)) return;
      }
      pending_.erase(id);
      done(std::move(outcome));  // may destroy this provider: nothing after it
    };
    if (latency.count() > 0) {
      pending_[id] = loop_.add_timer(latency, std::move(deliver));
    } else {
      pending_[id] = std::nullopt;
      loop_.post(std::move(deliver));
    }
    return id;
  }

  void cancel(CallId id) override {
    const auto found = pending_.find(id);
    if (found == pending_.end()) return;
    if (found->second) loop_.cancel_timer(*found->second);
    pending_.erase(found);
  }

 private:
  EventLoop& loop_;
  std::shared_ptr<const Fixture> fixture_;
  std::vector<std::int64_t> uses_;  // per entry of fixture_->responses
  CallId next_id_ = 1;
  // Calls not yet delivered: their latency timer, or nullopt when posted.
  std::unordered_map<CallId, std::optional<EventLoop::TimerId>> pending_;
  // Expires with the provider, so that posted tasks can tell it is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<ModelProvider> make_fixture_provider(EventLoop& loop,
                                                     std::shared_ptr<const Fixture> fixture) {
  return std::make_unique<FixtureProvider>(loop, std::move(fixture));
}

}  // namespace baton::providers
