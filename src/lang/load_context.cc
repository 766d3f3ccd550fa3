#include "src/lang/load_context.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

namespace baton::lang {
namespace {

std::string_view kind_name(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "nothing";
    case YamlNode::Kind::kScalar:
      return node.is_plain_scalar() ? "a scalar" : "a string";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMapping:
      return "a mapping";
  }
  return "?";
}

// Whether the key of entries[index] is a scalar key already seen before it.
bool repeats_earlier_key(const std::vector<YamlEntry>& entries, std::size_t index) {
  const YamlNode& key = entries[index].first;
  for (std::size_t i = 0; i < index; ++i) {
    if (entries[i].first.is_scalar() && entries[i].first.value == key.value) return true;
  }
  return false;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_float(std::string_view text) {
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf") return INFINITY;
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") return -INFINITY;
  if (text.empty() || text.find_first_not_of("0123456789+-.eE") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return value;
}

}  // namespace

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

bool is_reserved_name(std::string_view name) {
  static constexpr std::array<std::string_view, 26> kReserved = {
      "inputs", "loop",  "item", "range",  "dict",   "namespace", "true",   "false",  "none",
      "True",   "False", "None", "and",    "or",     "not",       "in",     "is",     "if",
      "else",   "for",   "self", "caller", "cycler", "joiner",    "lipsum", "varargs"};
  return std::find(kReserved.begin(), kReserved.end(), name) != kReserved.end();
}

std::optional<Milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (auto seconds = parse_float(text); seconds && *seconds >= 0 && std::isfinite(*seconds)) {
    return Milliseconds(static_cast<std::int64_t>(std::llround(*seconds * 1000)));
  }
  std::int64_t total = 0;
  std::size_t i = 0;
  int last_rank = 4;  // units must go from larger to smaller: h, m, s, ms
  while (i < text.size()) {
    std::size_t digits = i;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == i) return std::nullopt;
    auto amount = parse_int(text.substr(i, digits - i));
    if (!amount) return std::nullopt;
    i = digits;
    std::int64_t unit = 0;
    int rank = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 1, rank = 0, i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit = 1000, rank = 1, ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit = 60'000, rank = 2, ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit = 3'600'000, rank = 3, ++i;
    } else {
      return std::nullopt;
    }
    if (rank >= last_rank) return std::nullopt;
    last_rank = rank;
    total += *amount * unit;
  }
  return Milliseconds(total);
}

Value plain_scalar_value(const YamlNode& node) {
  if (node.is_null()) return Value::none();
  if (!node.is_plain_scalar()) return Value(node.value);
  const std::string& text = node.value;
  if (text == "true" || text == "True" || text == "TRUE") return Value(true);
  if (text == "false" || text == "False" || text == "FALSE") return Value(false);
  if (auto integer = parse_int(text)) return Value(*integer);
  if (auto real = parse_float(text)) return Value(*real);
  return Value(text);
}

LoadContext::LoadContext(std::string_view source, std::string display_name)
    : source_(source), file_(std::move(display_name)) {}

std::pair<int, int> LoadContext::locate(const YamlNode& node, int line, int column) {
  if (!positions_) positions_.emplace(source_);
  return positions_->locate(node, line, column);
}

void LoadContext::error(const YamlNode& node, std::string message) {
  error_at(node.line, node.column, std::move(message));
}

void LoadContext::error_at(int line, int column, std::string message) {
  diagnostics_.push_back({SourceSpan{file_, line, column}, std::move(message)});
}

std::vector<Diagnostic> LoadContext::take_diagnostics() {
  std::stable_sort(
      diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::pair(a.span.line, a.span.column) < std::pair(b.span.line, b.span.column);
      });
  return std::move(diagnostics_);
}

const YamlNode* LoadContext::find(const YamlNode& mapping, std::string_view key) {
  for (const auto& [name, value] : mapping.entries) {
    if (name.is_scalar() && name.value == key) return &value;
  }
  return nullptr;
}

