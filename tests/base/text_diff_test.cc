#include "src/base/text_diff.h"

#include <gtest/gtest.h>

namespace baton {
namespace {

TEST(TextDiffTest, EqualTextsHaveNoDiff) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
}

TEST(TextDiffTest, OneChangedLineWithContext) {
  std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  EXPECT_EQ(unified_diff(before, after, "shown", "edited"),
            "--- shown\n+++ edited\n"
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(TextDiffTest, DistantChangesMakeTwoHunks) {
  std::string before;
  for (int i = 1; i <= 20; ++i) before += std::to_string(i) + "\n";
  std::string after = before;
  after.replace(after.find("2\n"), 2, "two\n");
  after.replace(after.find("\n19\n") + 1, 3, "nineteen\n");
  EXPECT_EQ(unified_diff(before, after, "a", "b"),
            "--- a\n+++ b\n"
            "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
            "@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n");
}

TEST(TextDiffTest, InsertionIntoEmptyText) {
  EXPECT_EQ(unified_diff("", "new\nlines\n", "a", "b"),
            "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+new\n+lines\n");
}

TEST(TextDiffTest, PureDeletionNamesTheLineBefore) {
  EXPECT_EQ(unified_diff("a\nb\nc\n", "a\nc\n", "x", "y", 0), "--- x\n+++ y\n@@ -2 +1,0 @@\n-b\n");
}

}  // namespace
}  // namespace baton
