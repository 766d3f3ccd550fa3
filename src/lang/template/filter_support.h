#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "baton/result.h"
#include "src/lang/template/builtins.h"
#include "src/lang/template/python_internal.h"

namespace baton::lang {

using FilterTable = std::unordered_map<std::string_view, FilterFn>;

// Each file of filters adds its own to the table.
void add_string_filters(FilterTable& table);
void add_list_filters(FilterTable& table);
void add_number_filters(FilterTable& table);

// Jinja2's make_attrgetter: "a.b.0" looked up with getitem, digits as ints; `fallback` replaces
// an undefined result (when not none); `lower_strings` applies ignore_case.
class AttrGetter {
 public:
  AttrGetter(const Value* attribute, Value fallback = Value::none(), bool lower_strings = false);
  Result<Value> operator()(const Value& item) const;

 private:
  std::vector<Value> parts_;
  Value fallback_;
  bool lower_strings_;
};

// Jinja2's ignore_case: strings are lower-cased (ASCII), other values kept.
Value ignore_case(const Value& value);

// A stable sort by `key`, failing like Python when two keys cannot be compared.
Result<ValueList> sorted_by(ValueList items, const std::function<Result<Value>(const Value&)>& key,
                            bool reverse);

// Python's len().
Result<std::int64_t> python_len(const Value& value);

// Python's int(text, base) and float(text) for strings; nullopt where Python raises ValueError.
std::optional<std::int64_t> parse_python_int(std::string_view text, int base);
std::optional<double> parse_python_float(std::string_view text);

}  // namespace baton::lang
