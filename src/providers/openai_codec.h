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
//    "max_tokens"?, "stream": true and "stream_options": {"include_usage": true} when `stream`,
//    ...Model::parameters}
// Parameters are added last, as top-level fields, so they may replace temperature or the token
// limit, and carry everything else the API takes as is: tools, tool_choice, response_format,
// stop, seed, top_p, user... They may not set model, messages, stream or stream_options.
// kInvalidInput when a parameter is reserved or not JSON data; kInternal when call.model is
// null (a bug in the caller).
Result<std::string> build_chat_request(const ModelCall& call, TokenLimitField token_limit,
                                       bool stream = false);

// Reads the body of a successful chat-completions response (a chat.completion object):
// choices[0].message.content, its tool_calls (or the older function_call) as ModelReply says,
// model, finish_reason and every usage field. kInternal ("HTTP <status> reply cannot be read:
// ...") when that cannot be read; kOutputRejected when the model refused.
Result<ModelReply> read_chat_completion(std::string_view body, long status = 200);

// Reads a chat-completions response into an outcome whose request_json is left empty:
//   2xx -> read_chat_completion
//   otherwise -> read_error_response (api_errors.h): 429 kRateLimited with retry_after from
//   retry-after-ms or Retry-After, 5xx kUnavailable, 401/403 kUnauthenticated without the
//   API's message (OpenAI's echoes part of the key), 408 kTimeout, other 4xx kInvalidInput.
// response_body is the body as received.
ModelOutcome read_chat_response(const net::HttpResponse& response,
                                std::chrono::system_clock::time_point now);

// A chat.completion object carrying `reply`, as OpenAI would have sent it: what the fixture
// provider records as its response body. `created` is 0, so that fixtures stay deterministic.
std::string render_chat_completion(const ModelReply& reply, std::string_view id);

// OpenAI's error body: {"error": {"message", "type", "param": null, "code": null}}.
std::string render_error_body(std::string_view message, std::string_view type);

}  // namespace baton::providers
