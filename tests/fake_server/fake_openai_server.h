#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baton/result.h"

namespace baton::fake {

// A tool call a scripted reply makes.
struct ToolCallSpec {
  std::string name;
  std::string arguments;  // a JSON object's text
};

// A reply rule: when the last user message contains `match`, answer `reply`, `delay` after the
// server's latency; with `tool_calls`, the reply calls those tools (`reply` may then be ""). The
// token counts are reported as usage: cached_tokens as OpenAI's
// prompt_tokens_details.cached_tokens and Anthropic's cache_read_input_tokens (added to the
// input), cache_creation_tokens as Anthropic's cache_creation_input_tokens, reasoning_tokens as
// OpenAI's completion_tokens_details.reasoning_tokens. Each detail is sent only when not 0.
struct ReplyRule {
  // Not an aggregate, so that rules may leave out the last fields without a warning.
  ReplyRule() = default;
  ReplyRule(std::string match_text, std::string reply_text,
            std::chrono::milliseconds reply_delay = std::chrono::milliseconds(0),
            std::string model_name = "")
      : match(std::move(match_text)),
        reply(std::move(reply_text)),
        delay(reply_delay),
        model(std::move(model_name)) {}

  std::string match;
  std::string reply;
  std::chrono::milliseconds delay{0};
  std::string model;  // when not empty, the rule answers only requests for this model
  std::vector<ToolCallSpec> tool_calls{};
  long cached_tokens = 0;
  long cache_creation_tokens = 0;
  long reasoning_tokens = 0;
};

// One injected fault, consumed by one model request (chat completion or message, in the order
// they were added).
struct Fault {
  enum class Kind {
    kStatus,  // answer `status` with the API's error body (and Retry-After when set)
    kHang,    // wait `delay`, then answer normally: longer than a client's timeout
    // Closes the connection without sending a byte. Caveat: when that connection was a reused
    // keep-alive one, curl (like most clients) takes it for a stale connection and resends the
    // request once on a new connection, which then takes the next fault or is answered. Use it
    // on a fresh connection, or use kCut.
    kDrop,
    kCut,  // sends the response head and half the body, then closes: always a transport error
    // The faults below act half-way through a streamed reply's events:
    kTruncate,     // ends the body there, cleanly: no [DONE] / message_stop
    kMalformed,    // sends an event whose data is cut JSON there, then the rest
    kStreamError,  // sends the error event the API sends for `status` there, and ends
    kStall,        // waits `delay` there (or until release_stalls() or stop()), then the rest
  };
  Kind kind = Kind::kStatus;
  int status = 500;
  int retry_after_seconds = -1;  // < 0: no Retry-After header
  std::chrono::milliseconds delay{0};

