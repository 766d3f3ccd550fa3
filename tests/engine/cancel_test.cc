// Cancelling: a run in progress stops its calls and records it; a run no one executes is marked
// cancelled at once.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using std::chrono::milliseconds;

class CancelTest : public EngineTest {
 protected:
  std::unique_ptr<Engine> open_journaled() {
    EngineOptions options = this->options();
    options.journal_path = journal_path();
    return open(std::move(options));
  }
};

constexpr const char* kSlow = R"(
name: slow
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  a:
    prompt: "A"
  b:
    prompt: "B"
  c:
    prompt: "C"
  later:
    prompt: "After {{ a.output }}"
)";

TEST_F(CancelTest, RequestCancelStopsCallsInFlight) {
  server_.set_latency(milliseconds(10'000));
  auto engine = open_journaled();
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  std::string run_id = start(*engine, kSlow);

  Result<RunSummary> summary = Error(ErrorCode::kInternal, "not run");
  std::thread runner([&] { summary = engine->run(run_id); });
  bool all_sent = wait_until([&] { return server_.request_count() == 3; });
  engine->request_cancel();
  runner.join();
  ASSERT_TRUE(all_sent);
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->status, RunStatus::kCancelled);
  EXPECT_EQ(server_.request_count(), 3u);

  ASSERT_FALSE(events->empty());
  EXPECT_EQ(events->back().type, "run_cancelled");

  auto reader = open_journaled();
  Result<RunSummary> recorded = reader->summary(run_id);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->status, RunStatus::kCancelled);
  EXPECT_FALSE(recorded->active);
  RunDetail detail = EngineTest::detail(*reader, run_id);
  for (const char* id : {"a", "b", "c"}) {
    const StepInfo* step = find_step(detail, id);
    ASSERT_NE(step, nullptr) << id;
    EXPECT_EQ(step->status, "cancelled") << id;
    ASSERT_EQ(step->attempts.size(), 1u) << id;
    EXPECT_EQ(step->attempts[0].status, "interrupted") << id;
  }
  EXPECT_EQ(find_step(detail, "later"), nullptr);
}

TEST_F(CancelTest, CancelFromAnotherEngineStopsTheRun) {
  server_.set_latency(milliseconds(10'000));
  auto engine = open_journaled();
  std::string run_id = start(*engine, kSlow);

  Result<RunSummary> summary = Error(ErrorCode::kInternal, "not run");
  std::thread runner([&] { summary = engine->run(run_id); });
  bool all_sent = wait_until([&] { return server_.request_count() == 3; });
  Status cancelled = Error(ErrorCode::kInternal, "not cancelled");
  {
    auto other = open_journaled();
    cancelled = other->cancel(run_id);
  }
  runner.join();
  ASSERT_TRUE(all_sent);
  ASSERT_TRUE(cancelled) << cancelled.error().to_string();
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->status, RunStatus::kCancelled);
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(CancelTest, CancelOfARunNoOneExecutes) {
  auto engine = open_journaled();
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  std::string run_id = start(*engine, kSlow);
  Status cancelled = engine->cancel(run_id);
  ASSERT_TRUE(cancelled) << cancelled.error().to_string();

  auto reader = open_journaled();
  Result<RunSummary> recorded = reader->summary(run_id);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->status, RunStatus::kCancelled);
  EXPECT_EQ(server_.request_count(), 0u);

  RunSummary after = run(*reader, run_id);
  EXPECT_EQ(after.status, RunStatus::kCancelled);
  EXPECT_EQ(server_.request_count(), 0u);

  Status again = reader->cancel(run_id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  Status unknown = reader->cancel("no-such-run");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(CancelTest, CancelledWaitingRunTakesNoDecision) {
  auto engine = open_journaled();
  std::string run_id = start(*engine, R"(
name: paused
steps:
  ask:
    human: "Go on?"
)");
  ASSERT_EQ(run(*engine, run_id).status, RunStatus::kWaiting);
  ASSERT_TRUE(engine->cancel(run_id));
  Status decided = engine->decide(run_id, "ask", {true, "", ""});
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(run(*engine, run_id).status, RunStatus::kCancelled);
  RunDetail recorded = detail(*engine, run_id);
  ASSERT_NE(find_step(recorded, "ask"), nullptr);
  EXPECT_EQ(find_step(recorded, "ask")->status, "cancelled");
}

// `ask` falls back to `spare` after a 401, and waits: `spare` is busy with `hold`. A cancel then
// keeps the failed attempt as it was, and records the step as cancelled.
TEST_F(CancelTest, CancelWhileAFallbackWaitsForItsModel) {
  env_["BAD_KEY"] = "sk-not-the-right-key";
  server_.set_rules({{"Hold", "held", milliseconds(10'000)}});
  auto engine = open_journaled();
  auto fell_back = std::make_shared<std::atomic<bool>>(false);
  engine->on_event([fell_back](const Event& event) {
    if (event.type == "attempt_failed" && event.step == "ask") *fell_back = true;
  });
  std::string run_id = start(*engine, R"(
name: fallback_waits
models:
  main: {provider: openai, model: gpt-main, api_key_env: BAD_KEY, fallback: [spare]}
  spare: {provider: openai, model: gpt-spare, concurrency: 1}
steps:
  hold:
    model: spare
    prompt: "Hold"
  ask:
    model: main
    prompt: "Ask"
)");
  Result<RunSummary> summary = Error(ErrorCode::kInternal, "not run");
  std::thread runner([&] { summary = engine->run(run_id); });
  bool waiting = wait_until([&] { return fell_back->load(); });
  engine->request_cancel();
  runner.join();
  ASSERT_TRUE(waiting);
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->status, RunStatus::kCancelled);
  EXPECT_EQ(server_.request_count(), 2u);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* ask = find_step(detail, "ask");
  ASSERT_NE(ask, nullptr);
  EXPECT_EQ(ask->status, "cancelled");
  ASSERT_EQ(ask->attempts.size(), 1u);
  EXPECT_EQ(ask->attempts[0].status, "failed");
  EXPECT_NE(ask->attempts[0].error.find("401"), std::string::npos) << ask->attempts[0].error;
}

TEST_F(CancelTest, CancelOfASucceededRunIsAnError) {
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: quick
steps:
  one:
    value: 1
)");
  ASSERT_EQ(run(*engine, run_id).status, RunStatus::kSucceeded);
  Status cancelled = engine->cancel(run_id);
  ASSERT_FALSE(cancelled);
  EXPECT_EQ(cancelled.error().code(), ErrorCode::kFailedPrecondition);
  Result<RunSummary> summary = engine->summary(run_id);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->status, RunStatus::kSucceeded);
}

TEST_F(CancelTest, CancelStopsARunningCommand) {
  auto engine = open();
  std::string marker = (dir_.path() / "started").string();
  std::string run_id = start(*engine, R"(
name: command
inputs:
  marker: {type: string}
steps:
  wait:
    run: "touch '{{ inputs.marker }}'; sleep 30"
)",
                             {{"marker", marker}});
  Result<RunSummary> summary = Error(ErrorCode::kInternal, "not run");
  std::thread runner([&] { summary = engine->run(run_id); });
  bool started = wait_until([&] { return fs::exists(marker); });
  engine->request_cancel();
  runner.join();
  ASSERT_TRUE(started);
  ASSERT_TRUE(summary) << summary.error().to_string();
  EXPECT_EQ(summary->status, RunStatus::kCancelled);
}

}  // namespace
}  // namespace baton::engine_test
