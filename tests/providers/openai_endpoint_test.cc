#include "src/providers/openai_endpoint.h"

#include <cstdlib>
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

TEST(OpenAiEndpointTest, DefaultsToOpenAiWithOpenAiApiKey) {
  Result<OpenAiEndpoint> endpoint =
      resolve_openai_endpoint(make_model(), env_of({{"OPENAI_API_KEY", "sk-test"}}));
  ASSERT_TRUE(endpoint) << endpoint.error().message();
  EXPECT_EQ(endpoint->url, "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(endpoint->api_key, "sk-test");
  EXPECT_EQ(endpoint->key_variable, "OPENAI_API_KEY");
}

TEST(OpenAiEndpointTest, ModelBaseUrlBeatsTheEnvironment) {
  lang::Model model = make_model();
  const EnvLookup env = env_of({{"OPENAI_BASE_URL", "http://proxy:8080/v1/"}});
  EXPECT_EQ(resolve_openai_endpoint(model, env)->url, "http://proxy:8080/v1/chat/completions");
  model.base_url = "http://localhost:11434/v1";
  EXPECT_EQ(resolve_openai_endpoint(model, env)->url, "http://localhost:11434/v1/chat/completions");
}

TEST(OpenAiEndpointTest, LocalServersMayGoWithoutAKey) {
  lang::Model model = make_model("llama3.2");
  model.base_url = "http://localhost:11434/v1";
  Result<OpenAiEndpoint> endpoint = resolve_openai_endpoint(model, env_of({}));
  ASSERT_TRUE(endpoint);
  EXPECT_FALSE(endpoint->api_key);
}

TEST(OpenAiEndpointTest, OpenAiWithoutAKeyNamesTheVariable) {
  Result<OpenAiEndpoint> endpoint =
      resolve_openai_endpoint(make_model(), env_of({{"OPENAI_API_KEY", ""}}));
  ASSERT_FALSE(endpoint);
  EXPECT_EQ(endpoint.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(endpoint.error().message().find("set the environment variable OPENAI_API_KEY"),
            std::string::npos)
      << endpoint.error().message();
}

TEST(OpenAiEndpointTest, NamedKeyVariableIsTheOnlyOneUsed) {
  lang::Model model = make_model();
  model.base_url = "https://api.example.com/v1";
  model.api_key_env = "EXAMPLE_KEY";
  const EnvLookup both = env_of({{"OPENAI_API_KEY", "sk-openai"}, {"EXAMPLE_KEY", "ex-key"}});
  EXPECT_EQ(resolve_openai_endpoint(model, both)->api_key, "ex-key");
  // Unset: an error naming it, never a fall-back to OpenAI's key sent to another server.
  Result<OpenAiEndpoint> missing =
      resolve_openai_endpoint(model, env_of({{"OPENAI_API_KEY", "sk-openai"}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(missing.error().message().find("EXAMPLE_KEY"), std::string::npos);
  EXPECT_EQ(missing.error().message().find("sk-openai"), std::string::npos);
}

TEST(OpenAiEndpointTest, ProcessEnvironmentReadsGetenv) {
  ASSERT_EQ(setenv("BATON_ENDPOINT_TEST_VARIABLE", "value", 1), 0);
  const EnvLookup env = process_environment();
  EXPECT_EQ(env("BATON_ENDPOINT_TEST_VARIABLE"), "value");
  EXPECT_FALSE(env("BATON_ENDPOINT_TEST_UNSET_VARIABLE"));
  unsetenv("BATON_ENDPOINT_TEST_VARIABLE");
}

TEST(OpenAiEndpointTest, AzureIsDetectedByHostOrApiVersion) {
  EXPECT_TRUE(is_azure_openai(
      "https://myres.openai.azure.com/openai/deployments/gpt4o?api-version=2024-10-21"));
  EXPECT_TRUE(is_azure_openai("https://MyRes.OpenAI.Azure.com/openai/v1"));
  EXPECT_TRUE(is_azure_openai("https://myres.cognitiveservices.azure.com/openai/v1/"));
  EXPECT_TRUE(is_azure_openai("http://127.0.0.1:8080/openai/deployments/d?api-version=2024-10-21"));
  EXPECT_FALSE(is_azure_openai("https://api.openai.com/v1"));
  EXPECT_FALSE(is_azure_openai("https://openai.azure.com.evil.example/v1"));
  EXPECT_FALSE(is_azure_openai("http://localhost:11434/v1?x-api-version=1"));
}

TEST(OpenAiEndpointTest, AzureKeepsTheQueryAfterThePathAndUsesItsOwnKey) {
  lang::Model model = make_model("gpt-4o");
  model.base_url =
      "https://myres.openai.azure.com/openai/deployments/gpt4o/?api-version=2024-10-21";
  Result<OpenAiEndpoint> endpoint = resolve_openai_endpoint(
      model, env_of({{"OPENAI_API_KEY", "sk-openai"}, {"AZURE_OPENAI_API_KEY", "azure-key"}}));
  ASSERT_TRUE(endpoint) << endpoint.error().message();
  EXPECT_TRUE(endpoint->azure);
  EXPECT_EQ(endpoint->base_url, "https://myres.openai.azure.com/openai/deployments/gpt4o");
  EXPECT_EQ(endpoint->url,
            "https://myres.openai.azure.com/openai/deployments/gpt4o/chat/completions"
            "?api-version=2024-10-21");
  EXPECT_EQ(endpoint->key_variable, "AZURE_OPENAI_API_KEY");
  EXPECT_EQ(endpoint->api_key, "azure-key");
  EXPECT_EQ(endpoint->token_limit, TokenLimitField::kMaxCompletionTokens);

  Result<OpenAiEndpoint> keyless =
      resolve_openai_endpoint(model, env_of({{"OPENAI_API_KEY", "sk"}}));
  ASSERT_FALSE(keyless);
  EXPECT_EQ(keyless.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(keyless.error().message().find("AZURE_OPENAI_API_KEY"), std::string::npos);
}

TEST(OpenAiEndpointTest, AzureTokenLimitFollowsTheApiVersion) {
  lang::Model model = make_model("gpt-4o");
  const EnvLookup env = env_of({{"AZURE_OPENAI_API_KEY", "azure-key"}});
  model.base_url = "https://r.openai.azure.com/openai/deployments/d?api-version=2024-06-01";
  EXPECT_EQ(resolve_openai_endpoint(model, env)->token_limit, TokenLimitField::kMaxTokens);
  model.base_url = "https://r.openai.azure.com/openai/deployments/d?api-version=2024-12-01-preview";
  EXPECT_EQ(resolve_openai_endpoint(model, env)->token_limit,
            TokenLimitField::kMaxCompletionTokens);
  model.base_url = "https://r.openai.azure.com/openai/v1";
  EXPECT_EQ(resolve_openai_endpoint(model, env)->url,
            "https://r.openai.azure.com/openai/v1/chat/completions");
  EXPECT_EQ(resolve_openai_endpoint(model, env)->token_limit,
            TokenLimitField::kMaxCompletionTokens);
}

TEST(OpenAiEndpointTest, AzureDeploymentWithoutApiVersionIsInvalid) {
  lang::Model model = make_model("gpt-4o");
  model.base_url = "https://r.openai.azure.com/openai/deployments/gpt4o";
  Result<OpenAiEndpoint> endpoint =
      resolve_openai_endpoint(model, env_of({{"AZURE_OPENAI_API_KEY", "azure-key"}}));
  ASSERT_FALSE(endpoint);
  EXPECT_EQ(endpoint.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(endpoint.error().message().find("?api-version="), std::string::npos)
      << endpoint.error().message();
}

}  // namespace
}  // namespace baton::providers
