// The workflow's budget: a call whose worst case could break it is not sent, even with many
// calls in flight; a budget that cannot be kept is refused before the run starts.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using BudgetTest = EngineTest;

// Five items, each reserving about 110 tokens (a short prompt and max_tokens 100), all ready
// at once: only the calls that fit the budget beside those already in flight are sent.
std::string fan_out(const std::string& budget) {
  return R"(
name: spend
models:
  paid: {provider: openai, model: m, max_tokens: 100, price: {input: 1000, output: 1000}}
defaults: {model: paid}
budget: )" +
         budget +
         R"(
steps:
  each:
    for_each: [1, 2, 3, 4, 5]
    as: n
    prompt: "Item {{ n }}"
)";
}

TEST_F(BudgetTest, TokenBudgetHoldsWithCallsInFlight) {
  server_.set_latency(std::chrono::milliseconds(100));
  auto engine = open();
  RunSummary summary = start_and_run(*engine, fan_out("{tokens: 300}"));
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_LE(summary.usage.input_tokens + summary.usage.output_tokens, 300);
  RunDetail details = detail(*engine, summary.id);
  const StepInfo* refused = find_step(details, "each", 2);
  ASSERT_NE(refused, nullptr);
  EXPECT_NE(refused->error.find("budget: this call could use up to"), std::string::npos)
      << refused->error;
  EXPECT_TRUE(refused->attempts.empty());
}

TEST_F(BudgetTest, MoneyBudgetHoldsWithCallsInFlight) {
  server_.set_latency(std::chrono::milliseconds(100));
  auto engine = open();
  // $0.001 a token: each call may cost about $0.11.
  RunSummary summary = start_and_run(*engine, fan_out("{usd: 0.25}"));
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_LE(summary.cost_usd, 0.25);
  EXPECT_NE(summary.error.find("budget"), std::string::npos) << summary.error;
}

TEST_F(BudgetTest, ReservationsAreReleasedWhenCallsEnd) {
  // In a chain, each call's reservation is released when it ends: both calls fit in turn.
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: chain
models:
  paid: {provider: openai, model: m, max_tokens: 100, price: {input: 1000, output: 1000}}
defaults: {model: paid}
budget: {usd: 0.15}
steps:
  a: {prompt: "A"}
  b: {prompt: "B {{ a.output | length }}"}
)");
  EXPECT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_LE(summary.cost_usd, 0.15);
}

TEST_F(BudgetTest, ABudgetNeedsPricesAndMaxTokens) {
  auto engine = open();
  Result<std::string> no_price = engine->start_run(write_file("a.yaml", R"(
name: a
models:
  free: {provider: openai, model: m, max_tokens: 10}
budget: {usd: 1}
steps:
  x: {model: free, prompt: hi}
)"),
                                                   {});
  ASSERT_FALSE(no_price);
  EXPECT_NE(no_price.error().message().find("model 'free' has no price"), std::string::npos);

  Result<std::string> no_max = engine->start_run(write_file("b.yaml", R"(
name: b
models:
  open: {provider: openai, model: m}
budget: {tokens: 1000}
steps:
  x: {model: open, prompt: hi}
)"),
                                                 {});
  ASSERT_FALSE(no_max);
  EXPECT_NE(no_max.error().message().find("model 'open' has no max_tokens"), std::string::npos);
  EXPECT_EQ(server_.request_count(), 0u);
}

}  // namespace
}  // namespace baton::engine_test
