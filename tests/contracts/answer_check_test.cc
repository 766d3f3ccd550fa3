#include "src/contracts/answer_check.h"

#include <string>

#include <gtest/gtest.h>

namespace baton::contracts {
namespace {

Schema files_schema() {
  Result<Schema> schema = Schema::compile(R"({"type": "object", "required": ["files"],
      "properties": {"files": {"type": "array", "items": {"type": "string"}}}})");
  EXPECT_TRUE(schema) << schema.error().message();
  return *std::move(schema);
}

TEST(AnswerCheckTest, AcceptsAConformingAnswer) {
  Result<ExtractedJson> json =
      check_json_answer("```json\n{\"files\": [\"a.c\"]}\n```", files_schema());
  ASSERT_TRUE(json) << json.error().message();
  EXPECT_EQ(json->text, "{\"files\": [\"a.c\"]}");
  EXPECT_EQ(json->placement, JsonPlacement::kFencedBlock);
}

TEST(AnswerCheckTest, SkipsEarlierJsonThatDoesNotConform) {
  Result<ExtractedJson> json =
      check_json_answer("As noted in [1], the files are {\"files\": [\"a.c\"]}.", files_schema());
  ASSERT_TRUE(json) << json.error().message();
  EXPECT_EQ(json->text, "{\"files\": [\"a.c\"]}");
}

TEST(AnswerCheckTest, ReportsTheFirstCandidatesViolations) {
  Result<ExtractedJson> json =
      check_json_answer("{\"files\": [1]} or maybe {\"files\": 2}", files_schema());
  ASSERT_FALSE(json);
  EXPECT_EQ(json.error().code(), ErrorCode::kOutputRejected);
  EXPECT_EQ(json.error().message(),
            "your answer did not match the schema: /files/0 must be a string");
}

TEST(AnswerCheckTest, NoJsonAtAll) {
  Result<ExtractedJson> json = check_json_answer("I could not find any files.", files_schema());
  ASSERT_FALSE(json);
  EXPECT_EQ(json.error().code(), ErrorCode::kOutputRejected);
  EXPECT_NE(json.error().message().find("no valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace baton::contracts
