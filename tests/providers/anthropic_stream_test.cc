#include "src/providers/anthropic_stream.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace baton::providers {
namespace {

using nlohmann::json;

SseEvent event(const std::string& type, const json& data) {
  SseEvent out;
  out.type = type;
  out.data = data.dump();
  return out;
}

SseEvent message_start() {
  return event("message_start", {{"type", "message_start"},
                                 {"message",
                                  {{"id", "msg_1"},
                                   {"type", "message"},
                                   {"role", "assistant"},
                                   {"content", json::array()},
                                   {"model", "claude-sonnet-4-5"},
                                   {"stop_reason", nullptr},
                                   {"stop_sequence", nullptr},
                                   {"usage",
                                    {{"input_tokens", 25},
                                     {"cache_creation_input_tokens", 7},
                                     {"cache_read_input_tokens", 100},
                                     {"output_tokens", 1}}}}}});
}

SseEvent text_start(int index) {
  return event("content_block_start", {{"type", "content_block_start"},
                                       {"index", index},
                                       {"content_block", {{"type", "text"}, {"text", ""}}}});
}

SseEvent text_delta(int index, const std::string& text) {
  return event("content_block_delta", {{"type", "content_block_delta"},
                                       {"index", index},
                                       {"delta", {{"type", "text_delta"}, {"text", text}}}});
}

SseEvent message_delta(const std::string& stop_reason, int output_tokens) {
  return event("message_delta",
               {{"type", "message_delta"},
                {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
                {"usage", {{"output_tokens", output_tokens}}}});
}

SseEvent message_stop() { return event("message_stop", {{"type", "message_stop"}}); }

std::vector<std::string> feed(StreamDecoder& decoder, const std::vector<SseEvent>& events) {
  std::vector<std::string> pieces;
  for (const SseEvent& item : events) {
    std::string text;
    const Status read = decoder.read(item, text);
    EXPECT_TRUE(read) << read.error().message();
    pieces.push_back(text);
  }
  return pieces;
}

TEST(AnthropicStreamTest, AssemblesTextStopReasonAndUsage) {
  auto decoder = make_anthropic_stream_decoder();
  const auto pieces =
      feed(*decoder, {message_start(), text_start(0), event("ping", {{"type", "ping"}}),
                      text_delta(0, "Hello"), text_delta(0, ", world"),
                      event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}),
                      message_delta("end_turn", 15)});
  EXPECT_EQ(pieces, (std::vector<std::string>{"", "", "", "Hello", ", world", "", ""}));
  EXPECT_FALSE(decoder->complete()) << "only message_stop completes a message";
  feed(*decoder, {message_stop(), text_delta(0, " after the end")});
  EXPECT_TRUE(decoder->complete());
  const Result<ModelReply> reply = decoder->reply();
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->text, "Hello, world");
  EXPECT_EQ(reply->finish_reason, "end_turn");
  EXPECT_EQ(reply->model, "claude-sonnet-4-5");
  EXPECT_EQ(reply->usage.input_tokens, 25 + 7 + 100);
  EXPECT_EQ(reply->usage.cached_input_tokens, 100);
  EXPECT_EQ(reply->usage.cache_creation_input_tokens, 7);
  EXPECT_EQ(reply->usage.output_tokens, 15) << "message_delta's usage is cumulative";
  const json whole = json::parse(decoder->response_json());
  EXPECT_EQ(whole["type"], "message");
  EXPECT_EQ(whole["id"], "msg_1");
  EXPECT_EQ(whole["content"], json::parse(R"([{"type": "text", "text": "Hello, world"}])"));
  EXPECT_EQ(whole["usage"]["cache_read_input_tokens"], 100);
}

