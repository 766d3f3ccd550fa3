// Human steps pause a run; a decision recorded by another Engine on the same journal file lets
// the run go on, with the answer in the step's fields.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class HumanStepTest : public EngineTest {
 protected:
  std::unique_ptr<Engine> open_journaled() {
    EngineOptions options = this->options();
    options.journal_path = journal_path();
    return open(std::move(options));
  }
};

constexpr const char* kReview = R"(
name: review
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  draft:
    prompt: "Draft a title"
  review:
    human: "Publish '{{ draft.output }}'?"
    show: "{{ draft.output | upper }}"
  publish:
    when: "{{ review.approved }}"
    prompt: "Publish as {{ review.value.title }}"
outputs:
  approved: "{{ review.approved }}"
  value: "{{ review.value }}"
  reason: "{{ review.reason }}"
  published: "{{ publish.output }}"
)";

TEST_F(HumanStepTest, ApprovalWithAValueSurvivesIntoAnotherEngine) {
  std::string run_id;
  {
    auto first = open_journaled();
    run_id = start(*first, kReview);
    RunSummary paused = run(*first, run_id);
    ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
    EXPECT_EQ(paused.waiting, std::vector<std::string>{"review"});
    EXPECT_EQ(paused.outputs_json, "{}");
    EXPECT_FALSE(paused.active);

    RunDetail detail = EngineTest::detail(*first, run_id);
    const StepInfo* review = find_step(detail, "review");
    ASSERT_NE(review, nullptr);
    EXPECT_EQ(review->status, "waiting");
    Json shown = parse_json(review->result_json);
    EXPECT_EQ(shown["question"], "Publish 'fake reply to: Draft a title'?");
    EXPECT_EQ(shown["show"], "FAKE REPLY TO: DRAFT A TITLE");
    EXPECT_EQ(find_step(detail, "publish"), nullptr);
  }
  {
    auto second = open_journaled();
    Result<RunSummary> summary = second->summary(run_id);
    ASSERT_TRUE(summary) << summary.error().to_string();
    EXPECT_EQ(summary->status, RunStatus::kWaiting);
    EXPECT_EQ(summary->waiting, std::vector<std::string>{"review"});
    Status decided = second->decide(run_id, "review", {true, R"({"title": "Tea Time"})", ""});
    ASSERT_TRUE(decided) << decided.error().to_string();
  }
  auto third = open_journaled();
  RunSummary finished = run(*third, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  Json outputs = parse_json(finished.outputs_json);
  EXPECT_EQ(outputs["approved"], true);
  EXPECT_EQ(outputs["value"], Json({{"title", "Tea Time"}}));
  EXPECT_EQ(outputs["published"], "fake reply to: Publish as Tea Time");
  EXPECT_EQ(requests_for("Draft a title"), 1u);
  EXPECT_EQ(server_.request_count(), 2u);

  RunDetail detail = EngineTest::detail(*third, run_id);
  const StepInfo* review = find_step(detail, "review");
  ASSERT_NE(review, nullptr);
  EXPECT_EQ(review->status, "succeeded");
  EXPECT_TRUE(finished.waiting.empty());
}

TEST_F(HumanStepTest, RejectionWithAReasonSkipsWhatNeedsApproval) {
  auto engine = open_journaled();
  std::string run_id = start(*engine, kReview);
  ASSERT_EQ(run(*engine, run_id).status, RunStatus::kWaiting);
  {
    auto other = open_journaled();
    Status decided = other->decide(run_id, "review", {false, "", "too long"});
    ASSERT_TRUE(decided) << decided.error().to_string();
  }
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  Json outputs = parse_json(finished.outputs_json);
  EXPECT_EQ(outputs["approved"], false);
  EXPECT_EQ(outputs["reason"], "too long");
  EXPECT_TRUE(outputs["value"].is_null());
  EXPECT_TRUE(outputs["published"].is_null());
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(find_step(EngineTest::detail(*engine, run_id), "publish")->status, "skipped");
}

TEST_F(HumanStepTest, DecidingAStepThatIsNotWaitingIsAnError) {
  auto engine = open_journaled();
  std::string run_id = start(*engine, kReview);
  ASSERT_EQ(run(*engine, run_id).status, RunStatus::kWaiting);

  Status done = engine->decide(run_id, "draft", {true, "", ""});
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(done.error().message().find("not waiting"), std::string::npos)
      << done.error().message();

  Status unknown = engine->decide(run_id, "reveiw", {true, "", ""});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("did you mean 'review'"), std::string::npos)
      << unknown.error().message();

  Status bad_value = engine->decide(run_id, "review", {true, "{not json", ""});
  ASSERT_FALSE(bad_value);
  EXPECT_EQ(bad_value.error().code(), ErrorCode::kInvalidInput);

  Status no_run = engine->decide("no-such-run", "review", {true, "", ""});
  ASSERT_FALSE(no_run);
  EXPECT_EQ(no_run.error().code(), ErrorCode::kNotFound);

  ASSERT_TRUE(engine->decide(run_id, "review", {true, R"({"title": "T"})", ""}));
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  Status again = engine->decide(run_id, "review", {false, "", "changed my mind"});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(HumanStepTest, EachForEachItemWaitsForItsOwnDecision) {
  auto engine = open_journaled();
  std::string run_id = start(*engine, R"(
name: per_item
steps:
  check:
    for_each: [red, green]
    human: "Ship {{ item }}?"
outputs:
  approved: "{{ check.approved }}"
)");
  RunSummary paused = run(*engine, run_id);
  ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
  EXPECT_EQ(paused.waiting, (std::vector<std::string>{"check[0]", "check[1]"}));

  ASSERT_TRUE(engine->decide(run_id, "check[1]", {false, "", "not green"}));
  paused = run(*engine, run_id);
  ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
  EXPECT_EQ(paused.waiting, std::vector<std::string>{"check[0]"});

  ASSERT_TRUE(engine->decide(run_id, "check[0]", {true, "", ""}));
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  EXPECT_EQ(parse_json(finished.outputs_json)["approved"], Json::array({true, false}));
}

TEST_F(HumanStepTest, IndependentWorkFinishesBeforeTheRunWaits) {
  auto engine = open_journaled();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: side_work
steps:
  ask:
    human: "Go on?"
  side:
    prompt: "Side work"
  after:
    value: "{{ ask.approved }} {{ side.output }}"
outputs:
  after: "{{ after.output }}"
)");
  RunSummary paused = run(*engine, run_id);
  ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
  EXPECT_EQ(find_step(EngineTest::detail(*engine, run_id), "side")->status, "succeeded");
  ASSERT_TRUE(engine->decide(run_id, "ask", {true, "", ""}));
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  EXPECT_EQ(parse_json(finished.outputs_json)["after"], "True fake reply to: Side work");
  EXPECT_EQ(server_.request_count(), 1u);
}

