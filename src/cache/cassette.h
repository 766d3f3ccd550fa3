#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baton/result.h"
#include "src/providers/provider.h"

namespace baton::cache {

// A cassette: every model exchange of a run, as JSON Lines (docs/cassettes.md), one line per
// attempt in the order the answers arrived:
//   {"key", "step", "item", "model", "call": {key material}, "request": {body as sent},
//    "response_body": "...", "reply": {...}}            a reply, or instead of "reply":
//    "error": {"code": "rate_limited", "message": "...", "retry_after_ms": N}
struct CassetteEntry {
  std::string key;  // content_key(call), computed without the base_url
  std::string step;
  int item = -1;
  std::string model;         // the declared model's name
  std::string call_json;     // the key material (cache_key.h), compact JSON
  std::string request_json;  // the body as sent: never a credential
  std::string response_body;
  Result<providers::ModelReply> reply = Error(ErrorCode::kInternal, "no reply");
  std::optional<std::chrono::milliseconds> retry_after;
  int line = 0;  // where it was read from, for messages
};

struct Cassette {
  std::string path;
  std::vector<CassetteEntry> entries;  // in file order
};

// Reads a cassette whole. kNotFound when the file cannot be read; kInvalidInput naming
// FILE:LINE and what was expected when a line is not an entry.
Result<Cassette> load_cassette(const std::string& path);

// The entry for one attempt of `call`, as the recorder writes it.
CassetteEntry cassette_entry(const providers::ModelCall& call,
                             const providers::ModelOutcome& outcome);
// One line of the file, without its newline.
std::string cassette_line(const CassetteEntry& entry);

// Appends entries to a cassette file, a whole line per write, so that a process killed while
// recording leaves every line it wrote intact. One thread at a time.
class CassetteWriter {
 public:
  // Opens FILE for appending, creating it; kInvalidInput when it cannot be.
  static Result<std::unique_ptr<CassetteWriter>> open(const std::string& path);
  ~CassetteWriter();
  CassetteWriter(const CassetteWriter&) = delete;
  CassetteWriter& operator=(const CassetteWriter&) = delete;

  const std::string& path() const { return path_; }
  // kUnavailable when the line could not be written whole.
  Status append(const CassetteEntry& entry);

 private:
  CassetteWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace baton::cache
