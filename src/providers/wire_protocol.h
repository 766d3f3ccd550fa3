#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/net/http_client.h"
#include "src/providers/provider.h"
#include "src/providers/sse_parser.h"

// What differs between HTTP model APIs (OpenAI's chat completions, Anthropic's messages): how a
// call becomes a request and how the response becomes an outcome. The transport, streaming,
// cancellation and secret scrubbing are shared (http_model_provider.h).

namespace baton::providers {

// One attempt's request, ready to send.
struct PreparedRequest {
  net::HttpRequest http;  // url, headers (the key among them), body; timeout is set by the caller
  std::optional<std::string> secret;  // the API key: scrubbed from everything reported
  std::string context;                // prefixes every error, e.g. "openai https://host/v1/..."
  std::string key_variable;           // where the key comes from, named when it is refused
};

// Reads one streamed reply, event by event. Pure; one per call.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;

  // Reads one event and appends the reply text it carries to `text`; events after the API's end
  // marker ([DONE], message_stop) are ignored. Errors: kInternal, naming what was malformed; an
  // error event, mapped as its HTTP status would be (api_errors.h).
  virtual Status read(const SseEvent& event, std::string& text) = 0;
  // True once the stream said it had said everything ([DONE], message_stop, a finish reason).
  virtual bool complete() const = 0;
  // The reply, once complete(): kOutputRejected when the model refused.
  virtual Result<ModelReply> reply() const = 0;
  // The reply as the API would have sent it unstreamed: what the journal keeps.
  virtual std::string response_json() const = 0;
};

class WireProtocol {
 public:
  virtual ~WireProtocol() = default;

  // "openai", "anthropic": the prefix of errors found before a request exists.
  virtual std::string_view name() const = 0;
  // The request for `call` (whose model is set), streamed when `stream`. Errors: those of
  // resolving the endpoint and key (kUnauthenticated, kInvalidInput), and of the body.
  virtual Result<PreparedRequest> prepare(const ModelCall& call, bool stream) const = 0;
  // A whole (unstreamed) response of any status; request_json is left empty.
  virtual ModelOutcome read_response(const net::HttpResponse& response,
                                     std::chrono::system_clock::time_point now) const = 0;
  virtual std::unique_ptr<StreamDecoder> stream_decoder() const = 0;
};

}  // namespace baton::providers
