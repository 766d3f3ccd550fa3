// Python methods of str, list and dict that templates call: "a,b".split(","), d.items().
#include <algorithm>
#include <array>
#include <string>

#include "src/lang/template/builtins.h"
#include "src/lang/template/python_internal.h"
#include "src/lang/template/python_text.h"
#include "src/lang/template/str_methods.h"

namespace baton::lang {
namespace {

constexpr std::array<std::string_view, 38> kStrMethods = {
    "split",      "rsplit",       "strip",       "lstrip",     "rstrip",   "upper",     "lower",
    "title",      "capitalize",   "replace",     "startswith", "endswith", "find",      "rfind",
    "index",      "rindex",       "count",       "join",       "isdigit",  "isalpha",   "isalnum",
    "isspace",    "isupper",      "islower",     "zfill",      "ljust",    "rjust",     "center",
    "splitlines", "partition",    "rpartition",  "format",     "swapcase", "isdecimal", "isnumeric",
    "casefold",   "removeprefix", "removesuffix"};
constexpr std::array<std::string_view, 4> kDictMethods = {"items", "keys", "values", "get"};
constexpr std::array<std::string_view, 2> kListMethods = {"index", "count"};
// The other methods Python's str, list and dict have: defined as attributes, as in Jinja2, but
// calling one fails ("'str.encode' is not supported").
constexpr std::array<std::string_view, 9> kUnsupportedStrMethods = {
    "encode",      "expandtabs", "format_map", "isascii",  "isidentifier",
    "isprintable", "istitle",    "maketrans",  "translate"};
constexpr std::array<std::string_view, 9> kUnsupportedListMethods = {
    "append", "clear", "copy", "extend", "insert", "pop", "remove", "reverse", "sort"};
constexpr std::array<std::string_view, 7> kUnsupportedDictMethods = {
    "clear", "copy", "fromkeys", "pop", "popitem", "setdefault", "update"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Jinja2 looks the method up as an attribute first, so a missing one reads as an undefined
// attribute: "'str object' has no attribute 'x'".
Error no_attribute(const Value& receiver, std::string_view name) {
  return python_error(python_string_repr(object_type_repr(receiver)) + " has no attribute " +
                      python_string_repr(name));
}

// Python's slice-style start/end arguments of find/count/startswith, in code points.
Result<std::pair<std::size_t, std::size_t>> clamp_range(const BoundArgs& args, std::size_t first,
                                                        std::size_t length) {
  auto bound = [&](std::size_t index, std::int64_t fallback) -> Result<std::int64_t> {
    const Value* v = args.get(index);
    if (v == nullptr || v->is_none()) return fallback;
    BATON_ASSIGN_OR_RETURN(std::int64_t n, int_arg(*v, "slice index"));
    const auto len = static_cast<std::int64_t>(length);
    if (n < 0) n = std::max<std::int64_t>(0, n + len);
    return std::min(n, len);
  };
  BATON_ASSIGN_OR_RETURN(std::int64_t start, bound(first, 0));
  BATON_ASSIGN_OR_RETURN(std::int64_t end, bound(first + 1, static_cast<std::int64_t>(length)));
  return std::make_pair(static_cast<std::size_t>(start), static_cast<std::size_t>(end));
}

bool all_chars(std::string_view text, bool (*predicate)(char32_t)) {
  const std::u32string chars = decode_utf8(text);
  if (chars.empty()) return false;
  return std::all_of(chars.begin(), chars.end(), predicate);
}

Result<std::string> simple_format(std::string_view format, const CallArgs& args) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '{' && i + 1 < format.size() && format[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    if (c == '}' && i + 1 < format.size() && format[i + 1] == '}') {
      out.push_back('}');
      ++i;
      continue;
    }
    if (c == '}') return python_error("Single '}' encountered in format string");
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    const std::size_t close = format.find('}', i);
    if (close == std::string_view::npos)
      return python_error("Single '{' encountered in format string");
    std::string field(format.substr(i + 1, close - i - 1));
    i = close;
    std::string spec;
    if (const std::size_t colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    bool repr = false;
    if (const std::size_t bang = field.find('!'); bang != std::string::npos) {
      repr = field.substr(bang + 1) == "r";
      field.resize(bang);
    }
    const Value* value = nullptr;
    if (field.empty() || std::all_of(field.begin(), field.end(), ::isdigit)) {
      const std::size_t index = field.empty() ? auto_index++ : std::stoul(field);
      if (index >= args.positional.size())
        return python_error("Replacement index " + std::to_string(index) +
                            " out of range for positional args tuple");
      value = &args.positional[index];
    } else {
      for (const auto& [key, v] : args.keyword) {
        if (key == field) value = &v;
      }
      if (value == nullptr) return python_error(python_string_repr(field));
    }
    if (value->is_undefined()) return python_error(value->undefined_message());
    if (repr) {
      BATON_ASSIGN_OR_RETURN(std::string text, format_with_spec(Value(to_repr(*value)), spec));
      out += text;
    } else {
      BATON_ASSIGN_OR_RETURN(std::string text, format_with_spec(*value, spec));
      out += text;
    }
  }
  return out;
}

Result<Value> affix_test(const std::string& text, const BoundArgs& bound, bool prefix,
                         std::string_view method) {
  const std::u32string chars = decode_utf8(text);
  BATON_ASSIGN_OR_RETURN(auto range, clamp_range(bound, 1, chars.size()));
  if (range.second < range.first) return Value(false);
  const std::string window =
      encode_utf8(std::u32string_view(chars).substr(range.first, range.second - range.first));
  const Value& wanted = *bound.get(0);
  ValueList candidates = wanted.is_tuple() ? wanted.as_list() : ValueList{wanted};
  for (const Value& candidate : candidates) {
    if (!candidate.is_string())
      return python_error(std::string(method) + " first arg must be str or a tuple of str, not " +
                          std::string(type_name(candidate)));
    const std::string& s = candidate.as_string();
    if (s.size() > window.size()) continue;
    if (prefix ? window.compare(0, s.size(), s) == 0
               : window.compare(window.size() - s.size(), s.size(), s) == 0)
      return Value(true);
  }
  return Value(false);
}

Result<Value> find_in(const std::string& text, const BoundArgs& bound, bool reverse) {
  BATON_ASSIGN_OR_RETURN(std::string needle, str_arg(*bound.get(0), "find()"));
  const std::u32string chars = decode_utf8(text);
  const std::u32string sub = decode_utf8(needle);
  BATON_ASSIGN_OR_RETURN(auto range, clamp_range(bound, 1, chars.size()));
  if (range.second < range.first || range.second - range.first < sub.size())
    return Value(std::int64_t{-1});
  const std::u32string_view window =
      std::u32string_view(chars).substr(range.first, range.second - range.first);
  const std::size_t found = reverse ? window.rfind(sub) : window.find(sub);
  if (found == std::u32string_view::npos) return Value(std::int64_t{-1});
  return Value(static_cast<std::int64_t>(found + range.first));
}

Result<Value> justify(const std::string& text, const BoundArgs& bound, char side) {
  BATON_ASSIGN_OR_RETURN(std::int64_t width, int_arg(*bound.get(0), "width"));
  char32_t fill = ' ';
  if (bound.has(1)) {
    BATON_ASSIGN_OR_RETURN(std::string fill_text, str_arg(*bound.get(1), "fillchar"));
    const std::u32string f = decode_utf8(fill_text);
    if (f.size() != 1) return python_error("The fill character must be exactly one character long");
    fill = f[0];
  }
  if (side == 'c') return Value(python_center(text, width, fill));
  const auto length = static_cast<std::int64_t>(utf8_length(text));
  std::string padding;
  for (std::int64_t i = length; i < width; ++i) append_utf8(padding, fill);
  return Value(side == 'l' ? text + padding : padding + text);
}

Result<Value> call_str_method(const std::string& text, std::string_view name,
                              const CallArgs& args) {
  const std::string function = "str." + std::string(name);
  if (name == "split" || name == "rsplit") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"sep", "maxsplit"}));
    std::string sep;
    const bool has_sep = bound.has(0) && !bound.get(0)->is_none();
    if (has_sep) {
      BATON_ASSIGN_OR_RETURN(sep, str_arg(*bound.get(0), "sep"));
    }
    std::int64_t maxsplit = -1;
    if (bound.has(1)) {
      BATON_ASSIGN_OR_RETURN(maxsplit, int_arg(*bound.get(1), "maxsplit"));
    }
    BATON_ASSIGN_OR_RETURN(
        ValueList parts, python_split(text, has_sep ? &sep : nullptr, maxsplit, name == "rsplit"));
    return Value(std::move(parts));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"chars"}));
    std::string chars;
    const bool has_chars = bound.has(0) && !bound.get(0)->is_none();
    if (has_chars) {
      BATON_ASSIGN_OR_RETURN(chars, str_arg(*bound.get(0), "chars"));
    }
    return Value(
        python_strip(text, has_chars ? &chars : nullptr, name != "rstrip", name != "lstrip"));
  }
  if (name == "format") {
    BATON_ASSIGN_OR_RETURN(std::string out, simple_format(text, args));
    return Value(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"prefix", "start", "end"}));
    if (!bound.has(0)) return python_error(function + "() takes at least 1 argument (0 given)");
    return affix_test(text, bound, name == "startswith", name);
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"sub", "start", "end"}));
    if (!bound.has(0)) return python_error(function + "() takes at least 1 argument (0 given)");
    if (name == "count") {
      BATON_ASSIGN_OR_RETURN(std::string needle, str_arg(*bound.get(0), "count()"));
      const std::u32string chars = decode_utf8(text);
      const std::u32string sub = decode_utf8(needle);
      BATON_ASSIGN_OR_RETURN(auto range, clamp_range(bound, 1, chars.size()));
      if (range.second < range.first) return Value(std::int64_t{0});
      const std::u32string window = chars.substr(range.first, range.second - range.first);
      if (sub.empty()) return Value(static_cast<std::int64_t>(window.size() + 1));
      std::int64_t n = 0;
      for (std::size_t at = window.find(sub); at != std::u32string::npos;
           at = window.find(sub, at + sub.size()))
        ++n;
      return Value(n);
    }
    const bool reverse = name == "rfind" || name == "rindex";
    BATON_ASSIGN_OR_RETURN(Value found, find_in(text, bound, reverse));
    if ((name == "index" || name == "rindex") && found.as_int() < 0)
      return python_error("substring not found");
    return found;
  }
  if (name == "replace") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"old", "new", "count"}));
    if (!bound.has(0) || !bound.has(1))
      return python_error("replace expected at least 2 arguments");
    BATON_ASSIGN_OR_RETURN(std::string old_text, str_arg(*bound.get(0), "replace() argument 1"));
    BATON_ASSIGN_OR_RETURN(std::string new_text, str_arg(*bound.get(1), "replace() argument 2"));
    std::int64_t count = -1;
    if (bound.has(2)) {
      BATON_ASSIGN_OR_RETURN(count, int_arg(*bound.get(2), "count"));
    }
    return Value(python_replace(text, old_text, new_text, count));
  }
  if (name == "join") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"iterable"}));
    if (!bound.has(0)) return python_error("str.join() takes exactly one argument (0 given)");
    BATON_ASSIGN_OR_RETURN(ValueList items, iterate(*bound.get(0)));
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string())
        return python_error("sequence item " + std::to_string(i) + ": expected str instance, " +
                            std::string(type_name(items[i])) + " found");
      if (i > 0) out += text;
      out += items[i].as_string();
    }
    return Value(std::move(out));
  }
  if (name == "ljust" || name == "rjust" || name == "center") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"width", "fillchar"}));
    if (!bound.has(0)) return python_error(function + "() takes at least 1 argument (0 given)");
    return justify(text, bound, name[0]);
  }
  if (name == "zfill") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"width"}));
    if (!bound.has(0)) return python_error("str.zfill() takes exactly one argument (0 given)");
    BATON_ASSIGN_OR_RETURN(std::int64_t width, int_arg(*bound.get(0), "width"));
    const auto length = static_cast<std::int64_t>(utf8_length(text));
    if (width <= length) return Value(text);
    const std::size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    return Value(text.substr(0, sign) + std::string(static_cast<std::size_t>(width - length), '0') +
                 text.substr(sign));
  }
  if (name == "splitlines") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"keepends"}));
    bool keepends = false;
    if (bound.has(0)) {
      BATON_ASSIGN_OR_RETURN(keepends, is_truthy(*bound.get(0)));
    }
    return Value(python_splitlines(text, keepends));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"affix"}));
    if (!bound.has(0)) return python_error(function + "() takes exactly one argument (0 given)");
    BATON_ASSIGN_OR_RETURN(std::string affix, str_arg(*bound.get(0), function + "() argument"));
    if (affix.size() > text.size()) return Value(text);
    if (name == "removeprefix")
      return Value(text.compare(0, affix.size(), affix) == 0 ? text.substr(affix.size()) : text);
    return Value(text.compare(text.size() - affix.size(), affix.size(), affix) == 0
                     ? text.substr(0, text.size() - affix.size())
                     : text);
  }
  if (name == "partition" || name == "rpartition") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(function, args, {"sep"}));
    if (!bound.has(0)) return python_error(function + "() takes exactly one argument (0 given)");
    BATON_ASSIGN_OR_RETURN(std::string sep, str_arg(*bound.get(0), "sep"));
    if (sep.empty()) return python_error("empty separator");
    const std::size_t at = name == "partition" ? text.find(sep) : text.rfind(sep);
    if (at == std::string::npos) {
      return name == "partition" ? Value::tuple({Value(text), Value(""), Value("")})
                                 : Value::tuple({Value(""), Value(""), Value(text)});
    }
    return Value::tuple(
        {Value(text.substr(0, at)), Value(sep), Value(text.substr(at + sep.size()))});
  }
  // The remaining methods take no arguments.
  if (!args.positional.empty() || !args.keyword.empty())
    return python_error(function + "() takes no arguments");
  if (name == "upper") return Value(python_upper(text));
  if (name == "lower") return Value(python_lower(text));
  if (name == "casefold") return Value(python_casefold(text));
  if (name == "title") return Value(python_title(text));
  if (name == "capitalize") return Value(python_capitalize(text));
  if (name == "swapcase") return Value(python_swapcase(text));
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric")
    return Value(all_chars(text, [](char32_t c) { return c >= '0' && c <= '9'; }));
  if (name == "isalpha")
    return Value(all_chars(text, [](char32_t c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= 0xC0 && c != 0xD7 && c != 0xF7 && !is_python_space(c));
    }));
  if (name == "isalnum")
    return Value(all_chars(text, [](char32_t c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             (c >= 0xC0 && c != 0xD7 && c != 0xF7 && !is_python_space(c));
    }));
  if (name == "isspace") return Value(all_chars(text, is_python_space));
  if (name == "isupper" || name == "islower") {
    bool cased = false;
    for (char c : text) {
      if (c >= 'a' && c <= 'z') {
        if (name == "isupper") return Value(false);
        cased = true;
      } else if (c >= 'A' && c <= 'Z') {
        if (name == "islower") return Value(false);
        cased = true;
      }
    }
    return Value(cased);
  }
  return internal_error("unhandled str method");
}

