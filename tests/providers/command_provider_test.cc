#include "src/providers/command_provider.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/providers/loop_helpers.h"
#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using std::chrono::milliseconds;
using testing::make_call;
using testing::run_until;

lang::Model command_model(std::vector<std::string> argv) {
  lang::Model model;
  model.name = "local";
  model.provider = lang::Provider::kCommand;
  model.model = "tiny-llm";
  model.command = std::move(argv);
  return model;
}

class CommandProviderTest : public ::testing::Test {
 protected:
  ModelOutcome run_one(const ModelCall& call) {
    std::optional<ModelOutcome> outcome;
    provider_->start(call, [&](ModelOutcome result) { outcome = std::move(result); });
    EXPECT_FALSE(outcome) << "never inside start()";
    EXPECT_TRUE(run_until(loop_, [&] { return outcome.has_value(); }));
    return outcome ? std::move(*outcome) : ModelOutcome{};
  }

  EventLoop loop_;
  tools::ProcessRunner processes_{loop_};
  std::unique_ptr<ModelProvider> provider_ = make_command_provider(loop_, processes_);
};

TEST(CommandPromptTest, ALoneUserMessageIsItsTextExactly) {
  EXPECT_EQ(command_prompt({{"user", "Say hello\n"}}), "Say hello\n");
}

TEST(CommandPromptTest, SeveralMessagesAreHeadedByTheirRoles) {
  EXPECT_EQ(command_prompt({{"system", "Be terse."}, {"user", "Hi"}, {"assistant", "Hello"}}),
            "### system\nBe terse.\n\n### user\nHi\n\n### assistant\nHello");
}

TEST_F(CommandProviderTest, AnswersWithStdoutHavingReadThePromptOnStdin) {
  const lang::Model model =
      command_model({"/bin/sh", "-c", "printf '%s|%s|' \"$BATON_MODEL\" \"$BATON_STEP\"; cat"});
  ModelCall call = make_call(model, "Say hello", "greet");
  call.messages = {{"user", "Say hello"}};
  const ModelOutcome outcome = run_one(call);
  ASSERT_TRUE(outcome.reply) << outcome.reply.error().message();
  EXPECT_EQ(outcome.reply->text, "tiny-llm|greet|Say hello");
  EXPECT_EQ(outcome.reply->finish_reason, "stop");
  EXPECT_EQ(outcome.reply->usage.input_tokens, 0);

  const nlohmann::json request = nlohmann::json::parse(outcome.request_json);
  EXPECT_EQ(request["argv"][0], "/bin/sh");
  EXPECT_EQ(request["stdin"], "Say hello");
  const nlohmann::json response = nlohmann::json::parse(outcome.response_body);
  EXPECT_EQ(response["exit_code"], 0);
  EXPECT_EQ(response["stdout"], "tiny-llm|greet|Say hello");
}

TEST_F(CommandProviderTest, ANonZeroExitFailsWithTheEndOfStderr) {
  const lang::Model model =
      command_model({"/bin/sh", "-c", "echo partial; echo 'out of memory' >&2; exit 3"});
  const ModelOutcome outcome = run_one(make_call(model));
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(outcome.reply.error().message().find(
                "command model 'local': exited with code 3: out of memory"),
            std::string::npos)
      << outcome.reply.error().message();
  EXPECT_EQ(nlohmann::json::parse(outcome.response_body)["stdout"], "partial\n");
}

TEST_F(CommandProviderTest, ATimeoutKillsTheProgram) {
  const lang::Model model = command_model({"/bin/sh", "-c", "sleep 30"});
  ModelCall call = make_call(model);
  call.timeout = milliseconds(200);
  const ModelOutcome outcome = run_one(call);
  ASSERT_FALSE(outcome.reply);
  EXPECT_EQ(outcome.reply.error().code(), ErrorCode::kTimeout);
  EXPECT_NE(outcome.reply.error().message().find("timed out after 200 ms"), std::string::npos);
  EXPECT_EQ(processes_.running(), 0u);
}

TEST_F(CommandProviderTest, AProgramThatCannotStartIsNamed) {
  const lang::Model model = command_model({"baton-no-such-model-program"});
  const ModelOutcome outcome = run_one(make_call(model));
  ASSERT_FALSE(outcome.reply);
  EXPECT_NE(outcome.reply.error().message().find("baton-no-such-model-program"), std::string::npos)
      << outcome.reply.error().message();
}

TEST_F(CommandProviderTest, AStreamingCallGetsTheAnswerAsOneDelta) {
  const lang::Model model = command_model({"/bin/echo", "-n", "all at once"});
  ModelCall call = make_call(model);
  std::string deltas;
  call.on_delta = [&](std::string_view text) { deltas += "[" + std::string(text) + "]"; };
  const ModelOutcome outcome = run_one(call);
  ASSERT_TRUE(outcome.reply);
  EXPECT_EQ(deltas, "[all at once]");
}

TEST_F(CommandProviderTest, CancellingKillsTheProgramWithoutCallingBack) {
  const lang::Model model = command_model({"/bin/sh", "-c", "sleep 30"});
  const ModelProvider::CallId id =
      provider_->start(make_call(model), [](ModelOutcome) { ADD_FAILURE() << "cancelled"; });
  ASSERT_TRUE(run_until(loop_, [&] { return processes_.running() == 1; }));
  provider_->cancel(id);
  testing::run_for(loop_, milliseconds(100));
  EXPECT_EQ(processes_.running(), 0u);
}

}  // namespace
}  // namespace baton::providers