bool LoadContext::check_names(const YamlNode& node, std::string_view what) {
  if (!node.is_mapping()) {
    error(node, fmt::format("{} must be a mapping, not {}", what, kind_name(node)));
    return false;
  }
  // Most mappings have a handful of keys: comparing with the earlier ones is cheaper than
  // building a hash set.
  constexpr std::size_t kLinearScanLimit = 16;
  const bool small = node.entries.size() <= kLinearScanLimit;
  std::unordered_set<std::string_view> seen;
  if (!small) seen.reserve(node.entries.size());
  for (std::size_t i = 0; i < node.entries.size(); ++i) {
    const YamlNode& key = node.entries[i].first;
    if (!key.is_scalar()) {
      error(key, fmt::format("a key in {} must be a string", what));
      continue;
    }
    const bool duplicate =
        small ? repeats_earlier_key(node.entries, i) : !seen.insert(key.value).second;
    if (duplicate) error(key, fmt::format("duplicate key '{}' in {}", key.value, what));
  }
  return true;
}

bool LoadContext::check_mapping(const YamlNode& node, std::string_view what,
                                const std::vector<std::string>& allowed) {
  if (!check_names(node, what)) return false;
  for (const auto& [key, value] : node.entries) {
    if (!key.is_scalar()) continue;
    if (std::find(allowed.begin(), allowed.end(), key.value) == allowed.end()) {
      error(key, fmt::format("unknown key '{}' in {}{}", key.value, what,
                             did_you_mean(key.value, allowed)));
    }
  }
  return true;
}

std::optional<std::string> LoadContext::string(const YamlNode& node, std::string_view what) {
  if (!node.is_scalar()) {
    error(node, fmt::format("{} must be a string, not {}", what, kind_name(node)));
    return std::nullopt;
  }
  return node.value;
}

std::optional<double> LoadContext::number(const YamlNode& node, std::string_view what) {
  Value value = plain_scalar_value(node);
  if (!value.is_number()) {
    error(node, fmt::format("{} must be a number", what));
    return std::nullopt;
  }
  return value.is_int() ? static_cast<double>(value.as_int()) : value.as_float();
}

std::optional<std::int64_t> LoadContext::integer(const YamlNode& node, std::string_view what) {
  Value value = plain_scalar_value(node);
  if (!value.is_int()) {
    error(node, fmt::format("{} must be an integer", what));
    return std::nullopt;
  }
  return value.as_int();
}

std::optional<bool> LoadContext::boolean(const YamlNode& node, std::string_view what) {
  Value value = plain_scalar_value(node);
  if (!value.is_bool()) {
    error(node, fmt::format("{} must be true or false", what));
    return std::nullopt;
  }
  return value.as_bool();
}

std::optional<Milliseconds> LoadContext::duration(const YamlNode& node, std::string_view what) {
  std::optional<Milliseconds> value;
  if (node.is_scalar()) value = parse_duration(node.value);
  if (!value) {
    error(node, fmt::format("{} must be a duration such as \"500ms\", \"30s\", \"5m\", "
                            "\"1h30m\" or a number of seconds",
                            what));
  }
  return value;
}

std::optional<int> LoadContext::repair_count(const YamlNode& node, std::string_view what) {
  auto count = integer(node, what);
  if (!count) return std::nullopt;
  if (*count < 0 || *count > kMaxRepairs) {
    error(node, fmt::format("{} must be an integer from 0 to {} (how many times a rejected "
                            "answer is sent back to the model)",
                            what, kMaxRepairs));
    return std::nullopt;
  }
  return static_cast<int>(*count);
}

std::optional<RetryPolicy> LoadContext::retry(const YamlNode& node, std::string_view what) {
  RetryPolicy policy;
  if (node.is_scalar()) {
    auto attempts = integer(node, what);
    if (!attempts) return std::nullopt;
    if (*attempts < 1) {
      error(node, fmt::format("{} must be an integer >= 1 (the number of attempts)", what));
      return std::nullopt;
    }
    policy.attempts = static_cast<int>(std::min<std::int64_t>(*attempts, 1'000'000));
    return policy;
  }
  if (!node.is_mapping()) {
    error(node, fmt::format("{} must be a number of attempts or a mapping with attempts, "
                            "backoff and max_backoff",
                            what));
    return std::nullopt;
  }
  if (!check_mapping(node, what, {"attempts", "backoff", "max_backoff"})) return std::nullopt;
  bool ok = true;
  if (const YamlNode* attempts = find(node, "attempts")) {
    auto value = integer(*attempts, fmt::format("{}.attempts", what));
    if (value && *value < 1) {
      error(*attempts, fmt::format("{}.attempts must be an integer >= 1", what));
      value.reset();
    }
    if (value) policy.attempts = static_cast<int>(std::min<std::int64_t>(*value, 1'000'000));
    ok = ok && value.has_value();
  }
  if (const YamlNode* backoff = find(node, "backoff")) {
    auto value = duration(*backoff, fmt::format("{}.backoff", what));
    if (value) policy.backoff = *value;
    ok = ok && value.has_value();
  }
  if (const YamlNode* max_backoff = find(node, "max_backoff")) {
    auto value = duration(*max_backoff, fmt::format("{}.max_backoff", what));
    if (value) policy.max_backoff = *value;
    ok = ok && value.has_value();
  }
  if (!ok) return std::nullopt;
  return policy;
}

