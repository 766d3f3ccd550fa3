// What calls cost with prompt caching: cached input at its own price, Anthropic's cache writes
// dearer, and the per-step, per-model and per-run figures of a run's detail.
#include <cmath>

#include "src/engine/price_table.h"
#include "src/engine/run_records.h"
#include "src/lang/loader.h"
#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using engine::call_cost_usd;

lang::Model priced(double input, double output, double cached_input,
                   std::optional<double> cache_write = std::nullopt) {
  lang::Model model;
  model.name = "m";
  model.price = lang::Price{input, output, cached_input, cache_write};
  return model;
}

TEST(CallCostTest, CachedInputCostsTheCachedPrice) {
  // gpt-4o: 10,000 input tokens of which 4,000 cached, 500 output:
  // 6,000 x $2.50 + 4,000 x $1.25 + 500 x $10 = $15,000 + $5,000 + $5,000 per million = $0.025
  EXPECT_NEAR(call_cost_usd(priced(2.50, 10.00, 1.25), 10'000, 500, 4'000), 0.025, 1e-12);
}

TEST(CallCostTest, AnthropicCacheWritesCostAQuarterMoreThanInputUnlessPriced) {
  // claude-sonnet-4-5: 1,000 uncached + 20,000 read + 5,000 written = 26,000 input, 800 output:
  // 1,000 x $3 + 20,000 x $0.30 + 5,000 x $3.75 + 800 x $15
  //   = 3,000 + 6,000 + 18,750 + 12,000 = 39,750 per million = $0.03975
  EXPECT_NEAR(call_cost_usd(priced(3, 15, 0.30), 26'000, 800, 20'000, 5'000), 0.03975, 1e-12);
  // With cache_write: $6 (the one-hour cache): 3,000 + 6,000 + 30,000 + 12,000 = $0.051
  EXPECT_NEAR(call_cost_usd(priced(3, 15, 0.30, 6.0), 26'000, 800, 20'000, 5'000), 0.051, 1e-12);
}

TEST(CallCostTest, WithoutCachedTokensOnlyInputAndOutputCount) {
  EXPECT_NEAR(call_cost_usd(priced(0.15, 0.60, 0.075), 2'000, 1'000), 0.0009, 1e-12);
  lang::Model unpriced;
  EXPECT_EQ(call_cost_usd(unpriced, 2'000, 1'000, 500), 0);
}

TEST(CallCostTest, AWorkflowPriceWithoutCachedInputChargesCachedTokensAsInput) {
  lang::LoadResult loaded = lang::load_workflow(R"(
name: prices
models:
  m: {provider: openai, model: x, price: {input: 2, output: 8}}
  w: {provider: anthropic, model: y, price: {input: 3, output: 15, cached_input: 0.3, cache_write: 6}}
steps:
  s: {model: m, prompt: hi}
)",
                                                "prices.yaml");
  ASSERT_TRUE(loaded.ok());
  const lang::Model& m = *loaded.workflow->find_model("m");
  // 1,000 input (500 cached) x $2 + 100 x $8 = 2,800 per million
  EXPECT_NEAR(call_cost_usd(m, 1'000, 100, 500), 0.0028, 1e-12);
  const lang::Model& w = *loaded.workflow->find_model("w");
  ASSERT_TRUE(w.price->cache_write);
  EXPECT_DOUBLE_EQ(*w.price->cache_write, 6);
}

TEST(CallCostTest, APricesFileMayGiveCacheWrites) {
  Result<engine::PriceTable> table = engine::PriceTable::parse(
      "models: {claude-x: {input: 3, output: 15, cached_input: 0.3, cache_write: 3.75}}", "p.yaml");
  ASSERT_TRUE(table) << table.error().message();
  std::optional<lang::Price> price = table->find("claude-x");
  ASSERT_TRUE(price && price->cache_write);
  EXPECT_DOUBLE_EQ(*price->cache_write, 3.75);
}

class CostDetailTest : public EngineTest {};

TEST_F(CostDetailTest, TheDetailCostsEachAttemptStepAndModelWithCachedTokens) {
  fake::ReplyRule cached("Summarize", "A summary.");
  cached.cached_tokens = 4;
  server_.set_rules({cached});
  auto engine = open();
  const RunSummary summary = start_and_run(*engine, R"(
name: costs
models:
  fast: {provider: openai, model: gpt-test, price: {input: 2.5, output: 10, cached_input: 1.25}}
defaults: {model: fast}
steps:
  a: {prompt: "Summarize this"}
  b: {prompt: "Say hi"}
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  const RunDetail run_detail = detail(*engine, summary.id);
  const StepInfo* a = find_step(run_detail, "a");
  const StepInfo* b = find_step(run_detail, "b");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->attempts.size(), 1u);
  const Usage& usage = a->attempts[0].usage;
  EXPECT_EQ(usage.cached_input_tokens, 4);
  ASSERT_GT(usage.input_tokens, 4);
  const double expected_a =
      ((usage.input_tokens - 4) * 2.5 + 4 * 1.25 + usage.output_tokens * 10.0) / 1e6;
  EXPECT_NEAR(a->attempts[0].cost_usd, expected_a, 1e-12);
  EXPECT_NEAR(a->cost_usd, expected_a, 1e-12);
  EXPECT_EQ(a->usage.cached_input_tokens, 4);
  const Usage& plain = b->attempts[0].usage;
  EXPECT_EQ(plain.cached_input_tokens, 0);
  const double expected_b = (plain.input_tokens * 2.5 + plain.output_tokens * 10.0) / 1e6;
  EXPECT_NEAR(b->cost_usd, expected_b, 1e-12);

  ASSERT_EQ(run_detail.models.size(), 1u);
  EXPECT_EQ(run_detail.models[0].model, "fast");
  EXPECT_EQ(run_detail.models[0].calls, 2);
  EXPECT_EQ(run_detail.models[0].usage.cached_input_tokens, 4);
  EXPECT_NEAR(run_detail.models[0].cost_usd, expected_a + expected_b, 1e-12);
  EXPECT_NEAR(summary.cost_usd, expected_a + expected_b, 1e-12);
  EXPECT_NEAR(run_detail.summary.cost_usd, expected_a + expected_b, 1e-12);
}

}  // namespace
}  // namespace baton::engine_test
