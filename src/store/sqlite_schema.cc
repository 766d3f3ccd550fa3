#include "src/store/sqlite_schema.h"

#include <array>
#include <string>

#include <sqlite3.h>

namespace baton::store::sqlite {
namespace {

// Append-only: a file at version N has had steps 1..N applied, in order. Never edit a step that
// has shipped; add one.
struct Migration {
  const char* name;
  const char* sql;
};

// Shaped for the hot path, a step journalled and committed on its own: every page a commit
// touches is a 4 KB frame appended to the WAL (and later fsync'ed), so a step should touch few.
// - steps and decisions are WITHOUT ROWID: the key is the table, no second index to update.
// - events.seq and attempts.id are plain INTEGER PRIMARY KEYs (max + 1), not AUTOINCREMENT,
//   which would update sqlite_sequence on every insert.
constexpr std::array<Migration, 6> kMigrations = {{
    {"initial schema", R"sql(
CREATE TABLE runs (
  id TEXT NOT NULL PRIMARY KEY,
  workflow_name TEXT NOT NULL,
  workflow_file TEXT NOT NULL,
  workflow_source TEXT NOT NULL,
  workflow_hash TEXT NOT NULL,
  inputs_json TEXT NOT NULL,
  status TEXT NOT NULL,
  outputs_json TEXT NOT NULL,
  error TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  fixture TEXT NOT NULL,
  owner TEXT NOT NULL
);
CREATE INDEX runs_by_created ON runs (created_ms);

CREATE TABLE steps (
  run_id TEXT NOT NULL REFERENCES runs (id),
  step_id TEXT NOT NULL,
  item INTEGER NOT NULL,
  status TEXT NOT NULL,
  result_json TEXT NOT NULL,
  error TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  PRIMARY KEY (run_id, step_id, item)
) WITHOUT ROWID;

CREATE TABLE attempts (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id),
  step_id TEXT NOT NULL,
  item INTEGER NOT NULL,
  number INTEGER NOT NULL,
  kind TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  request_json TEXT NOT NULL,
  response_json TEXT NOT NULL,
  error TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL
);
CREATE INDEX attempts_by_run ON attempts (run_id, id);

CREATE TABLE decisions (
  run_id TEXT NOT NULL REFERENCES runs (id),
  step_id TEXT NOT NULL,
  item INTEGER NOT NULL,
  approved INTEGER NOT NULL,
  value_json TEXT NOT NULL,
  reason TEXT NOT NULL,
  decided_ms INTEGER NOT NULL,
  PRIMARY KEY (run_id, step_id, item)
) WITHOUT ROWID;

CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id),
  time_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  step_id TEXT NOT NULL,
  item INTEGER NOT NULL,
  data_json TEXT NOT NULL
);
CREATE INDEX events_by_run ON events (run_id, seq);
CREATE TRIGGER events_are_not_updated BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only: they cannot be updated'); END;
CREATE TRIGGER events_are_not_deleted BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only: they cannot be deleted'); END;
)sql"},
    // A step's commit wrote the events row and, apart, its events_by_run index entry: two WAL
    // frames. Keyed by (run_id, seq) the row is its own index. seq now increases within a run.
    {"events keyed by run", R"sql(
CREATE TABLE events_by_run_key (
  run_id TEXT NOT NULL REFERENCES runs (id),
  seq INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  step_id TEXT NOT NULL,
  item INTEGER NOT NULL,
  data_json TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
INSERT INTO events_by_run_key SELECT run_id, seq, time_ms, type, step_id, item, data_json
  FROM events;
DROP TABLE events;
ALTER TABLE events_by_run_key RENAME TO events;
CREATE TRIGGER events_are_not_updated BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only: they cannot be updated'); END;
CREATE TRIGGER events_are_not_deleted BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only: they cannot be deleted'); END;
)sql"},
    // Output contracts: why each attempt was made (first, retry, repair, fallback), and for an
    // answer a contract rejected, the feedback and the answer, so that a resumed run repairs
    // with what is left.
    {"attempt purpose and contract feedback", R"sql(
ALTER TABLE attempts ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN feedback TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN answer TEXT NOT NULL DEFAULT '';
)sql"},
    // Reruns and safe evolution: the run a rerun came from, the step it re-ran from and what it
    // changed there; for each step, the fingerprint of the definition that computed it, and the
    // run a rerun copied it from.
    {"reruns and step fingerprints", R"sql(
ALTER TABLE runs ADD COLUMN parent_run TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN rerun_from TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN overrides_json TEXT NOT NULL DEFAULT '';
ALTER TABLE steps ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE steps ADD COLUMN reused_from TEXT NOT NULL DEFAULT '';
)sql"},
    // Human decisions: what the conductor was shown when deciding, so that an edited answer
    // can be compared with it.
    {"decision original", R"sql(
ALTER TABLE decisions ADD COLUMN original TEXT NOT NULL DEFAULT '';
)sql"},
    // Prompt caching: of an attempt's input tokens, those read from the provider's cache and
    // those written to it, which are priced apart.
    {"attempt cached input tokens", R"sql(
ALTER TABLE attempts ADD COLUMN cached_input_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
)sql"},
}};

