// Human steps across processes: `baton run` stops at a human step with exit code 3, and a later
// `baton approve`, `reject` or `cancel` (a new process) answers it.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

class HumanStepsTest : public CliTest {
 protected:
  // Runs kApproval until it waits; returns the run id.
  std::string run_until_waiting() {
    std::string file = write("approval.yaml", kApproval);
    Outcome outcome = baton({"run", file, "-i", "topic=tea", "--db", db(), "--json"});
    EXPECT_EQ(outcome.exit_code, 3) << outcome.err;
    json summary = summary_line(outcome.out);
    EXPECT_EQ(summary.value("status", ""), "waiting") << outcome.out;
    EXPECT_EQ(summary.value("waiting", json::array()), json::array({"review"})) << outcome.out;
    return summary.value("run", "");
  }

  std::string step_status(const std::string& run, const std::string& step) {
    json detail = show(run);
    for (const json& record : detail.at("steps")) {
      if (record.at("step") == step && !record.contains("item")) return record.at("status");
    }
    return "";
  }
};

TEST_F(HumanStepsTest, ApproveWithAValueInANewProcessFinishesTheRun) {
  std::string run = run_until_waiting();
  ASSERT_FALSE(run.empty());
  EXPECT_EQ(step_status(run, "review"), "waiting");
  EXPECT_EQ(step_status(run, "publish"), "");

  Outcome outcome = baton(
      {"approve", run, "review", "--value", R"({"note": "ship it"})", "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  json summary = summary_line(outcome.out);
  EXPECT_EQ(summary.at("status"), "succeeded");
  EXPECT_EQ(summary.at("outputs").at("approved"), true);
  EXPECT_EQ(summary.at("outputs").at("answer"), json({{"note", "ship it"}}));
  EXPECT_EQ(step_status(run, "publish"), "succeeded");
  // The model step ran once, in the first process.
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(HumanStepsTest, ApproveWithAnEditedFile) {
  std::string run = run_until_waiting();
  std::string edited = write("edited.txt", "An edited draft\nwith two lines.\n");
  Outcome outcome = baton({"approve", run, "review", "--edit", edited, "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("outputs").at("answer"),
            "An edited draft\nwith two lines.\n");

  // --value and --edit together are a usage error.
  EXPECT_EQ(
      baton({"approve", run, "review", "--edit", edited, "--value", "1", "--db", db()}).exit_code,
      2);
}

TEST_F(HumanStepsTest, RejectWithAReasonSkipsWhatDependsOnApproval) {
  std::string run = run_until_waiting();
  Outcome outcome =
      baton({"reject", run, "review", "--reason", "too short", "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  json summary = summary_line(outcome.out);
  EXPECT_EQ(summary.at("status"), "succeeded");
  EXPECT_EQ(summary.at("outputs").at("approved"), false);
  EXPECT_EQ(summary.at("outputs").at("reason"), "too short");
  EXPECT_EQ(step_status(run, "publish"), "skipped");
}

TEST_F(HumanStepsTest, NoContinueRecordsTheDecisionAndResumeFinishes) {
  std::string run = run_until_waiting();
  Outcome outcome =
      baton({"approve", run, "review", "--value", "7", "--no-continue", "--db", db()});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("approved"), std::string::npos) << outcome.out;
  outcome = baton({"resume", run, "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("outputs").at("answer"), 7);
}

TEST_F(HumanStepsTest, ResumingAWaitingRunWaitsAgainWithoutCallingModels) {
  std::string run = run_until_waiting();
  Outcome outcome = baton({"resume", run, "--db", db(), "--json"});
  EXPECT_EQ(outcome.exit_code, 3) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("waiting"), json::array({"review"}));
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(HumanStepsTest, MistakesGetOneClearLineAndANonZeroExit) {
  std::string run = run_until_waiting();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases = {
      {{"approve", run, "draft"}, "step 'draft' of run " + run + " is not waiting (it succeeded)"},
      {{"approve", run, "reveiw"}, "has no step 'reveiw'; did you mean 'review'?"},
      {{"approve", run, "review[x]"}, "is not STEP or STEP[ITEM]"},
      {{"approve", run, "review", "--value", "{not json"}, "the value is not JSON"},
      {{"approve", "nosuchrun", "review"}, "no run 'nosuchrun'"},
      {{"reject", "nosuchrun", "review"}, "no run 'nosuchrun'"},
      {{"approve", run, "review", "--edit", "missing.txt"}, "missing.txt: cannot be read"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--db", db()});
    Outcome outcome = baton(args);
    EXPECT_EQ(outcome.exit_code, 2) << c.says << ": " << outcome.err;
    EXPECT_EQ(outcome.signal, 0);
    EXPECT_NE(outcome.err.find(c.says), std::string::npos) << outcome.err;
    EXPECT_EQ(outcome.err.rfind("baton: error: ", 0), 0u) << outcome.err;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
    EXPECT_EQ(outcome.out, "");
  }
  // Still waiting, and the run finishes when answered; then the step is no longer waiting.
  ASSERT_EQ(baton({"approve", run, "review", "--db", db()}).exit_code, 0);
  Outcome again = baton({"approve", run, "review", "--db", db()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("is not waiting"), std::string::npos) << again.err;
}

TEST_F(HumanStepsTest, CancelAWaitingRun) {
  std::string run = run_until_waiting();
  Outcome outcome = baton({"cancel", run, "--db", db()});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "run " + run + " cancelled\n");
  EXPECT_EQ(show(run).at("status"), "cancelled");

  // A cancelled run stays cancelled: it cannot be cancelled again, nor its step answered.
  Outcome again = baton({"cancel", run, "--db", db()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already been cancelled"), std::string::npos) << again.err;
  Outcome approve = baton({"approve", run, "review", "--db", db()});
  EXPECT_NE(approve.exit_code, 0);
  EXPECT_EQ(approve.signal, 0);
  EXPECT_EQ(show(run).at("status"), "cancelled");
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(HumanStepsTest, ItemsOfAForEachHumanStepAreAnsweredOneByOne) {
  std::string file = write("items.yaml", R"(name: items
steps:
  check:
    for_each: ["red", "green"]
    human: "Is {{ item }} fine?"
outputs:
  answers: "{{ check.approved }}"
)");
  Outcome outcome = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 3) << outcome.err;
  json summary = summary_line(outcome.out);
  std::string run = summary.at("run");
  EXPECT_EQ(summary.at("waiting"), json::array({"check[0]", "check[1]"}));

  outcome = baton({"approve", run, "check[1]", "--db", db(), "--json"});
  EXPECT_EQ(outcome.exit_code, 3) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("waiting"), json::array({"check[0]"}));
  outcome = baton({"reject", run, "check[0]", "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("outputs").at("answers"), json::array({false, true}));
}

TEST_F(HumanStepsTest, PlainOutputSaysHowToAnswer) {
  std::string file = write("approval.yaml", kApproval);
  Outcome outcome = baton({"run", file, "-i", "topic=tea", "--db", db()});
  ASSERT_EQ(outcome.exit_code, 3) << outcome.err;
  EXPECT_NE(outcome.out.find("review waiting: Publish the draft?"), std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("waiting for a human: baton approve "), std::string::npos)
      << outcome.out;
  EXPECT_EQ(outcome.out.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace baton::cli_test
