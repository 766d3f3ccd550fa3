// OpenAI's chat completions, as the fake server speaks them.
#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include "tests/fake_server/wire.h"

namespace baton::fake::wire {
namespace {

using Json = nlohmann::json;

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string error_json(std::string_view message, std::string_view type, const Json& param,
                       const Json& code) {
  return dump(
      Json{{"error", {{"message", message}, {"type", type}, {"param", param}, {"code", code}}}});
}

void invalid(Answer& answer, std::string_view message, const Json& param = nullptr,
             const Json& code = nullptr) {
  answer.status = 400;
  answer.body = error_json(message, "invalid_request_error", param, code);
}

// Text of a message's content: a string, or the text parts of an array of parts.
std::string content_text(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const Json& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        text += part["text"].get<std::string>();
      }
    }
  }
  return text;
}

bool is_known_role(std::string_view role) {
  return role == "system" || role == "developer" || role == "user" || role == "assistant" ||
         role == "tool" || role == "function";
}

Json usage_json(const Reply& reply) {
  Json usage = {{"prompt_tokens", reply.prompt_tokens},
                {"completion_tokens", reply.completion_tokens},
                {"total_tokens", reply.prompt_tokens + reply.completion_tokens}};
  if (reply.cached_tokens > 0) {
    usage["prompt_tokens_details"] = {{"cached_tokens", reply.cached_tokens}, {"audio_tokens", 0}};
  }
  if (reply.reasoning_tokens > 0) {
    usage["completion_tokens_details"] = {{"reasoning_tokens", reply.reasoning_tokens},
                                          {"audio_tokens", 0},
                                          {"accepted_prediction_tokens", 0},
                                          {"rejected_prediction_tokens", 0}};
  }
  return usage;
}

Json tool_calls_json(const Reply& reply) {
  Json calls = Json::array();
  for (std::size_t index = 0; index < reply.tool_calls.size(); ++index) {
    calls.push_back({{"id", "call_fake_" + std::to_string(index)},
                     {"type", "function"},
                     {"function",
                      {{"name", reply.tool_calls[index].name},
                       {"arguments", reply.tool_calls[index].arguments}}}});
  }
  return calls;
}

