// The engine end to end, through the embedding API (include/baton/engine.h).
//
// Targets (issue 3, "Performance"), on the 2-core reference machine:
// - A 10,000-step workflow of `value` steps, wide-shaped and chain-shaped: at least 200,000
//   steps/s with the journal in memory, and at least 20,000 steps/s journaled to SQLite with the
//   default durability (Durability::kProcess). Durability::kFull is reported too.
// - A 1,000-call fan-out (for_each over 1,000 items, one prompt each) against the fake OpenAI
//   server at 50 ms latency and concurrency 100: within 1.1x the ideal 0.5 s, using under 0.3 s
//   of CPU in the engine.
//
// Each iteration opens a fresh engine (and journal file), which is not timed. start_run (read,
// load and check the workflow, record the run) and run (execute it) are timed separately: the
// benchmark's time is run() alone (manual time), and `load_ms` is start_run. `steps/s` is the
// number of steps over run(); `steps/s_with_load` counts start_run too. An event listener is
// registered, as the `baton` command always does, so events are built and published.
// `run_thread_cpu_ms` is the CPU time of the thread running Engine::run: on a machine shared
// with other work, the wall time of a CPU-bound run is longer by however long the thread waited
// for a core.
//
// The fan-out's fake server is a separate process (build/fake_openai_server), so that the
// process's CPU time (`cpu_s`, getrusage) is the engine's alone: the engine's thread, plus
// anything libcurl or SQLite does on other threads. `thread_cpu_s` is the CPU time of the
// thread running Engine::run. BM_FanOutInProcess runs the server in this process instead (the
// process CPU then includes the server's) for comparison.
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "baton/engine.h"
#include "src/base/event_loop.h"
#include "src/net/http_client.h"
#include "tests/fake_server/fake_openai_server.h"

extern char** environ;

namespace baton {
namespace {

constexpr int kSteps = 10'000;
constexpr int kWideRoots = 10;
constexpr int kFanOutItems = 1'000;
constexpr int kFanOutConcurrency = 100;
constexpr std::chrono::milliseconds kFanOutLatency{50};

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/baton_engine_XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  return static_cast<bool>(file);
}

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --- value steps ----------------------------------------------------------------------------

enum class Shape {
  kWide,   // kWideRoots roots, each read by a tenth of the other steps
  kChain,  // each step reads the one before it
};
enum class Journal { kMemory, kSqliteProcess, kSqliteFull };

// Each step adds one to what it reads, so the last step's output tells that every step ran.
std::string value_workflow(Shape shape) {
  std::string text =
      "name: value_steps\n"
      "inputs:\n"
      "  seed: {type: integer, default: 1}\n"
      "steps:\n";
  text.reserve(static_cast<std::size_t>(kSteps) * 48);
  for (int index = 0; index < kSteps; ++index) {
    const std::string id = "s" + std::to_string(index);
    if (index == 0 || (shape == Shape::kWide && index < kWideRoots)) {
      text += "  " + id + ": {value: \"{{ inputs.seed }}\"}\n";
    } else if (shape == Shape::kChain) {
      text += "  " + id + ": {value: \"{{ s" + std::to_string(index - 1) + ".output + 1 }}\"}\n";
    } else {
      text += "  " + id + ": {value: \"{{ s" + std::to_string(index % kWideRoots) +
              ".output + 1 }}\"}\n";
    }
  }
  text += "outputs:\n  last: \"{{ s" + std::to_string(kSteps - 1) + ".output }}\"\n";
  return text;
}

std::string expected_outputs(Shape shape) {
  return shape == Shape::kChain ? "{\"last\":" + std::to_string(kSteps) + "}" : "{\"last\":2}";
}

void value_steps(benchmark::State& state, Shape shape, Journal journal) {
  TempDir dir;
  const std::string workflow = dir.path() + "/value_steps.yaml";
  if (!dir.ok() || !write_file(workflow, value_workflow(shape))) {
    state.SkipWithError("cannot write the workflow");
    return;
  }
  double load_seconds = 0;
  double run_seconds = 0;
  double thread_cpu = 0;
  double events = 0;
  int iteration = 0;
  for (auto _ : state) {
    EngineOptions options;
    if (journal != Journal::kMemory) {
      options.journal_path = dir.path() + "/journal" + std::to_string(iteration++) + ".db";
      options.durability =
          journal == Journal::kSqliteFull ? Durability::kFull : Durability::kProcess;
    }
    Result<std::unique_ptr<Engine>> engine = Engine::open(options);
    if (!engine) {
      state.SkipWithError(engine.error().message().c_str());
      return;
    }
    // As the `baton` command does: every event is published to a listener.
    (*engine)->on_event([&events](const Event&) { ++events; });

    auto start = std::chrono::steady_clock::now();
    Result<std::string> run = (*engine)->start_run(workflow, {});
    const double loaded = seconds_since(start);
    if (!run) {
      state.SkipWithError(run.error().message().c_str());
      return;
    }
    start = std::chrono::steady_clock::now();
    const double cpu_before = thread_cpu_seconds();
    Result<RunSummary> summary = (*engine)->run(*run);
    const double ran = seconds_since(start);
    thread_cpu += thread_cpu_seconds() - cpu_before;
    if (!summary || summary->status != RunStatus::kSucceeded ||
        summary->outputs_json != expected_outputs(shape)) {
      state.SkipWithError(
          summary ? ("the run ended " + summary->outputs_json + " " + summary->error).c_str()
                  : summary.error().message().c_str());
      return;
    }
    state.SetIterationTime(ran);
    load_seconds += loaded;
    run_seconds += ran;

    state.PauseTiming();
    engine->reset();  // closing a journal checkpoints its WAL: not part of the run
    if (journal != Journal::kMemory) {
      std::error_code ignored;
      for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(options.journal_path + suffix, ignored);
    }
    state.ResumeTiming();
  }
  const double iterations = static_cast<double>(state.iterations());
  const double steps = iterations * kSteps;
  state.counters["steps/s"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
  state.counters["steps/s_with_load"] = steps / (run_seconds + load_seconds);
  state.counters["load_ms"] = load_seconds / iterations * 1e3;
  state.counters["run_ms"] = run_seconds / iterations * 1e3;
  state.counters["run_thread_cpu_ms"] = thread_cpu / iterations * 1e3;
  state.counters["events"] = events / iterations;
}

void BM_WideMemory(benchmark::State& state) { value_steps(state, Shape::kWide, Journal::kMemory); }
void BM_ChainMemory(benchmark::State& state) {
  value_steps(state, Shape::kChain, Journal::kMemory);
}
void BM_WideSqlite(benchmark::State& state) {
  value_steps(state, Shape::kWide, Journal::kSqliteProcess);
}
void BM_ChainSqlite(benchmark::State& state) {
  value_steps(state, Shape::kChain, Journal::kSqliteProcess);
}
void BM_WideSqliteFull(benchmark::State& state) {
  value_steps(state, Shape::kWide, Journal::kSqliteFull);
}
void BM_ChainSqliteFull(benchmark::State& state) {
  value_steps(state, Shape::kChain, Journal::kSqliteFull);
}

BENCHMARK(BM_WideMemory)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChainMemory)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WideSqlite)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChainSqlite)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WideSqliteFull)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChainSqliteFull)->UseManualTime()->Unit(benchmark::kMillisecond);

