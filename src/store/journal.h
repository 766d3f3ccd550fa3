#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"

namespace baton::store {

// The journal: every run, step result, attempt, human decision and event, so that a run can be
// shown, audited and resumed. The engine sees only this interface. Writes gather in an open
// transaction; commit() makes all of them durable at once (group commit), and nothing written
// is visible to another process before that.
//
// Times are milliseconds since the Unix epoch. `item` is the index of a for_each child, or -1
// for a whole step. JSON fields hold JSON text ("" when absent).

enum class RunStatus : std::uint8_t { kRunning, kWaiting, kSucceeded, kFailed, kCancelled };
enum class StepStatus : std::uint8_t {
  kRunning,
  kWaiting,  // a human step, waiting for a decision
  kSucceeded,
  kFailed,
  kSkipped,  // `when` was false, or what it reads was skipped
  kCancelled,
};
enum class AttemptStatus : std::uint8_t { kRunning, kSucceeded, kFailed, kInterrupted };

// The lower-case names written in the journal ("running", "succeeded", ...), and back.
std::string_view run_status_name(RunStatus status);
std::string_view step_status_name(StepStatus status);
std::string_view attempt_status_name(AttemptStatus status);
std::optional<RunStatus> parse_run_status(std::string_view name);
std::optional<StepStatus> parse_step_status(std::string_view name);
std::optional<AttemptStatus> parse_attempt_status(std::string_view name);

struct RunRecord {
  std::string id;
  std::string workflow_name;
  std::string workflow_file;    // as given to `baton run`
  std::string workflow_source;  // the exact text that runs; resume uses it, not the file
  std::string workflow_hash;    // of workflow_source
  std::string inputs_json;      // a JSON object
  RunStatus status = RunStatus::kRunning;
  std::string outputs_json;  // the workflow's outputs, once succeeded
  std::string error;         // why it failed, once failed
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  double cost_usd = 0;
  std::string fixture;  // the fixture file that answered model calls, "" when none
  std::string owner;    // "PID@HOST" of the process executing it, "" when none
  // A run made by `baton rerun`: the run it came from, the step it re-ran from, and the changes
  // made to that step ({"step", "prompt", "model"}, JSON); all "" otherwise.
  std::string parent_run;
  std::string rerun_from;
  std::string overrides_json;
};

struct StepRecord {
  std::string step_id;
  int item = -1;
  StepStatus status = StepStatus::kRunning;
  std::string result_json;  // the step's fields: {"output": ..., "exit_code": ...}
  std::string error;        // when failed or cancelled
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;  // 0 while running or waiting
  int attempts = 0;
  std::string fingerprint;  // of the step's definition when it ran ("" in older journals)
  std::string reused_from;  // the run whose result this is, copied by a rerun; "" when computed
};

struct AttemptRecord {
  std::int64_t id = 0;  // assigned by add_attempt()
  std::string step_id;
  int item = -1;
  int number = 1;     // 1, 2, ... within the step (and item)
  std::string kind;   // "model" | "process" | "handler"
  std::string model;  // for "model": the declared model name that was called
  // Why it was made: "first", "retry" (after a transport failure, or an interrupted attempt),
  // "repair" (re-prompted with the failure of a rejected answer), "fallback" (the first call of
  // a fallback model); "" in journals written before this was recorded.
  std::string purpose;
  AttemptStatus status = AttemptStatus::kRunning;
  std::string request_json;  // what was sent (a rendered request; never a credential)
  std::string response_json;
  std::string error;
  std::int64_t started_ms = 0;
  std::int64_t ended_ms = 0;
  std::int64_t input_tokens = 0;  // all of them, cached ones included
  std::int64_t output_tokens = 0;
  // Of input_tokens: read from the provider's prompt cache, and written to it (Anthropic).
  std::int64_t cached_input_tokens = 0;
  std::int64_t cache_write_tokens = 0;
  // A model's answer that an output contract rejected: why (the feedback sent back for repair)
  // and the answer's text; both "" otherwise.
  std::string feedback;
  std::string answer;
};

struct DecisionRecord {
  std::string step_id;
  int item = -1;
  bool approved = false;
  std::string value_json;  // the answer, "" when none
  std::string reason;
  std::int64_t decided_ms = 0;
  // What the conductor was shown when deciding (a human step's `show`, or the answer a prompt
  // step asked about), "" when nothing; with value_json, it makes an edit's diff.
  std::string original;
};

struct EventRecord {
  std::int64_t seq = 0;  // assigned by append_event(): increasing within a run
  std::int64_t time_ms = 0;
  std::string type;  // "run_started", "step_succeeded", ...
  std::string step_id;
  int item = -1;
  std::string data_json;
};

class Journal {
 public:
  virtual ~Journal() = default;

