#include <string>

#include <gtest/gtest.h>

#include "src/lang/template/builtins.h"
#include "src/lang/template/template.h"
#include "src/lang/template/value.h"

namespace baton::lang {
namespace {

// Dispatches map()/select() callbacks straight to the builtin tables.
class TableInvoker final : public Invoker {
 public:
  Result<Value> call_filter(std::string_view name, const Value& input,
                            const CallArgs& args) override {
    FilterFn fn = find_filter(name);
    if (fn == nullptr) return invalid_input("no filter named '" + std::string(name) + "'");
    return fn(input, args, *this);
  }
  Result<bool> call_test(std::string_view name, const Value& input, const CallArgs& args) override {
    TestFn fn = find_test(name);
    if (fn == nullptr) return invalid_input("no test named '" + std::string(name) + "'");
    return fn(input, args, *this);
  }
};

Value list(ValueList items) { return Value(std::move(items)); }

Value dict(std::initializer_list<std::pair<const char*, Value>> entries) {
  ValueDict d;
  for (const auto& [k, v] : entries) d.set(k, v);
  return Value(std::move(d));
}

// What `{{ input|name(args) }}` prints, or "error: ..." / "undefined: ...".
std::string filter(std::string_view name, const Value& input, ValueList args = {},
                   std::vector<std::pair<std::string, Value>> keywords = {}) {
  TableInvoker invoker;
  auto result = invoker.call_filter(name, input, CallArgs{std::move(args), std::move(keywords)});
  if (!result) return "error: " + result.error().message();
  if (result->is_undefined()) return "undefined: " + result->undefined_message();
  return to_str(*result);
}

std::string test(std::string_view name, const Value& input, ValueList args = {}) {
  TableInvoker invoker;
  auto result = invoker.call_test(name, input, CallArgs{std::move(args), {}});
  if (!result) return "error: " + result.error().message();
  return *result ? "True" : "False";
}

const Value kUsers = list({dict({{"name", "bob"}, {"age", 30}, {"city", "NY"}}),
                           dict({{"name", "Al"}, {"age", 25}, {"city", "ca"}}),
                           dict({{"name", "cy"}, {"age", 30}, {"city", "CA"}})});

TEST(FiltersTest, Default) {
  EXPECT_EQ(filter("default", Value::undefined("'x' is undefined"), {"fallback"}), "fallback");
  EXPECT_EQ(filter("d", Value::undefined("'x' is undefined")), "");
  EXPECT_EQ(filter("default", "", {"fallback"}), "");
  EXPECT_EQ(filter("default", "", {"fallback"}, {{"boolean", true}}), "fallback");
  EXPECT_EQ(filter("default", Value::none(), {"fallback"}), "None");
}

TEST(FiltersTest, StringCase) {
  EXPECT_EQ(filter("upper", "abc é"), "ABC É");
  EXPECT_EQ(filter("lower", "ÀÉΣЖ"), "àéσж");
  EXPECT_EQ(filter("lower", "ABC"), "abc");
  EXPECT_EQ(filter("capitalize", "hELLO world"), "Hello world");
  EXPECT_EQ(filter("title", "hello wORLD-foo (bar) they're"), "Hello World-Foo (Bar) They're");
  EXPECT_EQ(filter("upper", Value::undefined("'x' is undefined")), "error: 'x' is undefined");
}

TEST(FiltersTest, StringCaseUsesFullMappings) {
  EXPECT_EQ(filter("upper", "ß"), "SS");
  EXPECT_EQ(filter("length", Value(filter("lower", "İ"))), "2");
  // Jinja2's title upper-cases a word's first letter with str.upper().
  EXPECT_EQ(filter("title", "ǅ"), "Ǆ");
  EXPECT_EQ(filter("title", "ßa ǉb"), "SSa Ǉb");
}

TEST(FiltersTest, FormatOfHugeFloatIsExact) {
  EXPECT_EQ(filter("format", "%d", {1e20}), "100000000000000000000");
  EXPECT_EQ(filter("format", "%d", {-1.5e19}), "-15000000000000000000");
  EXPECT_EQ(filter("format", "%d", {2.9}), "2");
  EXPECT_EQ(filter("round", std::int64_t{9223372036854775807}, {-1}),
            "error: integer overflow: the result does not fit in 64 bits");
}

TEST(TestsTest, SameasIsIdentityOfSharedContainers) {
  const Value items = list({1, 2});
  EXPECT_EQ(test("sameas", items, {items}), "True");
  EXPECT_EQ(test("sameas", items, {list({1, 2})}), "False");
  const Value d = dict({{"a", 1}});
  EXPECT_EQ(test("sameas", d, {d}), "True");
  EXPECT_EQ(test("sameas", d, {dict({{"a", 1}})}), "False");
}

TEST(FiltersTest, CenterIndentTrim) {
  EXPECT_EQ(filter("center", "ab", {7}), "   ab  ");
  EXPECT_EQ(filter("indent", "a\nb\n\nc"), "a\n    b\n\n    c");
  EXPECT_EQ(filter("indent", "a\nb\n", {2}, {{"first", true}}), "  a\n  b\n");
  EXPECT_EQ(filter("indent", "a\n\nb", {"> "}, {{"blank", true}}), "a\n> \n> b");
  EXPECT_EQ(filter("trim", "  hi \n"), "hi");
  EXPECT_EQ(filter("trim", "xxhixx", {"x"}), "hi");
}

TEST(FiltersTest, Truncate) {
  EXPECT_EQ(filter("truncate", "foo bar baz qux", {9}), "foo...");
  EXPECT_EQ(filter("truncate", "foo bar baz qux", {9, true}), "foo ba...");
  EXPECT_EQ(filter("truncate", "foo bar baz qux", {11}), "foo bar baz qux");
  EXPECT_EQ(filter("truncate", "foo bar baz qux", {11, false, "...", 0}), "foo bar...");
  EXPECT_EQ(filter("truncate", "héllo wörld, ünïcode", {10}, {{"end", "…"}, {"leeway", 0}}),
            "héllo…");
  EXPECT_EQ(filter("truncate", "abc", {2}), "error: expected length >= 3, got 2");
}

TEST(FiltersTest, Wordwrap) {
  EXPECT_EQ(filter("wordwrap", "the quick brown fox jumps over", {10}),
            "the quick\nbrown fox\njumps over");
  EXPECT_EQ(filter("wordwrap", "abcdefghijkl mn", {5}), "abcde\nfghij\nkl mn");
  EXPECT_EQ(filter("wordwrap", "abcdefghijkl mn", {5, false}), "abcdefghijkl\nmn");
  EXPECT_EQ(filter("wordwrap", "one two\n\nthree four", {5}, {{"wrapstring", "|"}}),
            "one|two||three|four");
  // textwrap keeps a trailing space when a long word leaves no room on the line.
  EXPECT_EQ(filter("wordwrap", "<b>bold</b> &amp; more", {4}), "<b>b\nold<\n/b> \n&amp\n;\nmore");
  EXPECT_EQ(filter("wordwrap", "well-known hyphenated-words", {12}),
            "well-known\nhyphenated-\nwords");
}

TEST(FiltersTest, ReplaceFormatEscape) {
  EXPECT_EQ(filter("replace", "aaaaargh", {"a", "d'oh, ", 2}), "d'oh, d'oh, aaargh");
  EXPECT_EQ(filter("format", "%s, %s!", {"Hello", "World"}), "Hello, World!");
  EXPECT_EQ(filter("format", "%(a)s=%(b)05.1f", {}, {{"a", "x"}, {"b", 3.14159}}), "x=003.1");
  EXPECT_EQ(filter("format", "%d|%5d|%-5d|%05d|%+d|%x|%#x|%o|%X",
                   {42, 42, 42, -42, 42, 255, 255, 8, 255}),
            "42|   42|42   |-0042|+42|ff|0xff|10|FF");
  EXPECT_EQ(filter("format", "%.2f|%e|%g|%g|%r|%s|%%", {1.005, 12345.678, 0.0001, 1e20, "a", 1.0}),
            "1.00|1.234568e+04|0.0001|1e+20|'a'|1.0|%");
  EXPECT_EQ(filter("format", "%d", {"x"}), "error: %d format: a real number is required, not str");
  EXPECT_EQ(filter("format", "%s %s", {"x"}), "error: not enough arguments for format string");
  EXPECT_EQ(filter("format", "%s", {"x", "y"}),
            "error: not all arguments converted during string formatting");
  EXPECT_EQ(filter("escape", "<a href=\"x\">'&'</a>"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(filter("striptags", "<p>Hello &amp;  <b>world</b></p><!-- c -->\n x"),
            "Hello & world x");
}

TEST(FiltersTest, Numbers) {
  EXPECT_EQ(filter("int", "42"), "42");
  EXPECT_EQ(filter("int", "3.7"), "3");
  EXPECT_EQ(filter("int", "-3.7"), "-3");
  EXPECT_EQ(filter("int", "0x1A", {0, 16}), "26");
  EXPECT_EQ(filter("int", "0x1A", {0, 0}), "26");
  EXPECT_EQ(filter("int", "0x1A"), "0");
  EXPECT_EQ(filter("int", "1_000"), "1000");
  EXPECT_EQ(filter("int", "abc", {-1}), "-1");
  EXPECT_EQ(filter("int", 3.99), "3");
  EXPECT_EQ(filter("int", true), "1");
  EXPECT_EQ(filter("int", Value::none()), "0");
  EXPECT_EQ(filter("int", " 12 "), "12");
  EXPECT_EQ(filter("int", "1e3"), "1000");
  EXPECT_EQ(filter("float", "1.5"), "1.5");
  EXPECT_EQ(filter("float", "x"), "0.0");
  EXPECT_EQ(filter("float", "x", {1}), "1");
  EXPECT_EQ(filter("float", 2), "2.0");
  EXPECT_EQ(filter("float", "-inf"), "-inf");
  EXPECT_EQ(filter("abs", -3), "3");
  EXPECT_EQ(filter("abs", -2.5), "2.5");
  EXPECT_EQ(filter("abs", "x"), "error: bad operand type for abs(): 'str'");
  EXPECT_EQ(filter("round", 42.55), "43.0");
  EXPECT_EQ(filter("round", 42.55, {1, "floor"}), "42.5");
  EXPECT_EQ(filter("round", 42.55, {1, "ceil"}), "42.6");
  EXPECT_EQ(filter("round", 2.5), "2.0");
  EXPECT_EQ(filter("round", 2.675, {2}), "2.67");
  EXPECT_EQ(filter("round", 42), "42");
  EXPECT_EQ(filter("round", 42, {0, "floor"}), "42.0");
  EXPECT_EQ(filter("round", 1234.5, {-2}), "1200.0");
  EXPECT_EQ(filter("round", -0.04, {1, "ceil"}), "0.0");
  EXPECT_EQ(filter("round", 1.0, {0, "x"}), "error: method must be common, ceil or floor");
  EXPECT_EQ(filter("filesizeformat", 1), "1 Byte");
  EXPECT_EQ(filter("filesizeformat", 999), "999 Bytes");
  EXPECT_EQ(filter("filesizeformat", 1000), "1.0 kB");
  EXPECT_EQ(filter("filesizeformat", 123456789), "123.5 MB");
  EXPECT_EQ(filter("filesizeformat", 1048576, {true}), "1.0 MiB");
}

TEST(FiltersTest, Sequences) {
  const Value nums = list({3, 1, 2});
  EXPECT_EQ(filter("first", nums), "3");
  EXPECT_EQ(filter("last", nums), "2");
  EXPECT_EQ(filter("first", list({})), "undefined: No first item, sequence was empty.");
  EXPECT_EQ(filter("length", "héllo"), "5");
  EXPECT_EQ(filter("count", dict({{"a", 1}})), "1");
  EXPECT_EQ(filter("length", 5), "error: object of type 'int' has no len()");
  EXPECT_EQ(filter("list", "ab"), "['a', 'b']");
  EXPECT_EQ(filter("reverse", "héllo"), "olléh");
  EXPECT_EQ(filter("reverse", nums), "[2, 1, 3]");
  EXPECT_EQ(filter("join", nums, {", "}), "3, 1, 2");
  EXPECT_EQ(filter("join", kUsers, {"/"}, {{"attribute", "name"}}), "bob/Al/cy");
  EXPECT_EQ(filter("sum", nums), "6");
  EXPECT_EQ(filter("sum", list({0.1, 0.2})), "0.30000000000000004");
  EXPECT_EQ(filter("sum", kUsers, {}, {{"attribute", "age"}, {"start", 5}}), "90");
  EXPECT_EQ(filter("max", list({"b", "A", "c"})), "c");
  EXPECT_EQ(filter("min", list({"b", "A", "c"})), "A");
  EXPECT_EQ(filter("max", list({"b", "A", "C"}), {true}), "b");
  EXPECT_EQ(to_str(filter("max", kUsers, {}, {{"attribute", "age"}})),
            "{'name': 'bob', 'age': 30, 'city': 'NY'}");
  EXPECT_EQ(filter("min", list({})), "undefined: No aggregated item, sequence was empty.");
  EXPECT_EQ(filter("unique", list({"a", "A", "b", "a"})), "['a', 'b']");
  EXPECT_EQ(filter("unique", list({"a", "A", "b"}), {true}), "['a', 'A', 'b']");
  EXPECT_EQ(filter("batch", list({1, 2, 3, 4, 5}), {2}), "[[1, 2], [3, 4], [5]]");
  EXPECT_EQ(filter("batch", list({1, 2, 3}), {2, 0}), "[[1, 2], [3, 0]]");
  EXPECT_EQ(filter("slice", list({1, 2, 3, 4, 5}), {3}), "[[1, 2], [3, 4], [5]]");
  EXPECT_EQ(filter("slice", list({1, 2, 3, 4}), {3, "x"}), "[[1, 2], [3, 'x'], [4, 'x']]");
}

TEST(FiltersTest, Sorting) {
  EXPECT_EQ(filter("sort", list({"b", "A", "c"})), "['A', 'b', 'c']");
  EXPECT_EQ(filter("sort", list({"b", "A", "c"}), {false, true}), "['A', 'b', 'c']");
  EXPECT_EQ(filter("sort", list({"b", "a", "C"}), {true}), "['C', 'b', 'a']");
  EXPECT_EQ(filter("sort", list({1, "a"})),
            "error: '<' not supported between instances of 'str' and 'int'");
  TableInvoker invoker;
  auto sorted = find_filter("sort")(kUsers, CallArgs{{}, {{"attribute", "age,name"}}}, invoker);
  ASSERT_TRUE(sorted);
  EXPECT_EQ(filter("join", *sorted, {","}, {{"attribute", "name"}}), "Al,bob,cy");
  auto by_city = find_filter("sort")(
      kUsers, CallArgs{{}, {{"attribute", "city"}, {"reverse", true}}}, invoker);
  EXPECT_EQ(filter("join", *by_city, {","}, {{"attribute", "name"}}), "bob,Al,cy");
  EXPECT_EQ(filter("dictsort", dict({{"b", 1}, {"A", 2}, {"c", 0}})),
            "[('A', 2), ('b', 1), ('c', 0)]");
  EXPECT_EQ(filter("dictsort", dict({{"b", 1}, {"A", 2}, {"c", 0}}), {false, "value"},
                   {{"reverse", true}}),
            "[('A', 2), ('b', 1), ('c', 0)]");
}

TEST(FiltersTest, Groupby) {
  TableInvoker invoker;
  auto groups = find_filter("groupby")(kUsers, CallArgs{{"city"}, {}}, invoker);
  ASSERT_TRUE(groups);
  EXPECT_EQ(to_str(*groups),
            "[('ca', [{'name': 'Al', 'age': 25, 'city': 'ca'}, {'name': 'cy', 'age': 30, 'city': "
            "'CA'}]), ('NY', [{'name': 'bob', 'age': 30, 'city': 'NY'}])]");
  const Value& first = groups->as_list()[0];
  EXPECT_EQ(to_str(*get_attribute(first, "grouper")), "ca");
  EXPECT_EQ(filter("length", *get_attribute(first, "list")), "2");
  auto by_age = find_filter("groupby")(kUsers, CallArgs{{"age"}, {}}, invoker);
  EXPECT_EQ(filter("map", *by_age, {"first"}), "[25, 30]");
  auto with_default = find_filter("groupby")(list({dict({{"a", 1}}), dict({})}),
                                             CallArgs{{"a"}, {{"default", 0}}}, invoker);
  EXPECT_EQ(to_str(*with_default), "[(0, [{}]), (1, [{'a': 1}])]");
}

TEST(FiltersTest, MapSelectReject) {
  EXPECT_EQ(filter("map", kUsers, {}, {{"attribute", "name"}}), "['bob', 'Al', 'cy']");
  EXPECT_EQ(filter("map", kUsers, {}, {{"attribute", "zip"}, {"default", "-"}}), "['-', '-', '-']");
  EXPECT_EQ(filter("map", list({"a", "b"}), {"upper"}), "['A', 'B']");
  EXPECT_EQ(filter("map", list({1.26, 2.5}), {"round", 1}), "[1.3, 2.5]");
  EXPECT_EQ(filter("map", list({1}), {}), "error: map requires a filter argument");
  EXPECT_EQ(filter("select", list({1, 2, 3, 4}), {"odd"}), "[1, 3]");
  EXPECT_EQ(filter("reject", list({1, 2, 3, 4}), {"divisibleby", 2}), "[1, 3]");
  EXPECT_EQ(filter("select", list({0, 1, "", "a"})), "[1, 'a']");
  EXPECT_EQ(filter("select", list({1, 5, 9}), {">", 4}), "[5, 9]");
  EXPECT_EQ(filter("selectattr", kUsers, {"age", "equalto", 30}, {}),
            "[{'name': 'bob', 'age': 30, 'city': 'NY'}, {'name': 'cy', 'age': 30, 'city': 'CA'}]");
  EXPECT_EQ(filter("rejectattr", kUsers, {"age", "gt", 26}),
            "[{'name': 'Al', 'age': 25, 'city': 'ca'}]");
  EXPECT_EQ(filter("selectattr", kUsers, {"zip"}), "error: 'dict object' has no attribute 'zip'");
}

TEST(FiltersTest, MiscFilters) {
  EXPECT_EQ(filter("items", dict({{"a", 1}})), "[('a', 1)]");
  EXPECT_EQ(filter("items", Value::undefined("'x' is undefined")), "[]");
  EXPECT_EQ(filter("attr", dict({{"a", 1}}), {"a"}),
            "undefined: 'dict object' has no attribute 'a'");
  EXPECT_EQ(filter("pprint", dict({{"b", 1}, {"a", list({"x"})}})), "{'a': ['x'], 'b': 1}");
  EXPECT_EQ(filter("string", 1.0), "1.0");
  EXPECT_EQ(filter("wordcount", "Hello, wörld! it's 3"), "5");
  EXPECT_EQ(filter("urlencode", "a b/c&é"), "a%20b/c%26%C3%A9");
  EXPECT_EQ(filter("urlencode", dict({{"q", "a b"}, {"x", "1/2"}})), "q=a+b&x=1%2F2");
  EXPECT_EQ(filter("tojson", dict({{"b", 1}, {"a", "<"}})), "{\"a\": \"\\u003c\", \"b\": 1}");
  EXPECT_TRUE(is_unsupported_filter("random"));
  EXPECT_EQ(find_filter("random"), nullptr);
  EXPECT_EQ(find_filter("nope"), nullptr);
}

TEST(TestsTest, BuiltinTests) {
  EXPECT_EQ(test("odd", 3), "True");
  EXPECT_EQ(test("even", 2.0), "True");
  EXPECT_EQ(test("odd", 2.5), "False");
  EXPECT_EQ(test("divisibleby", 9, {3}), "True");
  EXPECT_EQ(test("defined", Value::undefined("x")), "False");
  EXPECT_EQ(test("undefined", Value::undefined("x")), "True");
  EXPECT_EQ(test("none", Value::none()), "True");
  EXPECT_EQ(test("boolean", 1), "False");
  EXPECT_EQ(test("true", true), "True");
  EXPECT_EQ(test("false", 0), "False");
  EXPECT_EQ(test("integer", true), "False");
  EXPECT_EQ(test("number", true), "True");
  EXPECT_EQ(test("float", 1.0), "True");
  EXPECT_EQ(test("string", "a"), "True");
  EXPECT_EQ(test("mapping", dict({})), "True");
  EXPECT_EQ(test("sequence", "a"), "True");
  EXPECT_EQ(test("iterable", 1), "False");
  EXPECT_EQ(test("lower", "abc1"), "True");
  EXPECT_EQ(test("upper", "ABc"), "False");
  EXPECT_EQ(test("in", 2, {list({1, 2})}), "True");
  EXPECT_EQ(test("eq", 1, {1.0}), "True");
  EXPECT_EQ(test("ne", 1, {"1"}), "True");
  EXPECT_EQ(test("lt", 1, {2}), "True");
  EXPECT_EQ(test("ge", 2, {2}), "True");
  EXPECT_EQ(test("gt", 1, {"a"}), "error: '>' not supported between instances of 'int' and 'str'");
  EXPECT_EQ(test("sameas", Value::none(), {Value::none()}), "True");
  EXPECT_EQ(test("filter", "upper"), "True");
  EXPECT_EQ(test("test", "odd"), "True");
  EXPECT_EQ(test("callable", find_global("range")), "True");
  EXPECT_EQ(test("escaped", "a"), "False");
}

}  // namespace
}  // namespace baton::lang

namespace baton::lang {
namespace {

// Jinja2's tojson, safe and escape return Markup: the same text, another repr, and `+` with a
// plain str escapes the str.
TEST(FiltersTest, MarkupResultsKeepJinja2Semantics) {
  auto render = [](std::string_view source) {
    auto parsed = Template::parse(source);
    EXPECT_TRUE(parsed) << parsed.error().to_string();
    auto text = parsed->render(Context());
    EXPECT_TRUE(text) << text.error().to_string();
    return *text;
  };
  EXPECT_EQ(render("{{ 'Ada' | tojson }}"), "\"Ada\"");
  EXPECT_EQ(render("{{ ['Ada' | tojson] }}"), "[Markup('\"Ada\"')]");
  EXPECT_EQ(render("{{ (1 | tojson) + ' say \"hi\"' }}"), "1 say &#34;hi&#34;");
  EXPECT_EQ(render("{{ '<b>' ~ ('<i>' | safe) }}"), "<b><i>");
  EXPECT_EQ(render("{{ '<b>' + ('<i>' | safe) }}"), "&lt;b&gt;<i>");
  EXPECT_EQ(render("{{ '<b>' | e | e }} {{ '<b>' | e is escaped }} {{ 'x' is escaped }}"),
            "&lt;b&gt; True False");
  EXPECT_EQ(render("{{ '<b>' | safe | forceescape }}"), "&lt;b&gt;");
}

}  // namespace
}  // namespace baton::lang
