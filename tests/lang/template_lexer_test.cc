#include <gtest/gtest.h>

#include "src/lang/template/lexer.h"
#include "tests/lang/template_test_util.h"

namespace baton::lang {
namespace {

using testing::render_or_error;

TEST(TemplateLexerTest, TokenPositionsAreOneBasedLineAndByteColumn) {
  auto tokens = tokenize("ab\n  {{ x.y }}");
  ASSERT_TRUE(tokens);
  ASSERT_GE(tokens->size(), 6u);
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kData);
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kVariableBegin);
  EXPECT_EQ((*tokens)[1].line, 2);
  EXPECT_EQ((*tokens)[1].column, 3);
  EXPECT_EQ((*tokens)[2].kind, TokenKind::kName);
  EXPECT_EQ((*tokens)[2].text, "x");
  EXPECT_EQ((*tokens)[2].column, 6);
  EXPECT_EQ(tokens->back().kind, TokenKind::kEnd);
}

TEST(TemplateLexerTest, Numbers) {
  auto tokens = tokenize("{{ 1_000 0x1F 0b11 0o7 1.5e2 2.5 1e3 }}");
  ASSERT_TRUE(tokens);
  EXPECT_EQ((*tokens)[1].int_value, 1000);
  EXPECT_EQ((*tokens)[2].int_value, 31);
  EXPECT_EQ((*tokens)[3].int_value, 3);
  EXPECT_EQ((*tokens)[4].int_value, 7);
  EXPECT_EQ((*tokens)[5].kind, TokenKind::kFloat);
  EXPECT_EQ((*tokens)[5].float_value, 150.0);
  EXPECT_EQ((*tokens)[7].float_value, 1000.0);
}

TEST(TemplateLexerTest, StringEscapesFollowPython) {
  auto tokens = tokenize(R"({{ 'a\nb' "\x41\101\q" '\'' }})");
  ASSERT_TRUE(tokens);
  EXPECT_EQ((*tokens)[1].value, "a\nb");
  EXPECT_EQ((*tokens)[2].value, "AA\\q");
  EXPECT_EQ((*tokens)[3].value, "'");
}

TEST(TemplateLexerTest, WhitespaceControl) {
  EXPECT_EQ(render_or_error("a {{- ' b' }}  \n {%- if true -%} \n x \n {%- endif %} y"), "a bx y");
  EXPECT_EQ(render_or_error("{# c #}a {#- c -#}  b"), "ab");
  EXPECT_EQ(render_or_error("{{- 1 -}}"), "1");
  EXPECT_EQ(render_or_error("  {{-1}}  "), "1  ");
  EXPECT_EQ(render_or_error("{{ 1 }}{%+ if true +%} x {% endif %}"), "1 x ");
  EXPECT_EQ(render_or_error("a\n\t {%- if true %}b{% endif -%}\n\n c"), "abc");
}

TEST(TemplateLexerTest, RawBlocks) {
  EXPECT_EQ(render_or_error("{% raw %}{{ x }}{% endraw %}"), "{{ x }}");
  EXPECT_EQ(render_or_error("a  {%- raw -%}  {{ x }}  {%- endraw -%}  b"), "a{{ x }}b");
  EXPECT_EQ(render_or_error("{% raw %}a{% endraw %}{%- raw %} b {% endraw -%} c"), "a b c");
}

TEST(TemplateLexerTest, BracketsKeepTheTagOpen) {
  EXPECT_EQ(render_or_error("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");
}

TEST(TemplateLexerTest, Errors) {
  EXPECT_EQ(render_or_error("{# x"), "ERR 1:1: Missing end of comment tag");
  EXPECT_EQ(render_or_error("{{ 1 @ 2 }}"), "ERR 1:6: unexpected char '@' at 5");
  EXPECT_EQ(render_or_error("{{ (1 }}"), "ERR 1:7: unexpected '}', expected ')'");
  EXPECT_EQ(render_or_error("{% raw %}x"), "ERR 1:1: Missing end of raw directive");
  EXPECT_EQ(render_or_error("{{ 99999999999999999999 }}"), "ERR 1:4: integer literal is too large");
}

}  // namespace
}  // namespace baton::lang
