// The workflow's budget: a call whose worst case could break it is not sent, even with many
// calls in flight; the run pauses at its budget until it is raised; a budget that cannot be kept
// is refused before the run starts.
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

TEST_F(BudgetTest, CallsInFlightHoldTheirWorstCaseSoTheOthersWaitForThem) {
  server_.set_latency(std::chrono::milliseconds(100));
  auto engine = open();
  RunSummary summary = start_and_run(*engine, fan_out("{tokens: 300}"));
  // Two worst cases fit at a time; the others are sent as those settle, for less.
  EXPECT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 5u);
  EXPECT_EQ(server_.max_in_flight(), 2u);
  EXPECT_LE(summary.usage.input_tokens + summary.usage.output_tokens, 300);
}

TEST_F(BudgetTest, MoneyBudgetHoldsWithFiftyCallsInFlight) {
  server_.set_latency(std::chrono::milliseconds(50));
  auto engine = open();
  // $0.001 a token and about 110 tokens of worst case: $0.11 a call, so $2.80 holds 25 of them.
  RunSummary summary = start_and_run(*engine, R"(
name: spend
models:
  paid: {provider: openai, model: m, max_tokens: 100, price: {input: 1000, output: 1000}}
defaults: {model: paid}
budget: {usd: 2.80}
steps:
  each:
    for_each: "{{ range(50) | list }}"
    prompt: "Item {{ item }}"
)");
  // The answers are short (about $0.01 each): all fit, but never more than 25 at once.
  EXPECT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 50u);
  EXPECT_LE(summary.cost_usd, 2.80);
  EXPECT_LE(server_.max_in_flight(), 25u);
  EXPECT_GE(server_.max_in_flight(), 20u);
}

TEST_F(BudgetTest, TheRunPausesAtItsBudgetAndGoesOnWhenItIsRaised) {
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: spend
models:
  paid: {provider: openai, model: m, max_tokens: 100, price: {input: 1000, output: 1000}}
defaults: {model: paid}
budget: {tokens: 300}
steps:
  each:
    for_each: "{{ range(20) | list }}"
    prompt: "Item {{ item }}"
  after: {value: "{{ each.output | length }}"}
outputs:
  answered: "{{ after.output }}"
)");
  RunSummary paused = run(*engine, run_id);
  ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
  const std::size_t sent = server_.request_count();
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, 20u);
  EXPECT_LE(paused.usage.input_tokens + paused.usage.output_tokens, 300);
  EXPECT_TRUE(paused.waiting.empty());
  ASSERT_FALSE(paused.over_budget.empty());
  RunDetail details = detail(*engine, run_id);
  const StepInfo* waiting = find_step(details, "each", 19);
  ASSERT_NE(waiting, nullptr);
  EXPECT_EQ(waiting->status, "waiting");
  EXPECT_NE(waiting->result_json.find("budget: this call could use up to"), std::string::npos)
      << waiting->result_json;
  // It waits for money, not for a decision.
  Status decided = engine->decide(run_id, paused.over_budget.front(), Decision{});
  ASSERT_FALSE(decided);
  EXPECT_NE(decided.error().message().find("--budget-usd"), std::string::npos);

  ASSERT_TRUE(engine->set_budget(run_id, BudgetLimits{std::nullopt, 10'000}));
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  EXPECT_EQ(server_.request_count(), 20u);  // nothing that was answered is asked again
  EXPECT_EQ(finished.outputs_json, "{\"answered\":20}");
}

TEST_F(BudgetTest, ARunBudgetNeedsWhatAWorkflowBudgetNeeds) {
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: free
models:
  open: {provider: openai, model: my-own-model}
steps:
  x: {model: open, prompt: hi}
)");
  Status refused = engine->set_budget(run_id, BudgetLimits{1.0, std::nullopt});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("model 'open' has no price"), std::string::npos)
      << refused.error().message();
  EXPECT_FALSE(engine->set_budget(run_id, BudgetLimits{-1.0, std::nullopt}));
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
