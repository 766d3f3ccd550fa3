#include "src/providers/openai_codec.h"

#include <string>
#include <utility>

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
  return found == object.end() ? nullptr : &*found;
}

std::int64_t integer_member(const Json* object, std::string_view key) {
  const Json* value = object ? member(*object, key) : nullptr;
  return value && value->is_number_integer() ? value->get<std::int64_t>() : 0;
}

std::string string_member(const Json& object, std::string_view key) {
  const Json* value = member(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

ModelUsage read_usage(const Json* usage) {
  ModelUsage read;
  read.input_tokens = integer_member(usage, "prompt_tokens");
  read.output_tokens = integer_member(usage, "completion_tokens");
  read.cached_input_tokens =
      integer_member(usage ? member(*usage, "prompt_tokens_details") : nullptr, "cached_tokens");
  read.reasoning_tokens = integer_member(
      usage ? member(*usage, "completion_tokens_details") : nullptr, "reasoning_tokens");
  return read;
}

// message.tool_calls ([{"id", "type": "function", "function": {"name", "arguments"}}]), or the
// older message.function_call ({"name", "arguments"}).
Result<std::vector<ToolCall>> read_tool_calls(const Json& message, const std::string& prefix) {
  std::vector<ToolCall> calls;
  if (const Json* list = member(message, "tool_calls"); list && !list->is_null()) {
    if (!list->is_array()) return internal_error(prefix + "message.tool_calls is not an array");
    for (const Json& item : *list) {
      const Json* function = member(item, "function");
      if (!function || !function->is_object()) {
        return internal_error(prefix + "a tool call has no function");
      }
      calls.push_back({string_member(item, "id"), string_member(*function, "name"),
                       string_member(*function, "arguments")});
    }
  } else if (const Json* function = member(message, "function_call");
             function && function->is_object()) {
    calls.push_back({"", string_member(*function, "name"), string_member(*function, "arguments")});
  }
  return calls;
}

}  // namespace

bool is_openai_host(std::string_view base_url) {
  if (const auto scheme = base_url.find("://"); scheme != std::string_view::npos) {
    base_url.remove_prefix(scheme + 3);
  }
  const std::string_view host = base_url.substr(0, base_url.find_first_of(":/?#"));
  if (host.size() != std::string_view("api.openai.com").size()) return false;
  for (std::size_t index = 0; index < host.size(); ++index) {
    const char lower = static_cast<char>(
        host[index] >= 'A' && host[index] <= 'Z' ? host[index] - 'A' + 'a' : host[index]);
    if (lower != "api.openai.com"[index]) return false;
  }
  return true;
}

TokenLimitField token_limit_field_for(std::string_view base_url) {
  return is_openai_host(base_url) ? TokenLimitField::kMaxCompletionTokens
                                  : TokenLimitField::kMaxTokens;
}

Result<std::string> build_chat_request(const ModelCall& call, TokenLimitField token_limit,
                                       bool stream) {
  if (call.model == nullptr) return internal_error("model call without a model");
  const lang::Model& model = *call.model;
  BATON_ASSIGN_OR_RETURN(std::string parameters,
                         parameters_json(model, {"model", "messages", "stream", "stream_options"}));
  Json request = Json::object();
  request["model"] = model.model;
  Json messages = Json::array();
  for (const ChatMessage& message : call.messages) {
    messages.push_back(Json{{"role", message.role}, {"content", message.content}});
  }
  request["messages"] = std::move(messages);
  if (model.temperature) request["temperature"] = *model.temperature;
  if (model.max_tokens) {
    request[token_limit == TokenLimitField::kMaxCompletionTokens ? "max_completion_tokens"
                                                                 : "max_tokens"] =
        *model.max_tokens;
  }
  if (stream) {
    request["stream"] = true;
    request["stream_options"] = Json{{"include_usage", true}};
  }
  Json extra = Json::parse(parameters);
  for (auto& item : extra.items()) request[item.key()] = std::move(item.value());
  return request.dump();
}

Result<ModelReply> read_chat_completion(std::string_view body, long status) {
  const std::string prefix = "HTTP " + std::to_string(status) + " reply cannot be read: ";
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return internal_error(prefix + "not JSON");
  if (!json.is_object()) return internal_error(prefix + "not a JSON object");
  const Json* choices = member(json, "choices");
  if (!choices || !choices->is_array() || choices->empty()) {
    return internal_error(prefix + "no choices");
  }
  const Json* message = member(choices->front(), "message");
  if (!message || !message->is_object())
    return internal_error(prefix + "choices[0] has no message");
  BATON_ASSIGN_OR_RETURN(std::vector<ToolCall> tool_calls, read_tool_calls(*message, prefix));
  const Json* content = member(*message, "content");
  const bool has_text = content && content->is_string();
  if (!has_text && tool_calls.empty()) {
    if (const Json* refusal = member(*message, "refusal"); refusal && refusal->is_string()) {
      return Error(ErrorCode::kOutputRejected,
                   "the model refused: " + truncate_utf8(refusal->get<std::string>()));
    }
    return internal_error(prefix + "choices[0].message.content is " +
                          (content ? std::string(content->type_name()) : "missing"));
  }
  if (content && !has_text && !content->is_null()) {
    return internal_error(prefix + "choices[0].message.content is " + content->type_name());
  }
  ModelReply reply;
  if (tool_calls.empty()) {
    reply.text = content->get<std::string>();
  } else {
    reply.text = text_with_tool_calls(
        has_text ? std::optional<std::string>(content->get<std::string>()) : std::nullopt,
        tool_calls);
  }
  reply.tool_calls = std::move(tool_calls);
  reply.model = string_member(json, "model");
  reply.finish_reason = string_member(choices->front(), "finish_reason");
  reply.usage = read_usage(member(json, "usage"));
  return reply;
}

ModelOutcome read_chat_response(const net::HttpResponse& response,
                                std::chrono::system_clock::time_point now) {
  if (response.status < 200 || response.status >= 300) return read_error_response(response, now);
  ModelOutcome outcome;
  outcome.response_body = response.body;
  outcome.reply = read_chat_completion(response.body, response.status);
  return outcome;
}

std::string render_chat_completion(const ModelReply& reply, std::string_view id) {
  const Json body = {
      {"id", id},
      {"object", "chat.completion"},
      {"created", 0},
      {"model", reply.model},
      {"choices",
       Json::array({Json{
           {"index", 0},
           {"message", {{"role", "assistant"}, {"content", reply.text}, {"refusal", nullptr}}},
           {"logprobs", nullptr},
           {"finish_reason", reply.finish_reason}}})},
      {"usage",
       {{"prompt_tokens", reply.usage.input_tokens},
        {"completion_tokens", reply.usage.output_tokens},
        {"total_tokens", reply.usage.input_tokens + reply.usage.output_tokens},
        {"prompt_tokens_details", {{"cached_tokens", reply.usage.cached_input_tokens}}}}},
  };
  return body.dump();
}

std::string render_error_body(std::string_view message, std::string_view type) {
  const Json body = {
      {"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
  return body.dump();
}

}  // namespace baton::providers
