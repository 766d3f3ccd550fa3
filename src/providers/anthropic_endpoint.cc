#include "src/providers/anthropic_endpoint.h"

#include <utility>

#include "src/lang/workflow.h"
#include "src/providers/anthropic_codec.h"

namespace baton::providers {
namespace {

bool is_anthropic_host(std::string_view base_url) {
  if (const auto scheme = base_url.find("://"); scheme != std::string_view::npos) {
    base_url.remove_prefix(scheme + 3);
  }
  const std::string_view host = base_url.substr(0, base_url.find_first_of(":/?#"));
  constexpr std::string_view kHost = "api.anthropic.com";
  if (host.size() != kHost.size()) return false;
  for (std::size_t index = 0; index < host.size(); ++index) {
    const char c = host[index];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kHost[index]) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<AnthropicEndpoint> resolve_anthropic_endpoint(const lang::Model& model,
                                                     const EnvLookup& env) {
  AnthropicEndpoint endpoint;
  if (!model.base_url.empty()) {
    endpoint.base_url = model.base_url;
  } else if (auto from_env = non_empty_variable(env, "ANTHROPIC_BASE_URL")) {
    endpoint.base_url = std::move(*from_env);
  } else {
    endpoint.base_url = std::string(kAnthropicBaseUrl);
  }
  while (!endpoint.base_url.empty() && endpoint.base_url.back() == '/') {
    endpoint.base_url.pop_back();
  }
  // Written with or without the version: "https://api.anthropic.com" or ".../v1".
  endpoint.url =
      endpoint.base_url +
      (std::string_view(endpoint.base_url).ends_with("/v1") ? "/messages" : "/v1/messages");

  const bool named = !model.api_key_env.empty();
  endpoint.key_variable = named ? model.api_key_env : "ANTHROPIC_API_KEY";
  endpoint.api_key = non_empty_variable(env, endpoint.key_variable);
  if (!endpoint.api_key && (named || is_anthropic_host(endpoint.base_url))) {
    return Error(ErrorCode::kUnauthenticated,
                 "no API key for model '" + model.name + "' (" + endpoint.base_url +
                     "): set the environment variable " + endpoint.key_variable);
  }
  return endpoint;
}

}  // namespace baton::providers
