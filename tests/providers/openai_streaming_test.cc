// The OpenAI provider streaming, calling tools and speaking to Azure, against the real fake
// server.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "src/providers/openai_provider.h"
#include "tests/providers/provider_test_support.h"
#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using nlohmann::json;
using testing::env_of;
using testing::make_call;
using testing::make_model;
using testing::run_for;
using testing::run_until;
using testing::strings_of;

constexpr const char* kKey = "sk-test-5e3b1f0c9d7a";

class OpenAiStreamingTest : public testing::ProviderTest {
 protected:
  void SetUp() override {
    ProviderTest::SetUp();
    model_.base_url = server_.base_url();
    provider_ = make_openai_provider(loop_, http_, env_of({{"OPENAI_API_KEY", kKey}}));
  }

  lang::Model model_ = make_model();
};

TEST_F(OpenAiStreamingTest, DeltasArriveInOrderBeforeTheOutcome) {
  const ModelOutcome& outcome = run_one(make_call(model_, "Say hello"), /*stream=*/true);
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "fake reply to: Say hello");
  EXPECT_EQ(streamed_text(0), outcome.reply->text);
  EXPECT_GE(deltas_[0].size(), 1u);
  EXPECT_EQ(outcome.reply->finish_reason, "stop");
  EXPECT_EQ(outcome.reply->model, "gpt-4o-mini");
  EXPECT_GT(outcome.reply->usage.input_tokens, 0) << "stream_options.include_usage was sent";
  EXPECT_GT(outcome.reply->usage.output_tokens, 0);

  const json request = json::parse(outcome.request_json);
  EXPECT_EQ(request["stream"], true);
  EXPECT_EQ(request["stream_options"]["include_usage"], true);
  EXPECT_EQ(server_.requests().at(0).body, outcome.request_json);
  EXPECT_EQ(headers_of(0)["accept"], "text/event-stream");
  // The journal gets the reply in the unstreamed shape.
  const json body = json::parse(outcome.response_body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "fake reply to: Say hello");
  EXPECT_GT(body["usage"]["prompt_tokens"].get<int>(), 0);
}

TEST_F(OpenAiStreamingTest, DeltasArriveWhileTheServerIsStillSending) {
  server_.add_fault(fake::Fault::stall(std::chrono::seconds(20)));
  start(make_call(model_, "one two three four five six"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return !deltas_[0].empty(); }));
  EXPECT_EQ(server_.in_flight(), 1u) << "the server is stalled half-way through the stream";
  EXPECT_FALSE(outcomes_[0]);
  const std::string early = streamed_text(0);
  EXPECT_TRUE(std::string("fake reply to: one two three four five six").starts_with(early));
  server_.release_stalls();
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_TRUE(outcomes_[0]->reply) << outcomes_[0]->reply.error().message();
  EXPECT_EQ(streamed_text(0), "fake reply to: one two three four five six");
}

TEST_F(OpenAiStreamingTest, StreamCutMidBodyIsUnavailable) {
  server_.add_fault(fake::Fault::cut());
  const ModelOutcome& outcome = run_one(make_call(model_), /*stream=*/true);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable)
      << outcome.reply.error().message();
  EXPECT_NE(outcome.response_body.find("data: "), std::string::npos)
      << "the events received are kept for the journal";
}

TEST_F(OpenAiStreamingTest, StreamEndedBeforeDoneIsUnavailable) {
  server_.add_fault(fake::Fault::truncate());
  const ModelOutcome& outcome = run_one(make_call(model_, "a b c d e f"), /*stream=*/true);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(outcome.reply.error().message().find("ended before the reply was complete"),
            std::string::npos)
      << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply.error().message().rfind("openai http://127.0.0.1:", 0), 0u)
      << outcome.reply.error().message();
}

TEST_F(OpenAiStreamingTest, MalformedChunkIsInternalAndStopsTheCall) {
  server_.add_fault(fake::Fault::malformed());
  const ModelOutcome& outcome = run_one(make_call(model_, "a b c d e f"), /*stream=*/true);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kInternal);
  EXPECT_NE(outcome.reply.error().message().find("is not JSON"), std::string::npos)
      << outcome.reply.error().message();
  EXPECT_NE(outcome.response_body.find("data: {\"id\": \"chatcmpl-fake\""), std::string::npos);
  EXPECT_FALSE(streamed_text(0).ends_with("f")) << "nothing after the malformed event";
}

