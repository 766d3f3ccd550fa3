#include "src/providers/anthropic_provider.h"

#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/providers/provider_test_support.h"
#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using nlohmann::json;
using testing::env_of;
using testing::make_call;
using testing::make_model;
using testing::run_until;
using testing::strings_of;

constexpr const char* kKey = "sk-ant-test-8c1d2e3f4a5b";

class AnthropicProviderTest : public testing::ProviderTest {
 protected:
  void SetUp() override {
    ProviderTest::SetUp();
    server_.set_api_key(kKey);
    model_.base_url = server_.anthropic_base_url();
    provider_ = make_anthropic_provider(loop_, http_, env_of({{"ANTHROPIC_API_KEY", kKey}}));
  }

  lang::Model model_ = make_model("claude-sonnet-4-5");
};

TEST_F(AnthropicProviderTest, RepliesWithTheMessagesApi) {
  const ModelOutcome& outcome = run_one(make_call(model_, "Say hello"));
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "fake reply to: Say hello");
  EXPECT_EQ(outcome.reply->model, "claude-sonnet-4-5");
  EXPECT_EQ(outcome.reply->finish_reason, "end_turn");
  EXPECT_GT(outcome.reply->usage.input_tokens, 0);
  EXPECT_GT(outcome.reply->usage.output_tokens, 0);
  EXPECT_EQ(json::parse(outcome.response_body)["type"], "message");

  const fake::RecordedRequest request = server_.requests().at(0);
  EXPECT_EQ(request.path, "/v1/messages");
  EXPECT_EQ(request.body, outcome.request_json);
  const auto headers = headers_of(0);
  EXPECT_EQ(headers.at("x-api-key"), kKey);
  EXPECT_EQ(headers.at("anthropic-version"), "2023-06-01");
  EXPECT_EQ(headers.at("content-type"), "application/json");
  EXPECT_FALSE(headers.contains("authorization"));
  const json sent = json::parse(request.body);
  EXPECT_EQ(sent["system"], "You are terse.");
  EXPECT_EQ(sent["max_tokens"], 4096);
  EXPECT_EQ(sent["messages"], json::parse(R"([{"role": "user", "content": "Say hello"}])"));
  for (const std::string& text : strings_of(outcome)) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
  }
}

TEST_F(AnthropicProviderTest, StreamsDeltasInOrderBeforeTheOutcome) {
  model_.max_tokens = 200;
  const ModelOutcome& outcome = run_one(make_call(model_, "Stream this please"), /*stream=*/true);
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "fake reply to: Stream this please");
  EXPECT_EQ(streamed_text(0), outcome.reply->text);
  EXPECT_EQ(outcome.reply->finish_reason, "end_turn");
  EXPECT_GT(outcome.reply->usage.output_tokens, 0);
  const json sent = json::parse(outcome.request_json);
  EXPECT_EQ(sent["stream"], true);
  EXPECT_EQ(sent["max_tokens"], 200);
  const json body = json::parse(outcome.response_body);
  EXPECT_EQ(body["type"], "message");
  EXPECT_EQ(body["content"][0]["text"], "fake reply to: Stream this please");
}

TEST_F(AnthropicProviderTest, DeltasArriveWhileTheServerIsStillSending) {
  server_.add_fault(fake::Fault::stall(std::chrono::seconds(20)));
  start(make_call(model_, "one two three four five six"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return !deltas_[0].empty(); }));
  EXPECT_EQ(server_.in_flight(), 1u);
  EXPECT_FALSE(outcomes_[0]);
  server_.release_stalls();
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_TRUE(outcomes_[0]->reply) << outcomes_[0]->reply.error().message();
  EXPECT_EQ(streamed_text(0), "fake reply to: one two three four five six");
}

