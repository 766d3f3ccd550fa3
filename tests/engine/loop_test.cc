// Loops: iterations until `until` holds or `max` ran, each journaled step by step, each seeing
// the previous one's results; against the fake model server and real child processes.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class LoopTest : public EngineTest {
 protected:
  std::unique_ptr<Engine> open_journaled() {
    EngineOptions options = this->options();
    options.journal_path = journal_path();
    return open(std::move(options));
  }
};

// Writes code until a reviewer's check passes: the model fixes it on its second try.
constexpr const char* kConverging = R"(
name: converging
steps:
  fix:
    loop:
      max: 5
      until: "{{ check.output }}"
      steps:
        write:
          prompt: "Write attempt {{ loop.index }}{% if not loop.first %} after: {{ loop.previous.write.output }}{% endif %}"
        check:
          value: "{{ 'fixed' in write.output }}"
  report:
    value: "{{ fix.write.output }} in {{ fix.iterations }}"
outputs:
  report: "{{ report.output }}"
)";

TEST_F(LoopTest, ConvergesBeforeMaxAndSeesThePreviousIteration) {
  server_.set_rules({fake::ReplyRule("Write attempt 2", "fixed code")});
  auto engine = open_journaled();
  std::string run_id = start(*engine, std::string(kModels) + kConverging);
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["report"], "fixed code in 2");

  EXPECT_EQ(requests_for("Write attempt 1"), 1u);
  EXPECT_EQ(requests_for("Write attempt 2 after: fake reply to: Write attempt 1"), 1u);
  EXPECT_EQ(server_.request_count(), 2u);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  for (int iteration : {0, 1}) {
    const StepInfo* write = find_step(detail, "fix.write", iteration);
    ASSERT_NE(write, nullptr) << iteration;
    EXPECT_EQ(write->status, "succeeded");
    EXPECT_EQ(write->attempts.size(), 1u);
    const StepInfo* record = find_step(detail, "fix", iteration);
    ASSERT_NE(record, nullptr) << iteration;
    EXPECT_EQ(parse_json(record->result_json)["check"]["output"], iteration == 1);
  }
  EXPECT_EQ(find_step(detail, "fix.write", 2), nullptr);
  const StepInfo* loop = find_step(detail, "fix");
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(parse_json(loop->result_json)["iterations"], 2);
  // Iteration by iteration, each followed by its steps.
  std::vector<std::string> order;
  for (const StepInfo& step : detail.steps) {
    order.push_back(step.id + (step.item >= 0 ? "[" + std::to_string(step.item) + "]" : ""));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"fix", "fix[0]", "fix.write[0]", "fix.check[0]",
                                             "fix[1]", "fix.write[1]", "fix.check[1]", "report"}));
}

TEST_F(LoopTest, ReachingMaxWithoutUntilHoldingFailsTheLoop) {
  auto engine = open_journaled();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: never
steps:
  fix:
    loop:
      max: 3
      until: "{{ 'fixed' in write.output }}"
      steps:
        write:
          prompt: "Try {{ loop.index }}"
  after:
    value: "{{ fix.write.output }}"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("step 'fix': the loop reached max (3 iterations)"),
            std::string::npos)
      << summary.error;
  EXPECT_EQ(server_.request_count(), 3u);
  RunDetail detail = EngineTest::detail(*engine, run_id);
  for (int iteration : {0, 1, 2}) {
    ASSERT_NE(find_step(detail, "fix", iteration), nullptr) << iteration;
    EXPECT_EQ(find_step(detail, "fix.write", iteration)->status, "succeeded");
  }
  EXPECT_EQ(find_step(detail, "fix")->status, "failed");
  EXPECT_EQ(find_step(detail, "after")->status, "failed");  // not run

  // Resuming does not run the finished iterations again: the loop fails the same way.
  RunSummary again = run(*engine, run_id);
  EXPECT_EQ(again.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(LoopTest, WithoutUntilItRunsMaxIterations) {
  auto engine = open_journaled();
  RunSummary summary = start_and_run(*engine, R"(
name: repeat
steps:
  count:
    loop:
      max: 4
      steps:
        total:
          value: "{{ (loop.previous.total.output if loop.previous else 0) + loop.index }}"
outputs:
  total: "{{ count.total.output }}"
  iterations: "{{ count.iterations }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["total"], 10);
  EXPECT_EQ(parse_json(summary.outputs_json)["iterations"], 4);
}

// A test command that fails until a file exists; the loop creates it on its third iteration.
TEST_F(LoopTest, ACommandFailingUntilAFileExistsIsAnOutcomeTheLoopFixes) {
  auto engine = open_journaled();
  std::string marker = (dir_.path() / "ready").string();
  RunSummary summary = start_and_run(*engine, R"(
name: until_file
inputs:
  marker: {type: string}
steps:
  fix:
    loop:
      max: 5
      until: "{{ test.exit_code == 0 }}"
      steps:
        repair:
          run: ["sh", "-c", "if [ \"$N\" -ge 3 ]; then touch \"$MARKER\"; fi; printf '%s' \"$SEEN\""]
          env:
            N: "{{ loop.index }}"
            MARKER: "{{ inputs.marker }}"
            SEEN: "{{ loop.previous.test.stderr if loop.previous else '' }}"
        test:
          run: ["sh", "-c", "test -f \"$MARKER\" || { echo \"missing in $N\" >&2; exit 1; }"]
          env:
            N: "{{ loop.index }}"
            MARKER: "{{ inputs.marker }}"
          needs: repair
outputs:
  code: "{{ fix.test.exit_code }}"
  iterations: "{{ fix.iterations }}"
  last_seen: "{{ fix.repair.output }}"
)",
                                     {{"marker", marker}});
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["code"], 0);
  EXPECT_EQ(outputs["iterations"], 3);
  EXPECT_EQ(outputs["last_seen"], "missing in 2\n");

  RunDetail detail = EngineTest::detail(*engine, summary.id);
  for (int iteration : {0, 1}) {
    const StepInfo* test = find_step(detail, "fix.test", iteration);
    ASSERT_NE(test, nullptr);
    EXPECT_EQ(test->status, "failed");
    EXPECT_EQ(parse_json(test->result_json)["exit_code"], 1);
    ASSERT_EQ(test->attempts.size(), 1u);
    EXPECT_EQ(test->attempts[0].kind, "process");
  }
  EXPECT_EQ(find_step(detail, "fix.test", 2)->status, "succeeded");
}

