#include <string>

#include <gtest/gtest.h>

#include "src/lang/template/template.h"
#include "tests/lang/template_test_util.h"

namespace baton::lang {
namespace {

using testing::render_or_error;

std::string references_of(std::string_view source) {
  auto parsed = Template::parse(source);
  if (!parsed) return "ERR " + parsed.error().message();
  std::string text;
  for (const TemplateReference& reference : parsed->references()) {
    std::string path;
    for (const std::string& part : reference.path) path += (path.empty() ? "" : ".") + part;
    text +=
        path + "@" + std::to_string(reference.line) + ":" + std::to_string(reference.column) + " ";
  }
  return text;
}

TEST(TemplateParserTest, SyntaxErrorsCarryPositions) {
  EXPECT_EQ(render_or_error("{{ }}"),
            "ERR 1:4: Expected an expression, got 'end of print statement'");
  EXPECT_EQ(render_or_error("{{ x"),
            "ERR 1:5: unexpected end of template, expected 'end of print statement'.");
  EXPECT_EQ(render_or_error("a\n{% foo %}"), "ERR 2:4: Encountered unknown tag 'foo'.");
  EXPECT_EQ(render_or_error("{% if x %}"),
            "ERR 1:11: Unexpected end of template. Jinja was looking for the following tags: "
            "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.");
}

TEST(TemplateParserTest, UnknownAndUnsupportedFilters) {
  EXPECT_EQ(render_or_error("{{ x | nofilter }}"), "ERR 1:8: No filter named 'nofilter'.");
  EXPECT_EQ(render_or_error("{{ x is nosuchtest }}"), "ERR 1:9: No test named 'nosuchtest'.");
}

TEST(TemplateParserTest, UnsupportedConstructsAreRefused) {
  EXPECT_EQ(render_or_error("{% extends 'a' %}"), "ERR 1:4: 'extends' is not supported");
  EXPECT_EQ(render_or_error("x\n{% include 'a' %}"), "ERR 2:4: 'include' is not supported");
  EXPECT_EQ(render_or_error("{% for x in y recursive %}{% endfor %}"),
            "ERR 1:15: 'recursive' loops are not supported");
  EXPECT_EQ(render_or_error("{% for x in y %}{% break %}{% endfor %}"),
            "ERR 1:20: 'break' is not supported");
}

TEST(TemplateParserTest, DeepNestingIsRefused) {
  std::string deep = std::string(1000, '(') + "1" + std::string(1000, ')');
  EXPECT_NE(render_or_error("{{ " + deep + " }}").find("nested too deeply"), std::string::npos);
  std::string chain = "{{ 1";
  for (int i = 0; i < 1000; ++i) chain += " + 1";
  EXPECT_NE(render_or_error(chain + " }}").find("nested too deeply"), std::string::npos);
  EXPECT_NE(render_or_error("{{ " + std::string(100000, '-') + "1 }}").find("nested too deeply"),
            std::string::npos);
  EXPECT_NE(render_or_error("{{ x" + std::string(100000, '|').replace(0, 0, "") + " }}").size(),
            0u);
  std::string ifs;
  for (int i = 0; i < 1000; ++i) ifs += "{% if true %}";
  EXPECT_NE(render_or_error(ifs).find("nested too deeply"), std::string::npos);
}

TEST(TemplateParserTest, ReferencesAreFreeNamesWithStaticPaths) {
  EXPECT_EQ(references_of("{{ plan.json.files[0] }} {{ x[i] }}"),
            "plan.json.files@1:4 x@1:29 i@1:31 ");
  EXPECT_EQ(references_of("{{ inputs['topic'].upper() }}"), "inputs.topic@1:4 ");
  EXPECT_EQ(references_of("{% set a = b %}{{ a }}{% for x in xs %}{{ x }}{{ loop.index }}"
                          "{% endfor %}{{ x }}"),
            "b@1:12 xs@1:35 x@1:78 ");
  EXPECT_EQ(references_of("{% macro m(p) %}{{ p }}{{ q }}{% endmacro %}{{ m(1) }}"), "q@1:27 ");
  EXPECT_EQ(references_of("{{ a if c else b }}"), "a@1:4 c@1:9 b@1:16 ");
  EXPECT_EQ(references_of("{{ range(3) }}"), "range@1:4 ");
}

TEST(TemplateParserTest, NestedTupleTargets) {
  EXPECT_EQ(render_or_error("{% set a, (b, 1) = 1, 2 %}"), "ERR 1:15: can't assign to 'tuple'");
  EXPECT_EQ(render_or_error("{% set a, (b c) = 1, 2 %}"), "ERR 1:14: expected token ')', got 'c'");
  EXPECT_EQ(render_or_error("{% for a, (b, c) d in [] %}{% endfor %}"),
            "ERR 1:18: expected token 'in', got 'd'");
  EXPECT_EQ(references_of("{% for a, (b, (c, d)) in xs %}{{ a }}{{ b }}{{ d }}{{ e }}{% endfor %}"
                          "{{ b }}"),
            "xs@1:26 e@1:55 b@1:74 ");
  EXPECT_EQ(references_of("{% set (a, b), c = v %}{{ a }}{{ c }}{{ e }}"), "v@1:20 e@1:41 ");
}

TEST(TemplateParserTest, SingleReferenceAndConstantValue) {
  auto single = Template::parse("  {{ outline.sections }}\n");
  ASSERT_TRUE(single);
  ASSERT_TRUE(single->single_reference());
  EXPECT_EQ(*single->single_reference(), (std::vector<std::string>{"outline", "sections"}));
  EXPECT_FALSE(single->constant_value());

  auto literal = Template::parse("{{ [1, 'a'] }}");
  ASSERT_TRUE(literal);
  ASSERT_TRUE(literal->constant_value());
  EXPECT_EQ(to_repr(*literal->constant_value()), "[1, 'a']");
  EXPECT_FALSE(literal->single_reference());

  auto text = Template::parse("just text");
  ASSERT_TRUE(text);
  ASSERT_TRUE(text->constant_value());
  EXPECT_EQ(text->constant_value()->as_string(), "just text");
  EXPECT_FALSE(Template::parse("a {{ b }}")->single_reference());
}

TEST(TemplateParserTest, EvaluateYieldsTheValueOfASingleExpression) {
  auto parsed = Template::parse("{{ xs }}");
  ASSERT_TRUE(parsed);
  Context context;
  context.set("xs", Value(ValueList{Value(1), Value(2)}));
  auto value = parsed->evaluate(context);
  ASSERT_TRUE(value);
  ASSERT_TRUE(value->is_list());
  EXPECT_EQ(value->as_list().size(), 2u);
  auto text = Template::parse("n={{ xs|length }}");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->evaluate(context)->as_string(), "n=2");
}

}  // namespace
}  // namespace baton::lang
