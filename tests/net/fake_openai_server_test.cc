// The fake OpenAI-compatible server, over real HTTP through net::HttpClient.
#include "tests/fake_server/fake_openai_server.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "src/net/http_client.h"

namespace baton::fake {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

Json user_chat(std::string_view message) {
  return Json{{"model", "fake-model"},
              {"messages", Json::array({Json{{"role", "system"}, {"content", "be brief"}},
                                        Json{{"role", "user"}, {"content", message}}})}};
}

class FakeOpenAiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = server_.start();
    ASSERT_TRUE(port) << port.error().message();
    EXPECT_EQ(*port, server_.port());
  }

  Result<net::HttpResponse> call(std::string method, std::string path, std::string body = "",
                                 std::vector<net::Header> headers = {}) {
    net::HttpRequest request;
    request.method = std::move(method);
    request.url = "http://127.0.0.1:" + std::to_string(server_.port()) + path;
    request.body = std::move(body);
    request.headers = std::move(headers);
    request.headers.push_back({"Content-Type", "application/json"});
    request.timeout = milliseconds(10'000);
    std::optional<Result<net::HttpResponse>> outcome;
    client_->send(std::move(request),
                  [&](Result<net::HttpResponse> result) { outcome.emplace(std::move(result)); });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!outcome && std::chrono::steady_clock::now() < deadline) {
      loop_.run_once(milliseconds(20));
    }
    if (!outcome) return Error(ErrorCode::kInternal, "test: no callback");
    return std::move(*outcome);
  }

  Result<net::HttpResponse> chat(const Json& body, std::vector<net::Header> headers = {}) {
    return call("POST", "/v1/chat/completions", body.dump(), std::move(headers));
  }

  // The reply text of a 200 chat.completion, or what went wrong.
  std::string reply_of(const Result<net::HttpResponse>& response) {
    if (!response) return "error: " + response.error().message();
    if (response->status != 200) return "status " + std::to_string(response->status);
    Json json = Json::parse(response->body, nullptr, false);
    if (json.is_discarded()) return "not json";
    return json["choices"][0]["message"]["content"].get<std::string>();
  }

  // The OpenAI error object of a response, checked for shape.
  Json error_of(const net::HttpResponse& response) {
    Json json = Json::parse(response.body, nullptr, false);
    EXPECT_TRUE(json.is_object() && json.contains("error")) << response.body;
    if (!json.is_object() || !json.contains("error")) return Json::object();
    const Json& error = json["error"];
    for (const char* field : {"message", "type", "param", "code"}) {
      EXPECT_TRUE(error.contains(field)) << field << " missing in " << response.body;
    }
    EXPECT_TRUE(error["message"].is_string());
    return error;
  }

  EventLoop loop_;
  FakeOpenAiServer server_;
  std::unique_ptr<net::HttpClient> client_ = std::make_unique<net::HttpClient>(loop_);
};

