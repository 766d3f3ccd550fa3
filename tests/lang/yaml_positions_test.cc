// Template errors map to the right file position for every scalar style.
#include <string>

#include <gtest/gtest.h>

#include "src/lang/loader.h"

namespace baton::lang {
namespace {

std::pair<int, int> first_error(const std::string& value_lines) {
  LoadResult result = load_workflow("name: p\nsteps:\n  a:\n" + value_lines, "p.yaml");
  if (result.diagnostics.empty()) return {0, 0};
  return {result.diagnostics[0].span.line, result.diagnostics[0].span.column};
}

TEST(YamlPositionsTest, PlainScalar) {
  EXPECT_EQ(first_error("    value: x {{ nope }}\n"), std::pair(4, 17));
}

TEST(YamlPositionsTest, DoubleQuotedWithEscapes) {
  EXPECT_EQ(first_error("    value: \"\\t\\\"{{ nope }}\"\n"), std::pair(4, 20));
}

TEST(YamlPositionsTest, SingleQuotedWithDoubledQuote) {
  EXPECT_EQ(first_error("    value: 'it''s {{ nope }}'\n"), std::pair(4, 22));
}

TEST(YamlPositionsTest, LiteralBlock) {
  EXPECT_EQ(first_error("    value: |\n      one\n\n        two {{ nope }}\n"), std::pair(7, 16));
}

TEST(YamlPositionsTest, FoldedBlock) {
  EXPECT_EQ(first_error("    value: >-\n      one\n      two\n      three {{ nope }}\n"),
            std::pair(7, 16));
}

TEST(YamlPositionsTest, MultiLinePlainScalar) {
  EXPECT_EQ(first_error("    value: one\n      two {{ nope }}\n"), std::pair(5, 14));
}

}  // namespace
}  // namespace baton::lang
