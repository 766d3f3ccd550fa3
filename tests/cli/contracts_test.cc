// Output contracts through the `baton` command: rejected answers in `baton show` and in the
// event stream, and a step that asks the conductor (`on_failure: ask`), whose answer must pass
// the schema.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

using ContractsCliTest = CliTest;

constexpr const char* kFiles = R"(name: files
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  plan:
    prompt: "List the files as JSON."
    output:
      schema: {type: object, required: [files],
               properties: {files: {type: array, items: {type: string}}}}
    repair: 1
    on_failure: ask
outputs:
  first: "{{ plan.json.files[0] }}"
)";

TEST_F(ContractsCliTest, ShowAndEventsTellTheRejectedAnswers) {
  server_.set_rules({{"Answer again", R"({"files": ["a.cc"]})"}, {"List", R"({"files": [1]})"}});
  std::string file = write("files.yaml", kFiles);
  Outcome outcome = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err << outcome.out;
  json summary = summary_line(outcome.out);
  EXPECT_EQ(summary.at("outputs").at("first"), "a.cc");
  EXPECT_NE(outcome.out.find(R"("event":"attempt_rejected")"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find(R"("next":"repair")"), std::string::npos) << outcome.out;
  std::string run = summary.at("run");

  Outcome whole = baton({"show", run, "--db", db()});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_NE(whole.out.find("    attempt 1 (fast) rejected: your answer did not match the schema: "
                           "/files/0 must be a string\n"),
            std::string::npos)
      << whole.out;

  Outcome step = baton({"show", run, "plan", "--db", db()});
  ASSERT_EQ(step.exit_code, 0) << step.err;
  EXPECT_NE(step.out.find("  attempt 1 (model fast, first): failed"), std::string::npos)
      << step.out;
  EXPECT_NE(step.out.find("    rejected: your answer did not match the schema"), std::string::npos)
      << step.out;
  EXPECT_NE(step.out.find(R"(    answer: {"files": [1]})"), std::string::npos) << step.out;
  EXPECT_NE(step.out.find("  attempt 2 (model fast, repair): succeeded"), std::string::npos)
      << step.out;

  json detail = show(run);
  const json& attempts = detail.at("steps")[0].at("attempts");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].at("purpose"), "first");
  EXPECT_EQ(attempts[0].at("feedback"),
            "your answer did not match the schema: /files/0 must be a string");
  EXPECT_EQ(attempts[1].at("purpose"), "repair");
  EXPECT_FALSE(attempts[1].contains("feedback"));
}

TEST_F(ContractsCliTest, AskedStepTakesOnlyAnAnswerThatPassesTheSchema) {
  server_.set_rules({{"", "I cannot list files."}});
  std::string file = write("files.yaml", kFiles);
  Outcome waiting = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(waiting.exit_code, 3) << waiting.err << waiting.out;
  json summary = summary_line(waiting.out);
  EXPECT_EQ(summary.at("waiting"), json::array({"plan"}));
  std::string run = summary.at("run");

  Outcome refused = baton({"approve", run, "plan", "--value", R"({"files": [2]})", "--db", db()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("does not pass the output contract of step 'plan': your answer did "
                             "not match the schema: /files/0 must be a string"),
            std::string::npos)
      << refused.err;

  Outcome approved = baton(
      {"approve", run, "plan", "--value", R"({"files": ["by hand"]})", "--db", db(), "--json"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err << approved.out;
  EXPECT_EQ(summary_line(approved.out).at("outputs").at("first"), "by hand");
  EXPECT_EQ(server_.request_count(), 2u);  // the first answer and its one repair
}

}  // namespace
}  // namespace baton::cli_test
