// Jinja2's number filters: abs, int, float, round, filesizeformat; and Python's int()/float()
// parsing of strings.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "src/lang/template/filter_support.h"
#include "src/lang/template/python_text.h"
#include "src/lang/template/str_methods.h"

namespace baton::lang {
namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

Result<Value> filter_abs(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("abs", args, {}));
  (void)bound;
  if (input.is_undefined()) return python_error(input.undefined_message());
  if (input.is_float()) return Value(std::fabs(input.as_float()));
  if (input.is_int() || input.is_bool()) {
    const std::int64_t v = input.is_bool() ? (input.as_bool() ? 1 : 0) : input.as_int();
    if (v == INT64_MIN) return python_error("integer overflow: the result does not fit in 64 bits");
    return Value(v < 0 ? -v : v);
  }
  return python_error("bad operand type for abs(): '" + std::string(type_name(input)) + "'");
}

Result<Value> filter_int(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("int", args, {"default", "base"}));
  const Value fallback = bound.get_or(0, Value(0));
  BATON_ASSIGN_OR_RETURN(std::int64_t base, int_arg(bound.get_or(1, Value(10)), "base"));
  if (input.is_undefined()) return python_error(input.undefined_message());
  if (input.is_int()) return input;
  if (input.is_bool()) return Value(std::int64_t{input.as_bool() ? 1 : 0});
  std::optional<double> as_float;
  if (input.is_float()) {
    as_float = input.as_float();
  } else if (input.is_string()) {
    if (base != 0 && (base < 2 || base > 36))
      return python_error("int() base must be >= 2 and <= 36, or 0");
    if (auto parsed = parse_python_int(input.as_string(), static_cast<int>(base)))
      return Value(*parsed);
    // "42.23"|int is 42: Jinja2 retries through float().
    as_float = parse_python_float(input.as_string());
  }
  if (!as_float) return fallback;
  if (std::isnan(*as_float)) return fallback;
  if (std::isinf(*as_float)) return python_error("cannot convert float infinity to integer");
  if (std::fabs(*as_float) >= 9.2233720368547758e18)
    return python_error("integer overflow: the result does not fit in 64 bits");
  return Value(static_cast<std::int64_t>(*as_float));
}

Result<Value> filter_float(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("float", args, {"default"}));
  const Value fallback = bound.get_or(0, Value(0.0));
  if (input.is_undefined()) return python_error(input.undefined_message());
  if (input.is_number() || input.is_bool()) return Value(input.as_number());
  if (input.is_string()) {
    if (auto parsed = parse_python_float(input.as_string())) return Value(*parsed);
  }
  return fallback;
}

// Python's round(x, n) for floats: the correctly rounded decimal (glibc's printf rounds the
// exact binary value half-to-even, as CPython does).
double python_round(double value, std::int64_t digits) {
  if (!std::isfinite(value)) return value;
  // From 2**52 on a double has no fractional digits; past 330 digits nothing is left to round.
  if (digits >= 0 && (std::fabs(value) >= 4503599627370496.0 || digits > 330)) return value;
  if (digits >= 0) {
    const std::string text = python_format_float(value, 'f', static_cast<int>(digits), false);
    return std::strtod(text.c_str(), nullptr);
  }
  if (digits < -308) return std::copysign(0.0, value);
  const double scale = std::pow(10.0, static_cast<double>(-digits));
  return std::nearbyint(value / scale) * scale;
}

Result<Value> filter_round(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("round", args, {"precision", "method"}));
  BATON_ASSIGN_OR_RETURN(std::int64_t precision, int_arg(bound.get_or(0, Value(0)), "precision"));
  BATON_ASSIGN_OR_RETURN(std::string method, to_str_checked(bound.get_or(1, Value("common"))));
  if (method != "common" && method != "ceil" && method != "floor")
    return python_error("method must be common, ceil or floor");
  if (input.is_undefined()) return python_error(input.undefined_message());
  if (!input.is_number() && !input.is_bool()) {
    if (method == "common")
      return python_error("type " + std::string(type_name(input)) +
                          " doesn't define __round__ method");
    return python_error("unsupported operand type(s) for *: '" + std::string(type_name(input)) +
                        "' and 'int'");
  }
  if (method == "common") {
    if (input.is_int() || input.is_bool()) {
      // round(int, n) stays an int.
      const std::int64_t v = input.is_bool() ? (input.as_bool() ? 1 : 0) : input.as_int();
      if (precision >= 0) return Value(v);
      const double rounded = python_round(static_cast<double>(v), precision);
      if (std::fabs(rounded) >= 9.2233720368547758e18)
        return python_error("integer overflow: the result does not fit in 64 bits");
      return Value(static_cast<std::int64_t>(rounded));
    }
    return Value(python_round(input.as_float(), precision));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = input.as_number() * scale;
  const double rounded = method == "ceil" ? std::ceil(scaled) : std::floor(scaled);
  // math.ceil/floor return ints in Python, so there is no negative zero.
  return Value((rounded + 0.0) / scale + 0.0);
}