TEST_F(OpenAiStreamingTest, ErrorEventsMapLikeTheirStatus) {
  server_.add_fault(fake::Fault::stream_error(429));
  server_.add_fault(fake::Fault::stream_error(503));
  start(make_call(model_, "a b c d"), /*stream=*/true);
  start(make_call(model_, "a b c d"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_FALSE(outcomes_[0]->reply);
  EXPECT_EQ(outcomes_[0]->reply.error().code(), ErrorCode::kRateLimited)
      << outcomes_[0]->reply.error().message();
  ASSERT_FALSE(outcomes_[1]->reply);
  EXPECT_EQ(outcomes_[1]->reply.error().code(), ErrorCode::kUnavailable);
}

TEST_F(OpenAiStreamingTest, RateLimitedStreamCarriesRetryAfterAndNoDeltas) {
  server_.add_fault(fake::Fault::http_status(429, 3));
  const ModelOutcome& outcome = run_one(make_call(model_), /*stream=*/true);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(outcome.retry_after, std::chrono::milliseconds(3000));
  EXPECT_TRUE(deltas_[0].empty());
  EXPECT_NE(outcome.response_body.find("rate_limit_exceeded"), std::string::npos);
}

TEST_F(OpenAiStreamingTest, HangingStreamTimesOut) {
  server_.add_fault(fake::Fault::hang(std::chrono::seconds(5)));
  ModelCall call = make_call(model_);
  call.timeout = std::chrono::milliseconds(200);
  const ModelOutcome& outcome = run_one(call, /*stream=*/true);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kTimeout);
}

TEST_F(OpenAiStreamingTest, OnDeltaMayCancelItsCall) {
  ModelProvider::CallId id = 0;
  id = start(make_call(model_, "a b c d e f g h"), /*stream=*/true,
             [&](std::size_t) { provider_->cancel(id); });
  ASSERT_TRUE(run_until(loop_, [&] { return !deltas_[0].empty(); }));
  run_for(loop_, std::chrono::milliseconds(100));
  EXPECT_EQ(deltas_[0].size(), 1u);
  EXPECT_FALSE(outcomes_[0]);
  start(make_call(model_, "next"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return outcomes_[1].has_value(); }));
  EXPECT_TRUE(outcomes_[1]->reply);
  EXPECT_FALSE(outcomes_[0]);
}

TEST_F(OpenAiStreamingTest, OnDeltaMayDestroyTheProvider) {
  start(make_call(model_, "a b c d e f g h"), /*stream=*/true,
        [&](std::size_t) { provider_.reset(); });
  ASSERT_TRUE(run_until(loop_, [&] { return !deltas_[0].empty(); }));
  run_for(loop_, std::chrono::milliseconds(100));
  EXPECT_EQ(deltas_[0].size(), 1u);
  EXPECT_FALSE(outcomes_[0]);
}

TEST_F(OpenAiStreamingTest, KeyIsScrubbedFromDeltas) {
  const ModelOutcome& outcome =
      run_one(make_call(model_, std::string("my key is ") + kKey + " ok"), /*stream=*/true);
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(streamed_text(0), "fake reply to: my key is [redacted] ok");
  for (const std::string& delta : deltas_[0]) EXPECT_EQ(delta.find("sk-test"), std::string::npos);
  for (const std::string& text : strings_of(outcome)) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
  }
}

TEST_F(OpenAiStreamingTest, ToolsGoOutAndToolCallsComeBackWholeOrStreamed) {
  lang::ValueDict function;
  function.set("name", lang::Value("get_weather"));
  lang::ValueDict tool;
  tool.set("type", lang::Value("function"));
  tool.set("function", lang::Value(std::move(function)));
  lang::ValueDict parameters;
  parameters.set("tools", lang::Value(lang::ValueList{lang::Value(std::move(tool))}));
  parameters.set("tool_choice", lang::Value("required"));
  model_.parameters = lang::Value(std::move(parameters));
  fake::ReplyRule rule("weather", "");
  rule.tool_calls = {{"get_weather", R"({"city": "Paris"})"}};
  server_.set_rules({rule});
  start(make_call(model_, "weather in Paris?"));
  start(make_call(model_, "weather in Paris?"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  const json expected = json::parse(R"({"content": null, "tool_calls": [
      {"id": "call_fake_0", "name": "get_weather", "arguments": {"city": "Paris"}}]})");
  for (std::size_t index : {0u, 1u}) {
    const ModelOutcome& outcome = *outcomes_[index];
    ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
    EXPECT_EQ(outcome.reply->finish_reason, "tool_calls");
    ASSERT_EQ(outcome.reply->tool_calls.size(), 1u);
    EXPECT_EQ(outcome.reply->tool_calls[0].name, "get_weather");
    EXPECT_EQ(json::parse(outcome.reply->tool_calls[0].arguments),
              json::parse(R"({"city": "Paris"})"));
    EXPECT_EQ(json::parse(outcome.reply->text), expected) << index;
    const json sent = json::parse(server_.requests().at(index).body);
    EXPECT_EQ(sent["tools"][0]["function"]["name"], "get_weather");
    EXPECT_EQ(sent["tool_choice"], "required");
  }
  EXPECT_TRUE(deltas_[1].empty()) << "tool-call arguments are not streamed";
  EXPECT_EQ(
      json::parse(outcomes_[1]->response_body)["choices"][0]["message"]["tool_calls"][0]["id"],
      "call_fake_0");
}

