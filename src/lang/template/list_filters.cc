// Jinja2's sequence filters: batch, dictsort, first, groupby, join, sort, sum, unique...
#include <algorithm>
#include <string>

#include "src/lang/template/filter_support.h"
#include "src/lang/template/python_text.h"

namespace baton::lang {
namespace {

Result<bool> bool_arg(const BoundArgs& bound, std::size_t index, bool fallback) {
  if (!bound.has(index)) return fallback;
  return is_truthy(*bound.get(index));
}

Result<Value> filter_length(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("length", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::int64_t n, python_len(input));
  return Value(n);
}

Result<Value> filter_list(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("list", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  return Value(std::move(items));
}

Result<Value> filter_first(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("first", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Result<Value> filter_last(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("last", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Result<Value> filter_reverse(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("reverse", args, {}));
  (void)bound;
  if (input.is_undefined()) return python_error(input.undefined_message());
  if (input.is_string()) {
    std::u32string chars = decode_utf8(input.as_string());
    std::reverse(chars.begin(), chars.end());
    return Value(encode_utf8(chars));
  }
  if (!input.is_list() && !input.is_dict()) return python_error("argument must be iterable");
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

Result<Value> filter_join(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("join", args, {"d", "attribute"}));
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  BATON_ASSIGN_OR_RETURN(std::string separator, to_str_checked(bound.get_or(0, Value(""))));
  std::optional<AttrGetter> getter;
  if (bound.has(1) && !bound.get(1)->is_none()) getter.emplace(bound.get(1));
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Value item = items[i];
    if (getter) {
      BATON_ASSIGN_OR_RETURN(item, (*getter)(items[i]));
    }
    BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(item));
    if (i > 0) out += separator;
    out += text;
  }
  return Value(std::move(out));
}

// Jinja2's make_multi_attrgetter: "a,b" gives a list of keys compared in order.
Result<Value> filter_sort(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound,
                         BoundArgs::bind("sort", args, {"reverse", "case_sensitive", "attribute"}));
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  BATON_ASSIGN_OR_RETURN(bool reverse, bool_arg(bound, 0, false));
  BATON_ASSIGN_OR_RETURN(bool case_sensitive, bool_arg(bound, 1, false));
  std::vector<AttrGetter> getters;
  const Value* attribute = bound.get(2);
  if (attribute != nullptr && attribute->is_string()) {
    BATON_ASSIGN_OR_RETURN(Value names, call_method(*attribute, "split", CallArgs{{","}, {}}));
    for (const Value& name : names.as_list())
      getters.emplace_back(&name, Value::none(), !case_sensitive);
  } else {
    getters.emplace_back(attribute, Value::none(), !case_sensitive);
  }
  const bool multi = attribute != nullptr && attribute->is_string();
  BATON_ASSIGN_OR_RETURN(ValueList sorted, sorted_by(
                                               std::move(items),
                                               [&](const Value& item) -> Result<Value> {
                                                 if (!multi) return getters[0](item);
                                                 ValueList keys;
                                                 for (const AttrGetter& getter : getters) {
                                                   BATON_ASSIGN_OR_RETURN(Value key, getter(item));
                                                   keys.push_back(std::move(key));
                                                 }
                                                 return Value(std::move(keys));
                                               },
                                               reverse));
  return Value(std::move(sorted));
}

Result<Value> filter_dictsort(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound,
                         BoundArgs::bind("dictsort", args, {"case_sensitive", "by", "reverse"}));
  if (input.is_undefined()) return python_error(input.undefined_message());
  if (!input.is_dict())
    return python_error("'" + std::string(type_name(input)) + "' object has no attribute 'items'");
  BATON_ASSIGN_OR_RETURN(bool case_sensitive, bool_arg(bound, 0, false));
  BATON_ASSIGN_OR_RETURN(std::string by, to_str_checked(bound.get_or(1, Value("key"))));
  BATON_ASSIGN_OR_RETURN(bool reverse, bool_arg(bound, 2, false));
  if (by != "key" && by != "value")
    return python_error("You can only sort by either \"key\" or \"value\"");
  const std::size_t position = by == "key" ? 0 : 1;
  ValueList pairs;
  for (const auto& [key, value] : input.as_dict().entries())
    pairs.push_back(Value::tuple({Value(key), value}));
  BATON_ASSIGN_OR_RETURN(ValueList sorted, sorted_by(
                                               std::move(pairs),
                                               [&](const Value& pair) -> Result<Value> {
                                                 const Value& v = pair.as_list()[position];
                                                 return case_sensitive ? v : ignore_case(v);
                                               },
                                               reverse));
  return Value(std::move(sorted));
}

Result<Value> filter_unique(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound,
                         BoundArgs::bind("unique", args, {"case_sensitive", "attribute"}));
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  BATON_ASSIGN_OR_RETURN(bool case_sensitive, bool_arg(bound, 0, false));
  AttrGetter getter(bound.get(1), Value::none(), !case_sensitive);
  ValueList seen;
  ValueList out;
  for (const Value& item : items) {
    BATON_ASSIGN_OR_RETURN(Value key, getter(item));
    if (key.is_undefined()) return python_error(key.undefined_message());
    if ((key.is_list() && !key.is_tuple()) || key.is_dict())
      return python_error("unhashable type: '" + std::string(type_name(key)) + "'");
    const bool duplicate =
        std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); });
    if (duplicate) continue;
    seen.push_back(std::move(key));
    out.push_back(item);
  }
  return Value(std::move(out));
}