TEST_F(FakeOpenAiServerTest, AnswersAChatCompletion) {
  EXPECT_EQ(server_.base_url(), "http://127.0.0.1:" + std::to_string(server_.port()) + "/v1");
  auto response = chat(user_chat("hello there"));
  ASSERT_TRUE(response) << response.error().message();
  ASSERT_EQ(response->status, 200) << response->body;
  Json json = Json::parse(response->body);
  EXPECT_EQ(json["object"], "chat.completion");
  EXPECT_TRUE(json["id"].is_string());
  EXPECT_TRUE(json["created"].is_number_integer());
  EXPECT_EQ(json["model"], "fake-model");
  EXPECT_EQ(json["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(json["choices"][0]["message"]["content"], "fake reply to: hello there");
  EXPECT_EQ(json["choices"][0]["finish_reason"], "stop");
  const Json& usage = json["usage"];
  EXPECT_GT(usage["prompt_tokens"].get<int>(), 0);
  EXPECT_GT(usage["completion_tokens"].get<int>(), 0);
  EXPECT_EQ(usage["total_tokens"].get<int>(),
            usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
  // Without the /v1 prefix too.
  auto bare = call("POST", "/chat/completions", user_chat("again").dump());
  EXPECT_EQ(reply_of(bare), "fake reply to: again");
}

TEST_F(FakeOpenAiServerTest, RulesMatchTheLastUserMessageFirstMatchWins) {
  server_.set_rules({{"weather", "sunny"}, {"the weather", "never chosen"}, {"joke", "knock"}});
  EXPECT_EQ(reply_of(chat(user_chat("what is the weather?"))), "sunny");
  EXPECT_EQ(reply_of(chat(user_chat("tell a joke"))), "knock");
  EXPECT_EQ(reply_of(chat(user_chat("nothing matches"))), "fake reply to: nothing matches");
  // Only the last user message counts, not earlier ones or other roles.
  Json conversation = {{"model", "m"},
                       {"messages", Json::array({Json{{"role", "user"}, {"content", "weather"}},
                                                 Json{{"role", "assistant"}, {"content", "joke"}},
                                                 Json{{"role", "user"}, {"content", "plain"}}})}};
  EXPECT_EQ(reply_of(chat(conversation)), "fake reply to: plain");
  // Content given as parts.
  Json parts = {
      {"model", "m"},
      {"messages",
       Json::array(
           {Json{{"role", "user"},
                 {"content", Json::array({Json{{"type", "text"}, {"text", "a joke please"}}})}}})}};
  EXPECT_EQ(reply_of(chat(parts)), "knock");
}

TEST_F(FakeOpenAiServerTest, MalformedRequestsGetOpenAiErrors) {
  struct Case {
    std::string body;
    std::string param;
  };
  for (const Case& bad :
       {Case{"{not json", ""}, Case{"[]", ""},
        Case{R"({"messages":[{"role":"user","content":"x"}]})", "model"},
        Case{R"({"model":"m"})", "messages"}, Case{R"({"model":"m","messages":[]})", "messages"},
        Case{R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", "messages[0].role"},
        Case{R"({"model":"m","messages":[{"role":"user","content":7}]})", "messages[0].content"}}) {
    auto response = call("POST", "/v1/chat/completions", bad.body);
    ASSERT_TRUE(response) << response.error().message();
    EXPECT_EQ(response->status, 400) << bad.body;
    Json error = error_of(*response);
    EXPECT_EQ(error["type"], "invalid_request_error");
    if (bad.param.empty()) {
      EXPECT_TRUE(error["param"].is_null()) << bad.body;
    } else {
      EXPECT_EQ(error["param"], bad.param) << bad.body;
    }
  }
  EXPECT_EQ(server_.request_count(), 7u);  // malformed requests are recorded too
  EXPECT_TRUE(server_.requests_by_last_user_message().empty());
}

TEST_F(FakeOpenAiServerTest, FaultsAreConsumedOnePerRequestInOrder) {
  server_.add_fault(Fault::http_status(429, 3));
  server_.add_fault(Fault::http_status(500));
  server_.add_fault(Fault::http_status(503));
  server_.add_fault(Fault::cut());
  server_.add_fault(Fault::hang(milliseconds(50)));
  server_.add_fault(Fault::drop());
  EXPECT_EQ(server_.pending_faults(), 6u);

  auto limited = chat(user_chat("a"));
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->header("retry-after").value_or(""), "3");
  EXPECT_EQ(error_of(*limited)["code"], "rate_limit_exceeded");

  auto internal = chat(user_chat("a"));
  ASSERT_TRUE(internal);
  EXPECT_EQ(internal->status, 500);
  EXPECT_EQ(error_of(*internal)["type"], "server_error");

  auto overloaded = chat(user_chat("a"));
  ASSERT_TRUE(overloaded);
  EXPECT_EQ(overloaded->status, 503);
  EXPECT_FALSE(overloaded->header("retry-after").has_value());

  auto cut = chat(user_chat("a"));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code(), ErrorCode::kUnavailable);

  // A hang shorter than the timeout still answers.
  EXPECT_EQ(reply_of(chat(user_chat("late"))), "fake reply to: late");

  // A drop on a fresh connection (a reused one would be retried by curl).
  client_ = std::make_unique<net::HttpClient>(loop_);
  auto dropped = chat(user_chat("a"));
  ASSERT_FALSE(dropped);
  EXPECT_EQ(dropped.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(server_.pending_faults(), 0u);

  EXPECT_EQ(reply_of(chat(user_chat("fine"))), "fake reply to: fine");
  EXPECT_EQ(server_.request_count(), 7u);
}

TEST_F(FakeOpenAiServerTest, ApiKeyIsRequiredWhenSet) {
  server_.set_api_key("sk-fake-key");
  auto missing = chat(user_chat("a"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(error_of(*missing)["code"], "invalid_api_key");

  auto wrong = chat(user_chat("a"), {{"Authorization", "Bearer sk-wrong-key"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(wrong->body.find("sk-wrong-key"), std::string::npos) << "never echoes the key";

  auto right = chat(user_chat("a"), {{"Authorization", "Bearer sk-fake-key"}});
  EXPECT_EQ(reply_of(right), "fake reply to: a");
}

TEST_F(FakeOpenAiServerTest, RecordsRequestsAndServesStats) {
  ASSERT_EQ(reply_of(chat(user_chat("one"), {{"X-Trace", "t-1"}})), "fake reply to: one");
  ASSERT_EQ(reply_of(chat(user_chat("two"))), "fake reply to: two");
  ASSERT_EQ(reply_of(chat(user_chat("two"))), "fake reply to: two");

  EXPECT_EQ(server_.request_count(), 3u);
  auto recorded = server_.requests();
  ASSERT_EQ(recorded.size(), 3u);
  EXPECT_EQ(recorded[0].path, "/v1/chat/completions");
  EXPECT_EQ(Json::parse(recorded[0].body), user_chat("one"));
  bool saw_trace = false;
  for (const auto& [name, value] : recorded[0].headers) {
    saw_trace |= name == "x-trace" && value == "t-1";
  }
  EXPECT_TRUE(saw_trace);
  auto by_message = server_.requests_by_last_user_message();
  EXPECT_EQ(by_message["one"], 1u);
  EXPECT_EQ(by_message["two"], 2u);

  auto stats = call("GET", "/stats");
  ASSERT_TRUE(stats);
  Json stats_json = Json::parse(stats->body);
  EXPECT_EQ(stats_json["requests"], 3);
  EXPECT_EQ(stats_json["requests_by_last_user_message"]["two"], 2);

  auto bodies = call("GET", "/requests");
  ASSERT_TRUE(bodies);
  Json bodies_json = Json::parse(bodies->body);
  ASSERT_TRUE(bodies_json.is_array());
  ASSERT_EQ(bodies_json.size(), 3u);
  EXPECT_EQ(bodies_json[1], user_chat("two"));

  server_.reset();
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(FakeOpenAiServerTest, ConfiguredOverHttp) {
  auto rules = call("POST", "/admin/rules", R"([{"match":"ping","reply":"pong"}])");
  ASSERT_TRUE(rules);
  EXPECT_EQ(rules->status, 200);
  auto faults = call("POST", "/admin/faults", R"([{"status":429,"retry_after":1},{"cut":true}])");
  ASSERT_TRUE(faults);
  EXPECT_EQ(faults->status, 200);
  EXPECT_EQ(server_.pending_faults(), 2u);
  auto latency = call("POST", "/admin/latency", R"({"ms":1})");
  ASSERT_TRUE(latency);
  EXPECT_EQ(latency->status, 200);

  auto bad = call("POST", "/admin/faults", R"([{"what":1}])");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  error_of(*bad);

  auto first = chat(user_chat("ping"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 429);
  EXPECT_FALSE(chat(user_chat("ping")));
  EXPECT_EQ(reply_of(chat(user_chat("ping"))), "pong");

  auto reset = call("POST", "/admin/reset", "{}");
  ASSERT_TRUE(reset);
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(FakeOpenAiServerTest, StreamsChunksWhenAsked) {
  Json request = user_chat("a b");
  request["stream"] = true;
  request["stream_options"] = {{"include_usage", true}};
  auto response = chat(request);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200);
  EXPECT_EQ(response->header("content-type").value_or(""), "text/event-stream");
  std::string text;
  bool saw_usage = false;
  bool saw_done = false;
  std::string_view body = response->body;
  for (std::size_t start = 0; start < body.size();) {
    std::size_t end = body.find("\n\n", start);
    ASSERT_NE(end, std::string_view::npos);
    std::string_view event = body.substr(start, end - start);
    start = end + 2;
    ASSERT_TRUE(event.starts_with("data: ")) << event;
    event.remove_prefix(6);
    if (event == "[DONE]") {
      saw_done = true;
      continue;
    }
    Json chunk = Json::parse(event);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    if (chunk.contains("usage")) saw_usage = true;
    if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("content")) {
      text += chunk["choices"][0]["delta"]["content"].get<std::string>();
    }
  }
  EXPECT_EQ(text, "fake reply to: a b");
  EXPECT_TRUE(saw_usage);
  EXPECT_TRUE(saw_done);
}

TEST_F(FakeOpenAiServerTest, StopWakesSlowHandlers) {
  server_.set_latency(milliseconds(60'000));
  int calls = 0;
  net::HttpRequest request;
  request.url = server_.base_url() + "/chat/completions";
  request.body = user_chat("slow").dump();
  client_->send(std::move(request), [&](Result<net::HttpResponse>) { ++calls; });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_.request_count() == 0 && std::chrono::steady_clock::now() < deadline) {
    loop_.run_once(milliseconds(20));
  }
  ASSERT_EQ(server_.request_count(), 1u);
  auto started = std::chrono::steady_clock::now();
  server_.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));  // anti-hang
  server_.stop();                                                                   // idempotent
}

TEST_F(FakeOpenAiServerTest, AnthropicMessagesAreValidatedAndAnswered) {
  const Json message = {{"model", "claude-sonnet-4-5"},
                        {"max_tokens", 100},
                        {"system", "be brief"},
                        {"messages", Json::array({Json{{"role", "user"}, {"content", "hi"}}})}};
  const std::vector<net::Header> version = {{"anthropic-version", "2023-06-01"}};
  auto answered = call("POST", "/v1/messages", message.dump(), version);
  ASSERT_TRUE(answered) << answered.error().message();
  ASSERT_EQ(answered->status, 200) << answered->body;
  const Json reply = Json::parse(answered->body);
  EXPECT_EQ(reply["type"], "message");
  EXPECT_EQ(reply["content"][0]["text"], "fake reply to: hi");
  EXPECT_EQ(reply["stop_reason"], "end_turn");
  EXPECT_GT(reply["usage"]["input_tokens"].get<int>(), 0);

  auto no_version = call("POST", "/v1/messages", message.dump());
  ASSERT_TRUE(no_version);
  EXPECT_EQ(no_version->status, 400);
  Json no_max_tokens = message;
  no_max_tokens.erase("max_tokens");
  auto missing = call("POST", "/v1/messages", no_max_tokens.dump(), version);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_EQ(Json::parse(missing->body)["error"]["type"], "invalid_request_error");
  Json system_role = message;
  system_role["messages"] = Json::array({Json{{"role", "system"}, {"content", "x"}}});
  auto wrong_role = call("POST", "/v1/messages", system_role.dump(), version);
  ASSERT_TRUE(wrong_role);
  EXPECT_EQ(wrong_role->status, 400);

  server_.set_api_key("sk-ant-fake");
  auto unauthorised = call("POST", "/v1/messages", message.dump(), version);
  ASSERT_TRUE(unauthorised);
  EXPECT_EQ(unauthorised->status, 401);
  EXPECT_EQ(Json::parse(unauthorised->body)["error"]["type"], "authentication_error");
  auto keyed = call("POST", "/v1/messages", message.dump(),
                    {{"anthropic-version", "2023-06-01"}, {"x-api-key", "sk-ant-fake"}});
  ASSERT_TRUE(keyed);
  EXPECT_EQ(keyed->status, 200);
}

TEST_F(FakeOpenAiServerTest, AnthropicStreamsItsEvents) {
  Json message = {{"model", "claude-sonnet-4-5"},
                  {"max_tokens", 100},
                  {"stream", true},
                  {"messages", Json::array({Json{{"role", "user"}, {"content", "a b"}}})}};
  auto response =
      call("POST", "/v1/messages", message.dump(), {{"anthropic-version", "2023-06-01"}});
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200);
  EXPECT_EQ(response->header("content-type").value_or(""), "text/event-stream");
  const std::string& body = response->body;
  EXPECT_EQ(body.rfind("event: message_start\n", 0), 0u) << body;
  EXPECT_NE(body.find("\"text_delta\""), std::string::npos);
  EXPECT_TRUE(body.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")) << body;
}

TEST_F(FakeOpenAiServerTest, AzureDeploymentsNeedAnApiVersionAndTheApiKeyHeader) {
  server_.set_api_key("azure-fake-key");
  const std::string path = "/openai/deployments/gpt4o/chat/completions";
  auto no_version = call("POST", path, user_chat("a").dump(), {{"api-key", "azure-fake-key"}});
  ASSERT_TRUE(no_version);
  EXPECT_EQ(no_version->status, 404);
  auto bearer = call("POST", path + "?api-version=2024-10-21", user_chat("a").dump(),
                     {{"Authorization", "Bearer azure-fake-key"}});
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 401);
  auto keyed = call("POST", path + "?api-version=2024-10-21", user_chat("a").dump(),
                    {{"api-key", "azure-fake-key"}});
  EXPECT_EQ(reply_of(keyed), "fake reply to: a");
  EXPECT_EQ(server_.requests().back().query, "api-version=2024-10-21");
}

TEST_F(FakeOpenAiServerTest, StreamFaultsAndRulesConfiguredOverHttp) {
  auto faults = call("POST", "/admin/faults",
                     R"([{"truncate": true}, {"malformed": true}, {"stream_error": 529},
                         {"stall_ms": 1}])");
  ASSERT_TRUE(faults);
  EXPECT_EQ(faults->status, 200) << faults->body;
  EXPECT_EQ(server_.pending_faults(), 4u);
  auto bad = call("POST", "/admin/faults", R"([{"stream_error": 200}])");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);

  Json request = user_chat("a b c d");
  request["stream"] = true;
  auto truncated = chat(request);
  ASSERT_TRUE(truncated);
  EXPECT_EQ(truncated->body.find("[DONE]"), std::string::npos);
  auto malformed = chat(request);
  ASSERT_TRUE(malformed);
  EXPECT_NE(malformed->body.find(
                "data: {\"id\": \"chatcmpl-fake\", \"choices\": [{\"delta\": {\"content\": \n\n"),
            std::string::npos);
  EXPECT_NE(malformed->body.find("[DONE]"), std::string::npos) << "the rest follows";
  auto errored = chat(request);
  ASSERT_TRUE(errored);
  EXPECT_NE(errored->body.find("data: {\"error\""), std::string::npos);
  EXPECT_EQ(errored->body.find("[DONE]"), std::string::npos);
  EXPECT_EQ(reply_of(chat(user_chat("stalled"))), "fake reply to: stalled");

  auto rules = call("POST", "/admin/rules", R"([{"match": "tool", "reply": "",
      "tool_calls": [{"name": "f", "arguments": {"x": 1}}], "cached_tokens": 3}])");
  ASSERT_TRUE(rules);
  ASSERT_EQ(rules->status, 200) << rules->body;
  auto tooled = chat(user_chat("use a tool"));
  ASSERT_TRUE(tooled);
  const Json reply = Json::parse(tooled->body);
  EXPECT_EQ(reply["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"x\":1}");
  EXPECT_EQ(reply["usage"]["prompt_tokens_details"]["cached_tokens"], 3);
}

}  // namespace
}  // namespace baton::fake
