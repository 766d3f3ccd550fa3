#include "src/providers/openai_stream.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace baton::providers {
namespace {

using nlohmann::json;

SseEvent data(std::string text) {
  SseEvent event;
  event.data = std::move(text);
  return event;
}

SseEvent chunk(const json& delta, const json& finish_reason = nullptr) {
  return data(json{{"id", "chatcmpl-9"},
                   {"object", "chat.completion.chunk"},
                   {"created", 1700000000},
                   {"model", "gpt-4o-mini-2024-07-18"},
                   {"system_fingerprint", "fp_1"},
                   {"choices", json::array({json{{"index", 0},
                                                 {"delta", delta},
                                                 {"logprobs", nullptr},
                                                 {"finish_reason", finish_reason}}})}}
                  .dump());
}

SseEvent usage_chunk() {
  return data(R"({"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1700000000,
    "model": "gpt-4o-mini-2024-07-18", "choices": [],
    "usage": {"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29,
              "prompt_tokens_details": {"cached_tokens": 12, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 4, "audio_tokens": 0,
                                            "accepted_prediction_tokens": 0,
                                            "rejected_prediction_tokens": 0}}})");
}

// Feeds `events` and returns the text pieces, one per event; fails the test on an error.
std::vector<std::string> feed(StreamDecoder& decoder, const std::vector<SseEvent>& events) {
  std::vector<std::string> pieces;
  for (const SseEvent& event : events) {
    std::string text;
    const Status read = decoder.read(event, text);
    EXPECT_TRUE(read) << read.error().message();
    pieces.push_back(text);
  }
  return pieces;
}

TEST(OpenAiStreamTest, AssemblesTextFinishReasonModelAndEveryUsageField) {
  auto decoder = make_openai_stream_decoder();
  const auto pieces =
      feed(*decoder, {chunk({{"role", "assistant"}, {"content", ""}}), chunk({{"content", "Hel"}}),
                      chunk({{"content", "lo!"}}), chunk(json::object(), "stop")});
  EXPECT_EQ(pieces, (std::vector<std::string>{"", "Hel", "lo!", ""}));
  EXPECT_TRUE(decoder->complete()) << "a finish reason is enough for servers without [DONE]";
  feed(*decoder, {usage_chunk(), data("[DONE]"), chunk({{"content", "after the end"}})});
  const Result<ModelReply> reply = decoder->reply();
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->text, "Hello!");
  EXPECT_EQ(reply->finish_reason, "stop");
  EXPECT_EQ(reply->model, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(reply->usage.input_tokens, 20);
  EXPECT_EQ(reply->usage.output_tokens, 9);
  EXPECT_EQ(reply->usage.cached_input_tokens, 12);
  EXPECT_EQ(reply->usage.reasoning_tokens, 4);

  const json whole = json::parse(decoder->response_json());
  EXPECT_EQ(whole["object"], "chat.completion");
  EXPECT_EQ(whole["id"], "chatcmpl-9");
  EXPECT_EQ(whole["system_fingerprint"], "fp_1");
  EXPECT_EQ(whole["choices"][0]["message"]["content"], "Hello!");
  EXPECT_EQ(whole["usage"]["prompt_tokens_details"]["cached_tokens"], 12);
}

TEST(OpenAiStreamTest, NotCompleteWithoutDoneOrFinishReason) {
  auto decoder = make_openai_stream_decoder();
  feed(*decoder, {chunk({{"content", "half a rep"}})});
  EXPECT_FALSE(decoder->complete());
}