TEST(AnthropicStreamTest, ToolUseArgumentsComeFromJsonDeltas) {
  auto decoder = make_anthropic_stream_decoder();
  feed(*decoder,
       {message_start(), text_start(0), text_delta(0, "Let me check."),
        event("content_block_start", {{"type", "content_block_start"},
                                      {"index", 1},
                                      {"content_block",
                                       {{"type", "tool_use"},
                                        {"id", "toolu_1"},
                                        {"name", "get_weather"},
                                        {"input", json::object()}}}}),
        event("content_block_delta",
              {{"type", "content_block_delta"},
               {"index", 1},
               {"delta", {{"type", "input_json_delta"}, {"partial_json", "{\"city\": \"Pa"}}}}),
        event("content_block_delta",
              {{"type", "content_block_delta"},
               {"index", 1},
               {"delta", {{"type", "input_json_delta"}, {"partial_json", "ris\"}"}}}}),
        message_delta("tool_use", 30), message_stop()});
  const Result<ModelReply> reply = decoder->reply();
  ASSERT_TRUE(reply) << reply.error().message();
  ASSERT_EQ(reply->tool_calls.size(), 1u);
  EXPECT_EQ(reply->tool_calls[0].id, "toolu_1");
  EXPECT_EQ(reply->tool_calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(reply->tool_calls[0].arguments), json::parse(R"({"city": "Paris"})"));
  EXPECT_EQ(json::parse(reply->text), json::parse(R"({"content": "Let me check.", "tool_calls": [
      {"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}]})"));
  EXPECT_EQ(reply->finish_reason, "tool_use");
}

TEST(AnthropicStreamTest, ErrorEventMapsByItsType) {
  struct Case {
    std::string type;
    ErrorCode code;
  };
  for (const Case& error : {Case{"overloaded_error", ErrorCode::kUnavailable},
                            Case{"rate_limit_error", ErrorCode::kRateLimited},
                            Case{"api_error", ErrorCode::kUnavailable},
                            Case{"invalid_request_error", ErrorCode::kInvalidInput}}) {
    auto decoder = make_anthropic_stream_decoder();
    feed(*decoder, {message_start(), text_start(0), text_delta(0, "par")});
    std::string text;
    const Status read = decoder->read(
        event("error",
              {{"type", "error"}, {"error", {{"type", error.type}, {"message", "Overloaded"}}}}),
        text);
    ASSERT_FALSE(read) << error.type;
    EXPECT_EQ(read.error().code(), error.code) << error.type;
    EXPECT_EQ(read.error().message(), "error event " + error.type + ": Overloaded");
  }
}

TEST(AnthropicStreamTest, MalformedEventsAreInternalAndSayWhatWasWrong) {
  struct Case {
    SseEvent event;
    std::string says;
  };
  SseEvent cut;
  cut.type = "content_block_delta";
  cut.data =
      R"({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": )";
  for (const Case& bad :
       {Case{cut, "stream event 2 (content_block_delta) is not JSON"},
        Case{event("content_block_delta", {{"type", "content_block_delta"},
                                           {"delta", {{"type", "text_delta"}, {"text", "x"}}}}),
             "has no valid content block index"},
        Case{event("content_block_delta", {{"type", "content_block_delta"},
                                           {"index", 0},
                                           {"delta", {{"type", "text_delta"}, {"text", 3}}}}),
             "has a text_delta without a string 'text'"},
        Case{event("message_start", {{"type", "message_start"}}), "has no message object"}}) {
    auto decoder = make_anthropic_stream_decoder();
    feed(*decoder, {message_start()});
    std::string text;
    const Status read = decoder->read(bad.event, text);
    ASSERT_FALSE(read) << bad.event.data;
    EXPECT_EQ(read.error().code(), ErrorCode::kInternal);
    EXPECT_NE(read.error().message().find(bad.says), std::string::npos) << read.error().message();
  }
}

TEST(AnthropicStreamTest, RefusalStopIsRejectedOutput) {
  auto decoder = make_anthropic_stream_decoder();
  feed(*decoder, {message_start(), text_start(0), message_delta("refusal", 2), message_stop()});
  const Result<ModelReply> reply = decoder->reply();
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), ErrorCode::kOutputRejected);
}

}  // namespace
}  // namespace baton::providers
