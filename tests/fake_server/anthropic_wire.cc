// Anthropic's Messages API, as the fake server speaks it.
#include <nlohmann/json.hpp>

#include "tests/fake_server/wire.h"

namespace baton::fake::wire {
namespace {

using Json = nlohmann::json;

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string_view error_type(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
  }
}

std::string error_json(int status, std::string_view message) {
  return dump(
      Json{{"type", "error"}, {"error", {{"type", error_type(status)}, {"message", message}}}});
}

void invalid(Answer& answer, std::string_view message) {
  answer.status = 400;
  answer.body = error_json(400, message);
}

std::string event(std::string_view type, const Json& data) {
  return "event: " + std::string(type) + "\ndata: " + dump(data) + "\n\n";
}

// Text of a content: a string, or the text blocks of an array of blocks.
std::optional<std::string> content_text(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) return std::nullopt;
  std::string text;
  for (const Json& block : content) {
    if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
      return std::nullopt;
    }
    if (block["type"] == "text" && block.contains("text") && block["text"].is_string()) {
      text += block["text"].get<std::string>();
    }
  }
  return text;
}

Json usage_json(const Reply& reply, long output_tokens) {
  return Json{{"input_tokens", reply.prompt_tokens},
              {"cache_creation_input_tokens", reply.cache_creation_tokens},
              {"cache_read_input_tokens", reply.cached_tokens},
              {"output_tokens", output_tokens}};
}

std::string tool_id(std::size_t index) { return "toolu_fake_" + std::to_string(index); }