Result<Value> call_dict_method(const Value& receiver, std::string_view name, const CallArgs& args) {
  const ValueDict& dict = receiver.as_dict();
  if (name == "get") {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("get", args, {"key", "default"}));
    if (!bound.has(0)) return python_error("get expected at least 1 argument, got 0");
    const Value& key = *bound.get(0);
    if (key.is_string()) {
      if (const Value* found = dict.find(key.as_string())) return *found;
    }
    return bound.get_or(1, Value::none());
  }
  if (!args.positional.empty() || !args.keyword.empty())
    return python_error("dict." + std::string(name) + "() takes no arguments");
  ValueList out;
  for (const auto& [key, value] : dict.entries()) {
    if (name == "items") {
      out.push_back(Value::tuple({Value(key), value}));
    } else if (name == "keys") {
      out.emplace_back(key);
    } else {
      out.push_back(value);
    }
  }
  const Value::Sequence view = name == "items"  ? Value::Sequence::kDictItems
                               : name == "keys" ? Value::Sequence::kDictKeys
                                                : Value::Sequence::kDictValues;
  return Value::dict_view(std::move(out), view);
}

Result<Value> call_list_method(const Value& receiver, std::string_view name, const CallArgs& args) {
  const ValueList& items = receiver.as_list();
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(name, args, {"value"}));
  if (!bound.has(0)) return python_error(std::string(name) + "() takes exactly one argument");
  const Value& wanted = *bound.get(0);
  std::int64_t count = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!equals(items[i], wanted)) continue;
    if (name == "index") return Value(static_cast<std::int64_t>(i));
    ++count;
  }
  if (name == "index")
    return python_error(to_repr(wanted) + " is not in " + std::string(type_name(receiver)));
  return Value(count);
}

