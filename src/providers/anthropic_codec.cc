#include "src/providers/anthropic_codec.h"

#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/lang/workflow.h"
#include "src/providers/api_errors.h"
#include "src/providers/wire_json.h"

namespace baton::providers {
namespace {

using Json = nlohmann::ordered_json;

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

std::int64_t integer_member(const Json* object, std::string_view key) {
  const Json* value = object ? member(*object, key) : nullptr;
  return value && value->is_number_integer() ? value->get<std::int64_t>() : 0;
}

std::string string_member(const Json& object, std::string_view key) {
  const Json* value = member(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

}  // namespace

Result<std::string> build_messages_request(const ModelCall& call, bool stream) {
  if (call.model == nullptr) return internal_error("model call without a model");
  const lang::Model& model = *call.model;
  BATON_ASSIGN_OR_RETURN(std::string parameters,
                         parameters_json(model, {"model", "messages", "stream"}));
  Json request = Json::object();
  request["model"] = model.model;
  request["max_tokens"] = model.max_tokens.value_or(kAnthropicDefaultMaxTokens);
  std::string system;
  Json messages = Json::array();
  for (const ChatMessage& message : call.messages) {
    if (message.role == "system") {
      if (!system.empty()) system += "\n\n";
      system += message.content;
    } else {
      messages.push_back(Json{{"role", message.role}, {"content", message.content}});
    }
  }
  if (!system.empty()) request["system"] = system;
  request["messages"] = std::move(messages);
  if (model.temperature) request["temperature"] = *model.temperature;
  if (stream) request["stream"] = true;
  Json extra = Json::parse(parameters);
  for (auto& item : extra.items()) request[item.key()] = std::move(item.value());
  return request.dump();
}

Result<ModelReply> read_message(std::string_view body, long status) {
  const std::string prefix = "HTTP " + std::to_string(status) + " reply cannot be read: ";
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return internal_error(prefix + "not JSON");
  if (!json.is_object()) return internal_error(prefix + "not a JSON object");
  const Json* content = member(json, "content");
  if (!content || !content->is_array()) return internal_error(prefix + "no content array");
  std::optional<std::string> text;
  std::vector<ToolCall> tool_calls;
  for (const Json& block : *content) {
    const std::string type = string_member(block, "type");
    if (type == "text") {
      const Json* piece = member(block, "text");
      if (!piece || !piece->is_string()) return internal_error(prefix + "a text block has no text");
      text = text.value_or("") + piece->get<std::string>();
    } else if (type == "tool_use") {
      const Json* input = member(block, "input");
      tool_calls.push_back({string_member(block, "id"), string_member(block, "name"),
                            input ? input->dump() : std::string("{}")});
    }  // thinking, redacted_thinking and server tool blocks carry no reply text
  }
  ModelReply reply;
  reply.finish_reason = string_member(json, "stop_reason");
  if (reply.finish_reason == "refusal") {
    return Error(ErrorCode::kOutputRejected,
                 "the model refused (stop_reason refusal)" +
                     (text && !text->empty() ? ": " + truncate_utf8(*text) : std::string()));
  }
  reply.text = tool_calls.empty() ? text.value_or("") : text_with_tool_calls(text, tool_calls);
  reply.tool_calls = std::move(tool_calls);
  reply.model = string_member(json, "model");
  const Json* usage = member(json, "usage");
  reply.usage.cached_input_tokens = integer_member(usage, "cache_read_input_tokens");
  reply.usage.cache_creation_input_tokens = integer_member(usage, "cache_creation_input_tokens");
  reply.usage.input_tokens = integer_member(usage, "input_tokens") +
                             reply.usage.cached_input_tokens +
                             reply.usage.cache_creation_input_tokens;
  reply.usage.output_tokens = integer_member(usage, "output_tokens");
  return reply;
}

ModelOutcome read_messages_response(const net::HttpResponse& response,
                                    std::chrono::system_clock::time_point now) {
  if (response.status < 200 || response.status >= 300) return read_error_response(response, now);
  ModelOutcome outcome;
  outcome.response_body = response.body;
  outcome.reply = read_message(response.body, response.status);
  return outcome;
}

}  // namespace baton::providers
