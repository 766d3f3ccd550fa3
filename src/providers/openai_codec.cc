#include "src/providers/openai_codec.h"

#include <cmath>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "src/lang/template/value.h"
#include "src/lang/workflow.h"
#include "src/providers/retry_after.h"

namespace baton::providers {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxQuotedBytes = 300;  // of an API message or body, in an Error

// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence, "..." when cut.
std::string truncate_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

Result<Json> to_json(const lang::Value& value, const std::string& path) {
  switch (value.kind()) {
    case lang::Value::Kind::kNone:
      return Json(nullptr);
    case lang::Value::Kind::kBool:
      return Json(value.as_bool());
    case lang::Value::Kind::kInt:
      return Json(value.as_int());
    case lang::Value::Kind::kFloat:
      if (!std::isfinite(value.as_float())) {
        return invalid_input(path + " is not a finite number, which JSON cannot carry");
      }
      return Json(value.as_float());
    case lang::Value::Kind::kString:
      return Json(value.as_string());
    case lang::Value::Kind::kList: {
      Json array = Json::array();
      std::size_t index = 0;
      for (const lang::Value& item : value.as_list()) {
        BATON_ASSIGN_OR_RETURN(Json json,
                               to_json(item, path + "[" + std::to_string(index++) + "]"));
        array.push_back(std::move(json));
      }
      return array;
    }
    case lang::Value::Kind::kDict: {
      Json object = Json::object();
      for (const auto& [key, item] : value.as_dict().entries()) {
        BATON_ASSIGN_OR_RETURN(Json json, to_json(item, path + "." + key));
        object[key] = std::move(json);
      }
      return object;
    }
    case lang::Value::Kind::kUndefined:
    case lang::Value::Kind::kObject:
      break;
  }
  return invalid_input(path + " is not JSON data");
}

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

// What the server said went wrong: error.message (OpenAI), error (a string), message or
// detail (other compatible servers), else the start of the body.
std::string api_error_message(const std::string& body) {
  const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (const Json* error = member(json, "error")) {
    if (error->is_string()) return truncate_utf8(error->get<std::string>(), kMaxQuotedBytes);
    if (std::string message = string_member(*error, "message"); !message.empty()) {
      return truncate_utf8(message, kMaxQuotedBytes);
    }
  }
  for (const char* key : {"message", "detail"}) {
    if (std::string message = string_member(json, key); !message.empty()) {
      return truncate_utf8(message, kMaxQuotedBytes);
    }
  }
  if (body.empty()) return "(empty body)";
  return truncate_utf8(body, kMaxQuotedBytes);
}

std::optional<std::chrono::milliseconds> retry_after_of(const net::HttpResponse& response,
                                                        std::chrono::system_clock::time_point now) {
  if (const auto header = response.header("retry-after-ms")) {
    if (auto delay = parse_retry_after_ms(*header)) return delay;
  }
  if (const auto header = response.header("retry-after")) return parse_retry_after(*header, now);
  return std::nullopt;
}

Result<ModelReply> read_reply(const std::string& body, long status) {
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
  const Json* content = member(*message, "content");
  if (!content || !content->is_string()) {
    if (const Json* refusal = member(*message, "refusal"); refusal && refusal->is_string()) {
      return Error(
          ErrorCode::kOutputRejected,
          "the model refused: " + truncate_utf8(refusal->get<std::string>(), kMaxQuotedBytes));
    }
    return internal_error(prefix + "choices[0].message.content is " +
                          (content ? std::string(content->type_name()) : "missing"));
  }
  ModelReply reply;
  reply.text = content->get<std::string>();
  reply.model = string_member(json, "model");
  reply.finish_reason = string_member(choices->front(), "finish_reason");
  const Json* usage = member(json, "usage");
  reply.usage.input_tokens = integer_member(usage, "prompt_tokens");
  reply.usage.output_tokens = integer_member(usage, "completion_tokens");
  const Json* details = usage ? member(*usage, "prompt_tokens_details") : nullptr;
  reply.usage.cached_input_tokens = integer_member(details, "cached_tokens");
  return reply;
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

Result<std::string> build_chat_request(const ModelCall& call, TokenLimitField token_limit) {
  if (call.model == nullptr) return internal_error("model call without a model");
  const lang::Model& model = *call.model;
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
  if (model.parameters.is_dict()) {
    for (const auto& [key, value] : model.parameters.as_dict().entries()) {
      if (key == "model" || key == "messages" || key == "stream") {
        return invalid_input("models." + model.name + ".parameters may not set '" + key +
                             "': Baton sets it");
      }
      BATON_ASSIGN_OR_RETURN(Json json,
                             to_json(value, "models." + model.name + ".parameters." + key));
      request[key] = std::move(json);
    }
  }
  return request.dump();
}

ModelOutcome read_chat_response(const net::HttpResponse& response,
                                std::chrono::system_clock::time_point now) {
  ModelOutcome outcome;
  outcome.response_body = response.body;
  const long status = response.status;
  const std::string http = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) {
    outcome.reply = read_reply(response.body, status);
  } else if (status == 429) {
    outcome.retry_after = retry_after_of(response, now);
    outcome.reply = Error(ErrorCode::kRateLimited,
                          http + " (rate limited): " + api_error_message(response.body));
  } else if (status >= 500 && status < 600) {
    outcome.retry_after = retry_after_of(response, now);
    outcome.reply = Error(ErrorCode::kUnavailable,
                          http + " (server error): " + api_error_message(response.body));
  } else if (status == 401 || status == 403) {
    outcome.reply =
        Error(ErrorCode::kUnauthenticated, http + ": the server did not accept the API key");
  } else if (status == 408) {
    outcome.reply = Error(ErrorCode::kTimeout, http + ": the server timed out the request");
  } else if (status >= 400 && status < 500) {
    outcome.reply = invalid_input(http + ": " + api_error_message(response.body));
  } else {
    outcome.reply = internal_error(http + ": unexpected status");
  }
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
