#include "src/providers/openai_endpoint.h"

#include <cstdlib>
#include <utility>

#include "src/lang/workflow.h"
#include "src/providers/openai_codec.h"

namespace baton::providers {
namespace {

std::optional<std::string> non_empty(const EnvLookup& env, std::string_view name) {
  std::optional<std::string> value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<OpenAiEndpoint> resolve_openai_endpoint(const lang::Model& model, const EnvLookup& env) {
  OpenAiEndpoint endpoint;
  if (!model.base_url.empty()) {
    endpoint.base_url = model.base_url;
  } else if (auto from_env = non_empty(env, "OPENAI_BASE_URL")) {
    endpoint.base_url = std::move(*from_env);
  } else {
    endpoint.base_url = std::string(kOpenAiBaseUrl);
  }
  while (!endpoint.base_url.empty() && endpoint.base_url.back() == '/')
    endpoint.base_url.pop_back();
  endpoint.url = endpoint.base_url + "/chat/completions";

  const bool named = !model.api_key_env.empty();
  endpoint.key_variable = named ? model.api_key_env : "OPENAI_API_KEY";
  endpoint.api_key = non_empty(env, endpoint.key_variable);
  if (!endpoint.api_key && (named || is_openai_host(endpoint.base_url))) {
    return Error(ErrorCode::kUnauthenticated,
                 "no API key for model '" + model.name + "' (" + endpoint.base_url +
                     "): set the environment variable " + endpoint.key_variable);
  }
  return endpoint;
}

}  // namespace baton::providers
