#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace baton::providers {

// Reads an HTTP Retry-After value (RFC 9110 §10.2.3): delay-seconds ("20", and "1.5" as some
// servers send), or an HTTP-date (IMF-fixdate, RFC 850 or asctime), which is measured from
// `now`. A date in the past gives zero. nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// Reads OpenAI's `retry-after-ms` header: a non-negative number of milliseconds.
std::optional<std::chrono::milliseconds> parse_retry_after_ms(std::string_view value);

}  // namespace baton::providers
