// Record and replay: a run recorded against the server replays with the server gone, errors and
// retries included; a request the cassette does not hold fails and says what differs.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class CassetteTest : public EngineTest {
 protected:
  std::string cassette() const { return (dir_.path() / "run.cassette.jsonl").string(); }

  EngineOptions recording() const {
    EngineOptions options = this->options();
    options.record_path = cassette();
    return options;
  }
  EngineOptions replaying() const {
    EngineOptions options = this->options();
    options.replay_path = cassette();
    return options;
  }

  // Stops the server and points the engine at its port, now closed: any request would fail.
  void stop_server() {
    std::string closed = server_.base_url();
    server_.stop();
    env_["OPENAI_BASE_URL"] = closed;
    env_.erase("OPENAI_API_KEY");
  }

  std::vector<Json> cassette_lines() const {
    std::vector<Json> lines;
    std::ifstream file(cassette());
    std::string line;
    while (std::getline(file, line)) lines.push_back(parse_json(line));
    return lines;
  }
};

constexpr const char* kTwoSteps = R"(
name: taped
models:
  fast: {provider: openai, model: gpt-test, temperature: 0.9}
defaults: {model: fast}
steps:
  outline:
    prompt: "Outline an essay on tea."
  draft:
    prompt: "Draft from: {{ outline.output }}"
outputs:
  draft: "{{ draft.output }}"
)";

TEST_F(CassetteTest, RecordedRunReplaysWithTheServerStopped) {
  RunSummary recorded;
  {
    auto engine = open(recording());
    recorded = start_and_run(*engine, kTwoSteps);
  }
  ASSERT_EQ(recorded.status, RunStatus::kSucceeded) << recorded.error;
  ASSERT_EQ(server_.request_count(), 2u);

  std::vector<Json> lines = cassette_lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["step"], "outline");
  EXPECT_EQ(lines[0]["model"], "fast");
  EXPECT_EQ(lines[0]["request"]["messages"][0]["content"], "Outline an essay on tea.");
  EXPECT_EQ(lines[0]["reply"]["text"], "fake reply to: Outline an essay on tea.");
  EXPECT_EQ(lines[0]["key"].get<std::string>().size(), 64u);
  std::ifstream raw(cassette());
  std::stringstream text;
  text << raw.rdbuf();
  EXPECT_EQ(text.str().find(kApiKey), std::string::npos) << "no credential is recorded";

  stop_server();
  auto engine = open(replaying());
  std::string run_id = start(*engine, kTwoSteps);
  RunSummary replayed = run(*engine, run_id);
  ASSERT_EQ(replayed.status, RunStatus::kSucceeded) << replayed.error;
  EXPECT_EQ(replayed.outputs_json, recorded.outputs_json);
  EXPECT_EQ(replayed.usage.input_tokens, recorded.usage.input_tokens);
  EXPECT_EQ(replayed.cassette, cassette());
  EXPECT_TRUE(replayed.fixture.empty());
  EXPECT_EQ(server_.request_count(), 2u);

  // The run remembers its cassette, as it does a fixture.
  Result<RunSummary> again = engine->summary(run_id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->cassette, cassette());
}

TEST_F(CassetteTest, ResumedReplayedRunAnswersFromItsCassetteAgain) {
  {
    auto engine = open(recording());
    ASSERT_EQ(start_and_run(*engine, kTwoSteps).status, RunStatus::kSucceeded);
  }
  stop_server();
  std::string run_id;
  {
    EngineOptions replay_here = replaying();
    replay_here.journal_path = journal_path();
    auto starter = open(replay_here);
    run_id = start(*starter, kTwoSteps);  // recorded, not run
  }
  EngineOptions plain = options();  // neither a cassette nor a reachable server
  plain.journal_path = journal_path();
  auto engine = open(plain);
  RunSummary resumed = run(*engine, run_id);
  EXPECT_EQ(resumed.status, RunStatus::kSucceeded) << resumed.error;
  EXPECT_EQ(resumed.cassette, cassette());
}

