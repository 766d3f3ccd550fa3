#include "src/cache/cassette_diff.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

namespace baton::cache {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kContext = 20;  // characters shown before the first difference
constexpr std::size_t kShown = 40;    // characters shown from there

struct Difference {
  std::string field;
  std::string detail;
};

std::string excerpt(const std::string& text, std::size_t from) {
  std::string shown = text.substr(from, kShown);
  return "'" + std::string(from > 0 ? "..." : "") + shown +
         (from + kShown < text.size() ? "..." : "") + "'";
}

std::string describe(const Json& recorded, const Json& now) {
  if (recorded.is_string() && now.is_string()) {
    const std::string& a = recorded.get_ref<const std::string&>();
    const std::string& b = now.get_ref<const std::string&>();
    std::size_t at = 0;
    while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
    std::size_t from = at > kContext ? at - kContext : 0;
    return "recorded " + excerpt(a, from) + ", now " + excerpt(b, from);
  }
  return "recorded " + recorded.dump() + ", now " + now.dump();
}

Json field(const Json& object, const char* name) {
  auto found = object.find(name);
  return found == object.end() ? Json(nullptr) : *found;
}

std::vector<Difference> differences(std::string_view recorded_text, std::string_view now_text) {
  const Json recorded = Json::parse(recorded_text, nullptr, /*allow_exceptions=*/false);
  const Json now = Json::parse(now_text, nullptr, /*allow_exceptions=*/false);
  std::vector<Difference> found;
  if (!recorded.is_object() || !now.is_object()) {
    found.push_back({"the request", "it cannot be read"});
    return found;
  }
  for (const char* name : {"model", "provider", "temperature", "max_tokens", "parameters"}) {
    Json a = field(recorded, name);
    Json b = field(now, name);
    if (a != b) found.push_back({name, describe(a, b)});
  }
  Json a = field(recorded, "messages");
  Json b = field(now, "messages");
  if (!a.is_array() || !b.is_array()) {
    if (a != b) found.push_back({"messages", describe(a, b)});
    return found;
  }
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    const std::string at = "messages[" + std::to_string(i) + "]";
    if (field(a[i], "role") != field(b[i], "role")) {
      found.push_back({at + ".role", describe(field(a[i], "role"), field(b[i], "role"))});
    } else if (field(a[i], "content") != field(b[i], "content")) {
      found.push_back({at + ".content", describe(field(a[i], "content"), field(b[i], "content"))});
    }
  }
  if (a.size() != b.size()) {
    found.push_back({"the number of messages",
                     "recorded " + std::to_string(a.size()) + ", now " + std::to_string(b.size())});
  }
  return found;
}

}  // namespace

std::string first_difference(std::string_view recorded, std::string_view now) {
  std::vector<Difference> found = differences(recorded, now);
  if (found.empty()) return "";
  return found.front().field + ": " + found.front().detail;
}

int difference_count(std::string_view recorded, std::string_view now) {
  return static_cast<int>(differences(recorded, now).size());
}

}  // namespace baton::cache
