// Output contracts on prompt steps: a rejected answer is journaled with its feedback, repaired
// (re-prompted with the exact failure), then handed to the fallback models, then to the
// conductor (on_failure: ask) or the step fails; repairs survive a process that dies.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/store/journal.h"
#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class ContractsTest : public EngineTest {
 protected:
  std::unique_ptr<Engine> open_journaled() {
    EngineOptions options = this->options();
    options.journal_path = journal_path();
    return open(std::move(options));
  }

  // The messages of the index-th chat request, as (role, content) pairs.
  std::vector<std::pair<std::string, std::string>> messages_of(std::size_t index) const {
    std::vector<std::pair<std::string, std::string>> messages;
    std::vector<Json> bodies = request_bodies();
    if (index >= bodies.size()) return messages;
    for (const Json& message : bodies[index]["messages"])
      messages.emplace_back(message.value("role", ""), message.value("content", ""));
    return messages;
  }
};

// A schema'd step: "List" asks for the files, the repair request is the feedback.
std::string files_step(const std::string& step_keys, const std::string& models = kModels) {
  return models + R"(
name: files
steps:
  plan:
    prompt: "List the files as JSON."
    output:
      schema: {type: object, required: [files],
               properties: {files: {type: array, items: {type: string}}}}
)" + step_keys +
         R"(
outputs:
  first: "{{ plan.json.files[0] }}"
  by: "{{ plan.model }}"
)";
}

constexpr const char* kGood = "Here you are:\n```json\n{\"files\": [\"main.cc\"]}\n```";
constexpr const char* kRepairAsk =
    "Your answer did not match the schema: /files/0 must be a string. Answer again, in full, "
    "correcting this.";

TEST_F(ContractsTest, RepairWithTheExactFailureConverges) {
  server_.set_rules({{"Answer again", kGood}, {"List the files", R"({"files": [3]})"}});
  auto engine = open();
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  std::string run_id = start(*engine, files_step("    repair: 2\n"));
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["first"], "main.cc");

  // The repair request: the conversation, the rejected answer, and the exact failure.
  ASSERT_EQ(server_.request_count(), 2u);
  auto repair = messages_of(1);
  ASSERT_EQ(repair.size(), 3u);
  EXPECT_EQ(repair[0], std::make_pair(std::string("user"), std::string("List the files as JSON.")));
  EXPECT_EQ(repair[1], std::make_pair(std::string("assistant"), std::string(R"({"files": [3]})")));
  EXPECT_EQ(repair[2], std::make_pair(std::string("user"), std::string(kRepairAsk)));

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* plan = find_step(detail, "plan");
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->attempts.size(), 2u);
  const AttemptInfo& rejected = plan->attempts[0];
  EXPECT_EQ(rejected.status, "failed");
  EXPECT_EQ(rejected.purpose, "first");
  EXPECT_EQ(rejected.feedback, "your answer did not match the schema: /files/0 must be a string");
  EXPECT_EQ(rejected.answer, R"({"files": [3]})");
  EXPECT_GT(rejected.usage.input_tokens, 0);  // paid for, so counted
  EXPECT_EQ(plan->attempts[1].status, "succeeded");
  EXPECT_EQ(plan->attempts[1].purpose, "repair");
  EXPECT_EQ(summary.usage.input_tokens,
            rejected.usage.input_tokens + plan->attempts[1].usage.input_tokens);

  int rejections = 0;
  for (const Event& event : *events) {
    if (event.type != "attempt_rejected") continue;
    ++rejections;
    Json data = parse_json(event.data_json);
    EXPECT_EQ(data["feedback"], rejected.feedback);
    EXPECT_EQ(data["next"], "repair");
    EXPECT_EQ(data["attempt"], 1);
  }
  EXPECT_EQ(rejections, 1);
}

TEST_F(ContractsTest, AnswerWithoutJsonIsRepaired) {
  server_.set_rules({{"Answer again", kGood}, {"List the files", "Sure! The files are main.cc."}});
  auto engine = open();
  RunSummary summary = start_and_run(*engine, files_step("    repair: 1\n"));
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  auto repair = messages_of(1);
  ASSERT_EQ(repair.size(), 3u);
  EXPECT_EQ(repair[2].second.rfind("Your answer contains no valid JSON", 0), 0u)
      << repair[2].second;
}

