// for_each: one child per item, results collected as lists in item order.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using std::chrono::milliseconds;
using FanOutTest = EngineTest;

TEST_F(FanOutTest, ItemsFromEarlierJsonAreCollectedInItemOrder) {
  // Later items answer sooner, so that completion order is the reverse of item order. Even the
  // quickest takes a while, so that all three are in flight together on a busy machine too.
  server_.set_rules({{"topics", R"({"topics": ["slow", "medium", "quick"]})", milliseconds(0)},
                     {"about slow", "S", milliseconds(600)},
                     {"about medium", "M", milliseconds(400)},
                     {"about quick", "Q", milliseconds(200)}});
  auto engine = open();
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: fan_out
steps:
  plan:
    prompt: "List topics"
  sections:
    for_each: "{{ plan.json.topics }}"
    as: topic
    prompt: "Write about {{ topic }}"
  joined:
    value: "{{ sections.output | join('') }}"
outputs:
  sections: "{{ sections.output }}"
  joined: "{{ joined.output }}"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["sections"], Json::array({"S", "M", "Q"}));
  EXPECT_EQ(outputs["joined"], "SMQ");
  EXPECT_EQ(server_.max_in_flight(), 3u);

  std::vector<int> finished;
  for (const Event& event : *events) {
    if (event.type == "step_succeeded" && event.step == "sections" && event.item >= 0)
      finished.push_back(event.item);
  }
  EXPECT_EQ(finished, (std::vector<int>{2, 1, 0}));

  RunDetail detail = EngineTest::detail(*engine, run_id);
  for (int item = 0; item < 3; ++item) {
    const StepInfo* child = find_step(detail, "sections", item);
    ASSERT_NE(child, nullptr) << item;
    EXPECT_EQ(child->status, "succeeded");
    EXPECT_EQ(child->attempts.size(), 1u);
  }
  const StepInfo* whole = find_step(detail, "sections");
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(parse_json(whole->result_json)["output"], Json::array({"S", "M", "Q"}));
}

TEST_F(FanOutTest, EmptyListSucceedsWithEmptyLists) {
  server_.set_rules({{"topics", R"({"topics": []})"}});
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: empty
steps:
  plan:
    prompt: "List topics"
  sections:
    for_each: "{{ plan.json.topics }}"
    prompt: "Write about {{ item }}"
  after:
    value: "{{ sections.output | length }} sections"
outputs:
  sections: "{{ sections.output }}"
  after: "{{ after.output }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["sections"], Json::array());
  EXPECT_EQ(outputs["after"], "0 sections");
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(FanOutTest, ValueStepsOverALiteralList) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: values
steps:
  squares:
    for_each: [1, 2, 3, 4]
    as: n
    value: "{{ n * n }}"
  total:
    value: "{{ squares.output | sum }}"
outputs:
  squares: "{{ squares.output }}"
  total: "{{ total.output }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["squares"], Json::array({1, 4, 9, 16}));
  EXPECT_EQ(outputs["total"], 30);
}

TEST_F(FanOutTest, RunStepsOverAnInputList) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: commands
inputs:
  words: {type: list}
steps:
  shout:
    for_each: "{{ inputs.words }}"
    as: word
    run: "printf '%s' '{{ word | upper }}'"
outputs:
  stdout: "{{ shout.stdout }}"
  codes: "{{ shout.exit_code }}"
)",
                                     {{"words", R"(["a", "b", "c"])"}});
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["stdout"], Json::array({"A", "B", "C"}));
  EXPECT_EQ(outputs["codes"], Json::array({0, 0, 0}));
}

TEST_F(FanOutTest, AFailedItemFailsTheStepAndNamesTheItem) {
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: one_fails
steps:
  check:
    for_each: [0, 1, 0]
    run: "exit {{ item }}"
  after:
    value: "{{ check.exit_code }}"
)");
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("item 1"), std::string::npos) << summary.error;
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* first = find_step(detail, "check", 0);
  const StepInfo* second = find_step(detail, "check", 1);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->status, "succeeded");
  EXPECT_EQ(second->status, "failed");
  const StepInfo* after = find_step(detail, "after");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->status, "failed");
}

TEST_F(FanOutTest, ForEachThatIsNotAListFailsTheStep) {
  server_.set_rules({{"topics", R"({"topics": "oops"})"}});
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: not_list
steps:
  plan:
    prompt: "List topics"
  sections:
    for_each: "{{ plan.json.topics }}"
    prompt: "Write about {{ item }}"
)");
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("not a list"), std::string::npos) << summary.error;
  EXPECT_EQ(server_.request_count(), 1u);
}

}  // namespace
}  // namespace baton::engine_test
