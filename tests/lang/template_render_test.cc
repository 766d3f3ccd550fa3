// Expected strings are what Jinja2 3.1 prints with StrictUndefined and keep_trailing_newline.
#include <gtest/gtest.h>

#include "src/lang/template/template.h"
#include "tests/lang/template_test_util.h"

namespace baton::lang {
namespace {

using testing::render_or_error;

TEST(TemplateRenderTest, TextAndSubstitution) {
  EXPECT_EQ(render_or_error("Hello {{ name }}!", R"({"name": "world"})"), "Hello world!");
  EXPECT_EQ(render_or_error("a\r\nb"), "a\nb");
  EXPECT_EQ(render_or_error("trailing\n"), "trailing\n");
  EXPECT_EQ(render_or_error("{{ x }}", R"({"x": [1, "a", null, true, 1.0]})"),
            "[1, 'a', None, True, 1.0]");
}

TEST(TemplateRenderTest, Literals) {
  EXPECT_EQ(render_or_error("{{ 1_000 + 0x1F + 0b11 + 0o7 }} {{ 1.5e2 }} {{ 2.5 }} {{ 1e3 }}"),
            "1041 150.0 2.5 1000.0");
  EXPECT_EQ(render_or_error(R"({{ 'a' 'b' }} {{ "tab\there" }} {{ '\u00e9' }})"),
            "ab tab\there \xc3\xa9");
  EXPECT_EQ(render_or_error("{{ [1, 2][1] }} {{ (1, 2) }} {{ {'a': 1}['a'] }}"), "2 (1, 2) 1");
  EXPECT_EQ(render_or_error("{{ 'abcdef'[1:4] }} {{ 'abcdef'[::-1] }}"), "bcd fedcba");
  EXPECT_EQ(render_or_error("{{ 1, 2 }} {{ (1,) }} {{ () }}"), "(1, 2) (1,) ()");
  EXPECT_EQ(render_or_error("{{ true }} {{ False }} {{ none }}"), "True False None");
}

TEST(TemplateRenderTest, Precedence) {
  EXPECT_EQ(render_or_error("{{ 1 + 2 * 3 }} {{ 2 ** 3 ** 2 }} {{ 7 // 2 }} {{ 7 % 3 }}"),
            "7 64 3 1");
  EXPECT_EQ(render_or_error("{{ 7 / 2 }} {{ 1 ~ 2 * 3 }}"), "3.5 16");
  // Filters bind tighter than unary minus; unary minus binds tighter than **.
  EXPECT_EQ(render_or_error("{{ -x|abs }} {{ -2**2 }}", R"({"x": 3})"), "3 4");
  EXPECT_EQ(render_or_error("{{ not true or true }} {{ 1 if 0 else 2 }}"), "True 2");
}

TEST(TemplateRenderTest, ComparisonsAndLogic) {
  EXPECT_EQ(render_or_error("{{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 0 or '' }} {{ 1 and 2 }}"),
            "True False  2");
  EXPECT_EQ(render_or_error("{{ 'a' in 'cat' }} {{ 3 not in [1] }} {{ 1 == 1.0 }}"),
            "True True True");
}

TEST(TemplateRenderTest, Tests) {
  EXPECT_EQ(render_or_error("{{ x is defined }} {{ y is not defined }} {{ 6 is divisibleby 3 }} "
                            "{{ 7 is divisibleby(3) }} {{ none is none }}",
                            R"({"x": 1})"),
            "True True True False True");
}

TEST(TemplateRenderTest, InlineIfWithoutElseIsEmpty) {
  EXPECT_EQ(render_or_error("{{ 1 if false }}|{{ (1 if false) ~ 'x' }}"), "|x");
}

TEST(TemplateRenderTest, ForLoop) {
  EXPECT_EQ(render_or_error("{% for i in [1,2,3] %}{{ loop.index }}{{ loop.index0 }}"
                            "{{ loop.revindex }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|"
                            "{% endfor %}"),
            "103TrueFalse3|212FalseFalse3|321FalseTrue3|");
  EXPECT_EQ(render_or_error("{% for i in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render_or_error("{% for i in range(6) if i is even %}{{ i }}{{ loop.length }},"
                            "{% endfor %}"),
            "03,23,43,");
  EXPECT_EQ(render_or_error("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
                            R"({"d": {"a": 1, "b": 2}})"),
            "a=1;b=2;");
  EXPECT_EQ(render_or_error("{% for i in range(3) %}{{ loop.cycle('a', 'b') }}"
                            "{{ loop.changed(i // 2) }}{{ loop.previtem is defined }}{% endfor %}"),
            "aTrueFalsebFalseTrueaTrueTrue");
  EXPECT_EQ(render_or_error("{% for i in [1, 2] %}{{ loop.previtem }}{% endfor %}"),
            "ERR 1:25: there is no previous item");
}

TEST(TemplateRenderTest, Scoping) {
  EXPECT_EQ(render_or_error("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}"),
            "1");
  EXPECT_EQ(render_or_error("{% set x = 1 %}{% for i in [1,2] %}{{ x }}{% set x = x + 1 %}{{ x }}"
                            "{% endfor %}{{ x }}"),
            "12121");
  EXPECT_EQ(render_or_error("{% if true %}{% set x = 5 %}{% endif %}{{ x }}"), "5");
  EXPECT_EQ(render_or_error("{% set x = 1 %}{% filter upper %}{% set x = 2 %}{% endfilter %}"
                            "{{ x }}"),
            "1");
}

TEST(TemplateRenderTest, Assignments) {
  EXPECT_EQ(render_or_error("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render_or_error("{% set ns = namespace(n=0) %}{% for i in [1,2] %}"
                            "{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}"),
            "3");
  EXPECT_EQ(render_or_error("{% set x %}hi {{ 1 }}{% endset %}[{{ x }}]"), "[hi 1]");
  EXPECT_EQ(render_or_error("{% set x | upper %}hi{% endset %}{{ x }}"), "HI");
  EXPECT_EQ(render_or_error("{% filter upper %}abc{{ 'd' }}{% endfilter %}"), "ABCD");
  EXPECT_EQ(render_or_error("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}"), "3");
}

TEST(TemplateRenderTest, Macros) {
  EXPECT_EQ(render_or_error("{% macro m(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}"
                            "{{ m(1) }} {{ m(1, b=3) }}"),
            "1-2 1-3");
  EXPECT_EQ(render_or_error("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}"
                            "{{ m(1, 2, k=3) }}"),
            "(1, 2){'k': 3}");
  EXPECT_EQ(render_or_error("{% macro m() %}[{{ caller() }}]{% endmacro %}"
                            "{% call m() %}in{% endcall %}"),
            "[in]");
  EXPECT_EQ(render_or_error("{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}"
                            "{{ m() }}"),
            "2");
  EXPECT_EQ(render_or_error("{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}"),
            "ERR 1:20: parameter 'a' was not provided");
  EXPECT_EQ(render_or_error("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}"),
            "ERR 1:4: macro 'm' takes not more than 1 argument(s)");
}

TEST(TemplateRenderTest, MethodsAndAttributes) {
  EXPECT_EQ(render_or_error("{{ 'a,b'.split(',') }}"), "['a', 'b']");
  EXPECT_EQ(render_or_error("{{ x.0 }}{{ x[-1] }}", R"({"x": [5, 6]})"), "56");
  EXPECT_EQ(render_or_error("{{ d.a.b }}", R"({"d": {"a": {"b": "deep"}}})"), "deep");
}

TEST(TemplateRenderTest, UndefinedIsAnErrorWithItsPosition) {
  EXPECT_EQ(render_or_error("line1\n  {{ missing }}"), "ERR 2:6: 'missing' is undefined");
  EXPECT_EQ(render_or_error("{{ x.y }}", R"({"x": {}})"),
            "ERR 1:4: 'dict object' has no attribute 'y'");
  EXPECT_EQ(render_or_error("{{ 1 + x }}"), "ERR 1:8: 'x' is undefined");
  EXPECT_EQ(render_or_error("{% if x %}{% endif %}"), "ERR 1:7: 'x' is undefined");
  EXPECT_EQ(render_or_error("{{ m(1) }}{% macro m(a) %}{% endmacro %}"),
            "ERR 1:4: 'm' is undefined");
}

TEST(TemplateRenderTest, UnpackingErrors) {
  EXPECT_EQ(render_or_error("{% for a, b in [1] %}{% endfor %}"),
            "ERR 1:4: cannot unpack non-iterable int object");
  EXPECT_EQ(render_or_error("{% for a, b in [[1]] %}{% endfor %}"),
            "ERR 1:4: not enough values to unpack (expected 2, got 1)");
}

TEST(TemplateRenderTest, NestedTupleTargets) {
  EXPECT_EQ(
      render_or_error("{% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}"),
      "123");
  EXPECT_EQ(
      render_or_error("{% for (a, b), c in [((1, 2), 3)] %}{{ a }}{{ b }}{{ c }}{% endfor %}"),
      "123");
  EXPECT_EQ(render_or_error("{% for a, (b, (c, d)) in [(1, (2, (3, 4)))] %}"
                            "{{ a }}{{ b }}{{ c }}{{ d }}{% endfor %}"),
            "1234");
  EXPECT_EQ(render_or_error("{% for ((a, b)) in [(1, 2)] %}{{ a }}{{ b }}{% endfor %}"), "12");
  EXPECT_EQ(render_or_error("{% for a, (b, c) in [(1, 'xy'), (2, {'p': 0, 'q': 1})] %}"
                            "{{ a }}{{ b }}{{ c }}{% endfor %}"),
            "1xy2pq");
  EXPECT_EQ(render_or_error("{% for a, (b, c) in [(1, (2, 3)), (4, (5, 1))] if c > 2 %}"
                            "{{ a }}{{ b }}{{ c }}{% endfor %}"),
            "123");
  EXPECT_EQ(render_or_error("{% for a, (b, c) in [(1, (2, 3))] %}{% endfor %}{{ b is defined }}"),
            "False");
  EXPECT_EQ(render_or_error("{% for () in [[]] %}x{% endfor %}"), "x");
  EXPECT_EQ(
      render_or_error("{% set a, (b, (c, d)) = 1, (2, (3, 4)) %}{{ a }}{{ b }}{{ c }}{{ d }}"),
      "1234");
  EXPECT_EQ(render_or_error("{% set (a, b), c = [1, 2], 3 %}{{ a }}{{ b }}{{ c }}"), "123");
  EXPECT_EQ(render_or_error("{% set (a) = [1] %}{{ a }}"), "[1]");
  EXPECT_EQ(render_or_error("{% set ((a, b)) = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render_or_error("{% set (a,) = [1] %}{{ a }}"), "1");
  EXPECT_EQ(render_or_error("{% set a, (b,) = 1, [2] %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render_or_error("{% set a, () = 1, [] %}{{ a }}"), "1");
  EXPECT_EQ(render_or_error("{% set (a) %}x{% endset %}{{ a }}"), "x");
  EXPECT_EQ(render_or_error("{% set a, (b, c) = 1, (2, 3) %}{% macro m() %}{{ c }}{% endmacro %}"
                            "{{ m() }}"),
            "3");
}

TEST(TemplateRenderTest, NestedUnpackingErrors) {
  EXPECT_EQ(render_or_error("{% for a, (b, c) in [(1, (2,))] %}{% endfor %}"),
            "ERR 1:4: not enough values to unpack (expected 2, got 1)");
  EXPECT_EQ(render_or_error("{% for a, (b, c) in [(1, (2, 3, 4))] %}{% endfor %}"),
            "ERR 1:4: too many values to unpack (expected 2)");
  EXPECT_EQ(render_or_error("{% for a, (b, (c, d)) in [(1, (2, (3, 4, 5)))] %}{% endfor %}"),
            "ERR 1:4: too many values to unpack (expected 2)");
  EXPECT_EQ(render_or_error("{% for (a, b), c in [(1, 2)] %}{% endfor %}"),
            "ERR 1:4: cannot unpack non-iterable int object");
  EXPECT_EQ(render_or_error("{% set a, (b, c) = 1, none %}"),
            "ERR 1:4: cannot unpack non-iterable NoneType object");
  EXPECT_EQ(render_or_error("{% set a, () = 1, [2] %}"),
            "ERR 1:4: too many values to unpack (expected 0)");
}

TEST(TemplateRenderTest, RenderIsRepeatable) {
  auto parsed = Template::parse("{% for i in xs %}{{ i }}{% endfor %}");
  ASSERT_TRUE(parsed);
  Context context;
  context.set("xs", Value(ValueList{Value(1), Value(2)}));
  EXPECT_EQ(*parsed->render(context), "12");
  EXPECT_EQ(*parsed->render(context), "12");
}

// Found by fuzzing: a namespace that held itself recursed forever when printed, and leaked.
TEST(TemplateRenderTest, NamespaceCannotContainItself) {
  EXPECT_EQ(render_or_error("{% set ns = namespace(a=0) %}{% set ns.a = ns %}{{ ns.a }}"),
            "ERR 1:33: a namespace cannot contain itself (setting 'a')");
  EXPECT_EQ(render_or_error("{% set ns = namespace() %}{% set ns.a = [1, {'k': ns}] %}"),
            "ERR 1:30: a namespace cannot contain itself (setting 'a')");
  EXPECT_EQ(render_or_error("{% set ns = namespace() %}{% set c = cycler(ns) %}"
                            "{% set ns.next = c.next %}"),
            "ERR 1:54: a namespace cannot contain itself (setting 'next')");
  EXPECT_EQ(render_or_error("{% set ns = namespace() %}{% for x in [ns] %}{% set ns.l = loop %}"
                            "{% endfor %}"),
            "ERR 1:49: a namespace cannot contain itself (setting 'l')");
  EXPECT_EQ(
      render_or_error("{% set a = namespace() %}{% set b = namespace(a=a) %}{% set a.b = b %}"),
      "ERR 1:57: a namespace cannot contain itself (setting 'b')");
}

TEST(TemplateRenderTest, LoopObjectOutlivesItsForBlock) {
  EXPECT_EQ(render_or_error("{% set ns = namespace() %}{% for x in [1, 2] %}{% set ns.l = loop %}"
                            "{% endfor %}{{ ns.l.length }} {{ ns.l.index }}"),
            "2 2");
}

}  // namespace
}  // namespace baton::lang
