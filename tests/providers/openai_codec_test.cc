#include "src/providers/openai_codec.h"

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

json request_of(const ModelCall& call,
                TokenLimitField field = TokenLimitField::kMaxCompletionTokens) {
  Result<std::string> body = build_chat_request(call, field);
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
  return read_chat_response(http, std::chrono::system_clock::now());
}

constexpr const char* kReply = R"({
  "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!", "refusal": null},
               "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 19, "completion_tokens": 3, "total_tokens": 22,
            "prompt_tokens_details": {"cached_tokens": 8, "audio_tokens": 0}}})";

TEST(OpenAiRequestTest, ModelAndMessagesOnlyWhenNothingElseIsSet) {
  const lang::Model model = make_model();
  EXPECT_EQ(request_of(make_call(model)), json::parse(R"({"model": "gpt-4o-mini", "messages": [
      {"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello"}]})"));
}

TEST(OpenAiRequestTest, TemperatureAndTokenLimit) {
  lang::Model model = make_model();
  model.temperature = 0.2;
  model.max_tokens = 300;
  const json openai = request_of(make_call(model), TokenLimitField::kMaxCompletionTokens);
  EXPECT_EQ(openai["temperature"], 0.2);
  EXPECT_EQ(openai["max_completion_tokens"], 300);
  EXPECT_FALSE(openai.contains("max_tokens"));
  const json other = request_of(make_call(model), TokenLimitField::kMaxTokens);
  EXPECT_EQ(other["max_tokens"], 300);
  EXPECT_FALSE(other.contains("max_completion_tokens"));
}

TEST(OpenAiRequestTest, TokenLimitFieldFollowsTheHost) {
  EXPECT_EQ(token_limit_field_for("https://api.openai.com/v1"),
            TokenLimitField::kMaxCompletionTokens);
  EXPECT_EQ(token_limit_field_for("https://API.OpenAI.com:443/v1"),
            TokenLimitField::kMaxCompletionTokens);
  EXPECT_EQ(token_limit_field_for("http://localhost:11434/v1"), TokenLimitField::kMaxTokens);
  EXPECT_EQ(token_limit_field_for("https://api.openai.com.evil.example/v1"),
            TokenLimitField::kMaxTokens);
}

TEST(OpenAiRequestTest, ParametersAreMergedAsTopLevelFields) {
  lang::Model model = make_model();
  model.temperature = 0.2;
  lang::ValueDict format;
  format.set("type", lang::Value("json_object"));
  lang::ValueDict parameters;
  parameters.set("temperature", lang::Value(0.7));
  parameters.set("seed", lang::Value(42));
  parameters.set("stop", lang::Value(lang::ValueList{lang::Value("END")}));
  parameters.set("response_format", lang::Value(std::move(format)));
  parameters.set("user", lang::Value::none());
  model.parameters = lang::Value(std::move(parameters));
  const json request = request_of(make_call(model));
  EXPECT_EQ(request["model"], "gpt-4o-mini");
  EXPECT_EQ(request["messages"].size(), 2u);
  EXPECT_EQ(request["temperature"], 0.7);
  EXPECT_EQ(request["seed"], 42);
  EXPECT_EQ(request["stop"], json::parse(R"(["END"])"));
  EXPECT_EQ(request["response_format"], json::parse(R"({"type": "json_object"})"));
  EXPECT_TRUE(request["user"].is_null());
}

