#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "baton/result.h"

namespace baton::lang {
struct Model;
}

namespace baton::providers {

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// One model call, fully rendered.
struct ModelCall {
  const lang::Model* model = nullptr;  // the declared model: provider, name, options
  std::string step_id;                 // for fixtures and logs
  int item = -1;
  std::vector<ChatMessage> messages;
  std::chrono::milliseconds timeout{120'000};
  std::optional<bool> cache;  // the step's `cache:` setting; the model's applies when unset
};

struct ModelUsage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cached_input_tokens = 0;
};

struct ModelReply {
  std::string text;
  std::string model;  // the model name the provider says answered
  std::string finish_reason;
  ModelUsage usage;
};

// What one attempt gave. Errors: kRateLimited, kUnavailable (5xx, connection), kTimeout are
// worth retrying; kUnauthenticated, kInvalidInput (4xx) and kInternal (a reply that cannot be
// read) are not.
struct ModelOutcome {
  std::string request_json;   // the body that was sent: never a credential
  std::string response_body;  // as received, "" when none
  Result<ModelReply> reply = Error(ErrorCode::kInternal, "no reply");
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
  // Set when the response cache answered: nothing was sent and nothing was paid.
  struct CacheHit {
    std::string key;            // the request's content key (hex SHA-256)
    double saved_usd = 0;       // what the call that filled the entry cost
    ModelUsage original_usage;  // the tokens that call used
  };
  std::optional<CacheHit> cached;
};

// A model API. One call of start() is one attempt: retries, fallbacks and budgets belong to the
// engine, which journals every attempt.
class ModelProvider {
 public:
  using CallId = std::uint64_t;
  using Callback = std::function<void(ModelOutcome)>;

  virtual ~ModelProvider() = default;
  // `done` is called once, on the event loop's thread, never from inside start().
  virtual CallId start(const ModelCall& call, Callback done) = 0;
  // Aborts a call; its callback is not called. Unknown ids are ignored.
  virtual void cancel(CallId id) = 0;
};

}  // namespace baton::providers
