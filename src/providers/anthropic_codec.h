#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/net/http_client.h"
#include "src/providers/provider.h"

// Anthropic's Messages API wire format (POST {base_url}/v1/messages), as pure functions over
// strings: no I/O, so every case is tested offline.

namespace baton::providers {

inline constexpr std::string_view kAnthropicBaseUrl = "https://api.anthropic.com";
inline constexpr std::string_view kAnthropicVersion = "2023-06-01";  // anthropic-version header
// Anthropic requires max_tokens; this is sent when the model declares none.
inline constexpr std::int64_t kAnthropicDefaultMaxTokens = 4096;

// The request body for `call`, as compact JSON:
//   {"model", "max_tokens": Model::max_tokens or kAnthropicDefaultMaxTokens,
//    "system"?: the system messages' contents joined with a blank line,
//    "messages": [{"role", "content"}...] (the other messages, in order), "temperature"?,
//    "stream": true when `stream`, ...Model::parameters}
// Parameters are added last, as top-level fields, in Anthropic's own vocabulary
// (stop_sequences, top_k, tools, tool_choice, metadata, thinking...), and may replace
// max_tokens, temperature or system; they may not set model, messages or stream.
// kInvalidInput when a parameter is reserved or not JSON data; kInternal when call.model is null.
Result<std::string> build_messages_request(const ModelCall& call, bool stream = false);

// Reads the body of a successful response (a "message" object): the text blocks concatenated,
// tool_use blocks as ModelReply's tool calls, model, stop_reason as the finish reason, and
// usage (input_tokens + cache_read_input_tokens + cache_creation_input_tokens as input_tokens;
// the cache fields as such). kOutputRejected when stop_reason is "refusal"; kInternal ("HTTP
// <status> reply cannot be read: ...") when the body cannot be read.
Result<ModelReply> read_message(std::string_view body, long status = 200);

// Reads a Messages API response into an outcome whose request_json is left empty: 2xx ->
// read_message; otherwise read_error_response (api_errors.h): 429 kRateLimited and 529
// (overloaded) or other 5xx kUnavailable, both with Retry-After; 401/403 kUnauthenticated;
// 400, 404, 413 kInvalidInput with the API's error.message.
ModelOutcome read_messages_response(const net::HttpResponse& response,
                                    std::chrono::system_clock::time_point now);

}  // namespace baton::providers
