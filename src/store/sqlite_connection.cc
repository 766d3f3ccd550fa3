#include "src/store/sqlite_connection.h"

#include <string>
#include <utility>

#include <sqlite3.h>

namespace baton::store::sqlite {
namespace {

ErrorCode code_for(int code) {
  switch (code) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE:
      return ErrorCode::kAlreadyExists;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return ErrorCode::kNotFound;
    case SQLITE_CONSTRAINT_TRIGGER:
      return ErrorCode::kFailedPrecondition;
    default:
      break;
  }
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return ErrorCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kDataLoss;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return ErrorCode::kFailedPrecondition;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

Error sqlite_error(sqlite3* db, int code, std::string_view what) {
  std::string message(what);
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  if (file != nullptr && *file != '\0') {
    message += message.empty() ? "" : " in ";
    message += file;
  }
  if (!message.empty()) message += ": ";
  // The connection's message is about the last call, which may not be the one that set `code`
  // (a bind error is reported at the next step), so fall back to the code's own text.
  const bool db_agrees = db != nullptr && sqlite3_extended_errcode(db) == code;
  message += db_agrees ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  return Error(code_for(code), std::move(message));
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = other.bind_error_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind_text(int index, std::string_view text) {
  // A null pointer would bind SQL NULL, and an empty view may carry one.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind_int(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::bind_double(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

Result<bool> Statement::step() {
  if (bind_error_ != SQLITE_OK) {
    return sqlite_error(sqlite3_db_handle(stmt_), std::exchange(bind_error_, SQLITE_OK),
                        "binding a value");
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(sqlite3_db_handle(stmt_), rc, "");
}

Status Statement::execute() {
  ResetOnExit reset(*this);
  auto row = step();
  if (!row) return std::move(row).error();
  return ok_status();
}

void Statement::reset() {
  // The error, if any, was already returned by step().
  sqlite3_reset(stmt_);
  bind_error_ = SQLITE_OK;
}

std::string_view Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

double Statement::column_double(int index) const { return sqlite3_column_double(stmt_, index); }

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path,
                                                     std::string_view what) {
  sqlite3* db = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  // Debian's SQLite reads names starting with "file:" as URIs; a path is only ever a path.
  std::string name = path.empty() ? ":memory:" : path;
  if (name.starts_with("file:")) name = "./" + name;
  const int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(nullptr, rc, "opening " + std::string(what) + " " + path);
    sqlite3_close(db);  // a handle is returned even on failure
    return error;
  }
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() {
  // Every statement was finalized by its owner first, so this closes at once.
  sqlite3_close(db_);
}

Status Connection::exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, what);
  return ok_status();
}

Result<Statement> Connection::prepare(std::string_view sql, std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, what);
  return Statement(stmt);
}

Result<std::int64_t> Connection::query_int(const char* sql, std::string_view what) {
  BATON_ASSIGN_OR_RETURN(Statement statement, prepare(sql, what));
  ResetOnExit reset(statement);
  auto row = statement.step();
  if (!row) return std::move(row).error().with_context(what);
  return *row ? statement.column_int(0) : 0;
}

Result<std::string> Connection::query_text(const char* sql, std::string_view what) {
  BATON_ASSIGN_OR_RETURN(Statement statement, prepare(sql, what));
  ResetOnExit reset(statement);
  auto row = statement.step();
  if (!row) return std::move(row).error().with_context(what);
  return *row ? std::string(statement.column_text(0)) : std::string();
}

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

std::int64_t Connection::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

}  // namespace baton::store::sqlite
