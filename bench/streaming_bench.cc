// What streaming adds to the time to first token (docs/benchmarks.md). The target: under 1 ms
// more than the server's own.
//
// Against the fake server (in process, on 127.0.0.1), the same streamed request two ways:
// - BM_FirstBodyBytes: through the HTTP client alone, from send() to the first bytes of the
//   body: the server's own time to first token, as the transport delivers it.
// - BM_FirstDelta/openai, /anthropic: through the provider, from start() to the first text
//   delta handed to the caller: the same, plus building the request, parsing the server-sent
//   events and the chunk's JSON, and handing the text over.
// The difference between the two is what Baton's streaming costs. Each iteration is one call
// on a kept-alive connection; the rest of the reply is read before the next one starts.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <benchmark/benchmark.h>

#include "src/base/event_loop.h"
#include "src/lang/workflow.h"
#include "src/net/http_client.h"
#include "src/providers/anthropic_provider.h"
#include "src/providers/openai_provider.h"
#include "src/providers/provider.h"
#include "tests/fake_server/fake_openai_server.h"

namespace baton {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kKey = "sk-bench-0123456789";

std::optional<std::string> bench_env(std::string_view name) {
  if (name == "OPENAI_API_KEY" || name == "ANTHROPIC_API_KEY") return std::string(kKey);
  return std::nullopt;
}

// Turns the loop until `done`; false after ten seconds.
template <typename Done>
bool run_until(EventLoop& loop, Done done) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (Clock::now() > deadline) return false;
    loop.run_once(std::chrono::milliseconds(50));
  }
  return true;
}

struct Fixture {
  fake::FakeOpenAiServer server;
  EventLoop loop;
  net::HttpClient http{loop};
  lang::Model model;

  bool start(lang::Provider provider) {
    Result<int> port = server.start();
    if (!port) return false;
    model.name = "fast";
    model.provider = provider;
    model.model = provider == lang::Provider::kAnthropic ? "claude-3-5-haiku" : "gpt-4o-mini";
    model.base_url =
        provider == lang::Provider::kAnthropic ? server.anthropic_base_url() : server.base_url();
    model.max_tokens = 256;
    return true;
  }

  providers::ModelCall call(std::string user) const {
    providers::ModelCall call;
    call.model = &model;
    call.step_id = "greet";
    call.messages = {{"system", "You are terse."}, {"user", std::move(user)}};
    return call;
  }
};

constexpr const char* kPrompt = "Say hello to every one of the people in the room, one by one";

void BM_FirstDelta(benchmark::State& state, lang::Provider which) {
  Fixture fixture;
  if (!fixture.start(which)) {
    state.SkipWithError("the fake server did not start");
    return;
  }
  std::unique_ptr<providers::ModelProvider> provider =
      which == lang::Provider::kAnthropic
          ? providers::make_anthropic_provider(fixture.loop, fixture.http, bench_env)
          : providers::make_openai_provider(fixture.loop, fixture.http, bench_env);
  for (auto _ : state) {
    std::optional<Clock::time_point> first;
    bool done = false;
    providers::ModelCall call = fixture.call(kPrompt);
    call.on_delta = [&first](std::string_view) {
      if (!first) first = Clock::now();
    };
    const Clock::time_point start = Clock::now();
    provider->start(call, [&done](providers::ModelOutcome) { done = true; });
    if (!run_until(fixture.loop, [&] { return done; }) || !first) {
      state.SkipWithError("no delta arrived");
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(*first - start).count());
  }
}

// The request the OpenAI provider sends, sent as it is through the HTTP client alone.
void BM_FirstBodyBytes(benchmark::State& state) {
  Fixture fixture;
  if (!fixture.start(lang::Provider::kOpenAi)) {
    state.SkipWithError("the fake server did not start");
    return;
  }
  std::unique_ptr<providers::ModelProvider> provider =
      providers::make_openai_provider(fixture.loop, fixture.http, bench_env);
  // One streamed call through the provider gives the exact request body.
  std::string body;
  providers::ModelCall call = fixture.call(kPrompt);
  call.on_delta = [](std::string_view) {};
  provider->start(
      call, [&body](providers::ModelOutcome outcome) { body = std::move(outcome.request_json); });
  if (!run_until(fixture.loop, [&] { return !body.empty(); })) {
    state.SkipWithError("the provider's call did not finish");
    return;
  }
  for (auto _ : state) {
    std::optional<Clock::time_point> first;
    bool done = false;
    net::HttpRequest request;
    request.url = fixture.server.base_url() + "/chat/completions";
    request.headers = {{"Authorization", std::string("Bearer ") + kKey},
                       {"Content-Type", "application/json"},
                       {"Accept", "text/event-stream"}};
    request.body = body;
    request.on_body_chunk = [&first](long, std::string_view) {
      if (!first) first = Clock::now();
    };
    const Clock::time_point start = Clock::now();
    fixture.http.send(std::move(request), [&done](Result<net::HttpResponse>) { done = true; });
    if (!run_until(fixture.loop, [&] { return done; }) || !first) {
      state.SkipWithError("no body arrived");
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(*first - start).count());
  }
}

BENCHMARK(BM_FirstBodyBytes)->UseManualTime()->Unit(benchmark::kMicrosecond)->MinTime(2.0);
BENCHMARK_CAPTURE(BM_FirstDelta, openai, lang::Provider::kOpenAi)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(2.0);
BENCHMARK_CAPTURE(BM_FirstDelta, anthropic, lang::Provider::kAnthropic)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(2.0);

}  // namespace
}  // namespace baton