TEST_F(CassetteTest, RequestNotHeldFailsNamingTheStepAndTheDifference) {
  {
    auto engine = open(recording());
    ASSERT_EQ(start_and_run(*engine, kTwoSteps).status, RunStatus::kSucceeded);
  }
  stop_server();
  std::string edited = kTwoSteps;
  edited.replace(edited.find("Draft from:"), 11, "Write a draft from:");
  auto engine = open(replaying());
  std::string run_id = start(*engine, edited);
  RunSummary replayed = run(*engine, run_id);
  ASSERT_EQ(replayed.status, RunStatus::kFailed);
  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* outline = find_step(detail, "outline");
  ASSERT_NE(outline, nullptr);
  EXPECT_EQ(outline->status, "succeeded");
  const StepInfo* draft = find_step(detail, "draft");
  ASSERT_NE(draft, nullptr);
  EXPECT_EQ(draft->status, "failed");
  ASSERT_EQ(draft->attempts.size(), 1u) << "not retried";
  const std::string& error = draft->error;
  EXPECT_NE(error.find("the cassette " + cassette() +
                       " holds no answer for step 'draft' (model "
                       "fast)"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("the closest, recorded for step 'draft' at line 2, differs in "
                       "messages[0].content: recorded 'Draft from: fake reply"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("now 'Write a draft from: fake"), std::string::npos) << error;
}

TEST_F(CassetteTest, RecordedRateLimitThenSuccessReplaysTheRetry) {
  const std::string yaml = std::string(kTwoSteps).replace(
      std::string(kTwoSteps).find("  draft:\n"), 0, "    retry: {attempts: 3, backoff: 10ms}\n");
  server_.add_fault(fake::Fault::http_status(429));
  {
    auto engine = open(recording());
    RunSummary recorded = start_and_run(*engine, yaml);
    ASSERT_EQ(recorded.status, RunStatus::kSucceeded) << recorded.error;
  }
  ASSERT_EQ(server_.request_count(), 3u);
  std::vector<Json> lines = cassette_lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["error"]["code"], "rate_limited");
  EXPECT_EQ(lines[0]["key"], lines[1]["key"]);

  stop_server();
  auto engine = open(replaying());
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  std::string run_id = start(*engine, yaml);
  RunSummary replayed = run(*engine, run_id);
  ASSERT_EQ(replayed.status, RunStatus::kSucceeded) << replayed.error;
  const StepInfo* outline = find_step(EngineTest::detail(*engine, run_id), "outline");
  ASSERT_NE(outline, nullptr);
  ASSERT_EQ(outline->attempts.size(), 2u);
  EXPECT_EQ(outline->attempts[0].status, "failed");
  EXPECT_NE(outline->attempts[0].error.find("429"), std::string::npos)
      << outline->attempts[0].error;
  EXPECT_EQ(outline->attempts[1].status, "succeeded");
  int retries = 0;
  for (const Event& event : *events) retries += event.type == "attempt_failed" ? 1 : 0;
  EXPECT_EQ(retries, 1);
}

TEST_F(CassetteTest, ReplayAndFixtureTogetherAreRefused) {
  {
    auto engine = open(recording());
    ASSERT_EQ(start_and_run(*engine, kTwoSteps).status, RunStatus::kSucceeded);
  }
  EngineOptions both = replaying();
  both.fixture_path = write_file("f.yaml", "responses:\n  - reply: hi\n");
  Result<std::unique_ptr<Engine>> engine = Engine::open(both);
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.error().code(), ErrorCode::kInvalidInput);
}

TEST_F(CassetteTest, BrokenCassetteIsReportedWithItsLine) {
  write_file("run.cassette.jsonl", "{\"key\": \"k\"}\n");
  Result<std::unique_ptr<Engine>> engine = Engine::open(replaying());
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.error().message(), cassette() + ":1: 'step' must be a string");
}

}  // namespace
}  // namespace baton::engine_test
