#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/lang/workflow.h"

namespace baton::engine {

// Model prices by model name, USD per million tokens.
class PriceTable {
 public:
  // `text` is a prices file: a `models:` mapping from model name to {input, output,
  // cached_input}. Errors name `origin`:line:column.
  static Result<PriceTable> parse(std::string_view text, const std::string& origin);
  // The table shipped with Baton (data/prices.yaml, built in).
  static const PriceTable& builtin();

  // Entries of `over` replace this table's.
  void merge(const PriceTable& over);
  // The price of `model`: its own entry, else the entry of the name without a "vendor/" prefix
  // or a ":tag" suffix, else that of the longest entry it is a dated snapshot of
  // ("gpt-4o-2024-08-06" is "gpt-4o").
  std::optional<lang::Price> find(std::string_view model) const;
  std::size_t size() const { return prices_.size(); }

 private:
  std::optional<lang::Price> find_exact_or_snapshot(std::string_view model) const;

  std::map<std::string, lang::Price, std::less<>> prices_;
};

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The built-in table with the user's prices file on top: $BATON_PRICES, else
// $XDG_CONFIG_HOME/baton/prices.yaml, else $HOME/.config/baton/prices.yaml, when it exists.
// A file named by BATON_PRICES must exist.
Result<PriceTable> load_price_table(const EnvLookup& environment);

// Gives every model of `workflow` that declares no `price:` the table's price, when known.
void fill_prices(lang::Workflow& workflow, const PriceTable& table);

}  // namespace baton::engine
