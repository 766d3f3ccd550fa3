#pragma once

#include "baton/result.h"
#include "src/store/journal.h"
#include "src/store/sqlite_connection.h"

namespace baton::store::sqlite {

// Every statement the SQLite journal runs, prepared once when it opens. Each one's parameters
// (?1, ?2, ...) are listed beside its SQL in sqlite_statements.cc.
struct JournalStatements {
  Statement begin;
  Statement commit;
  Statement rollback;
  Statement create_run;
  Statement update_run;
  Statement find_run;
  Statement find_runs_in_range;
  Statement find_runs_from;
  Statement list_runs;
  Statement set_run_workflow;
  Statement claim_run;
  Statement run_exists;
  Statement put_step;
  Statement steps;
  Statement add_attempt;
  Statement finish_attempt;
  Statement attempts;
  Statement put_decision;
  Statement decisions;
  Statement next_event_seq;
  Statement append_event;
  Statement events;
};

Result<JournalStatements> prepare_journal_statements(Connection& db);

// The current row of the query that lists those records. kDataLoss for an unknown status.
Result<RunRecord> read_run(const Statement& row);  // find_run, find_runs_*, list_runs
Result<StepRecord> read_step(const Statement& row);
Result<AttemptRecord> read_attempt(const Statement& row);
Result<DecisionRecord> read_decision(const Statement& row);
Result<EventRecord> read_event(const Statement& row);

}  // namespace baton::store::sqlite
