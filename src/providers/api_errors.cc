#include "src/providers/api_errors.h"

#include <nlohmann/json.hpp>

#include "src/providers/retry_after.h"

namespace baton::providers {
namespace {

using Json = nlohmann::json;

std::string string_member(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

}  // namespace

std::string truncate_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string api_error_message(std::string_view body) {
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object()) {
    if (const auto error = json.find("error"); error != json.end()) {
      if (error->is_string()) return truncate_utf8(error->get<std::string>());
      if (std::string message = string_member(*error, "message"); !message.empty()) {
        return truncate_utf8(message);
      }
    }
    for (const char* key : {"message", "detail"}) {
      if (std::string message = string_member(json, key); !message.empty()) {
        return truncate_utf8(message);
      }
    }
  }
  if (body.empty()) return "(empty body)";
  return truncate_utf8(body);
}

std::optional<std::chrono::milliseconds> retry_after_of(const net::HttpResponse& response,
                                                        std::chrono::system_clock::time_point now) {
  if (const auto header = response.header("retry-after-ms")) {
    if (auto delay = parse_retry_after_ms(*header)) return delay;
  }
  if (const auto header = response.header("retry-after")) return parse_retry_after(*header, now);
  return std::nullopt;
}

Error error_for_status(long status, std::string_view api_message) {
  const std::string http = "HTTP " + std::to_string(status);
  if (status == 429) {
    return Error(ErrorCode::kRateLimited, http + " (rate limited): " + std::string(api_message));
  }
  if (status == 529) {
    return Error(ErrorCode::kUnavailable, http + " (overloaded): " + std::string(api_message));
  }
  if (status >= 500 && status < 600) {
    return Error(ErrorCode::kUnavailable, http + " (server error): " + std::string(api_message));
  }
  if (status == 401 || status == 403) {
    return Error(ErrorCode::kUnauthenticated, http + ": the server did not accept the API key");
  }
  if (status == 408) return Error(ErrorCode::kTimeout, http + ": the server timed out the request");
  if (status >= 400 && status < 500) return invalid_input(http + ": " + std::string(api_message));
  return internal_error(http + ": unexpected status");
}

long status_of_error_type(std::string_view type) {
  struct Known {
    std::string_view type;
    long status;
  };
  static constexpr Known kKnown[] = {
      {"invalid_request_error", 400},
      {"invalid_value", 400},
      {"context_length_exceeded", 400},
      {"bad_request", 400},
      {"authentication_error", 401},
      {"invalid_api_key", 401},
      {"permission_error", 403},
      {"not_found_error", 404},
      {"model_not_found", 404},
      {"timeout", 408},
      {"request_too_large", 413},
      {"rate_limit_error", 429},
      {"rate_limit_exceeded", 429},
      {"insufficient_quota", 429},
      {"requests", 429},
      {"tokens", 429},
      {"api_error", 500},
      {"server_error", 500},
      {"internal_error", 500},
      {"service_unavailable", 503},
      {"overloaded_error", 529},
  };
  for (const Known& known : kKnown) {
    if (type == known.type) return known.status;
  }
  long number = 0;
  bool digits = type.size() == 3;
  for (char c : type) {
    digits = digits && c >= '0' && c <= '9';
    number = number * 10 + (c - '0');
  }
  if (digits && number >= 400 && number < 600) return number;
  if (type.find("rate_limit") != std::string_view::npos) return 429;
  if (type.find("overloaded") != std::string_view::npos) return 529;
  return 500;
}

Error error_for_stream_event(std::string_view type, long status, std::string_view message) {
  const Error mapped = error_for_status(status, "");
  std::string text = "error event " + std::string(type.empty() ? "(untyped)" : type);
  if (mapped.code() != ErrorCode::kUnauthenticated) text += ": " + truncate_utf8(message);
  return Error(mapped.code(), std::move(text));
}

ModelOutcome read_error_response(const net::HttpResponse& response,
                                 std::chrono::system_clock::time_point now) {
  ModelOutcome outcome;
  outcome.response_body = response.body;
  const long status = response.status;
  if (status == 429 || (status >= 500 && status < 600)) {
    outcome.retry_after = retry_after_of(response, now);
  }
  const bool quotes_message = status != 401 && status != 403 && status != 408;
  outcome.reply =
      error_for_status(status, quotes_message ? api_error_message(response.body) : std::string());
  return outcome;
}

}  // namespace baton::providers
