// The response cache in SQLite. A file of its own, with its own schema version (user_version),
// so that it never needs a journal migration and can be deleted at any time.
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <utility>

#include <sqlite3.h>

#include "src/store/response_cache.h"
#include "src/store/sqlite_connection.h"

namespace baton::store {
namespace {

using sqlite::Connection;
using sqlite::ResetOnExit;
using sqlite::Statement;

constexpr int kSchemaVersion = 1;

// The key is a 64-character hex digest: a rowid table with a unique index on it keeps the large
// text columns out of the index's pages.
constexpr const char* kSchema = R"sql(
CREATE TABLE responses (
  key TEXT NOT NULL UNIQUE,
  request_json TEXT NOT NULL,
  response_body TEXT NOT NULL,
  reply_json TEXT NOT NULL,
  cost_usd REAL NOT NULL,
  created_ms INTEGER NOT NULL,
  hits INTEGER NOT NULL
);
PRAGMA user_version = 1;
)sql";

Status create_schema(Connection& db) {
  const std::string what = "creating the response cache " + db.path();
  BATON_TRY(db.exec("BEGIN IMMEDIATE", what));
  auto version = db.query_int("PRAGMA user_version", what);
  Status created = !version        ? Status(std::move(version).error())
                   : *version == 0 ? db.exec(kSchema, what)
                                   : ok_status();  // another process was first
  if (created) created = db.exec("COMMIT", what);
  if (!created && db.in_transaction()) (void)db.exec("ROLLBACK", what);
  return created;
}

Status configure(Connection& db) {
  const std::string what = "opening the response cache " + db.path();
  sqlite3_busy_timeout(db.handle(), 10'000);
  auto mode = db.query_text("PRAGMA journal_mode = WAL", what);
  if (!mode) {
    if (mode.error().code() == ErrorCode::kDataLoss) {
      return invalid_input("the response cache " + db.path() + " is not a SQLite database (" +
                           mode.error().message() + ")");
    }
    return std::move(mode).error();
  }
  // A lost answer costs one call again, so the cache never waits for an fsync of its own.
  BATON_TRY(db.exec("PRAGMA synchronous = NORMAL", what));
  BATON_ASSIGN_OR_RETURN(const std::int64_t version, db.query_int("PRAGMA user_version", what));
  if (version == 0) return create_schema(db);
  if (version != kSchemaVersion) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the response cache " + db.path() + " has schema version " +
                     std::to_string(version) + ", but this Baton knows version " +
                     std::to_string(kSchemaVersion) +
                     " only: use a newer Baton, or give another file (--cache)");
  }
  return ok_status();
}

std::int64_t size_or_zero(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<std::int64_t>(size);
}

}  // namespace

struct ResponseCache::Impl {
  std::unique_ptr<Connection> db;
  Statement find;
  Statement count_hit;
  Statement put;
  std::map<std::string, std::int64_t, std::less<>> hits;  // counted, not yet written

  // Writes go into one transaction that commit() ends. IMMEDIATE takes the write lock at once:
  // a deferred transaction that read first could not upgrade after another process wrote.
  Status begin_writing() {
    if (db->in_transaction()) return ok_status();
    return db->exec("BEGIN IMMEDIATE", "writing to the response cache " + db->path());
  }
};

ResponseCache::ResponseCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ResponseCache::~ResponseCache() {
  if (impl_) (void)commit();  // the entries and hit counts not yet written
}

Result<std::unique_ptr<ResponseCache>> ResponseCache::open(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) {
      return invalid_input("creating the directory " + parent.string() +
                           " for the response cache " + path + ": " + error.message());
    }
  }
  auto impl = std::make_unique<Impl>();
  BATON_ASSIGN_OR_RETURN(impl->db, Connection::open(path, "the response cache"));
  BATON_TRY(configure(*impl->db));
  const std::string what = "preparing the response cache " + path;
  BATON_ASSIGN_OR_RETURN(
      impl->find, impl->db->prepare("SELECT request_json, response_body, reply_json, cost_usd, "
                                    "created_ms, hits FROM responses WHERE key = ?1",
                                    what));
  BATON_ASSIGN_OR_RETURN(
      impl->count_hit,
      impl->db->prepare("UPDATE responses SET hits = hits + ?2 WHERE key = ?1", what));
  BATON_ASSIGN_OR_RETURN(impl->put,
                         impl->db->prepare("INSERT OR REPLACE INTO responses (key, request_json, "
                                           "response_body, reply_json, cost_usd, created_ms, hits) "
                                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
                                           what));
  return std::unique_ptr<ResponseCache>(new ResponseCache(std::move(impl)));
}

