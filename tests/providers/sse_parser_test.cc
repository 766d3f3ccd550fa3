#include "src/providers/sse_parser.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace baton::providers {
namespace {

// Events as "type|data|id" lines, for compact expectations.
std::vector<std::string> flat(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const SseEvent& event : events)
    out.push_back(event.type + "|" + event.data + "|" + event.id);
  return out;
}

std::vector<std::string> parse_whole(std::string_view stream) {
  SseParser parser;
  std::vector<SseEvent> events = parser.feed(stream);
  for (SseEvent& event : parser.finish()) events.push_back(std::move(event));
  return flat(events);
}

// The same stream fed in pieces cut at `cuts` (offsets, ascending).
std::vector<std::string> parse_split(std::string_view stream,
                                     const std::vector<std::size_t>& cuts) {
  SseParser parser;
  std::vector<SseEvent> events;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    for (SseEvent& event : parser.feed(stream.substr(from, cut - from))) {
      events.push_back(std::move(event));
    }
    from = cut;
  }
  for (SseEvent& event : parser.feed(stream.substr(from))) events.push_back(std::move(event));
  for (SseEvent& event : parser.finish()) events.push_back(std::move(event));
  return flat(events);
}

// A stream with every feature: CRLF, LF and CR line ends, comments, multi-line data, named
// events, ids, retry, a field without a colon, an unknown field, an event without data, and
// multi-byte UTF-8.
const std::string kStream =
    "\xEF\xBB\xBF"
    ": keep-alive comment\r\n"
    "data: {\"choices\": [{\"delta\": {\"content\": \"Hé\"}}]}\r\n"
    "\r\n"
    "event: message_start\n"
    "id: 7\n"
    "data: first line\n"
    "data:second line, no space\n"
    "data:  two spaces keep one\n"
    "\n"
    "retry: 2500\r"
    "event: ping\r"
    "\r"
    "unknown: field\n"
    "data\n"
    "\n"
    "data: 日本語\r\n"
    "\r\n"
    "data: [DONE]\n"
    "\n";

const std::vector<std::string> kExpected = {
    "message|{\"choices\": [{\"delta\": {\"content\": \"Hé\"}}]}|",
    "message_start|first line\nsecond line, no space\n two spaces keep one|7",
    "message||7",
    "message|日本語|7",
    "message|[DONE]|7",
};

TEST(SseParserTest, ParsesEveryKindOfLine) { EXPECT_EQ(parse_whole(kStream), kExpected); }

TEST(SseParserTest, SplitAtEveryByteOffsetGivesTheSameEvents) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    ASSERT_EQ(parse_split(kStream, {cut}), kExpected) << "cut at " << cut;
  }
}

TEST(SseParserTest, SplitAtEveryPairOfOffsetsGivesTheSameEvents) {
  for (std::size_t first = 0; first <= kStream.size(); ++first) {
    for (std::size_t second = first; second <= kStream.size(); ++second) {
      ASSERT_EQ(parse_split(kStream, {first, second}), kExpected) << first << ", " << second;
    }
  }
}

TEST(SseParserTest, FedOneByteAtATime) {
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 1; cut < kStream.size(); ++cut) cuts.push_back(cut);
  EXPECT_EQ(parse_split(kStream, cuts), kExpected);
}

TEST(SseParserTest, CrLfSplitBetweenCrAndLfIsOneLineEnd) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: a\r").empty());
  EXPECT_TRUE(parser.feed("\n").empty()) << "the LF completes the CRLF, not a blank line";
  EXPECT_EQ(flat(parser.feed("\r\n")), std::vector<std::string>{"message|a|"});
}

TEST(SseParserTest, EventsWithoutDataAreNotGivenOut) {
  EXPECT_TRUE(parse_whole("event: ping\n\n: comment\n\nid: 3\n\n").empty());
  EXPECT_EQ(parse_whole("data:\n\n"), std::vector<std::string>{"message||"})
      << "an empty data line is data";
}

TEST(SseParserTest, TypeResetsAfterEachEventButIdPersists) {
  EXPECT_EQ(parse_whole("event: a\nid: 1\ndata: x\n\ndata: y\n\nid\ndata: z\n\n"),
            (std::vector<std::string>{"a|x|1", "message|y|1", "message|z|"}));
}

TEST(SseParserTest, RetryTakesDigitsOnly) {
  SseParser parser;
  (void)parser.feed("retry: 1500\n\nretry: soon\n\nretry: 12x\n\n");
  ASSERT_TRUE(parser.retry().has_value());
  EXPECT_EQ(*parser.retry(), std::chrono::milliseconds(1500));
}

TEST(SseParserTest, FinishGivesAnEventWhoseLinesAreCompleteButDropsAPartialLine) {
  SseParser complete;
  EXPECT_TRUE(complete.feed("data: last\n").empty());
  EXPECT_FALSE(complete.has_partial_line());
  EXPECT_EQ(flat(complete.finish()), std::vector<std::string>{"message|last|"});

  SseParser cut;
  EXPECT_TRUE(cut.feed("data: whole\n\ndata: {\"cho").size() == 1);
  EXPECT_TRUE(cut.has_partial_line());
  EXPECT_TRUE(cut.finish().empty());
}

TEST(SseParserTest, AByteOrderMarkOnlyCountsAtTheStart) {
  EXPECT_EQ(parse_whole("\xEF\xBB\xBF"
                        "data: a\n\n"),
            std::vector<std::string>{"message|a|"});
  // A lone first byte of a mark, then ordinary text: the bytes are kept.
  EXPECT_TRUE(parse_split("\xEF"
                          "data: a\n\n",
                          {1})
                  .empty())
      << "the field is then \"\\xEFdata\", unknown: no data, no event";
  EXPECT_EQ(parse_whole("data: \xEF\xBB\xBF\n\n"),
            std::vector<std::string>{"message|\xEF\xBB\xBF|"});
}

TEST(SseParserTest, LargeEventInManySmallFeeds) {
  const std::string payload(100'000, 'x');
  const std::string stream = "data: " + payload + "\n\n";
  SseParser parser;
  std::vector<SseEvent> events;
  for (std::size_t at = 0; at < stream.size(); at += 7) {
    for (SseEvent& event : parser.feed(std::string_view(stream).substr(at, 7))) {
      events.push_back(std::move(event));
    }
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, payload);
}

}  // namespace
}  // namespace baton::providers
