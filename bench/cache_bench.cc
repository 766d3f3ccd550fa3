// The response cache's hit path: key the call (SHA-256 of its content), find the entry in
// SQLite, count the hit, and hand the stored outcome back through the event loop. Target: under
// 100 us a hit (docs/benchmarks.md).
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "src/base/event_loop.h"
#include "src/cache/cache_key.h"
#include "src/cache/caching_provider.h"
#include "src/cache/reply_json.h"
#include "src/lang/workflow.h"
#include "src/store/response_cache.h"

namespace {

namespace fs = std::filesystem;
using baton::providers::ModelCall;
using baton::providers::ModelOutcome;
using baton::providers::ModelProvider;

// Never called: every call of the benchmark is a hit.
class UnreachableProvider final : public ModelProvider {
 public:
  CallId start(const ModelCall&, Callback) override { std::abort(); }
  void cancel(CallId) override {}
};

// A 2 KB prompt with a system message, as a typical step sends.
ModelCall typical_call(const baton::lang::Model& model) {
  ModelCall call;
  call.model = &model;
  call.step_id = "summarize";
  std::string prompt = "Summarize the following notes in three sentences.\n";
  while (prompt.size() < 2048) prompt += "The quick brown fox jumps over the lazy dog. ";
  call.messages = {{"system", "You are a careful technical writer."}, {"user", prompt}};
  return call;
}

baton::lang::Model typical_model() {
  baton::lang::Model model;
  model.name = "fast";
  model.model = "gpt-4o-mini";
  model.temperature = 0;
  model.max_tokens = 1000;
  return model;
}

constexpr const char* kBaseUrl = "https://api.openai.com/v1";

void BM_ContentKey(benchmark::State& state) {
  baton::lang::Model model = typical_model();
  ModelCall call = typical_call(model);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        baton::cache::content_key(baton::cache::key_material(call, std::string_view(kBaseUrl))));
  }
}
BENCHMARK(BM_ContentKey);

void BM_CacheHit(benchmark::State& state) {
  const fs::path dir =
      fs::temp_directory_path() / ("baton_cache_bench_" + std::to_string(getpid()));
  fs::remove_all(dir);
  auto cache = baton::store::ResponseCache::open((dir / "cache.db").string());
  if (!cache) {
    state.SkipWithError(cache.error().message().c_str());
    return;
  }
  baton::lang::Model model = typical_model();
  ModelCall call = typical_call(model);
  baton::store::CachedResponse entry;
  entry.key =
      baton::cache::content_key(baton::cache::key_material(call, std::string_view(kBaseUrl)));
  entry.request_json = std::string(2200, 'r');
  entry.response_body = std::string(1500, 'b');
  baton::providers::ModelReply reply{
      std::string(600, 't'), "gpt-4o-mini", "stop", {512, 150, 0}, {}};
  entry.reply_json = baton::cache::reply_to_json(reply);
  entry.cost_usd = 0.00017;
  if (!(*cache)->put(entry) || !(*cache)->commit()) {
    state.SkipWithError("cannot fill the cache");
    return;
  }

  baton::EventLoop loop;
  UnreachableProvider inner;
  baton::cache::CachingOptions options;
  options.base_url = [](const baton::lang::Model&) { return std::string(kBaseUrl); };
  auto provider = baton::cache::make_caching_provider(loop, inner, **cache, std::move(options));
  std::int64_t answered = 0;
  for (auto _ : state) {
    provider->start(call, [&answered](ModelOutcome outcome) {
      answered += outcome.cached.has_value() ? 1 : 0;
    });
    loop.run_once(std::chrono::milliseconds(0));  // the answer, and the hit count's commit
  }
  if (answered != static_cast<std::int64_t>(state.iterations())) {
    state.SkipWithError("a call was not answered from the cache");
  }
  provider.reset();
  cache->reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_CacheHit)->Unit(benchmark::kMicrosecond);

}  // namespace
