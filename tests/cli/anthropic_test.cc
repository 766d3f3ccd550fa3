// A workflow whose models speak Anthropic's Messages API, end to end through `baton run`,
// against the fake server's /v1/messages.
#include <string>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

constexpr const char* kKey = "sk-ant-test-SECRETKEY-0123456789";

constexpr const char* kClaude = R"(name: claude
inputs:
  topic: {type: string}
models:
  smart: {provider: anthropic, model: claude-sonnet-4-5, max_tokens: 200}
defaults: {model: smart}
steps:
  first:
    prompt: "first about {{ inputs.topic }}"
  second:
    prompt: "second after {{ first.output }}"
outputs:
  second: "{{ second.output }}"
)";

using AnthropicTest = CliTest;

TEST_F(AnthropicTest, RunsAWorkflowAgainstTheMessagesApi) {
  server_.set_api_key(kKey);
  const std::string file = write("claude.yaml", kClaude);
  Outcome outcome =
      baton({"run", file, "-i", "topic=tea", "--db", db(), "--json"},
            {{"ANTHROPIC_BASE_URL", server_.anthropic_base_url()}, {"ANTHROPIC_API_KEY", kKey}});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  ASSERT_EQ(server_.request_count(), 2u);
  const std::string second = server_.requests().at(1).body;
  EXPECT_NE(second.find("second after fake reply to: first about tea"), std::string::npos)
      << second;
  EXPECT_NE(server_.requests().at(1).path.find("/v1/messages"), std::string::npos);

  const json summary = summary_line(outcome.out);
  EXPECT_EQ(summary.at("status"), "succeeded");
  EXPECT_EQ(summary.at("outputs").at("second"),
            "fake reply to: second after fake reply to: first about tea");
  EXPECT_GT(summary.at("usage").at("input_tokens").get<long>(), 0);
  EXPECT_EQ(outcome.out.find("SECRETKEY"), std::string::npos);
}

TEST_F(AnthropicTest, AMissingKeyIsRefusedBeforeAnythingRuns) {
  const std::string file = write("claude.yaml", kClaude);
  Outcome outcome = baton({"run", file, "-i", "topic=tea", "--db", db()},
                          {{"ANTHROPIC_API_KEY", ""}, {"ANTHROPIC_BASE_URL", ""}});
  EXPECT_NE(outcome.exit_code, 0);
  EXPECT_NE(outcome.err.find("ANTHROPIC_API_KEY"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("step 'first'"), std::string::npos) << outcome.err;
  EXPECT_EQ(server_.request_count(), 0u);
}

}  // namespace
}  // namespace baton::cli_test
