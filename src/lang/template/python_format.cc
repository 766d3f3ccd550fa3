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
  if (value.is_int()) {
    number = value.as_int();
  } else if (value.is_bool()) {
    number = value.as_bool() ? 1 : 0;
  } else if (value.is_float() && (conv == 'd' || conv == 'i' || conv == 'u')) {
    const double d = value.as_float();
    if (std::isnan(d)) return python_error("cannot convert float NaN to integer");
    if (std::isinf(d)) return python_error("cannot convert float infinity to integer");
    number = static_cast<std::int64_t>(d);
  } else {
    const bool real = conv == 'd' || conv == 'i' || conv == 'u';
    return python_error(std::string("%") + conv +
                        " format: " + (real ? "a real number" : "an integer") +
                        " is required, not " + std::string(type_name(value)));
  }
  const bool negative = number < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(number)
               : static_cast<std::uint64_t>(number);
  std::string digits;
  if (conv == 'x' || conv == 'X' || conv == 'o') {
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

}  // namespace

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
