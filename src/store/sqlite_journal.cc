// The SQLite journal. Every statement is prepared once, when the journal opens, and text is bound
// without copying: a step costs a few binds and sqlite3_step calls, not SQL parsing.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "src/store/journal.h"
#include "src/store/sqlite_connection.h"
#include "src/store/sqlite_schema.h"
#include "src/store/sqlite_statements.h"

namespace baton::store {
namespace {

using sqlite::Connection;
using sqlite::JournalStatements;
using sqlite::ResetOnExit;
using sqlite::Statement;

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string step_label(std::string_view step_id, int item) {
  std::string label = in_quotes(step_id);
  if (item >= 0) label += "[" + std::to_string(item) + "]";
  return label;
}

std::int64_t sql_limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(limit < kMax ? limit : kMax);
}

// The smallest string greater than every string that starts with `prefix`, or nullopt when
// there is none (the prefix is empty or all 0xff bytes).
std::optional<std::string> prefix_successor(std::string_view prefix) {
  std::string upper(prefix);
  while (!upper.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(upper.back());
    if (last != 0xff) {
      ++last;
      return upper;
    }
    upper.pop_back();
  }
  return std::nullopt;
}

// Adds what was being done to a failed result; `describe` runs only on failure, so that the hot
// path formats no strings.
template <typename T, typename Describe>
Result<T> in_context(Result<T> result, Describe&& describe) {
  if (result) return result;
  return std::move(result).error().with_context(describe());
}

// Steps a bound query to its end, reading each row with `read`, then resets it.
template <typename Record>
Result<std::vector<Record>> collect_rows(Statement& query,
                                         Result<Record> (*read)(const Statement&)) {
  ResetOnExit reset(query);
  std::vector<Record> records;
  while (true) {
    BATON_ASSIGN_OR_RETURN(const bool has_row, query.step());
    if (!has_row) return records;
    BATON_ASSIGN_OR_RETURN(Record record, read(query));
    records.push_back(std::move(record));
  }
}

class SqliteJournal final : public Journal {
 public:
  SqliteJournal(std::unique_ptr<Connection> db, JournalStatements statements)
      : db_(std::move(db)), statements_(std::move(statements)) {}

  // Commits rather than rolls back what is still pending: those writes record attempts that
  // were made and paid for (Invariant 3), and the engine wrote them meaning to keep them.
  ~SqliteJournal() override {
    if (!commit()) (void)statements_.rollback.execute();
  }

  Status create_run(const RunRecord& run) override {
    Statement& insert = statements_.create_run;
    insert.bind_text(1, run.id);
    insert.bind_text(2, run.workflow_name);
    insert.bind_text(3, run.workflow_file);
    insert.bind_text(4, run.workflow_source);
    insert.bind_text(5, run.workflow_hash);
    insert.bind_text(6, run.inputs_json);
    insert.bind_text(7, run_status_name(run.status));
    insert.bind_text(8, run.outputs_json);
    insert.bind_text(9, run.error);
    insert.bind_int(10, run.created_ms);
    insert.bind_int(11, run.updated_ms);
    insert.bind_int(12, run.input_tokens);
    insert.bind_int(13, run.output_tokens);
    insert.bind_double(14, run.cost_usd);
    insert.bind_text(15, run.fixture);
    insert.bind_text(16, run.owner);
    insert.bind_text(17, run.parent_run);
    insert.bind_text(18, run.rerun_from);
    insert.bind_text(19, run.overrides_json);
    return in_context(write(insert), [&] { return "creating run " + in_quotes(run.id); });
  }

  Status update_run(const RunRecord& run) override {
    Statement& update = statements_.update_run;
    update.bind_text(1, run.id);
    update.bind_text(2, run.inputs_json);
    update.bind_text(3, run_status_name(run.status));
    update.bind_text(4, run.outputs_json);
    update.bind_text(5, run.error);
    update.bind_int(6, run.updated_ms);
    update.bind_int(7, run.input_tokens);
    update.bind_int(8, run.output_tokens);
    update.bind_double(9, run.cost_usd);
    update.bind_text(10, run.fixture);
    update.bind_text(11, run.owner);
    BATON_TRY(in_context(write(update), [&] { return "updating run " + in_quotes(run.id); }));
    if (db_->changes() == 0)
      return not_found("updating run " + in_quotes(run.id) + ": no such run");
    return ok_status();
  }

  Result<std::optional<RunRecord>> find_run(std::string_view id) override {
    Statement& query = statements_.find_run;
    ResetOnExit reset(query);
    query.bind_text(1, id);
    auto has_row = query.step();
    if (!has_row) return std::move(has_row).error().with_context("reading run " + in_quotes(id));
    if (!*has_row) return std::optional<RunRecord>();
    BATON_ASSIGN_OR_RETURN(RunRecord run, sqlite::read_run(query));
    return std::optional<RunRecord>(std::move(run));
  }

