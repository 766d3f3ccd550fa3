// How an attempt answered by the response cache is kept in the journal (run_records.h).
#include <nlohmann/json.hpp>

#include "src/engine/run_records.h"

namespace baton::engine {
namespace {

using Json = nlohmann::json;

}  // namespace

std::string cached_response_json(std::string_view key, double saved_usd, std::int64_t input_tokens,
                                 std::int64_t output_tokens, const std::string& response_body) {
  Json body = Json::parse(response_body, nullptr, /*allow_exceptions=*/false);
  Json json = {{"cached",
                {{"key", std::string(key)},
                 {"saved_usd", saved_usd},
                 {"usage", {{"input_tokens", input_tokens}, {"output_tokens", output_tokens}}}}},
               {"response", body.is_discarded() ? Json(response_body) : std::move(body)}};
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void read_cached_attempt(AttemptInfo& attempt) {
  attempt.cached = true;
  Json json = Json::parse(attempt.response_json, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return;
  auto cached = json.find("cached");
  if (cached != json.end() && cached->is_object()) {
    auto saved = cached->find("saved_usd");
    if (saved != cached->end() && saved->is_number()) attempt.saved_usd = saved->get<double>();
  }
  auto response = json.find("response");
  if (response != json.end()) {
    attempt.response_json = response->is_string() ? response->get<std::string>() : response->dump();
  }
}

}  // namespace baton::engine