// While other calls are out, the run polls the journal: a decision that another Engine records
// then lets the same run() go on to the end.
TEST_F(HumanStepTest, DecisionFromAnotherEngineReachesARunInProgress) {
  server_.set_rules({{"Slow", "slow reply", std::chrono::milliseconds(1500)}});
  auto engine = open_journaled();
  auto waiting = std::make_shared<std::atomic<bool>>(false);
  engine->on_event([waiting](const Event& event) {
    if (event.type == "step_waiting") *waiting = true;
  });
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: live
steps:
  ask:
    human: "Go on?"
  slow:
    prompt: "Slow"
  after:
    value: "{{ ask.reason }} / {{ slow.output }}"
outputs:
  after: "{{ after.output }}"
)");
  Result<RunSummary> summary = Error(ErrorCode::kInternal, "not run");
  std::thread runner([&] { summary = engine->run(run_id); });
  bool paused = wait_until([&] { return waiting->load(); });
  Status decided = Error(ErrorCode::kInternal, "not decided");
  {
    auto other = open_journaled();
    decided = other->decide(run_id, "ask", {true, "", "fine"});
  }
  runner.join();
  ASSERT_TRUE(paused);
  ASSERT_TRUE(decided) << decided.error().to_string();
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->status, RunStatus::kSucceeded) << summary->error;
  EXPECT_EQ(parse_json(summary->outputs_json)["after"], "fine / slow reply");
}

}  // namespace
}  // namespace baton::engine_test
