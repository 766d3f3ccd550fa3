// Prompt steps: the rendered request, the reply as a step's fields, outputs and token usage.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using PromptStepTest = EngineTest;

TEST_F(PromptStepTest, RenderedRequestReachesTheServer) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: greet
inputs:
  who: {type: string}
models:
  careful: {provider: openai, model: gpt-careful, temperature: 0.25, max_tokens: 77}
steps:
  hello:
    model: careful
    system: "You greet {{ inputs.who }} politely."
    prompt: "Say hello to {{ inputs.who }}."
)",
                                     {{"who", "Ada"}});
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;

  std::vector<fake::RecordedRequest> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  bool authorized = false;
  for (const auto& [name, value] : requests[0].headers)
    if (name == "authorization" && value == std::string("Bearer ") + kApiKey) authorized = true;
  EXPECT_TRUE(authorized);

  Json body = parse_json(requests[0].body);
  EXPECT_EQ(body["model"], "gpt-careful");
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.25);
  EXPECT_EQ(body["max_tokens"], 77);
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][0]["content"], "You greet Ada politely.");
  EXPECT_EQ(body["messages"][1]["role"], "user");
  EXPECT_EQ(body["messages"][1]["content"], "Say hello to Ada.");
}

TEST_F(PromptStepTest, MessagesListIsSentInOrder) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: chat
steps:
  talk:
    messages:
      - {role: system, content: Be brief.}
      - {role: user, content: Hi.}
      - {role: assistant, content: Hello.}
      - {role: user, content: "What is {{ 6 * 7 }}?"}
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  std::vector<Json> bodies = request_bodies();
  ASSERT_EQ(bodies.size(), 1u);
  Json expected = Json::array({{{"role", "system"}, {"content", "Be brief."}},
                               {{"role", "user"}, {"content", "Hi."}},
                               {{"role", "assistant"}, {"content", "Hello."}},
                               {{"role", "user"}, {"content", "What is 42?"}}});
  EXPECT_EQ(bodies[0]["messages"], expected);
  EXPECT_EQ(bodies[0]["model"], "gpt-test");
}

TEST_F(PromptStepTest, ReplyBecomesOutputAndJsonFields) {
  server_.set_rules({{"plan", R"({"title": "Tea", "parts": ["leaves", "water"]})"}});
  auto engine = open();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: fields
steps:
  plan:
    prompt: "Make a plan, as JSON."
  shape:
    value: "{{ plan.json.title }}: {{ plan.json.parts | join(', ') }}"
  echo:
    prompt: "Repeat: {{ plan.output }}"
outputs:
  title: "{{ plan.json.title }}"
  shaped: "{{ shape.output }}"
  parts: "{{ plan.json.parts }}"
  echoed: "{{ echo.output }}"
  model: "{{ plan.model }}"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["title"], "Tea");
  EXPECT_EQ(outputs["shaped"], "Tea: leaves, water");
  EXPECT_EQ(outputs["parts"], Json::array({"leaves", "water"}));
  EXPECT_EQ(outputs["echoed"],
            R"(fake reply to: Repeat: {"title": "Tea", "parts": ["leaves", "water"]})");
  EXPECT_EQ(outputs["model"], "fast");

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* plan = find_step(detail, "plan");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->status, "succeeded");
  Json result = parse_json(plan->result_json);
  EXPECT_EQ(result["json"]["title"], "Tea");
  EXPECT_EQ(result["output"], R"({"title": "Tea", "parts": ["leaves", "water"]})");
}

TEST_F(PromptStepTest, NonJsonReplyHasNoneForJson) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: plain
steps:
  say:
    prompt: "not json"
outputs:
  missing: "{{ say.json is none }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["missing"], true);
}

// The fake server counts 3 tokens per message plus one per 4 bytes of its text, and one per 4
// bytes of the reply.
TEST_F(PromptStepTest, UsageIsRecordedPerAttemptAndSummed) {
  auto engine = open();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: usage
steps:
  one:
    prompt: "12345678"
  two:
    system: "abcd"
    prompt: "efgh"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* one = find_step(detail, "one");
  const StepInfo* two = find_step(detail, "two");
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  ASSERT_EQ(one->attempts.size(), 1u);
  ASSERT_EQ(two->attempts.size(), 1u);
  // "fake reply to: 12345678" is 23 bytes, "fake reply to: efgh" 19.
  EXPECT_EQ(one->attempts[0].usage.input_tokens, 3 + 2);
  EXPECT_EQ(one->attempts[0].usage.output_tokens, 6);
  EXPECT_EQ(two->attempts[0].usage.input_tokens, (3 + 1) + (3 + 1));
  EXPECT_EQ(two->attempts[0].usage.output_tokens, 5);
  EXPECT_EQ(one->attempts[0].kind, "model");
  EXPECT_EQ(one->attempts[0].model, "fast");
  EXPECT_EQ(one->attempts[0].status, "succeeded");
  EXPECT_FALSE(one->attempts[0].request_json.empty());
  EXPECT_FALSE(one->attempts[0].response_json.empty());

  EXPECT_EQ(summary.usage.input_tokens, 5 + 8);
  EXPECT_EQ(summary.usage.output_tokens, 6 + 5);
  EXPECT_EQ(detail.summary.usage.input_tokens, 13);

  Json result = parse_json(one->result_json);
  EXPECT_EQ(result["usage"]["input_tokens"], 5);
  EXPECT_EQ(result["usage"]["output_tokens"], 6);
}

TEST_F(PromptStepTest, PricedModelAddsCost) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: priced
models:
  paid: {provider: openai, model: gpt-test, price: {input: 1000000, output: 2000000}}
steps:
  one:
    model: paid
    prompt: "12345678"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  // 5 input tokens at $1 each and 6 output tokens at $2 each.
  EXPECT_DOUBLE_EQ(summary.cost_usd, 5.0 + 12.0);
}

}  // namespace
}  // namespace baton::engine_test