TEST_F(LoopTest, AFailedStepFailsTheLoopAndAResumeGoesOnInItsIteration) {
  // The second iteration's check times out; resumed, the run goes on in that iteration: what
  // had finished (both steps of the first iteration, the write of the second) is not asked again.
  server_.set_rules(
      {fake::ReplyRule("Check fake reply to: Write 2", "good", std::chrono::milliseconds(3000))});
  auto engine = open_journaled();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: resumed
steps:
  fix:
    loop:
      max: 3
      until: "{{ 'good' in check.output }}"
      steps:
        write:
          prompt: "Write {{ loop.index }}"
        check:
          prompt: "Check {{ write.output }}"
          timeout: 300ms
          retry: 1
)");
  RunSummary failed = run(*engine, run_id);
  ASSERT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_NE(failed.error.find("step 'fix': iteration 1, step 'check'"), std::string::npos)
      << failed.error;

  server_.set_rules({fake::ReplyRule("Check fake reply to: Write 2", "good")});
  RunSummary finished = run(*open_journaled(), run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  EXPECT_EQ(requests_for("Write 1"), 1u);
  EXPECT_EQ(requests_for("Check fake reply to: Write 1"), 1u);
  EXPECT_EQ(requests_for("Write 2"), 1u);
  EXPECT_EQ(requests_for("Check fake reply to: Write 2"), 2u);  // timed out, then answered
  RunDetail detail = EngineTest::detail(*engine, run_id);
  EXPECT_EQ(find_step(detail, "fix.check", 1)->status, "succeeded");
  EXPECT_EQ(parse_json(find_step(detail, "fix")->result_json)["iterations"], 2);
}

TEST_F(LoopTest, AHumanStepInALoopPausesInEachIteration) {
  auto engine = open_journaled();
  std::string run_id = start(*engine, R"(
name: approvals
steps:
  draft:
    loop:
      max: 3
      until: "{{ review.approved }}"
      steps:
        text:
          value: "draft {{ loop.index }}"
        review:
          human: "Good enough?"
          show: "{{ text.output }}"
outputs:
  text: "{{ draft.text.output }}"
  reason: "{{ draft.review.reason }}"
)");
  RunSummary paused = run(*engine, run_id);
  ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
  EXPECT_EQ(paused.waiting, std::vector<std::string>{"draft.review[0]"});
  ASSERT_TRUE(engine->decide(run_id, "draft.review[0]", {false, "", "too short"}));
  paused = run(*engine, run_id);
  ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
  EXPECT_EQ(paused.waiting, std::vector<std::string>{"draft.review[1]"});
  ASSERT_TRUE(engine->decide(run_id, "draft.review[1]", {true, "", "fine"}));
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  Json outputs = parse_json(finished.outputs_json);
  EXPECT_EQ(outputs["text"], "draft 2");
  EXPECT_EQ(outputs["reason"], "fine");
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* first = find_step(detail, "draft.review", 0);
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->decision.has_value());
  EXPECT_FALSE(first->decision->approved);
  EXPECT_EQ(first->decision->original, "draft 1");
}

}  // namespace
}  // namespace baton::engine_test
