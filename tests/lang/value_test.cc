#include "src/lang/template/value.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "src/lang/template/builtins.h"

namespace baton::lang {
namespace {

Value list(ValueList items) { return Value(std::move(items)); }

Value dict(std::initializer_list<std::pair<const char*, Value>> entries) {
  ValueDict d;
  for (const auto& [k, v] : entries) d.set(k, v);
  return Value(std::move(d));
}

std::string binary(BinaryOp op, const Value& a, const Value& b) {
  auto result = apply_binary(op, a, b);
  if (!result) return "error: " + result.error().message();
  return to_repr(*result);
}

std::string err(const Result<Value>& result) {
  return result ? "ok: " + to_repr(*result) : result.error().message();
}

TEST(ValueTest, FloatReprIsShortestRoundTrip) {
  // Expected strings from Python 3's repr().
  EXPECT_EQ(to_str(1.0), "1.0");
  EXPECT_EQ(to_str(0.1), "0.1");
  EXPECT_EQ(to_str(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(to_str(1e16), "1e+16");
  EXPECT_EQ(to_str(1e15), "1000000000000000.0");
  EXPECT_EQ(to_str(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(to_str(1e-05), "1e-05");
  EXPECT_EQ(to_str(0.0001), "0.0001");
  EXPECT_EQ(to_str(1.5e-7), "1.5e-07");
  EXPECT_EQ(to_str(-0.0), "-0.0");
  EXPECT_EQ(to_str(2.5), "2.5");
  EXPECT_EQ(to_str(1e100), "1e+100");
  EXPECT_EQ(to_str(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(to_str(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(to_str(std::nan("")), "nan");
  EXPECT_EQ(to_str(5e-324), "5e-324");
  EXPECT_EQ(to_str(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(ValueTest, StrAndReprOfScalars) {
  EXPECT_EQ(to_str(Value::none()), "None");
  EXPECT_EQ(to_str(true), "True");
  EXPECT_EQ(to_str(false), "False");
  EXPECT_EQ(to_str(-42), "-42");
  EXPECT_EQ(to_str("héllo"), "héllo");
  EXPECT_EQ(to_repr("a"), "'a'");
  EXPECT_EQ(to_repr("it's"), "\"it's\"");
  EXPECT_EQ(to_repr("it's \"q\""), "'it\\'s \"q\"'");
  EXPECT_EQ(to_repr("a\nb\tc\\d\re"), "'a\\nb\\tc\\\\d\\re'");
  EXPECT_EQ(to_repr(std::string("\x01\x7f", 2)), "'\\x01\\x7f'");
  EXPECT_EQ(to_repr("é\u00a0\u2028日本"), "'é\\xa0\\u2028日本'");
}

TEST(ValueTest, ReprOfContainers) {
  EXPECT_EQ(to_str(list({1, "a", 2.0, Value::none(), true})), "[1, 'a', 2.0, None, True]");
  EXPECT_EQ(to_str(Value::tuple({1})), "(1,)");
  EXPECT_EQ(to_str(Value::tuple({1, 2})), "(1, 2)");
  EXPECT_EQ(to_str(Value::tuple({})), "()");
  EXPECT_EQ(to_str(dict({{"a", 1}, {"b", list({"x"})}})), "{'a': 1, 'b': ['x']}");
  EXPECT_EQ(to_str(dict({})), "{}");
  EXPECT_EQ(to_str(list({dict({{"k", Value::tuple({"v"})}})})), "[{'k': ('v',)}]");
}

TEST(ValueTest, Truthiness) {
  EXPECT_FALSE(*is_truthy(Value::none()));
  EXPECT_FALSE(*is_truthy(0));
  EXPECT_FALSE(*is_truthy(0.0));
  EXPECT_FALSE(*is_truthy(""));
  EXPECT_FALSE(*is_truthy(list({})));
  EXPECT_FALSE(*is_truthy(dict({})));
  EXPECT_TRUE(*is_truthy("0"));
  EXPECT_TRUE(*is_truthy(list({0})));
  auto undefined = is_truthy(Value::undefined("'x' is undefined"));
  ASSERT_FALSE(undefined);
  EXPECT_EQ(undefined.error().message(), "'x' is undefined");
}

TEST(ValueTest, IntegerArithmeticFollowsPython) {
  EXPECT_EQ(binary(BinaryOp::kAdd, true, 1), "2");
  EXPECT_EQ(binary(BinaryOp::kAdd, 1, 2.5), "3.5");
  EXPECT_EQ(binary(BinaryOp::kDiv, 4, 2), "2.0");
  EXPECT_EQ(binary(BinaryOp::kDiv, 1, 3), "0.3333333333333333");
  EXPECT_EQ(binary(BinaryOp::kFloorDiv, -7, 2), "-4");
  EXPECT_EQ(binary(BinaryOp::kFloorDiv, 7, -2), "-4");
  EXPECT_EQ(binary(BinaryOp::kMod, -7, 2), "1");
  EXPECT_EQ(binary(BinaryOp::kMod, 7, -2), "-1");
  EXPECT_EQ(binary(BinaryOp::kMod, -7, 2.5), "0.5");
  EXPECT_EQ(binary(BinaryOp::kFloorDiv, -7.0, 2), "-4.0");
  EXPECT_EQ(binary(BinaryOp::kPow, 2, 10), "1024");
  EXPECT_EQ(binary(BinaryOp::kPow, 2, -1), "0.5");
  EXPECT_EQ(binary(BinaryOp::kPow, 2, 0.5), "1.4142135623730951");
  EXPECT_EQ(binary(BinaryOp::kMul, "ab", 3), "'ababab'");
  EXPECT_EQ(binary(BinaryOp::kMul, 2, list({1})), "[1, 1]");
  EXPECT_EQ(binary(BinaryOp::kMul, "ab", -1), "''");
  EXPECT_EQ(binary(BinaryOp::kAdd, list({1}), list({2})), "[1, 2]");
  EXPECT_EQ(binary(BinaryOp::kAdd, "a", "b"), "'ab'");
  EXPECT_EQ(binary(BinaryOp::kConcat, 1, "a"), "'1a'");
  EXPECT_EQ(binary(BinaryOp::kConcat, 1.0, Value::none()), "'1.0None'");
  EXPECT_EQ(binary(BinaryOp::kMod, "%s-%d", Value::tuple({"a", 3})), "'a-3'");
}

TEST(ValueTest, ArithmeticErrorsUsePythonMessages) {
  EXPECT_EQ(binary(BinaryOp::kAdd, 1, "a"),
            "error: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_EQ(binary(BinaryOp::kAdd, "a", 1), "error: can only concatenate str (not \"int\") to str");
  EXPECT_EQ(binary(BinaryOp::kAdd, list({}), Value::tuple({})),
            "error: can only concatenate list (not \"tuple\") to list");
  EXPECT_EQ(binary(BinaryOp::kDiv, 1, 0), "error: division by zero");
  EXPECT_EQ(binary(BinaryOp::kDiv, 1.0, 0), "error: float division by zero");
  EXPECT_EQ(binary(BinaryOp::kFloorDiv, 1, 0), "error: integer division or modulo by zero");
  EXPECT_EQ(binary(BinaryOp::kMod, 1, 0), "error: integer modulo by zero");
  EXPECT_EQ(binary(BinaryOp::kPow, 0, -1), "error: 0.0 cannot be raised to a negative power");
  EXPECT_EQ(binary(BinaryOp::kMul, "a", 1.5),
            "error: can't multiply sequence by non-int of type 'float'");
  EXPECT_EQ(binary(BinaryOp::kSub, "a", "b"),
            "error: unsupported operand type(s) for -: 'str' and 'str'");
  EXPECT_EQ(binary(BinaryOp::kAdd, std::numeric_limits<std::int64_t>::max(), 1),
            "error: integer overflow: the result does not fit in 64 bits");
  EXPECT_EQ(err(apply_unary(UnaryOp::kNeg, "a")), "bad operand type for unary -: 'str'");
  EXPECT_EQ(err(apply_unary(UnaryOp::kNeg, true)), "ok: -1");
  EXPECT_EQ(err(apply_unary(UnaryOp::kNot, "")), "ok: True");
}

TEST(ValueTest, EqualityAndOrdering) {
  EXPECT_TRUE(equals(1, 1.0));
  EXPECT_TRUE(equals(true, 1));
  EXPECT_FALSE(equals("1", 1));
  EXPECT_FALSE(equals(list({1}), Value::tuple({1})));
  EXPECT_TRUE(equals(dict({{"a", 1}, {"b", 2}}), dict({{"b", 2}, {"a", 1}})));
  EXPECT_FALSE(equals(std::nan(""), std::nan("")));
  EXPECT_EQ(*compare(1, 1.5), -1);
  EXPECT_EQ(*compare("b", "abc"), 1);
  EXPECT_EQ(*compare("é", "z"), 1);  // by code point
  EXPECT_EQ(*compare(list({1, 2}), list({1, 2, 0})), -1);
  EXPECT_EQ(*compare(list({1, "b"}), list({1, "a"})), 1);
  auto mixed = compare("a", 1);
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().message(), "'<' not supported between instances of 'str' and 'int'");
}

TEST(ValueTest, Contains) {
  EXPECT_TRUE(*contains("hello", "ell"));
  EXPECT_TRUE(*contains(list({1, 2}), 2.0));
  EXPECT_TRUE(*contains(dict({{"a", 1}}), "a"));
  EXPECT_FALSE(*contains(dict({{"a", 1}}), 1));
  EXPECT_EQ(contains("a", 1).error().message(),
            "'in <string>' requires string as left operand, not int");
  EXPECT_EQ(contains(3, 1).error().message(), "argument of type 'int' is not iterable");
}

TEST(ValueTest, AttributeAndItemLookupGiveUndefinedWithJinjaMessages) {
  const Value d = dict({{"a", 1}});
  EXPECT_EQ(to_repr(*get_attribute(d, "a")), "1");
  EXPECT_EQ(get_attribute(d, "x")->undefined_message(), "'dict object' has no attribute 'x'");
  EXPECT_EQ(get_item(d, "x")->undefined_message(), "'dict object' has no attribute 'x'");
  EXPECT_EQ(get_item(d, 1)->undefined_message(), "dict object has no element 1");
  const Value l = list({10, 20, 30});
  EXPECT_EQ(to_repr(*get_item(l, -1)), "30");
  EXPECT_EQ(get_item(l, 5)->undefined_message(), "list object has no element 5");
  EXPECT_EQ(get_attribute(l, "x")->undefined_message(), "'list object' has no attribute 'x'");
  EXPECT_EQ(get_attribute(Value::none(), "x")->undefined_message(), "'None' has no attribute 'x'");
  EXPECT_EQ(get_attribute(3, "x")->undefined_message(), "'int object' has no attribute 'x'");
  EXPECT_EQ(to_repr(*get_item("héllo", 1)), "'é'");
  EXPECT_EQ(get_attribute(Value::undefined("'u' is undefined"), "x").error().message(),
            "'u' is undefined");
  // A method read as an attribute is callable.
  Value upper = *get_attribute("abc", "upper");
  ASSERT_TRUE(upper.is_object());
  EXPECT_EQ(to_repr(*upper.as_object().call(CallArgs{})), "'ABC'");
}

TEST(ValueTest, Slicing) {
  const Value l = list({0, 1, 2, 3, 4});
  const Value n = Value::none();
  EXPECT_EQ(to_repr(*get_slice(l, 1, 3, n)), "[1, 2]");
  EXPECT_EQ(to_repr(*get_slice(l, n, n, -1)), "[4, 3, 2, 1, 0]");
  EXPECT_EQ(to_repr(*get_slice(l, -2, n, n)), "[3, 4]");
  EXPECT_EQ(to_repr(*get_slice(l, n, n, 2)), "[0, 2, 4]");
  EXPECT_EQ(to_repr(*get_slice(l, 10, 1, -2)), "[4, 2]");
  EXPECT_EQ(to_repr(*get_slice("héllo", 1, 3, n)), "'él'");
  EXPECT_EQ(to_repr(*get_slice("héllo", n, n, -1)), "'olléh'");
  EXPECT_EQ(to_repr(*get_slice(Value::tuple({1, 2, 3}), 1, n, n)), "(2, 3)");
  EXPECT_EQ(get_slice(l, n, n, 0).error().message(), "slice step cannot be zero");
}

TEST(ValueTest, Iterate) {
  EXPECT_EQ(to_repr(Value(*iterate(dict({{"a", 1}, {"b", 2}})))), "['a', 'b']");
  EXPECT_EQ(to_repr(Value(*iterate("hé"))), "['h', 'é']");
  EXPECT_EQ(iterate(1).error().message(), "'int' object is not iterable");
}

TEST(ValueTest, TypeNames) {
  EXPECT_EQ(type_name(Value::none()), "NoneType");
  EXPECT_EQ(type_name(Value::tuple({})), "tuple");
  EXPECT_EQ(type_name(1.0), "float");
  EXPECT_EQ(type_name(dict({})), "dict");
}

TEST(ValueTest, JsonRoundTrip) {
  auto value = value_from_json(R"({"b": [1, 2.5, "x", null, true], "a": {"z": 1e3}})");
  ASSERT_TRUE(value);
  EXPECT_EQ(to_str(*value), "{'b': [1, 2.5, 'x', None, True], 'a': {'z': 1000.0}}");
  EXPECT_FALSE(value_from_json("{bad"));
  EXPECT_EQ(*to_jinja_json(*value, -1), R"({"a": {"z": 1000.0}, "b": [1, 2.5, "x", null, true]})");
}

TEST(ValueTest, TojsonMatchesJinja) {
  // Expected strings from Jinja2's |tojson.
  const Value v = dict({{"b", "<a href='x'>&</a>"}, {"a", list({1, dict({})})}, {"é", "日😀"}});
  EXPECT_EQ(
      *to_jinja_json(v, -1),
      "{\"a\": [1, {}], \"b\": \"\\u003ca href=\\u0027x\\u0027\\u003e\\u0026\\u003c/a\\u003e\", "
      "\"\\u00e9\": \"\\u65e5\\ud83d\\ude00\"}");
  EXPECT_EQ(*to_jinja_json(dict({{"a", list({1, 2})}, {"b", list({})}}), 2),
            "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": []\n}");
  EXPECT_EQ(*to_jinja_json(list({1}), 0), "[\n1\n]");
  EXPECT_EQ(*to_jinja_json(list({0.1, 1e16, std::nan("")}), -1), "[0.1, 1e+16, NaN]");
  EXPECT_EQ(*to_jinja_json("a\"b\\c\n\x01", -1), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(*to_jinja_json("\x7f\u2028", -1), "\"\\u007f\\u2028\"");
  EXPECT_FALSE(to_jinja_json(Value::undefined("'x' is undefined"), -1));
}

TEST(ValueTest, MethodsOfStrListDict) {
  auto call = [](const Value& receiver, std::string_view name, ValueList args) {
    auto result = call_method(receiver, name, CallArgs{std::move(args), {}});
    return result ? to_repr(*result) : "error: " + result.error().message();
  };
  EXPECT_EQ(call("a,b,,c", "split", {","}), "['a', 'b', '', 'c']");
  EXPECT_EQ(call("  a  b c ", "split", {}), "['a', 'b', 'c']");
  EXPECT_EQ(call("  a  b c ", "split", {Value::none(), 1}), "['a', 'b c ']");
  EXPECT_EQ(call("a,b,c", "rsplit", {",", 1}), "['a,b', 'c']");
  EXPECT_EQ(call("xxhixx", "strip", {"x"}), "'hi'");
  EXPECT_EQ(call("Hello World", "find", {"o"}), "4");
  EXPECT_EQ(call("héllo", "find", {"l"}), "2");
  EXPECT_EQ(call("Hello", "index", {"z"}), "error: substring not found");
  EXPECT_EQ(call("abc", "startswith", {Value::tuple({"x", "a"})}), "True");
  EXPECT_EQ(call("42", "zfill", {5}), "'00042'");
  EXPECT_EQ(call("-42", "zfill", {5}), "'-0042'");
  EXPECT_EQ(call("ab", "center", {7, "*"}), "'***ab**'");
  EXPECT_EQ(call("abc", "center", {6}), "' abc  '");
  EXPECT_EQ(call("a\nb\r\nc", "splitlines", {}), "['a', 'b', 'c']");
  EXPECT_EQ(call("k=v=w", "partition", {"="}), "('k', '=', 'v=w')");
  EXPECT_EQ(call("they're bill's", "title", {}), "\"They'Re Bill'S\"");
  EXPECT_EQ(call("{0}-{x}-{}", "format", {1}), "error: 'x'");
  EXPECT_EQ(call("-", "join", {list({"a", "b"})}), "'a-b'");
  EXPECT_EQ(call("-", "join", {list({"a", 1})}),
            "error: sequence item 1: expected str instance, int found");
  EXPECT_EQ(call("aaa", "replace", {"a", "b", 2}), "'bba'");
  EXPECT_EQ(call("ab", "replace", {"", "-"}), "'-a-b-'");
  EXPECT_EQ(call("abc", "nope", {}), "error: 'str object' has no attribute 'nope'");
  const Value d = dict({{"a", 1}, {"b", 2}});
  EXPECT_EQ(call(d, "items", {}), "dict_items([('a', 1), ('b', 2)])");
  EXPECT_EQ(call(d, "keys", {}), "dict_keys(['a', 'b'])");
  EXPECT_EQ(call(d, "get", {"z", 0}), "0");
  EXPECT_EQ(call(d, "get", {"z"}), "None");
  EXPECT_EQ(call(list({1, 2, 1}), "count", {1}), "2");
  EXPECT_EQ(call(list({1, 2}), "index", {5}), "error: 5 is not in list");
  auto formatted = call_method("{0}-{x}-{1}", "format", CallArgs{{1, 2}, {{"x", "y"}}});
  EXPECT_EQ(to_str(*formatted), "1-y-2");
}

TEST(ValueTest, RemoveAffixAndUnsupportedMethods) {
  auto call = [](const Value& receiver, std::string_view name, ValueList args) {
    auto result = call_method(receiver, name, CallArgs{std::move(args), {}});
    return result ? to_repr(*result) : "error: " + result.error().message();
  };
  EXPECT_EQ(call("prefix-body", "removeprefix", {"prefix-"}), "'body'");
  EXPECT_EQ(call("body", "removeprefix", {"x"}), "'body'");
  EXPECT_EQ(call("body.txt", "removesuffix", {".txt"}), "'body'");
  EXPECT_EQ(call("a", "removesuffix", {"abc"}), "'a'");
  // Real Python methods Baton does not implement are attributes, but calling them fails.
  auto encode = get_attribute("hello", "encode");
  ASSERT_TRUE(encode.has_value());
  EXPECT_FALSE(encode->is_undefined());
  EXPECT_EQ(call("hello", "encode", {}), "error: 'str.encode' is not supported");
  EXPECT_EQ(call(list({1}), "append", {2}), "error: 'list.append' is not supported");
  EXPECT_EQ(call(dict({}), "update", {}), "error: 'dict.update' is not supported");
  auto tuple_append = get_attribute(Value::tuple({1}), "append");
  ASSERT_TRUE(tuple_append.has_value());
  EXPECT_TRUE(tuple_append->is_undefined());
}

TEST(ValueTest, StrFormatSpecs) {
  auto format = [](std::string_view text, ValueList args) {
    auto result = call_method(Value(text), "format", CallArgs{std::move(args), {}});
    return result ? to_str(*result) : "error: " + result.error().message();
  };
  EXPECT_EQ(format("{:>5}|{:<4}|{:^6}|", {"a", "b", "c"}), "    a|b   |  c   |");
  EXPECT_EQ(format("{:.3f}", {0.1}), "0.100");
  EXPECT_EQ(format("{:*^9,}", {1234567}), "1,234,567");
  EXPECT_EQ(format("{:+08.2f}", {-3.14159}), "-0003.14");
  EXPECT_EQ(format("{:#x} {:#b} {:o} {:X}", {255, 5, 8, 255}), "0xff 0b101 10 FF");
  EXPECT_EQ(format("{:.2%}", {0.1234}), "12.34%");
  EXPECT_EQ(format("{:e}", {12345.678}), "1.234568e+04");
  EXPECT_EQ(format("{:.3}", {1.0}), "1.0");
  EXPECT_EQ(format("{:g}", {1e20}), "1e+20");
  EXPECT_EQ(format("{:5}|{:5}", {42, "ab"}), "   42|ab   ");
  EXPECT_EQ(format("{!r:>6}", {"a"}), "   'a'");
  EXPECT_EQ(format("{:05}", {-42}), "-0042");
  EXPECT_EQ(format("{:.2s}", {"abc"}), "ab");
  EXPECT_EQ(format("{:,.2f}", {1234567.891}), "1,234,567.89");
  EXPECT_EQ(format("{:d}", {"x"}), "error: Unknown format code 'd' for object of type 'str'");
}

TEST(ValueTest, UnicodeCaseMappingIsPythons) {
  auto call = [](const Value& receiver, std::string_view name) {
    auto result = call_method(receiver, name, CallArgs{});
    return result ? to_str(*result) : "error: " + result.error().message();
  };
  EXPECT_EQ(call("straße", "upper"), "STRASSE");
  EXPECT_EQ(call("İ", "lower"), "i\xCC\x87");
  EXPECT_EQ(call("ǅ", "upper"), "Ǆ");
  EXPECT_EQ(call("ǅ", "lower"), "ǆ");
  EXPECT_EQ(call("ǆa ßa", "title"), "ǅa Ssa");
  EXPECT_EQ(call("ǉubljana", "capitalize"), "ǈubljana");
  EXPECT_EQ(call("ßǅǄ", "swapcase"), "SSǅǆ");
  EXPECT_EQ(call("Straße", "casefold"), "strasse");
}

TEST(ValueTest, RangeAndDictViewsPrintAsPythonButActAsLists) {
  Value range = *find_global("range").as_object().call(CallArgs{{5}, {}});
  EXPECT_EQ(to_str(range), "range(0, 5)");
  EXPECT_EQ(type_name(range), "range");
  EXPECT_EQ(to_str(*get_item(range, 1)), "1");
  EXPECT_EQ(to_str(Value(*iterate(range))), "[0, 1, 2, 3, 4]");
  EXPECT_EQ(to_str(*find_global("range").as_object().call(CallArgs{{2, 8, 2}, {}})),
            "range(2, 8, 2)");
  const Value d = dict({{"a", 1}, {"b", 2}});
  const Value items = *call_method(d, "items", CallArgs{});
  EXPECT_EQ(to_str(items), "dict_items([('a', 1), ('b', 2)])");
  EXPECT_EQ(to_str(*call_method(d, "values", CallArgs{})), "dict_values([1, 2])");
  EXPECT_EQ(to_str(Value(*iterate(items))), "[('a', 1), ('b', 2)]");
  auto first = get_item(items, 0);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->is_undefined());
  EXPECT_EQ(first->undefined_message(), "dict_items object has no element 0");
}

TEST(ValueTest, Globals) {
  Value range = find_global("range");
  ASSERT_TRUE(range.is_object());
  EXPECT_EQ(to_repr(Value(*iterate(*range.as_object().call(CallArgs{{5}, {}})))),
            "[0, 1, 2, 3, 4]");
  EXPECT_EQ(to_repr(Value(*iterate(*range.as_object().call(CallArgs{{10, 0, -3}, {}})))),
            "[10, 7, 4, 1]");
  EXPECT_EQ(to_repr(*range.as_object().call(CallArgs{{10, 0, -3}, {}})), "range(10, 0, -3)");
  EXPECT_FALSE(range.as_object().call(CallArgs{{100001}, {}}));
  EXPECT_EQ(range.as_object().call(CallArgs{{1, 2, 0}, {}}).error().message(),
            "range() arg 3 must not be zero");
  Value ns = *find_global("namespace").as_object().call(CallArgs{{}, {{"a", 1}}});
  EXPECT_EQ(to_str(ns), "<Namespace {'a': 1}>");
  ASSERT_TRUE(ns.as_object().set_attribute("b", "x"));
  EXPECT_EQ(to_repr(ns.as_object().get_attribute("b")), "'x'");
  Value cycler = *find_global("cycler").as_object().call(CallArgs{{1, 2}, {}});
  EXPECT_EQ(to_repr(*cycler.as_object().call_method("next", {})), "1");
  EXPECT_EQ(to_repr(cycler.as_object().get_attribute("current")), "2");
  Value next = cycler.as_object().get_attribute("next");
  EXPECT_EQ(to_repr(*next.as_object().call({})), "2");
  Value joiner = *find_global("joiner").as_object().call(CallArgs{{"|"}, {}});
  EXPECT_EQ(to_str(*joiner.as_object().call({})), "");
  EXPECT_EQ(to_str(*joiner.as_object().call({})), "|");
  EXPECT_FALSE(find_global("lipsum").as_object().call({}));
  EXPECT_TRUE(find_global("nope").is_undefined());
  EXPECT_EQ(to_str(*find_global("dict").as_object().call(CallArgs{{}, {{"a", 1}}})), "{'a': 1}");
}

}  // namespace
}  // namespace baton::lang
