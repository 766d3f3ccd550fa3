#pragma once

#include <optional>
#include <string>

#include "baton/result.h"
#include "src/providers/environment.h"

namespace baton::lang {
struct Model;
}

namespace baton::providers {

// Where a model's Messages API requests go, and with what key.
struct AnthropicEndpoint {
  std::string base_url;      // without a trailing '/'
  std::string url;           // base_url + "/v1/messages" (+ "/messages" if it ends in /v1)
  std::string key_variable;  // the variable the key comes from (or should)
  std::optional<std::string> api_key;  // a secret: never logged, never in an Error or outcome
};

// base_url: Model::base_url, else $ANTHROPIC_BASE_URL, else https://api.anthropic.com.
// Key: $<Model::api_key_env> when the model names a variable (never another one), else
// $ANTHROPIC_API_KEY; empty values count as unset. kUnauthenticated, naming the variable to
// set, when the model's api_key_env is unset or when no key is set for api.anthropic.com (a
// gateway or a local fake may go without).
Result<AnthropicEndpoint> resolve_anthropic_endpoint(const lang::Model& model,
                                                     const EnvLookup& env);

}  // namespace baton::providers