TEST_F(AnthropicProviderTest, CacheUsageWholeAndStreamed) {
  fake::ReplyRule rule("cache", "ok");
  rule.cached_tokens = 100;
  rule.cache_creation_tokens = 20;
  server_.set_rules({rule});
  start(make_call(model_, "cache me"));
  start(make_call(model_, "cache me"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  for (std::size_t index : {0u, 1u}) {
    const ModelOutcome& outcome = *outcomes_[index];
    ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
    EXPECT_EQ(outcome.reply->usage.cached_input_tokens, 100) << index;
    EXPECT_EQ(outcome.reply->usage.cache_creation_input_tokens, 20) << index;
    EXPECT_GT(outcome.reply->usage.input_tokens, 120) << "every input token, cached included";
  }
}

TEST_F(AnthropicProviderTest, ToolUseWholeAndStreamed) {
  fake::ReplyRule rule("weather", "Let me check.");
  rule.tool_calls = {{"get_weather", R"({"city": "Paris"})"}};
  server_.set_rules({rule});
  start(make_call(model_, "weather?"));
  start(make_call(model_, "weather?"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  const json expected = json::parse(R"({"content": "Let me check.", "tool_calls": [
      {"id": "toolu_fake_0", "name": "get_weather", "arguments": {"city": "Paris"}}]})");
  for (std::size_t index : {0u, 1u}) {
    const ModelOutcome& outcome = *outcomes_[index];
    ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
    EXPECT_EQ(outcome.reply->finish_reason, "tool_use");
    EXPECT_EQ(json::parse(outcome.reply->text), expected) << index;
  }
  EXPECT_EQ(streamed_text(1), "Let me check.");
}

TEST_F(AnthropicProviderTest, RateLimitedHonoursRetryAfter) {
  server_.add_fault(fake::Fault::http_status(429, 4));
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(outcome.retry_after, std::chrono::milliseconds(4000));
  EXPECT_NE(outcome.response_body.find("rate_limit_error"), std::string::npos);
}

TEST_F(AnthropicProviderTest, OverloadedAndServerErrorsAreUnavailable) {
  server_.add_fault(fake::Fault::http_status(529, 1));
  server_.add_fault(fake::Fault::http_status(500));
  run_one(make_call(model_));
  run_one(make_call(model_), /*stream=*/true);
  ASSERT_FALSE(outcomes_[0]->reply);
  EXPECT_EQ(outcomes_[0]->reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(outcomes_[0]->retry_after, std::chrono::milliseconds(1000));
  EXPECT_NE(outcomes_[0]->reply.error().message().find("HTTP 529 (overloaded): Overloaded"),
            std::string::npos)
      << outcomes_[0]->reply.error().message();
  ASSERT_FALSE(outcomes_[1]->reply);
  EXPECT_EQ(outcomes_[1]->reply.error().code(), ErrorCode::kUnavailable);
}

TEST_F(AnthropicProviderTest, WrongKeyIsUnauthenticatedAndNeverEchoed) {
  const std::string wrong = "sk-ant-wrong-000000000000";
  provider_ = make_anthropic_provider(loop_, http_, env_of({{"ANTHROPIC_API_KEY", wrong}}));
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(outcome.reply.error().message().find("ANTHROPIC_API_KEY"), std::string::npos)
      << outcome.reply.error().message();
  for (const std::string& text : strings_of(outcome)) {
    EXPECT_EQ(text.find(wrong), std::string::npos) << text;
  }
}

TEST_F(AnthropicProviderTest, BadRequestIsInvalidInputWithTheApiMessage) {
  model_.temperature = 1.5;  // Anthropic takes 0..1
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(outcome.reply.error().message().find("temperature"), std::string::npos)
      << outcome.reply.error().message();
}

TEST_F(AnthropicProviderTest, BrokenStreamsFailAsTheyShould) {
  server_.add_fault(fake::Fault::cut());
  server_.add_fault(fake::Fault::truncate());
  server_.add_fault(fake::Fault::malformed());
  server_.add_fault(fake::Fault::stream_error(529));
  for (int index = 0; index < 4; ++index) start(make_call(model_, "a b c d e f"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  const ErrorCode expected[] = {ErrorCode::kUnavailable, ErrorCode::kUnavailable,
                                ErrorCode::kInternal, ErrorCode::kUnavailable};
  // The faults are taken in the order the requests reach the server, which four parallel
  // connections do not fix: compare as a multiset.
  std::multiset<ErrorCode> got;
  for (int index = 0; index < 4; ++index) {
    ASSERT_FALSE(outcomes_[index]->reply) << index;
    got.insert(outcomes_[index]->reply.error().code());
    EXPECT_FALSE(outcomes_[index]->response_body.empty()) << "the events received are kept";
  }
  EXPECT_EQ(got, std::multiset<ErrorCode>(std::begin(expected), std::end(expected)));
}

TEST_F(AnthropicProviderTest, OverloadedErrorEventIsUnavailable) {
  server_.add_fault(fake::Fault::stream_error(529));
  const ModelOutcome& outcome = run_one(make_call(model_, "a b c d e f"), /*stream=*/true);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(outcome.reply.error().message().find("error event overloaded_error: Overloaded"),
            std::string::npos)
      << outcome.reply.error().message();
}

}  // namespace
}  // namespace baton::providers