TEST(OpenAiRequestTest, ParametersCannotReplaceWhatBatonSets) {
  for (const char* key : {"model", "messages", "stream"}) {
    lang::Model model = make_model();
    lang::ValueDict parameters;
    parameters.set(key, lang::Value(true));
    model.parameters = lang::Value(std::move(parameters));
    Result<std::string> body =
        build_chat_request(make_call(model), TokenLimitField::kMaxCompletionTokens);
    ASSERT_FALSE(body) << key;
    EXPECT_EQ(body.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(body.error().message().find(std::string("'") + key + "'"), std::string::npos)
        << body.error().message();
  }
}

TEST(OpenAiRequestTest, NonFiniteParameterIsInvalidInput) {
  lang::Model model = make_model();
  lang::ValueDict parameters;
  parameters.set("top_p", lang::Value(std::numeric_limits<double>::quiet_NaN()));
  model.parameters = lang::Value(std::move(parameters));
  Result<std::string> body =
      build_chat_request(make_call(model), TokenLimitField::kMaxCompletionTokens);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(body.error().message().find("parameters.top_p"), std::string::npos);
}

TEST(OpenAiRequestTest, CallWithoutModelIsABug) {
  ModelCall call;
  Result<std::string> body = build_chat_request(call, TokenLimitField::kMaxTokens);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code(), ErrorCode::kInternal);
}

TEST(OpenAiResponseTest, ReadsTheReply) {
  const ModelOutcome outcome = read(response(200, kReply));
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "Hello!");
  EXPECT_EQ(outcome.reply->model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(outcome.reply->finish_reason, "stop");
  EXPECT_EQ(outcome.reply->usage.input_tokens, 19);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 3);
  EXPECT_EQ(outcome.reply->usage.cached_input_tokens, 8);
  EXPECT_EQ(outcome.response_body, kReply);
  EXPECT_FALSE(outcome.retry_after);
}

TEST(OpenAiResponseTest, MissingUsageCountsAsZero) {
  const ModelOutcome outcome = read(
      response(200, R"({"choices": [{"message": {"content": "x"}, "finish_reason": "length"}]})"));
  ASSERT_TRUE(outcome.reply);
  EXPECT_EQ(outcome.reply->usage.input_tokens, 0);
  EXPECT_EQ(outcome.reply->finish_reason, "length");
}

TEST(OpenAiResponseTest, UnreadableSuccessIsInternal) {
  for (const char* body :
       {"not json", "[]", R"({"choices": []})", R"({"id": "x"})", R"({"choices": [{}]})",
        R"({"choices": [{"message": {"role": "assistant", "content": null}}]})"}) {
    const ModelOutcome outcome = read(response(200, body));
    ASSERT_FALSE(outcome.reply) << body;
    EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kInternal) << body;
    EXPECT_EQ(outcome.reply.error().message().rfind("HTTP 200 reply cannot be read: ", 0), 0u)
        << outcome.reply.error().message();
  }
}

TEST(OpenAiResponseTest, RefusalIsRejectedOutput) {
  const ModelOutcome outcome = read(response(
      200,
      R"({"choices": [{"message": {"content": null, "refusal": "I can't help with that."}}]})"));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kOutputRejected);
  EXPECT_NE(outcome.reply.error().message().find("I can't help with that."), std::string::npos);
}

constexpr const char* kRateLimitBody =
    R"({"error": {"message": "Rate limit reached for gpt-4o-mini", "type": "requests", "param": null, "code": "rate_limit_exceeded"}})";

TEST(OpenAiResponseTest, RateLimitedWithRetryAfterSeconds) {
  const ModelOutcome outcome = read(response(429, kRateLimitBody, {{"retry-after", "2"}}));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kRateLimited);
  EXPECT_NE(outcome.reply.error().message().find("Rate limit reached"), std::string::npos);
  EXPECT_EQ(outcome.retry_after, std::chrono::milliseconds(2000));
}

TEST(OpenAiResponseTest, RetryAfterMsWinsAndDatesAreMeasuredFromNow) {
  EXPECT_EQ(read(response(429, kRateLimitBody, {{"retry-after", "2"}, {"retry-after-ms", "350"}}))
                .retry_after,
            std::chrono::milliseconds(350));
  const auto now = std::chrono::sys_days(std::chrono::year(2030) / 1 / 1);
  const ModelOutcome dated = read_chat_response(
      response(429, kRateLimitBody, {{"retry-after", "Tue, 01 Jan 2030 00:00:05 GMT"}}), now);
  EXPECT_EQ(dated.retry_after, std::chrono::milliseconds(5000));
  EXPECT_FALSE(read(response(429, kRateLimitBody)).retry_after);
}

TEST(OpenAiResponseTest, ServerErrorsAreUnavailable) {
  for (long status : {500, 502, 503, 504}) {
    const ModelOutcome outcome = read(response(status, "<html>Bad gateway</html>"));
    ASSERT_FALSE(outcome.reply);
    EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable) << status;
    EXPECT_NE(outcome.reply.error().message().find("Bad gateway"), std::string::npos);
  }
  EXPECT_EQ(read(response(503, "", {{"retry-after", "7"}})).retry_after,
            std::chrono::milliseconds(7000));
}

