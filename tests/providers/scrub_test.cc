#include "src/providers/scrub.h"

#include <string>

#include <gtest/gtest.h>

namespace baton::providers {
namespace {

constexpr const char* kKey = "sk-abcabcab-9";

std::string scrubbed(std::string text, std::string_view secret = kKey) {
  scrub(text, secret);
  return text;
}

TEST(ScrubTest, ReplacesEveryOccurrenceButLeavesShortSecretsAlone) {
  EXPECT_EQ(scrubbed(std::string("a ") + kKey + " b " + kKey), "a [redacted] b [redacted]");
  EXPECT_EQ(scrubbed("a short x", "x"), "a short x");
}

TEST(ScrubTest, OutcomeStringsAndErrorsAreScrubbed) {
  ModelOutcome outcome;
  outcome.request_json = std::string("{\"k\": \"") + kKey + "\"}";
  outcome.response_body = kKey;
  ModelReply reply;
  reply.text = kKey;
  reply.tool_calls.push_back({"id", "f", std::string("{\"key\": \"") + kKey + "\"}"});
  outcome.reply = reply;
  scrub(outcome, std::string(kKey));
  EXPECT_EQ(outcome.request_json, "{\"k\": \"[redacted]\"}");
  EXPECT_EQ(outcome.response_body, "[redacted]");
  EXPECT_EQ(outcome.reply->text, "[redacted]");
  EXPECT_EQ(outcome.reply->tool_calls[0].arguments, "{\"key\": \"[redacted]\"}");

  outcome.reply = Error(ErrorCode::kUnavailable, std::string("echo ") + kKey);
  scrub(outcome, std::string(kKey));
  EXPECT_EQ(outcome.reply.error().message(), "echo [redacted]");
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable);
}

// Whatever the pieces, the streamed output is scrub() of the whole text. The text has the key
// twice, a near miss that starts like it ("sk-abcabcab-" then not 9), and overlapping prefixes.
TEST(StreamScrubberTest, EverySplitGivesScrubOfTheWhole) {
  const std::string text = std::string("x sk-abcabcabcab-9 y ") + kKey + kKey + " sk-abcabcab-8 z";
  const std::string expected = scrubbed(text);
  ASSERT_NE(expected.find("[redacted]"), std::string::npos);
  for (std::size_t first = 0; first <= text.size(); ++first) {
    for (std::size_t second = first; second <= text.size(); ++second) {
      StreamScrubber scrubber{std::string(kKey)};
      std::string out = scrubber.feed(text.substr(0, first));
      out += scrubber.feed(text.substr(first, second - first));
      out += scrubber.feed(text.substr(second));
      out += scrubber.flush();
      ASSERT_EQ(out, expected) << first << ", " << second;
    }
  }
}

TEST(StreamScrubberTest, HoldsBackOnlyWhatCouldStartTheKey) {
  StreamScrubber scrubber{std::string(kKey)};
  EXPECT_EQ(scrubber.feed("hello world"), "hello world");
  EXPECT_EQ(scrubber.feed("see sk-ab"), "see ");
  EXPECT_EQ(scrubber.feed("x"), "sk-abx");
  EXPECT_EQ(scrubber.flush(), "");
}

TEST(StreamScrubberTest, WithoutASecretPassesThrough) {
  StreamScrubber none{std::nullopt};
  EXPECT_EQ(none.feed("sk-ab"), "sk-ab");
  StreamScrubber short_key{std::string("abc")};
  EXPECT_EQ(short_key.feed("ab"), "ab");
}

}  // namespace
}  // namespace baton::providers
