// Python's printf-style `format % args`, used by the % operator and the |format filter.
#include <cmath>
#include <cstdlib>
#include <string>

#include "src/lang/template/python_internal.h"
#include "src/lang/template/python_text.h"

namespace baton::lang {
namespace {

struct Spec {
  bool left = false;
  bool plus = false;
  bool space = false;
  bool alternate = false;
  bool zero = false;
  int width = -1;
  int precision = -1;
  char conversion = 's';
};

std::string pad(std::string body, const Spec& spec, bool numeric) {
  const auto length = static_cast<int>(utf8_length(body));
  if (spec.width <= length) return body;
  const auto fill = static_cast<std::size_t>(spec.width - length);
  if (spec.left) return body + std::string(fill, ' ');
  if (spec.zero && numeric) {
    // Zeros go after the sign and the 0x/0o prefix.
    std::size_t prefix = 0;
    if (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) prefix = 1;
    if (body.size() > prefix + 1 && body[prefix] == '0' &&
        (body[prefix + 1] == 'x' || body[prefix + 1] == 'X' || body[prefix + 1] == 'o'))
      prefix += 2;
    return body.substr(0, prefix) + std::string(fill, '0') + body.substr(prefix);
  }
  return std::string(fill, ' ') + body;
}

std::string sign_prefix(bool negative, const Spec& spec) {
  if (negative) return "-";
  if (spec.plus) return "+";
  if (spec.space) return " ";
  return "";
}

Result<std::string> format_int(const Value& value, const Spec& spec) {
  std::int64_t number = 0;
  const char conv = spec.conversion;
  // Set for a float beyond int64: Python's int() of it is exact, and so is "%.0f" of an
  // integral double.
  std::string wide_digits;
  bool wide_negative = false;
  if (value.is_int()) {
    number = value.as_int();
  } else if (value.is_bool()) {
    number = value.as_bool() ? 1 : 0;
  } else if (value.is_float() && (conv == 'd' || conv == 'i' || conv == 'u')) {
    const double d = std::trunc(value.as_float());
    if (std::isnan(d)) return python_error("cannot convert float NaN to integer");
    if (std::isinf(d)) return python_error("cannot convert float infinity to integer");
    if (std::fabs(d) < 9.2233720368547758e18) {
      number = static_cast<std::int64_t>(d);
    } else {
      char buffer[400];
      std::snprintf(buffer, sizeof buffer, "%.0f", std::fabs(d));
      wide_digits = buffer;
      wide_negative = d < 0;
    }
  } else {
    const bool real = conv == 'd' || conv == 'i' || conv == 'u';
    return python_error(std::string("%") + conv +
                        " format: " + (real ? "a real number" : "an integer") +
                        " is required, not " + std::string(type_name(value)));
  }
  const bool negative = wide_digits.empty() ? number < 0 : wide_negative;
  const std::uint64_t magnitude =
      number < 0 ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(number)
                 : static_cast<std::uint64_t>(number);
  std::string digits;
  if (!wide_digits.empty()) {
    digits = std::move(wide_digits);
  } else if (conv == 'x' || conv == 'X' || conv == 'o') {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, conv == 'o' ? "%llo" : (conv == 'x' ? "%llx" : "%llX"),
                  static_cast<unsigned long long>(magnitude));
    digits = buffer;
  } else {
    digits = std::to_string(magnitude);
  }
  if (spec.precision > static_cast<int>(digits.size()))
    digits.insert(0, static_cast<std::size_t>(spec.precision) - digits.size(), '0');
  std::string prefix;
  if (spec.alternate && conv != 'd' && conv != 'i' && conv != 'u')
    prefix = conv == 'o' ? "0o" : (conv == 'x' ? "0x" : "0X");
  return pad(sign_prefix(negative, spec) + prefix + digits, spec, true);
}

Result<std::string> format_float_value(const Value& value, const Spec& spec) {
  if (!value.is_number() && !value.is_bool())
    return python_error("must be real number, not " + std::string(type_name(value)));
  const double d = value.as_number();
  const int precision = spec.precision < 0 ? 6 : spec.precision;
  std::string body = python_format_float(std::fabs(d), spec.conversion, precision, spec.alternate);
  return pad(sign_prefix(std::signbit(d) && !std::isnan(d), spec) + body, spec, std::isfinite(d));
}

Result<std::string> format_one(const Value& value, const Spec& spec) {
  if (value.is_undefined()) return python_error(value.undefined_message());
  switch (spec.conversion) {
    case 's':
    case 'r':
    case 'a': {
      std::string text = spec.conversion == 's' ? to_str(value) : to_repr(value);
      if (spec.precision >= 0) {
        std::u32string chars = decode_utf8(text);
        if (chars.size() > static_cast<std::size_t>(spec.precision)) {
          chars.resize(static_cast<std::size_t>(spec.precision));
          text = encode_utf8(chars);
        }
      }
      return pad(std::move(text), spec, false);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o':
      return format_int(value, spec);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      return format_float_value(value, spec);
    case 'c': {
      if (value.is_int()) {
        std::string one;
        append_utf8(one, static_cast<char32_t>(value.as_int()));
        return pad(std::move(one), spec, false);
      }
      if (value.is_string() && utf8_length(value.as_string()) == 1)
        return pad(value.as_string(), spec, false);
      return python_error("%c requires int or char");
    }
    default:
      return python_error(std::string("unsupported format character '") + spec.conversion + "'");
  }
}

// One parsed format spec of str.format(): [[fill]align][sign][#][0][width][,|_][.precision][type].
struct FormatSpec {
  char32_t fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 for the type's default
  char sign = '-';
  bool alternate = false;
  int width = -1;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

Result<FormatSpec> parse_format_spec(std::string_view text) {
  FormatSpec spec;
  const std::u32string chars = decode_utf8(text);
  std::size_t i = 0;
  auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (chars.size() >= 2 && is_align(chars[1])) {
    spec.fill = chars[0];
    spec.align = static_cast<char>(chars[1]);
    i = 2;
  } else if (!chars.empty() && is_align(chars[0])) {
    spec.align = static_cast<char>(chars[0]);
    i = 1;
  }
  if (i < chars.size() && (chars[i] == '+' || chars[i] == '-' || chars[i] == ' '))
    spec.sign = static_cast<char>(chars[i++]);
  if (i < chars.size() && chars[i] == '#') {
    spec.alternate = true;
    ++i;
  }
  if (i < chars.size() && chars[i] == '0') {
    if (spec.align == 0) {
      spec.fill = '0';
      spec.align = '=';
    }
    ++i;
  }
  auto number = [&]() {
    int n = -1;
    while (i < chars.size() && chars[i] >= '0' && chars[i] <= '9') {
      n = (n < 0 ? 0 : n) * 10 + static_cast<int>(chars[i] - '0');
      if (n > 100000) n = 100000;
      ++i;
    }
    return n;
  };
  spec.width = number();
  if (i < chars.size() && (chars[i] == ',' || chars[i] == '_'))
    spec.grouping = static_cast<char>(chars[i++]);
  if (i < chars.size() && chars[i] == '.') {
    ++i;
    spec.precision = number();
    if (spec.precision < 0) return python_error("Format specifier missing precision");
  }
  if (i < chars.size() && chars[i] < 0x80) spec.type = static_cast<char>(chars[i++]);
  if (i < chars.size()) return python_error("Invalid format specifier");
  return spec;
}

// Inserts the grouping character every three digits of the leading run of digits.
std::string group_digits(const std::string& digits, char separator) {
  std::size_t end = 0;
  while (end < digits.size() && digits[end] >= '0' && digits[end] <= '9') ++end;
  std::string out;
  for (std::size_t k = 0; k < end; ++k) {
    if (k > 0 && (end - k) % 3 == 0) out.push_back(separator);
    out.push_back(digits[k]);
  }
  return out + digits.substr(end);
}

std::string align_body(const std::string& sign, const std::string& body, const FormatSpec& spec,
                       char default_align) {
  const std::size_t length = utf8_length(sign) + utf8_length(body);
  if (spec.width < 0 || static_cast<std::size_t>(spec.width) <= length) return sign + body;
  const std::size_t total = static_cast<std::size_t>(spec.width) - length;
  auto fill = [&](std::size_t n) {
    std::string out;
    for (std::size_t k = 0; k < n; ++k) append_utf8(out, spec.fill);
    return out;
  };
  switch (spec.align != 0 ? spec.align : default_align) {
    case '<':
      return sign + body + fill(total);
    case '^':
      return fill(total / 2) + sign + body + fill(total - total / 2);
    case '=':
      return sign + fill(total) + body;
    default:
      return fill(total) + sign + body;
  }
}

Error unknown_code(char type, const Value& value) {
  return python_error(std::string("Unknown format code '") + type + "' for object of type '" +
                      std::string(type_name(value)) + "'");
}

Result<std::string> format_float_spec(double d, const FormatSpec& spec, const Value& value) {
  char type = spec.type;
  int precision = spec.precision;
  bool percent = false;
  bool repr_like = false;
  if (type == '%') {
    percent = true;
    d *= 100;
    type = 'f';
  } else if (type == 0) {
    repr_like = true;
    type = 'g';
  } else if (type != 'f' && type != 'F' && type != 'e' && type != 'E' && type != 'g' &&
             type != 'G') {
    return unknown_code(type, value);
  }
  std::string body;
  if (repr_like && precision < 0) {
    body = python_float_repr(std::fabs(d));
  } else {
    if (precision < 0) precision = 6;
    if (repr_like && precision == 0) precision = 1;
    body = python_format_float(std::fabs(d), type, precision, spec.alternate);
    if (repr_like && std::isfinite(d) && body.find_first_of(".e") == std::string::npos)
      body += ".0";
  }
  if (spec.grouping != 0 && std::isfinite(d)) body = group_digits(body, spec.grouping);
  if (percent) body += '%';
  const bool negative = std::signbit(d) && !std::isnan(d);
  const std::string sign =
      negative ? "-" : (spec.sign == '+' ? "+" : (spec.sign == ' ' ? " " : ""));
  return align_body(sign, body, spec, '>');
}

}  // namespace

Result<std::string> format_with_spec(const Value& value, std::string_view spec_text) {
  if (value.is_undefined()) return python_error(value.undefined_message());
  if (spec_text.empty()) return to_str(value);
  BATON_ASSIGN_OR_RETURN(FormatSpec spec, parse_format_spec(spec_text));
  if (value.is_string() || ((value.is_bool()) && spec.type == 0)) {
    if (spec.type != 0 && spec.type != 's') return unknown_code(spec.type, value);
    if (spec.sign != '-') return python_error("Sign not allowed in string format specifier");
    if (spec.align == '=')
      return python_error("'=' alignment not allowed in string format specifier");
    std::string text = to_str(value);
    if (spec.precision >= 0) {
      std::u32string chars = decode_utf8(text);
      if (chars.size() > static_cast<std::size_t>(spec.precision)) {
        chars.resize(static_cast<std::size_t>(spec.precision));
        text = encode_utf8(chars);
      }
    }
    return align_body("", text, spec, '<');
  }
  if (value.is_int() || value.is_bool()) {
    const std::int64_t n = value.is_bool() ? (value.as_bool() ? 1 : 0) : value.as_int();
    switch (spec.type) {
      case 0:
      case 'd':
      case 'x':
      case 'X':
      case 'o':
      case 'b':
        break;
      case 'c': {
        std::string one;
        append_utf8(one, static_cast<char32_t>(n));
        return align_body("", one, spec, '<');
      }
      default:
        return format_float_spec(static_cast<double>(n), spec, value);
    }
    if (spec.precision >= 0)
      return python_error("Precision not allowed in integer format specifier");
    const std::uint64_t magnitude =
        n < 0 ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(n)
              : static_cast<std::uint64_t>(n);
    std::string digits;
    std::string prefix;
    const int base = spec.type == 'x' || spec.type == 'X'
                         ? 16
                         : (spec.type == 'o' ? 8 : (spec.type == 'b' ? 2 : 10));
    if (magnitude == 0) digits = "0";
    for (std::uint64_t m = magnitude; m > 0; m /= static_cast<std::uint64_t>(base)) {
      const auto d = static_cast<int>(m % static_cast<std::uint64_t>(base));
      digits.insert(digits.begin(),
                    static_cast<char>(d < 10 ? '0' + d : (spec.type == 'X' ? 'A' : 'a') + d - 10));
    }
    if (spec.alternate && base != 10)
      prefix = std::string("0") + (spec.type == 0 ? 'd' : spec.type);
    if (spec.grouping != 0) {
      // Python groups hexadecimal, octal and binary digits by four with '_'.
      if (base == 10) {
        digits = group_digits(digits, spec.grouping);
      } else {
        std::string out;
        for (std::size_t k = 0; k < digits.size(); ++k) {
          if (k > 0 && (digits.size() - k) % 4 == 0) out.push_back(spec.grouping);
          out.push_back(digits[k]);
        }
        digits = std::move(out);
      }
    }
    const std::string sign = n < 0 ? "-" : (spec.sign == '+' ? "+" : (spec.sign == ' ' ? " " : ""));
    return align_body(sign + prefix, digits, spec, '>');
  }
  if (value.is_float()) return format_float_spec(value.as_float(), spec, value);
  return python_error("unsupported format string passed to " + std::string(type_name(value)) +
                      ".__format__");
}

Result<std::string> percent_format(std::string_view format, const Value& args) {
  ValueList positional;
  const ValueDict* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.as_list();
  } else {
    positional.push_back(args);
    if (args.is_dict()) mapping = &args.as_dict();
  }
  std::size_t next = 0;
  bool used_mapping = false;
  std::string out;
  std::size_t i = 0;
  auto take = [&]() -> Result<Value> {
    if (next >= positional.size()) return python_error("not enough arguments for format string");
    return positional[next++];
  };
  while (i < format.size()) {
    const char c = format[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i >= format.size()) return python_error("incomplete format");
    if (format[i] == '%') {
      out.push_back('%');
      ++i;
      continue;
    }
    const Value* keyed = nullptr;
    if (format[i] == '(') {
      const std::size_t close = format.find(')', i);
      if (close == std::string_view::npos) return python_error("incomplete format key");
      if (mapping == nullptr) return python_error("format requires a mapping");
      const std::string key(format.substr(i + 1, close - i - 1));
      keyed = mapping->find(key);
      if (keyed == nullptr) return python_error(python_string_repr(key));
      used_mapping = true;
      i = close + 1;
    }
    Spec spec;
    for (; i < format.size(); ++i) {
      const char f = format[i];
      if (f == '-') {
        spec.left = true;
      } else if (f == '+') {
        spec.plus = true;
      } else if (f == ' ') {
        spec.space = true;
      } else if (f == '#') {
        spec.alternate = true;
      } else if (f == '0') {
        spec.zero = true;
      } else {
        break;
      }
    }
    auto read_number = [&](int& target) -> Status {
      if (i < format.size() && format[i] == '*') {
        ++i;
        BATON_ASSIGN_OR_RETURN(Value star, take());
        if (!star.is_int()) return python_error("* wants int");
        target = static_cast<int>(star.as_int());
        return ok_status();
      }
      if (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        target = 0;
        while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
          target = target * 10 + (format[i] - '0');
          if (target > 10000) return python_error("width too big");
          ++i;
        }
      }
      return ok_status();
    };
    BATON_TRY(read_number(spec.width));
    if (spec.width < -1) {
      spec.left = true;
      spec.width = -spec.width;
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      BATON_TRY(read_number(spec.precision));
    }
    while (i < format.size() && (format[i] == 'l' || format[i] == 'h' || format[i] == 'L')) ++i;
    if (i >= format.size()) return python_error("incomplete format");
    spec.conversion = format[i++];
    Value argument;
    if (keyed != nullptr) {
      argument = *keyed;
    } else {
      BATON_ASSIGN_OR_RETURN(argument, take());
    }
    BATON_ASSIGN_OR_RETURN(std::string piece, format_one(argument, spec));
    out += piece;
  }
  if (next < positional.size() && mapping == nullptr && !used_mapping)
    return python_error("not all arguments converted during string formatting");
  return out;
}

