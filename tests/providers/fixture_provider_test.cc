#include "src/providers/fixture_provider.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "src/providers/openai_codec.h"
#include "tests/providers/loop_helpers.h"
#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using testing::make_call;
using testing::make_model;
using testing::run_for;
using testing::run_until;

std::shared_ptr<const Fixture> fixture_of(const char* text) {
  Result<Fixture> fixture = parse_fixture(text, "f.yaml");
  EXPECT_TRUE(fixture) << fixture.error().to_string();
  return std::make_shared<const Fixture>(fixture ? std::move(*fixture) : Fixture{});
}

class FixtureProviderTest : public ::testing::Test {
 protected:
  // Starts a call whose outcome lands in outcomes[index].
  ModelProvider::CallId start(ModelProvider& provider, const ModelCall& call) {
    const std::size_t index = outcomes_.size();
    outcomes_.emplace_back();
    return provider.start(call, [this, index](ModelOutcome outcome) {
      outcomes_[index] = std::move(outcome);
      order_.push_back(index);
    });
  }
  bool all_done() const {
    for (const auto& outcome : outcomes_) {
      if (!outcome) return false;
    }
    return true;
  }

  EventLoop loop_;
  lang::Model model_ = make_model();
  std::vector<std::optional<ModelOutcome>> outcomes_;
  std::vector<std::size_t> order_;
};

TEST_F(FixtureProviderTest, RepliesThroughTheLoopLikeTheOpenAiProvider) {
  model_.temperature = 0.5;
  auto provider = make_fixture_provider(loop_, fixture_of(R"(responses:
  - reply: "Hello there"
    usage: {input_tokens: 7, output_tokens: 2, cached_input_tokens: 3}
)"));
  const ModelCall call = make_call(model_);
  start(*provider, call);
  EXPECT_FALSE(outcomes_[0]) << "never inside start()";
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  const ModelOutcome& outcome = *outcomes_[0];
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "Hello there");
  EXPECT_EQ(outcome.reply->model, "gpt-4o-mini");
  EXPECT_EQ(outcome.reply->finish_reason, "stop");
  EXPECT_EQ(outcome.reply->usage.input_tokens, 7);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 2);
  EXPECT_EQ(outcome.reply->usage.cached_input_tokens, 3);
  EXPECT_EQ(outcome.request_json, *build_chat_request(call, TokenLimitField::kMaxCompletionTokens));
  // The recorded body reads back as the same reply, as a real one would.
  net::HttpResponse http;
  http.status = 200;
  http.body = outcome.response_body;
  const ModelOutcome reread = read_chat_response(http, std::chrono::system_clock::now());
  ASSERT_TRUE(reread.reply);
  EXPECT_EQ(reread.reply->text, "Hello there");
  EXPECT_EQ(reread.reply->usage.cached_input_tokens, 3);
}

