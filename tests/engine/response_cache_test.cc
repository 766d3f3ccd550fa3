// The response cache through the engine: what hits, what misses, what a hit records and saves,
// and that a re-run after an edit pays only for what the edit changed.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

// A model whose answers are repeatable (temperature 0), with a price, so that hits save money.
constexpr const char* kCachedModel = R"(
models:
  fast: {provider: openai, model: gpt-test, temperature: 0, price: {input: 2, output: 8}}
defaults: {model: fast}
)";

class ResponseCacheTest : public EngineTest {
 protected:
  // The journal in the test's directory, so that the cache is its cache.db.
  EngineOptions cached_options() const {
    EngineOptions options = this->options();
    options.journal_path = journal_path();
    return options;
  }

  RunSummary run_yaml(const std::string& yaml, EngineOptions options) {
    auto engine = open(std::move(options));
    if (!engine) return RunSummary{};
    return start_and_run(*engine, yaml);
  }
  RunSummary run_yaml(const std::string& yaml) { return run_yaml(yaml, cached_options()); }

  static std::string workflow(const std::string& models, const std::string& steps) {
    return "name: cached\n" + models + "steps:\n" + steps;
  }
};

constexpr const char* kOneStep = "  ask:\n    prompt: \"Name a colour.\"\n";

TEST_F(ResponseCacheTest, SecondRunIsAnsweredFromTheCacheWithoutARequest) {
  const std::string yaml = workflow(kCachedModel, kOneStep);
  RunSummary first = run_yaml(yaml);
  ASSERT_EQ(first.status, RunStatus::kSucceeded) << first.error;
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_GT(first.cost_usd, 0);

  auto engine = open(cached_options());
  auto events = std::make_shared<std::vector<Event>>();
  engine->on_event([events](const Event& event) { events->push_back(event); });
  std::string run_id = start(*engine, yaml);
  RunSummary second = run(*engine, run_id);
  ASSERT_EQ(second.status, RunStatus::kSucceeded) << second.error;
  EXPECT_EQ(server_.request_count(), 1u) << "a hit sends nothing";
  EXPECT_EQ(second.outputs_json, first.outputs_json);
  EXPECT_EQ(second.cost_usd, 0);
  EXPECT_EQ(second.usage.input_tokens, 0);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  const StepInfo* ask = find_step(detail, "ask");
  ASSERT_NE(ask, nullptr);
  ASSERT_EQ(ask->attempts.size(), 1u);
  const AttemptInfo& attempt = ask->attempts[0];
  EXPECT_EQ(attempt.kind, "model");
  EXPECT_TRUE(attempt.cached);
  EXPECT_EQ(attempt.status, "succeeded");
  EXPECT_DOUBLE_EQ(attempt.saved_usd, first.cost_usd);
  EXPECT_EQ(attempt.usage.input_tokens, 0);
  // The response is the one the server sent the first time, and the step reads it as then.
  EXPECT_EQ(parse_json(attempt.response_json)["object"], "chat.completion");
  EXPECT_EQ(parse_json(ask->result_json)["output"], "fake reply to: Name a colour.");
  EXPECT_EQ(parse_json(ask->result_json)["usage"]["input_tokens"], 0);

  int cached_events = 0;
  for (const Event& event : *events) {
    if (event.type != "attempt_cached") continue;
    ++cached_events;
    EXPECT_EQ(event.step, "ask");
    EXPECT_DOUBLE_EQ(parse_json(event.data_json)["saved_usd"].get<double>(), first.cost_usd);
  }
  EXPECT_EQ(cached_events, 1);

  Result<CacheStats> stats = engine->cache_stats();
  ASSERT_TRUE(stats) << stats.error().to_string();
  EXPECT_EQ(stats->entries, 1);
  EXPECT_EQ(stats->hits, 1);
  EXPECT_DOUBLE_EQ(stats->saved_usd, first.cost_usd);
  EXPECT_EQ(stats->path, (dir_.path() / "cache.db").string());
  EXPECT_GT(stats->bytes, 0);
}

