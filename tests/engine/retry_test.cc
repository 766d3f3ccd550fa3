// The retry policy of prompt steps: 429 with Retry-After, 5xx storms, timeouts, fallbacks, and
// errors that are not worth a retry.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using std::chrono::milliseconds;
using RetryTest = EngineTest;

std::string one_step(const std::string& step_keys) {
  return std::string(kModels) + R"(
name: retry
steps:
  ask:
    prompt: "Hello?"
)" + step_keys;
}

TEST_F(RetryTest, RateLimitedThenSucceedsAfterRetryAfter) {
  server_.add_fault(fake::Fault::http_status(429, 1));
  auto engine = open();
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  std::string run_id = start(*engine, one_step("    retry: {attempts: 3, backoff: 10ms}\n"));
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 2u);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* ask = find_step(detail, "ask");
  ASSERT_NE(ask, nullptr);
  EXPECT_EQ(ask->status, "succeeded");
  ASSERT_EQ(ask->attempts.size(), 2u);
  EXPECT_EQ(ask->attempts[0].number, 1);
  EXPECT_EQ(ask->attempts[0].status, "failed");
  EXPECT_NE(ask->attempts[0].error.find("429"), std::string::npos) << ask->attempts[0].error;
  EXPECT_NE(ask->attempts[0].response_json.find("rate_limit_exceeded"), std::string::npos);
  EXPECT_EQ(ask->attempts[1].number, 2);
  EXPECT_EQ(ask->attempts[1].status, "succeeded");
  EXPECT_TRUE(ask->attempts[1].error.empty());

  // The wait is the server's Retry-After (1 s), not the step's 10 ms backoff.
  int retries = 0;
  for (const Event& event : *events) {
    if (event.type != "attempt_failed") continue;
    ++retries;
    Json data = parse_json(event.data_json);
    EXPECT_EQ(data["retry_in_ms"], 1000) << event.data_json;
    EXPECT_EQ(event.step, "ask");
  }
  EXPECT_EQ(retries, 1);
}

TEST_F(RetryTest, ServerErrorStormBeyondTheLimitFailsWithTheLastError) {
  server_.add_fault(fake::Fault::http_status(500));
  server_.add_fault(fake::Fault::http_status(502));
  server_.add_fault(fake::Fault::http_status(503));
  server_.add_fault(fake::Fault::http_status(500));
  auto engine = open();
  std::string run_id = start(*engine, one_step("    retry: {attempts: 3, backoff: 1ms}\n"));
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 3u);
  EXPECT_EQ(server_.pending_faults(), 1u);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* ask = find_step(detail, "ask");
  ASSERT_NE(ask, nullptr);
  EXPECT_EQ(ask->status, "failed");
  ASSERT_EQ(ask->attempts.size(), 3u);
  EXPECT_NE(ask->attempts[0].error.find("HTTP 500"), std::string::npos);
  EXPECT_NE(ask->attempts[1].error.find("HTTP 502"), std::string::npos);
  EXPECT_NE(ask->attempts[2].error.find("HTTP 503"), std::string::npos);
  for (const AttemptInfo& attempt : ask->attempts) EXPECT_EQ(attempt.status, "failed");
  EXPECT_NE(ask->error.find("HTTP 503"), std::string::npos) << ask->error;
  EXPECT_NE(summary.error.find("HTTP 503"), std::string::npos) << summary.error;
  EXPECT_NE(summary.error.find("'ask'"), std::string::npos) << summary.error;
}

TEST_F(RetryTest, DefaultsRetryApplies) {
  server_.add_fault(fake::Fault::http_status(500));
  server_.add_fault(fake::Fault::http_status(500));
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: defaults
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast, retry: {attempts: 3, backoff: 1ms}}
steps:
  ask:
    prompt: "Hello?"
)");
  EXPECT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(RetryTest, TimeoutIsRetried) {
  server_.add_fault(fake::Fault::hang(milliseconds(5000)));
  auto engine = open();
  std::string run_id =
      start(*engine, one_step("    timeout: 200ms\n    retry: {attempts: 2, backoff: 1ms}\n"));
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* ask = find_step(detail, "ask");
  ASSERT_NE(ask, nullptr);
  ASSERT_EQ(ask->attempts.size(), 2u);
  EXPECT_EQ(ask->attempts[0].status, "failed");
  EXPECT_NE(ask->attempts[0].error.find("timed out"), std::string::npos) << ask->attempts[0].error;
  EXPECT_EQ(ask->attempts[1].status, "succeeded");
}

TEST_F(RetryTest, TimeoutsBeyondTheLimitFailTheStep) {
  server_.add_fault(fake::Fault::hang(milliseconds(5000)));
  server_.add_fault(fake::Fault::hang(milliseconds(5000)));
  auto engine = open();
  std::string run_id =
      start(*engine, one_step("    timeout: 150ms\n    retry: {attempts: 2, backoff: 1ms}\n"));
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("timed out"), std::string::npos) << summary.error;
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(RetryTest, FallbackModelAnswersWhenRetriesAreExhausted) {
  server_.add_fault(fake::Fault::http_status(503));
  server_.add_fault(fake::Fault::http_status(503));
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: fallback
models:
  primary: {provider: openai, model: gpt-primary, retry: {attempts: 2, backoff: 1ms}, fallback: [backup]}
  backup: {provider: openai, model: gpt-backup}
steps:
  ask:
    model: primary
    prompt: "Hello?"
outputs:
  by: "{{ ask.model }}"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["by"], "backup");

  std::vector<Json> bodies = request_bodies();
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0]["model"], "gpt-primary");
  EXPECT_EQ(bodies[1]["model"], "gpt-primary");
  EXPECT_EQ(bodies[2]["model"], "gpt-backup");

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* ask = find_step(detail, "ask");
  ASSERT_NE(ask, nullptr);
  ASSERT_EQ(ask->attempts.size(), 3u);
  EXPECT_EQ(ask->attempts[0].model, "primary");
  EXPECT_EQ(ask->attempts[1].model, "primary");
  EXPECT_EQ(ask->attempts[2].model, "backup");
  EXPECT_EQ(ask->attempts[2].number, 3);
  EXPECT_EQ(ask->attempts[2].status, "succeeded");
}

TEST_F(RetryTest, BadRequestIsNotRetried) {
  server_.add_fault(fake::Fault::http_status(400));
  auto engine = open();
  std::string run_id = start(*engine, one_step("    retry: {attempts: 5, backoff: 1ms}\n"));
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 1u);
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* ask = find_step(detail, "ask");
  ASSERT_NE(ask, nullptr);
  ASSERT_EQ(ask->attempts.size(), 1u);
  EXPECT_NE(ask->attempts[0].error.find("HTTP 400"), std::string::npos) << ask->attempts[0].error;
}

TEST_F(RetryTest, CutResponseIsRetried) {
  server_.add_fault(fake::Fault::cut());
  auto engine = open();
  RunSummary summary = start_and_run(*engine, one_step("    retry: {attempts: 2, backoff: 1ms}\n"));
  EXPECT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 2u);
}

}  // namespace
}  // namespace baton::engine_test
