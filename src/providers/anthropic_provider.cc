#include "src/providers/anthropic_provider.h"

#include <string>
#include <utility>

#include "src/providers/anthropic_codec.h"
#include "src/providers/anthropic_endpoint.h"
#include "src/providers/anthropic_stream.h"
#include "src/providers/http_model_provider.h"

namespace baton::providers {
namespace {

class AnthropicProtocol final : public WireProtocol {
 public:
  explicit AnthropicProtocol(EnvLookup env) : env_(std::move(env)) {}

  std::string_view name() const override { return "anthropic"; }

  Result<PreparedRequest> prepare(const ModelCall& call, bool stream) const override {
    BATON_ASSIGN_OR_RETURN(AnthropicEndpoint endpoint,
                           resolve_anthropic_endpoint(*call.model, env_));
    BATON_ASSIGN_OR_RETURN(std::string body, build_messages_request(call, stream));
    PreparedRequest prepared;
    prepared.http.method = "POST";
    prepared.http.url = endpoint.url;
    prepared.http.headers.emplace_back("Content-Type", "application/json");
    prepared.http.headers.emplace_back("anthropic-version", std::string(kAnthropicVersion));
    if (stream) prepared.http.headers.emplace_back("Accept", "text/event-stream");
    if (endpoint.api_key) prepared.http.headers.emplace_back("x-api-key", *endpoint.api_key);
    prepared.http.body = std::move(body);
    prepared.secret = std::move(endpoint.api_key);
    prepared.context = "anthropic " + endpoint.url;
    prepared.key_variable = std::move(endpoint.key_variable);
    return prepared;
  }

  ModelOutcome read_response(const net::HttpResponse& response,
                             std::chrono::system_clock::time_point now) const override {
    return read_messages_response(response, now);
  }

  std::unique_ptr<StreamDecoder> stream_decoder() const override {
    return make_anthropic_stream_decoder();
  }

 private:
  EnvLookup env_;
};

}  // namespace

std::unique_ptr<ModelProvider> make_anthropic_provider(EventLoop& loop, net::HttpClient& http,
                                                       EnvLookup env) {
  return make_http_model_provider(loop, http, std::make_unique<AnthropicProtocol>(std::move(env)));
}

}  // namespace baton::providers
