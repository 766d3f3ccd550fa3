#include "src/cache/reply_json.h"

#include <nlohmann/json.hpp>

namespace baton::cache {
namespace {

using Json = nlohmann::json;

}  // namespace

std::string reply_to_json(const providers::ModelReply& reply) {
  Json json = {{"text", reply.text},
               {"model", reply.model},
               {"finish_reason", reply.finish_reason},
               {"usage",
                {{"input_tokens", reply.usage.input_tokens},
                 {"output_tokens", reply.usage.output_tokens},
                 {"cached_input_tokens", reply.usage.cached_input_tokens}}}};
  return json.dump();
}

Result<providers::ModelReply> reply_from_json(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return invalid_input("a reply is not a JSON object");
  providers::ModelReply reply;
  for (auto [name, field] : {std::pair{"text", &reply.text}, std::pair{"model", &reply.model},
                             std::pair{"finish_reason", &reply.finish_reason}}) {
    auto found = json.find(name);
    if (found == json.end() || !found->is_string()) {
      return invalid_input(std::string("a reply's '") + name + "' is not a string");
    }
    *field = found->get<std::string>();
  }
  auto usage = json.find("usage");
  if (usage == json.end() || !usage->is_object()) {
    return invalid_input("a reply's 'usage' is not an object");
  }
  for (auto [name, field] : {std::pair{"input_tokens", &reply.usage.input_tokens},
                             std::pair{"output_tokens", &reply.usage.output_tokens},
                             std::pair{"cached_input_tokens", &reply.usage.cached_input_tokens}}) {
    auto found = usage->find(name);
    if (found == usage->end()) continue;  // counts the provider did not give are 0
    if (!found->is_number_integer()) {
      return invalid_input(std::string("a reply's 'usage.") + name + "' is not an integer");
    }
    *field = found->get<std::int64_t>();
  }
  return reply;
}

}  // namespace baton::cache
