#include "src/engine/price_table.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <yaml-cpp/yaml.h>

namespace baton::engine {

extern const char* const kBuiltinPrices;  // builtin_prices.cc, generated from data/prices.yaml

namespace {

std::string where(const std::string& origin, const YAML::Mark& mark) {
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Result<double> price_field(const YAML::Node& entry, const char* field, const std::string& origin,
                           const std::string& model, bool required) {
  const YAML::Node value = entry[field];
  if (!value) {
    if (!required) return 0.0;
    return invalid_input(where(origin, entry.Mark()) + ": the price of '" + model + "' has no '" +
                         field + "' (USD per million tokens)");
  }
  double number = 0;
  if (!value.IsScalar() || !YAML::convert<double>::decode(value, number) || number < 0) {
    return invalid_input(where(origin, value.Mark()) + ": '" + field + "' of '" + model +
                         "' must be a number of USD per million tokens, at least 0");
  }
  return number;
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return invalid_input("cannot read the prices file " + path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<std::string> user_prices_path(const EnvLookup& environment) {
  if (auto dir = environment("XDG_CONFIG_HOME"); dir && !dir->empty()) {
    return *dir + "/baton/prices.yaml";
  }
  if (auto home = environment("HOME"); home && !home->empty()) {
    return *home + "/.config/baton/prices.yaml";
  }
  return std::nullopt;
}

}  // namespace

Result<PriceTable> PriceTable::parse(std::string_view text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    return invalid_input(where(origin, error.mark) + ": " + error.msg);
  }
  const YAML::Node models = root["models"];
  if (!root.IsMap() || !models || !models.IsMap()) {
    return invalid_input(origin +
                         ": expected a mapping `models:` from model name to "
                         "{input, output, cached_input, cache_write} (USD per million tokens)");
  }
  PriceTable table;
  for (const auto& entry : models) {
    const std::string model = entry.first.as<std::string>();
    if (!entry.second.IsMap()) {
      return invalid_input(where(origin, entry.second.Mark()) + ": the price of '" + model +
                           "' must be a mapping {input, output, cached_input}");
    }
    lang::Price price;
    BATON_ASSIGN_OR_RETURN(price.input, price_field(entry.second, "input", origin, model, true));
    BATON_ASSIGN_OR_RETURN(price.output, price_field(entry.second, "output", origin, model, true));
    BATON_ASSIGN_OR_RETURN(price.cached_input,
                           price_field(entry.second, "cached_input", origin, model, false));
    // Without a cached price, cached tokens cost what other input tokens cost.
    if (!entry.second["cached_input"]) price.cached_input = price.input;
    if (entry.second["cache_write"]) {
      BATON_ASSIGN_OR_RETURN(price.cache_write,
                             price_field(entry.second, "cache_write", origin, model, false));
    }
    table.prices_[model] = price;
  }
  return table;
}

const PriceTable& PriceTable::builtin() {
  static const PriceTable table = [] {
    Result<PriceTable> parsed = parse(kBuiltinPrices, "data/prices.yaml");
    return parsed ? std::move(*parsed) : PriceTable();  // a unit test keeps it parsing
  }();
  return table;
}

void PriceTable::merge(const PriceTable& over) {
  for (const auto& [model, price] : over.prices_) prices_[model] = price;
}

std::optional<lang::Price> PriceTable::find_exact_or_snapshot(std::string_view model) const {
  if (auto found = prices_.find(model); found != prices_.end()) return found->second;
  // A dated snapshot: the longest entry followed by '-' that begins the name.
  std::optional<lang::Price> best;
  std::size_t best_length = 0;
  for (std::size_t dash = model.find('-'); dash != std::string_view::npos;
       dash = model.find('-', dash + 1)) {
    auto found = prices_.find(model.substr(0, dash));
    if (found != prices_.end() && dash > best_length) {
      best = found->second;
      best_length = dash;
    }
  }
  return best;
}

std::optional<lang::Price> PriceTable::find(std::string_view model) const {
  if (auto price = find_exact_or_snapshot(model)) return price;
  std::string_view bare = model;
  if (const std::size_t slash = bare.rfind('/'); slash != std::string_view::npos) {
    bare = bare.substr(slash + 1);
  }
  if (const std::size_t colon = bare.find(':'); colon != std::string_view::npos) {
    bare = bare.substr(0, colon);
  }
  if (bare == model) return std::nullopt;
  return find_exact_or_snapshot(bare);
}

Result<PriceTable> load_price_table(const EnvLookup& environment) {
  PriceTable table = PriceTable::builtin();
  std::optional<std::string> path = environment("BATON_PRICES");
  const bool named = path && !path->empty();
  if (!named) path = user_prices_path(environment);
  if (!path) return table;
  std::error_code ignored;
  if (!named && !std::filesystem::exists(*path, ignored)) return table;
  BATON_ASSIGN_OR_RETURN(std::string text, read_text(*path));
  BATON_ASSIGN_OR_RETURN(PriceTable user, PriceTable::parse(text, *path));
  table.merge(user);
  return table;
}

void fill_prices(lang::Workflow& workflow, const PriceTable& table) {
  for (lang::Model& model : workflow.models) {
    if (!model.price) model.price = table.find(model.model);
  }
}

}  // namespace baton::engine
