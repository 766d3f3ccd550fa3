// `baton rerun` and a resume after the workflow file changed, against the fake model server:
// only the steps that run again are sent to it.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

using RerunTest = CliTest;

// outline -> draft -> polish, and a side step that reads none of them.
constexpr const char* kChain = R"(name: chain
inputs:
  topic: {type: string}
models:
  fast: {provider: openai, model: gpt-test}
  smart: {provider: openai, model: gpt-smart}
defaults: {model: fast}
steps:
  outline:
    prompt: "outline about {{ inputs.topic }}"
  side:
    prompt: "side note on {{ inputs.topic }}"
  draft:
    prompt: "draft from {{ outline.output }}"
  polish:
    prompt: "polish {{ draft.output }}"
outputs:
  final: "{{ polish.output }}"
  side: "{{ side.output }}"
)";

const json* step_of(const json& detail, const std::string& id) {
  for (const json& step : detail.at("steps")) {
    if (step.at("step") == id) return &step;
  }
  ADD_FAILURE() << "no step " << id << " in " << detail.dump();
  return nullptr;
}

std::string first_run(const Outcome& outcome) {
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err << outcome.out;
  return summary_line(outcome.out).value("run", "");
}

TEST_F(RerunTest, SendsOnlyTheStepAndWhatReadsIt) {
  server_.set_rules({{"outline about", "1. intro"}, {"side note", "a side note"}});
  std::string file = write("chain.yaml", kChain);
  std::string parent = first_run(baton({"run", file, "-i", "topic=owls", "--db", db(), "--json"}));
  ASSERT_FALSE(parent.empty());
  ASSERT_EQ(server_.request_count(), 4u);

  server_.reset();
  std::string prompt = write("draft.txt", "redraft from {{ outline.output }}, shorter");
  Outcome rerun = baton({"rerun", parent, "--from", "draft", "--prompt-file", prompt, "--model",
                         "smart", "--db", db(), "--json"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err << rerun.out;
  std::map<std::string, std::size_t> sent = server_.requests_by_last_user_message();
  ASSERT_EQ(server_.request_count(), 2u);
  EXPECT_EQ(sent.count("redraft from 1. intro, shorter"), 1u);
  EXPECT_EQ(sent.count("polish fake reply to: redraft from 1. intro, shorter"), 1u);
  // The changed step went to the other model; what reads it to the workflow's.
  for (const fake::RecordedRequest& request : server_.requests()) {
    json body = json::parse(request.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << request.body;
    std::string last = body.at("messages").back().value("content", "");
    EXPECT_EQ(body.value("model", ""), last.starts_with("redraft") ? "gpt-smart" : "gpt-test")
        << request.body;
  }

  json summary = summary_line(rerun.out);
  std::string child = summary.at("run");
  EXPECT_NE(child, parent);
  EXPECT_EQ(summary.at("outputs").at("side"), "a side note");
  EXPECT_EQ(summary.at("outputs").at("final"),
            "fake reply to: polish fake reply to: redraft from 1. intro, shorter");

  json detail = show(child);
  EXPECT_EQ(detail.at("rerun_of"), parent);
  EXPECT_EQ(detail.at("rerun_from"), "draft");
  for (const char* reused : {"outline", "side"}) {
    const json* step = step_of(detail, reused);
    ASSERT_NE(step, nullptr);
    EXPECT_EQ(step->value("reused_from", ""), parent) << reused;
    EXPECT_TRUE(step->at("attempts").empty()) << reused;
  }
  for (const char* rerun_step : {"draft", "polish"}) {
    const json* step = step_of(detail, rerun_step);
    ASSERT_NE(step, nullptr);
    EXPECT_FALSE(step->contains("reused_from")) << rerun_step;
    EXPECT_EQ(step->at("attempts").size(), 1u) << rerun_step;
  }
  // It costs only what it re-ran: its tokens are those of the two calls it made.
  std::int64_t resent = 0;
  for (const char* id : {"draft", "polish"}) {
    resent +=
        step_of(detail, id)->at("attempts")[0].at("usage").at("input_tokens").get<std::int64_t>();
  }
  EXPECT_GT(resent, 0);
  EXPECT_EQ(detail.at("usage").at("input_tokens").get<std::int64_t>(), resent);

  Outcome listed = baton({"runs", "--db", db()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(child + "  succeeded"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("rerun of " + parent + " from draft"), std::string::npos) << listed.out;
  Outcome shown = baton({"show", child, "--db", db()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("rerun of run " + parent + " from step draft"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("reused from run " + parent), std::string::npos) << shown.out;

  // A rerun of the rerun keeps its prompt and model, and reuses its results.
  server_.reset();
  Outcome again = baton({"rerun", child, "--from", "polish", "--db", db(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err << again.out;
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(server_.requests_by_last_user_message().count(
                "polish fake reply to: redraft from 1. intro, shorter"),
            1u);
}

TEST_F(RerunTest, BadArgumentsAreOneLineAndExit2) {
  std::string file = write("chain.yaml", kChain);
  std::string parent = first_run(baton({"run", file, "-i", "topic=owls", "--db", db(), "--json"}));
  ASSERT_FALSE(parent.empty());
  server_.reset();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"rerun", "nosuchrun", "--from", "draft"}, "no run 'nosuchrun'"},
      {{"rerun", parent, "--from", "drafts"}, "has no step 'drafts'"},
      {{"rerun", parent, "--from", "draft", "--model", "smrt"}, "has no model 'smrt'"},
      {{"rerun", parent, "--from", "draft", "--prompt-file", "missing.txt"},
       "cannot read the prompt file"},
      {{"rerun", parent, "--from", "draft", "--prompt-file", write("bad.txt", "{{ oops")},
       "bad.txt:1:"},
  };
  for (const auto& [args, expected] : cases) {
    std::vector<std::string> full = args;
    full.insert(full.end(), {"--db", db()});
    Outcome outcome = baton(full);
    EXPECT_EQ(outcome.exit_code, 2) << outcome.err;
    EXPECT_EQ(lines_of(outcome.err).size(), 1u) << outcome.err;
    EXPECT_NE(outcome.err.find(expected), std::string::npos) << outcome.err;
  }
  EXPECT_EQ(server_.request_count(), 0u);
}

// a -> b -> e, and c; the run waits at a human step that reads c.
constexpr const char* kEvolving = R"(name: evolving
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  a:
    prompt: "alpha"
  b:
    prompt: "beta from {{ a.output }}"
  e:
    value: "{{ b.output }}!"
  c:
    prompt: "gamma"
  gate:
    human: "Go on?"
    show: "{{ c.output }} {{ e.output }}"
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST_F(RerunTest, ResumeAfterTheFileChangedRunsOnlyChangedStepsAndTheirReaders) {
  std::string file = write("evolving.yaml", kEvolving);
  Outcome first = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(first.exit_code, 3) << first.err << first.out;
  std::string run = summary_line(first.out).at("run");
  ASSERT_EQ(server_.request_count(), 3u);

  // Only formatting changed: nothing runs again.
  write("evolving.yaml", replaced(kEvolving, R"(prompt: "gamma")", "prompt: 'gamma'  # same"));
  server_.reset();
  Outcome same = baton({"resume", run, "--strict", "--db", db()});
  EXPECT_EQ(same.exit_code, 2) << same.err << same.out;
  EXPECT_NE(same.err.find("changed steps: none"), std::string::npos) << same.err;
  Outcome formatted = baton({"resume", run, "--db", db()});
  EXPECT_EQ(formatted.exit_code, 3) << formatted.err << formatted.out;
  EXPECT_NE(formatted.out.find("run again: none"), std::string::npos) << formatted.out;
  EXPECT_EQ(server_.request_count(), 0u);

  write("evolving.yaml", replaced(kEvolving, "beta from", "better beta from"));
  Outcome strict = baton({"resume", run, "--strict", "--db", db()});
  EXPECT_EQ(strict.exit_code, 2) << strict.err << strict.out;
  EXPECT_EQ(lines_of(strict.err).size(), 1u) << strict.err;
  EXPECT_NE(strict.err.find("changed steps: b)"), std::string::npos) << strict.err;
  EXPECT_EQ(server_.request_count(), 0u);

  Outcome resumed = baton({"resume", run, "--db", db()});
  EXPECT_EQ(resumed.exit_code, 3) << resumed.err << resumed.out;
  EXPECT_NE(resumed.out.find("steps changed: b\n"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("reused: a, c\n"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("run again: b, e\n"), std::string::npos) << resumed.out;
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(server_.requests_by_last_user_message().count("better beta from fake reply to: alpha"),
            1u);

  Outcome approved = baton({"approve", run, "gate", "--db", db(), "--json"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err << approved.out;
  json detail = show(run);
  const json* e = step_of(detail, "e");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("result").at("output"), "fake reply to: better beta from fake reply to: alpha!");
  EXPECT_EQ(server_.request_count(), 1u);
}

}  // namespace
}  // namespace baton::cli_test
