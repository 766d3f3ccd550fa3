#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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
  // When set, the call streams (server-sent events) and this receives the reply's text as it
  // arrives: on the loop's thread, in order, never from inside start(), all of it before the
  // outcome, never after cancel(). The pieces concatenate to ModelReply::text, except when the
  // reply carries tool calls (see ModelReply::text); tool-call arguments are not streamed. It may
  // cancel the call or destroy the provider. The provider keeps its own copy.
  std::function<void(std::string_view text)> on_delta;
};

// Token counts as the API reported them (0 when it did not).
struct ModelUsage {
  // Every input token, cached ones included (OpenAI's prompt_tokens; Anthropic's input_tokens +
  // cache_read_input_tokens + cache_creation_input_tokens).
  std::int64_t input_tokens = 0;
  // Every output token, reasoning ones included.
  std::int64_t output_tokens = 0;
  // Of input_tokens, those read from the provider's prompt cache (OpenAI's
  // prompt_tokens_details.cached_tokens; Anthropic's cache_read_input_tokens).
  std::int64_t cached_input_tokens = 0;
  // Of input_tokens, those written to the prompt cache (Anthropic's cache_creation_input_tokens).
  std::int64_t cache_creation_input_tokens = 0;
  // Of output_tokens, the model's hidden reasoning (OpenAI's
  // completion_tokens_details.reasoning_tokens).
  std::int64_t reasoning_tokens = 0;
};

// A tool (function) the model asked to call.
struct ToolCall {
  std::string id;         // the API's id, to answer the call with
  std::string name;       // the function's name
  std::string arguments;  // a JSON object's text, as the model wrote it (may be malformed)
};

struct ModelReply {
  // The reply's text. When the model called tools, the JSON object
  //   {"content": <the text, or null when there was none>,
  //    "tool_calls": [{"id", "name", "arguments": <the arguments as JSON, or as a string when
  //                    they are not valid JSON>}, ...]}
  // so that a workflow can read them as the step's json (docs/providers.md).
  std::string text;
  std::string model;          // the model name the provider says answered
  std::string finish_reason;  // the API's own word: "stop", "length", "end_turn", "tool_calls"...
  ModelUsage usage;
  std::vector<ToolCall> tool_calls;  // also in `text`, as above
};

// What one attempt gave. Errors: kRateLimited, kUnavailable (5xx, connection, a stream cut
// short), kTimeout are worth retrying; kUnauthenticated, kInvalidInput (4xx), kOutputRejected (a
// refusal) and kInternal (a reply or stream event that cannot be read) are not.
struct ModelOutcome {
  std::string request_json;  // the body that was sent: never a credential
  // The body as received, "" when none. For a streamed call that completed: the reply as the
  // API would have sent it unstreamed (OpenAI's chat.completion, Anthropic's message), assembled
  // from the events; for one that failed: the raw event stream received so far.
  std::string response_body;
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
