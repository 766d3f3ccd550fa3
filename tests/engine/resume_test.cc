// Resuming a run: completed steps are never sent again; failed and interrupted ones are.
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "src/store/journal.h"
#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class ResumeTest : public EngineTest {
 protected:
  std::unique_ptr<Engine> open_journaled() {
    EngineOptions options = this->options();
    options.journal_path = journal_path();
    return open(std::move(options));
  }
};

constexpr const char* kChain = R"(
name: chain
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  first:
    prompt: "First"
  second:
    prompt: "Second after {{ first.output }}"
  third:
    prompt: "Third"
    needs: second
outputs:
  second: "{{ second.output }}"
  third: "{{ third.output }}"
)";

TEST_F(ResumeTest, FailedRunResumesWithoutResendingCompletedSteps) {
  std::string run_id;
  {
    auto engine = open_journaled();
    engine->on_event([this](const Event& event) {
      if (event.type == "step_succeeded" && event.step == "first")
        server_.add_fault(fake::Fault::http_status(400));
    });
    run_id = start(*engine, kChain);
    RunSummary failed = run(*engine, run_id);
    ASSERT_EQ(failed.status, RunStatus::kFailed);
  }
  // first answered, second failed on the 400: nothing else was sent.
  EXPECT_EQ(requests_for("First"), 1u);
  EXPECT_EQ(server_.request_count(), 2u);

  auto engine = open_journaled();
  RunSummary resumed = run(*engine, run_id);
  ASSERT_EQ(resumed.status, RunStatus::kSucceeded) << resumed.error;
  EXPECT_EQ(requests_for("First"), 1u);
  EXPECT_EQ(requests_for("Second after fake reply to: First"), 2u);
  EXPECT_EQ(requests_for("Third"), 1u);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* second = find_step(detail, "second");
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(second->attempts.size(), 2u);
  EXPECT_EQ(second->attempts[0].status, "failed");
  EXPECT_EQ(second->attempts[1].status, "succeeded");
  EXPECT_EQ(second->attempts[1].number, 2);

  Usage total;
  for (const StepInfo& step : detail.steps) {
    for (const AttemptInfo& attempt : step.attempts) {
      total.input_tokens += attempt.usage.input_tokens;
      total.output_tokens += attempt.usage.output_tokens;
    }
  }
  EXPECT_GT(total.input_tokens, 0);
  EXPECT_EQ(resumed.usage.input_tokens, total.input_tokens);
  EXPECT_EQ(resumed.usage.output_tokens, total.output_tokens);

  // A run that succeeded is not run again.
  RunSummary again = run(*engine, run_id);
  EXPECT_EQ(again.status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 4u);
}

TEST_F(ResumeTest, StepInFlightWhenTheProcessDiedIsRunAgain) {
  std::string run_id;
  {
    auto engine = open_journaled();
    run_id = start(*engine, kChain);
  }
  // What a process killed while `second` was in flight leaves behind: `first` done, `second`
  // running with an attempt that never ended.
  {
    Result<std::unique_ptr<store::Journal>> journal =
        store::open_sqlite_journal(journal_path(), store::Durability::kProcess);
    ASSERT_TRUE(journal) << journal.error().to_string();
    store::StepRecord first;
    first.step_id = "first";
    first.status = store::StepStatus::kSucceeded;
    first.result_json = R"({"output": "from the journal"})";
    first.started_ms = first.ended_ms = 1;
    first.attempts = 1;
    ASSERT_TRUE((*journal)->put_step(run_id, first));
    store::StepRecord second;
    second.step_id = "second";
    second.status = store::StepStatus::kRunning;
    second.started_ms = 2;
    ASSERT_TRUE((*journal)->put_step(run_id, second));
    store::AttemptRecord attempt;
    attempt.step_id = "second";
    attempt.kind = "model";
    attempt.model = "fast";
    attempt.request_json = "{}";
    attempt.started_ms = 2;
    ASSERT_TRUE((*journal)->add_attempt(run_id, attempt));
    ASSERT_TRUE((*journal)->commit());
  }

  auto engine = open_journaled();
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  RunSummary resumed = run(*engine, run_id);
  ASSERT_EQ(resumed.status, RunStatus::kSucceeded) << resumed.error;
  EXPECT_EQ(requests_for("First"), 0u);
  EXPECT_EQ(requests_for("Second after from the journal"), 1u);
  EXPECT_EQ(server_.request_count(), 2u);
  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->front().type, "run_resumed");

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* second = find_step(detail, "second");
  ASSERT_NE(second, nullptr);
  ASSERT_EQ(second->attempts.size(), 2u);
  EXPECT_EQ(second->attempts[0].status, "interrupted");
  EXPECT_EQ(second->attempts[1].status, "succeeded");
  EXPECT_EQ(second->attempts[1].number, 2);
}

TEST_F(ResumeTest, CompletedForEachItemsAreKept) {
  server_.add_fault(fake::Fault::http_status(400));
  std::string run_id;
  {
    auto engine = open_journaled();
    run_id = start(*engine, std::string(kModels) + R"(
name: items
steps:
  parts:
    for_each: [a, b, c]
    prompt: "Part {{ item }}"
outputs:
  parts: "{{ parts.output }}"
)");
    RunSummary failed = run(*engine, run_id);
    ASSERT_EQ(failed.status, RunStatus::kFailed);
  }
  EXPECT_EQ(server_.request_count(), 3u);
  auto engine = open_journaled();
  RunSummary resumed = run(*engine, run_id);
  ASSERT_EQ(resumed.status, RunStatus::kSucceeded) << resumed.error;
  // Only the item that failed was asked again.
  EXPECT_EQ(server_.request_count(), 4u);
  EXPECT_EQ(
      parse_json(resumed.outputs_json)["parts"],
      Json::array({"fake reply to: Part a", "fake reply to: Part b", "fake reply to: Part c"}));
}

// Two engines of one process asked to execute the same run at once: one does, the other is
// told that the run is being executed, and no call is made twice.
TEST_F(ResumeTest, OneRunIsExecutedByOneEngineAtATime) {
  server_.set_latency(std::chrono::milliseconds(300));
  auto first = open_journaled();
  auto second = open_journaled();
  std::string run_id = start(*first, kChain);
  Result<RunSummary> one = Error(ErrorCode::kInternal, "not run");
  std::thread runner([&] { one = first->run(run_id); });
  bool started = wait_until([&] { return server_.request_count() > 0; });
  Result<RunSummary> two = second->run(run_id);
  Result<RunSummary> seen = second->summary(run_id);
  runner.join();
  ASSERT_TRUE(started);
  ASSERT_TRUE(one) << one.error().to_string();
  EXPECT_EQ(one->status, RunStatus::kSucceeded) << one->error;
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(seen);
  EXPECT_TRUE(seen->active);
  EXPECT_EQ(server_.request_count(), 3u);
}

}  // namespace
}  // namespace baton::engine_test
