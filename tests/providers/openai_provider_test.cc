#include "src/providers/openai_provider.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fake_server/fake_openai_server.h"
#include "tests/providers/loop_helpers.h"
#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using testing::make_call;
using testing::make_model;
using testing::run_for;
using testing::run_until;

constexpr const char* kKey = "sk-test-5e3b1f0c9d7a";

EnvLookup env_of(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

// Every string of an outcome, for "the key is nowhere" checks.
std::vector<std::string> strings_of(const ModelOutcome& outcome) {
  std::vector<std::string> strings = {outcome.request_json, outcome.response_body};
  if (outcome.reply) {
    strings.push_back(outcome.reply->text);
    strings.push_back(outcome.reply->model);
    strings.push_back(outcome.reply->finish_reason);
  } else {
    strings.push_back(outcome.reply.error().message());
    strings.push_back(outcome.reply.error().to_string());
  }
  return strings;
}

class OpenAiProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<int> port = server_.start();
    ASSERT_TRUE(port) << port.error().message();
    model_.base_url = server_.base_url();
    provider_ = make_openai_provider(loop_, http_, env_of({{"OPENAI_API_KEY", kKey}}));
  }

  // Starts a call whose outcome lands in outcomes_[index].
  ModelProvider::CallId start(const ModelCall& call, ModelProvider* provider = nullptr) {
    const std::size_t index = outcomes_.size();
    outcomes_.emplace_back();
    return (provider ? *provider : *provider_).start(call, [this, index](ModelOutcome outcome) {
      outcomes_[index] = std::move(outcome);
    });
  }
  bool all_done() const {
    for (const auto& outcome : outcomes_) {
      if (!outcome) return false;
    }
    return true;
  }
  const ModelOutcome& run_one(const ModelCall& call) {
    start(call);
    EXPECT_TRUE(run_until(loop_, [&] { return all_done(); }));
    return *outcomes_.back();
  }

  fake::FakeOpenAiServer server_;
  EventLoop loop_;
  net::HttpClient http_{loop_};
  lang::Model model_ = make_model();
  std::unique_ptr<ModelProvider> provider_;
  std::vector<std::optional<ModelOutcome>> outcomes_;
};

TEST_F(OpenAiProviderTest, Replies) {
  model_.max_tokens = 64;
  const ModelCall call = make_call(model_, "Say hello");
  start(call);
  EXPECT_FALSE(outcomes_[0]) << "never inside start()";
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  const ModelOutcome& outcome = *outcomes_[0];
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "fake reply to: Say hello");
  EXPECT_EQ(outcome.reply->model, "gpt-4o-mini");
  EXPECT_EQ(outcome.reply->finish_reason, "stop");
  EXPECT_GT(outcome.reply->usage.input_tokens, 0);
  EXPECT_GT(outcome.reply->usage.output_tokens, 0);
  EXPECT_NE(outcome.response_body.find("chat.completion"), std::string::npos);

  const std::vector<fake::RecordedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/v1/chat/completions");
  EXPECT_EQ(requests[0].body, outcome.request_json);
  EXPECT_NE(outcome.request_json.find("\"max_tokens\":64"), std::string::npos)
      << "not api.openai.com: the classic field";
  std::map<std::string, std::string> headers(requests[0].headers.begin(),
                                             requests[0].headers.end());
  EXPECT_EQ(headers["authorization"], std::string("Bearer ") + kKey);
  EXPECT_EQ(headers["content-type"], "application/json");
}

TEST_F(OpenAiProviderTest, RateLimitedWithRetryAfter) {
  server_.add_fault(fake::Fault::http_status(429, 2));
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(outcome.retry_after, std::chrono::milliseconds(2000));
  EXPECT_FALSE(outcome.request_json.empty());
  EXPECT_FALSE(outcome.response_body.empty());
}

TEST_F(OpenAiProviderTest, ServerErrorIsUnavailable) {
  server_.add_fault(fake::Fault::http_status(500));
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable);
}

TEST_F(OpenAiProviderTest, WrongKeyIsUnauthenticatedAndNeverEchoed) {
  server_.set_api_key("sk-the-right-one");
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(outcome.reply.error().message().find("OPENAI_API_KEY"), std::string::npos)
      << outcome.reply.error().message();
  for (const std::string& text : strings_of(outcome)) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
  }
}

