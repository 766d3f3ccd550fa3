#pragma once

// What the tests of the real `baton` binary share: a fresh directory, a fake OpenAI-compatible
// server in this process on a free port of 127.0.0.1 (the child reaches it through
// OPENAI_BASE_URL), and helpers to run the binary and read its --json event stream.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/baton_process.h"
#include "tests/fake_server/fake_openai_server.h"

namespace baton::cli_test {

using nlohmann::json;

// Parses every line of a --json stdout; a line that is not a JSON object fails the test.
inline std::vector<json> json_lines(const std::string& out) {
  std::vector<json> events;
  for (const std::string& line : lines_of(out)) {
    json event = json::parse(line, nullptr, false);
    EXPECT_TRUE(!event.is_discarded() && event.is_object()) << "not a JSON object: " << line;
    if (!event.is_discarded()) events.push_back(std::move(event));
  }
  return events;
}

// The run summary: the last line of a --json stdout.
inline json summary_line(const std::string& out) {
  std::vector<json> events = json_lines(out);
  if (events.empty()) return json::object();
  return events.back();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "no temp dir";
    auto port = server_.start();
    ASSERT_TRUE(port.has_value()) << port.error().message();
  }

  // The child's environment: the fake server and a key, plus `extra`.
  SpawnOptions options(std::map<std::string, std::string> extra = {}) const {
    SpawnOptions spawn;
    spawn.cwd = dir_.path();
    spawn.env = {{"OPENAI_BASE_URL", server_.base_url()}, {"OPENAI_API_KEY", "sk-test-key"}};
    for (auto& [name, value] : extra) spawn.env[name] = value;
    return spawn;
  }

  // `baton ARGS...` from the test's directory.
  Outcome baton(const std::vector<std::string>& args,
                std::map<std::string, std::string> extra = {}) const {
    return run_baton(args, options(std::move(extra)));
  }

  // Writes FILE (relative to the test's directory) and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    write_file(dir_ / name, text);
    return (dir_ / name).string();
  }

  std::string db() const { return (dir_ / "journal.db").string(); }

  // `baton show RUN --json` as JSON.
  json show(const std::string& run) const {
    Outcome outcome = baton({"show", run, "--db", db(), "--json"});
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    json parsed = json::parse(outcome.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << outcome.out;
    return parsed.is_discarded() ? json::object() : parsed;
  }

  TempDir dir_{"test"};
  fake::FakeOpenAiServer server_;
};

// A workflow of two prompt steps in parallel and a value step that joins them.
inline constexpr const char* kTwoPrompts = R"(name: two
inputs:
  topic: {type: string}
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  first:
    prompt: "first about {{ inputs.topic }}"
  second:
    prompt: "second about {{ inputs.topic }}"
  joined:
    value: "{{ first.output }} | {{ second.output }}"
outputs:
  joined: "{{ joined.output }}"
)";

// A prompt, then a human approval, then a value that reads the answer.
inline constexpr const char* kApproval = R"(name: approval
inputs:
  topic: {type: string}
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  draft:
    prompt: "draft about {{ inputs.topic }}"
  review:
    human: "Publish the draft?"
    show: "{{ draft.output }}"
  publish:
    when: "{{ review.approved }}"
    value: "published {{ review.value }}"
outputs:
  approved: "{{ review.approved }}"
  answer: "{{ review.value }}"
  reason: "{{ review.reason }}"
)";

}  // namespace baton::cli_test