  static Fault http_status(int status, int retry_after_seconds = -1) {
    return {Kind::kStatus, status, retry_after_seconds, std::chrono::milliseconds(0)};
  }
  static Fault hang(std::chrono::milliseconds delay) { return {Kind::kHang, 0, -1, delay}; }
  static Fault drop() { return {Kind::kDrop, 0, -1, std::chrono::milliseconds(0)}; }
  static Fault cut() { return {Kind::kCut, 0, -1, std::chrono::milliseconds(0)}; }
  // Without a stream, kTruncate sends half the JSON body (cleanly ended), kMalformed a body that
  // is not JSON, kStreamError answers `status`, kStall waits and answers.
  static Fault truncate() { return {Kind::kTruncate, 0, -1, std::chrono::milliseconds(0)}; }
  static Fault malformed() { return {Kind::kMalformed, 0, -1, std::chrono::milliseconds(0)}; }
  static Fault stream_error(int status) {
    return {Kind::kStreamError, status, -1, std::chrono::milliseconds(0)};
  }
  static Fault stall(std::chrono::milliseconds delay) { return {Kind::kStall, 0, -1, delay}; }
};

// Parses [{"match": "...", "reply": "...", "delay_ms": N, "model": "...",
// "tool_calls": [{"name", "arguments"}], "cached_tokens": N, "cache_creation_tokens": N,
// "reasoning_tokens": N}, ...] (all but match and reply optional); kInvalidInput when malformed.
Result<std::vector<ReplyRule>> parse_rules_json(std::string_view text);

// What the server received: header names lower-cased.
struct RecordedRequest {
  std::string path;
  std::string query;    // after '?' in the request target, "" when none
  int remote_port = 0;  // the client's port: one per connection
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::steady_clock::time_point received{};  // when the server read the request
};

// A fake model API server on 127.0.0.1 and a free port, served from its own threads (a pool of
// 256, enough for 200 concurrent slow requests). It speaks OpenAI's chat completions (also as
// Azure OpenAI) and Anthropic's messages.
//
//   POST /v1/chat/completions, /chat/completions   a chat.completion object; with "stream": true,
//                                                   chat.completion.chunk events then [DONE]
//   POST /openai/deployments/NAME/chat/completions?api-version=V   the same, as Azure OpenAI
//                                                   (404 without api-version)
//   POST /v1/messages   an Anthropic message; with "stream": true, its events (message_start ...
//                       message_stop); requires the anthropic-version header (400)
//   GET  /stats      {"requests": N, "requests_by_last_user_message": {"text": N, ...}}
//   GET  /requests   JSON array of the model request bodies (parsed; a string when not JSON)
//   POST /admin/rules    [{"match": "...", "reply": "...", "delay_ms": N, ...}]  replaces the
//                        rules (see parse_rules_json)
//   POST /admin/faults   [{"status": 429, "retry_after": 2} | {"status": 503} |
//                         {"hang_ms": 3000} | {"drop": true} | {"cut": true} |
//                         {"truncate": true} | {"malformed": true} | {"stream_error": 529} |
//                         {"stall_ms": 500}]  appends to the fault queue
//   POST /admin/latency  {"ms": N}
//   POST /admin/release  ends the stalls of the requests received so far (Fault::kStall)
//   POST /admin/reset    forgets recorded requests and queued faults
//
// A model request is recorded, then checked against the API key (401), then takes the next
// queued fault if any, then is validated (400), then waits the latency and is answered: the
// first rule whose `match` is in the last user message, else "fake reply to: <message>".
// Streamed replies go out event by event (chunked), one word of text per event. Errors use the
// API's body: OpenAI's {"error": {"message", "type", "param", "code"}}, Anthropic's
// {"type": "error", "error": {"type", "message"}}.
//
// Every method is thread-safe. The destructor stops the server.
class FakeOpenAiServer {
 public:
  FakeOpenAiServer();
  ~FakeOpenAiServer();
  FakeOpenAiServer(const FakeOpenAiServer&) = delete;
  FakeOpenAiServer& operator=(const FakeOpenAiServer&) = delete;

  // Binds 127.0.0.1:`port` (0: any free port) and starts serving. Returns the port.
  // kUnavailable when the port cannot be bound; kFailedPrecondition when already started.
  Result<int> start(int port = 0);
  // Stops accepting, wakes sleeping handlers and joins the server's threads. Idempotent.
  void stop();

  int port() const;
  std::string base_url() const;            // "http://127.0.0.1:PORT/v1"
  std::string anthropic_base_url() const;  // "http://127.0.0.1:PORT"

  void set_latency(std::chrono::milliseconds latency);
  void set_rules(std::vector<ReplyRule> rules);
  void add_fault(Fault fault);
  void clear_faults();
  std::size_t pending_faults() const;
  // When not empty, model requests must carry the key: "Authorization: Bearer <key>" (OpenAI),
  // "api-key: <key>" (Azure), "x-api-key: <key>" (Anthropic).
  void set_api_key(std::string key);
  // Ends the stall (Fault::kStall) of every model request received so far: at once for those
  // stalled now, on arrival for those that have not reached their stall yet.
  void release_stalls();

  std::size_t request_count() const;
  // The most model requests handled at once (received, not yet fully answered) since start or
  // reset().
  std::size_t max_in_flight() const;
  // Model requests being handled now (a stream counts until its last event is written).
  std::size_t in_flight() const;
  std::vector<RecordedRequest> requests() const;
  // Keyed by the last user message of each well-formed model request.
  std::map<std::string, std::size_t> requests_by_last_user_message() const;
  void reset();  // forgets recorded requests and queued faults

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton::fake
