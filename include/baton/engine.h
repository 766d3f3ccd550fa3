#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"

// Baton's embedding API: load a workflow, run it durably, answer its human steps, resume it,
// and watch its events. The `baton` command is built on this API alone.
//
//   baton::EngineOptions options;
//   options.journal_path = ".baton/baton.db";
//   BATON_ASSIGN_OR_RETURN(auto engine, baton::Engine::open(options));
//   engine->on_event([](const baton::Event& event) { std::puts(event.type.c_str()); });
//   engine->register_handler("word_stats", count_words);  // for `call: word_stats` steps
//   BATON_ASSIGN_OR_RETURN(std::string run, engine->start_run("stats.yaml", {{"text", "hi"}}));
//   BATON_ASSIGN_OR_RETURN(baton::RunSummary summary, engine->run(run));
//
// examples/embed/main.cc is a whole program.
namespace baton {

enum class RunStatus : std::uint8_t { kRunning, kWaiting, kSucceeded, kFailed, kCancelled };
std::string_view run_status_name(RunStatus status);  // "running", "waiting", ...

enum class Durability : std::uint8_t {
  kProcess,  // survives the process being killed: the default
  kFull,     // also survives power loss (an fsync per group commit)
};

struct EngineOptions {
  std::string journal_path;  // a SQLite file; "" keeps the journal in memory
  Durability durability = Durability::kProcess;
  int concurrency = 64;      // model calls, commands and handlers in flight at once
  std::string fixture_path;  // answer every model call from this fixture file (docs/fixtures.md)
  // The response cache (docs/running.md#the-response-cache), a SQLite file: "" is cache.db in
  // the journal's directory, or no cache when the journal is in memory. use_cache = false
  // turns it off.
  std::string cache_path;
  bool use_cache = true;
  // Append every model exchange to this cassette file (docs/cassettes.md), "" for none.
  std::string record_path;
  // Answer every model call from this cassette instead of a model API; a run started so keeps
  // answering from it when resumed.
  std::string replay_path;
  // Reads the environment (API keys, OPENAI_BASE_URL); getenv when empty.
  std::function<std::optional<std::string>(std::string_view)> environment;
};

// One event of a run, as journaled. `data_json` is a JSON object whose fields depend on `type`:
// run_started, run_resumed, step_started, step_succeeded, step_failed, step_skipped,
// step_waiting, attempt_failed, attempt_rejected, attempt_cached, step_decided, run_waiting,
// run_succeeded, run_failed, run_cancelled, cancel_requested, budget_set, step_reused (a result
// a rerun copied), workflow_changed.
struct Event {
  std::string run_id;
  std::int64_t seq = 0;
  std::int64_t time_ms = 0;
  std::string type;
  std::string step;  // "" for run events
  int item = -1;     // the for_each item, else -1
  std::string data_json;
};

struct Usage {
  std::int64_t input_tokens = 0;  // all of them, cached ones included
  std::int64_t output_tokens = 0;
  // Of input_tokens: read from the provider's prompt cache, and written to it (Anthropic).
  std::int64_t cached_input_tokens = 0;
  std::int64_t cache_write_tokens = 0;
};

struct RunSummary {
  std::string id;
  std::string workflow;  // its name
  std::string file;
  RunStatus status = RunStatus::kRunning;
  std::string outputs_json;  // a JSON object; "{}" until the run succeeded
  std::string error;         // why it failed
  Usage usage;
  double cost_usd = 0;  // where prices are known
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::string fixture;                   // the fixture that answered model calls, "" when none
  std::string cassette;                  // the cassette that answered them (--replay), "" when none
  std::vector<std::string> waiting;      // the steps waiting for a human ("step" or "step[item]")
  std::vector<std::string> over_budget;  // the steps waiting for a larger budget (set_budget)
  bool active = false;                   // a live process is executing it now
  // A run made by rerun(): the run it came from and the step it ran again from; "" otherwise.
  std::string parent_run;
  std::string rerun_from;
};

struct AttemptInfo {
  int number = 1;
  std::string kind;  // "model" | "process" | "handler"
  // Why it was made: "first" | "retry" | "repair" | "fallback"
  std::string purpose;
  bool cached = false;   // a model call answered by the response cache: nothing was paid
  double saved_usd = 0;  // when cached: what the call that filled the cache cost
  std::string model;
  std::string status;  // "running" | "succeeded" | "failed" | "interrupted"
  std::string request_json;
  std::string response_json;
  std::string error;
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;
  Usage usage;
  double cost_usd = 0;  // at the model's price; 0 when unknown or answered by the cache
  // When an output contract rejected the answer: why (what the model was told), and the answer.
  std::string feedback;
  std::string answer;
};

// A human's answer to a step, as journaled.
struct DecisionInfo {
  bool approved = true;
  std::string value_json;  // the answer (JSON), "" for none
  std::string reason;
  // What the conductor was shown when deciding (a human step's `show`, or the answer a prompt
  // step asked about): an answer that differs from it is an edit.
  std::string original;
  std::int64_t decided_ms = 0;
};

struct StepInfo {
  // The step's id; a step inside a loop is "<loop>.<step>", with the iteration as its item.
  std::string id;
  int item = -1;
  std::string status;  // "running" | "waiting" | "succeeded" | "failed" | "skipped" | "cancelled"
  std::string result_json;
  std::string error;
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;
  std::vector<AttemptInfo> attempts;
  std::string reused_from;  // the run whose result a rerun copied, "" when computed in this run
  std::string fingerprint;  // of the step's definition that computed it ("" in older journals)
  std::optional<DecisionInfo> decision;  // when a human answered it
  Usage usage;                           // of its attempts
  double cost_usd = 0;                   // of its attempts
};

// What one model (a model block) of a run used and cost, over all its attempts.
struct ModelCost {
  std::string model;  // the model block's name
  int calls = 0;      // attempts sent (cache hits not counted)
  Usage usage;
  double cost_usd = 0;
};

struct RunDetail {
  RunSummary summary;
  std::string inputs_json;
  std::string workflow_hash;
  std::vector<StepInfo> steps;    // in the workflow's order, for_each items after their step
  std::vector<ModelCost> models;  // by model name
};

// What rerun() changes: the step to run again from (it and every step that reads it, directly
// or not, run; every other result of the run is reused), and what to change at that step.
struct RerunOptions {
  std::string from_step;
  std::string prompt_file;  // its text replaces the step's `prompt`; "" keeps it
  std::string model;        // a model name from the workflow's `models`; "" keeps the step's
};

// How a run's workflow file differs from the workflow the run follows (workflow_changes()).
struct WorkflowChanges {
  bool changed = false;                    // the file's text differs
  std::vector<std::string> changed_steps;  // whose definition changed, or that are new
  std::vector<std::string> removed_steps;  // no longer in the file
  std::vector<std::string>
      rerun;  // finished steps that run again: changed, or reading one that runs again
  std::vector<std::string> reused;  // finished steps that are kept
};

// A run's budget, replacing its workflow's `budget:` field by field (what is unset is kept).
struct BudgetLimits {
  std::optional<double> usd;
  std::optional<std::int64_t> tokens;
};

// What the response cache holds.
struct CacheStats {
  std::string path;
  std::int64_t entries = 0;
  std::int64_t bytes = 0;  // on disk
  std::int64_t hits = 0;   // calls it answered
  double saved_usd = 0;    // what those calls would have cost
};

// A human's answer to a waiting step.
struct Decision {
  bool approved = true;
  std::string value_json;  // the answer (JSON), "" for none
  std::string reason;
};

// What a registered handler receives: the step and its rendered `input` as JSON.
struct HandlerCall {
  std::string run_id;
  std::string step;
  int item = -1;
  std::string input_json;
};
// Returns the step's output as JSON text, or an error that fails the attempt.
using StepHandler = std::function<Result<std::string>(const HandlerCall&)>;

// What a run of a workflow could cost, before it runs (`baton run --dry-run`).
struct StepCostEstimate {
  std::string step;
  std::string model;               // the model block's name
  int calls = 1;                   // one per for_each item
  bool calls_known = true;         // false: the items come from earlier steps, one call is counted
  std::int64_t input_tokens = 0;   // the prompts, estimated generously, for all calls
  std::int64_t output_tokens = 0;  // max_tokens per call; 0 when the model has none
  double usd = 0;                  // at most: prompts and max_tokens at the model's price
  std::string note;                // why the figure is a guess ("" when the prompts rendered)
};

struct CostEstimate {
  std::vector<StepCostEstimate> steps;  // the prompt steps, in the workflow's order
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  double usd = 0;
  // Every count, prompt, max_tokens and price was known; else the totals are a lower bound.
  bool complete = true;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> open(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Makes `name` usable as `call: NAME` in workflows run by this engine.
  void register_handler(std::string name, StepHandler handler);
  // Called for every event of the runs this engine executes, on the thread running them.
  void on_event(std::function<void(const Event&)> listener);

  // Checks the workflow file and the inputs and records a new run, without running it. Inputs
  // are name -> text: a string input's text as it is, any other type as JSON ("3", "[1, 2]").
  // Errors name the file, line and column; nothing is recorded on error.
  Result<std::string> start_run(const std::string& workflow_file,
                                const std::vector<std::pair<std::string, std::string>>& inputs);
  // What a run of the workflow with these inputs could cost at most, without running it: every
  // prompt rendered with the inputs (and with earlier model answers as long as their max_tokens
  // allows), every value step evaluated, nothing sent and nothing recorded.
  Result<CostEstimate> estimate(const std::string& workflow_file,
                                const std::vector<std::pair<std::string, std::string>>& inputs);
  // Executes the run until it succeeds, fails, is cancelled or waits for a human. Resuming is
  // the same call: finished steps are kept, interrupted and failed ones run again.
  Result<RunSummary> run(std::string_view run_id);
  // Asks the run in progress, or the next one run() executes, to stop (from any thread, or a
  // signal handler through a flag).
  void request_cancel();
  // Cancels a run that no process is executing, or asks the one executing it to stop.
  Status cancel(std::string_view run_id);
  // Sets the budget of a run that has not ended, from its next run(): how a run paused at its
  // budget (waiting, a step's result {"budget": why}) goes on. Journaled as a budget_set event.
  Status set_budget(std::string_view run_id, const BudgetLimits& limits);
  // Records a human's answer for a waiting step ("step" or "step[item]"). A prompt step that
  // waits (on_failure: ask) needs an approval with a value, the answer to use, which must pass
  // the step's schema and pattern: kInvalidInput says why when it does not.
  Status decide(std::string_view run_id, std::string_view step, const Decision& decision);

  // A new run of a run's workflow and inputs that reuses every result not downstream of
  // `options.from_step` (copied into its journal, not requested again) and runs that step, with
  // the changed prompt or model, and everything that reads it. Records where it came from.
  // kNotFound for an unknown run; kInvalidInput for an unknown step or model, a prompt file that
  // cannot be read or does not parse, or a change the step cannot take (not a prompt step).
  Result<std::string> rerun(std::string_view run_id, const RerunOptions& options);
  // How the run's workflow file differs now from the workflow the run follows (by step
  // fingerprints). Not changed when the file is the same or can no longer be read. kInvalidInput
  // when the changed file does not load.
  Result<WorkflowChanges> workflow_changes(std::string_view run_id);
  // Makes a run that has not ended follow its workflow file as it is now: its next run() keeps
  // the finished steps whose definition is unchanged and runs the others again. Journaled as a
  // workflow_changed event. Returns what changed.
  Result<WorkflowChanges> adopt_workflow_file(std::string_view run_id);

  // Accept a full id or a unique prefix of one.
  Result<RunSummary> summary(std::string_view run_id);
  Result<RunDetail> detail(std::string_view run_id);
  Result<std::vector<RunSummary>> runs(std::size_t limit);

  // The response cache's contents; all zero when it has no file yet. kFailedPrecondition when
  // the engine has no cache (an in-memory journal and no cache_path, or use_cache = false).
  Result<CacheStats> cache_stats();
  // Deletes the cache's entries created more than `older_than` ago (all of them when nullopt);
  // returns how many.
  Result<std::int64_t> clear_cache(std::optional<std::chrono::milliseconds> older_than);

  struct State;

 private:
  explicit Engine(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace baton