  virtual Status create_run(const RunRecord& run) = 0;  // kAlreadyExists for a used id
  // Updates everything but id, created_ms and the workflow fields.
  virtual Status update_run(const RunRecord& run) = 0;
  virtual Result<std::optional<RunRecord>> find_run(std::string_view id) = 0;
  // The runs whose id starts with `prefix` (at most `limit`), newest first.
  virtual Result<std::vector<RunRecord>> find_runs_by_prefix(std::string_view prefix,
                                                             std::size_t limit) = 0;
  // Newest first, without workflow_source.
  virtual Result<std::vector<RunRecord>> list_runs(std::size_t limit) = 0;
  // Replaces the workflow a run follows (its name, source and hash): a resume after the workflow
  // file changed.
  virtual Status set_run_workflow(const RunRecord& run) = 0;
  // Sets the owner to `new_owner` only if it is still `expected_owner`, and commits at once;
  // kConflict when another process changed it first.
  virtual Status claim_run(std::string_view run_id, std::string_view expected_owner,
                           std::string_view new_owner) = 0;

  // Inserts or replaces the record of (step_id, item).
  virtual Status put_step(std::string_view run_id, const StepRecord& step) = 0;
  virtual Result<std::vector<StepRecord>> steps(std::string_view run_id) = 0;

  // Records a new attempt and sets `attempt.id`.
  virtual Status add_attempt(std::string_view run_id, AttemptRecord& attempt) = 0;
  // Rewrites the attempt with that id (status, response, error, end, tokens, feedback, answer).
  virtual Status finish_attempt(std::string_view run_id, const AttemptRecord& attempt) = 0;
  // In the order they were added.
  virtual Result<std::vector<AttemptRecord>> attempts(std::string_view run_id) = 0;

  // Inserts or replaces the decision of (step_id, item).
  virtual Status put_decision(std::string_view run_id, const DecisionRecord& decision) = 0;
  virtual Result<std::vector<DecisionRecord>> decisions(std::string_view run_id) = 0;

  // Appends an event and sets `event.seq`. Events are never changed or deleted.
  virtual Status append_event(std::string_view run_id, EventRecord& event) = 0;
  virtual Result<std::vector<EventRecord>> events(std::string_view run_id,
                                                  std::int64_t after_seq) = 0;

  // Makes every write since the last commit durable, at once.
  virtual Status commit() = 0;
};

enum class Durability : std::uint8_t {
  kProcess,  // survives the process being killed (WAL, synchronous=NORMAL): the default
  kFull,     // also survives power loss (synchronous=FULL: an fsync per commit)
};

// Opens (creating the file and its directory if needed) and migrates a SQLite journal. Safe to
// use from several processes at once (WAL, a busy timeout); one Journal per thread.
Result<std::unique_ptr<Journal>> open_sqlite_journal(const std::string& path,
                                                     Durability durability);
// A journal that lives in memory only: for tests, benchmarks and embedding without a file.
std::unique_ptr<Journal> make_memory_journal();

}  // namespace baton::store
