#include "src/engine/value_json.h"

#include <nlohmann/json.hpp>

namespace baton::engine {
namespace {

nlohmann::ordered_json to_json(const lang::Value& value) {
  using lang::Value;
  switch (value.kind()) {
    case Value::Kind::kBool:
      return value.as_bool();
    case Value::Kind::kInt:
      return value.as_int();
    case Value::Kind::kFloat:
      return value.as_float();
    case Value::Kind::kString:
      return value.as_string();
    case Value::Kind::kList: {
      auto array = nlohmann::ordered_json::array();
      for (const Value& item : value.as_list()) array.push_back(to_json(item));
      return array;
    }
    case Value::Kind::kDict: {
      auto object = nlohmann::ordered_json::object();
      for (const auto& [key, item] : value.as_dict().entries()) object[key] = to_json(item);
      return object;
    }
    default:
      return nullptr;
  }
}

}  // namespace

std::string to_json_text(const lang::Value& value) {
  return to_json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_string(std::string_view text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace baton::engine
