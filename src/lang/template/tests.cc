// Jinja2's builtin tests (jinja2/tests.py): `value is name(args)`.
#include <string>
#include <unordered_map>

#include "src/lang/template/builtins.h"
#include "src/lang/template/python_internal.h"

namespace baton::lang {
namespace {

Result<const Value*> one_arg(std::string_view test, const CallArgs& args, std::string_view name) {
  BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind(test, args, {name}));
  if (!bound.has(0)) {
    return python_error(std::string(test) + "() missing 1 required positional argument: '" +
                        std::string(name) + "'");
  }
  // Point into args, which outlives the call.
  return bound.get(0);
}

Status no_args(std::string_view test, const CallArgs& args) {
  if (!args.positional.empty() || !args.keyword.empty()) {
    return python_error(std::string(test) + "() takes 1 positional argument but " +
                        std::to_string(1 + args.positional.size() + args.keyword.size()) +
                        " were given");
  }
  return ok_status();
}

#define BATON_SIMPLE_TEST(fn, expr)                                             \
  Result<bool> fn(const Value& value, const CallArgs& args, Invoker& /*inv*/) { \
    (void)value;                                                                \
    BATON_TRY(no_args(#fn, args));                                              \
    return (expr);                                                              \
  }

Result<bool> parity(const Value& value, bool want_even) {
  if (value.is_undefined()) return python_error(value.undefined_message());
  BATON_ASSIGN_OR_RETURN(Value rest, apply_binary(BinaryOp::kMod, value, Value(2)));
  // Jinja2: `value % 2 == 1` for odd, `value % 2 == 0` for even (so 2.5 is neither).
  return equals(rest, Value(want_even ? 0 : 1));
}

Result<bool> test_odd(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("odd", args));
  return parity(value, false);
}
Result<bool> test_even(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("even", args));
  return parity(value, true);
}
Result<bool> test_divisibleby(const Value& value, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(const Value* num, one_arg("divisibleby", args, "num"));
  if (value.is_undefined()) return python_error(value.undefined_message());
  BATON_ASSIGN_OR_RETURN(Value rest, apply_binary(BinaryOp::kMod, value, *num));
  return equals(rest, Value(0));
}

BATON_SIMPLE_TEST(test_defined, !value.is_undefined())
BATON_SIMPLE_TEST(test_undefined, value.is_undefined())
BATON_SIMPLE_TEST(test_none, value.is_none())
BATON_SIMPLE_TEST(test_boolean, value.is_bool())
BATON_SIMPLE_TEST(test_false, value.is_bool() && !value.as_bool())
BATON_SIMPLE_TEST(test_true, value.is_bool() && value.as_bool())
BATON_SIMPLE_TEST(test_integer, value.is_int())
BATON_SIMPLE_TEST(test_float, value.is_float())
BATON_SIMPLE_TEST(test_string, value.is_string())
BATON_SIMPLE_TEST(test_mapping, value.is_dict())
BATON_SIMPLE_TEST(test_number, value.is_number() || value.is_bool())
BATON_SIMPLE_TEST(test_escaped, value.is_markup())
// Runtime objects are callable except the plain-data ones.
BATON_SIMPLE_TEST(test_callable, value.is_object() &&
                                     value.as_object().type_name() != "Namespace" &&
                                     value.as_object().type_name() != "Cycler")

Result<bool> test_sequence(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("sequence", args));
  if (value.is_undefined()) return python_error(value.undefined_message());
  return value.is_string() || value.is_list() || value.is_dict();
}
Result<bool> test_iterable(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("iterable", args));
  if (value.is_undefined()) return python_error(value.undefined_message());
  return value.is_string() || value.is_list() || value.is_dict();
}

Result<bool> case_test(const Value& value, bool upper) {
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(value));
  bool cased = false;
  for (char c : text) {
    if (c >= 'a' && c <= 'z') {
      if (upper) return false;
      cased = true;
    } else if (c >= 'A' && c <= 'Z') {
      if (!upper) return false;
      cased = true;
    }
  }
  return cased;
}
Result<bool> test_lower(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("lower", args));
  return case_test(value, false);
}
Result<bool> test_upper(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("upper", args));
  return case_test(value, true);
}

