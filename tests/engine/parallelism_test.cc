// Independent steps run together; the global and per-model concurrency limits cap them. The
// evidence is the fake server's peak of requests in flight at once, with a latency long enough
// for them to overlap.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using std::chrono::milliseconds;
using ParallelismTest = EngineTest;

// `count` independent prompt steps, s0 ... s{count-1}, on `model`.
std::string independent_steps(int count, const std::string& model = "fast") {
  std::string yaml;
  for (int i = 0; i < count; ++i) {
    yaml += "  s" + std::to_string(i) + ":\n    model: " + model + "\n    prompt: \"Part " +
            std::to_string(i) + "\"\n";
  }
  return yaml;
}

TEST_F(ParallelismTest, IndependentPromptStepsAreInFlightTogether) {
  server_.set_latency(milliseconds(200));
  auto engine = open();
  RunSummary summary =
      start_and_run(*engine, std::string(kModels) + "name: wide\nsteps:\n" + independent_steps(4));
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 4u);
  EXPECT_EQ(server_.max_in_flight(), 4u);
}

TEST_F(ParallelismTest, DependentStepsWaitForWhatTheyRead) {
  server_.set_latency(milliseconds(50));
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: chain
steps:
  a:
    prompt: "one"
  b:
    prompt: "two after {{ a.output }}"
  c:
    prompt: "three after {{ b.output }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 3u);
  EXPECT_EQ(server_.max_in_flight(), 1u);
}

TEST_F(ParallelismTest, GlobalConcurrencyCapsCallsInFlight) {
  server_.set_latency(milliseconds(100));
  EngineOptions options = this->options();
  options.concurrency = 2;
  auto engine = open(std::move(options));
  RunSummary summary = start_and_run(
      *engine, std::string(kModels) + "name: capped\nsteps:\n" + independent_steps(6));
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 6u);
  EXPECT_EQ(server_.max_in_flight(), 2u);
}

TEST_F(ParallelismTest, ModelConcurrencyCapsItsCalls) {
  server_.set_latency(milliseconds(100));
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: per_model
models:
  slow: {provider: openai, model: gpt-slow, concurrency: 3}
steps:
)" + independent_steps(7, "slow"));
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 7u);
  EXPECT_EQ(server_.max_in_flight(), 3u);
}

TEST_F(ParallelismTest, ModelConcurrencyCapsForEachItems) {
  server_.set_latency(milliseconds(100));
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: per_model_fan_out
models:
  slow: {provider: openai, model: gpt-slow, concurrency: 2}
steps:
  parts:
    for_each: [a, b, c, d, e]
    model: slow
    prompt: "Part {{ item }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 5u);
  EXPECT_EQ(server_.max_in_flight(), 2u);
}

TEST_F(ParallelismTest, ModelLimitDoesNotHoldBackOtherModels) {
  server_.set_latency(milliseconds(200));
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: two_models
models:
  slow: {provider: openai, model: gpt-slow, concurrency: 1}
  fast: {provider: openai, model: gpt-fast}
steps:
)" + independent_steps(3, "slow") + R"(
  f0:
    model: fast
    prompt: "Fast 0"
  f1:
    model: fast
    prompt: "Fast 1"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 5u);
  EXPECT_EQ(server_.max_in_flight(), 3u);
}

TEST_F(ParallelismTest, CommandsCountTowardTheGlobalLimit) {
  server_.set_latency(milliseconds(300));
  EngineOptions options = this->options();
  options.concurrency = 2;
  auto engine = open(std::move(options));
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: mixed
steps:
  wait:
    run: ["sleep", "0.3"]
)" + independent_steps(3));
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 3u);
  EXPECT_LE(server_.max_in_flight(), 2u);
}

}  // namespace
}  // namespace baton::engine_test
