#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "baton/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace baton::store::sqlite {

// The error for a SQLite result code: "<what> in <file>: <SQLite's message>" (`what` may be
// empty; a null `db` gives the code's generic message). The code:
// BUSY/LOCKED/IOERR/FULL -> kUnavailable, CORRUPT/NOTADB -> kDataLoss, a primary key or unique
// clash -> kAlreadyExists, a foreign key -> kNotFound, an aborting trigger or a read-only file ->
// kFailedPrecondition, anything else -> kInternal.
Error sqlite_error(sqlite3* db, int code, std::string_view what);

// A prepared statement, owned. Text is bound without a copy (SQLITE_STATIC): a bound view must
// stay alive until the statement is reset, which the callers here always do before returning.
// Binding errors are remembered and reported by the next step().
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  void bind_text(int index, std::string_view text);
  void bind_int(int index, std::int64_t value);
  void bind_double(int index, double value);

  // One step: true when a row is ready, false when the statement is done.
  Result<bool> step();
  // Steps a statement that returns no rows, then resets it.
  Status execute();
  void reset();

  std::string_view column_text(int index) const;
  std::int64_t column_int(int index) const;
  double column_double(int index) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = 0;
};

// Resets a statement when the scope ends, so that no read transaction is left open by a query
// that returned early.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& statement) : statement_(statement) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { statement_.reset(); }

 private:
  Statement& statement_;
};

// A connection, owned. One thread at a time (opened with SQLITE_OPEN_NOMUTEX).
class Connection {
 public:
  // Opens or creates the file; "" or ":memory:" is a private in-memory database. `what` names
  // the file in errors ("opening the journal PATH: ...").
  static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                  std::string_view what = "the journal");
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  bool is_memory() const { return path_.empty() || path_ == ":memory:"; }

  // Runs one or more statements that return no rows, e.g. a migration script.
  Status exec(const char* sql, std::string_view what);
  Result<Statement> prepare(std::string_view sql, std::string_view what);
  // Runs a statement that returns one integer or text row, e.g. a PRAGMA.
  Result<std::int64_t> query_int(const char* sql, std::string_view what);
  Result<std::string> query_text(const char* sql, std::string_view what);

  bool in_transaction() const;
  std::int64_t last_insert_id() const;
  std::int64_t changes() const;

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
};

}  // namespace baton::store::sqlite
