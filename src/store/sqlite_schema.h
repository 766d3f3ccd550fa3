#pragma once

#include "baton/result.h"
#include "src/store/journal.h"
#include "src/store/sqlite_connection.h"

namespace baton::store::sqlite {

// The schema version (PRAGMA user_version) that migrate() brings a journal to.
int latest_schema_version();

// Sets up a freshly opened connection: a busy timeout so that processes can share the file,
// WAL, the synchronous level for `durability`, foreign keys and WAL size limits. A file that
// is not a SQLite database gives kInvalidInput naming the path.
Status configure(Connection& db, Durability durability);

// Applies the migrations the file lacks, each in its own transaction, so that two processes
// opening a new file at once migrate it once. kFailedPrecondition when the file was written by
// a newer Baton (a higher version than this one knows). `up_to` stops at an older version
// (tests of the migrations themselves).
Status migrate(Connection& db, int up_to = latest_schema_version());

}  // namespace baton::store::sqlite