std::optional<std::vector<std::string>> LoadContext::string_list(const YamlNode& node,
                                                                 std::string_view what) {
  if (!node.is_sequence()) {
    error(node, fmt::format("{} must be a list, not {}", what, kind_name(node)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const YamlNode& item : node.items) {
    auto text = string(item, fmt::format("an item of {}", what));
    if (text) out.push_back(*text);
    ok = ok && text.has_value();
  }
  if (!ok) return std::nullopt;
  return out;
}

std::string FieldName::str() const {
  if (parent_ == nullptr) return std::string(name_);
  if (index_) return fmt::format("{}[{}]", parent_->str(), *index_);
  return fmt::format("{}.{}", parent_->str(), name_);
}

std::optional<LocatedTemplate> LoadContext::template_text(const YamlNode& node,
                                                          const FieldName& what) {
  if (!node.is_scalar()) {
    error(node,
          fmt::format("{} must be a string (a template), not {}", what.str(), kind_name(node)));
    return std::nullopt;
  }
  auto parsed = Template::parse(node.value);
  if (!parsed) {
    const Error& failure = parsed.error();
    auto [line, column] = failure.span() && failure.span()->is_known()
                              ? locate(node, failure.span()->line, failure.span()->column)
                              : std::pair<int, int>{node.line, node.column};
    error_at(line, column, fmt::format("template error in {}: {}", what.str(), failure.message()));
    return std::nullopt;
  }
  return LocatedTemplate{std::move(parsed).value(), span_of(node)};
}

std::optional<DataTemplate> LoadContext::data_template(const YamlNode& node,
                                                       const FieldName& what) {
  DataTemplate out;
  out.span = span_of(node);
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return out;
    case YamlNode::Kind::kScalar: {
      // Only a plain scalar can be a constant; a quoted or block scalar is a string.
      if (node.is_plain_scalar()) {
        Value value = plain_scalar_value(node);
        if (!value.is_string()) {
          out.constant = std::move(value);
          return out;
        }
      }
      auto text = template_text(node, what);
      if (!text) return std::nullopt;
      out.kind = DataTemplate::Kind::kTemplate;
      out.text = std::move(text);
      return out;
    }
    case YamlNode::Kind::kSequence: {
      out.kind = DataTemplate::Kind::kList;
      out.items.reserve(node.items.size());
      bool ok = true;
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        auto value = data_template(node.items[i], FieldName(what, i));
        if (value) out.items.push_back(std::move(*value));
        ok = ok && value.has_value();
      }
      if (!ok) return std::nullopt;
      return out;
    }
    case YamlNode::Kind::kMapping: {
      out.kind = DataTemplate::Kind::kMapping;
      if (!check_names(node, what.str())) return std::nullopt;
      out.fields.reserve(node.entries.size());
      bool ok = true;
      for (const auto& [key, item] : node.entries) {
        auto value = data_template(item, FieldName(what, key.value));
        if (value && key.is_scalar()) out.fields.push_back(DataField{key.value, std::move(*value)});
        ok = ok && value.has_value();
      }
      if (!ok) return std::nullopt;
      return out;
    }
  }
  return std::nullopt;
}

Value LoadContext::data(const YamlNode& node) const {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return Value::none();
    case YamlNode::Kind::kScalar:
      return plain_scalar_value(node);
    case YamlNode::Kind::kSequence: {
      ValueList items;
      for (const YamlNode& item : node.items) items.push_back(data(item));
      return Value(std::move(items));
    }
    case YamlNode::Kind::kMapping: {
      ValueDict fields;
      for (const auto& [key, item] : node.entries) fields.set(key.value, data(item));
      return Value(std::move(fields));
    }
  }
  return Value::none();
}

}  // namespace baton::lang