// --- the fan-out ----------------------------------------------------------------------------

// build/fake_openai_server in a child process; the port it prints is read from its stdout.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Returns the port, or nullopt when the server did not start.
  std::optional<int> start(const std::string& program, std::chrono::milliseconds latency) {
    int out[2];
    if (pipe(out) != 0) return std::nullopt;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string latency_ms = std::to_string(latency.count());
    std::vector<char*> argv = {const_cast<char*>(program.c_str()),
                               const_cast<char*>("--latency-ms"), latency_ms.data(), nullptr};
    const int spawned =
        posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) {
      pid_ = 0;
      close(out[0]);
      return std::nullopt;
    }
    FILE* lines = fdopen(out[0], "r");
    char line[32] = {};
    const bool read = lines != nullptr && fgets(line, sizeof line, lines) != nullptr;
    if (lines != nullptr) fclose(lines);
    if (!read) return std::nullopt;
    const int port = atoi(line);
    if (port <= 0) return std::nullopt;
    return port;
  }

 private:
  pid_t pid_ = 0;
};

std::string fan_out_workflow() {
  return "name: fan_out\n"
         "models:\n"
         "  fake: {provider: openai, model: gpt-4o-mini, concurrency: " +
         std::to_string(kFanOutConcurrency) +
         "}\n"
         "steps:\n"
         "  items: {value: \"{{ range(" +
         std::to_string(kFanOutItems) +
         ") | list }}\"}\n"
         "  answers:\n"
         "    for_each: \"{{ items.output }}\"\n"
         "    model: fake\n"
         "    prompt: \"Say something about the number {{ item }}.\"\n"
         "outputs:\n"
         "  count: \"{{ answers.output | length }}\"\n";
}

