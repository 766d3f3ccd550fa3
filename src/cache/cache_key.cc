#include "src/cache/cache_key.h"

#include <nlohmann/json.hpp>

#include "src/cache/sha256.h"
#include "src/lang/workflow.h"

namespace baton::cache {
namespace {

using Json = nlohmann::json;

// Bumped when the material changes shape, so that old entries stop matching instead of
// matching wrongly.
constexpr int kKeyVersion = 1;

// nlohmann's default object is a std::map: keys come out sorted, whatever order the file
// gave them in, so that reordering `parameters` keeps the key.
Json to_json(const lang::Value& value) {
  if (value.is_bool()) return value.as_bool();
  if (value.is_int()) return value.as_int();
  if (value.is_float()) return value.as_float();
  if (value.is_string()) return value.as_string();
  if (value.is_list()) {
    Json list = Json::array();
    for (const lang::Value& item : value.as_list()) list.push_back(to_json(item));
    return list;
  }
  if (value.is_dict()) {
    Json object = Json::object();
    for (const auto& [key, item] : value.as_dict().entries()) object[key] = to_json(item);
    return object;
  }
  return nullptr;
}

}  // namespace

std::string key_material(const providers::ModelCall& call,
                         std::optional<std::string_view> base_url) {
  const lang::Model& model = *call.model;
  Json material = Json::object();
  material["v"] = kKeyVersion;
  material["provider"] = lang::provider_name(model.provider);
  if (base_url) material["base_url"] = *base_url;
  material["model"] = model.model;
  Json messages = Json::array();
  for (const providers::ChatMessage& message : call.messages) {
    messages.push_back(Json{{"role", message.role}, {"content", message.content}});
  }
  material["messages"] = std::move(messages);
  material["temperature"] = model.temperature ? Json(*model.temperature) : Json(nullptr);
  material["max_tokens"] = model.max_tokens ? Json(*model.max_tokens) : Json(nullptr);
  material["parameters"] = to_json(model.parameters);
  return material.dump();
}

std::string content_key(std::string_view material) { return sha256_hex(material); }

bool wants_cache(const providers::ModelCall& call) {
  if (call.cache) return *call.cache;
  const lang::Model& model = *call.model;
  if (model.cache) return *model.cache;
  if (model.temperature && *model.temperature == 0) return true;
  return model.parameters.is_dict() && model.parameters.as_dict().find("seed") != nullptr;
}

}  // namespace baton::cache