TEST(OpenAiResponseTest, AuthFailuresLeaveTheApiMessageOut) {
  // OpenAI's own 401 message quotes the start and end of the key it got.
  constexpr const char* kBody =
      R"({"error": {"message": "Incorrect API key provided: sk-abc***wxyz.", "type": "invalid_request_error", "code": "invalid_api_key"}})";
  for (long status : {401, 403}) {
    const ModelOutcome outcome = read(response(status, kBody));
    ASSERT_FALSE(outcome.reply);
    EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnauthenticated);
    EXPECT_EQ(outcome.reply.error().message().find("sk-"), std::string::npos);
  }
}

TEST(OpenAiResponseTest, OtherClientErrorsCarryTheApiMessage) {
  const ModelOutcome outcome = read(response(
      400,
      R"({"error": {"message": "Invalid value for 'temperature'", "type": "invalid_request_error"}})"));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(outcome.reply.error().message(), "HTTP 400: Invalid value for 'temperature'");
  // Other servers' shapes, and bodies that are not JSON.
  EXPECT_EQ(read(response(404, R"({"error": "model 'llama9' not found"})")).reply.error().message(),
            "HTTP 404: model 'llama9' not found");
  EXPECT_EQ(read(response(422, R"({"detail": "bad field"})")).reply.error().message(),
            "HTTP 422: bad field");
  EXPECT_EQ(read(response(400, "")).reply.error().message(), "HTTP 400: (empty body)");
  const std::string long_body(5000, 'x');
  EXPECT_LT(read(response(400, long_body)).reply.error().message().size(), 400u);
  EXPECT_EQ(read(response(408, "")).reply.error().code(), ErrorCode::kTimeout);
}

TEST(OpenAiResponseTest, RenderedCompletionReadsBack) {
  ModelReply reply;
  reply.text = "line one\nline \"two\"";
  reply.model = "gpt-4o-mini";
  reply.finish_reason = "stop";
  reply.usage = {12, 30, 4};
  const ModelOutcome outcome = read(response(200, render_chat_completion(reply, "fixture-1")));
  ASSERT_TRUE(outcome.reply);
  EXPECT_EQ(outcome.reply->text, reply.text);
  EXPECT_EQ(outcome.reply->model, reply.model);
  EXPECT_EQ(outcome.reply->usage.input_tokens, 12);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 30);
  EXPECT_EQ(outcome.reply->usage.cached_input_tokens, 4);
  EXPECT_EQ(json::parse(render_error_body("slow down", "rate_limit_exceeded"))["error"]["message"],
            "slow down");
}

TEST(OpenAiRequestTest, StreamAsksForUsageAndParametersMayNotSetIt) {
  lang::Model model = make_model();
  Result<std::string> body = build_chat_request(make_call(model), TokenLimitField::kMaxTokens,
                                                /*stream=*/true);
  ASSERT_TRUE(body);
  const json request = json::parse(*body);
  EXPECT_EQ(request["stream"], true);
  EXPECT_EQ(request["stream_options"], json::parse(R"({"include_usage": true})"));
  EXPECT_FALSE(request_of(make_call(model)).contains("stream"));
  lang::ValueDict parameters;
  parameters.set("stream_options", lang::Value(lang::ValueDict{}));
  model.parameters = lang::Value(std::move(parameters));
  EXPECT_FALSE(build_chat_request(make_call(model), TokenLimitField::kMaxTokens));
}