TEST(OpenAiStreamTest, ToolCallPiecesAreJoinedByIndex) {
  auto decoder = make_openai_stream_decoder();
  feed(*decoder,
       {chunk({{"role", "assistant"}, {"content", nullptr}}),
        chunk({{"tool_calls",
                json::array({{{"index", 0},
                              {"id", "call_a"},
                              {"type", "function"},
                              {"function", {{"name", "get_weather"}, {"arguments", ""}}}}})}}),
        chunk({{"tool_calls",
                json::array({{{"index", 0}, {"function", {{"arguments", "{\"city\": "}}}}})}}),
        chunk({{"tool_calls",
                json::array({{{"index", 1},
                              {"id", "call_b"},
                              {"function", {{"name", "get_time"}, {"arguments", "{}"}}}}})}}),
        chunk({{"tool_calls",
                json::array({{{"index", 0}, {"function", {{"arguments", "\"Paris\"}"}}}}})}}),
        chunk(json::object(), "tool_calls"), data("[DONE]")});
  const Result<ModelReply> reply = decoder->reply();
  ASSERT_TRUE(reply) << reply.error().message();
  ASSERT_EQ(reply->tool_calls.size(), 2u);
  EXPECT_EQ(reply->tool_calls[0].id, "call_a");
  EXPECT_EQ(reply->tool_calls[0].name, "get_weather");
  EXPECT_EQ(reply->tool_calls[0].arguments, "{\"city\": \"Paris\"}");
  EXPECT_EQ(reply->tool_calls[1].name, "get_time");
  EXPECT_EQ(reply->finish_reason, "tool_calls");
  EXPECT_EQ(json::parse(reply->text), json::parse(R"({"content": null, "tool_calls": [
      {"id": "call_a", "name": "get_weather", "arguments": {"city": "Paris"}},
      {"id": "call_b", "name": "get_time", "arguments": {}}]})"));
  const json whole = json::parse(decoder->response_json());
  EXPECT_TRUE(whole["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(whole["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "get_weather");
}

TEST(OpenAiStreamTest, RefusalIsRejectedOutput) {
  auto decoder = make_openai_stream_decoder();
  feed(*decoder, {chunk({{"refusal", "I can't "}}), chunk({{"refusal", "help."}}),
                  chunk(json::object(), "stop"), data("[DONE]")});
  const Result<ModelReply> reply = decoder->reply();
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), ErrorCode::kOutputRejected);
  EXPECT_NE(reply.error().message().find("I can't help."), std::string::npos);
}

TEST(OpenAiStreamTest, MalformedEventsAreInternalAndSayWhatWasWrong) {
  struct Case {
    std::string data;
    std::string says;
  };
  for (const Case& bad : {Case{"{\"choices\": [{\"delta\": {\"content\": ", "is not JSON"},
                          Case{"[1, 2]", "is not a JSON object"},
                          Case{R"({"choices": {"index": 0}})", "has choices that are not an array"},
                          Case{R"({"choices": [{"index": 0, "delta": {"content": 7}}]})",
                               "has a delta.content that is number"}}) {
    auto decoder = make_openai_stream_decoder();
    feed(*decoder, {chunk({{"content", "ok"}})});
    std::string text;
    const Status read = decoder->read(data(bad.data), text);
    ASSERT_FALSE(read) << bad.data;
    EXPECT_EQ(read.error().code(), ErrorCode::kInternal);
    EXPECT_NE(read.error().message().find("stream event 2 " + bad.says), std::string::npos)
        << read.error().message();
  }
}

TEST(OpenAiStreamTest, ErrorEventsMapAsTheirStatusWould) {
  struct Case {
    std::string data;
    ErrorCode code;
  };
  for (
      const Case& error :
      {Case{R"({"error": {"message": "busy", "type": "server_error", "code": null}})",
            ErrorCode::kUnavailable},
       Case{
           R"({"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}})",
           ErrorCode::kRateLimited},
       Case{
           R"({"error": {"object": "error", "message": "bad", "type": "BadRequestError", "code": 400}})",
           ErrorCode::kInvalidInput},
       Case{R"({"error": "something broke"})", ErrorCode::kUnavailable}}) {
    auto decoder = make_openai_stream_decoder();
    std::string text;
    const Status read = decoder->read(data(error.data), text);
    ASSERT_FALSE(read) << error.data;
    EXPECT_EQ(read.error().code(), error.code) << error.data << ": " << read.error().message();
    EXPECT_EQ(read.error().message().rfind("error event ", 0), 0u) << read.error().message();
  }
}

}  // namespace
}  // namespace baton::providers