// A checkpoint copies the WAL back into the database and, at synchronous=NORMAL, is the only
// fsync. SQLite's default (every 1,000 pages, 4 MB) checkpoints many times a second when every
// step commits, so checkpoint less often; after a checkpoint the WAL file is cut back to the
// size limit so that it does not stay at its high-water mark.
constexpr const char* kWalPragmas =
    "PRAGMA wal_autocheckpoint = 8192; PRAGMA journal_size_limit = 67108864;";

Status apply(Connection& db, int version) {
  const Migration& migration = kMigrations[static_cast<std::size_t>(version - 1)];
  const std::string what = "migrating the journal " + db.path() + " to schema version " +
                           std::to_string(version) + " (" + migration.name + ")";
  BATON_TRY(db.exec(migration.sql, what));
  const std::string set_version = "PRAGMA user_version = " + std::to_string(version);
  return db.exec(set_version.c_str(), what);
}

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

Status configure(Connection& db, Durability durability) {
  const std::string what = "opening the journal " + db.path();
  sqlite3_busy_timeout(db.handle(), 10'000);
  // The first statement reads the file's header, so this is where a file that is not a
  // database shows up.
  auto mode = db.query_text("PRAGMA journal_mode = WAL", what);
  if (!mode) {
    if (mode.error().code() == ErrorCode::kDataLoss) {
      return invalid_input(db.path() + " is not a SQLite database (" + mode.error().message() +
                           ")");
    }
    return std::move(mode).error();
  }
  if (*mode != "wal" && !db.is_memory()) {
    return Error(ErrorCode::kFailedPrecondition,
                 what + ": the file system does not support WAL (journal_mode is " + *mode + ")");
  }
  const char* synchronous =
      durability == Durability::kFull ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  BATON_TRY(db.exec(synchronous, what));
  BATON_TRY(db.exec("PRAGMA foreign_keys = ON", what));
  return db.exec(kWalPragmas, what);
}

Status migrate(Connection& db, int up_to) {
  const std::string what = "reading the schema version of the journal " + db.path();
  const int latest = latest_schema_version();
  while (true) {
    BATON_ASSIGN_OR_RETURN(const std::int64_t current, db.query_int("PRAGMA user_version", what));
    if (current >= up_to && current <= latest) return ok_status();
    if (current > latest || current < 0) {
      return Error(ErrorCode::kFailedPrecondition,
                   "the journal " + db.path() + " has schema version " + std::to_string(current) +
                       ", but this Baton knows versions up to " + std::to_string(latest) +
                       ": open it with a newer Baton");
    }
    // Re-read the version under the write lock: another process may have migrated meanwhile.
    BATON_TRY(db.exec("BEGIN IMMEDIATE", what));
    auto locked = db.query_int("PRAGMA user_version", what);
    Status applied =
        locked ? (*locked == current ? apply(db, static_cast<int>(current) + 1) : ok_status())
               : Status(std::move(locked).error());
    if (applied) applied = db.exec("COMMIT", what);
    if (!applied) {
      if (db.in_transaction()) (void)db.exec("ROLLBACK", what);
      return applied;
    }
  }
}

}  // namespace baton::store::sqlite
