#include "src/providers/openai_provider.h"

#include <string>
#include <utility>

#include "src/providers/http_model_provider.h"
#include "src/providers/openai_codec.h"
#include "src/providers/openai_stream.h"

namespace baton::providers {
namespace {

class OpenAiProtocol final : public WireProtocol {
 public:
  explicit OpenAiProtocol(EnvLookup env) : env_(std::move(env)) {}

  std::string_view name() const override { return "openai"; }

  Result<PreparedRequest> prepare(const ModelCall& call, bool stream) const override {
    BATON_ASSIGN_OR_RETURN(OpenAiEndpoint endpoint, resolve_openai_endpoint(*call.model, env_));
    BATON_ASSIGN_OR_RETURN(std::string body,
                           build_chat_request(call, endpoint.token_limit, stream));
    PreparedRequest prepared;
    prepared.http.method = "POST";
    prepared.http.url = endpoint.url;
    prepared.http.headers.emplace_back("Content-Type", "application/json");
    if (stream) prepared.http.headers.emplace_back("Accept", "text/event-stream");
    if (endpoint.api_key) {
      if (endpoint.azure) {
        prepared.http.headers.emplace_back("api-key", *endpoint.api_key);
      } else {
        prepared.http.headers.emplace_back("Authorization", "Bearer " + *endpoint.api_key);
      }
    }
    prepared.http.body = std::move(body);
    prepared.secret = std::move(endpoint.api_key);
    // The URL without its query: short, and a query is no place for a secret anyway.
    prepared.context = std::string(endpoint.azure ? "openai (Azure) " : "openai ") +
                       endpoint.base_url + "/chat/completions";
    prepared.key_variable = std::move(endpoint.key_variable);
    return prepared;
  }

  ModelOutcome read_response(const net::HttpResponse& response,
                             std::chrono::system_clock::time_point now) const override {
    return read_chat_response(response, now);
  }

  std::unique_ptr<StreamDecoder> stream_decoder() const override {
    return make_openai_stream_decoder();
  }

 private:
  EnvLookup env_;
};

}  // namespace

std::unique_ptr<ModelProvider> make_openai_provider(EventLoop& loop, net::HttpClient& http,
                                                    EnvLookup env) {
  return make_http_model_provider(loop, http, std::make_unique<OpenAiProtocol>(std::move(env)));
}

}  // namespace baton::providers