Result<Value> min_or_max(const Value& input, const CallArgs& args, bool want_max) {
  BATON_ASSIGN_OR_RETURN(
      auto bound, BoundArgs::bind(want_max ? "max" : "min", args, {"case_sensitive", "attribute"}));
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  BATON_ASSIGN_OR_RETURN(bool case_sensitive, bool_arg(bound, 0, false));
  AttrGetter getter(bound.get(1), Value::none(), !case_sensitive);
  std::size_t best = 0;
  BATON_ASSIGN_OR_RETURN(Value best_key, getter(items[0]));
  for (std::size_t i = 1; i < items.size(); ++i) {
    BATON_ASSIGN_OR_RETURN(Value key, getter(items[i]));
    // Python evaluates `key(item) > best` (or <): the new key is the left operand, and the
    // first of equal items is kept.
    auto c = compare(key, best_key);
    if (!c) {
      std::string message = c.error().message();
      if (want_max && message.rfind("'<' not supported", 0) == 0) message[1] = '>';
      return python_error(std::move(message));
    }
    if (want_max ? *c > 0 : *c < 0) {
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}

Result<Value> filter_max(const Value& input, const CallArgs& args, Invoker&) {
  return min_or_max(input, args, true);
}
Result<Value> filter_min(const Value& input, const CallArgs& args, Invoker&) {
  return min_or_max(input, args, false);
}

Result<Value> filter_sum(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("sum", args, {"attribute", "start"}));
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  Value total = bound.get_or(1, Value(0));
  if (total.is_string()) return python_error("sum() can't sum strings [use ''.join(seq) instead]");
  AttrGetter getter(bound.get(0));
  for (const Value& item : items) {
    BATON_ASSIGN_OR_RETURN(Value term, getter(item));
    BATON_ASSIGN_OR_RETURN(total, apply_binary(BinaryOp::kAdd, total, term));
  }
  return total;
}

Result<Value> filter_batch(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("batch", args, {"linecount", "fill_with"}));
  if (!bound.has(0))
    return python_error("do_batch() missing 1 required positional argument: 'linecount'");
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  BATON_ASSIGN_OR_RETURN(std::int64_t size, int_arg(*bound.get(0), "linecount"));
  const Value fill = bound.get_or(1, Value::none());
  ValueList out;
  ValueList current;
  for (const Value& item : items) {
    if (static_cast<std::int64_t>(current.size()) == size) {
      out.emplace_back(std::move(current));
      current.clear();
    }
    current.push_back(item);
  }
  if (!current.empty()) {
    if (!fill.is_none()) {
      while (static_cast<std::int64_t>(current.size()) < size) current.push_back(fill);
    }
    out.emplace_back(std::move(current));
  }
  return Value(std::move(out));
}

