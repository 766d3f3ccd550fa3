#include "src/providers/http_model_provider.h"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "src/providers/scrub.h"
#include "src/providers/sse_parser.h"

namespace baton::providers {
namespace {

bool is_success(long status) { return status >= 200 && status < 300; }

bool is_event_stream(const net::HttpResponse& response) {
  const std::optional<std::string_view> type = response.header("content-type");
  if (!type) return false;
  constexpr std::string_view kEventStream = "text/event-stream";
  if (type->size() < kEventStream.size()) return false;
  for (std::size_t index = 0; index < kEventStream.size(); ++index) {
    const char c = (*type)[index];
    if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != kEventStream[index]) return false;
  }
  return true;
}

class HttpModelProvider final : public ModelProvider {
 public:
  HttpModelProvider(EventLoop& loop, net::HttpClient& http, std::unique_ptr<WireProtocol> protocol)
      : loop_(loop), http_(http), protocol_(std::move(protocol)) {}

  ~HttpModelProvider() override {
    for (const auto& [id, call] : calls_) {
      if (call->request) http_.cancel(*call->request);
    }
  }

  CallId start(const ModelCall& call, Callback done) override {
    const CallId id = next_id_++;
    const std::string name(protocol_->name());
    if (call.model == nullptr) {
      fail_soon(id, internal_error(name + ": model call without a model"), std::move(done));
      return id;
    }
    const bool stream = static_cast<bool>(call.on_delta);
    Result<PreparedRequest> prepared = protocol_->prepare(call, stream);
    if (!prepared) {
      fail_soon(id, std::move(prepared).error().with_context(name), std::move(done));
      return id;
    }
    auto state = std::make_shared<Call>(prepared->secret);
    state->done = std::move(done);
    state->on_delta = call.on_delta;
    state->request_json = prepared->http.body;
    state->secret = std::move(prepared->secret);
    state->context = std::move(prepared->context);
    state->key_variable = std::move(prepared->key_variable);
    state->stream = stream;
    if (stream) state->decoder = protocol_->stream_decoder();

    net::HttpRequest request = std::move(prepared->http);
    request.timeout = call.timeout;
    if (stream) {
      request.on_body_chunk = [this, id](long status, std::string_view bytes) {
        on_chunk(id, status, bytes);
      };
    }
    Call& added = *calls_.emplace(id, std::move(state)).first->second;
    // Never calls back from inside send(), so the call is in place before anything arrives.
    added.request = http_.send(std::move(request), [this, id](Result<net::HttpResponse> response) {
      on_response(id, std::move(response));
    });
    return id;
  }

  void cancel(CallId id) override {
    const auto found = calls_.find(id);
    if (found == calls_.end()) return;
    if (found->second->request) http_.cancel(*found->second->request);
    calls_.erase(found);
  }

 private:
  struct Call {
    explicit Call(const std::optional<std::string>& key) : scrubber(key) {}

    std::optional<net::HttpClient::RequestId> request;  // nullopt while a failure is posted
    Callback done;
    std::function<void(std::string_view)> on_delta;
    std::string request_json;
    std::optional<std::string> secret;
    std::string context;
    std::string key_variable;
    // Streaming only:
    bool stream = false;
    std::unique_ptr<StreamDecoder> decoder;
    SseParser parser;
    StreamScrubber scrubber;
    bool saw_event = false;
    std::string received;  // the raw events: the journal's when the stream fails
  };

  // A piece of a streamed response body.
  void on_chunk(CallId id, long status, std::string_view bytes) {
    const auto found = calls_.find(id);
    if (found == calls_.end()) return;
    const std::shared_ptr<Call> call = found->second;  // alive across on_delta
    if (!is_success(status)) return;                   // an error body: read whole at the end
    call->received.append(bytes);
    std::string text;
    for (const SseEvent& event : call->parser.feed(bytes)) {
      call->saw_event = true;
      if (Status read = call->decoder->read(event, text); !read) {
        fail_stream(id, std::move(read).error());
        return;
      }
    }
    give_text(id, *call, text, /*last=*/false);
  }

