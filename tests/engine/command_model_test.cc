// `provider: command`: a local program answers model calls, journaled like any model call.
#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class CommandModelTest : public EngineTest {};

TEST_F(CommandModelTest, AProgramAnswersAndItsAttemptIsJournaled) {
  auto engine = open();
  const std::string run_id = start(*engine, R"(
name: local
models:
  local:
    provider: command
    command: [/bin/sh, -c, "printf 'echo: '; cat"]
steps:
  ask:
    model: local
    prompt: "Say {{ 'hi' }}"
outputs:
  answer: "{{ ask.output }}"
)");
  const RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["answer"], "echo: Say hi");

  const RunDetail run_detail = detail(*engine, run_id);
  const StepInfo* step = find_step(run_detail, "ask");
  ASSERT_NE(step, nullptr);
  ASSERT_EQ(step->attempts.size(), 1u);
  const AttemptInfo& attempt = step->attempts[0];
  EXPECT_EQ(attempt.kind, "model");
  EXPECT_EQ(attempt.model, "local");
  EXPECT_EQ(attempt.status, "succeeded");
  EXPECT_EQ(parse_json(attempt.request_json)["messages"][0]["content"], "Say hi");
  EXPECT_EQ(parse_json(attempt.response_json)["stdout"], "echo: Say hi");
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(CommandModelTest, AFailingProgramIsAFailedAttemptWithItsStderr) {
  auto engine = open();
  const RunSummary summary = start_and_run(*engine, R"(
name: local
models:
  local:
    provider: command
    command: [/bin/sh, -c, "echo 'model file missing' >&2; exit 2"]
    retry: {attempts: 2, backoff: 1ms}
steps:
  ask: {model: local, prompt: hi}
)");
  ASSERT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("exited with code 2: model file missing"), std::string::npos)
      << summary.error;
  const RunDetail run_detail = detail(*engine, summary.id);
  const StepInfo* step = find_step(run_detail, "ask");
  ASSERT_NE(step, nullptr);
  ASSERT_EQ(step->attempts.size(), 2u);
  for (const AttemptInfo& attempt : step->attempts) {
    EXPECT_EQ(attempt.status, "failed");
    EXPECT_NE(attempt.error.find("model file missing"), std::string::npos) << attempt.error;
  }
}

}  // namespace
}  // namespace baton::engine_test