Result<Value> filter_slice(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("slice", args, {"slices", "fill_with"}));
  if (!bound.has(0))
    return python_error("do_slice() missing 1 required positional argument: 'slices'");
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  BATON_ASSIGN_OR_RETURN(std::int64_t slices, int_arg(*bound.get(0), "slices"));
  if (slices == 0) return python_error("integer division or modulo by zero");
  if (slices < 0) return Value(ValueList{});
  const Value fill = bound.get_or(1, Value::none());
  const auto length = static_cast<std::int64_t>(items.size());
  const std::int64_t per_slice = length / slices;
  const std::int64_t with_extra = length % slices;
  std::int64_t offset = 0;
  ValueList out;
  for (std::int64_t n = 0; n < slices; ++n) {
    const std::int64_t start = offset + n * per_slice;
    if (n < with_extra) ++offset;
    const std::int64_t end = offset + (n + 1) * per_slice;
    ValueList part(items.begin() + start, items.begin() + end);
    if (!fill.is_none() && n >= with_extra) part.push_back(fill);
    out.emplace_back(std::move(part));
  }
  return Value(std::move(out));
}

// Jinja2's groupby: sorted by the key, then consecutive runs; the group keeps the key of its
// first item (original case when case-insensitive).
Result<Value> filter_groupby(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(
      auto bound, BoundArgs::bind("groupby", args, {"attribute", "default", "case_sensitive"}));
  if (!bound.has(0))
    return python_error("do_groupby() missing 1 required positional argument: 'attribute'");
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(input));
  BATON_ASSIGN_OR_RETURN(bool case_sensitive, bool_arg(bound, 2, false));
  const Value fallback = bound.get_or(1, Value::none());
  AttrGetter key_of(bound.get(0), fallback, !case_sensitive);
  AttrGetter output_key(bound.get(0), fallback, false);
  BATON_ASSIGN_OR_RETURN(ValueList sorted, sorted_by(std::move(items), key_of, false));
  ValueList groups;
  std::size_t i = 0;
  while (i < sorted.size()) {
    BATON_ASSIGN_OR_RETURN(Value key, key_of(sorted[i]));
    ValueList members{sorted[i]};
    std::size_t j = i + 1;
    for (; j < sorted.size(); ++j) {
      BATON_ASSIGN_OR_RETURN(Value other, key_of(sorted[j]));
      if (!equals(key, other)) break;
      members.push_back(sorted[j]);
    }
    BATON_ASSIGN_OR_RETURN(Value grouper, output_key(sorted[i]));
    groups.push_back(
        Value::named_tuple({std::move(grouper), Value(std::move(members))}, {"grouper", "list"}));
    i = j;
  }
  return Value(std::move(groups));
}

}  // namespace

void add_list_filters(FilterTable& table) {
  table.insert({
      {"length", filter_length},
      {"count", filter_length},
      {"list", filter_list},
      {"first", filter_first},
      {"last", filter_last},
      {"reverse", filter_reverse},
      {"join", filter_join},
      {"sort", filter_sort},
      {"dictsort", filter_dictsort},
      {"unique", filter_unique},
      {"max", filter_max},
      {"min", filter_min},
      {"sum", filter_sum},
      {"batch", filter_batch},
      {"slice", filter_slice},
      {"groupby", filter_groupby},
  });
}

}  // namespace baton::lang
