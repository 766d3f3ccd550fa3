// The filter table, and the filters that call back into other filters and tests.
#include <algorithm>
#include <string>

#include "src/lang/template/filter_support.h"
#include "src/lang/template/python_text.h"
#include "src/lang/template/str_methods.h"

namespace baton::lang {
namespace {

Status check_defined(const Value& value) {
  if (value.is_undefined()) return python_error(value.undefined_message());
  return ok_status();
}

Result<Value> filter_default(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound,
                         BoundArgs::bind("default", args, {"default_value", "boolean"}));
  bool use_default = input.is_undefined();
  if (!use_default && bound.has(1)) {
    BATON_ASSIGN_OR_RETURN(bool boolean, is_truthy(*bound.get(1)));
    if (boolean) {
      BATON_ASSIGN_OR_RETURN(bool truthy, is_truthy(input));
      use_default = !truthy;
    }
  }
  return use_default ? bound.get_or(0, Value("")) : input;
}

Result<Value> filter_attr(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("attr", args, {"name"}));
  if (!bound.has(0))
    return python_error("do_attr() missing 1 required positional argument: 'name'");
  BATON_TRY(check_defined(input));
  BATON_ASSIGN_OR_RETURN(std::string name, to_str_checked(*bound.get(0)));
  // Only real attributes: unlike `obj.name`, no fallback to obj[name].
  if (input.is_object() || has_method(input, name)) return get_attribute(input, name);
  return Value::undefined("'" + object_type_repr(input) + "' has no attribute '" + name + "'");
}

Result<Value> filter_tojson(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("tojson", args, {"indent"}));
  int indent = -1;
  if (bound.has(0) && !bound.get(0)->is_none()) {
    BATON_ASSIGN_OR_RETURN(std::int64_t n, int_arg(*bound.get(0), "indent"));
    indent = static_cast<int>(std::max<std::int64_t>(0, std::min<std::int64_t>(n, 64)));
  }
  BATON_ASSIGN_OR_RETURN(std::string json, to_jinja_json(input, indent));
  return Value::markup(std::move(json));
}

// Python's pprint.pformat for values that fit on one line: repr with dict keys sorted.
std::string pformat(const Value& value) {
  if (value.is_dict()) {
    auto entries = value.as_dict().entries();
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out = "{";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out += ", ";
      out += python_string_repr(entries[i].first) + ": " + pformat(entries[i].second);
    }
    return out + "}";
  }
  if (value.is_list()) {
    const bool tuple = value.is_tuple();
    std::string out = tuple ? "(" : "[";
    const ValueList& items = value.as_list();
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ", ";
      out += pformat(items[i]);
    }
    if (tuple && items.size() == 1) out += ",";
    return out + (tuple ? ")" : "]");
  }
  return to_repr(value);
}

Result<Value> filter_pprint(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("pprint", args, {}));
  (void)bound;
  BATON_TRY(check_defined(input));
  return Value(pformat(input));
}

Result<Value> filter_items(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("items", args, {}));
  (void)bound;
  if (input.is_undefined()) return Value(ValueList{});
  if (!input.is_dict()) return python_error("Can only get item pairs from a mapping.");
  ValueList out;
  for (const auto& [key, value] : input.as_dict().entries())
    out.push_back(Value::tuple({Value(key), value}));
  return Value(std::move(out));
}

Result<Value> filter_map(const Value& input, const CallArgs& args, Invoker& invoker) {
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  ValueList out;
  out.reserve(items.size());
  const bool by_attribute = args.positional.empty() &&
                            std::any_of(args.keyword.begin(), args.keyword.end(),
                                        [](const auto& kw) { return kw.first == "attribute"; });
  if (by_attribute) {
    const Value* attribute = nullptr;
    Value fallback = Value::none();
    for (const auto& [key, value] : args.keyword) {
      if (key == "attribute") {
        attribute = &value;
      } else if (key == "default") {
        fallback = value;
      } else {
        return python_error("Unexpected keyword argument '" + key + "'");
      }
    }
    AttrGetter getter(attribute, fallback);
    for (const Value& item : items) {
      BATON_ASSIGN_OR_RETURN(Value mapped, getter(item));
      out.push_back(std::move(mapped));
    }
    return Value(std::move(out));
  }
  if (args.positional.empty()) return python_error("map requires a filter argument");
  BATON_ASSIGN_OR_RETURN(std::string name, to_str_checked(args.positional[0]));
  CallArgs rest{ValueList(args.positional.begin() + 1, args.positional.end()), args.keyword};
  for (const Value& item : items) {
    BATON_ASSIGN_OR_RETURN(Value mapped, invoker.call_filter(name, item, rest));
    out.push_back(std::move(mapped));
  }
  return Value(std::move(out));
}