TEST_F(OpenAiStreamingTest, UsageDetailsWholeAndStreamed) {
  fake::ReplyRule rule("cached", "ok");
  rule.cached_tokens = 5;
  rule.reasoning_tokens = 7;
  server_.set_rules({rule});
  start(make_call(model_, "cached please"));
  start(make_call(model_, "cached please"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  for (std::size_t index : {0u, 1u}) {
    const ModelOutcome& outcome = *outcomes_[index];
    ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
    EXPECT_GT(outcome.reply->usage.input_tokens, 0);
    EXPECT_EQ(outcome.reply->usage.cached_input_tokens, 5) << index;
    EXPECT_EQ(outcome.reply->usage.reasoning_tokens, 7) << index;
    EXPECT_GE(outcome.reply->usage.output_tokens, 7) << "reasoning counts as output";
  }
}

TEST_F(OpenAiStreamingTest, AzureUsesTheDeploymentUrlApiVersionAndApiKeyHeader) {
  constexpr const char* kAzureKey = "azure-key-0123456789";
  server_.set_api_key(kAzureKey);
  provider_ = make_openai_provider(
      loop_, http_, env_of({{"OPENAI_API_KEY", kKey}, {"AZURE_OPENAI_API_KEY", kAzureKey}}));
  model_.base_url = "http://127.0.0.1:" + std::to_string(server_.port()) +
                    "/openai/deployments/gpt4o?api-version=2024-10-21";
  model_.max_tokens = 50;
  start(make_call(model_, "hi Azure"));
  start(make_call(model_, "hi Azure"), /*stream=*/true);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  for (std::size_t index : {0u, 1u}) {
    ASSERT_TRUE(outcomes_[index]->reply) << outcomes_[index]->reply.error().message();
    EXPECT_EQ(outcomes_[index]->reply->text, "fake reply to: hi Azure");
    const fake::RecordedRequest request = server_.requests().at(index);
    EXPECT_EQ(request.path, "/openai/deployments/gpt4o/chat/completions");
    EXPECT_EQ(request.query, "api-version=2024-10-21");
    const auto headers = headers_of(index);
    EXPECT_EQ(headers.at("api-key"), kAzureKey);
    EXPECT_FALSE(headers.contains("authorization")) << "Azure keys never go as Bearer";
    EXPECT_EQ(json::parse(request.body)["max_completion_tokens"], 50);
    for (const std::string& text : strings_of(*outcomes_[index])) {
      EXPECT_EQ(text.find(kAzureKey), std::string::npos) << text;
    }
  }
  EXPECT_EQ(streamed_text(1), "fake reply to: hi Azure");
}

TEST_F(OpenAiStreamingTest, AzureWrongKeyNamesItsVariable) {
  server_.set_api_key("the-right-azure-key");
  provider_ =
      make_openai_provider(loop_, http_, env_of({{"AZURE_OPENAI_API_KEY", "wrong-azure-key"}}));
  model_.base_url = "http://127.0.0.1:" + std::to_string(server_.port()) +
                    "/openai/deployments/gpt4o?api-version=2024-10-21";
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(outcome.reply.error().message().find("AZURE_OPENAI_API_KEY"), std::string::npos)
      << outcome.reply.error().message();
  EXPECT_NE(outcome.reply.error().message().find("openai (Azure)"), std::string::npos);
}

}  // namespace
}  // namespace baton::providers
