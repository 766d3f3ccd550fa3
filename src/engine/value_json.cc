#include "src/engine/value_json.h"

#include <charconv>
#include <string>

#include <nlohmann/json.hpp>

namespace baton::engine {
namespace {

// Appends `text` as a JSON string literal, escaped exactly as nlohmann's dump() escapes it
// (ensure_ascii off, invalid UTF-8 replaced): the journal's text does not depend on which of
// the two wrote it. Text with bytes above 0x7f goes through nlohmann, which checks UTF-8.
void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    if (c >= 0x80) {
      out += nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return;
    }
  }
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t plain = 0;  // the start of the run of characters that need no escape
  for (std::size_t index = 0; index < text.size(); ++index) {
    const auto c = static_cast<unsigned char>(text[index]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, plain, index - plain);
    plain = index + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(escaped, sizeof escaped);
        break;
      }
    }
  }
  out.append(text, plain, text.size() - plain);
  out += '"';
}

// Writes JSON directly rather than through an nlohmann tree: every step's result is serialized
// for the journal, and building the tree cost more than the rest of a value step.
void append_json(std::string& out, const lang::Value& value) {
  using lang::Value;
  switch (value.kind()) {
    case Value::Kind::kBool:
      out += value.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kInt: {
      char digits[24];
      auto [end, error] = std::to_chars(digits, digits + sizeof digits, value.as_int());
      (void)error;  // 24 characters hold every int64
      out.append(digits, end);
      return;
    }
    case Value::Kind::kFloat:
      // nlohmann's shortest round-trip form ("1.0", "1e+100", null for NaN): kept as is.
      out += nlohmann::ordered_json(value.as_float()).dump();
      return;
    case Value::Kind::kString:
      append_string(out, value.as_string());
      return;
    case Value::Kind::kList: {
      out += '[';
      bool first = true;
      for (const Value& item : value.as_list()) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      return;
    }
    case Value::Kind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.as_dict().entries()) {
        if (!first) out += ',';
        first = false;
        append_string(out, key);
        out += ':';
        append_json(out, item);
      }
      out += '}';
      return;
    }
    default:
      out += "null";
      return;
  }
}

}  // namespace

std::string to_json_text(const lang::Value& value) {
  std::string out;
  append_json(out, value);
  return out;
}

std::string json_string(std::string_view text) {
  std::string out;
  append_string(out, text);
  return out;
}

}  // namespace baton::engine
