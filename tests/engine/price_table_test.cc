// The price table: Baton's built-in prices, the user's file on top, how model names match, and
// what a run costs with them.
#include "src/engine/price_table.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using engine::PriceTable;

TEST(PriceTableTest, TheBuiltInTableParsesAndKnowsTheCommonModels) {
  Result<PriceTable> parsed = PriceTable::parse(
      R"(models: {gpt-4o-mini: {input: 0.15, output: 0.60, cached_input: 0.075}})", "t.yaml");
  ASSERT_TRUE(parsed) << parsed.error().message();
  const PriceTable& builtin = PriceTable::builtin();
  EXPECT_GT(builtin.size(), 20u);
  for (const char* model : {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3", "claude-sonnet-4",
                            "claude-3-5-haiku", "llama3.1"}) {
    EXPECT_TRUE(builtin.find(model)) << model;
  }
  std::optional<lang::Price> mini = builtin.find("gpt-4o-mini");
  ASSERT_TRUE(mini);
  EXPECT_DOUBLE_EQ(mini->input, 0.15);
  EXPECT_DOUBLE_EQ(mini->output, 0.60);
  EXPECT_DOUBLE_EQ(mini->cached_input, 0.075);
}

TEST(PriceTableTest, NamesMatchSnapshotsVendorPrefixesAndTags) {
  Result<PriceTable> table = PriceTable::parse(R"(
models:
  gpt-4o: {input: 2.5, output: 10}
  gpt-4o-mini: {input: 0.15, output: 0.6}
  llama3.1: {input: 0, output: 0}
)",
                                               "t.yaml");
  ASSERT_TRUE(table) << table.error().message();
  EXPECT_DOUBLE_EQ(table->find("gpt-4o-2024-08-06")->input, 2.5);
  EXPECT_DOUBLE_EQ(table->find("gpt-4o-mini-2024-07-18")->input, 0.15);
  EXPECT_DOUBLE_EQ(table->find("openai/gpt-4o-mini")->input, 0.15);
  EXPECT_DOUBLE_EQ(table->find("llama3.1:8b")->output, 0);
  EXPECT_FALSE(table->find("gpt-4"));
  EXPECT_FALSE(table->find("my-model"));
  // Without cached_input, cached tokens cost what input tokens cost.
  EXPECT_DOUBLE_EQ(table->find("gpt-4o")->cached_input, 2.5);
}

TEST(PriceTableTest, ABadFileIsAnErrorThatNamesThePlace) {
  Result<PriceTable> missing = PriceTable::parse("models:\n  m: {input: 1}\n", "p.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "p.yaml:2:6: the price of 'm' has no 'output' (USD per million tokens)");
  Result<PriceTable> negative =
      PriceTable::parse("models:\n  m: {input: 1, output: -2}\n", "p.yaml");
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message(),
            "p.yaml:2:25: 'output' of 'm' must be a number of USD per million tokens, at least 0");
  Result<PriceTable> shape = PriceTable::parse("gpt-4o: 3\n", "p.yaml");
  ASSERT_FALSE(shape);
  EXPECT_NE(shape.error().message().find("p.yaml: expected a mapping `models:`"),
            std::string::npos);
}

using PricedRunTest = EngineTest;

TEST_F(PricedRunTest, AModelWithoutAPriceCostsWhatTheTableSays) {
  auto engine = open();
  // No `price:`: gpt-4o-mini's built-in price applies, so budget.usd can be kept.
  RunSummary summary = start_and_run(*engine, R"(
name: priced
models:
  mini: {provider: openai, model: gpt-4o-mini-2024-07-18, max_tokens: 50}
defaults: {model: mini}
budget: {usd: 1}
steps:
  a: {prompt: "Say hello"}
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  ASSERT_GT(summary.usage.input_tokens, 0);
  const double expected = (static_cast<double>(summary.usage.input_tokens) * 0.15 +
                           static_cast<double>(summary.usage.output_tokens) * 0.60) /
                          1e6;
  EXPECT_DOUBLE_EQ(summary.cost_usd, expected);
}

TEST_F(PricedRunTest, TheUsersPricesFileOverridesTheTableAndTheWorkflowOverridesBoth) {
  env_["BATON_PRICES"] = write_file("prices.yaml", "models:\n  m: {input: 1000, output: 2000}\n");
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: priced
models:
  from_file: {provider: openai, model: m}
  declared: {provider: openai, model: m, price: {input: 0, output: 0}}
steps:
  a: {model: from_file, prompt: "Say hello"}
  b: {model: declared, prompt: "Say hello"}
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  RunDetail details = detail(*engine, summary.id);
  const StepInfo* a = find_step(details, "a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->attempts.size(), 1u);
  const AttemptInfo& paid = a->attempts[0];
  EXPECT_DOUBLE_EQ(summary.cost_usd, (static_cast<double>(paid.usage.input_tokens) * 1000 +
                                      static_cast<double>(paid.usage.output_tokens) * 2000) /
                                         1e6);
}

TEST_F(PricedRunTest, APricesFileThatCannotBeReadStopsTheRunFromStarting) {
  env_["BATON_PRICES"] = write_file("prices.yaml", "models:\n  m: {input: x, output: 1}\n");
  auto engine = open();
  Result<std::string> run = engine->start_run(write_file("w.yaml", R"(
name: w
models:
  m: {provider: openai, model: m}
steps:
  a: {model: m, prompt: hi}
)"),
                                              {});
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().message().find("prices.yaml:2:14: 'input' of 'm' must be a number"),
            std::string::npos)
      << run.error().message();
}

}  // namespace
}  // namespace baton::engine_test