TEST_F(ContractsTest, RepairsExhaustedThenTheFallbackModelAnswers) {
  server_.set_rules(
      {{"", kGood, std::chrono::milliseconds(0), "gpt-backup"}, {"", R"({"files": "all"})"}});
  auto engine = open();
  std::string run_id = start(*engine, files_step("    model: primary\n    repair: 1\n", R"(
models:
  primary: {provider: openai, model: gpt-primary, fallback: [backup]}
  backup: {provider: openai, model: gpt-backup}
)"));
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["by"], "backup");

  // The fallback gets the original prompt, not the repair conversation.
  ASSERT_EQ(server_.request_count(), 3u);
  EXPECT_EQ(request_bodies()[2]["model"], "gpt-backup");
  auto fallback = messages_of(2);
  ASSERT_EQ(fallback.size(), 1u);
  EXPECT_EQ(fallback[0].second, "List the files as JSON.");

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* plan = find_step(detail, "plan");
  ASSERT_NE(plan, nullptr);
  ASSERT_EQ(plan->attempts.size(), 3u);
  EXPECT_EQ(plan->attempts[0].purpose, "first");
  EXPECT_EQ(plan->attempts[1].purpose, "repair");
  EXPECT_EQ(plan->attempts[2].purpose, "fallback");
  EXPECT_EQ(plan->attempts[2].model, "backup");
  EXPECT_EQ(plan->attempts[1].feedback,
            "your answer did not match the schema: /files must be an array");
}

TEST_F(ContractsTest, ExhaustedWithOnFailureFailNamesTheFeedback) {
  server_.set_rules({{"", R"({"files": [3]})"}});
  auto engine = open();
  std::string run_id = start(*engine, files_step("    repair: 1\n    on_failure: fail\n"));
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_NE(summary.error.find("step 'plan': the answer of model 'fast' was rejected after 1 "
                               "repair: your answer did not match the schema: /files/0 must be a "
                               "string"),
            std::string::npos)
      << summary.error;
}

TEST_F(ContractsTest, TransportRetriesDoNotUseRepairs) {
  server_.set_rules({{"Answer again", kGood}, {"List the files", R"({"files": [3]})"}});
  server_.add_fault(fake::Fault::http_status(503));  // the first call
  auto engine = open();
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events, this](const Event& event) {
    events->push_back(event);
    // The repair call meets a 429 too: it is retried, and the repair is not used up.
    if (event.type == "attempt_rejected") server_.add_fault(fake::Fault::http_status(429, 0));
  });
  std::string run_id =
      start(*engine, files_step("    repair: 1\n    retry: {attempts: 2, backoff: 1ms}\n"));
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* plan = find_step(detail, "plan");
  ASSERT_NE(plan, nullptr);
  std::vector<std::string> purposes;
  for (const AttemptInfo& attempt : plan->attempts) purposes.push_back(attempt.purpose);
  EXPECT_EQ(purposes, (std::vector<std::string>{"first", "retry", "repair", "retry"}));
  EXPECT_EQ(messages_of(3).back().second, kRepairAsk);
}

TEST_F(ContractsTest, PatternContract) {
  server_.set_rules({{"Answer again", "DONE: 3 files"}, {"Report", "I changed three files."}});
  auto engine = open();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: pattern
steps:
  report:
    prompt: "Report how many files changed."
    output: {pattern: '^DONE: \d+ files?$'}
    repair: 1
outputs:
  report: "{{ report.output }}"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["report"], "DONE: 3 files");
  EXPECT_EQ(messages_of(1).back().second,
            "Your answer did not match the pattern /^DONE: \\d+ files?$/. Answer again, in full, "
            "correcting this.");
}

TEST_F(ContractsTest, CheckCommandGetsTheAnswerOnStdinAndInAFile) {
  server_.set_rules({{"Answer again", "def add(a, b):\n    return a + b\n"},
                     {"Write", "def add(a, b):\n    return a - b\n"}});
  auto engine = open();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: check
steps:
  code:
    prompt: "Write add()."
    output:
      check: 'grep -q "a + b" "$BATON_ANSWER_FILE" && grep -q "return" || { echo "add() does not add"; exit 1; }'
    repair: 1
outputs:
  code: "{{ code.output }}"
)");
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_EQ(messages_of(1).back().second,
            "Your answer did not pass the check (the command exited with code 1):\nadd() does not "
            "add\n\nAnswer again, in full, correcting this.");
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* code = find_step(detail, "code");
  ASSERT_NE(code, nullptr);
  ASSERT_EQ(code->attempts.size(), 2u);
  EXPECT_EQ(code->attempts[0].feedback,
            "your answer did not pass the check (the command exited with code 1):\nadd() does not "
            "add\n");
}

