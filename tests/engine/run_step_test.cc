// Run steps: a child process with argv or a shell, stdin, env and cwd; exit code, stdout and
// stderr in the result; a nonzero exit or a timeout fails the step.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using RunStepTest = EngineTest;

TEST_F(RunStepTest, ArgvIsPassedWithoutAShell) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: argv
inputs:
  name: {type: string}
steps:
  say:
    run: ["printf", "%s|%s", "{{ inputs.name }}", "$HOME; echo no shell"]
outputs:
  stdout: "{{ say.stdout }}"
  output: "{{ say.output }}"
  code: "{{ say.exit_code }}"
)",
                                     {{"name", "Ada Lovelace"}});
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["stdout"], "Ada Lovelace|$HOME; echo no shell");
  EXPECT_EQ(outputs["output"], outputs["stdout"]);
  EXPECT_EQ(outputs["code"], 0);
}

TEST_F(RunStepTest, ShellCommandCapturesStdoutAndStderr) {
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: shell
steps:
  both:
    run: "echo $((2 + 3)); echo warning >&2"
  parsed:
    run: "echo '{\"n\": 7}'"
outputs:
  stdout: "{{ both.stdout }}"
  stderr: "{{ both.stderr }}"
  n: "{{ parsed.json.n }}"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["stdout"], "5\n");
  EXPECT_EQ(outputs["stderr"], "warning\n");
  EXPECT_EQ(outputs["n"], 7);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* both = find_step(detail, "both");
  ASSERT_NE(both, nullptr);
  ASSERT_EQ(both->attempts.size(), 1u);
  EXPECT_EQ(both->attempts[0].kind, "process");
  EXPECT_EQ(both->attempts[0].status, "succeeded");
  Json response = parse_json(both->attempts[0].response_json);
  EXPECT_EQ(response["exit_code"], 0);
  EXPECT_EQ(response["stdout"], "5\n");
}

TEST_F(RunStepTest, StdinEnvAndCwd) {
  fs::create_directory(dir_.path() / "work");
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: io
inputs:
  dir: {type: string}
steps:
  upper:
    run: ["tr", "a-z", "A-Z"]
    stdin: "hello {{ inputs.dir | length > 0 }}"
  env:
    run: "printf '%s' \"$GREETING\""
    env:
      GREETING: "hi from {{ upper.stdout }}"
  where:
    run: ["pwd"]
    cwd: "{{ inputs.dir }}"
outputs:
  upper: "{{ upper.stdout }}"
  env: "{{ env.stdout }}"
  where: "{{ where.stdout | trim }}"
)",
                                     {{"dir", (dir_.path() / "work").string()}});
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["upper"], "HELLO TRUE");
  EXPECT_EQ(outputs["env"], "hi from HELLO TRUE");
  EXPECT_EQ(outputs["where"], (dir_.path() / "work").string());
}

TEST_F(RunStepTest, NonzeroExitFailsTheStep) {
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: exit
steps:
  fail:
    run: "echo partial; echo broken pipe >&2; exit 3"
)");
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* fail = find_step(detail, "fail");
  ASSERT_NE(fail, nullptr);
  EXPECT_EQ(fail->status, "failed");
  EXPECT_NE(fail->error.find("exited with code 3"), std::string::npos) << fail->error;
  EXPECT_NE(fail->error.find("broken pipe"), std::string::npos) << fail->error;
  ASSERT_EQ(fail->attempts.size(), 1u);
  EXPECT_EQ(fail->attempts[0].status, "failed");
  Json response = parse_json(fail->attempts[0].response_json);
  EXPECT_EQ(response["exit_code"], 3);
  EXPECT_EQ(response["stdout"], "partial\n");
}

TEST_F(RunStepTest, RetriedWhenAskedTo) {
  std::string counter = (dir_.path() / "count").string();
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: flaky
inputs:
  counter: {type: string}
steps:
  flaky:
    run: "echo x >> '{{ inputs.counter }}'; test $(wc -l < '{{ inputs.counter }}') -ge 3"
    retry: {attempts: 3, backoff: 1ms}
)",
                                     {{"counter", counter}});
  EXPECT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
}

TEST_F(RunStepTest, TimeoutKillsTheCommand) {
  auto engine = open();
  std::string run_id = start(*engine, R"(
name: slow
steps:
  slow:
    run: "sleep 30"
    timeout: 200ms
)");
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* slow = find_step(detail, "slow");
  ASSERT_NE(slow, nullptr);
  EXPECT_NE(slow->error.find("timed out"), std::string::npos) << slow->error;
}

TEST_F(RunStepTest, MissingProgramFailsTheStep) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: missing
steps:
  nothing:
    run: ["baton-no-such-program-here"]
)");
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("baton-no-such-program-here"), std::string::npos) << summary.error;
}

}  // namespace
}  // namespace baton::engine_test
