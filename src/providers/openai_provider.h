#pragma once

#include <memory>

#include "src/base/event_loop.h"
#include "src/net/http_client.h"
#include "src/providers/openai_endpoint.h"
#include "src/providers/provider.h"

namespace baton::providers {

// A ModelProvider for OpenAI's chat completions and the servers that speak it (Azure OpenAI,
// vLLM, Ollama, llama.cpp, OpenRouter, LiteLLM...): one POST {base_url}/chat/completions per
// start(), streamed when the call has on_delta (http_model_provider.h says how). Endpoint and
// key are resolved per call (openai_endpoint.h); the key travels only in the Authorization
// header (`api-key` for Azure) and is scrubbed from every string of the outcome should a server
// echo it. Transport errors from `http` keep their codes (kUnavailable, kTimeout).
//
// `loop` and `http` must outlive the provider; `http` must run on `loop`. Not thread-safe: use
// it on the loop's thread. Destroying the provider cancels its calls without calling back.
std::unique_ptr<ModelProvider> make_openai_provider(EventLoop& loop, net::HttpClient& http,
                                                    EnvLookup env);

}  // namespace baton::providers
