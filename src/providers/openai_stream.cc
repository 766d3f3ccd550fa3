#include "src/providers/openai_stream.h"

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/providers/api_errors.h"
#include "src/providers/openai_codec.h"

namespace baton::providers {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kQuotedEventBytes = 120;

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

class OpenAiStreamDecoder final : public StreamDecoder {
 public:
  Status read(const SseEvent& event, std::string& text) override {
    ++events_;
    if (done_) return ok_status();
    if (event.data == "[DONE]") {
      done_ = true;
      return ok_status();
    }
    const Json chunk = Json::parse(event.data, nullptr, /*allow_exceptions=*/false);
    if (chunk.is_discarded()) {
      return malformed("is not JSON: " + truncate_utf8(event.data, kQuotedEventBytes));
    }
    if (!chunk.is_object()) {
      return malformed("is not a JSON object: " + truncate_utf8(event.data, kQuotedEventBytes));
    }
    if (event.type == "error" || member(chunk, "error") != nullptr) return error_event(chunk);
    remember_header(chunk);
    if (const Json* usage = member(chunk, "usage")) usage_ = *usage;
    const Json* choices = member(chunk, "choices");
    if (choices == nullptr) return ok_status();
    if (!choices->is_array()) return malformed("has choices that are not an array");
    for (const Json& choice : *choices) {
      if (!choice.is_object()) return malformed("has a choice that is not an object");
      const Json* index = member(choice, "index");
      if (index != nullptr && (!index->is_number_integer() || index->get<long>() != 0)) {
        continue;  // Baton asks for one choice; others are not its reply
      }
      if (const Json* delta = member(choice, "delta")) BATON_TRY(read_delta(*delta, text));
      if (const Json* finish = member(choice, "finish_reason"); finish && finish->is_string()) {
        finish_reason_ = finish->get<std::string>();
      }
    }
    return ok_status();
  }

  bool complete() const override { return done_ || !finish_reason_.empty(); }

  Result<ModelReply> reply() const override { return read_chat_completion(response_json()); }

