// `baton run` and `baton resume` as a user runs them: the --json event stream and its summary
// line, exit codes, where inputs and the journal come from, plain output when piped.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

using RunCommandTest = CliTest;

TEST_F(RunCommandTest, JsonPrintsOneObjectPerEventAndEndsWithTheSummary) {
  std::string file = write("two.yaml", kTwoPrompts);
  Outcome outcome = baton({"run", file, "-i", "topic=tea", "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.err, "");

  std::vector<json> events = json_lines(outcome.out);
  ASSERT_GE(events.size(), 2u);
  const json& summary = events.back();
  std::string run = summary.at("run").get<std::string>();
  EXPECT_EQ(summary.at("event"), "run");
  EXPECT_EQ(summary.at("status"), "succeeded");
  EXPECT_EQ(summary.at("outputs"),
            json({{"joined", "fake reply to: first about tea | fake reply to: second about tea"}}));
  EXPECT_GT(summary.at("usage").at("input_tokens").get<long>(), 0);
  EXPECT_GT(summary.at("usage").at("output_tokens").get<long>(), 0);
  // The summary's fields come in the documented order.
  std::string last_line = lines_of(outcome.out).back();
  EXPECT_EQ(last_line.rfind("{\"event\":\"run\",\"run\":\"" + run +
                                "\",\"status\":\"succeeded\",\"outputs\":{\"joined\":",
                            0),
            0u)
      << last_line;
  EXPECT_NE(last_line.find("},\"usage\":{\"input_tokens\":"), std::string::npos) << last_line;

  // Every other line is an event of this run, in journal order.
  std::vector<std::string> types;
  long last_seq = 0;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const json& event = events[i];
    EXPECT_EQ(event.at("run"), run);
    EXPECT_TRUE(event.at("data").is_object()) << event.dump();
    EXPECT_GT(event.at("seq").get<long>(), last_seq) << event.dump();
    last_seq = event.at("seq").get<long>();
    std::string type = event.at("event").get<std::string>();
    if (event.contains("step")) type += ":" + event.at("step").get<std::string>();
    types.push_back(type);
  }
  EXPECT_EQ(types.front(), "run_started");
  EXPECT_EQ(types.back(), "run_succeeded");
  for (const char* expected : {"step_started:first", "step_succeeded:first", "step_started:second",
                               "step_succeeded:second", "step_succeeded:joined"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), expected), types.end()) << expected;
  }
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(RunCommandTest, AFailedRunExitsOne) {
  std::string file = write("fails.yaml", R"(name: fails
steps:
  broken:
    run: "echo oops >&2; exit 3"
  after:
    value: "{{ broken.stdout }}"
  independent:
    run: ["echo", "still runs"]
)");
  Outcome outcome = baton({"run", file, "--db", db(), "--json"});
  EXPECT_EQ(outcome.exit_code, 1) << outcome.err;
  json summary = summary_line(outcome.out);
  EXPECT_EQ(summary.at("status"), "failed");
  EXPECT_NE(summary.value("error", "").find("broken"), std::string::npos) << summary.dump();
  json detail = show(summary.at("run").get<std::string>());
  std::map<std::string, std::string> status;
  for (const json& step : detail.at("steps")) status[step.at("step")] = step.at("status");
  EXPECT_EQ(status["broken"], "failed");
  EXPECT_EQ(status["after"], "failed");
  EXPECT_EQ(status["independent"], "succeeded");
}

