#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton {

// Chosen by what the caller should do next, not by where the error came from.
enum class ErrorCode : std::uint8_t {
  kInvalidInput,        // workflow, request or flag is wrong: fix the input; never retried
  kNotFound,            // a file, run or step that does not exist
  kAlreadyExists,       //
  kFailedPrecondition,  // state must change first (run finished, step not paused)
  kConflict,            // lost a race (lease, version): redo the read-modify-write
  kUnavailable,         // transient (refused, 5xx, SQLITE_BUSY): retry with backoff
  kRateLimited,         // 429 / quota: retry after retry_after()
  kTimeout,             // deadline passed; the outcome may be unknown
  kCancelled,           // conductor or shutdown
  kBudgetExceeded,      // the reservation would pass the budget: never retried
  kOutputRejected,      // an output contract failed: repair (re-prompt with the failure)
  kUnauthenticated,     // bad key: never retried, never echoes the key
  kInternal,            // a bug in Baton
  kDataLoss,            // the journal is corrupt
};

// The stable lower_snake name of a code, as written in the journal and the HTTP API.
std::string_view error_code_name(ErrorCode code);

// A place in a source file. Lines and columns count from 1; columns count bytes.
struct SourceSpan {
  std::string file;
  int line = 0;
  int column = 0;

  bool is_known() const { return line > 0; }
};

// An error as a value: a code, a message, and where it happened when that is known.
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::optional<SourceSpan>& span() const { return span_; }

  Error& with_span(SourceSpan span) & {
    span_ = std::move(span);
    return *this;
  }
  Error&& with_span(SourceSpan span) && { return std::move(with_span(std::move(span))); }

  // Prefixes the message with what was being done: "loading models.fast: ...".
  Error& with_context(std::string_view context) &;
  Error&& with_context(std::string_view context) && { return std::move(with_context(context)); }

  // "file:line:column: message" when the place is known, else the message alone.
  std::string to_string() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::optional<SourceSpan> span_;
};

inline Error invalid_input(std::string message) {
  return Error(ErrorCode::kInvalidInput, std::move(message));
}
inline Error not_found(std::string message) {
  return Error(ErrorCode::kNotFound, std::move(message));
}
inline Error internal_error(std::string message) {
  return Error(ErrorCode::kInternal, std::move(message));
}

}  // namespace baton
