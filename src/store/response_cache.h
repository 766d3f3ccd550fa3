#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "baton/result.h"

namespace baton::store {

// One model answer kept for reuse, under the content key of the request that produced it.
struct CachedResponse {
  std::string key;            // hex SHA-256 of the request's content (src/cache/cache_key.h)
  std::string request_json;   // the body that was sent: never a credential
  std::string response_body;  // as received
  std::string reply_json;     // {"text", "model", "finish_reason", "usage": {...}}
  double cost_usd = 0;        // what the call that produced it cost: what each hit saves
  std::int64_t created_ms = 0;
  std::int64_t hits = 0;  // times it answered a call since, this one included
};

struct ResponseCacheStats {
  std::int64_t entries = 0;
  std::int64_t bytes = 0;  // the file and its WAL on disk
  std::int64_t hits = 0;
  double saved_usd = 0;  // the sum over entries of hits x cost_usd
};

// The response cache: a SQLite file of its own (WAL, its own schema version), apart from the
// journal, so that it can be shared by many journals, copied, or deleted at any time.
//
// Entries put gather in an open transaction until commit(), so that the answers of one
// event-loop turn cost one commit; readers in other processes see them after that. Hits are
// counted in memory and written by the next commit: a hit is one read, and never holds the
// write lock. Several processes may share the file (a busy timeout). One thread at a time.
class ResponseCache {
 public:
  // Opens (creating the file and its directory if needed). kInvalidInput when the file is not
  // a SQLite database or its directory cannot be made; kFailedPrecondition when its schema is
  // newer than this Baton's.
  static Result<std::unique_ptr<ResponseCache>> open(const std::string& path);
  ~ResponseCache();
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  const std::string& path() const;

  // The entry under `key`, counting a hit (written at the next commit); nullopt when there is
  // none.
  Result<std::optional<CachedResponse>> find(std::string_view key);
  // Inserts the entry, or replaces the one under the same key (its hits start again at 0).
  Status put(const CachedResponse& entry);
  // Writes the hits counted since the last commit and makes every write durable; nothing to do
  // when there are none.
  Status commit();

  Result<ResponseCacheStats> stats();
  // Deletes every entry created before `before_ms` (every entry when nullopt), commits and
  // gives the space back to the file system; returns how many were deleted.
  Result<std::int64_t> clear(std::optional<std::int64_t> before_ms);

 private:
  struct Impl;
  explicit ResponseCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton::store
