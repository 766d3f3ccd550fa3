// Journalling a step: the engine writes about one put_step and one or two append_event per step
// and commits once per event-loop turn. Targets: a chain-shaped workflow (one commit per step)
// at 20,000 steps/s on SQLite with Durability::kProcess, and 200,000 steps/s in memory.
// "Wide" commits 100 steps at a time, as one loop turn does when many steps finish together.
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <benchmark/benchmark.h>

#include "src/store/journal.h"

namespace baton::store {
namespace {

enum class Backend { kMemory, kSqliteProcess, kSqliteFull };

// A journal in a fresh temporary directory, removed afterwards.
class BenchJournal {
 public:
  explicit BenchJournal(Backend backend) {
    if (backend == Backend::kMemory) {
      journal_ = make_memory_journal();
      return;
    }
    const char* tmp = getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/baton_bench_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) return;
    dir_ = pattern;
    auto opened = open_sqlite_journal(dir_ + "/journal.db", backend == Backend::kSqliteFull
                                                                ? Durability::kFull
                                                                : Durability::kProcess);
    if (opened) journal_ = std::move(opened).value();
  }
  ~BenchJournal() {
    journal_.reset();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }
  Journal* get() { return journal_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<Journal> journal_;
};

void journal_steps(benchmark::State& state, Backend backend, int steps_per_commit) {
  BenchJournal bench(backend);
  Journal* journal = bench.get();
  if (journal == nullptr) {
    state.SkipWithError("cannot open the journal");
    return;
  }
  RunRecord run;
  run.id = "run-0123456789abcdef";
  run.workflow_name = "chain";
  run.workflow_source = "name: chain\n";
  if (!journal->create_run(run) || !journal->commit()) {
    state.SkipWithError("cannot create the run");
    return;
  }

  // About what a finished model step records: a short output and the event announcing it.
  StepRecord step;
  step.status = StepStatus::kSucceeded;
  step.result_json = R"({"output":")" + std::string(200, 'x') + R"(","exit_code":0})";
  step.attempts = 1;
  EventRecord event;
  event.type = "step_succeeded";
  event.data_json = R"({"input_tokens":120,"output_tokens":48,"cost_usd":0.00012})";

  std::int64_t index = 0;
  for (auto _ : state) {
    step.step_id = "step_" + std::to_string(index);
    step.started_ms = index;
    step.ended_ms = index + 1;
    event.step_id = step.step_id;
    event.time_ms = index;
    if (!journal->put_step(run.id, step) || !journal->append_event(run.id, event)) {
      state.SkipWithError("write failed");
      break;
    }
    ++index;
    if (index % steps_per_commit == 0 && !journal->commit()) {
      state.SkipWithError("commit failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());  // items/s = steps/s
}

void BM_ChainMemory(benchmark::State& state) { journal_steps(state, Backend::kMemory, 1); }
void BM_ChainSqliteProcess(benchmark::State& state) {
  journal_steps(state, Backend::kSqliteProcess, 1);
}
void BM_ChainSqliteFull(benchmark::State& state) { journal_steps(state, Backend::kSqliteFull, 1); }
void BM_WideMemory(benchmark::State& state) { journal_steps(state, Backend::kMemory, 100); }
void BM_WideSqliteProcess(benchmark::State& state) {
  journal_steps(state, Backend::kSqliteProcess, 100);
}
void BM_WideSqliteFull(benchmark::State& state) { journal_steps(state, Backend::kSqliteFull, 100); }

// Real time: a commit's fsync waits without using the CPU.
BENCHMARK(BM_ChainMemory)->UseRealTime();
BENCHMARK(BM_ChainSqliteProcess)->UseRealTime();
BENCHMARK(BM_ChainSqliteFull)->UseRealTime();
BENCHMARK(BM_WideMemory)->UseRealTime();
BENCHMARK(BM_WideSqliteProcess)->UseRealTime();
BENCHMARK(BM_WideSqliteFull)->UseRealTime();

}  // namespace
}  // namespace baton::store
