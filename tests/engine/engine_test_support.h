#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "baton/engine.h"
#include "tests/fake_server/fake_openai_server.h"

// Helpers for tests of the engine through its public API (include/baton/engine.h), against the
// fake OpenAI-compatible server on 127.0.0.1.
namespace baton::engine_test {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Inputs = std::vector<std::pair<std::string, std::string>>;

inline constexpr const char* kApiKey = "sk-engine-test-4f2a9c1e7b";

// The models block most tests use: one OpenAI-compatible model, `fast`, as the default.
inline constexpr const char* kModels = R"(
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
)";

// A fresh directory under the system's temp dir, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "baton_engine_XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = fs::canonical(pattern);
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline Json parse_json(const std::string& text) {
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// The step (or for_each item) of a run's detail, or nullptr.
inline const StepInfo* find_step(const RunDetail& detail, std::string_view id, int item = -1) {
  for (const StepInfo& step : detail.steps) {
    if (step.id == id && step.item == item) return &step;
  }
  return nullptr;
}

// Polls `done` until it holds or `limit` passes: a guard against hangs, not a speed check.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A fake server that wants kApiKey, an environment that points the engine at it, and a
// temporary directory for workflow files and journals.
class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<int> port = server_.start();
    ASSERT_TRUE(port) << port.error().message();
    server_.set_api_key(kApiKey);
    env_["OPENAI_BASE_URL"] = server_.base_url();
    env_["OPENAI_API_KEY"] = kApiKey;
  }

  // Engine options whose environment is env_ (as it is when the options are made).
  EngineOptions options() const {
    EngineOptions options;
    options.environment = [env = env_](std::string_view name) -> std::optional<std::string> {
      auto found = env.find(name);
      if (found == env.end()) return std::nullopt;
      return found->second;
    };
    return options;
  }

  std::unique_ptr<Engine> open(EngineOptions options) {
    Result<std::unique_ptr<Engine>> engine = Engine::open(std::move(options));
    EXPECT_TRUE(engine) << engine.error().to_string();
    return engine ? std::move(*engine) : nullptr;
  }
  std::unique_ptr<Engine> open() { return open(options()); }

  std::string journal_path() const { return (dir_.path() / "journal.db").string(); }

  std::string write_file(const std::string& name, const std::string& text) const {
    fs::path path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  // Writes `yaml` as a workflow file and starts a run of it; "" (and a test failure) on error.
  std::string start(Engine& engine, const std::string& yaml, const Inputs& inputs = {}) {
    Result<std::string> run = engine.start_run(write_file("workflow.yaml", yaml), inputs);
    EXPECT_TRUE(run) << run.error().to_string();
    return run ? *run : "";
  }

  // Runs `run_id` to its end (or a pause); the summary, with status kFailed on an API error.
  static RunSummary run(Engine& engine, const std::string& run_id) {
    Result<RunSummary> summary = engine.run(run_id);
    EXPECT_TRUE(summary) << summary.error().to_string();
    if (!summary) {
      RunSummary failed;
      failed.status = RunStatus::kFailed;
      failed.error = summary.error().to_string();
      return failed;
    }
    return std::move(*summary);
  }

  RunSummary start_and_run(Engine& engine, const std::string& yaml, const Inputs& inputs = {}) {
    std::string run_id = start(engine, yaml, inputs);
    if (run_id.empty()) return RunSummary{};
    return run(engine, run_id);
  }

  static RunDetail detail(Engine& engine, const std::string& run_id) {
    Result<RunDetail> detail = engine.detail(run_id);
    EXPECT_TRUE(detail) << detail.error().to_string();
    return detail ? std::move(*detail) : RunDetail{};
  }

  // The bodies of the chat requests the server received, parsed.
  std::vector<Json> request_bodies() const {
    std::vector<Json> bodies;
    for (const fake::RecordedRequest& request : server_.requests())
      bodies.push_back(parse_json(request.body));
    return bodies;
  }

  // How many chat requests (answered or not) had a last user message of exactly `text`.
  std::size_t requests_for(const std::string& text) const {
    std::size_t count = 0;
    for (const Json& body : request_bodies()) {
      std::string last;
      for (const Json& message : body.value("messages", Json::array())) {
        if (message.value("role", "") == "user") last = message.value("content", "");
      }
      if (last == text) ++count;
    }
    return count;
  }

  fake::FakeOpenAiServer server_;
  TempDir dir_;
  std::map<std::string, std::string, std::less<>> env_;
};

}  // namespace baton::engine_test