TEST_F(ResponseCacheTest, ChangedParameterMessageOrMaxTokensMisses) {
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep)).status, RunStatus::kSucceeded);
  ASSERT_EQ(server_.request_count(), 1u);

  const std::string seeded = R"(
models:
  fast: {provider: openai, model: gpt-test, temperature: 0, parameters: {seed: 7}}
defaults: {model: fast}
)";
  ASSERT_EQ(run_yaml(workflow(seeded, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 2u) << "a parameter changes the key";

  ASSERT_EQ(run_yaml(workflow(kCachedModel, "  ask:\n    prompt: \"Name a fruit.\"\n")).status,
            RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 3u) << "a message changes the key";

  const std::string other_max_tokens = R"(
models:
  fast: {provider: openai, model: gpt-test, temperature: 0, max_tokens: 50}
defaults: {model: fast}
)";
  ASSERT_EQ(run_yaml(workflow(other_max_tokens, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 4u) << "max_tokens changes the key";

  // Each of them hits now.
  ASSERT_EQ(run_yaml(workflow(seeded, kOneStep)).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(other_max_tokens, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 4u);
}

TEST_F(ResponseCacheTest, ChangedTemperatureMisses) {
  const std::string at_zero = R"(
models:
  fast: {provider: openai, model: gpt-test, temperature: 0, cache: true}
defaults: {model: fast}
)";
  const std::string at_half = R"(
models:
  fast: {provider: openai, model: gpt-test, temperature: 0.5, cache: true}
defaults: {model: fast}
)";
  ASSERT_EQ(run_yaml(workflow(at_zero, kOneStep)).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(at_half, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 2u);
  ASSERT_EQ(run_yaml(workflow(at_half, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(ResponseCacheTest, ChangedApiKeyStillHits) {
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep)).status, RunStatus::kSucceeded);
  env_["OPENAI_API_KEY"] = "sk-another-key-5e8d1c";  // the server would refuse it
  RunSummary second = run_yaml(workflow(kCachedModel, kOneStep));
  EXPECT_EQ(second.status, RunStatus::kSucceeded) << second.error;
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(ResponseCacheTest, AnotherServerMisses) {
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep)).status, RunStatus::kSucceeded);
  fake::FakeOpenAiServer other;
  ASSERT_TRUE(other.start());
  other.set_api_key(kApiKey);
  env_["OPENAI_BASE_URL"] = other.base_url();
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(other.request_count(), 1u) << "the base_url is part of the key";
}

TEST_F(ResponseCacheTest, OffAboveTemperatureZeroWithoutSeed) {
  const std::string creative = R"(
models:
  fast: {provider: openai, model: gpt-test, temperature: 0.7}
defaults: {model: fast}
)";
  ASSERT_EQ(run_yaml(workflow(creative, kOneStep)).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(creative, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 2u);

  // Without a temperature the provider's default (not 0) applies: not cached either.
  ASSERT_EQ(run_yaml(workflow(kModels, kOneStep)).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(kModels, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 4u);

  // A seed asks for repeatable answers: cached whatever the temperature.
  const std::string seeded = R"(
models:
  fast: {provider: openai, model: gpt-test, temperature: 0.7, parameters: {seed: 42}}
defaults: {model: fast}
)";
  ASSERT_EQ(run_yaml(workflow(seeded, kOneStep)).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(seeded, kOneStep)).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 5u);
}

