#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/net/http_client.h"
#include "src/providers/provider.h"

// The OpenAI chat-completions wire format (POST {base_url}/chat/completions), as pure functions
// over strings: no I/O, so every case is tested offline.

namespace baton::providers {

inline constexpr std::string_view kOpenAiBaseUrl = "https://api.openai.com/v1";

// True when `base_url`'s host is api.openai.com.
bool is_openai_host(std::string_view base_url);

// The field that carries Model::max_tokens. OpenAI deprecated `max_tokens` for
// `max_completion_tokens` (its reasoning models reject the old name), while many
// OpenAI-compatible servers only know `max_tokens`.
enum class TokenLimitField { kMaxCompletionTokens, kMaxTokens };
// kMaxCompletionTokens for OpenAI's own API, kMaxTokens for any other server.
TokenLimitField token_limit_field_for(std::string_view base_url);

// The request body for `call`, as compact JSON:
//   {"model", "messages": [{"role", "content"}...], "temperature"?, "max_completion_tokens" or
//    "max_tokens"?, ...Model::parameters}
// Parameters are added last, as top-level fields, so they may replace temperature or the token
// limit; they may not set model, messages or stream (this client reads whole replies only).
// kInvalidInput when a parameter is reserved or not JSON data; kInternal when call.model is
// null (a bug in the caller).
Result<std::string> build_chat_request(const ModelCall& call, TokenLimitField token_limit);

// Reads a chat-completions response into an outcome whose request_json is left empty:
//   2xx -> the reply: choices[0].message.content, model, finish_reason, usage
//          (kInternal when that cannot be read; kOutputRejected when the model refused)
//   429 -> kRateLimited, with retry_after from retry-after-ms or Retry-After (measured from
//          `now` when it is a date)
//   5xx -> kUnavailable (retry_after too when the server sent one)
//   401, 403 -> kUnauthenticated; the API's message is left out (OpenAI's echoes part of the key)
//   408 -> kTimeout; other 4xx -> kInvalidInput with the API's error.message
// Messages start with "HTTP <status>". response_body is the body as received.
ModelOutcome read_chat_response(const net::HttpResponse& response,
                                std::chrono::system_clock::time_point now);

// A chat.completion object carrying `reply`, as OpenAI would have sent it: what the fixture
// provider records as its response body. `created` is 0, so that fixtures stay deterministic.
std::string render_chat_completion(const ModelReply& reply, std::string_view id);

// OpenAI's error body: {"error": {"message", "type", "param": null, "code": null}}.
std::string render_error_body(std::string_view message, std::string_view type);

}  // namespace baton::providers