TEST_F(ContractsTest, ChecksRunInOrderAndTheFirstFailureIsTheFeedback) {
  // The answer is JSON that matches the schema but not the pattern; the check is never run.
  server_.set_rules({{"", R"({"files": ["a"]})"}});
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: order
steps:
  plan:
    prompt: "List"
    output:
      schema: {type: object}
      pattern: "DONE"
      check: "exit 1"
)");
  ASSERT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("did not match the pattern /DONE/"), std::string::npos)
      << summary.error;
}

TEST_F(ContractsTest, JsonOfAStepWithoutSchemaIsFoundInProse) {
  server_.set_rules({{"", "Sure:\n```json\n{\"n\": 7}\n```\nAnything else?"}});
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: prose
steps:
  count:
    prompt: "Count"
outputs:
  n: "{{ count.json.n }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["n"], 7);
}

TEST_F(ContractsTest, OnFailureAskWaitsAndTheAnswerMustPassTheContract) {
  server_.set_rules({{"", R"({"files": [3]})"}});
  std::string run_id;
  {
    auto engine = open_journaled();
    run_id = start(*engine, files_step("    on_failure: ask\n"));
    RunSummary paused = run(*engine, run_id);
    ASSERT_EQ(paused.status, RunStatus::kWaiting) << paused.error;
    EXPECT_EQ(paused.waiting, std::vector<std::string>{"plan"});
    RunDetail detail = EngineTest::detail(*engine, run_id);
    const StepInfo* plan = find_step(detail, "plan");
    ASSERT_NE(plan, nullptr);
    Json shown = parse_json(plan->result_json);
    EXPECT_EQ(shown["show"], R"({"files": [3]})");
    EXPECT_NE(shown["feedback"].get<std::string>().find("/files/0 must be a string"),
              std::string::npos);

    // An answer that fails the schema is refused, with the reason; nothing is recorded.
    Status refused = engine->decide(run_id, "plan", {true, R"({"files": "x"})", ""});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(refused.error().message().find("/files must be an array"), std::string::npos)
        << refused.error().message();
    Status no_value = engine->decide(run_id, "plan", {true, "", ""});
    ASSERT_FALSE(no_value);
    EXPECT_NE(no_value.error().message().find("--value"), std::string::npos);

    Status decided = engine->decide(run_id, "plan", {true, R"({"files": ["by hand.txt"]})", ""});
    ASSERT_TRUE(decided) << decided.error().to_string();
  }
  auto engine = open_journaled();
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kSucceeded) << finished.error;
  EXPECT_EQ(parse_json(finished.outputs_json)["first"], "by hand.txt");
  EXPECT_EQ(parse_json(finished.outputs_json)["by"], "human");
  EXPECT_EQ(server_.request_count(), 1u);  // the resumed run did not call the model again
}

TEST_F(ContractsTest, OnFailureAskThenRejectFailsTheStep) {
  server_.set_rules({{"", "no json"}});
  auto engine = open_journaled();
  std::string run_id = start(*engine, files_step("    on_failure: ask\n"));
  ASSERT_EQ(run(*engine, run_id).status, RunStatus::kWaiting);
  Status decided = engine->decide(run_id, "plan", {false, "", "not worth it"});
  ASSERT_TRUE(decided) << decided.error().to_string();
  RunSummary finished = run(*engine, run_id);
  ASSERT_EQ(finished.status, RunStatus::kFailed);
  EXPECT_NE(finished.error.find("rejected by the conductor: not worth it"), std::string::npos)
      << finished.error;
}

TEST_F(ContractsTest, ForEachItemsAreRepairedOneByOne) {
  server_.set_rules({{"Answer again", "4"}, {"Rate b", "four"}, {"Rate", "5"}});
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: each
steps:
  rate:
    for_each: [a, b, c]
    prompt: "Rate {{ item }} from 1 to 5."
    output: {pattern: '^[1-5]$'}
    repair: 1
outputs:
  scores: "{{ rate.output }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["scores"], Json::parse(R"(["5", "4", "5"])"));
  EXPECT_EQ(server_.request_count(), 4u);
}