TEST_F(ResponseCacheTest, StepSettingWinsOverTheModels) {
  const std::string models = R"(
models:
  zero: {provider: openai, model: gpt-test, temperature: 0}
  hot: {provider: openai, model: gpt-test, temperature: 1, cache: true}
  never: {provider: openai, model: gpt-test, temperature: 0, cache: false}
)";
  const std::string steps = R"(  a:
    model: zero
    prompt: "a: model cached, step says no"
    cache: false
  b:
    model: hot
    prompt: "b: the model says yes"
  c:
    model: never
    prompt: "c: the model says no"
  d:
    model: never
    prompt: "d: the model says no, the step yes"
    cache: true
)";
  ASSERT_EQ(run_yaml(workflow(models, steps)).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(models, steps)).status, RunStatus::kSucceeded);
  EXPECT_EQ(requests_for("a: model cached, step says no"), 2u);
  EXPECT_EQ(requests_for("b: the model says yes"), 1u);
  EXPECT_EQ(requests_for("c: the model says no"), 2u);
  EXPECT_EQ(requests_for("d: the model says no, the step yes"), 1u);
}

TEST_F(ResponseCacheTest, FailuresAreNotCached) {
  server_.add_fault(fake::Fault::http_status(400));
  RunSummary failed = run_yaml(workflow(kCachedModel, kOneStep));
  ASSERT_EQ(failed.status, RunStatus::kFailed);
  RunSummary second = run_yaml(workflow(kCachedModel, kOneStep));
  ASSERT_EQ(second.status, RunStatus::kSucceeded) << second.error;
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(ResponseCacheTest, RerunAfterEditingOnePromptPaysOnlyForItAndWhatReadsIt) {
  // outline -> draft -> polish, and a side step that reads nothing.
  auto steps = [](const std::string& draft_prompt) {
    return "  outline:\n    prompt: \"Outline an essay on tea.\"\n"
           "  draft:\n    prompt: \"" +
           draft_prompt +
           " {{ outline.output }}\"\n"
           "  polish:\n    prompt: \"Polish: {{ draft.output }}\"\n"
           "  side:\n    prompt: \"A haiku on tea.\"\n";
  };
  ASSERT_EQ(run_yaml(workflow(kCachedModel, steps("Draft from:"))).status, RunStatus::kSucceeded);
  ASSERT_EQ(server_.request_count(), 4u);

  RunSummary edited = run_yaml(workflow(kCachedModel, steps("Write a short draft from:")));
  ASSERT_EQ(edited.status, RunStatus::kSucceeded) << edited.error;
  // The edited step and the one reading it; outline and side came from the cache.
  EXPECT_EQ(server_.request_count(), 6u);
  EXPECT_EQ(requests_for("Outline an essay on tea."), 1u);
  EXPECT_EQ(requests_for("A haiku on tea."), 1u);
  EXPECT_EQ(requests_for("Write a short draft from: fake reply to: Outline an essay on tea."), 1u);
  EXPECT_EQ(requests_for("Polish: fake reply to: Write a short draft from: fake reply to: "
                         "Outline an essay on tea."),
            1u);
}

TEST_F(ResponseCacheTest, NoCacheWhenTurnedOff) {
  EngineOptions off = cached_options();
  off.use_cache = false;
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep), off).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep), off).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 2u);
  EXPECT_FALSE(fs::exists(dir_.path() / "cache.db"));
}

TEST_F(ResponseCacheTest, CacheFileGivenExplicitlyAndClearedByAge) {
  EngineOptions options = this->options();  // the journal in memory
  options.cache_path = (dir_.path() / "elsewhere" / "answers.db").string();
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep), options).status, RunStatus::kSucceeded);
  ASSERT_EQ(run_yaml(workflow(kCachedModel, kOneStep), options).status, RunStatus::kSucceeded);
  EXPECT_EQ(server_.request_count(), 1u);

  auto engine = open(options);
  Result<std::int64_t> young = engine->clear_cache(std::chrono::hours(24));
  ASSERT_TRUE(young) << young.error().to_string();
  EXPECT_EQ(*young, 0);
  Result<std::int64_t> all = engine->clear_cache(std::nullopt);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, 1);
  EXPECT_EQ(engine->cache_stats()->entries, 0);
}

TEST_F(ResponseCacheTest, InMemoryJournalHasNoCacheByDefault) {
  auto engine = open(options());
  Result<CacheStats> stats = engine->cache_stats();
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace baton::engine_test