class AnthropicFormat final : public Format {
 public:
  std::optional<ModelRequest> parse(const std::string& body, Answer& error) const override {
    const Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
      invalid(error, "There was an issue with your request body: it is not a JSON object.");
      return std::nullopt;
    }
    ModelRequest request;
    if (!json.contains("model") || !json["model"].is_string()) {
      invalid(error, "model: Field required");
      return std::nullopt;
    }
    request.model = json["model"].get<std::string>();
    if (!json.contains("max_tokens") || !json["max_tokens"].is_number_integer() ||
        json["max_tokens"].get<long long>() < 1) {
      invalid(error, "max_tokens: Field required (an integer >= 1)");
      return std::nullopt;
    }
    if (!json.contains("messages") || !json["messages"].is_array() || json["messages"].empty()) {
      invalid(error, "messages: at least one message is required");
      return std::nullopt;
    }
    if (json.contains("system")) {
      const std::optional<std::string> system = content_text(json["system"]);
      if (!system) {
        invalid(error, "system: Input should be a valid string or a list of text blocks");
        return std::nullopt;
      }
      request.prompt_tokens += tokens_in(*system);
    }
    const Json& messages = json["messages"];
    for (std::size_t index = 0; index < messages.size(); ++index) {
      const Json& message = messages[index];
      const std::string where = "messages." + std::to_string(index);
      if (!message.is_object() || !message.contains("role") || !message["role"].is_string() ||
          (message["role"] != "user" && message["role"] != "assistant")) {
        invalid(error, where + ".role: Input should be 'user' or 'assistant'");
        return std::nullopt;
      }
      const std::optional<std::string> text =
          message.contains("content") ? content_text(message["content"]) : std::nullopt;
      if (!text) {
        invalid(error, where + ".content: Input should be a valid string or a list of blocks");
        return std::nullopt;
      }
      request.prompt_tokens += 3 + tokens_in(*text);
      if (message["role"] == "user") request.last_user_message = *text;
    }
    if (json.contains("temperature") &&
        (!json["temperature"].is_number() || json["temperature"].get<double>() < 0 ||
         json["temperature"].get<double>() > 1)) {
      invalid(error, "temperature: Input should be less than or equal to 1");
      return std::nullopt;
    }
    if (json.contains("stream")) {
      if (!json["stream"].is_boolean()) {
        invalid(error, "stream: Input should be a valid boolean");
        return std::nullopt;
      }
      request.stream = json["stream"].get<bool>();
    }
    return request;
  }

  std::string error_body(int status, std::string_view message) const override {
    return error_json(status, message);
  }

  std::string whole(const ModelRequest& request, const Reply& reply) const override {
    Json content = Json::array();
    if (!reply.text.empty() || reply.tool_calls.empty()) {
      content.push_back({{"type", "text"}, {"text", reply.text}});
    }
    for (std::size_t index = 0; index < reply.tool_calls.size(); ++index) {
      const Json input = Json::parse(reply.tool_calls[index].arguments, nullptr, false);
      content.push_back({{"type", "tool_use"},
                         {"id", tool_id(index)},
                         {"name", reply.tool_calls[index].name},
                         {"input", input.is_discarded() ? Json::object() : input}});
    }
    return dump(Json{{"id", "msg_fake_" + reply.id},
                     {"type", "message"},
                     {"role", "assistant"},
                     {"model", request.model},
                     {"content", std::move(content)},
                     {"stop_reason", reply.tool_calls.empty() ? "end_turn" : "tool_use"},
                     {"stop_sequence", nullptr},
                     {"usage", usage_json(reply, reply.completion_tokens)}});
  }

  std::vector<std::string> events(const ModelRequest& request, const Reply& reply) const override {
    std::vector<std::string> events;
    events.push_back(event("message_start", {{"type", "message_start"},
                                             {"message",
                                              {{"id", "msg_fake_" + reply.id},
                                               {"type", "message"},
                                               {"role", "assistant"},
                                               {"model", request.model},
                                               {"content", Json::array()},
                                               {"stop_reason", nullptr},
                                               {"stop_sequence", nullptr},
                                               {"usage", usage_json(reply, 1)}}}}));
    std::size_t index = 0;
    if (!reply.text.empty() || reply.tool_calls.empty()) {
      events.push_back(
          event("content_block_start", {{"type", "content_block_start"},
                                        {"index", index},
                                        {"content_block", {{"type", "text"}, {"text", ""}}}}));
      events.push_back(event("ping", {{"type", "ping"}}));
      for (std::size_t start = 0; start < reply.text.size();) {
        std::size_t end = reply.text.find(' ', start);
        end = end == std::string::npos ? reply.text.size() : end + 1;
        events.push_back(
            event("content_block_delta",
                  {{"type", "content_block_delta"},
                   {"index", index},
                   {"delta",
                    {{"type", "text_delta"}, {"text", reply.text.substr(start, end - start)}}}}));
        start = end;
      }
      events.push_back(
          event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
      ++index;
    }
    for (std::size_t call = 0; call < reply.tool_calls.size(); ++call, ++index) {
      events.push_back(event("content_block_start", {{"type", "content_block_start"},
                                                     {"index", index},
                                                     {"content_block",
                                                      {{"type", "tool_use"},
                                                       {"id", tool_id(call)},
                                                       {"name", reply.tool_calls[call].name},
                                                       {"input", Json::object()}}}}));
      const std::string& arguments = reply.tool_calls[call].arguments;
      const std::size_t half = arguments.size() / 2;
      for (const std::string& piece : {arguments.substr(0, half), arguments.substr(half)}) {
        events.push_back(
            event("content_block_delta",
                  {{"type", "content_block_delta"},
                   {"index", index},
                   {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}}));
      }
      events.push_back(
          event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
    }
    events.push_back(event("message_delta",
                           {{"type", "message_delta"},
                            {"delta",
                             {{"stop_reason", reply.tool_calls.empty() ? "end_turn" : "tool_use"},
                              {"stop_sequence", nullptr}}},
                            {"usage", {{"output_tokens", reply.completion_tokens}}}}));
    events.push_back(event("message_stop", {{"type", "message_stop"}}));
    return events;
  }

  std::string malformed_event() const override {
    return "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, "
           "\"delta\": {\"type\": \"text_delta\", \"text\": \n\n";
  }

  std::string error_event(int status) const override {
    const std::string message = status == 529 ? "Overloaded" : "The fake server failed mid-stream.";
    return "event: error\ndata: " + error_json(status, message) + "\n\n";
  }
};

}  // namespace

const Format& anthropic_format() {
  static const AnthropicFormat format;
  return format;
}

}  // namespace baton::fake::wire
