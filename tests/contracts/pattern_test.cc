#include "src/contracts/pattern.h"

#include <string>

#include <gtest/gtest.h>

namespace baton::contracts {
namespace {

Pattern compiled(std::string_view source) {
  Result<Pattern> pattern = Pattern::compile(source);
  EXPECT_TRUE(pattern) << pattern.error().message();
  return *std::move(pattern);
}

TEST(PatternTest, SearchesAnywhere) {
  const Pattern pattern = compiled("\\d+ files?");
  EXPECT_TRUE(pattern.matches("Changed 3 files in total"));
  EXPECT_TRUE(pattern.matches("1 file"));
  EXPECT_FALSE(pattern.matches("no files"));
}

TEST(PatternTest, AnchorsAreTheWholeAnswer) {
  const Pattern pattern = compiled("^DONE$");
  EXPECT_TRUE(pattern.matches("DONE"));
  EXPECT_FALSE(pattern.matches("DONE\nmore"));
  EXPECT_FALSE(pattern.matches("notes\nDONE"));
  EXPECT_TRUE(compiled("^[\\s\\S]*DONE$").matches("notes\nDONE"));
}

TEST(PatternTest, DotDoesNotMatchLineBreaks) {
  EXPECT_FALSE(compiled("^a.b$").matches("a\nb"));
  EXPECT_TRUE(compiled("^a[\\s\\S]b$").matches("a\nb"));
}

TEST(PatternTest, AlternationIsKeptWhole) {
  const Pattern pattern = compiled("^yes$|^no$");
  EXPECT_TRUE(pattern.matches("no"));
  EXPECT_FALSE(pattern.matches("maybe"));
}

TEST(PatternTest, LookaheadAndClasses) {
  const Pattern pattern = compiled("^(?=.*[A-Z])(?=.*\\d)\\w{8,}$");
  EXPECT_TRUE(pattern.matches("Passw0rdX"));
  EXPECT_FALSE(pattern.matches("password1"));
}

TEST(PatternTest, EmptyPatternMatchesEverything) {
  EXPECT_TRUE(compiled("").matches(""));
  EXPECT_TRUE(compiled("").matches("anything"));
}

TEST(PatternTest, BadPatternIsReportedAtCompileTime) {
  for (const std::string_view source : {"(ab", "[a-", "a{2,1}", "*a", "a)(b", "a\\"}) {
    Result<Pattern> pattern = Pattern::compile(source);
    ASSERT_FALSE(pattern) << source;
    EXPECT_EQ(pattern.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(pattern.error().message().find("invalid pattern \"" + std::string(source) + "\""),
              std::string::npos)
        << pattern.error().message();
  }
}

TEST(PatternTest, BackReferencesAreRefused) {
  Result<Pattern> pattern = Pattern::compile("(a)\\1");
  ASSERT_FALSE(pattern);
  EXPECT_NE(pattern.error().message().find("back-references"), std::string::npos)
      << pattern.error().message();
}

TEST(PatternTest, LongAnswersNeitherCrashNorCrawl) {
  // The backtracking std::regex recurses per character (a 100 kB answer overflows the stack)
  // and retries from every position when it fails (quadratic). Both must be gone.
  const std::string answer(1'000'000, 'a');
  EXPECT_TRUE(compiled("a*$").matches(answer));
  EXPECT_FALSE(compiled("a*b").matches(answer));
  EXPECT_FALSE(compiled("^(a+)+b").matches(answer));
  EXPECT_TRUE(compiled("^[a-z]+$").matches(answer));
}

TEST(PatternTest, CheckGivesFeedback) {
  const Pattern pattern = compiled("^DONE");
  EXPECT_TRUE(pattern.check("DONE: 3 files"));
  const Status status = pattern.check("Working on it");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kOutputRejected);
  EXPECT_EQ(status.error().message(), "your answer did not match the pattern /^DONE/");
  EXPECT_EQ(pattern.source(), "^DONE");
}

TEST(PatternTest, MovesKeepTheCompiledPattern) {
  Pattern pattern = compiled("x");
  Pattern moved = std::move(pattern);
  EXPECT_TRUE(moved.matches("axb"));
  pattern = std::move(moved);
  EXPECT_TRUE(pattern.matches("x"));
}

}  // namespace
}  // namespace baton::contracts
