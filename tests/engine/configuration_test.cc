// Where the engine gets its endpoint and keys: EngineOptions.environment, never the process's.
#include <stdlib.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using ConfigurationTest = EngineTest;

constexpr const char* kOneStep = R"(
name: one
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  ask:
    prompt: "Hello?"
)";

// Sets a variable of the real environment for one test, and puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string authorization_of(const fake::RecordedRequest& request) {
  for (const auto& [name, value] : request.headers)
    if (name == "authorization") return value;
  return "";
}

TEST_F(ConfigurationTest, EnvironmentComesFromTheOptionsNotTheProcess) {
  ScopedEnv base_url("OPENAI_BASE_URL", "http://127.0.0.1:1/v1");
  ScopedEnv key("OPENAI_API_KEY", "sk-from-the-real-environment");
  auto asked = std::make_shared<std::set<std::string>>();
  EngineOptions options = this->options();
  options.environment = [asked, inner = options.environment](std::string_view name) {
    asked->insert(std::string(name));
    return inner(name);
  };
  auto engine = open(std::move(options));
  RunSummary summary = start_and_run(*engine, kOneStep);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(authorization_of(server_.requests()[0]), std::string("Bearer ") + kApiKey);
  EXPECT_TRUE(asked->count("OPENAI_BASE_URL"));
  EXPECT_TRUE(asked->count("OPENAI_API_KEY"));
}

TEST_F(ConfigurationTest, ModelNamesItsKeyVariable) {
  env_.erase("OPENAI_API_KEY");
  env_["TEAM_KEY"] = kApiKey;
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: named
models:
  team: {provider: openai, model: gpt-test, api_key_env: TEAM_KEY}
steps:
  ask:
    model: team
    prompt: "Hello?"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(authorization_of(server_.requests()[0]), std::string("Bearer ") + kApiKey);
}

TEST_F(ConfigurationTest, MissingNamedKeyFailsStartRunBeforeAnythingRuns) {
  auto engine = open();
  Result<std::string> run = engine->start_run(write_file("w.yaml", R"(
name: named
models:
  team: {provider: openai, model: gpt-test, api_key_env: TEAM_KEY}
steps:
  ask:
    model: team
    prompt: "Hello?"
)"),
                                              {});
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().message().find("TEAM_KEY"), std::string::npos) << run.error().message();
  EXPECT_NE(run.error().message().find("ask"), std::string::npos) << run.error().message();
  EXPECT_EQ(server_.request_count(), 0u);
  Result<std::vector<RunSummary>> runs = engine->runs(10);
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->empty());
}

TEST_F(ConfigurationTest, MissingKeyForTheOpenAiApiFailsStartRun) {
  env_.clear();
  auto engine = open();
  Result<std::string> run = engine->start_run(write_file("w.yaml", kOneStep), {});
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().message().find("OPENAI_API_KEY"), std::string::npos)
      << run.error().message();
  Result<std::vector<RunSummary>> runs = engine->runs(10);
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->empty());
}

TEST_F(ConfigurationTest, WrongKeyFailsTheStepWithoutRetrying) {
  env_["OPENAI_API_KEY"] = "sk-wrong-key-0000";
  auto engine = open();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: wrong
steps:
  ask:
    prompt: "Hello?"
    retry: {attempts: 3, backoff: 1ms}
)");
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_NE(summary.error.find("OPENAI_API_KEY"), std::string::npos) << summary.error;
  EXPECT_EQ(summary.error.find("sk-wrong-key-0000"), std::string::npos) << summary.error;
}

TEST_F(ConfigurationTest, KeyNeverReachesTheJournal) {
  EngineOptions options = this->options();
  options.journal_path = journal_path();
  {
    auto engine = open(std::move(options));
    server_.add_fault(fake::Fault::http_status(500));
    RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: secret
steps:
  ask:
    prompt: "Hello?"
    retry: {attempts: 2, backoff: 1ms}
)");
    ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  }
  std::string bytes;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::ifstream file(journal_path() + suffix, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  EXPECT_GT(bytes.size(), 0u);
  EXPECT_EQ(bytes.find(kApiKey), std::string::npos);
}

}  // namespace
}  // namespace baton::engine_test