void fan_out(benchmark::State& state, const std::string& base_url, Journal journal) {
  TempDir dir;
  const std::string workflow = dir.path() + "/fan_out.yaml";
  if (!dir.ok() || !write_file(workflow, fan_out_workflow())) {
    state.SkipWithError("cannot write the workflow");
    return;
  }
  double wall = 0;
  double process_cpu = 0;
  double thread_cpu = 0;
  double events = 0;
  int iteration = 0;
  for (auto _ : state) {
    EngineOptions options;
    options.concurrency = kFanOutConcurrency;
    if (journal != Journal::kMemory) {
      options.journal_path = dir.path() + "/journal" + std::to_string(iteration++) + ".db";
      options.durability =
          journal == Journal::kSqliteFull ? Durability::kFull : Durability::kProcess;
    }
    options.environment = [base_url](std::string_view name) -> std::optional<std::string> {
      if (name == "OPENAI_BASE_URL") return base_url;
      if (name == "OPENAI_API_KEY") return std::string("sk-bench");
      return std::nullopt;
    };
    Result<std::unique_ptr<Engine>> engine = Engine::open(options);
    if (!engine) {
      state.SkipWithError(engine.error().message().c_str());
      return;
    }
    // As the `baton` command does: every event is published to a listener.
    (*engine)->on_event([&events](const Event&) { ++events; });
    Result<std::string> run = (*engine)->start_run(workflow, {});
    if (!run) {
      state.SkipWithError(run.error().message().c_str());
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    const double thread_before = thread_cpu_seconds();
    const double process_before = process_cpu_seconds();
    Result<RunSummary> summary = (*engine)->run(*run);
    const double ran = seconds_since(start);
    thread_cpu += thread_cpu_seconds() - thread_before;
    process_cpu += process_cpu_seconds() - process_before;
    const std::string expected = "{\"count\":" + std::to_string(kFanOutItems) + "}";
    if (!summary || summary->status != RunStatus::kSucceeded || summary->outputs_json != expected) {
      state.SkipWithError(
          summary ? ("the run ended " + summary->outputs_json + " " + summary->error).c_str()
                  : summary.error().message().c_str());
      return;
    }
    state.SetIterationTime(ran);
    wall += ran;
    state.PauseTiming();
    engine->reset();
    state.ResumeTiming();
  }
  const double iterations = static_cast<double>(state.iterations());
  const double ideal = static_cast<double>(kFanOutItems / kFanOutConcurrency) *
                       std::chrono::duration<double>(kFanOutLatency).count();
  state.counters["calls/s"] =
      benchmark::Counter(iterations * kFanOutItems, benchmark::Counter::kIsRate);
  state.counters["wall_s"] = wall / iterations;
  state.counters["x_ideal"] = wall / iterations / ideal;
  state.counters["cpu_s"] = process_cpu / iterations;
  state.counters["thread_cpu_s"] = thread_cpu / iterations;
  state.counters["events"] = events / iterations;
}

void BM_FanOut(benchmark::State& state, Journal journal) {
  ServerProcess server;
  std::optional<int> port = server.start(BATON_FAKE_SERVER_PROGRAM, kFanOutLatency);
  if (!port) {
    state.SkipWithError("cannot start " BATON_FAKE_SERVER_PROGRAM);
    return;
  }
  fan_out(state, "http://127.0.0.1:" + std::to_string(*port) + "/v1", journal);
}

void BM_FanOutInProcess(benchmark::State& state) {
  fake::FakeOpenAiServer server;
  Result<int> port = server.start();
  if (!port) {
    state.SkipWithError(port.error().message().c_str());
    return;
  }
  server.set_latency(kFanOutLatency);
  fan_out(state, server.base_url(), Journal::kSqliteProcess);
}

// The floor under BM_FanOut: the same 1,000 requests, 100 at a time, sent by the HTTP client
// alone (no engine, no journal). What BM_FanOut takes beyond this is the engine's.
void BM_FanOutTransportFloor(benchmark::State& state) {
  ServerProcess server;
  std::optional<int> port = server.start(BATON_FAKE_SERVER_PROGRAM, kFanOutLatency);
  if (!port) {
    state.SkipWithError("cannot start " BATON_FAKE_SERVER_PROGRAM);
    return;
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(*port) + "/v1/chat/completions";
  double wall = 0;
  for (auto _ : state) {
    EventLoop loop;
    net::HttpClient http(loop);
    int sent = 0;
    int answered = 0;
    std::function<void()> send_one = [&] {
      net::HttpRequest request;
      request.url = url;
      request.headers = {{"Content-Type", "application/json"},
                         {"Authorization", "Bearer sk-bench"}};
      request.body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say )"
                     R"(something about the number )" +
                     std::to_string(sent) + R"(."}]})";
      ++sent;
      http.send(std::move(request), [&](Result<net::HttpResponse> response) {
        if (!response || response->status != 200) state.SkipWithError("a request failed");
        ++answered;
        if (sent < kFanOutItems) send_one();
      });
    };
    const auto start = std::chrono::steady_clock::now();
    while (sent < kFanOutConcurrency) send_one();
    while (answered < kFanOutItems) loop.run_once();
    const double ran = seconds_since(start);
    state.SetIterationTime(ran);
    wall += ran;
  }
  const double iterations = static_cast<double>(state.iterations());
  const double ideal = static_cast<double>(kFanOutItems / kFanOutConcurrency) *
                       std::chrono::duration<double>(kFanOutLatency).count();
  state.counters["wall_s"] = wall / iterations;
  state.counters["x_ideal"] = wall / iterations / ideal;
}

BENCHMARK(BM_FanOutTransportFloor)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(BM_FanOut, Sqlite, Journal::kSqliteProcess)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_FanOut, Memory, Journal::kMemory)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK(BM_FanOutInProcess)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace baton
