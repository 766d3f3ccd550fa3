#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/providers/environment.h"
#include "src/providers/openai_codec.h"

namespace baton::lang {
struct Model;
}

namespace baton::providers {

// Where a model's chat-completions requests go, and with what key.
struct OpenAiEndpoint {
  std::string base_url;  // without a trailing '/' and without the query
  std::string url;       // base_url + "/chat/completions", then "?" + the query if there was one
  // Azure OpenAI: the key goes in an `api-key` header instead of `Authorization: Bearer`.
  bool azure = false;
  TokenLimitField token_limit = TokenLimitField::kMaxTokens;
  std::string key_variable;            // the variable the key comes from (or should): for messages
  std::optional<std::string> api_key;  // a secret: never logged, never in an Error or outcome
};

// True for Azure OpenAI: a host under openai.azure.com or cognitiveservices.azure.com, or any
// base_url whose query sets api-version.
bool is_azure_openai(std::string_view base_url);

// base_url: Model::base_url, else $OPENAI_BASE_URL, else https://api.openai.com/v1. A query
// (Azure's "?api-version=...") is kept and goes after "/chat/completions".
// Key: $<Model::api_key_env> when the model names a variable (never another one: that key is
// meant for that server only), else $AZURE_OPENAI_API_KEY for Azure, else $OPENAI_API_KEY.
// Empty values count as unset.
// Token limit field: max_completion_tokens for api.openai.com and for Azure (unless its
// api-version is older than 2024-09-01, which knows only max_tokens); max_tokens elsewhere.
// Errors: kUnauthenticated, naming the variable to set, when the model's api_key_env is unset,
// or when no key is set for api.openai.com or Azure (other servers, local ones, may go without);
// kInvalidInput for an Azure deployment URL (".../openai/deployments/NAME") without api-version.
Result<OpenAiEndpoint> resolve_openai_endpoint(const lang::Model& model, const EnvLookup& env);

}  // namespace baton::providers