  void on_response(CallId id, Result<net::HttpResponse> response) {
    const auto found = calls_.find(id);
    if (found == calls_.end()) return;
    const std::shared_ptr<Call> call = found->second;
    call->request.reset();  // finished: nothing to cancel any more
    ModelOutcome outcome;
    std::string last_text;
    if (!response) {
      outcome.reply = std::move(response).error();
      if (call->stream) outcome.response_body = call->received;
    } else if (call->stream && is_success(response->status) &&
               (call->saw_event || is_event_stream(*response))) {
      outcome = finish_stream(*call, last_text);
    } else {
      outcome = protocol_->read_response(*response, std::chrono::system_clock::now());
      // A server that ignored "stream": the whole text is the only delta.
      if (call->stream && outcome.reply && outcome.reply->tool_calls.empty()) {
        last_text = outcome.reply->text;
      }
    }
    if (call->stream && outcome.reply && !give_text(id, *call, last_text, /*last=*/true)) return;
    calls_.erase(id);
    report(*call, std::move(outcome));  // may destroy this provider: nothing after it
  }

  // The end of a streamed body: the events still buffered, then the reply.
  ModelOutcome finish_stream(Call& call, std::string& text) {
    ModelOutcome outcome;
    const bool cut_mid_line = call.parser.has_partial_line();
    for (const SseEvent& event : call.parser.finish()) {
      if (Status read = call.decoder->read(event, text); !read) {
        outcome.reply = std::move(read).error();
        outcome.response_body = call.received;
        return outcome;
      }
    }
    if (!call.decoder->complete()) {
      outcome.reply = Error(ErrorCode::kUnavailable,
                            std::string("the event stream ended before the reply was complete") +
                                (cut_mid_line ? ", in the middle of a line" : ""));
      outcome.response_body = call.received;
      return outcome;
    }
    outcome.reply = call.decoder->reply();
    outcome.response_body = call.decoder->response_json();
    return outcome;
  }

  // Gives `text` (scrubbed) to the call's on_delta. False when on_delta cancelled the call or
  // destroyed the provider: then nothing more may be done for it.
  bool give_text(CallId id, Call& call, std::string_view text, bool last) {
    std::string out = call.scrubber.feed(text);
    if (last) out += call.scrubber.flush();
    if (out.empty()) return true;
    const std::weak_ptr<bool> alive = alive_;
    call.on_delta(out);  // `call` is held by the caller's shared_ptr
    return !alive.expired() && calls_.contains(id);
  }

  // Stops a stream that went wrong: no more bytes, no more tokens paid for.
  void fail_stream(CallId id, Error error) {
    const auto found = calls_.find(id);
    const std::shared_ptr<Call> call = found->second;
    calls_.erase(found);
    if (call->request) http_.cancel(*call->request);
    ModelOutcome outcome;
    outcome.reply = std::move(error);
    outcome.response_body = call->received;
    report(*call, std::move(outcome));
  }

  // Fills in what every outcome carries and calls back. May destroy this provider.
  static void report(Call& call, ModelOutcome outcome) {
    outcome.request_json = std::move(call.request_json);
    if (!outcome.reply) {
      std::string context = call.context;
      if (outcome.reply.error().code() == ErrorCode::kUnauthenticated &&
          !call.key_variable.empty()) {
        context += " (key from " + call.key_variable + ")";
      }
      outcome.reply = std::move(outcome.reply).error().with_context(context);
    }
    scrub(outcome, call.secret);
    Callback done = std::move(call.done);
    done(std::move(outcome));
  }

  // Reports a failure found before sending, from the loop rather than inside start().
  void fail_soon(CallId id, Error error, Callback done) {
    auto call = std::make_shared<Call>(std::nullopt);
    calls_.emplace(id, call);
    ModelOutcome outcome;
    outcome.reply = std::move(error);
    loop_.post([alive = std::weak_ptr<bool>(alive_), this, id, outcome = std::move(outcome),
                done = std::move(done)]() mutable {
      if (alive.expired()) return;
      const auto found = calls_.find(id);
      if (found == calls_.end()) return;  // cancelled
      calls_.erase(found);
      done(std::move(outcome));
    });
  }

  EventLoop& loop_;
  net::HttpClient& http_;
  std::unique_ptr<WireProtocol> protocol_;
  CallId next_id_ = 1;
  // Calls not yet reported. Shared so that a call outlives its own on_delta, which may cancel it.
  std::unordered_map<CallId, std::shared_ptr<Call>> calls_;
  // Expires with the provider, so that posted tasks and callbacks can tell it is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<ModelProvider> make_http_model_provider(EventLoop& loop, net::HttpClient& http,
                                                        std::unique_ptr<WireProtocol> protocol) {
  return std::make_unique<HttpModelProvider>(loop, http, std::move(protocol));
}

}  // namespace baton::providers
