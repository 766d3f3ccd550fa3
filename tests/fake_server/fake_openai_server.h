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

// A reply rule: when the last user message contains `match` (and, when `model` is not empty,
// the request is for that model), answer `reply`, `delay` after the server's latency.
struct ReplyRule {
  // Not an aggregate, so that rules may leave out the last fields without a warning.
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
  std::string model;
};

// One injected fault, consumed by one chat-completion request (in the order they were added).
struct Fault {
  enum class Kind {
    kStatus,  // answer `status` with an OpenAI error body (and Retry-After when set, for 429)
    kHang,    // wait `delay`, then answer normally: longer than a client's timeout
    // Closes the connection without sending a byte. Caveat: when that connection was a reused
    // keep-alive one, curl (like most clients) takes it for a stale connection and resends the
    // request once on a new connection, which then takes the next fault or is answered. Use it
    // on a fresh connection, or use kCut.
    kDrop,
    kCut,  // sends the response head and half the body, then closes: always a transport error
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
};

// Parses [{"match": "...", "reply": "...", "delay_ms": N, "model": "..."}, ...] (delay_ms and
// model optional);
// kInvalidInput when malformed.
Result<std::vector<ReplyRule>> parse_rules_json(std::string_view text);

// What the server received: header names lower-cased.
struct RecordedRequest {
  std::string path;
  int remote_port = 0;  // the client's port: one per connection
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A fake OpenAI-compatible chat-completions server on 127.0.0.1 and a free port, served from its
// own threads (a pool of 256, enough for 200 concurrent slow requests).
//
//   POST /v1/chat/completions, /chat/completions   a chat.completion object ("stream": true
//                                                   answers chat.completion.chunk SSE events)
//   GET  /stats      {"requests": N, "requests_by_last_user_message": {"text": N, ...}}
//   GET  /requests   JSON array of the chat request bodies (parsed; a string when not JSON)
//   POST /admin/rules    [{"match": "...", "reply": "...", "delay_ms": N}]  replaces the rules
//   POST /admin/faults   [{"status": 429, "retry_after": 2} | {"status": 503} |
//                         {"hang_ms": 3000} | {"drop": true} | {"cut": true}]  appends to the
//                        fault queue
//   POST /admin/latency  {"ms": N}
//   POST /admin/reset    forgets recorded requests and queued faults
//
// A chat request is recorded, then checked against the API key (401), then takes the next
// queued fault if any, then is validated (400), then waits the latency and is answered: the
// first rule whose `match` is in the last user message, else "fake reply to: <message>".
// Errors use OpenAI's body: {"error": {"message", "type", "param", "code"}}.
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
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"

  void set_latency(std::chrono::milliseconds latency);
  void set_rules(std::vector<ReplyRule> rules);
  void add_fault(Fault fault);
  void clear_faults();
  std::size_t pending_faults() const;
  // When not empty, chat requests must carry "Authorization: Bearer <key>".
  void set_api_key(std::string key);

  std::size_t request_count() const;
  // The most chat requests handled at once (received, not yet answered) since start or reset().
  std::size_t max_in_flight() const;
  std::vector<RecordedRequest> requests() const;
  // Keyed by the last user message of each well-formed chat request.
  std::map<std::string, std::size_t> requests_by_last_user_message() const;
  void reset();  // forgets recorded requests and queued faults

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace baton::fake