Result<bool> test_filter(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("filter", args));
  return value.is_string() && find_filter(value.as_string()) != nullptr;
}
Result<bool> test_test(const Value& value, const CallArgs& args, Invoker&) {
  BATON_TRY(no_args("test", args));
  return value.is_string() && find_test(value.as_string()) != nullptr;
}

Result<bool> test_sameas(const Value& value, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(const Value* other, one_arg("sameas", args, "other"));
  // Identity holds for the singletons, CPython's cached small ints, and containers that share
  // their storage.
  if (value.kind() != other->kind()) return false;
  if (value.is_none() || value.is_undefined()) return true;
  if (value.is_bool()) return value.as_bool() == other->as_bool();
  if (value.is_int())
    return value.as_int() == other->as_int() && value.as_int() >= -5 && value.as_int() <= 256;
  if (value.is_object()) return &value.as_object() == &other->as_object();
  if (value.is_list()) return &value.as_list() == &other->as_list();
  if (value.is_dict()) return &value.as_dict() == &other->as_dict();
  return false;
}

Result<bool> test_in(const Value& value, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(const Value* seq, one_arg("in", args, "seq"));
  return contains(*seq, value);
}

Result<bool> compare_test(const Value& value, const CallArgs& args, std::string_view name,
                          int want_sign, bool or_equal) {
  BATON_ASSIGN_OR_RETURN(const Value* other, one_arg(name, args, "b"));
  auto c = compare(value, *other);
  if (!c) {
    // compare() words its TypeError for '<'; name the operator this test applies.
    std::string message = c.error().message();
    const std::string op = std::string(want_sign > 0 ? ">" : "<") + (or_equal ? "=" : "");
    if (message.rfind("'<' not supported", 0) == 0) message.replace(1, 1, op);
    return python_error(std::move(message));
  }
  return *c == want_sign || (or_equal && *c == 0);
}

Result<bool> test_eq(const Value& value, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(const Value* other, one_arg("eq", args, "b"));
  return equals(value, *other);
}
Result<bool> test_ne(const Value& value, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(const Value* other, one_arg("ne", args, "b"));
  return !equals(value, *other);
}
Result<bool> test_gt(const Value& value, const CallArgs& args, Invoker&) {
  return compare_test(value, args, "gt", 1, false);
}
Result<bool> test_ge(const Value& value, const CallArgs& args, Invoker&) {
  return compare_test(value, args, "ge", 1, true);
}
Result<bool> test_lt(const Value& value, const CallArgs& args, Invoker&) {
  return compare_test(value, args, "lt", -1, false);
}
Result<bool> test_le(const Value& value, const CallArgs& args, Invoker&) {
  return compare_test(value, args, "le", -1, true);
}

const std::unordered_map<std::string_view, TestFn>& test_table() {
  static const auto* table = new std::unordered_map<std::string_view, TestFn>{
      {"odd", test_odd},
      {"even", test_even},
      {"divisibleby", test_divisibleby},
      {"defined", test_defined},
      {"undefined", test_undefined},
      {"filter", test_filter},
      {"test", test_test},
      {"none", test_none},
      {"boolean", test_boolean},
      {"false", test_false},
      {"true", test_true},
      {"integer", test_integer},
      {"float", test_float},
      {"lower", test_lower},
      {"upper", test_upper},
      {"string", test_string},
      {"mapping", test_mapping},
      {"number", test_number},
      {"sequence", test_sequence},
      {"iterable", test_iterable},
      {"callable", test_callable},
      {"sameas", test_sameas},
      {"escaped", test_escaped},
      {"in", test_in},
      {"==", test_eq},
      {"eq", test_eq},
      {"equalto", test_eq},
      {"!=", test_ne},
      {"ne", test_ne},
      {">", test_gt},
      {"gt", test_gt},
      {"greaterthan", test_gt},
      {">=", test_ge},
      {"ge", test_ge},
      {"<", test_lt},
      {"lt", test_lt},
      {"lessthan", test_lt},
      {"<=", test_le},
      {"le", test_le},
  };
  return *table;
}

}  // namespace

TestFn find_test(std::string_view name) {
  const auto& table = test_table();
  const auto it = table.find(name);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace baton::lang
