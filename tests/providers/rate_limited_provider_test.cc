#include "src/providers/rate_limited_provider.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/net/http_client.h"
#include "src/providers/openai_provider.h"
#include "tests/fake_server/fake_openai_server.h"
#include "tests/providers/loop_helpers.h"
#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::make_call;
using testing::make_model;
using testing::run_until;

// The tests below bound what the server sees from above (never more than the limit in a
// window) or bound how long the sender took from below: a loaded machine only makes the sender
// slower, so neither can fail because the machine is busy.

std::vector<steady_clock::time_point> arrivals(const fake::FakeOpenAiServer& server) {
  std::vector<steady_clock::time_point> times;
  for (const fake::RecordedRequest& request : server.requests()) times.push_back(request.received);
  std::sort(times.begin(), times.end());
  return times;
}

// The most requests that arrived within any window of `width`.
std::size_t most_within(const std::vector<steady_clock::time_point>& times, milliseconds width) {
  std::size_t most = 0;
  for (std::size_t first = 0; first < times.size(); ++first) {
    std::size_t last = first;
    while (last < times.size() && times[last] - times[first] < width) ++last;
    most = std::max(most, last - first);
  }
  return most;
}

class RateLimitedProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<int> port = server_.start();
    ASSERT_TRUE(port) << port.error().message();
    // Every key variable the models name is set; the server takes any key.
    api_ = make_openai_provider(loop_, http_, [](std::string_view) -> std::optional<std::string> {
      return "sk-rate-limit-test";
    });
    RateLimitOptions options;
    options.key = [](const lang::Model& model) { return model.base_url + " " + model.api_key_env; };
    options.tokens = [](const ModelCall& call) { return std::int64_t(call.messages.size() * 10); };
    limited_ = std::make_unique<RateLimitedProvider>(loop_, *api_, std::move(options));
  }

  lang::Model model(std::string name, std::optional<std::int64_t> rpm) {
    lang::Model declared = make_model();
    declared.name = std::move(name);
    declared.base_url = server_.base_url();
    declared.api_key_env = "FAKE_KEY";
    if (rpm) declared.rate_limit = lang::RateLimit{rpm, std::nullopt};
    return declared;
  }

  void start(const ModelCall& call) {
    const std::size_t index = outcomes_.size();
    outcomes_.emplace_back();
    limited_->start(call, [this, index](ModelOutcome outcome) {
      outcomes_[index] = std::move(outcome);
      answered_at_.push_back(steady_clock::now());
    });
  }

  bool all_done() const {
    return std::all_of(outcomes_.begin(), outcomes_.end(),
                       [](const auto& outcome) { return outcome.has_value(); });
  }

  fake::FakeOpenAiServer server_;
  EventLoop loop_;
  net::HttpClient http_{loop_};
  std::unique_ptr<ModelProvider> api_;
  std::unique_ptr<RateLimitedProvider> limited_;
  std::vector<std::optional<ModelOutcome>> outcomes_;
  std::vector<steady_clock::time_point> answered_at_;
};

TEST_F(RateLimitedProviderTest, TheServerNeverSeesMoreThanTheLimitOfTheKey) {
  // Two models on one key: one declares 600 a minute (10 a second), the other nothing.
  lang::Model limited = model("limited", 600);
  lang::Model sharing = model("sharing", std::nullopt);
  limited_->declare(limited);
  limited_->declare(sharing);
  for (int i = 0; i < 20; ++i) {
    start(make_call(limited, "a" + std::to_string(i)));
    start(make_call(sharing, "b" + std::to_string(i)));
  }
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  for (const auto& outcome : outcomes_) {
    ASSERT_TRUE(outcome->reply) << outcome->reply.error().message();
  }
  const std::vector<steady_clock::time_point> times = arrivals(server_);
  ASSERT_EQ(times.size(), 40u);
  // At most a second's worth at once, then 10 a second; 2 of slack for the network's jitter.
  EXPECT_LE(most_within(times, milliseconds(1000)), 10u + 10u + 2u);
  EXPECT_LE(most_within(times, milliseconds(2000)), 10u + 20u + 2u);
  // 10 at once, the 30 others at 10 a second.
  EXPECT_GE(times.back() - times.front(), milliseconds(2700));
}

TEST_F(RateLimitedProviderTest, AnotherKeyIsNotHeld) {
  lang::Model limited = model("limited", 60);
  lang::Model other = model("other", std::nullopt);
  other.api_key_env = "OTHER_KEY";
  limited_->declare(limited);
  for (int i = 0; i < 10; ++i) start(make_call(other, std::to_string(i)));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  for (const auto& outcome : outcomes_) {
    ASSERT_TRUE(outcome->reply) << outcome->reply.error().message();
  }
  EXPECT_EQ(limited_->limiter_for(other), nullptr);
  EXPECT_EQ(server_.request_count(), 10u);
}

TEST_F(RateLimitedProviderTest, AStormOf429sSlowsTheSenderAndHonoursRetryAfter) {
  lang::Model limited = model("limited", 600);
  for (int i = 0; i < 5; ++i) server_.add_fault(fake::Fault::http_status(429, 1));
  for (int i = 0; i < 5; ++i) start(make_call(limited, "storm " + std::to_string(i)));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  for (const auto& outcome : outcomes_) {
    ASSERT_FALSE(outcome->reply);
    EXPECT_EQ(outcome->reply.error().code(), ErrorCode::kRateLimited);
  }
  ASSERT_NE(limited_->limiter_for(limited), nullptr);
  EXPECT_DOUBLE_EQ(limited_->limiter_for(limited)->speed(), 0.5) << "one storm, one halving";
  const steady_clock::time_point first_429 = answered_at_.front();

  server_.reset();
  for (int i = 0; i < 10; ++i) start(make_call(limited, "after " + std::to_string(i)));
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  const std::vector<steady_clock::time_point> times = arrivals(server_);
  ASSERT_EQ(times.size(), 10u);
  EXPECT_GE(times.front() - first_429, milliseconds(950)) << "Retry-After: 1";
  // At full speed the 10 would leave at once (a second's worth); at half speed 5 do, and the
  // others follow at 5 a second (6.25 once the first success brings the speed up an eighth).
  EXPECT_LE(most_within(times, milliseconds(100)), 5u + 1u);
  EXPECT_GE(times.back() - times.front(), milliseconds(500));
}

TEST_F(RateLimitedProviderTest, CancellingAWaitingCallSendsNothing) {
  lang::Model limited = model("limited", 60);
  start(make_call(limited, "first"));
  const ModelProvider::CallId second = limited_->start(make_call(limited, "second"), [](auto) {
    ADD_FAILURE() << "a cancelled call is not answered";
  });
  limited_->cancel(second);
  ASSERT_TRUE(run_until(loop_, [&] { return all_done(); }));
  testing::run_for(loop_, milliseconds(1200));
  EXPECT_EQ(server_.request_count(), 1u);
}

}  // namespace
}  // namespace baton::providers
