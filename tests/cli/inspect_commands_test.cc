// `baton runs` and `baton show`: what the journal holds, as text and as JSON; run ids may be
// shortened to any unique start.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

using InspectCommandsTest = CliTest;

std::string run_id(const Outcome& outcome) { return summary_line(outcome.out).value("run", ""); }

TEST_F(InspectCommandsTest, RunsListsNewestFirst) {
  std::string file = write("two.yaml", kTwoPrompts);
  std::string first = run_id(baton({"run", file, "-i", "topic=tea", "--db", db(), "--json"}));
  std::string approval = write("approval.yaml", kApproval);
  std::string second = run_id(baton({"run", approval, "-i", "topic=tea", "--db", db(), "--json"}));
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());

  Outcome listed = baton({"runs", "--db", db(), "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json runs = json::parse(listed.out);
  ASSERT_EQ(runs.size(), 2u) << listed.out;
  EXPECT_EQ(runs[0].at("run"), second);
  EXPECT_EQ(runs[0].at("status"), "waiting");
  EXPECT_EQ(runs[0].at("workflow"), "approval");
  EXPECT_EQ(runs[1].at("run"), first);
  EXPECT_EQ(runs[1].at("status"), "succeeded");
  EXPECT_EQ(runs[1].at("outputs").at("joined"),
            "fake reply to: first about tea | fake reply to: second about tea");
  EXPECT_GT(runs[1].at("usage").at("input_tokens").get<long>(), 0);

  Outcome text = baton({"runs", "--db", db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  std::vector<std::string> lines = lines_of(text.out);
  ASSERT_EQ(lines.size(), 2u) << text.out;
  EXPECT_EQ(lines[0].rfind(second + "  waiting", 0), 0u) << text.out;
  EXPECT_EQ(lines[1].rfind(first + "  succeeded", 0), 0u) << text.out;

  Outcome limited = baton({"runs", "--db", db(), "-n", "1", "--json"});
  EXPECT_EQ(json::parse(limited.out).size(), 1u);

  // An empty journal lists nothing.
  Outcome empty = baton({"runs", "--db", (dir_ / "empty.db").string(), "--json"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(json::parse(empty.out), json::array());
}

TEST_F(InspectCommandsTest, ShowGivesEveryAttemptWithPromptOutputErrorTimingAndTokens) {
  std::string file = write("two.yaml", kTwoPrompts);
  // The first call of `first` fails with a 500 and is retried.
  server_.add_fault(fake::Fault::http_status(500));
  server_.set_rules({{"second about", "the second answer"}});
  std::string workflow = std::string(kTwoPrompts);
  workflow.replace(workflow.find("  first:\n"), 9, "  first:\n    retry: {attempts: 2}\n");
  write("two.yaml", workflow);
  // Only one step at a time, so that the fault certainly hits `first`.
  Outcome outcome =
      baton({"run", file, "-i", "topic=tea", "--db", db(), "--json", "--concurrency", "1"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  std::string run = run_id(outcome);

  json detail = show(run);
  EXPECT_EQ(detail.at("run"), run);
  EXPECT_EQ(detail.at("status"), "succeeded");
  EXPECT_EQ(detail.at("inputs"), json({{"topic", "tea"}}));
  EXPECT_EQ(detail.at("workflow"), "two");
  ASSERT_EQ(detail.at("steps").size(), 3u) << detail.dump(2);

  const json& first = detail.at("steps")[0];
  EXPECT_EQ(first.at("step"), "first");
  EXPECT_EQ(first.at("status"), "succeeded");
  EXPECT_EQ(first.at("result").at("output"), "fake reply to: first about tea");
  ASSERT_EQ(first.at("attempts").size(), 2u) << first.dump(2);
  const json& failed = first.at("attempts")[0];
  EXPECT_EQ(failed.at("status"), "failed");
  EXPECT_NE(failed.at("error").get<std::string>().find("500"), std::string::npos) << failed.dump(2);
  const json& succeeded = first.at("attempts")[1];
  EXPECT_EQ(succeeded.at("number"), 2);
  EXPECT_EQ(succeeded.at("status"), "succeeded");
  EXPECT_EQ(succeeded.at("kind"), "model");
  EXPECT_EQ(succeeded.at("model"), "fast");
  EXPECT_EQ(succeeded.at("error"), "");
  EXPECT_GT(succeeded.at("started_ms").get<long>(), 0);
  EXPECT_GE(succeeded.at("ended_ms").get<long>(), succeeded.at("started_ms").get<long>());
  EXPECT_GT(succeeded.at("usage").at("input_tokens").get<long>(), 0);
  EXPECT_GT(succeeded.at("usage").at("output_tokens").get<long>(), 0);
  // The rendered prompt, as sent.
  EXPECT_NE(succeeded.at("request").dump().find("first about tea"), std::string::npos)
      << succeeded.dump(2);
  EXPECT_NE(succeeded.at("response").dump().find("fake reply to: first about tea"),
            std::string::npos)
      << succeeded.dump(2);

  // One step, as JSON and as text.
  json one = json::parse(baton({"show", run, "second", "--db", db(), "--json"}).out);
  ASSERT_EQ(one.at("steps").size(), 1u);
  EXPECT_EQ(one.at("steps")[0].at("result").at("output"), "the second answer");
  Outcome text = baton({"show", run, "first", "--db", db()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("step first: succeeded\n", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("  attempt 1 (model fast, first): failed"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("    error: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  attempt 2 (model fast, retry): succeeded"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("first about tea"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(" tokens"), std::string::npos) << text.out;

  // The whole run as text.
  Outcome whole = baton({"show", run, "--db", db()});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(whole.out.rfind("run " + run + ": two (", 0), 0u) << whole.out;
  EXPECT_NE(whole.out.find("status: succeeded"), std::string::npos) << whole.out;
  EXPECT_NE(whole.out.find("2 attempt(s)"), std::string::npos) << whole.out;

  // A step the run does not have.
  Outcome missing = baton({"show", run, "third", "--db", db()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "baton: error: run " + run + " has no step 'third' (yet)\n");
}

TEST_F(InspectCommandsTest, ShowListsForEachItemsAfterTheirStep) {
  std::string file = write("fan.yaml", R"(name: fan
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  each:
    for_each: ["a", "b"]
    prompt: "item {{ item }}"
outputs:
  all: "{{ each.output }}"
)");
  std::string run = run_id(baton({"run", file, "--db", db(), "--json"}));
  json detail = show(run);
  std::vector<std::string> labels;
  for (const json& step : detail.at("steps")) {
    labels.push_back(
        step.at("step").get<std::string>() +
        (step.contains("item") ? "[" + std::to_string(step.at("item").get<int>()) + "]" : ""));
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"each", "each[0]", "each[1]"}));
  json item = json::parse(baton({"show", run, "each[1]", "--db", db(), "--json"}).out);
  ASSERT_EQ(item.at("steps").size(), 1u);
  EXPECT_EQ(item.at("steps")[0].at("result").at("output"), "fake reply to: item b");
  EXPECT_EQ(detail.at("outputs").at("all"),
            json::array({"fake reply to: item a", "fake reply to: item b"}));
}

TEST_F(InspectCommandsTest, AUniqueStartOfARunIdIsEnough) {
  std::string file = write("two.yaml", kTwoPrompts);
  std::vector<std::string> runs;
  for (int i = 0; i < 6; ++i)
    runs.push_back(run_id(baton({"run", file, "-i", "topic=tea", "--db", db(), "--json"})));
  for (const std::string& run : runs) ASSERT_EQ(run.size(), 12u);

  // For each run, its shortest unique start works everywhere a run id is taken.
  for (const std::string& run : runs) {
    std::size_t length = 1;
    auto unique = [&](std::size_t n) {
      for (const std::string& other : runs)
        if (other != run && other.compare(0, n, run, 0, n) == 0) return false;
      return true;
    };
    while (!unique(length)) ++length;
    std::string prefix = run.substr(0, length);
    Outcome shown = baton({"show", prefix, "--db", db(), "--json"});
    ASSERT_EQ(shown.exit_code, 0) << prefix << ": " << shown.err;
    EXPECT_EQ(json::parse(shown.out).at("run"), run);
    Outcome resumed = baton({"resume", prefix, "--db", db(), "--json"});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(summary_line(resumed.out).at("run"), run);
  }

  // A start shared by several runs is an error that says so (found by pigeonhole among the
  // first characters, when there is one).
  for (const std::string& run : runs) {
    for (const std::string& other : runs) {
      if (other == run || other[0] != run[0]) continue;
      Outcome ambiguous = baton({"show", run.substr(0, 1), "--db", db()});
      EXPECT_EQ(ambiguous.exit_code, 2);
      EXPECT_EQ(ambiguous.err,
                "baton: error: '" + run.substr(0, 1) + "' is the start of several run ids\n");
      return;
    }
  }
}

}  // namespace
}  // namespace baton::cli_test
