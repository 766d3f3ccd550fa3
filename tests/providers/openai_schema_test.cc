// Wire-format conformance: what Baton sends (and what the fixture provider records as a reply)
// must validate against OpenAI's own OpenAPI description, checked by a real JSON Schema
// validator (valijson), not by our reading of it.
//
// The spec is OpenAPI 3.1, whose schemas are JSON Schema with a few OpenAPI additions; valijson
// implements draft 7. What had to change, and nothing else:
//   - `nullable: true` (an OpenAPI 3.0 keyword some schemas still carry) becomes JSON Schema:
//     `type: T` -> `type: [T, "null"]` (and null joins an `enum`); a nullable schema without
//     `type` becomes `anyOf: [<the schema>, {type: "null"}]`. Then `nullable` is dropped.
//   - The schema is reached through a root `{"$ref": "#/components/schemas/X", "components":
//     <the spec's components>}`, so that the spec's internal `#/components/...` references
//     resolve against the same document.
// `discriminator`, `x-*`, `example` and `deprecated` are annotations that valijson ignores;
// ignoring `discriminator` is sound here because the message variants' `role` enums differ.
#define VALIJSON_USE_EXCEPTIONS 1

#include <exception>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "src/lang/load_context.h"
#include "src/lang/loader.h"
#include "src/lang/yaml_tree.h"
#include "src/providers/openai_codec.h"
#include "src/providers/openai_stream.h"
#include "src/providers/sse_parser.h"
#include "tests/fake_server/wire.h"
#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using nlohmann::json;
using testing::make_call;
using testing::make_model;

const char* const kSpec = "/work/shared/specs/openai-openapi.yaml";

// YAML 1.2 core schema typing of scalars, as the workflow loader reads them.
json to_json(const lang::YamlNode& node) {
  switch (node.kind) {
    case lang::YamlNode::Kind::kNull:
      return nullptr;
    case lang::YamlNode::Kind::kSequence: {
      json array = json::array();
      for (const auto& item : node.items) array.push_back(to_json(item));
      return array;
    }
    case lang::YamlNode::Kind::kMapping: {
      json object = json::object();
      for (const auto& entry : node.entries) object[entry.first.value] = to_json(entry.second);
      return object;
    }
    case lang::YamlNode::Kind::kScalar:
      break;
  }
  if (!node.is_plain_scalar()) return node.value;
  const lang::Value value = lang::plain_scalar_value(node);
  if (value.is_none()) return nullptr;
  if (value.is_bool()) return value.as_bool();
  if (value.is_int()) return value.as_int();
  if (value.is_float()) return value.as_float();
  return node.value;
}

// OpenAPI's `nullable` -> JSON Schema (see the top of the file).
void convert_nullable(json& node) {
  if (node.is_array()) {
    for (json& item : node) convert_nullable(item);
    return;
  }
  if (!node.is_object()) return;
  for (auto& [key, value] : node.items()) convert_nullable(value);
  const auto nullable = node.find("nullable");
  if (nullable == node.end() || !nullable->is_boolean()) return;
  const bool is_nullable = nullable->get<bool>();
  node.erase(nullable);
  if (!is_nullable) return;
  if (const auto type = node.find("type"); type != node.end() && type->is_string()) {
    *type = json::array({*type, "null"});
    if (const auto values = node.find("enum"); values != node.end() && values->is_array()) {
      values->push_back(nullptr);
    }
  } else {
    node = json{{"anyOf", json::array({node, json{{"type", "null"}}})}};
  }
}

class OpenAiSchemaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::string> text = lang::read_workflow_file(kSpec);
    ASSERT_TRUE(text) << text.error().message();
    Result<lang::YamlNode> spec = lang::parse_yaml(*text);
    ASSERT_TRUE(spec) << spec.error().to_string();
    components_ = new json(to_json(*spec)["components"]);
    convert_nullable(*components_);
  }
  static void TearDownTestSuite() {
    delete components_;
    components_ = nullptr;
  }

  // The validator's complaints about `document` against components.schemas.<name>; "" if none.
  static std::string violations(const std::string& schema_name, const json& document) {
    const json root = {{"$ref", "#/components/schemas/" + schema_name},
                       {"components", *components_}};
    try {
      valijson::Schema schema;
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(root), schema);
      valijson::Validator validator(valijson::Validator::kStrongTypes);
      valijson::ValidationResults results;
      if (validator.validate(schema, valijson::adapters::NlohmannJsonAdapter(document), &results)) {
        return "";
      }
      std::string text;
      valijson::ValidationResults::Error error;
      while (results.popError(error)) {
        std::string where;
        for (const std::string& part : error.context) where += part;
        text += where + ": " + error.description + "\n";
      }
      return text.empty() ? "invalid" : text;
    } catch (const std::exception& error) {
      return std::string("valijson failed: ") + error.what();
    }
  }

  static std::string request_violations(const ModelCall& call, TokenLimitField field,
                                        bool stream = false) {
    Result<std::string> body = build_chat_request(call, field, stream);
    if (!body) return "not built: " + body.error().message();
    return violations("CreateChatCompletionRequest", json::parse(*body));
  }

  static json* components_;  // owned by the suite
};

json* OpenAiSchemaTest::components_ = nullptr;

TEST_F(OpenAiSchemaTest, TheOracleRejectsBadRequests) {
  // Without this the other tests could pass against a schema that accepts anything.
  EXPECT_NE(violations("CreateChatCompletionRequest", json::parse(R"({"model": "gpt-4o"})")), "");
  EXPECT_NE(violations("CreateChatCompletionRequest",
                       json::parse(R"({"model": "gpt-4o", "messages": []})")),
            "");
  EXPECT_NE(violations("CreateChatCompletionRequest", json::parse(R"({"model": "gpt-4o",
                                       "messages": [{"role": "robot", "content": "hi"}]})")),
            "");
  EXPECT_NE(
      violations("CreateChatCompletionRequest", json::parse(R"({"model": "gpt-4o", "temperature": 3,
                                       "messages": [{"role": "user", "content": "hi"}]})")),
      "");
  EXPECT_EQ(violations("CreateChatCompletionRequest",
                       json::parse(R"({"model": "gpt-4o", "max_tokens": null,
                                       "messages": [{"role": "user", "content": "hi"}]})")),
            "")
      << "nullable fields accept null once converted";
}

TEST_F(OpenAiSchemaTest, PlainRequestConforms) {
  const lang::Model model = make_model();
  EXPECT_EQ(request_violations(make_call(model), TokenLimitField::kMaxCompletionTokens), "");
}

TEST_F(OpenAiSchemaTest, EveryRoleAndBothTokenLimitFieldsConform) {
  lang::Model model = make_model();
  model.temperature = 0.3;
  model.max_tokens = 512;
  ModelCall call = make_call(model);
  call.messages.push_back({"assistant", "Hello."});
  call.messages.push_back({"user", "Again, in French — s'il te plaît. \"Quotes\" and \\ too."});
  EXPECT_EQ(request_violations(call, TokenLimitField::kMaxCompletionTokens), "");
  EXPECT_EQ(request_violations(call, TokenLimitField::kMaxTokens), "");
}

TEST_F(OpenAiSchemaTest, RequestWithParametersConforms) {
  lang::Model model = make_model();
  lang::ValueDict schema;
  schema.set("type", lang::Value("object"));
  lang::ValueDict json_schema;
  json_schema.set("name", lang::Value("outline"));
  json_schema.set("schema", lang::Value(std::move(schema)));
  json_schema.set("strict", lang::Value(true));
  lang::ValueDict format;
  format.set("type", lang::Value("json_schema"));
  format.set("json_schema", lang::Value(std::move(json_schema)));
  lang::ValueDict parameters;
  parameters.set("response_format", lang::Value(std::move(format)));
  parameters.set("seed", lang::Value(7));
  parameters.set("top_p", lang::Value(0.9));
  parameters.set("stop", lang::Value(lang::ValueList{lang::Value("END")}));
  parameters.set("presence_penalty", lang::Value(0.5));
  parameters.set("user", lang::Value("baton"));
  model.parameters = lang::Value(std::move(parameters));
  EXPECT_EQ(request_violations(make_call(model), TokenLimitField::kMaxCompletionTokens), "");
}

