#include "src/providers/anthropic_codec.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using nlohmann::json;
using testing::make_call;
using testing::make_model;

json request_of(const ModelCall& call, bool stream = false) {
  Result<std::string> body = build_messages_request(call, stream);
  EXPECT_TRUE(body) << body.error().message();
  return body ? json::parse(*body) : json();
}

net::HttpResponse response(long status, std::string body, std::vector<net::Header> headers = {}) {
  net::HttpResponse out;
  out.status = status;
  out.body = std::move(body);
  out.headers = std::move(headers);
  return out;
}

ModelOutcome read(const net::HttpResponse& http) {
  return read_messages_response(http, std::chrono::system_clock::now());
}

TEST(AnthropicRequestTest, SystemGoesToTheTopAndMaxTokensIsAlwaysSent) {
  const lang::Model model = make_model("claude-sonnet-4-5");
  ModelCall call = make_call(model);
  call.messages.insert(call.messages.begin() + 1, {"system", "Answer in French."});
  call.messages.push_back({"assistant", "Bonjour."});
  call.messages.push_back({"user", "Again"});
  EXPECT_EQ(request_of(call), json::parse(R"({"model": "claude-sonnet-4-5", "max_tokens": 4096,
      "system": "You are terse.\n\nAnswer in French.",
      "messages": [{"role": "user", "content": "Say hello"},
                   {"role": "assistant", "content": "Bonjour."},
                   {"role": "user", "content": "Again"}]})"));
}

TEST(AnthropicRequestTest, ModelSettingsStreamAndParameters) {
  lang::Model model = make_model("claude-haiku-4-5");
  model.max_tokens = 300;
  model.temperature = 0.4;
  lang::ValueDict parameters;
  parameters.set("stop_sequences", lang::Value(lang::ValueList{lang::Value("END")}));
  parameters.set("top_k", lang::Value(40));
  model.parameters = lang::Value(std::move(parameters));
  const json request = request_of(make_call(model), /*stream=*/true);
  EXPECT_EQ(request["max_tokens"], 300);
  EXPECT_EQ(request["temperature"], 0.4);
  EXPECT_EQ(request["stream"], true);
  EXPECT_EQ(request["stop_sequences"], json::array({"END"}));
  EXPECT_EQ(request["top_k"], 40);
  EXPECT_FALSE(request_of(make_call(model)).contains("stream"));
}

TEST(AnthropicRequestTest, ParametersCannotReplaceWhatBatonSets) {
  for (const char* key : {"model", "messages", "stream"}) {
    lang::Model model = make_model("claude-haiku-4-5");
    lang::ValueDict parameters;
    parameters.set(key, lang::Value("x"));
    model.parameters = lang::Value(std::move(parameters));
    Result<std::string> body = build_messages_request(make_call(model));
    ASSERT_FALSE(body) << key;
    EXPECT_EQ(body.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(body.error().message().find(std::string("'") + key + "'"), std::string::npos);
  }
}

constexpr const char* kMessage = R"({
  "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
  "content": [{"type": "thinking", "thinking": "hmm", "signature": "s"},
              {"type": "text", "text": "Hello"}, {"type": "text", "text": " there"}],
  "stop_reason": "end_turn", "stop_sequence": null,
  "usage": {"input_tokens": 10, "cache_creation_input_tokens": 20,
            "cache_read_input_tokens": 30, "output_tokens": 5}})";

TEST(AnthropicResponseTest, ReadsTextBlocksAndEveryUsageField) {
  const ModelOutcome outcome = read(response(200, kMessage));
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "Hello there");
  EXPECT_EQ(outcome.reply->model, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(outcome.reply->finish_reason, "end_turn");
  EXPECT_EQ(outcome.reply->usage.input_tokens, 60) << "every input token, cached ones included";
  EXPECT_EQ(outcome.reply->usage.cached_input_tokens, 30);
  EXPECT_EQ(outcome.reply->usage.cache_creation_input_tokens, 20);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 5);
  EXPECT_EQ(outcome.response_body, kMessage);
}

TEST(AnthropicResponseTest, ToolUseBlocksBecomeToolCalls) {
  const ModelOutcome outcome = read(response(200, R"({"type": "message", "model": "m",
      "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                   "input": {"city": "Paris"}}],
      "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 2}})"));
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  ASSERT_EQ(outcome.reply->tool_calls.size(), 1u);
  EXPECT_EQ(outcome.reply->tool_calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(outcome.reply->text), json::parse(R"({"content": null, "tool_calls":
      [{"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}]})"));
}

TEST(AnthropicResponseTest, RefusalIsRejectedOutputAndUnreadableIsInternal) {
  const ModelOutcome refused =
      read(response(200, R"({"type": "message", "content": [], "stop_reason": "refusal"})"));
  ASSERT_FALSE(refused.reply);
  EXPECT_EQ(refused.reply.error().code(), ErrorCode::kOutputRejected);
  for (const char* body :
       {"not json", "[]", R"({"type": "message"})", R"({"content": [{"type": "text"}]})"}) {
    const ModelOutcome outcome = read(response(200, body));
    ASSERT_FALSE(outcome.reply) << body;
    EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kInternal) << body;
  }
}

TEST(AnthropicResponseTest, ErrorsMapByStatusWithRetryAfter) {
  auto body = [](const char* type, const char* message) {
    return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
  };
  const ModelOutcome limited =
      read(response(429, body("rate_limit_error", "Number of requests has exceeded your limit"),
                    {{"retry-after", "7"}}));
  ASSERT_FALSE(limited.reply);
  EXPECT_EQ(limited.reply.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(limited.retry_after, std::chrono::milliseconds(7000));
  EXPECT_NE(limited.reply.error().message().find("Number of requests"), std::string::npos);

  const ModelOutcome overloaded =
      read(response(529, body("overloaded_error", "Overloaded"), {{"retry-after", "2"}}));
  ASSERT_FALSE(overloaded.reply);
  EXPECT_EQ(overloaded.reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(overloaded.retry_after, std::chrono::milliseconds(2000));
  EXPECT_EQ(overloaded.reply.error().message(), "HTTP 529 (overloaded): Overloaded");

  const ModelOutcome refused =
      read(response(401, body("authentication_error", "invalid x-api-key")));
  ASSERT_FALSE(refused.reply);
  EXPECT_EQ(refused.reply.error().code(), ErrorCode::kUnauthenticated);

  const ModelOutcome bad =
      read(response(400, body("invalid_request_error", "max_tokens: Field required")));
  ASSERT_FALSE(bad.reply);
  EXPECT_EQ(bad.reply.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(bad.reply.error().message(), "HTTP 400: max_tokens: Field required");
}

}  // namespace
}  // namespace baton::providers
