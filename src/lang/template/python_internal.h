#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"
#include "src/lang/template/builtins.h"
#include "src/lang/template/value.h"

namespace baton::lang {

// Python's TypeError/ValueError/... as a Baton error: the message reads as Python's.
inline Error python_error(std::string message) { return invalid_input(std::move(message)); }

// Python's `format % args` (printf-style): %s %r %d %i %f %e %g %x %o %c %%, flags, width,
// precision, and %(name)s with a dict.
Result<std::string> percent_format(std::string_view format, const Value& args);

// Python's format(value, spec) as str.format() applies it: the format-spec mini-language
// [[fill]align][sign][#][0][width][,|_][.precision][type] for str, int, bool and float, with the
// types s d x X o b c e E f F g G % and none.
Result<std::string> format_with_spec(const Value& value, std::string_view spec);

// dict.items(), dict.keys() or dict.values(): iterable but not indexable.
inline bool is_dict_view(const Value& value) {
  if (!value.is_list()) return false;
  const Value::Sequence sequence = value.sequence();
  return sequence == Value::Sequence::kDictItems || sequence == Value::Sequence::kDictKeys ||
         sequence == Value::Sequence::kDictValues;
}

// Arguments bound to a Python signature: names in order; positional first, then keywords.
class BoundArgs {
 public:
  // Fails like Python on too many positionals, unknown or repeated keywords.
  static Result<BoundArgs> bind(std::string_view function, const CallArgs& args,
                                std::initializer_list<std::string_view> names);
  // nullptr when the argument was not passed.
  const Value* get(std::size_t index) const { return values_[index]; }
  bool has(std::size_t index) const { return values_[index] != nullptr; }
  // The argument, or `fallback` when absent.
  Value get_or(std::size_t index, Value fallback) const {
    return values_[index] ? *values_[index] : std::move(fallback);
  }

 private:
  std::vector<const Value*> values_;
};

// An int argument (bool accepted, as Python does); fails with a TypeError otherwise.
Result<std::int64_t> int_arg(const Value& value, std::string_view what);
// A str argument; fails with a TypeError otherwise.
Result<std::string> str_arg(const Value& value, std::string_view what);

// str() of a value that must be defined.
Result<std::string> to_str_checked(const Value& value);

// markupsafe's escape: & < > " ' as HTML entities.
std::string html_escape(std::string_view text);

// Python's sort order with a key: compares two values, failing on incomparable types.
Result<bool> python_less(const Value& left, const Value& right);

}  // namespace baton::lang

namespace baton::lang {

// Whether `receiver` has a Python method of this name that call_method() implements.
bool has_method(const Value& receiver, std::string_view name);

// Jinja2's object_type_repr(): "dict object", "None".
std::string object_type_repr(const Value& value);

}  // namespace baton::lang
