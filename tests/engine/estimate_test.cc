// Engine::estimate (`baton run --dry-run`): what a run could cost, figured before it runs, from
// the prompts rendered with the inputs and the models' max_tokens and prices.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using EstimateTest = EngineTest;

constexpr const char* kWorkflow = R"(
name: estimate
inputs:
  text: {type: string}
  numbers: {type: list, default: [1, 2, 3]}
models:
  paid: {provider: openai, model: m, max_tokens: 100, price: {input: 1000, output: 2000}}
defaults: {model: paid}
steps:
  draft: {prompt: "Summarize {{ inputs.text }}"}
  critique: {prompt: "Critique: {{ draft.output }}"}
  each:
    for_each: "{{ inputs.numbers }}"
    prompt: "Item {{ item }}"
)";

TEST_F(EstimateTest, PromptsAreMeasuredWithTheInputsAndEarlierAnswersAtTheirLongest) {
  auto engine = open();
  Result<CostEstimate> estimate =
      engine->estimate(write_file("w.yaml", kWorkflow), {{"text", "hello"}});
  ASSERT_TRUE(estimate) << estimate.error().message();
  ASSERT_EQ(estimate->steps.size(), 3u);
  // One token per three bytes, rounded up, and 8 per message.
  const StepCostEstimate& draft = estimate->steps[0];
  EXPECT_EQ(draft.step, "draft");
  EXPECT_EQ(draft.model, "paid");
  EXPECT_EQ(draft.input_tokens, 8 + 5);  // "Summarize hello": 15 bytes
  EXPECT_EQ(draft.output_tokens, 100);
  EXPECT_DOUBLE_EQ(draft.usd, (13 * 1000.0 + 100 * 2000.0) / 1e6);
  // draft's answer stands in at its longest: 100 tokens, 300 bytes.
  const StepCostEstimate& critique = estimate->steps[1];
  EXPECT_EQ(critique.input_tokens, 8 + 104);  // "Critique: " and 300 bytes
  const StepCostEstimate& each = estimate->steps[2];
  EXPECT_EQ(each.calls, 3);
  EXPECT_TRUE(each.calls_known);
  EXPECT_EQ(each.input_tokens, 3 * (8 + 2));  // "Item 1": 6 bytes
  EXPECT_EQ(each.output_tokens, 300);
  EXPECT_TRUE(estimate->complete);
  EXPECT_EQ(estimate->input_tokens, 13 + 112 + 30);
  EXPECT_EQ(estimate->output_tokens, 500);
  EXPECT_DOUBLE_EQ(estimate->usd, (155 * 1000.0 + 500 * 2000.0) / 1e6);
  // Nothing was sent and nothing recorded.
  EXPECT_EQ(server_.request_count(), 0u);
  Result<std::vector<RunSummary>> runs = engine->runs(10);
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->empty());
}

TEST_F(EstimateTest, WhatIsNotKnownBeforeTheRunIsSaid) {
  auto engine = open();
  Result<CostEstimate> estimate = engine->estimate(write_file("w.yaml", R"(
name: unknowns
models:
  paid: {provider: openai, model: m, max_tokens: 10, price: {input: 1, output: 1}}
  free: {provider: openai, model: my-own-model, max_tokens: 10}
defaults: {model: paid}
steps:
  plan: {prompt: "List topics as JSON"}
  sections:
    for_each: "{{ plan.json.topics }}"
    prompt: "Write about {{ item }}"
  local: {model: free, prompt: "Hi"}
)"),
                                                   {});
  ASSERT_TRUE(estimate) << estimate.error().message();
  ASSERT_EQ(estimate->steps.size(), 3u);
  EXPECT_FALSE(estimate->steps[1].calls_known);
  EXPECT_EQ(estimate->steps[1].calls, 1);
  EXPECT_NE(estimate->steps[1].note.find("items come from earlier steps"), std::string::npos);
  EXPECT_EQ(estimate->steps[2].note, "the model has no price");
  EXPECT_FALSE(estimate->complete);
}

TEST_F(EstimateTest, BadInputsAreRefusedAsARunWouldBe) {
  auto engine = open();
  Result<CostEstimate> estimate = engine->estimate(write_file("w.yaml", kWorkflow), {});
  ASSERT_FALSE(estimate);
  EXPECT_NE(estimate.error().message().find("text"), std::string::npos)
      << estimate.error().message();
}

}  // namespace
}  // namespace baton::engine_test