Result<BoundArgs> BoundArgs::bind(std::string_view function, const CallArgs& args,
                                  std::initializer_list<std::string_view> names) {
  BoundArgs bound;
  bound.values_.assign(names.size(), nullptr);
  if (args.positional.size() > names.size()) {
    return python_error(std::string(function) + "() takes at most " + std::to_string(names.size()) +
                        " argument(s) (" + std::to_string(args.positional.size()) + " given)");
  }
  for (std::size_t i = 0; i < args.positional.size(); ++i) bound.values_[i] = &args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    std::size_t index = 0;
    for (std::string_view name : names) {
      if (name == key) break;
      ++index;
    }
    if (index == names.size()) {
      return python_error(std::string(function) + "() got an unexpected keyword argument '" + key +
                          "'");
    }
    if (bound.values_[index] != nullptr) {
      return python_error(std::string(function) + "() got multiple values for argument '" + key +
                          "'");
    }
    bound.values_[index] = &value;
  }
  return bound;
}

Result<std::int64_t> int_arg(const Value& value, std::string_view what) {
  if (value.is_int()) return value.as_int();
  if (value.is_bool()) return std::int64_t{value.as_bool() ? 1 : 0};
  if (value.is_undefined()) return python_error(value.undefined_message());
  return python_error(std::string(what) + ": '" + std::string(type_name(value)) +
                      "' object cannot be interpreted as an integer");
}

Result<std::string> str_arg(const Value& value, std::string_view what) {
  if (value.is_string()) return value.as_string();
  if (value.is_undefined()) return python_error(value.undefined_message());
  return python_error(std::string(what) + ": must be str, not " + std::string(type_name(value)));
}

}  // namespace baton::lang