TEST_F(OpenAiSchemaTest, FixtureReplyBodyIsAChatCompletion) {
  ModelReply reply;
  reply.text = "Hello";
  reply.model = "gpt-4o-mini";
  reply.finish_reason = "stop";
  reply.usage = {3, 1, 0};
  EXPECT_EQ(violations("CreateChatCompletionResponse",
                       json::parse(render_chat_completion(reply, "fixture-1"))),
            "");
}

TEST_F(OpenAiSchemaTest, StreamingRequestConforms) {
  lang::Model model = make_model();
  model.max_tokens = 100;
  EXPECT_EQ(request_violations(make_call(model), TokenLimitField::kMaxCompletionTokens,
                               /*stream=*/true),
            "");
}

TEST_F(OpenAiSchemaTest, RequestWithToolsJsonModeStopAndSeedConforms) {
  lang::Model model = make_model();
  lang::ValueDict city;
  city.set("type", lang::Value("string"));
  lang::ValueDict properties;
  properties.set("city", lang::Value(std::move(city)));
  lang::ValueDict schema;
  schema.set("type", lang::Value("object"));
  schema.set("properties", lang::Value(std::move(properties)));
  schema.set("required", lang::Value(lang::ValueList{lang::Value("city")}));
  lang::ValueDict function;
  function.set("name", lang::Value("get_weather"));
  function.set("description", lang::Value("The weather in a city"));
  function.set("parameters", lang::Value(std::move(schema)));
  lang::ValueDict tool;
  tool.set("type", lang::Value("function"));
  tool.set("function", lang::Value(std::move(function)));
  lang::ValueDict chosen_function;
  chosen_function.set("name", lang::Value("get_weather"));
  lang::ValueDict tool_choice;
  tool_choice.set("type", lang::Value("function"));
  tool_choice.set("function", lang::Value(std::move(chosen_function)));
  lang::ValueDict format;
  format.set("type", lang::Value("json_object"));
  lang::ValueDict parameters;
  parameters.set("tools", lang::Value(lang::ValueList{lang::Value(std::move(tool))}));
  parameters.set("tool_choice", lang::Value(std::move(tool_choice)));
  parameters.set("parallel_tool_calls", lang::Value(false));
  parameters.set("response_format", lang::Value(std::move(format)));
  parameters.set("stop", lang::Value("END"));
  parameters.set("seed", lang::Value(42));
  model.parameters = lang::Value(std::move(parameters));
  EXPECT_EQ(request_violations(make_call(model), TokenLimitField::kMaxCompletionTokens,
                               /*stream=*/true),
            "");
}

// The fake server's stream, chunk by chunk, is what OpenAI streams; the reply the decoder
// assembles from it (what the journal keeps) is a chat.completion.
TEST_F(OpenAiSchemaTest, StreamedChunksAndTheAssembledReplyConform) {
  fake::wire::ModelRequest request;
  request.model = "gpt-4o-mini";
  request.stream = true;
  request.include_usage = true;
  for (bool with_tools : {false, true}) {
    fake::wire::Reply reply;
    reply.id = "1";
    reply.text = with_tools ? "" : "Hello there, how are you?";
    if (with_tools) reply.tool_calls = {{"get_weather", R"({"city": "Paris"})"}};
    reply.prompt_tokens = 20;
    reply.completion_tokens = 7;
    reply.cached_tokens = 4;
    reply.reasoning_tokens = 2;
    auto decoder = make_openai_stream_decoder();
    SseParser parser;
    for (const std::string& event : fake::wire::openai_format().events(request, reply)) {
      for (const SseEvent& parsed : parser.feed(event)) {
        if (parsed.data != "[DONE]") {
          EXPECT_EQ(violations("CreateChatCompletionStreamResponse", json::parse(parsed.data)), "")
              << parsed.data;
        }
        std::string text;
        ASSERT_TRUE(decoder->read(parsed, text));
      }
    }
    ASSERT_TRUE(decoder->complete());
    EXPECT_EQ(violations("CreateChatCompletionResponse", json::parse(decoder->response_json())), "")
        << decoder->response_json();
    const Result<ModelReply> assembled = decoder->reply();
    ASSERT_TRUE(assembled) << assembled.error().message();
    EXPECT_EQ(assembled->usage.cached_input_tokens, 4);
  }
}

}  // namespace
}  // namespace baton::providers
