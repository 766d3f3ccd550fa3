#include "src/providers/wire_json.h"

#include <cmath>
#include <utility>

#include <nlohmann/json.hpp>

#include "src/lang/template/value.h"
#include "src/lang/workflow.h"

namespace baton::providers {
namespace {

using Json = nlohmann::ordered_json;

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

}  // namespace

Result<std::string> parameters_json(const lang::Model& model,
                                    std::initializer_list<std::string_view> reserved) {
  Json object = Json::object();
  if (!model.parameters.is_dict()) return object.dump();
  for (const auto& [key, value] : model.parameters.as_dict().entries()) {
    for (std::string_view taken : reserved) {
      if (key == taken) {
        return invalid_input("models." + model.name + ".parameters may not set '" + key +
                             "': Baton sets it");
      }
    }
    BATON_ASSIGN_OR_RETURN(Json json,
                           to_json(value, "models." + model.name + ".parameters." + key));
    object[key] = std::move(json);
  }
  return object.dump();
}

std::string text_with_tool_calls(const std::optional<std::string>& content,
                                 const std::vector<ToolCall>& calls) {
  Json list = Json::array();
  for (const ToolCall& call : calls) {
    Json arguments = Json::parse(call.arguments, nullptr, /*allow_exceptions=*/false);
    if (arguments.is_discarded()) arguments = call.arguments;
    list.push_back(Json{{"id", call.id}, {"name", call.name}, {"arguments", std::move(arguments)}});
  }
  const Json text = {{"content", content ? Json(*content) : Json(nullptr)},
                     {"tool_calls", std::move(list)}};
  return text.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace baton::providers