  Result<std::vector<RunRecord>> find_runs_by_prefix(std::string_view prefix,
                                                     std::size_t limit) override {
    const std::optional<std::string> upper = prefix_successor(prefix);
    Statement& query = upper ? statements_.find_runs_in_range : statements_.find_runs_from;
    query.bind_text(1, prefix);
    if (upper) query.bind_text(2, *upper);
    query.bind_int(3, sql_limit(limit));
    return in_context(collect_rows(query, &sqlite::read_run),
                      [&] { return "finding the runs starting with " + in_quotes(prefix); });
  }

  Result<std::vector<RunRecord>> list_runs(std::size_t limit) override {
    Statement& query = statements_.list_runs;
    query.bind_int(1, sql_limit(limit));
    return in_context(collect_rows(query, &sqlite::read_run), [] { return "listing runs"; });
  }

  Status set_run_workflow(const RunRecord& run) override {
    Statement& update = statements_.set_run_workflow;
    update.bind_text(1, run.id);
    update.bind_text(2, run.workflow_name);
    update.bind_text(3, run.workflow_source);
    update.bind_text(4, run.workflow_hash);
    BATON_TRY(in_context(write(update),
                         [&] { return "changing the workflow of run " + in_quotes(run.id); }));
    if (db_->changes() == 0)
      return not_found("changing the workflow of run " + in_quotes(run.id) + ": no such run");
    return ok_status();
  }

  Status claim_run(std::string_view run_id, std::string_view expected_owner,
                   std::string_view new_owner) override {
    const auto what = [&] {
      return "claiming run " + in_quotes(run_id) + " for " + in_quotes(new_owner);
    };
    BATON_TRY(in_context(commit(), what));
    // One UPDATE outside a transaction is atomic and commits at once: the compare-and-set.
    Statement& update = statements_.claim_run;
    update.bind_text(1, run_id);
    update.bind_text(2, expected_owner);
    update.bind_text(3, new_owner);
    BATON_TRY(in_context(update.execute(), what));
    if (db_->changes() == 1) return ok_status();

    Statement& exists = statements_.run_exists;
    ResetOnExit reset(exists);
    exists.bind_text(1, run_id);
    auto has_row = exists.step();
    if (!has_row) return std::move(has_row).error().with_context(what());
    if (!*has_row) return not_found(what() + ": no such run");
    return Error(ErrorCode::kConflict,
                 what() + ": its owner is no longer " + in_quotes(expected_owner));
  }

  Status put_step(std::string_view run_id, const StepRecord& step) override {
    Statement& upsert = statements_.put_step;
    upsert.bind_text(1, run_id);
    upsert.bind_text(2, step.step_id);
    upsert.bind_int(3, step.item);
    upsert.bind_text(4, step_status_name(step.status));
    upsert.bind_text(5, step.result_json);
    upsert.bind_text(6, step.error);
    upsert.bind_int(7, step.started_ms);
    upsert.bind_int(8, step.ended_ms);
    upsert.bind_int(9, step.attempts);
    upsert.bind_text(10, step.fingerprint);
    upsert.bind_text(11, step.reused_from);
    return in_context(write(upsert), [&] {
      return "saving step " + step_label(step.step_id, step.item) + " of run " + in_quotes(run_id);
    });
  }

  Result<std::vector<StepRecord>> steps(std::string_view run_id) override {
    Statement& query = statements_.steps;
    query.bind_text(1, run_id);
    return in_context(collect_rows(query, &sqlite::read_step),
                      [&] { return "reading the steps of run " + in_quotes(run_id); });
  }

  Status add_attempt(std::string_view run_id, AttemptRecord& attempt) override {
    Statement& insert = statements_.add_attempt;
    insert.bind_text(1, run_id);
    insert.bind_text(2, attempt.step_id);
    insert.bind_int(3, attempt.item);
    insert.bind_int(4, attempt.number);
    insert.bind_text(5, attempt.kind);
    insert.bind_text(6, attempt.model);
    insert.bind_text(7, attempt_status_name(attempt.status));
    insert.bind_text(8, attempt.request_json);
    insert.bind_text(9, attempt.response_json);
    insert.bind_text(10, attempt.error);
    insert.bind_int(11, attempt.started_ms);
    insert.bind_int(12, attempt.ended_ms);
    insert.bind_int(13, attempt.input_tokens);
    insert.bind_int(14, attempt.output_tokens);
    insert.bind_text(15, attempt.purpose);
    BATON_TRY(in_context(write(insert), [&] {
      return "recording attempt " + std::to_string(attempt.number) + " of step " +
             step_label(attempt.step_id, attempt.item) + " of run " + in_quotes(run_id);
    }));
    attempt.id = db_->last_insert_id();
    return ok_status();
  }

