#include "src/providers/openai_endpoint.h"

#include <algorithm>
#include <utility>

#include "src/lang/workflow.h"

namespace baton::providers {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool ends_with_ignoring_case(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  text.remove_prefix(text.size() - suffix.size());
  for (std::size_t index = 0; index < suffix.size(); ++index) {
    if (lower(text[index]) != suffix[index]) return false;
  }
  return true;
}

std::string_view host_of(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
  }
  std::string_view authority = url.substr(0, url.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return authority.substr(0, authority.find(':'));
}

// The value of `name` in a URL query ("a=1&api-version=2024-10-21"), "" when absent.
std::string_view query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::string_view pair = query.substr(0, query.find('&'));
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
  }
  return "";
}

}  // namespace

bool is_azure_openai(std::string_view base_url) {
  const std::string_view host = host_of(base_url);
  if (ends_with_ignoring_case(host, ".openai.azure.com") ||
      ends_with_ignoring_case(host, ".cognitiveservices.azure.com")) {
    return true;
  }
  const auto query = base_url.find('?');
  return query != std::string_view::npos &&
         !query_value(base_url.substr(query + 1), "api-version").empty();
}

Result<OpenAiEndpoint> resolve_openai_endpoint(const lang::Model& model, const EnvLookup& env) {
  OpenAiEndpoint endpoint;
  std::string configured;
  if (!model.base_url.empty()) {
    configured = model.base_url;
  } else if (auto from_env = non_empty_variable(env, "OPENAI_BASE_URL")) {
    configured = std::move(*from_env);
  } else {
    configured = std::string(kOpenAiBaseUrl);
  }
  std::string_view rest = configured;
  rest = rest.substr(0, rest.find('#'));
  std::string_view query;
  if (const auto mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  endpoint.base_url = std::string(rest);
  endpoint.url = endpoint.base_url + "/chat/completions";
  if (!query.empty()) endpoint.url += "?" + std::string(query);
  endpoint.azure = is_azure_openai(configured);

  const std::string_view api_version = query_value(query, "api-version");
  if (endpoint.azure && api_version.empty() &&
      endpoint.base_url.find("/openai/deployments/") != std::string::npos) {
    return invalid_input("model '" + model.name + "': an Azure OpenAI deployment URL needs its " +
                         "API version: base_url: \"" + endpoint.base_url +
                         "?api-version=2024-10-21\" (docs/providers.md)");
  }
  if (is_openai_host(endpoint.base_url)) {
    endpoint.token_limit = TokenLimitField::kMaxCompletionTokens;
  } else if (endpoint.azure) {
    // A dated api-version before 2024-09-01 predates max_completion_tokens.
    const bool dated =
        !api_version.empty() && api_version.front() >= '0' && api_version.front() <= '9';
    endpoint.token_limit = dated && api_version.substr(0, 10) < "2024-09-01"
                               ? TokenLimitField::kMaxTokens
                               : TokenLimitField::kMaxCompletionTokens;
  } else {
    endpoint.token_limit = TokenLimitField::kMaxTokens;
  }

  const bool named = !model.api_key_env.empty();
  endpoint.key_variable = named            ? model.api_key_env
                          : endpoint.azure ? "AZURE_OPENAI_API_KEY"
                                           : "OPENAI_API_KEY";
  endpoint.api_key = non_empty_variable(env, endpoint.key_variable);
  if (!endpoint.api_key && (named || endpoint.azure || is_openai_host(endpoint.base_url))) {
    return Error(ErrorCode::kUnauthenticated,
                 "no API key for model '" + model.name + "' (" + endpoint.base_url +
                     "): set the environment variable " + endpoint.key_variable);
  }
  return endpoint;
}

}  // namespace baton::providers