bool is_unsupported_method(const Value& receiver, std::string_view name) {
  if (receiver.is_string()) return in(kUnsupportedStrMethods, name);
  if (receiver.is_dict()) return in(kUnsupportedDictMethods, name);
  // A tuple and a range have only index() and count(), which are implemented.
  if (receiver.is_list() && receiver.sequence() == Value::Sequence::kList)
    return in(kUnsupportedListMethods, name);
  return false;
}

}  // namespace

bool has_method(const Value& receiver, std::string_view name) {
  if (is_unsupported_method(receiver, name)) return true;
  if (receiver.is_string()) return in(kStrMethods, name);
  if (receiver.is_dict()) return in(kDictMethods, name);
  if (receiver.is_list()) return !is_dict_view(receiver) && in(kListMethods, name);
  return false;
}

Result<Value> call_method(const Value& receiver, std::string_view name, const CallArgs& args) {
  if (receiver.is_undefined()) return python_error(receiver.undefined_message());
  if (receiver.is_object()) return receiver.as_object().call_method(name, args);
  for (const Value& arg : args.positional) {
    if (arg.is_undefined()) return python_error(arg.undefined_message());
  }
  for (const auto& kw : args.keyword) {
    if (kw.second.is_undefined()) return python_error(kw.second.undefined_message());
  }
  if (!has_method(receiver, name)) {
    if (receiver.is_dict()) {
      // `d.key(...)`: Jinja2 resolves the key, then calls it.
      if (const Value* found = receiver.as_dict().find(name)) {
        if (found->is_object()) return found->as_object().call(args);
        return python_error("'" + std::string(type_name(*found)) + "' object is not callable");
      }
      return python_error("'dict object' has no attribute '" + std::string(name) + "'");
    }
    return no_attribute(receiver, name);
  }
  if (is_unsupported_method(receiver, name))
    return python_error("'" + std::string(type_name(receiver)) + "." + std::string(name) +
                        "' is not supported");
  if (receiver.is_string()) return call_str_method(receiver.as_string(), name, args);
  if (receiver.is_dict()) return call_dict_method(receiver, name, args);
  return call_list_method(receiver, name, args);
}

}  // namespace baton::lang