  Status finish_attempt(std::string_view run_id, const AttemptRecord& attempt) override {
    Statement& update = statements_.finish_attempt;
    update.bind_text(1, run_id);
    update.bind_int(2, attempt.id);
    update.bind_text(3, attempt_status_name(attempt.status));
    update.bind_text(4, attempt.response_json);
    update.bind_text(5, attempt.error);
    update.bind_int(6, attempt.ended_ms);
    update.bind_int(7, attempt.input_tokens);
    update.bind_int(8, attempt.output_tokens);
    update.bind_text(9, attempt.feedback);
    update.bind_text(10, attempt.answer);
    update.bind_int(11, attempt.cached_input_tokens);
    update.bind_int(12, attempt.cache_write_tokens);
    const auto what = [&] {
      return "finishing attempt " + std::to_string(attempt.id) + " of run " + in_quotes(run_id);
    };
    BATON_TRY(in_context(write(update), what));
    if (db_->changes() == 0) return not_found(what() + ": no such attempt");
    return ok_status();
  }

  Result<std::vector<AttemptRecord>> attempts(std::string_view run_id) override {
    Statement& query = statements_.attempts;
    query.bind_text(1, run_id);
    return in_context(collect_rows(query, &sqlite::read_attempt),
                      [&] { return "reading the attempts of run " + in_quotes(run_id); });
  }

  Status put_decision(std::string_view run_id, const DecisionRecord& decision) override {
    Statement& upsert = statements_.put_decision;
    upsert.bind_text(1, run_id);
    upsert.bind_text(2, decision.step_id);
    upsert.bind_int(3, decision.item);
    upsert.bind_int(4, decision.approved ? 1 : 0);
    upsert.bind_text(5, decision.value_json);
    upsert.bind_text(6, decision.reason);
    upsert.bind_int(7, decision.decided_ms);
    upsert.bind_text(8, decision.original);
    return in_context(write(upsert), [&] {
      return "saving the decision on step " + step_label(decision.step_id, decision.item) +
             " of run " + in_quotes(run_id);
    });
  }

  Result<std::vector<DecisionRecord>> decisions(std::string_view run_id) override {
    Statement& query = statements_.decisions;
    query.bind_text(1, run_id);
    return in_context(collect_rows(query, &sqlite::read_decision),
                      [&] { return "reading the decisions of run " + in_quotes(run_id); });
  }

  Status append_event(std::string_view run_id, EventRecord& event) override {
    const auto what = [&] {
      return "appending event " + in_quotes(event.type) + " to run " + in_quotes(run_id);
    };
    BATON_TRY(in_context(begin_if_needed(), what));
    {
      Statement& next_seq = statements_.next_event_seq;
      next_seq.bind_text(1, run_id);
      ResetOnExit reset(next_seq);
      BATON_ASSIGN_OR_RETURN(const bool returned, in_context(next_seq.step(), what));
      if (!returned) return Error(ErrorCode::kInternal, what() + ": no seq was returned");
      event.seq = next_seq.column_int(0);
    }
    Statement& insert = statements_.append_event;
    insert.bind_text(1, run_id);
    insert.bind_int(2, event.seq);
    insert.bind_int(3, event.time_ms);
    insert.bind_text(4, event.type);
    insert.bind_text(5, event.step_id);
    insert.bind_int(6, event.item);
    insert.bind_text(7, event.data_json);
    return in_context(insert.execute(), what);
  }

  Result<std::vector<EventRecord>> events(std::string_view run_id,
                                          std::int64_t after_seq) override {
    Statement& query = statements_.events;
    query.bind_text(1, run_id);
    query.bind_int(2, after_seq);
    return in_context(collect_rows(query, &sqlite::read_event),
                      [&] { return "reading the events of run " + in_quotes(run_id); });
  }

  Status commit() override {
    if (!db_->in_transaction()) return ok_status();
    return in_context(statements_.commit.execute(), [] { return "committing"; });
  }

 private:
  // Runs a bound write inside the open transaction, opening one first if there is none.
  Status write(Statement& bound) {
    Status begun = begin_if_needed();
    if (!begun) {
      bound.reset();
      return begun;
    }
    return bound.execute();
  }

  Status begin_if_needed() {
    return db_->in_transaction() ? ok_status() : statements_.begin.execute();
  }

  // Declared first so that it is destroyed last: statements are finalized before it closes.
  std::unique_ptr<Connection> db_;
  JournalStatements statements_;
};

}  // namespace

Result<std::unique_ptr<Journal>> open_sqlite_journal(const std::string& path,
                                                     Durability durability) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && path != ":memory:") {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      return Error(ErrorCode::kInvalidInput, "creating the directory " + parent.string() +
                                                 " for the journal " + path + ": " +
                                                 error.message());
    }
  }
  BATON_ASSIGN_OR_RETURN(std::unique_ptr<Connection> db, Connection::open(path));
  BATON_TRY(sqlite::configure(*db, durability));
  BATON_TRY(sqlite::migrate(*db));
  BATON_ASSIGN_OR_RETURN(JournalStatements statements, sqlite::prepare_journal_statements(*db));
  return std::unique_ptr<Journal>(new SqliteJournal(std::move(db), std::move(statements)));
}

}  // namespace baton::store
