#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "baton/error.h"
#include "src/net/http_client.h"
#include "src/providers/provider.h"

// How the HTTP model APIs' failures become Errors: one mapping from status to ErrorCode for
// every provider, for error responses and for error events inside a stream alike.

namespace baton::providers {

// The most bytes of an API's message (or body) quoted in an Error.
inline constexpr std::size_t kMaxQuotedBytes = 300;

// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence, "..." when cut.
std::string truncate_utf8(std::string_view text, std::size_t limit = kMaxQuotedBytes);

// What the server said went wrong, quoted: error.message (OpenAI, Anthropic, vLLM), `error` as
// a string, top-level message or detail (other compatible servers), else the start of the body.
std::string api_error_message(std::string_view body);

// The delay a response asks for: retry-after-ms (OpenAI), else Retry-After (seconds or an
// HTTP-date, measured from `now`).
std::optional<std::chrono::milliseconds> retry_after_of(const net::HttpResponse& response,
                                                        std::chrono::system_clock::time_point now);

// The error for a failed status, with the API's message where it is safe to quote:
//   429 -> kRateLimited; 5xx (Anthropic's 529 "overloaded" too) -> kUnavailable
//   401, 403 -> kUnauthenticated, without the API's message (OpenAI's echoes part of the key)
//   408 -> kTimeout; other 4xx -> kInvalidInput; anything else -> kInternal
// The message starts with "HTTP <status>".
Error error_for_status(long status, std::string_view api_message);

// The HTTP status an API error type or code stands for, so that an error event inside a stream
// (sent with status 200) maps as the status would have: Anthropic's types (invalid_request_error
// 400, authentication_error 401, permission_error 403, not_found_error 404, request_too_large
// 413, rate_limit_error 429, api_error 500, overloaded_error 529), OpenAI's (server_error 500,
// rate_limit_exceeded and insufficient_quota 429, invalid_request_error 400, invalid_api_key
// 401...) and a number as text ("503"). 500 when unknown: a failure of the server's, retried.
long status_of_error_type(std::string_view type);

// An error event inside a streamed reply: the code error_for_status gives `status`, with the
// message "error event <type>: <message>" (the message left out for kUnauthenticated).
Error error_for_stream_event(std::string_view type, long status, std::string_view message);

// A non-2xx response as an outcome (request_json left empty): the error above, retry_after for
// 429 and 5xx when the server sent one, and the body as received.
ModelOutcome read_error_response(const net::HttpResponse& response,
                                 std::chrono::system_clock::time_point now);

}  // namespace baton::providers
