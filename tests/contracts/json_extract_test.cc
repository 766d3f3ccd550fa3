#include "src/contracts/json_extract.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace baton::contracts {
namespace {

ExtractedJson extracted(std::string_view answer) {
  Result<ExtractedJson> json = extract_json(answer);
  EXPECT_TRUE(json) << json.error().message();
  return json ? *json : ExtractedJson{};
}

std::vector<std::string> candidates(std::string_view answer) {
  std::vector<std::string> texts;
  for_each_json_candidate(answer, [&](const ExtractedJson& candidate) {
    texts.push_back(candidate.text);
    return true;
  });
  return texts;
}

TEST(ExtractJsonTest, BareJsonIsTheWholeAnswer) {
  const ExtractedJson json = extracted("  {\"a\": [1, 2]}\n");
  EXPECT_EQ(json.text, "{\"a\": [1, 2]}");
  EXPECT_EQ(json.placement, JsonPlacement::kWholeAnswer);
  EXPECT_EQ(json.offset, 2u);
}

TEST(ExtractJsonTest, BareScalarsAreJsonToo) {
  EXPECT_EQ(extracted("42").text, "42");
  EXPECT_EQ(extracted("\"done\"\n").text, "\"done\"");
  EXPECT_EQ(extracted("null").text, "null");
}

TEST(ExtractJsonTest, JsonFence) {
  const std::string answer = "Sure!\n```json\n{\"files\": [\"a.c\"]}\n```\nAnything else?";
  const ExtractedJson json = extracted(answer);
  EXPECT_EQ(json.text, "{\"files\": [\"a.c\"]}");
  EXPECT_EQ(json.placement, JsonPlacement::kFencedBlock);
  EXPECT_EQ(answer.substr(json.offset, json.text.size()), json.text);
}

TEST(ExtractJsonTest, FenceWithoutLanguageAndTildeFence) {
  EXPECT_EQ(extracted("```\n[1, 2, 3]\n```").text, "[1, 2, 3]");
  EXPECT_EQ(extracted("~~~\n{\"a\": 1}\n~~~\n").text, "{\"a\": 1}");
  EXPECT_EQ(extracted("```JSON\r\n{\"a\": 1}\r\n```\r\n").text, "{\"a\": 1}");
}

TEST(ExtractJsonTest, FirstFenceThatParsesWins) {
  const std::string answer =
      "The input was:\n```python\nprint({'a': 1})\n```\nThe answer:\n```json\n{\"b\": 2}\n```\n"
      "Alternatively:\n```json\n{\"c\": 3}\n```";
  const ExtractedJson json = extracted(answer);
  EXPECT_EQ(json.text, "{\"b\": 2}");
  EXPECT_EQ(json.placement, JsonPlacement::kFencedBlock);
}

TEST(ExtractJsonTest, FenceBeatsEarlierJsonInProse) {
  EXPECT_EQ(extracted("Given {\"x\": 1}, the result is\n```json\n{\"y\": 2}\n```").text,
            "{\"y\": 2}");
}

TEST(ExtractJsonTest, LongerFenceHoldsShorterFenceLines) {
  const std::string answer = "````\n{\"code\": \"```\"}\n```\n````";
  // The block runs to the 4-backtick line, so its content is the object plus a ``` line,
  // which is not JSON; the object is then found embedded.
  const ExtractedJson json = extracted(answer);
  EXPECT_EQ(json.text, "{\"code\": \"```\"}");
  EXPECT_EQ(json.placement, JsonPlacement::kEmbedded);
}

TEST(ExtractJsonTest, UnclosedFenceRunsToTheEnd) {
  const ExtractedJson json = extracted("Here:\n```json\n{\"a\": 1}\n");
  EXPECT_EQ(json.text, "{\"a\": 1}");
  EXPECT_EQ(json.placement, JsonPlacement::kFencedBlock);
}

TEST(ExtractJsonTest, IndentedFenceAndInlineBackticks) {
  EXPECT_EQ(extracted("   ```json\n   {\"a\": 1}\n   ```").placement, JsonPlacement::kFencedBlock);
  // Four spaces is an indented code block, not a fence; one-line ```...``` is inline code.
  EXPECT_EQ(extracted("    ```json\n{\"a\": 1}\n```").text, "{\"a\": 1}");
  const ExtractedJson inline_code = extracted("Use ```{\"a\": 1}``` please");
  EXPECT_EQ(inline_code.text, "{\"a\": 1}");
  EXPECT_EQ(inline_code.placement, JsonPlacement::kEmbedded);
}

TEST(ExtractJsonTest, JsonEmbeddedInProse) {
  const std::string answer = "Here you go: {\"a\": {\"b\": [1, {\"c\": 2}]}} Hope it helps";
  const ExtractedJson json = extracted(answer);
  EXPECT_EQ(json.text, "{\"a\": {\"b\": [1, {\"c\": 2}]}}");
  EXPECT_EQ(json.placement, JsonPlacement::kEmbedded);
  EXPECT_EQ(json.offset, answer.find('{'));
}

TEST(ExtractJsonTest, ArrayEmbeddedInProse) {
  EXPECT_EQ(extracted("The files are [\"a.c\", \"b.c\"].").text, "[\"a.c\", \"b.c\"]");
}

TEST(ExtractJsonTest, BracesInsideStringsDoNotCount) {
  EXPECT_EQ(extracted("Result: {\"code\": \"if (x) { y(); } ]\"} done").text,
            "{\"code\": \"if (x) { y(); } ]\"}");
  EXPECT_EQ(extracted("Result: {\"q\": \"say \\\"}\\\" twice\", \"n\": 2} ok").text,
            "{\"q\": \"say \\\"}\\\" twice\", \"n\": 2}");
  EXPECT_EQ(extracted("x {\"path\": \"C:\\\\\"} y").text, "{\"path\": \"C:\\\\\"}");
}

TEST(ExtractJsonTest, SkipsBalancedTextThatIsNotJson) {
  EXPECT_EQ(extracted("In {braces} and [brackets], the answer is {\"ok\": true}.").text,
            "{\"ok\": true}");
  EXPECT_EQ(extracted("{'a': 1} is Python; {\"a\": 1} is JSON").text, "{\"a\": 1}");
}

TEST(ExtractJsonTest, OuterObjectWinsOverInnerOnes) {
  EXPECT_EQ(extracted("ok {\"a\": [1], \"b\": {\"c\": 2}} ok").text,
            "{\"a\": [1], \"b\": {\"c\": 2}}");
}

TEST(ExtractJsonTest, InnerJsonOfABrokenObject) {
  // The outer object has a trailing comma; the first balanced piece that parses is inside it.
  EXPECT_EQ(extracted("{\"a\": [1, 2], }").text, "[1, 2]");
}

TEST(ExtractJsonTest, StrayBracketsBeforeTheJson) {
  EXPECT_EQ(extracted("a { b [ c ( {\"a\": 1} ] d").text, "{\"a\": 1}");
  EXPECT_EQ(extracted("}}] ]] {\"a\": 1}").text, "{\"a\": 1}");
}

TEST(ExtractJsonTest, NoJsonIsAnOutputRejection) {
  for (const std::string_view answer : {"", "   ", "I cannot help with that.", "{'a': 1}",
                                        "{\"a\": 1,}", "[1, 2", "```json\n{\n```"}) {
    Result<ExtractedJson> json = extract_json(answer);
    ASSERT_FALSE(json) << answer;
    EXPECT_EQ(json.error().code(), ErrorCode::kOutputRejected);
    EXPECT_NE(json.error().message().find("no valid JSON"), std::string::npos);
  }
}

TEST(ExtractJsonTest, CandidatesComeInOrderOnce) {
  EXPECT_EQ(candidates("See [1].\n```json\n{\"a\": 1}\n```\nand {\"b\": 2}"),
            (std::vector<std::string>{"{\"a\": 1}", "[1]", "{\"b\": 2}"}));
  EXPECT_EQ(candidates("[1]"), (std::vector<std::string>{"[1]"}));
}

TEST(ExtractJsonTest, ManyUnclosedBracketsStayFast) {
  // Each opener would scan to the end on its own: quadratic. The matcher settles them in one pass.
  std::string answer(200000, '{');
  answer += " {\"a\": 1}";
  EXPECT_EQ(extracted(answer).text, "{\"a\": 1}");
  std::string mismatched;
  for (int index = 0; index < 50000; ++index) mismatched += "[[{";
  mismatched += "]";
  EXPECT_FALSE(extract_json(mismatched));
}

TEST(ExtractJsonTest, PlacementNames) {
  EXPECT_EQ(json_placement_name(JsonPlacement::kFencedBlock), "fenced block");
  EXPECT_EQ(json_placement_name(JsonPlacement::kWholeAnswer), "whole answer");
  EXPECT_EQ(json_placement_name(JsonPlacement::kEmbedded), "embedded");
}

}  // namespace
}  // namespace baton::contracts