Result<Value> filter_filesizeformat(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("filesizeformat", args, {"binary"}));
  bool binary = false;
  if (bound.has(0)) {
    BATON_ASSIGN_OR_RETURN(binary, is_truthy(*bound.get(0)));
  }
  if (input.is_undefined()) return python_error(input.undefined_message());
  double bytes = 0;
  if (input.is_number() || input.is_bool()) {
    bytes = input.as_number();
  } else if (input.is_string()) {
    auto parsed = parse_python_float(input.as_string());
    if (!parsed) return python_error("could not convert string to float: " + to_repr(input));
    bytes = *parsed;
  } else {
    return python_error("float() argument must be a string or a real number, not '" +
                        std::string(type_name(input)) + "'");
  }
  const double base = binary ? 1024 : 1000;
  static constexpr const char* kDecimal[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  static constexpr const char* kBinary[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  if (bytes == 1) return Value("1 Byte");
  if (bytes < base) {
    return Value(std::to_string(static_cast<std::int64_t>(bytes)) + " Bytes");
  }
  double unit = base;
  const char* prefix = "";
  for (int i = 0; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    prefix = binary ? kBinary[i] : kDecimal[i];
    if (bytes < unit) break;
  }
  return Value(python_format_float(base * bytes / unit, 'f', 1, false) + " " + prefix);
}

// Digits with single underscores between them, as Python's int() and float() accept.
std::optional<std::string> strip_underscores(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      if (i == 0 || i + 1 >= text.size() || text[i - 1] == '_' || digit_value(text[i - 1]) == 99 ||
          digit_value(text[i + 1]) == 99)
        return std::nullopt;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> parse_python_int(std::string_view text, int base) {
  std::string trimmed = python_strip(text, nullptr, true, true);
  std::string_view s = trimmed;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto has_prefix = [&](char letter) {
    return s.size() >= 2 && s[0] == '0' && (s[1] == letter || s[1] == letter - 32);
  };
  bool prefixed = false;
  if (base == 0) {
    if (has_prefix('x')) {
      base = 16;
      prefixed = true;
    } else if (has_prefix('o')) {
      base = 8;
      prefixed = true;
    } else if (has_prefix('b')) {
      base = 2;
      prefixed = true;
    } else {
      base = 10;
      // Base 0 rejects leading zeros in a nonzero decimal ("010").
      std::string_view digits = s;
      if (digits.size() > 1 && digits[0] == '0' &&
          digits.find_first_not_of("0_") != std::string_view::npos)
        return std::nullopt;
    }
  } else if ((base == 16 && has_prefix('x')) || (base == 8 && has_prefix('o')) ||
             (base == 2 && has_prefix('b'))) {
    prefixed = true;
  }
  if (prefixed) {
    s.remove_prefix(2);
    if (!s.empty() && s[0] == '_') s.remove_prefix(1);  // "0x_1f" is valid
  }
  auto digits = strip_underscores(s);
  if (!digits || digits->empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : *digits) {
    const int d = digit_value(c);
    if (d >= base) return std::nullopt;
    if (value > (UINT64_MAX - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(base))
      return std::nullopt;
    value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  if (value > static_cast<std::uint64_t>(INT64_MAX) + (negative ? 1 : 0)) return std::nullopt;
  return negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
}

std::optional<double> parse_python_float(std::string_view text) {
  std::string trimmed = python_strip(text, nullptr, true, true);
  std::string_view s = trimmed;
  std::string sign;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s.substr(0, 1);
    s.remove_prefix(1);
  }
  const std::string lower = python_lower(s);
  if (lower == "inf" || lower == "infinity") return sign == "-" ? -HUGE_VAL : HUGE_VAL;
  if (lower == "nan") return std::nan("");
  auto cleaned = strip_underscores(s);
  if (!cleaned) return std::nullopt;
  // Python's grammar: digits [. digits] | . digits, then an optional exponent. No hex.
  const std::string& d = *cleaned;
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < d.size() && d[i] >= '0' && d[i] <= '9') ++i, ++mantissa_digits;
  if (i < d.size() && d[i] == '.') {
    ++i;
    while (i < d.size() && d[i] >= '0' && d[i] <= '9') ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < d.size() && (d[i] == 'e' || d[i] == 'E')) {
    ++i;
    if (i < d.size() && (d[i] == '+' || d[i] == '-')) ++i;
    const std::size_t exponent_start = i;
    while (i < d.size() && d[i] >= '0' && d[i] <= '9') ++i;
    if (i == exponent_start) return std::nullopt;
  }
  if (i != d.size()) return std::nullopt;
  const std::string full = sign + d;
  return std::strtod(full.c_str(), nullptr);
}

void add_number_filters(FilterTable& table) {
  table.insert({
      {"abs", filter_abs},
      {"int", filter_int},
      {"float", filter_float},
      {"round", filter_round},
      {"filesizeformat", filter_filesizeformat},
  });
}

}  // namespace baton::lang