TEST_F(FixtureProviderTest, StreamedCallGetsTheReplyAsOneDeltaFirst) {
  auto provider = make_fixture_provider(loop_, fixture_of(R"(responses:
  - reply: "Hello there"
)"));
  ModelCall call = make_call(model_);
  std::vector<std::string> deltas;
  call.on_delta = [&](std::string_view text) {
    EXPECT_FALSE(outcomes_[0]) << "the delta comes before the outcome";
    deltas.emplace_back(text);
  };
  start(*provider, call);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_TRUE(outcomes_[0]->reply);
  EXPECT_EQ(deltas, std::vector<std::string>{"Hello there"});
}

TEST_F(FixtureProviderTest, EstimatesUsageWhenNotGiven) {
  auto provider = make_fixture_provider(loop_, fixture_of("responses:\n  - reply: abcdefghi\n"));
  start(*provider, make_call(model_, "12345"));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_TRUE(outcomes_[0]->reply);
  EXPECT_EQ(outcomes_[0]->reply->usage.input_tokens, 5);  // 19 characters
  EXPECT_EQ(outcomes_[0]->reply->usage.output_tokens, 3);
}

TEST_F(FixtureProviderTest, LatencyDelaysTheReplyOnTheLoop) {
  auto provider = make_fixture_provider(loop_, fixture_of(R"(responses:
  - match: slow
    reply: slow one
    latency_ms: 80
  - reply: fast one
)"));
  const auto started = std::chrono::steady_clock::now();
  start(*provider, make_call(model_, "slow please"));
  start(*provider, make_call(model_, "quick"));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(80));
  EXPECT_EQ(order_, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(outcomes_[0]->reply->text, "slow one");
}

TEST_F(FixtureProviderTest, RehearsedErrorsThenTheReply) {
  auto provider = make_fixture_provider(loop_, fixture_of(R"(responses:
  - error: rate_limited
    times: 1
  - error: unavailable
    times: 1
  - error: timeout
    times: 1
  - reply: finally
)"));
  for (int attempt = 0; attempt < 4; ++attempt) start(*provider, make_call(model_));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_FALSE(outcomes_[0]->reply);
  EXPECT_EQ(outcomes_[0]->reply.error().code(), ErrorCode::kRateLimited);
  EXPECT_NE(outcomes_[0]->reply.error().message().find("f.yaml:2"), std::string::npos);
  EXPECT_NE(outcomes_[0]->response_body.find("\"error\""), std::string::npos);
  EXPECT_EQ(outcomes_[1]->reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(outcomes_[2]->reply.error().code(), ErrorCode::kTimeout);
  EXPECT_EQ(outcomes_[2]->response_body, "");
  ASSERT_TRUE(outcomes_[3]->reply);
  EXPECT_EQ(outcomes_[3]->reply->text, "finally");
  EXPECT_FALSE(outcomes_[0]->request_json.empty());
}

TEST_F(FixtureProviderTest, TimesAreCountedPerProvider) {
  const auto fixture =
      fixture_of("responses:\n  - error: unavailable\n    times: 1\n  - reply: ok\n");
  auto first = make_fixture_provider(loop_, fixture);
  auto second = make_fixture_provider(loop_, fixture);
  start(*first, make_call(model_));
  start(*second, make_call(model_));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  EXPECT_EQ(outcomes_[0]->reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(outcomes_[1]->reply.error().code(), ErrorCode::kUnavailable);
}

TEST_F(FixtureProviderTest, NoMatchFailsThroughTheCallback) {
  auto provider =
      make_fixture_provider(loop_, fixture_of("responses:\n  - step: a\n    reply: x\n"));
  start(*provider, make_call(model_, "Hello", "b"));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  ASSERT_FALSE(outcomes_[0]->reply);
  EXPECT_EQ(outcomes_[0]->reply.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(outcomes_[0]->reply.error().message(),
            "fixture f.yaml has no response for step 'b' (last user message starts: 'Hello')");
}

TEST_F(FixtureProviderTest, CancelledCallsNeverCallBack) {
  auto provider = make_fixture_provider(loop_, fixture_of(R"(responses:
  - match: slow
    reply: slow
    latency_ms: 30
  - reply: fast
)"));
  const auto slow = start(*provider, make_call(model_, "slow"));
  const auto fast = start(*provider, make_call(model_, "fast"));
  start(*provider, make_call(model_, "kept"));
  provider->cancel(slow);
  provider->cancel(fast);
  provider->cancel(9999);  // unknown: ignored
  ASSERT_TRUE(run_until(loop_, [&] { return outcomes_[2].has_value(); }));
  run_for(loop_, std::chrono::milliseconds(60));
  EXPECT_FALSE(outcomes_[0]);
  EXPECT_FALSE(outcomes_[1]);
}

TEST_F(FixtureProviderTest, DestroyingTheProviderDropsItsCalls) {
  auto provider = make_fixture_provider(loop_, fixture_of(R"(responses:
  - match: slow
    reply: slow
    latency_ms: 20
  - reply: fast
)"));
  start(*provider, make_call(model_, "slow"));
  start(*provider, make_call(model_, "fast"));
  provider.reset();
  run_for(loop_, std::chrono::milliseconds(50));
  EXPECT_FALSE(outcomes_[0]);
  EXPECT_FALSE(outcomes_[1]);
}

TEST_F(FixtureProviderTest, ACallbackMayStartTheNextCall) {
  auto provider = make_fixture_provider(loop_, fixture_of("responses:\n  - reply: again\n"));
  int calls = 0;
  const ModelCall call = make_call(model_);
  std::function<void(ModelOutcome)> chain = [&](ModelOutcome) {
    if (++calls < 3) provider->start(call, chain);
  };
  provider->start(call, chain);
  ASSERT_TRUE(run_until(loop_, [&] { return calls == 3; }));
}

}  // namespace
}  // namespace baton::providers