class OpenAiFormat final : public Format {
 public:
  std::optional<ModelRequest> parse(const std::string& body, Answer& error) const override {
    const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
      invalid(error,
              "We could not parse the JSON body of your request. (HINT: This likely means "
              "you aren't using your HTTP library correctly.)");
      return std::nullopt;
    }
    ModelRequest request;
    if (!json.contains("model") || !json["model"].is_string()) {
      invalid(error, "you must provide a model parameter", "model");
      return std::nullopt;
    }
    request.model = json["model"].get<std::string>();
    if (!json.contains("messages")) {
      invalid(error, "Missing required parameter: 'messages'.", "messages",
              "missing_required_parameter");
      return std::nullopt;
    }
    const Json& messages = json["messages"];
    if (!messages.is_array()) {
      invalid(error, "Invalid type for 'messages': expected an array.", "messages", "invalid_type");
      return std::nullopt;
    }
    if (messages.empty()) {
      invalid(error, "Invalid 'messages': empty array. Expected an array with minimum length 1.",
              "messages", "empty_array");
      return std::nullopt;
    }
    for (std::size_t index = 0; index < messages.size(); ++index) {
      const Json& message = messages[index];
      const std::string where = "messages[" + std::to_string(index) + "]";
      if (!message.is_object()) {
        invalid(error, "Invalid type for '" + where + "': expected an object.", where,
                "invalid_type");
        return std::nullopt;
      }
      if (!message.contains("role") || !message["role"].is_string() ||
          !is_known_role(message["role"].get<std::string>())) {
        invalid(error,
                "Invalid value for '" + where +
                    ".role'. Supported values are: 'system', 'assistant', 'user', "
                    "'function', 'tool', and 'developer'.",
                where + ".role", "invalid_value");
        return std::nullopt;
      }
      const Json* content = message.contains("content") ? &message["content"] : nullptr;
      if (content != nullptr && !content->is_string() && !content->is_array() &&
          !content->is_null()) {
        invalid(error, "Invalid type for '" + where + ".content': expected a string or an array.",
                where + ".content", "invalid_type");
        return std::nullopt;
      }
      std::string text = content == nullptr ? "" : content_text(*content);
      request.prompt_tokens += 3 + tokens_in(text);
      if (message["role"] == "user") request.last_user_message = std::move(text);
    }
    if (json.contains("stream")) {
      if (!json["stream"].is_boolean()) {
        invalid(error, "Invalid type for 'stream': expected a boolean.", "stream", "invalid_type");
        return std::nullopt;
      }
      request.stream = json["stream"].get<bool>();
    }
    if (json.contains("stream_options") && json["stream_options"].is_object()) {
      const Json& options = json["stream_options"];
      request.include_usage = options.contains("include_usage") &&
                              options["include_usage"].is_boolean() &&
                              options["include_usage"].get<bool>();
    }
    return request;
  }

  std::string error_body(int status, std::string_view message) const override {
    if (status == 401)
      return error_json(message, "invalid_request_error", nullptr, "invalid_api_key");
    if (status == 429) return error_json(message, "requests", nullptr, "rate_limit_exceeded");
    if (status >= 400 && status < 500) {
      return error_json(message, "invalid_request_error", nullptr, nullptr);
    }
    return error_json(message, "server_error", nullptr, nullptr);
  }

  std::string whole(const ModelRequest& request, const Reply& reply) const override {
    Json message = {{"role", "assistant"}};
    message["content"] =
        reply.text.empty() && !reply.tool_calls.empty() ? Json(nullptr) : Json(reply.text);
    if (!reply.tool_calls.empty()) message["tool_calls"] = tool_calls_json(reply);
    const Json choice = {{"index", 0},
                         {"message", message},
                         {"logprobs", nullptr},
                         {"finish_reason", reply.tool_calls.empty() ? "stop" : "tool_calls"}};
    return dump(Json{{"id", "chatcmpl-fake-" + reply.id},
                     {"object", "chat.completion"},
                     {"created", created()},
                     {"model", request.model},
                     {"choices", Json::array({choice})},
                     {"usage", usage_json(reply)}});
  }

  std::vector<std::string> events(const ModelRequest& request, const Reply& reply) const override {
    std::vector<std::string> events;
    const Json when = created();
    auto chunk = [&](const Json& delta, const Json& finish_reason) {
      const Json choice = {{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}};
      const Json event = {{"id", "chatcmpl-fake-" + reply.id},
                          {"object", "chat.completion.chunk"},
                          {"created", when},
                          {"model", request.model},
                          {"choices", Json::array({choice})}};
      events.push_back("data: " + dump(event) + "\n\n");
    };
    chunk(Json{{"role", "assistant"}, {"content", ""}}, nullptr);
    for (std::size_t start = 0; start < reply.text.size();) {
      std::size_t end = reply.text.find(' ', start);
      end = end == std::string::npos ? reply.text.size() : end + 1;
      chunk(Json{{"content", reply.text.substr(start, end - start)}}, nullptr);
      start = end;
    }
    const Json calls = tool_calls_json(reply);
    for (std::size_t index = 0; index < calls.size(); ++index) {
      // The id and name first, then the arguments in two pieces, as OpenAI splits them.
      Json head = calls[index];
      head["index"] = index;
      head["function"]["arguments"] = "";
      chunk(Json{{"tool_calls", Json::array({head})}}, nullptr);
      const std::string arguments = reply.tool_calls[index].arguments;
      const std::size_t half = arguments.size() / 2;
      for (const std::string& piece : {arguments.substr(0, half), arguments.substr(half)}) {
        chunk(Json{{"tool_calls",
                    Json::array({{{"index", index}, {"function", {{"arguments", piece}}}}})}},
              nullptr);
      }
    }
    chunk(Json::object(), reply.tool_calls.empty() ? "stop" : "tool_calls");
    if (request.include_usage) {
      const Json event = {{"id", "chatcmpl-fake-" + reply.id},
                          {"object", "chat.completion.chunk"},
                          {"created", when},
                          {"model", request.model},
                          {"choices", Json::array()},
                          {"usage", usage_json(reply)}};
      events.push_back("data: " + dump(event) + "\n\n");
    }
    events.push_back("data: [DONE]\n\n");
    return events;
  }

  std::string malformed_event() const override {
    return "data: {\"id\": \"chatcmpl-fake\", \"choices\": [{\"delta\": {\"content\": \n\n";
  }

  std::string error_event(int status) const override {
    return "data: " + error_body(status, "The server had an error while streaming (fake server).") +
           "\n\n";
  }

 private:
  static Json created() { return static_cast<long long>(std::time(nullptr)); }
};

}  // namespace

const Format& openai_format() {
  static const OpenAiFormat format;
  return format;
}

long tokens_in(std::string_view text) {
  return text.empty() ? 0 : static_cast<long>((text.size() + 3) / 4);
}

}  // namespace baton::fake::wire
