#include "src/store/sqlite_statements.h"

#include <string>
#include <utility>

namespace baton::store::sqlite {
namespace {

// The run columns, in the order read_run() reads them.
constexpr const char* kCreateRun =
    "INSERT INTO runs (id, workflow_name, workflow_file, workflow_source, workflow_hash, "
    "inputs_json, status, outputs_json, error, created_ms, updated_ms, input_tokens, "
    "output_tokens, cost_usd, fixture, owner, parent_run, rerun_from, overrides_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19)";
// ?1 id; then every column update_run() may change.
constexpr const char* kUpdateRun =
    "UPDATE runs SET inputs_json = ?2, status = ?3, outputs_json = ?4, error = ?5, "
    "updated_ms = ?6, input_tokens = ?7, output_tokens = ?8, cost_usd = ?9, fixture = ?10, "
    "owner = ?11 WHERE id = ?1";
// ?1 id
constexpr const char* kFindRun =
    "SELECT id, workflow_name, workflow_file, workflow_source, workflow_hash, inputs_json, "
    "status, outputs_json, error, created_ms, updated_ms, input_tokens, output_tokens, "
    "cost_usd, fixture, owner, parent_run, rerun_from, overrides_json FROM runs WHERE id = ?1";
// ?1 the prefix, ?2 its successor, ?3 the limit. A range, not LIKE: the primary key answers it,
// and '%' or '_' in an id need no escaping.
constexpr const char* kFindRunsInRange =
    "SELECT id, workflow_name, workflow_file, workflow_source, workflow_hash, inputs_json, "
    "status, outputs_json, error, created_ms, updated_ms, input_tokens, output_tokens, "
    "cost_usd, fixture, owner, parent_run, rerun_from, overrides_json FROM runs WHERE id >= ?1 AND "
    "id < ?2 "
    "ORDER BY created_ms DESC, rowid DESC LIMIT ?3";
// ?1 the prefix, ?3 the limit: for a prefix that has no successor.
constexpr const char* kFindRunsFrom =
    "SELECT id, workflow_name, workflow_file, workflow_source, workflow_hash, inputs_json, "
    "status, outputs_json, error, created_ms, updated_ms, input_tokens, output_tokens, "
    "cost_usd, fixture, owner, parent_run, rerun_from, overrides_json FROM runs WHERE id >= ?1 "
    "ORDER BY created_ms DESC, rowid DESC LIMIT ?3";
// ?1 the limit. workflow_source is left out ('') to keep listings small.
constexpr const char* kListRuns =
    "SELECT id, workflow_name, workflow_file, '', workflow_hash, inputs_json, "
    "status, outputs_json, error, created_ms, updated_ms, input_tokens, output_tokens, "
    "cost_usd, fixture, owner, parent_run, rerun_from, overrides_json FROM runs ORDER BY "
    "created_ms DESC, rowid DESC LIMIT ?1";
// ?1 id, ?2 the expected owner, ?3 the new owner.
// ?1 id, ?2 name, ?3 source, ?4 hash
constexpr const char* kSetRunWorkflow =
    "UPDATE runs SET workflow_name = ?2, workflow_source = ?3, workflow_hash = ?4 WHERE id = ?1";
constexpr const char* kClaimRun = "UPDATE runs SET owner = ?3 WHERE id = ?1 AND owner = ?2";
constexpr const char* kRunExists = "SELECT 1 FROM runs WHERE id = ?1";

constexpr const char* kPutStep =
    "INSERT INTO steps (run_id, step_id, item, status, result_json, error, started_ms, "
    "ended_ms, attempts, fingerprint, reused_from) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
    "ON CONFLICT (run_id, step_id, item) DO UPDATE SET status = excluded.status, "
    "result_json = excluded.result_json, error = excluded.error, "
    "started_ms = excluded.started_ms, ended_ms = excluded.ended_ms, "
    "attempts = excluded.attempts, fingerprint = excluded.fingerprint, "
    "reused_from = excluded.reused_from";
// ?1 run id
constexpr const char* kSteps =
    "SELECT step_id, item, status, result_json, error, started_ms, ended_ms, attempts, "
    "fingerprint, reused_from FROM steps WHERE run_id = ?1 ORDER BY step_id, item";

constexpr const char* kAddAttempt =
    "INSERT INTO attempts (run_id, step_id, item, number, kind, model, status, request_json, "
    "response_json, error, started_ms, ended_ms, input_tokens, output_tokens, purpose) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
// ?1 run id, ?2 attempt id; then the columns that finishing rewrites.
constexpr const char* kFinishAttempt =
    "UPDATE attempts SET status = ?3, response_json = ?4, error = ?5, ended_ms = ?6, "
    "input_tokens = ?7, output_tokens = ?8, feedback = ?9, answer = ?10, "
    "cached_input_tokens = ?11, cache_write_tokens = ?12 "
    "WHERE id = ?2 AND run_id = ?1";
// ?1 run id
constexpr const char* kAttempts =
    "SELECT id, step_id, item, number, kind, model, status, request_json, response_json, "
    "error, started_ms, ended_ms, input_tokens, output_tokens, purpose, feedback, answer, "
    "cached_input_tokens, cache_write_tokens "
    "FROM attempts "
    "WHERE run_id = ?1 ORDER BY id";

constexpr const char* kPutDecision =
    "INSERT INTO decisions (run_id, step_id, item, approved, value_json, reason, decided_ms, "
    "original) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (run_id, step_id, item) DO UPDATE SET approved = excluded.approved, "
    "value_json = excluded.value_json, reason = excluded.reason, "
    "decided_ms = excluded.decided_ms, original = excluded.original";
// ?1 run id
constexpr const char* kDecisions =
    "SELECT step_id, item, approved, value_json, reason, decided_ms, original FROM decisions "
    "WHERE run_id = ?1 ORDER BY step_id, item";

// Two statements run under the write lock rather than one INSERT ... RETURNING seq: RETURNING
// costs a third of a small commit.
// ?1 run id
constexpr const char* kNextEventSeq =
    "SELECT coalesce(max(seq), 0) + 1 FROM events WHERE run_id = ?1";
// ?1 run id, ?2 seq, then the event's columns.
constexpr const char* kAppendEvent =
    "INSERT INTO events (run_id, seq, time_ms, type, step_id, item, data_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
// ?1 run id, ?2 the seq to read after.
constexpr const char* kEvents =
    "SELECT seq, time_ms, type, step_id, item, data_json FROM events "
    "WHERE run_id = ?1 AND seq > ?2 ORDER BY seq";

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

Error unknown_status(const std::string& what, std::string_view name) {
  return Error(ErrorCode::kDataLoss,
               what + " has an unknown status " + in_quotes(name) + " in the journal");
}

}  // namespace

Result<JournalStatements> prepare_journal_statements(Connection& db) {
  JournalStatements statements;
  const std::pair<Statement*, const char*> all[] = {
      {&statements.begin, "BEGIN IMMEDIATE"},
      {&statements.commit, "COMMIT"},
      {&statements.rollback, "ROLLBACK"},
      {&statements.create_run, kCreateRun},
      {&statements.update_run, kUpdateRun},
      {&statements.find_run, kFindRun},
      {&statements.find_runs_in_range, kFindRunsInRange},
      {&statements.find_runs_from, kFindRunsFrom},
      {&statements.list_runs, kListRuns},
      {&statements.set_run_workflow, kSetRunWorkflow},
      {&statements.claim_run, kClaimRun},
      {&statements.run_exists, kRunExists},
      {&statements.put_step, kPutStep},
      {&statements.steps, kSteps},
      {&statements.add_attempt, kAddAttempt},
      {&statements.finish_attempt, kFinishAttempt},
      {&statements.attempts, kAttempts},
      {&statements.put_decision, kPutDecision},
      {&statements.decisions, kDecisions},
      {&statements.next_event_seq, kNextEventSeq},
      {&statements.append_event, kAppendEvent},
      {&statements.events, kEvents},
  };
  for (const auto& [statement, sql] : all) {
    BATON_ASSIGN_OR_RETURN(*statement, db.prepare(sql, "preparing the journal's statements"));
  }
  return statements;
}

Result<RunRecord> read_run(const Statement& row) {
  RunRecord run;
  run.id = row.column_text(0);
  run.workflow_name = row.column_text(1);
  run.workflow_file = row.column_text(2);
  run.workflow_source = row.column_text(3);
  run.workflow_hash = row.column_text(4);
  run.inputs_json = row.column_text(5);
  const auto status = parse_run_status(row.column_text(6));
  if (!status) return unknown_status("run " + in_quotes(run.id), row.column_text(6));
  run.status = *status;
  run.outputs_json = row.column_text(7);
  run.error = row.column_text(8);
  run.created_ms = row.column_int(9);
  run.updated_ms = row.column_int(10);
  run.input_tokens = row.column_int(11);
  run.output_tokens = row.column_int(12);
  run.cost_usd = row.column_double(13);
  run.fixture = row.column_text(14);
  run.owner = row.column_text(15);
  run.parent_run = row.column_text(16);
  run.rerun_from = row.column_text(17);
  run.overrides_json = row.column_text(18);
  return run;
}

Result<StepRecord> read_step(const Statement& row) {
  StepRecord step;
  step.step_id = row.column_text(0);
  step.item = static_cast<int>(row.column_int(1));
  const auto status = parse_step_status(row.column_text(2));
  if (!status) return unknown_status("step " + in_quotes(step.step_id), row.column_text(2));
  step.status = *status;
  step.result_json = row.column_text(3);
  step.error = row.column_text(4);
  step.started_ms = row.column_int(5);
  step.ended_ms = row.column_int(6);
  step.attempts = static_cast<int>(row.column_int(7));
  step.fingerprint = row.column_text(8);
  step.reused_from = row.column_text(9);
  return step;
}

Result<AttemptRecord> read_attempt(const Statement& row) {
  AttemptRecord attempt;
  attempt.id = row.column_int(0);
  attempt.step_id = row.column_text(1);
  attempt.item = static_cast<int>(row.column_int(2));
  attempt.number = static_cast<int>(row.column_int(3));
  attempt.kind = row.column_text(4);
  attempt.model = row.column_text(5);
  const auto status = parse_attempt_status(row.column_text(6));
  if (!status) return unknown_status("attempt " + std::to_string(attempt.id), row.column_text(6));
  attempt.status = *status;
  attempt.request_json = row.column_text(7);
  attempt.response_json = row.column_text(8);
  attempt.error = row.column_text(9);
  attempt.started_ms = row.column_int(10);
  attempt.ended_ms = row.column_int(11);
  attempt.input_tokens = row.column_int(12);
  attempt.output_tokens = row.column_int(13);
  attempt.purpose = row.column_text(14);
  attempt.feedback = row.column_text(15);
  attempt.answer = row.column_text(16);
  attempt.cached_input_tokens = row.column_int(17);
  attempt.cache_write_tokens = row.column_int(18);
  return attempt;
}

Result<DecisionRecord> read_decision(const Statement& row) {
  DecisionRecord decision;
  decision.step_id = row.column_text(0);
  decision.item = static_cast<int>(row.column_int(1));
  decision.approved = row.column_int(2) != 0;
  decision.value_json = row.column_text(3);
  decision.reason = row.column_text(4);
  decision.decided_ms = row.column_int(5);
  decision.original = row.column_text(6);
  return decision;
}

Result<EventRecord> read_event(const Statement& row) {
  EventRecord event;
  event.seq = row.column_int(0);
  event.time_ms = row.column_int(1);
  event.type = row.column_text(2);
  event.step_id = row.column_text(3);
  event.item = static_cast<int>(row.column_int(4));
  event.data_json = row.column_text(5);
  return event;
}

}  // namespace baton::store::sqlite
