#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baton/engine.h"
#include "baton/result.h"
#include "src/base/event_loop.h"
#include "src/lang/template/template.h"
#include "src/lang/workflow.h"
#include "src/providers/provider.h"
#include "src/store/journal.h"
#include "src/tools/process.h"

namespace baton::engine {

using HandlerMap = std::map<std::string, StepHandler, std::less<>>;

// The delay before retry number `failures` under `policy`, starting from `base`.
std::chrono::milliseconds backoff_delay(const lang::RetryPolicy& policy,
                                        std::chrono::milliseconds base, int failures);

// A skipped step's fields (a loop's: its steps and iterations) are all none, so that a step
// that also reads others can still run.
lang::Value skipped_result(const lang::Step& step);

// What an executor borrows from its Engine, which outlives it.
struct Services {
  EventLoop* loop = nullptr;
  store::Journal* journal = nullptr;
  tools::ProcessRunner* processes = nullptr;
  // The provider answering a model, or why there is none (unsupported, no fixture).
  std::function<Result<providers::ModelProvider*>(const lang::Model&)> provider_for;
  const HandlerMap* handlers = nullptr;
  std::function<void(const Event&)> listener;
  int concurrency = 64;
  const std::atomic<bool>* cancel_flag = nullptr;
};

// Plays one run: restores what the journal holds, starts every ready step (within the limits),
// journals each result and commits it before releasing what depends on it, and stops when
// nothing more can progress: the run succeeded, failed, was cancelled, or waits for a human.
class RunExecutor {
 public:
  // `resumed`: the run ran before, in this process or another.
  RunExecutor(Services services, std::shared_ptr<const lang::Workflow> workflow,
              store::RunRecord run, bool resumed);
  ~RunExecutor();
  RunExecutor(const RunExecutor&) = delete;
  RunExecutor& operator=(const RunExecutor&) = delete;

  Result<store::RunRecord> execute();

 private:
  enum class Phase : std::uint8_t { kPending, kInFlight, kBackoff, kWaiting, kDone };
  enum class Handle : std::uint8_t { kNone, kModel, kProcess, kTimer };

  // A rejected answer and why, sent back to the model with its next call.
  struct RepairTurn {
    std::string answer;
    std::string feedback;
  };

  // A model's answer while its check command runs.
  struct PendingAnswer {
    providers::ModelReply reply;
    std::string response_json;
    lang::Value json;
    std::string answer_file;  // $BATON_ANSWER_FILE, removed when the check ends
  };

  // How far an unfinished prompt unit got in earlier processes, from its attempts.
  struct PromptProgress {
    std::string model;  // of the last model attempt
    int repairs = 0;    // made on that model
    std::optional<RepairTurn> turn;
    bool rejected_last = false;  // the last attempt's answer was rejected
  };

  // A step, or one item of a for_each step.
  struct Unit {
    std::size_t step = 0;
    int item = -1;
    lang::Value item_value;
    Phase phase = Phase::kPending;
    store::StepStatus status = store::StepStatus::kRunning;
    int attempts = 0;             // in all, this process and earlier ones
    int model_attempts = 0;       // on the current model
    std::size_t model_index = 0;  // 0: the step's model, k: its k-th fallback
    Handle handle = Handle::kNone;
    std::uint64_t handle_id = 0;
    std::int64_t started_ms = 0;
    lang::Value result;
    std::string error;
    store::AttemptRecord attempt;
    std::vector<providers::ChatMessage> messages;
    tools::ProcessSpec command;
    std::string handler_input;         // JSON, for a call step
    std::int64_t reserved_tokens = 0;  // against the budget, while a model call is in flight
    double reserved_usd = 0;
    // Output contracts (executor_contracts.cc)
    std::string purpose;  // of the next attempt; "" for a retry
    int repairs = 0;      // on the current model
    std::optional<RepairTurn> repair_turn;
    std::optional<PendingAnswer> pending;
  };

  struct StepRun {
    // Dependencies not yet finished; for a step inside a loop, those of its loop, in the
    // iteration that runs.
    int pending = 0;
    bool expanded = false;
    bool done = false;
    store::StepStatus status = store::StepStatus::kRunning;
    std::vector<Unit> units;
    std::size_t units_done = 0;
    std::int64_t started_ms = 0;
    lang::Value result;
    std::string error;
    // A loop (executor_loop.cc): the iteration that runs, its steps' results so far by name,
    // and the results of the iteration before it (none in the first).
    int iteration = 0;
    std::int64_t iteration_started_ms = 0;
    lang::ValueDict current;
    lang::Value previous = lang::Value::none();
    std::size_t body_done = 0;
  };

  struct UnitRef {
    std::size_t step;
    std::size_t unit;
  };

  // executor.cc: scheduling and journaling
  Status restore();
  void forget_what_reads_rerun_steps(const std::vector<store::StepRecord>& records,
                                     std::vector<bool> rerun, std::int64_t restored_ms);
  Status loop_until_settled();
  void start_ready();
  Status flush();
  void release(std::size_t step);
  void poll_outside();
  void cancel_in_flight();
  void fail_run(std::string message);
  void check(const Status& status);
  Result<store::RunRecord> finish();
  void compute_outputs();
  Status begin_step(std::size_t step);
  void finish_unit(UnitRef ref, store::StepStatus status, lang::Value result, std::string error);
  void complete_for_each(std::size_t step);
  void finish_step(std::size_t step, store::StepStatus status, lang::Value result,
                   std::string error);
  void record_step(std::size_t step, int item, store::StepStatus status, const lang::Value& result,
                   const std::string& error, std::int64_t started_ms, int attempts);
  void emit(std::string type, const std::string& step, int item, std::string data_json);
  Unit& unit_at(UnitRef ref) { return steps_[ref.step].units[ref.unit]; }
  const lang::Step& step_of(UnitRef ref) const { return workflow_->steps[ref.step]; }
  lang::Context unit_context(const Unit& unit) const;

