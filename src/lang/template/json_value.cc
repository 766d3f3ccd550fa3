// JSON text -> Value (through nlohmann::ordered_json), and Value -> JSON as Jinja2's |tojson
// writes it (Python's json.dumps with sort_keys=True, then HTML-safe escapes).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "src/lang/template/python_internal.h"
#include "src/lang/template/python_text.h"
#include "src/lang/template/value.h"

namespace baton::lang {
namespace {

Value from_json(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value::none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(json.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto value = json.get<std::uint64_t>();
      if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return Value(static_cast<double>(value));
      return Value(static_cast<std::int64_t>(value));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      ValueList items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_json(item));
      return Value(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      ValueDict dict;
      for (const auto& [key, item] : json.items()) dict.set(key, from_json(item));
      return Value(std::move(dict));
    }
    default:
      return Value::none();
  }
}

void append_escaped(std::string& out, unsigned unit) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", unit & 0xFFFF);
  out += buffer;
}

// json.dumps(ensure_ascii=True) string escaping, plus Jinja2's <>&' replacements.
void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char32_t c : decode_utf8(text)) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
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
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '<':
      case '>':
      case '&':
      case '\'':
        append_escaped(out, c);
        break;
      default:
        if (c < 0x20 || c > 0x7E) {
          if (c >= 0x10000) {
            const char32_t v = c - 0x10000;
            append_escaped(out, 0xD800 | (v >> 10));
            append_escaped(out, 0xDC00 | (v & 0x3FF));
          } else {
            append_escaped(out, c);
          }
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void newline_indent(std::string& out, int indent, int depth) {
  out.push_back('\n');
  out.append(static_cast<std::size_t>(indent * depth), ' ');
}

Status write_json(std::string& out, const Value& value, int indent, int depth) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return python_error(value.undefined_message());
    case Value::Kind::kNone:
      out += "null";
      return ok_status();
    case Value::Kind::kBool:
      out += value.as_bool() ? "true" : "false";
      return ok_status();
    case Value::Kind::kInt:
      out += std::to_string(value.as_int());
      return ok_status();
    case Value::Kind::kFloat: {
      const double d = value.as_float();
      if (std::isnan(d)) {
        out += "NaN";
      } else if (std::isinf(d)) {
        out += d < 0 ? "-Infinity" : "Infinity";
      } else {
        out += python_float_repr(d);
      }
      return ok_status();
    }
    case Value::Kind::kString:
      append_json_string(out, value.as_string());
      return ok_status();
    case Value::Kind::kList: {
      const ValueList& items = value.as_list();
      if (items.empty()) {
        out += "[]";
        return ok_status();
      }
      out.push_back('[');
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline_indent(out, indent, depth + 1);
        BATON_TRY(write_json(out, items[i], indent, depth + 1));
      }
      if (indent >= 0) newline_indent(out, indent, depth);
      out.push_back(']');
      return ok_status();
    }
    case Value::Kind::kDict: {
      const auto& entries = value.as_dict().entries();
      if (entries.empty()) {
        out += "{}";
        return ok_status();
      }
      std::vector<const ValueDict::Entry*> sorted;
      for (const auto& entry : entries) sorted.push_back(&entry);
      std::sort(sorted.begin(), sorted.end(),
                [](const auto* a, const auto* b) { return a->first < b->first; });
      out.push_back('{');
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (i > 0) out += indent >= 0 ? "," : ", ";
        if (indent >= 0) newline_indent(out, indent, depth + 1);
        append_json_string(out, sorted[i]->first);
        out += ": ";
        BATON_TRY(write_json(out, sorted[i]->second, indent, depth + 1));
      }
      if (indent >= 0) newline_indent(out, indent, depth);
      out.push_back('}');
      return ok_status();
    }
    case Value::Kind::kObject:
      return python_error("Object of type " + std::string(type_name(value)) +
                          " is not JSON serializable");
  }
  return ok_status();
}

}  // namespace

Result<Value> value_from_json(std::string_view json_text) {
  auto json = nlohmann::ordered_json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return invalid_input("invalid JSON");
  return from_json(json);
}

Result<std::string> to_jinja_json(const Value& value, int indent) {
  std::string out;
  BATON_TRY(write_json(out, value, indent, 0));
  return out;
}

}  // namespace baton::lang