TEST_F(RunCommandTest, AnInvalidWorkflowExitsTwoWithFileLineColumnAndRecordsNothing) {
  std::string file = write("bad.yaml", R"(name: bad
steps:
  a:
    value: "{{ missing.output }}"
)");
  Outcome outcome = baton({"run", file, "--db", db(), "--json"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.out, "");
  EXPECT_NE(outcome.err.find(file + ":4:16: error: unknown name 'missing'"), std::string::npos)
      << outcome.err;
  Outcome runs = baton({"runs", "--db", db(), "--json"});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(json::parse(runs.out), json::array());
}

TEST_F(RunCommandTest, BadInputsExitTwoWithOneLine) {
  std::string file = write("two.yaml", kTwoPrompts);
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases = {
      {{"-i", "topic"}, "expected NAME=VALUE"},
      {{"-i", "=tea"}, "expected NAME=VALUE"},
      {{}, "topic"},                                  // a required input is missing
      {{"-i", "topic=tea", "-i", "nope=1"}, "nope"},  // an unknown input
      {{"--inputs", "missing.json"}, "missing.json"},
      {{"--inputs", write("list.json", "[1, 2]")}, "expected a JSON object"},
      {{"--concurrency", "0"}, "concurrency"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"run", file, "--db", db()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Outcome outcome = baton(args);
    EXPECT_EQ(outcome.exit_code, 2) << c.args.size() << " " << outcome.err;
    EXPECT_NE(outcome.err.find(c.says), std::string::npos) << outcome.err;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
    EXPECT_EQ(outcome.signal, 0);
  }
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(RunCommandTest, UnknownRunsAndUsageErrorsExitTwo) {
  std::string file = write("two.yaml", kTwoPrompts);
  ASSERT_EQ(baton({"run", file, "-i", "topic=tea", "--db", db()}).exit_code, 0);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"resume", "nosuchrun", "--db", db()},
           {"show", "nosuchrun", "--db", db()},
           {"cancel", "nosuchrun", "--db", db()},
           {"approve", "nosuchrun", "review", "--db", db()},
           {"reject", "nosuchrun", "review", "--db", db()},
       }) {
    Outcome outcome = baton(args);
    EXPECT_EQ(outcome.exit_code, 2) << args[0] << ": " << outcome.err;
    EXPECT_EQ(outcome.err, "baton: error: no run 'nosuchrun'\n") << args[0];
  }
  EXPECT_EQ(baton({"run"}).exit_code, 2);
  EXPECT_EQ(baton({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(baton({"run", file, "--durability", "sometimes"}).exit_code, 2);
  EXPECT_EQ(baton({"run", "does-not-exist.yaml", "--db", db()}).exit_code, 2);
}

TEST_F(RunCommandTest, InputsFromAJsonFileAndTheCommandLine) {
  std::string file = write("inputs.yaml", R"(name: inputs
inputs:
  topic: {type: string}
  count: {type: integer}
  tags: {type: list}
steps:
  echo:
    value: "{{ inputs.topic }} {{ inputs.count + 1 }} {{ inputs.tags | join(',') }}"
outputs:
  text: "{{ echo.output }}"
)");
  std::string inputs = write("inputs.json", R"({"topic": "tea", "count": 41, "tags": ["a", "b"]})");
  Outcome outcome = baton({"run", file, "--inputs", inputs, "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("outputs"), json({{"text", "tea 42 a,b"}}));

  // -i wins over the file.
  outcome = baton({"run", file, "--inputs", inputs, "-i", "topic=coffee", "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("outputs"), json({{"text", "coffee 42 a,b"}}));

  // A value of the wrong type is one clear error.
  outcome = baton({"run", file, "--inputs", inputs, "-i", "count=many", "--db", db()});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_NE(outcome.err.find("count"), std::string::npos) << outcome.err;
}

TEST_F(RunCommandTest, ConcurrencyOneStillFinishesEveryItem) {
  std::string file = write("fan.yaml", R"(name: fan
models:
  fast: {provider: openai, model: gpt-test}
steps:
  each:
    for_each: ["a", "b", "c", "d", "e"]
    model: fast
    prompt: "item {{ item }}"
outputs:
  all: "{{ each.output | join(',') }}"
)");
  server_.set_latency(std::chrono::milliseconds(20));
  Outcome outcome = baton({"run", file, "--db", db(), "--json", "--concurrency", "1"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("outputs").at("all"),
            "fake reply to: item a,fake reply to: item b,fake reply to: item c,"
            "fake reply to: item d,fake reply to: item e");
  EXPECT_EQ(server_.request_count(), 5u);
  // One at a time: no two calls were ever in flight together, so each started on the connection
  // the previous one left (curl keeps it alive).
  std::set<int> connections;
  for (const fake::RecordedRequest& request : server_.requests())
    connections.insert(request.remote_port);
  EXPECT_EQ(connections.size(), 1u);
}

TEST_F(RunCommandTest, TheJournalIsBatonDbElseTheDefaultInTheWorkingDirectory) {
  std::string file = write("two.yaml", kTwoPrompts);
  std::string from_env = (dir_ / "from_env.db").string();
  Outcome outcome = baton({"run", file, "-i", "topic=tea", "--json"}, {{"BATON_DB", from_env}});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  std::string run = summary_line(outcome.out).at("run");
  EXPECT_TRUE(fs::exists(from_env));
  EXPECT_FALSE(fs::exists(dir_ / ".baton"));
  EXPECT_EQ(baton({"show", run, "--db", from_env}).exit_code, 0);

  // --db wins over BATON_DB.
  outcome = baton({"run", file, "-i", "topic=tea", "--db", db()}, {{"BATON_DB", from_env}});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_TRUE(fs::exists(db()));

  // Neither: ./.baton/baton.db, created with its directory.
  outcome = baton({"run", file, "-i", "topic=tea", "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  std::string default_run = summary_line(outcome.out).at("run");
  EXPECT_TRUE(fs::exists(dir_ / ".baton" / "baton.db"));
  Outcome shown = baton({"show", default_run, "--json"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out).at("run"), default_run);
  // ...which does not hold the runs of the other journals.
  EXPECT_EQ(baton({"show", run}).exit_code, 2);
}

TEST_F(RunCommandTest, PipedOutputIsPlainLinesWithoutEscapeCodes) {
  std::string file = write("two.yaml", kTwoPrompts);
  Outcome outcome = baton({"run", file, "-i", "topic=tea", "--db", db()});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(outcome.out.find('\x1b'), std::string::npos) << outcome.out;
  std::vector<std::string> lines = lines_of(outcome.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front().rfind("run ", 0), 0u) << outcome.out;
  EXPECT_NE(outcome.out.find("first succeeded"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find(" succeeded in "), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("outputs: {\"joined\":"), std::string::npos) << outcome.out;

  // NO_COLOR changes nothing here, and the other commands are plain too.
  outcome = baton({"run", file, "-i", "topic=tea", "--db", db()}, {{"NO_COLOR", "1"}});
  EXPECT_EQ(outcome.out.find('\x1b'), std::string::npos) << outcome.out;
  std::string run = lines_of(outcome.out).front().substr(4, 12);
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{"runs", "--db", db()},
                                             {"show", run, "--db", db()},
                                             {"show", run, "first", "--db", db()}}) {
    Outcome other = baton(args);
    EXPECT_EQ(other.exit_code, 0) << other.err;
    EXPECT_EQ(other.out.find('\x1b'), std::string::npos) << other.out;
  }
}

TEST_F(RunCommandTest, ResumingASucceededRunCallsNothingAndPrintsTheSameSummary) {
  std::string file = write("two.yaml", kTwoPrompts);
  Outcome first = baton({"run", file, "-i", "topic=tea", "--db", db(), "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json summary = summary_line(first.out);
  Outcome again = baton({"resume", summary.at("run"), "--db", db(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  json resumed = summary_line(again.out);
  EXPECT_EQ(resumed.at("status"), "succeeded");
  EXPECT_EQ(resumed.at("outputs"), summary.at("outputs"));
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(RunCommandTest, AFixtureAnswersInsteadOfTheModelAndTheRunSaysSo) {
  std::string file = write("two.yaml", kTwoPrompts);
  std::string fixture = write("two.fixture.yaml", R"(responses:
  - step: first
    reply: "one"
    usage: {input_tokens: 3, output_tokens: 1}
  - reply: "two"
    usage: {input_tokens: 4, output_tokens: 2}
)");
  Outcome outcome =
      baton({"run", file, "-i", "topic=tea", "--db", db(), "--json", "--fixture", fixture});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  json summary = summary_line(outcome.out);
  EXPECT_EQ(summary.at("outputs"), json({{"joined", "one | two"}}));
  EXPECT_EQ(summary.at("usage"), json({{"input_tokens", 7}, {"output_tokens", 3}}));
  EXPECT_EQ(server_.request_count(), 0u);
  EXPECT_NE(summary.value("fixture", "").find("two.fixture.yaml"), std::string::npos);
  EXPECT_NE(show(summary.at("run")).value("fixture", "").find("two.fixture.yaml"),
            std::string::npos);

  outcome = baton({"run", file, "-i", "topic=tea", "--db", db(), "--fixture", fixture});
  EXPECT_NE(outcome.out.find("note: model answers came from the fixture"), std::string::npos)
      << outcome.out;
}

TEST_F(RunCommandTest, CtrlCCancelsTheRunAndRecordsTheInterruptedCalls) {
  std::string file = write("two.yaml", kTwoPrompts);
  server_.set_latency(std::chrono::milliseconds(30000));  // the calls are in flight at Ctrl-C
  BatonProcess process;
  std::string error;
  ASSERT_TRUE(
      process.start({"run", file, "-i", "topic=tea", "--db", db(), "--json"}, options(), error))
      << error;
  std::string line;
  int started = 0;
  while (started < 2 && process.next_line(line)) {
    if (json::parse(line).value("event", "") == "step_started") ++started;
  }
  process.send(SIGINT);
  Outcome outcome = process.wait();
  server_.set_latency(std::chrono::milliseconds(0));
  EXPECT_EQ(outcome.exit_code, 1) << outcome.err;
  json summary = summary_line(outcome.out);
  EXPECT_EQ(summary.at("status"), "cancelled");
  json detail = show(summary.at("run"));
  EXPECT_EQ(detail.at("status"), "cancelled");
  for (const json& step : detail.at("steps")) {
    if (step.at("step") == "joined") continue;
    EXPECT_EQ(step.at("status"), "cancelled") << step.dump();
    ASSERT_EQ(step.at("attempts").size(), 1u);
    EXPECT_EQ(step.at("attempts")[0].at("status"), "interrupted");
  }
}

TEST_F(RunCommandTest, DurabilityFullRunsTheSame) {
  std::string file = write("two.yaml", kTwoPrompts);
  Outcome outcome =
      baton({"run", file, "-i", "topic=tea", "--db", db(), "--json", "--durability", "full"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("status"), "succeeded");
}

}  // namespace
}  // namespace baton::cli_test

namespace baton::cli_test {
namespace {

using DryRunTest = CliTest;

TEST_F(DryRunTest, PrintsWhatTheRunCouldCostAndSendsAndRecordsNothing) {
  std::string file = write("priced.yaml", R"(name: priced
inputs:
  topic: {type: string}
models:
  mini: {provider: openai, model: gpt-4o-mini, max_tokens: 100}
defaults: {model: mini}
steps:
  outline: {prompt: "Outline {{ inputs.topic }}"}
  draft: {prompt: "Write from {{ outline.output }}"}
)");
  Outcome table = baton({"run", file, "-i", "topic=tea", "--db", db(), "--dry-run"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("dry run of " + file + ": nothing was sent"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("outline"), std::string::npos) << table.out;

  Outcome json_out = baton({"run", file, "-i", "topic=tea", "--db", db(), "--dry-run", "--json"});
  ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
  json estimate = json::parse(json_out.out);
  ASSERT_EQ(estimate.at("steps").size(), 2u);
  // "Outline tea": 11 bytes, one token per three and 8 for the message; gpt-4o-mini's prices
  // come from the built-in table: $0.15 and $0.60 per million tokens.
  EXPECT_EQ(estimate.at("steps")[0].at("input_tokens"), 8 + 4);
  EXPECT_EQ(estimate.at("output_tokens"), 200);
  const long input = estimate.at("input_tokens").get<long>();
  EXPECT_DOUBLE_EQ(estimate.at("usd").get<double>(), (input * 0.15 + 200 * 0.60) / 1e6);
  EXPECT_TRUE(estimate.at("complete").get<bool>());

  EXPECT_EQ(server_.request_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(DryRunTest, BadInputsAreAnErrorAsForARun) {
  std::string file = write("two.yaml", kTwoPrompts);
  Outcome outcome = baton({"run", file, "--db", db(), "--dry-run"});
  EXPECT_EQ(outcome.exit_code, 2) << outcome.out;
  EXPECT_NE(outcome.err.find("topic"), std::string::npos) << outcome.err;
}

}  // namespace
}  // namespace baton::cli_test

namespace baton::cli_test {
namespace {

using BudgetCommandTest = CliTest;

TEST_F(BudgetCommandTest, ARunPausedAtItsBudgetExitsThreeAndResumesWithALargerOne) {
  std::string file = write("spend.yaml", R"(name: spend
models:
  paid: {provider: openai, model: m, max_tokens: 100, price: {input: 1000, output: 1000}}
defaults: {model: paid}
steps:
  each:
    for_each: "{{ range(20) | list }}"
    prompt: "Item {{ item }}"
)");
  Outcome paused = baton({"run", file, "--db", db(), "--json", "--budget-tokens", "300"});
  ASSERT_EQ(paused.exit_code, 3) << paused.err;
  json summary = json_lines(paused.out).back();
  EXPECT_EQ(summary.at("status"), "waiting");
  ASSERT_TRUE(summary.contains("over_budget")) << summary.dump();
  EXPECT_FALSE(summary.contains("waiting")) << summary.dump();
  const std::size_t sent = server_.request_count();
  EXPECT_LT(sent, 20u);

  const std::string run = summary.at("run").get<std::string>();
  Outcome plain = baton({"resume", run, "--db", db()});
  EXPECT_EQ(plain.exit_code, 3) << plain.err;
  EXPECT_NE(plain.out.find("paused at the budget: each["), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("baton resume " + run + " --budget-usd N"), std::string::npos)
      << plain.out;

  Outcome raised = baton({"resume", run, "--db", db(), "--json", "--budget-tokens", "100000"});
  ASSERT_EQ(raised.exit_code, 0) << raised.err;
  EXPECT_EQ(json_lines(raised.out).back().at("status"), "succeeded");
  EXPECT_EQ(server_.request_count(), 20u);
}

}  // namespace
}  // namespace baton::cli_test
