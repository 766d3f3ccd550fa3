#include <gtest/gtest.h>

#include "src/lang/diagnostics.h"
#include "src/lang/load_context.h"

namespace baton::lang {
namespace {

TEST(CheckerHelpersTest, DurationsAcceptUnitsInDecreasingOrder) {
  EXPECT_EQ(parse_duration("500ms"), Milliseconds(500));
  EXPECT_EQ(parse_duration("30s"), Milliseconds(30'000));
  EXPECT_EQ(parse_duration("1h30m"), Milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("2.5"), Milliseconds(2'500));
  EXPECT_FALSE(parse_duration("30m1h"));
  EXPECT_FALSE(parse_duration("5 minutes"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("-1"));
}

TEST(CheckerHelpersTest, IdentifiersAndReservedNames) {
  EXPECT_TRUE(is_identifier("plan_2"));
  EXPECT_FALSE(is_identifier("2plan"));
  EXPECT_FALSE(is_identifier("my-step"));
  EXPECT_TRUE(is_reserved_name("inputs"));
  EXPECT_TRUE(is_reserved_name("loop"));
  EXPECT_FALSE(is_reserved_name("plan"));
}

TEST(CheckerHelpersTest, DidYouMeanOnlyForCloseWords) {
  EXPECT_EQ(closest_match("stepz", {"name", "steps"}), "steps");
  EXPECT_EQ(closest_match("zzzz", {"name", "steps"}), "");
  EXPECT_EQ(closest_match("c", {"a", "b"}), "");
}

TEST(CheckerHelpersTest, FormatsLikeACompiler) {
  std::vector<Diagnostic> diagnostics = {{SourceSpan{"f.yaml", 2, 3}, "bad"}};
  EXPECT_EQ(format_diagnostics(diagnostics, "a: 1\nb: 2\n"),
            "f.yaml:2:3: error: bad\n  b: 2\n    ^\n");
}

}  // namespace
}  // namespace baton::lang
