#pragma once

#include <memory>

#include "src/base/event_loop.h"
#include "src/net/http_client.h"
#include "src/providers/provider.h"
#include "src/providers/wire_protocol.h"

namespace baton::providers {

// A ModelProvider over an HTTP model API that `protocol` describes: one request per start().
// A call with on_delta streams: the response's server-sent events are decoded as they arrive
// and their text given to on_delta; the outcome follows once the stream is complete. A stream
// that ends (or is cut) before the API said it was complete is kUnavailable; a malformed event
// is kInternal; an error event maps as its HTTP status would. In both cases the call stops at
// once (the transfer is cancelled, so no more tokens are paid for) and response_body holds the
// raw events received. A server that answers a streamed call with a whole JSON reply is read as
// such, its text given to on_delta in one piece.
//
// The key travels only in the request's headers and is scrubbed from every string of the
// outcome and from the deltas, should a server echo it. Errors are prefixed with the API and
// URL ("openai http://host/v1/chat/completions: HTTP 429 ..."), and name the key's variable when
// the key was refused. Transport errors from `http` keep their codes (kUnavailable, kTimeout).
//
// `loop` and `http` must outlive the provider; `http` must run on `loop`. Not thread-safe: use
// it on the loop's thread. Destroying the provider cancels its calls without calling back.
std::unique_ptr<ModelProvider> make_http_model_provider(EventLoop& loop, net::HttpClient& http,
                                                        std::unique_ptr<WireProtocol> protocol);

}  // namespace baton::providers