  std::string response_json() const override {
    Json message = {{"role", "assistant"}};
    const bool no_text = content_.empty() && (!tool_calls_.empty() || !refusal_.empty());
    message["content"] = no_text ? Json(nullptr) : Json(content_);
    message["refusal"] = refusal_.empty() ? Json(nullptr) : Json(refusal_);
    if (!tool_calls_.empty()) {
      Json list = Json::array();
      for (const ToolCall& call : tool_calls_) {
        list.push_back(Json{{"id", call.id},
                            {"type", "function"},
                            {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
      }
      message[legacy_function_call_ ? "function_call" : "tool_calls"] =
          legacy_function_call_ ? Json{{"name", tool_calls_.front().name},
                                       {"arguments", tool_calls_.front().arguments}}
                                : std::move(list);
    }
    Json body = {
        {"id", id_}, {"object", "chat.completion"}, {"created", created_}, {"model", model_}};
    if (!system_fingerprint_.empty()) body["system_fingerprint"] = system_fingerprint_;
    body["choices"] = Json::array(
        {Json{{"index", 0},
              {"message", std::move(message)},
              {"logprobs", nullptr},
              {"finish_reason", finish_reason_.empty() ? Json(nullptr) : Json(finish_reason_)}}});
    if (!usage_.is_null()) body["usage"] = usage_;
    return body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }

 private:
  Error malformed(const std::string& what) const {
    return internal_error("stream event " + std::to_string(events_) + " " + what);
  }

  void remember_header(const Json& chunk) {
    if (const Json* id = member(chunk, "id"); id && id->is_string()) id_ = id->get<std::string>();
    if (const Json* model = member(chunk, "model"); model && model->is_string()) {
      model_ = model->get<std::string>();
    }
    if (const Json* created = member(chunk, "created"); created && created->is_number_integer()) {
      created_ = created->get<std::int64_t>();
    }
    if (const Json* print = member(chunk, "system_fingerprint"); print && print->is_string()) {
      system_fingerprint_ = print->get<std::string>();
    }
  }

  Status read_delta(const Json& delta, std::string& text) {
    if (!delta.is_object()) return malformed("has a delta that is not an object");
    if (const Json* content = member(delta, "content")) {
      if (!content->is_string()) {
        return malformed(std::string("has a delta.content that is ") + content->type_name());
      }
      content_ += content->get_ref<const std::string&>();
      text += content->get_ref<const std::string&>();
    }
    if (const Json* refusal = member(delta, "refusal"); refusal && refusal->is_string()) {
      refusal_ += refusal->get_ref<const std::string&>();
    }
    if (const Json* calls = member(delta, "tool_calls")) {
      if (!calls->is_array()) return malformed("has delta.tool_calls that are not an array");
      for (const Json& call : *calls) BATON_TRY(read_tool_call(call));
    }
    if (const Json* function = member(delta, "function_call")) {
      legacy_function_call_ = true;
      if (tool_calls_.empty()) tool_calls_.emplace_back();
      append_function(*function, tool_calls_.front());
    }
    return ok_status();
  }

  // A piece of a tool call: the first carries its id and name, the next ones its arguments.
  Status read_tool_call(const Json& call) {
    if (!call.is_object()) return malformed("has a tool call that is not an object");
    const Json* index = member(call, "index");
    if (index != nullptr && !index->is_number_unsigned()) {
      return malformed("has a tool call whose index is not a number");
    }
    const std::size_t at = index ? index->get<std::size_t>() : tool_calls_.size();
    if (at > tool_calls_.size() + 64) return malformed("has a tool call index out of order");
    if (at >= tool_calls_.size()) tool_calls_.resize(at + 1);
    ToolCall& slot = tool_calls_[at];
    if (const Json* id = member(call, "id"); id && id->is_string())
      slot.id = id->get<std::string>();
    if (const Json* function = member(call, "function")) append_function(*function, slot);
    return ok_status();
  }

  static void append_function(const Json& function, ToolCall& slot) {
    if (const Json* name = member(function, "name"); name && name->is_string()) {
      slot.name += name->get_ref<const std::string&>();
    }
    if (const Json* arguments = member(function, "arguments");
        arguments && arguments->is_string()) {
      slot.arguments += arguments->get_ref<const std::string&>();
    }
  }

  Status error_event(const Json& chunk) const {
    const Json* error = member(chunk, "error");
    std::string type;
    std::string code;
    std::string message;
    long status = 0;
    if (error != nullptr && error->is_string()) {
      message = error->get<std::string>();
    } else if (error != nullptr && error->is_object()) {
      if (const Json* value = member(*error, "type"); value && value->is_string()) {
        type = value->get<std::string>();
      }
      if (const Json* value = member(*error, "code")) {
        if (value->is_number_integer()) status = value->get<long>();
        if (value->is_string()) code = value->get<std::string>();
      }
      if (const Json* value = member(*error, "message"); value && value->is_string()) {
        message = value->get<std::string>();
      }
    }
    if (status < 400 || status > 599) {
      status = status_of_error_type(type);
      if (!code.empty() && status_of_error_type(code) != 500) status = status_of_error_type(code);
    }
    return error_for_stream_event(code.empty() ? type : code, status, message);
  }

  std::size_t events_ = 0;
  bool done_ = false;
  std::string id_;
  std::string model_;
  std::int64_t created_ = 0;
  std::string system_fingerprint_;
  std::string content_;
  std::string refusal_;
  std::vector<ToolCall> tool_calls_;
  bool legacy_function_call_ = false;
  std::string finish_reason_;
  Json usage_;  // null until a chunk carries usage
};

}  // namespace

std::unique_ptr<StreamDecoder> make_openai_stream_decoder() {
  return std::make_unique<OpenAiStreamDecoder>();
}

}  // namespace baton::providers