TEST(OpenAiRequestTest, ToolsResponseFormatStopAndSeedPassThrough) {
  lang::Model model = make_model();
  lang::ValueDict properties;
  lang::ValueDict city;
  city.set("type", lang::Value("string"));
  properties.set("city", lang::Value(std::move(city)));
  lang::ValueDict schema;
  schema.set("type", lang::Value("object"));
  schema.set("properties", lang::Value(std::move(properties)));
  lang::ValueDict function;
  function.set("name", lang::Value("get_weather"));
  function.set("parameters", lang::Value(std::move(schema)));
  lang::ValueDict tool;
  tool.set("type", lang::Value("function"));
  tool.set("function", lang::Value(std::move(function)));
  lang::ValueDict format;
  format.set("type", lang::Value("json_object"));
  lang::ValueDict parameters;
  parameters.set("tools", lang::Value(lang::ValueList{lang::Value(std::move(tool))}));
  parameters.set("tool_choice", lang::Value("auto"));
  parameters.set("response_format", lang::Value(std::move(format)));
  parameters.set("stop", lang::Value(lang::ValueList{lang::Value("END")}));
  parameters.set("seed", lang::Value(42));
  model.parameters = lang::Value(std::move(parameters));
  const json request = request_of(make_call(model));
  EXPECT_EQ(request["tools"],
            json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])"));
  EXPECT_EQ(request["tool_choice"], "auto");
  EXPECT_EQ(request["response_format"], json::parse(R"({"type": "json_object"})"));
  EXPECT_EQ(request["stop"], json::array({"END"}));
  EXPECT_EQ(request["seed"], 42);
}

TEST(OpenAiResponseTest, ToolCallsAreKeptInTheReply) {
  const ModelOutcome outcome = read(response(200, R"({"model": "gpt-4o",
      "choices": [{"index": 0, "finish_reason": "tool_calls",
        "message": {"role": "assistant", "content": null, "tool_calls": [
          {"id": "call_1", "type": "function",
           "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
          {"id": "call_2", "type": "function",
           "function": {"name": "broken", "arguments": "{\"cut"}}]}}]})"));
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  ASSERT_EQ(outcome.reply->tool_calls.size(), 2u);
  EXPECT_EQ(outcome.reply->tool_calls[0].id, "call_1");
  EXPECT_EQ(outcome.reply->tool_calls[0].arguments, "{\"city\": \"Paris\"}");
  EXPECT_EQ(outcome.reply->finish_reason, "tool_calls");
  EXPECT_EQ(json::parse(outcome.reply->text), json::parse(R"({"content": null, "tool_calls": [
      {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}},
      {"id": "call_2", "name": "broken", "arguments": "{\"cut"}]})"))
      << "arguments that are not JSON stay a string";

  const ModelOutcome with_text = read(response(200, R"({"choices": [{"message": {
      "content": "Checking.", "tool_calls": [{"id": "c", "type": "function",
      "function": {"name": "f", "arguments": "{}"}}]}}]})"));
  ASSERT_TRUE(with_text.reply);
  EXPECT_EQ(json::parse(with_text.reply->text)["content"], "Checking.");
}

TEST(OpenAiResponseTest, EveryUsageField) {
  const ModelOutcome outcome = read(response(200, R"({"choices": [{"message": {"content": "x"}}],
      "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140,
                "prompt_tokens_details": {"cached_tokens": 64},
                "completion_tokens_details": {"reasoning_tokens": 32}}})"));
  ASSERT_TRUE(outcome.reply);
  EXPECT_EQ(outcome.reply->usage.input_tokens, 100);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 40);
  EXPECT_EQ(outcome.reply->usage.cached_input_tokens, 64);
  EXPECT_EQ(outcome.reply->usage.reasoning_tokens, 32);
  EXPECT_EQ(outcome.reply->usage.cache_creation_input_tokens, 0);
}

}  // namespace
}  // namespace baton::providers
