#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "baton/result.h"

namespace baton::lang {
struct Model;
}

namespace baton::providers {

// Reads one environment variable: nullopt when unset. The real one wraps getenv; tests inject
// a map.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment. Safe to call from the loop thread while nothing calls setenv.
EnvLookup process_environment();

// Where a model's chat-completions requests go, and with what key.
struct OpenAiEndpoint {
  std::string base_url;                // without a trailing '/'
  std::string url;                     // base_url + "/chat/completions"
  std::string key_variable;            // the variable the key comes from (or should): for messages
  std::optional<std::string> api_key;  // a secret: never logged, never in an Error or outcome
};

// base_url: Model::base_url, else $OPENAI_BASE_URL, else https://api.openai.com/v1.
// Key: $<Model::api_key_env> when the model names a variable (never another one: that key is
// meant for that server only), else $OPENAI_API_KEY. Empty values count as unset.
// kUnauthenticated, naming the variable to set, when the model's api_key_env is unset, or when
// no key is set for api.openai.com. Other servers (local ones) may go without a key.
Result<OpenAiEndpoint> resolve_openai_endpoint(const lang::Model& model, const EnvLookup& env);

}  // namespace baton::providers
