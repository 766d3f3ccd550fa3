#include "src/providers/retry_after.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace baton::providers {
namespace {

using Milliseconds = std::chrono::milliseconds;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A non-negative decimal number written in full ("20", "1.5"); nullopt otherwise.
std::optional<double> parse_non_negative(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  double value = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<Milliseconds> to_milliseconds(double milliseconds) {
  // Caps absurd values instead of overflowing: a day is longer than any sensible backoff.
  constexpr double kMax = 24.0 * 3600 * 1000;
  return Milliseconds(static_cast<std::int64_t>(std::ceil(std::min(milliseconds, kMax))));
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<unsigned> parse_month(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned index = 0; index < kMonths.size(); ++index) {
    if (kMonths[index] == name) return index + 1;
  }
  return std::nullopt;
}

// "08:49:37" -> seconds since midnight.
std::optional<int> parse_time_of_day(std::string_view text) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return std::nullopt;
  const auto hours = parse_int(text.substr(0, 2));
  const auto minutes = parse_int(text.substr(3, 2));
  const auto seconds = parse_int(text.substr(6, 2));
  if (!hours || !minutes || !seconds || *hours > 23 || *minutes > 59 || *seconds > 60) {
    return std::nullopt;
  }
  return *hours * 3600 + *minutes * 60 + *seconds;
}

// The three date forms of RFC 9110 §5.6.7, split on spaces, commas and dashes:
//   IMF-fixdate  Sun, 06 Nov 1994 08:49:37 GMT    -> Sun 06 Nov 1994 08:49:37 GMT
//   RFC 850      Sunday, 06-Nov-94 08:49:37 GMT   -> Sunday 06 Nov 94 08:49:37 GMT
//   asctime      Sun Nov  6 08:49:37 1994         -> Sun Nov 6 08:49:37 1994
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  for (std::size_t index = 0; index <= text.size(); ++index) {
    if (index == text.size() || text[index] == ' ' || text[index] == ',' || text[index] == '-') {
      if (index > start) tokens.push_back(text.substr(start, index - start));
      start = index + 1;
    }
  }
  std::optional<int> day;
  std::optional<unsigned> month;
  std::optional<int> year;
  std::optional<int> seconds_of_day;
  if (tokens.size() == 5 && parse_month(tokens[1])) {  // asctime
    month = parse_month(tokens[1]);
    day = parse_int(tokens[2]);
    seconds_of_day = parse_time_of_day(tokens[3]);
    year = parse_int(tokens[4]);
  } else if (tokens.size() == 6 && (tokens[5] == "GMT" || tokens[5] == "UTC")) {
    day = parse_int(tokens[1]);
    month = parse_month(tokens[2]);
    year = parse_int(tokens[3]);
    seconds_of_day = parse_time_of_day(tokens[4]);
    if (year && tokens[3].size() == 2) *year += *year >= 70 ? 1900 : 2000;  // RFC 850
  }
  if (!day || !month || !year || !seconds_of_day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (*day < 1 || !date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::seconds(*seconds_of_day);
}

}  // namespace

std::optional<Milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (const auto seconds = parse_non_negative(value)) return to_milliseconds(*seconds * 1000);
  const auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  if (*date <= now) return Milliseconds(0);
  return to_milliseconds(std::chrono::duration<double, std::milli>(*date - now).count());
}

std::optional<Milliseconds> parse_retry_after_ms(std::string_view value) {
  const auto milliseconds = parse_non_negative(trim(value));
  if (!milliseconds) return std::nullopt;
  return to_milliseconds(*milliseconds);
}

}  // namespace baton::providers