// select, reject, selectattr, rejectattr (Jinja2's select_or_reject).
Result<Value> select_or_reject(const Value& input, const CallArgs& args, Invoker& invoker,
                               bool keep_matches, bool lookup_attr) {
  BATON_ASSIGN_OR_RETURN(bool nonempty, is_truthy(input));
  ValueList out;
  if (!nonempty) return Value(std::move(out));
  std::size_t offset = 0;
  std::optional<AttrGetter> getter;
  if (lookup_attr) {
    if (args.positional.empty()) return python_error("Missing parameter for attribute name");
    getter.emplace(&args.positional[0]);
    offset = 1;
  }
  std::optional<std::string> test_name;
  CallArgs rest{{}, args.keyword};
  if (args.positional.size() > offset) {
    BATON_ASSIGN_OR_RETURN(std::string name, to_str_checked(args.positional[offset]));
    test_name = std::move(name);
    rest.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(offset) + 1,
                           args.positional.end());
  }
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  for (const Value& item : items) {
    Value subject = item;
    if (getter) {
      BATON_ASSIGN_OR_RETURN(subject, (*getter)(item));
    }
    bool matched = false;
    if (test_name) {
      BATON_ASSIGN_OR_RETURN(matched, invoker.call_test(*test_name, subject, rest));
    } else {
      BATON_ASSIGN_OR_RETURN(matched, is_truthy(subject));
    }
    if (matched == keep_matches) out.push_back(item);
  }
  return Value(std::move(out));
}

Result<Value> filter_select(const Value& input, const CallArgs& args, Invoker& invoker) {
  return select_or_reject(input, args, invoker, true, false);
}
Result<Value> filter_reject(const Value& input, const CallArgs& args, Invoker& invoker) {
  return select_or_reject(input, args, invoker, false, false);
}
Result<Value> filter_selectattr(const Value& input, const CallArgs& args, Invoker& invoker) {
  return select_or_reject(input, args, invoker, true, true);
}
Result<Value> filter_rejectattr(const Value& input, const CallArgs& args, Invoker& invoker) {
  return select_or_reject(input, args, invoker, false, true);
}

const FilterTable& filter_table() {
  static const FilterTable* table = [] {
    auto* t = new FilterTable{
        {"default", filter_default},
        {"d", filter_default},
        {"attr", filter_attr},
        {"tojson", filter_tojson},
        {"pprint", filter_pprint},
        {"items", filter_items},
        {"map", filter_map},
        {"select", filter_select},
        {"reject", filter_reject},
        {"selectattr", filter_selectattr},
        {"rejectattr", filter_rejectattr},
    };
    add_string_filters(*t);
    add_list_filters(*t);
    add_number_filters(*t);
    return t;
  }();
  return *table;
}

}  // namespace

FilterFn find_filter(std::string_view name) {
  const auto& table = filter_table();
  const auto it = table.find(name);
  return it == table.end() ? nullptr : it->second;
}

bool is_unsupported_filter(std::string_view name) {
  // random is not deterministic; urlize and xmlattr are HTML-specific.
  return name == "random" || name == "urlize" || name == "xmlattr";
}

AttrGetter::AttrGetter(const Value* attribute, Value fallback, bool lower_strings)
    : fallback_(std::move(fallback)), lower_strings_(lower_strings) {
  if (attribute == nullptr || attribute->is_none()) return;
  if (!attribute->is_string()) {
    parts_.push_back(*attribute);
    return;
  }
  const std::string& path = attribute->as_string();
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits =
        !part.empty() && part.size() < 18 &&
        std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    parts_.push_back(digits ? Value(static_cast<std::int64_t>(std::stoll(part))) : Value(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
}

Result<Value> AttrGetter::operator()(const Value& item) const {
  Value current = item;
  for (const Value& part : parts_) {
    BATON_ASSIGN_OR_RETURN(current, get_item(current, part));
    if (!fallback_.is_none() && current.is_undefined()) current = fallback_;
  }
  return lower_strings_ ? ignore_case(current) : current;
}

Value ignore_case(const Value& value) {
  return value.is_string() ? Value(python_lower(value.as_string())) : value;
}

Result<ValueList> sorted_by(ValueList items, const std::function<Result<Value>(const Value&)>& key,
                            bool reverse) {
  std::vector<std::pair<Value, std::size_t>> keyed;
  keyed.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    BATON_ASSIGN_OR_RETURN(Value k, key(items[i]));
    keyed.emplace_back(std::move(k), i);
  }
  std::optional<Error> failure;
  // Python's sorted(reverse=True) keeps equal items in their original order too.
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    if (failure) return false;
    auto less = reverse ? python_less(b.first, a.first) : python_less(a.first, b.first);
    if (!less) {
      failure = std::move(less).error();
      return false;
    }
    return *less;
  });
  if (failure) return *failure;
  ValueList out;
  out.reserve(items.size());
  for (const auto& entry : keyed) out.push_back(items[entry.second]);
  return out;
}

Result<std::int64_t> python_len(const Value& value) {
  if (value.is_undefined()) return python_error(value.undefined_message());
  if (value.is_string()) return static_cast<std::int64_t>(utf8_length(value.as_string()));
  if (value.is_list()) return static_cast<std::int64_t>(value.as_list().size());
  if (value.is_dict()) return static_cast<std::int64_t>(value.as_dict().size());
  return python_error("object of type '" + std::string(type_name(value)) + "' has no len()");
}

}  // namespace baton::lang
