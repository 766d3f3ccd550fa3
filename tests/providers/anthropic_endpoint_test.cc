#include "src/providers/anthropic_endpoint.h"

#include <map>

#include <gtest/gtest.h>

#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using testing::make_model;

EnvLookup env_of(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

TEST(AnthropicEndpointTest, DefaultsToAnthropicWithAnthropicApiKey) {
  Result<AnthropicEndpoint> endpoint = resolve_anthropic_endpoint(
      make_model("claude-sonnet-4-5"), env_of({{"ANTHROPIC_API_KEY", "sk-ant"}}));
  ASSERT_TRUE(endpoint) << endpoint.error().message();
  EXPECT_EQ(endpoint->url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(endpoint->api_key, "sk-ant");
  EXPECT_EQ(endpoint->key_variable, "ANTHROPIC_API_KEY");
}

TEST(AnthropicEndpointTest, BaseUrlWithOrWithoutTheVersion) {
  lang::Model model = make_model("claude-sonnet-4-5");
  const EnvLookup env = env_of({{"ANTHROPIC_BASE_URL", "http://gateway:8080/"}});
  EXPECT_EQ(resolve_anthropic_endpoint(model, env)->url, "http://gateway:8080/v1/messages");
  model.base_url = "http://127.0.0.1:9000/v1/";
  EXPECT_EQ(resolve_anthropic_endpoint(model, env)->url, "http://127.0.0.1:9000/v1/messages");
}

TEST(AnthropicEndpointTest, MissingKeyNamesTheVariable) {
  Result<AnthropicEndpoint> missing = resolve_anthropic_endpoint(
      make_model("claude-sonnet-4-5"), env_of({{"OPENAI_API_KEY", "sk-openai"}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(missing.error().message().find("ANTHROPIC_API_KEY"), std::string::npos);

  lang::Model named = make_model("claude-sonnet-4-5");
  named.base_url = "http://127.0.0.1:9000";
  named.api_key_env = "MY_CLAUDE_KEY";
  Result<AnthropicEndpoint> unset =
      resolve_anthropic_endpoint(named, env_of({{"ANTHROPIC_API_KEY", "sk-ant"}}));
  ASSERT_FALSE(unset);
  EXPECT_NE(unset.error().message().find("MY_CLAUDE_KEY"), std::string::npos);
  EXPECT_EQ(unset.error().message().find("sk-ant"), std::string::npos);

  named.api_key_env.clear();  // a gateway may go without a key
  EXPECT_TRUE(resolve_anthropic_endpoint(named, env_of({})));
}

}  // namespace
}  // namespace baton::providers