TEST_F(ContractsTest, RepairCallsReserveAgainstTheBudget) {
  // Each call reserves about 110 tokens and uses fewer; the budget fits the first call and its
  // repair, not every repair.
  server_.set_rules({{"", R"({"files": [3]})"}});
  auto engine = open();
  RunSummary summary = start_and_run(*engine, files_step("    repair: 5\n", R"(
models:
  fast: {provider: openai, model: gpt-test, max_tokens: 100}
defaults: {model: fast}
budget: {tokens: 260}
)"));
  // The repair that does not fit is not sent: the run pauses at its budget.
  ASSERT_EQ(summary.status, RunStatus::kWaiting) << summary.error;
  ASSERT_EQ(summary.over_budget.size(), 1u);
  RunDetail details = detail(*engine, summary.id);
  const StepInfo* plan = find_step(details, "plan");
  ASSERT_NE(plan, nullptr);
  EXPECT_NE(plan->result_json.find("budget: this call could use up to"), std::string::npos)
      << plan->result_json;
  EXPECT_LE(summary.usage.input_tokens + summary.usage.output_tokens, 260);
  EXPECT_GE(server_.request_count(), 1u);
  EXPECT_LT(server_.request_count(), 6u);
}

// What a process killed during the first repair call leaves behind: the first answer rejected,
// the repair attempt running. The resumed run repairs with what is left (1 of 2), not afresh.
TEST_F(ContractsTest, ResumedRunContinuesWithTheRepairsLeft) {
  std::string run_id;
  {
    auto engine = open_journaled();
    run_id = start(*engine, files_step("    repair: 2\n"));
  }
  {
    Result<std::unique_ptr<store::Journal>> journal =
        store::open_sqlite_journal(journal_path(), store::Durability::kProcess);
    ASSERT_TRUE(journal) << journal.error().to_string();
    store::AttemptRecord first;
    first.step_id = "plan";
    first.kind = "model";
    first.model = "fast";
    first.purpose = "first";
    first.request_json = "{}";
    first.started_ms = 1;
    ASSERT_TRUE((*journal)->add_attempt(run_id, first));
    first.status = store::AttemptStatus::kFailed;
    first.error = "rejected: your answer did not match the schema: /files/0 must be a string";
    first.feedback = "your answer did not match the schema: /files/0 must be a string";
    first.answer = R"({"files": [3]})";
    first.input_tokens = 10;
    first.output_tokens = 5;
    first.ended_ms = 2;
    ASSERT_TRUE((*journal)->finish_attempt(run_id, first));
    store::AttemptRecord repair;
    repair.step_id = "plan";
    repair.number = 2;
    repair.kind = "model";
    repair.model = "fast";
    repair.purpose = "repair";
    repair.request_json = "{}";
    repair.started_ms = 3;
    ASSERT_TRUE((*journal)->add_attempt(run_id, repair));
    ASSERT_TRUE((*journal)->commit());
  }
  // Every answer is wrong: the interrupted repair is made again, then the one repair left.
  server_.set_rules({{"", R"({"files": [4]})"}});
  auto engine = open_journaled();
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 2u);
  // Both calls repaired the answer the dead process had rejected, then the new one.
  auto redo = messages_of(0);
  ASSERT_EQ(redo.size(), 3u);
  EXPECT_EQ(redo[1].second, R"({"files": [3]})");
  EXPECT_EQ(redo[2].second, kRepairAsk);
  EXPECT_EQ(messages_of(1)[1].second, R"({"files": [4]})");

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* plan = find_step(detail, "plan");
  ASSERT_NE(plan, nullptr);
  std::vector<std::string> purposes;
  for (const AttemptInfo& attempt : plan->attempts) purposes.push_back(attempt.purpose);
  EXPECT_EQ(purposes, (std::vector<std::string>{"first", "repair", "retry", "repair"}));
  EXPECT_EQ(plan->attempts[1].status, "interrupted");
  EXPECT_NE(summary.error.find("after 2 repairs"), std::string::npos) << summary.error;
  EXPECT_GE(summary.usage.input_tokens, 10);  // the dead process's rejected answer counts
}

// A failed step runs afresh on resume: full repairs again, from the step's own model.
TEST_F(ContractsTest, FailedStepIsRepairedAfreshOnResume) {
  server_.set_rules({{"", R"({"files": [3]})"}});
  std::string run_id;
  {
    auto engine = open_journaled();
    run_id = start(*engine, files_step("    repair: 1\n"));
    ASSERT_EQ(run(*engine, run_id).status, RunStatus::kFailed);
  }
  EXPECT_EQ(server_.request_count(), 2u);
  server_.set_rules({{"Answer again", kGood}, {"", R"({"files": [3]})"}});
  auto engine = open_journaled();
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 4u);
  EXPECT_EQ(messages_of(2).size(), 1u);  // the original prompt, not a repair
}

}  // namespace
}  // namespace baton::engine_test