TEST_F(OpenAiProviderTest, KeyIsScrubbedEvenWhenTheServerEchoesIt) {
  // The fake echoes the prompt: a key pasted into a prompt must not reach the journal either.
  const ModelOutcome& outcome = run_one(make_call(model_, std::string("my key is ") + kKey));
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "fake reply to: my key is [redacted]");
  for (const std::string& text : strings_of(outcome)) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
  }
}

TEST_F(OpenAiProviderTest, HangIsATimeout) {
  server_.add_fault(fake::Fault::hang(std::chrono::seconds(5)));
  ModelCall call = make_call(model_);
  call.timeout = std::chrono::milliseconds(200);
  const ModelOutcome& outcome = run_one(call);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kTimeout) << outcome.reply.error().message();
}

TEST_F(OpenAiProviderTest, DroppedConnectionIsUnavailable) {
  server_.add_fault(fake::Fault::drop());
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable)
      << outcome.reply.error().message();
}

TEST_F(OpenAiProviderTest, RefusedConnectionIsUnavailable) {
  const std::string base_url = server_.base_url();
  server_.stop();
  model_.base_url = base_url;
  const ModelOutcome& outcome = run_one(make_call(model_));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable)
      << outcome.reply.error().message();
}

TEST_F(OpenAiProviderTest, CancelledCallNeverCallsBack) {
  server_.set_latency(std::chrono::milliseconds(100));
  const auto cancelled = start(make_call(model_, "first"));
  start(make_call(model_, "second"));
  provider_->cancel(cancelled);
  provider_->cancel(12345);  // unknown: ignored
  ASSERT_TRUE(run_until(loop_, [&] { return outcomes_[1].has_value(); }));
  run_for(loop_, std::chrono::milliseconds(200));
  EXPECT_FALSE(outcomes_[0]);
}

TEST_F(OpenAiProviderTest, DestroyingTheProviderDropsItsCalls) {
  server_.set_latency(std::chrono::milliseconds(50));
  start(make_call(model_));
  provider_.reset();
  run_for(loop_, std::chrono::milliseconds(200));
  EXPECT_FALSE(outcomes_[0]);
}

TEST_F(OpenAiProviderTest, MissingKeyForOpenAiFailsThroughTheCallback) {
  auto keyless = make_openai_provider(loop_, http_, env_of({}));
  lang::Model openai = make_model();  // no base_url: api.openai.com, never contacted here
  start(make_call(openai), keyless.get());
  EXPECT_FALSE(outcomes_[0]);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_FALSE(outcomes_[0]->reply);
  EXPECT_EQ(outcomes_[0]->reply.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(outcomes_[0]->reply.error().message().find("OPENAI_API_KEY"), std::string::npos);
  // Cancelling such a call before the loop turns silences it too.
  keyless->cancel(start(make_call(openai), keyless.get()));
  run_for(loop_, std::chrono::milliseconds(50));
  EXPECT_FALSE(outcomes_[1]);
}

TEST_F(OpenAiProviderTest, LocalServerWithoutAKeySendsNoAuthorization) {
  auto keyless = make_openai_provider(loop_, http_, env_of({}));
  start(make_call(model_), keyless.get());
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_TRUE(outcomes_[0]->reply) << outcomes_[0]->reply.error().message();
  const std::vector<fake::RecordedRequest> requests = server_.requests();
  for (const auto& [name, value] : requests.at(0).headers) {
    EXPECT_NE(name, "authorization");
  }
}

TEST_F(OpenAiProviderTest, TwoHundredConcurrentCallsOnOneLoop) {
  server_.set_latency(std::chrono::milliseconds(100));
  constexpr int kCalls = 200;
  for (int index = 0; index < kCalls; ++index) {
    start(make_call(model_, "message " + std::to_string(index)));
  }
  ASSERT_TRUE(run_until(
      loop_, [&] { return all_done(); }, std::chrono::seconds(60)));
  for (int index = 0; index < kCalls; ++index) {
    ASSERT_TRUE(outcomes_[index]->reply) << outcomes_[index]->reply.error().message();
    EXPECT_EQ(outcomes_[index]->reply->text, "fake reply to: message " + std::to_string(index));
  }
  EXPECT_EQ(server_.request_count(), static_cast<std::size_t>(kCalls));
}

}  // namespace
}  // namespace baton::providers