const std::string& ResponseCache::path() const { return impl_->db->path(); }

Result<std::optional<CachedResponse>> ResponseCache::find(std::string_view key) {
  std::optional<CachedResponse> entry;
  {
    Statement& find = impl_->find;
    ResetOnExit reset(find);
    find.bind_text(1, key);
    BATON_ASSIGN_OR_RETURN(const bool found, find.step());
    if (!found) return entry;
    entry.emplace();
    entry->key = std::string(key);
    entry->request_json = std::string(find.column_text(0));
    entry->response_body = std::string(find.column_text(1));
    entry->reply_json = std::string(find.column_text(2));
    entry->cost_usd = find.column_double(3);
    entry->created_ms = find.column_int(4);
    entry->hits = find.column_int(5);
  }
  auto counted = impl_->hits.find(key);
  if (counted == impl_->hits.end()) counted = impl_->hits.emplace(std::string(key), 0).first;
  entry->hits += ++counted->second;
  return entry;
}

Status ResponseCache::put(const CachedResponse& entry) {
  BATON_TRY(impl_->begin_writing());
  Statement& put = impl_->put;
  put.bind_text(1, entry.key);
  put.bind_text(2, entry.request_json);
  put.bind_text(3, entry.response_body);
  put.bind_text(4, entry.reply_json);
  put.bind_double(5, entry.cost_usd);
  put.bind_int(6, entry.created_ms);
  return put.execute();
}

Status ResponseCache::commit() {
  Status written = ok_status();
  if (!impl_->hits.empty()) {
    written = impl_->begin_writing();
    Statement& count_hit = impl_->count_hit;
    for (auto counted = impl_->hits.begin(); written && counted != impl_->hits.end(); ++counted) {
      count_hit.bind_text(1, counted->first);
      count_hit.bind_int(2, counted->second);
      written = count_hit.execute();
    }
    impl_->hits.clear();  // counted once: lost with the transaction if it fails
  }
  if (written && impl_->db->in_transaction()) {
    written = impl_->db->exec("COMMIT", "committing to the response cache " + path());
  }
  if (!written && impl_->db->in_transaction()) (void)impl_->db->exec("ROLLBACK", "");
  return written;
}

Result<ResponseCacheStats> ResponseCache::stats() {
  BATON_TRY(commit());
  const std::string what = "reading the response cache " + path();
  BATON_ASSIGN_OR_RETURN(
      Statement query,
      impl_->db->prepare(
          "SELECT count(*), coalesce(sum(hits), 0), coalesce(sum(hits * cost_usd), 0.0) "
          "FROM responses",
          what));
  ResetOnExit reset(query);
  BATON_ASSIGN_OR_RETURN(const bool row, query.step());
  ResponseCacheStats stats;
  if (row) {
    stats.entries = query.column_int(0);
    stats.hits = query.column_int(1);
    stats.saved_usd = query.column_double(2);
  }
  stats.bytes = size_or_zero(path()) + size_or_zero(path() + "-wal");
  return stats;
}

Result<std::int64_t> ResponseCache::clear(std::optional<std::int64_t> before_ms) {
  BATON_TRY(commit());
  const std::string what = "clearing the response cache " + path();
  BATON_ASSIGN_OR_RETURN(
      Statement remove, impl_->db->prepare(before_ms ? "DELETE FROM responses WHERE created_ms < ?1"
                                                     : "DELETE FROM responses",
                                           what));
  if (before_ms) remove.bind_int(1, *before_ms);
  BATON_TRY(remove.execute());
  const std::int64_t removed = impl_->db->changes();
  // VACUUM gives the pages back; the checkpoint then lets the WAL be cut to nothing.
  BATON_TRY(impl_->db->exec("VACUUM", what));
  BATON_TRY(impl_->db->exec("PRAGMA wal_checkpoint(TRUNCATE)", what));
  return removed;
}

}  // namespace baton::store
