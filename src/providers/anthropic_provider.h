#pragma once

#include <memory>

#include "src/base/event_loop.h"
#include "src/net/http_client.h"
#include "src/providers/environment.h"
#include "src/providers/provider.h"

namespace baton::providers {

// A ModelProvider for Anthropic's Messages API: one POST {base_url}/v1/messages per start(),
// with the headers x-api-key and anthropic-version: 2023-06-01, streamed when the call has
// on_delta (http_model_provider.h says how). Endpoint and key are resolved per call
// (anthropic_endpoint.h), the body built by anthropic_codec.h. The key travels only in the
// x-api-key header and is scrubbed from every string of the outcome should a server echo it.
//
// `loop` and `http` must outlive the provider; `http` must run on `loop`. Not thread-safe: use
// it on the loop's thread. Destroying the provider cancels its calls without calling back.
std::unique_ptr<ModelProvider> make_anthropic_provider(EventLoop& loop, net::HttpClient& http,
                                                       EnvLookup env);

}  // namespace baton::providers