  // executor_loop.cc: a loop's iterations, and its steps in each
  void begin_loop(std::size_t loop);
  void start_iteration(std::size_t loop, int iteration);
  void finish_body_step(UnitRef ref);
  void settle_body_step(std::size_t loop, std::size_t step, store::StepStatus status,
                        const lang::Value& result, const std::string& error);
  void end_iteration(std::size_t loop);
  void after_iteration(std::size_t loop);
  lang::Value loop_variable(std::size_t loop) const;
  lang::Context iteration_context(std::size_t loop) const;

  // executor_steps.cc: one unit of each kind
  void start_unit(UnitRef ref);
  void launch(UnitRef ref);
  void start_value(UnitRef ref, const lang::Context& context);
  void start_prompt(UnitRef ref, const lang::Context& context);
  const lang::Model* current_model(const Unit& unit) const;
  void call_model(UnitRef ref);
  void on_model_outcome(UnitRef ref, providers::ModelOutcome outcome);
  void start_command(UnitRef ref, const lang::Context& context);
  void run_command(UnitRef ref);
  void on_command_result(UnitRef ref, Result<tools::ProcessResult> result);
  void start_human(UnitRef ref, const lang::Context& context);
  void wait_for_human(UnitRef ref, std::string record_json);
  bool answer_if_decided(UnitRef ref);
  // executor_contracts.cc: a model's answer against the step's output contract
  std::vector<providers::ChatMessage> conversation(const Unit& unit) const;
  void on_model_answer(UnitRef ref, providers::ModelReply reply, std::string response_json);
  void start_check(UnitRef ref, PendingAnswer pending);
  void on_check_result(UnitRef ref, Result<tools::ProcessResult> result);
  void accept_answer(UnitRef ref, const providers::ModelReply& reply, std::string response_json,
                     lang::Value json);
  void reject_answer(UnitRef ref, const providers::ModelReply& reply, std::string response_json,
                     std::string feedback);
  void after_rejection(UnitRef ref, RepairTurn rejected, bool replaying);
  void switch_to_fallback(Unit& unit);
  bool has_fallback(const Unit& unit) const;
  void fail_prompt(UnitRef ref, std::string error, std::string last_answer);
  void ask_for_answer(UnitRef ref, const std::string& why, const std::string& last_answer);
  void decide_prompt(UnitRef ref, const store::DecisionRecord& decision);
  bool resume_prompt(UnitRef ref);
  void restore_prompt_progress(const std::vector<store::AttemptRecord>& attempts);
  void start_call(UnitRef ref, const lang::Context& context);  // executor_call.cc
  void call_handler(UnitRef ref);
  // executor_cache.cc: marks the attempt answered by the response cache and zeroes its usage
  void mark_cached(Unit& unit, providers::ModelOutcome& outcome);
  // executor_budget.cc
  enum class BudgetVerdict : std::uint8_t {
    kReserved,  // the call's worst case is reserved: send it
    kLater,     // it fits once calls in flight settle: wait for them
    kExceeded,  // it cannot fit even then: the run pauses until the budget is raised
  };
  BudgetVerdict reserve_budget(Unit& unit, const lang::Model& model, std::string& why);
  void release_budget(Unit& unit);
  void wait_for_budget(UnitRef ref, const std::string& why);
  Status restore_budget();
  void retry_later(UnitRef ref, std::chrono::milliseconds delay, const std::string& error);
  void begin_attempt(Unit& unit, std::string kind, std::string model, std::string request_json);
  // Journals the attempt's end; `usage` and its cost at `model`'s price count towards the run.
  void end_attempt(Unit& unit, store::AttemptStatus status, std::string response_json,
                   std::string error, const providers::ModelUsage& usage, const lang::Model* model);

  Services services_;
  std::shared_ptr<const lang::Workflow> workflow_;
  store::RunRecord run_;
  std::vector<StepRun> steps_;
  std::vector<std::vector<std::size_t>> dependents_;
  std::map<std::pair<std::string, int>, store::DecisionRecord> decisions_;
  lang::Context context_;
  std::map<std::pair<std::size_t, int>, store::StepRecord> kept_items_;    // for_each items done
  std::map<std::pair<std::string, int>, int> attempts_made_;               // by earlier processes
  std::map<std::pair<std::string, int>, PromptProgress> prompt_progress_;  // by earlier processes
  std::map<std::pair<std::string, int>, std::string> waiting_records_;     // waiting units' JSON
  // Units that failed in an earlier process, and when: they run again from the start, and a
  // decision older than the failure is not an answer to the new question.
  std::map<std::pair<std::string, int>, std::int64_t> failed_before_;
  std::deque<std::size_t> ready_steps_;
  std::deque<UnitRef> ready_;
  std::vector<UnitRef> deferred_;      // ready, but over a concurrency limit
  std::vector<std::size_t> finished_;  // steps finished since the last flush
  std::vector<Event> unpublished_;     // journaled, published after the commit
  std::map<std::string, int, std::less<>> model_in_flight_;
  int in_flight_ = 0;
  lang::Budget budget_;          // the workflow's, or as a `budget_set` event changed it
  bool budget_blocked_ = false;  // a call waits for calls in flight to settle
  std::int64_t reserved_tokens_ = 0;
  double reserved_usd_ = 0;
  int backing_off_ = 0;
  int waiting_ = 0;
  bool resumed_ = false;
  bool cancelled_ = false;
  std::string failure_;  // a journal error that stops the run
};

}  // namespace baton::engine
