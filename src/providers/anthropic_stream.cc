#include "src/providers/anthropic_stream.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "src/providers/anthropic_codec.h"
#include "src/providers/api_errors.h"

namespace baton::providers {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kQuotedEventBytes = 120;
constexpr std::int64_t kMaxBlockIndex = 4096;

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

std::string string_member(const Json& object, std::string_view key) {
  const Json* value = member(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

class AnthropicStreamDecoder final : public StreamDecoder {
 public:
  Status read(const SseEvent& event, std::string& text) override {
    ++events_;
    if (stopped_) return ok_status();
    const Json data = Json::parse(event.data, nullptr, /*allow_exceptions=*/false);
    if (data.is_discarded()) {
      return malformed(event, "is not JSON: " + truncate_utf8(event.data, kQuotedEventBytes));
    }
    if (!data.is_object()) {
      return malformed(event,
                       "is not a JSON object: " + truncate_utf8(event.data, kQuotedEventBytes));
    }
    std::string type = string_member(data, "type");
    if (type.empty()) type = event.type;
    if (type == "error") return error_event(data);
    if (type == "message_start") return message_start(event, data);
    if (type == "content_block_start") return block_start(event, data);
    if (type == "content_block_delta") return block_delta(event, data, text);
    if (type == "message_delta") return message_delta(data);
    if (type == "message_stop") stopped_ = true;
    return ok_status();  // content_block_stop, ping, and types added later
  }

  bool complete() const override { return stopped_; }

  Result<ModelReply> reply() const override { return read_message(response_json()); }

  std::string response_json() const override {
    Json content = Json::array();
    for (const auto& [index, block] : blocks_) content.push_back(block_json(block));
    Json message = {{"id", id_},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", model_},
                    {"content", std::move(content)},
                    {"stop_reason", stop_reason_.empty() ? Json(nullptr) : Json(stop_reason_)},
                    {"stop_sequence", stop_sequence_},
                    {"usage", usage_}};
    return message.dump(-1, ' ', false, Json::error_handler_t::replace);
  }

 private:
  struct Block {
    std::string type;
    Json start;         // the content_block of content_block_start
    std::string text;   // text (text blocks), thinking (thinking blocks)
    std::string input;  // a tool_use block's arguments, from input_json_delta pieces
    std::string signature;
    bool has_input_delta = false;
  };

  Error malformed(const SseEvent& event, const std::string& what) const {
    return internal_error("stream event " + std::to_string(events_) + " (" + event.type + ") " +
                          what);
  }

  Status error_event(const Json& data) const {
    const Json* error = member(data, "error");
    const std::string type = error ? string_member(*error, "type") : "";
    const std::string message = error ? string_member(*error, "message") : "";
    return error_for_stream_event(type, status_of_error_type(type), message);
  }

  Status message_start(const SseEvent& event, const Json& data) {
    const Json* message = member(data, "message");
    if (!message || !message->is_object()) return malformed(event, "has no message object");
    id_ = string_member(*message, "id");
    model_ = string_member(*message, "model");
    if (const Json* usage = member(*message, "usage"); usage && usage->is_object())
      merge_usage(*usage);
    return ok_status();
  }

  Result<Block*> block_at(const SseEvent& event, const Json& data) {
    const Json* index = member(data, "index");
    if (!index || !index->is_number_integer() || index->get<std::int64_t>() < 0 ||
        index->get<std::int64_t>() > kMaxBlockIndex) {
      return malformed(event, "has no valid content block index");
    }
    return &blocks_[index->get<std::int64_t>()];
  }

  Status block_start(const SseEvent& event, const Json& data) {
    BATON_ASSIGN_OR_RETURN(Block * block, block_at(event, data));
    const Json* start = member(data, "content_block");
    if (!start || !start->is_object()) return malformed(event, "has no content_block object");
    block->type = string_member(*start, "type");
    block->start = *start;
    block->text = string_member(*start, block->type == "thinking" ? "thinking" : "text");
    return ok_status();
  }

  Status block_delta(const SseEvent& event, const Json& data, std::string& text) {
    BATON_ASSIGN_OR_RETURN(Block * block, block_at(event, data));
    const Json* delta = member(data, "delta");
    if (!delta || !delta->is_object()) return malformed(event, "has no delta object");
    const std::string type = string_member(*delta, "type");
    auto piece = [&](const char* key) -> Result<std::string> {
      const Json* value = member(*delta, key);
      if (!value || !value->is_string()) {
        return malformed(event, "has a " + type + " without a string '" + key + "'");
      }
      return value->get<std::string>();
    };
    if (type == "text_delta") {
      BATON_ASSIGN_OR_RETURN(std::string added, piece("text"));
      if (block->type.empty()) block->type = "text";  // a server that skipped the block start
      block->text += added;
      text += added;
    } else if (type == "input_json_delta") {
      BATON_ASSIGN_OR_RETURN(std::string added, piece("partial_json"));
      block->input += added;
      block->has_input_delta = true;
    } else if (type == "thinking_delta") {
      BATON_ASSIGN_OR_RETURN(std::string added, piece("thinking"));
      block->text += added;
    } else if (type == "signature_delta") {
      BATON_ASSIGN_OR_RETURN(std::string added, piece("signature"));
      block->signature += added;
    }
    return ok_status();
  }

  Status message_delta(const Json& data) {
    if (const Json* delta = member(data, "delta")) {
      if (std::string reason = string_member(*delta, "stop_reason"); !reason.empty()) {
        stop_reason_ = std::move(reason);
      }
      if (const Json* sequence = member(*delta, "stop_sequence");
          sequence && sequence->is_string()) {
        stop_sequence_ = *sequence;
      }
    }
    if (const Json* usage = member(data, "usage"); usage && usage->is_object()) merge_usage(*usage);
    return ok_status();
  }

  // Usage counts are cumulative: a later value replaces an earlier one.
  void merge_usage(const Json& usage) {
    for (const auto& item : usage.items()) {
      if (item.value().is_number_integer()) usage_[item.key()] = item.value();
    }
  }

  static Json block_json(const Block& block) {
    if (block.type == "text") return Json{{"type", "text"}, {"text", block.text}};
    if (block.type == "thinking") {
      return Json{{"type", "thinking"}, {"thinking", block.text}, {"signature", block.signature}};
    }
    Json json = block.start.is_object() ? block.start : Json{{"type", block.type}};
    if (block.type == "tool_use" && block.has_input_delta) {
      Json input = Json::parse(block.input, nullptr, /*allow_exceptions=*/false);
      json["input"] = input.is_discarded() ? Json(block.input) : std::move(input);
    }
    return json;
  }

  std::size_t events_ = 0;
  bool stopped_ = false;
  std::string id_;
  std::string model_;
  std::map<std::int64_t, Block> blocks_;
  std::string stop_reason_;
  Json stop_sequence_ = nullptr;
  Json usage_ = Json{{"input_tokens", 0}, {"output_tokens", 0}};
};

}  // namespace

std::unique_ptr<StreamDecoder> make_anthropic_stream_decoder() {
  return std::make_unique<AnthropicStreamDecoder>();
}

}  // namespace baton::providers
