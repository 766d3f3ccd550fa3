#include "src/contracts/violation_message.h"

#include <array>

namespace baton::contracts {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "10.000000" -> "10", "0.500000" -> "0.5": valijson prints limits with std::to_string(double).
std::string tidy_numbers(std::string_view text) {
  std::string tidy;
  std::size_t index = 0;
  while (index < text.size()) {
    if (!is_digit(text[index])) {
      tidy += text[index++];
      continue;
    }
    std::size_t end = index;
    while (end < text.size() && is_digit(text[end])) ++end;
    if (end + 1 < text.size() && text[end] == '.' && is_digit(text[end + 1])) {
      std::size_t fraction_end = end + 1;
      while (fraction_end < text.size() && is_digit(text[fraction_end])) ++fraction_end;
      std::size_t kept = fraction_end;
      while (kept > end + 1 && text[kept - 1] == '0') --kept;
      if (kept == end + 1) kept = end;  // nothing left after the point: drop the point too
      tidy += text.substr(index, kept - index);
      index = fraction_end;
    } else {
      tidy += text.substr(index, end - index);
      index = end;
    }
  }
  return tidy;
}

// What follows `prefix` in `text`, without a trailing period and with numbers tidied.
std::string after(std::string_view text, std::string_view prefix) {
  std::string_view rest = text.substr(prefix.size());
  if (rest.ends_with('.') && !rest.ends_with("..")) rest.remove_suffix(1);
  return tidy_numbers(rest);
}

// The first number in `text`, tidied: "Array should contain no more than 3 elements." -> "3".
std::string first_number(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size() && !is_digit(text[begin])) ++begin;
  std::size_t end = begin;
  while (end < text.size() && (is_digit(text[end]) || text[end] == '.')) ++end;
  while (end > begin && text[end - 1] == '.') --end;
  return tidy_numbers(text.substr(begin, end - begin));
}

// The text between the first and the last single quote: "Missing dependency 'a'." -> "a".
std::string quoted_name(std::string_view text) {
  const std::size_t first = text.find('\'');
  const std::size_t last = text.rfind('\'');
  if (first == std::string_view::npos || last <= first) return std::string(text);
  return std::string(text.substr(first + 1, last - first - 1));
}

std::string with_article(std::string_view type) {
  if (type == "null") return "null";
  if (type == "integer" || type == "object" || type == "array" || type == "any") {
    return "an " + std::string(type);
  }
  return "a " + std::string(type);
}

// "a string", "a string or null", "an object, an array or null".
std::string either(const std::vector<std::string>& types) {
  std::string text;
  for (std::size_t index = 0; index < types.size(); ++index) {
    if (index > 0) text += index + 1 == types.size() ? " or " : ", ";
    text += with_article(types[index]);
  }
  return text;
}

std::string json_quoted(std::string_view name) {
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// "3 items", "1 item", "2 properties".
std::string count_of(const std::string& number, std::string_view noun) {
  std::string text = number + " " + std::string(noun);
  if (number == "1") return text;
  if (noun.ends_with('y')) return text.substr(0, text.size() - 1) + "ies";
  return text + "s";
}

// Wrappers about the place valijson reports them at; the member or item ones follow in
// reword_violation.
constexpr std::array<std::string_view, 4> kWrappers = {
    "Failed to validate against additional properties schema",
    "Failed to validate against schema associated with pattern ",
    "Failed to validate against child schema #",
    "Failed to validate against dependent schema",
};

}  // namespace

ViolationMessage reword_violation(std::string_view text, const ViolationHint& hint) {
  if (text.starts_with("Failed to validate against a conditional schema")) {
    return {"does not match the then or else schema that its if selects", true};
  }
  // A wrapper stays only when nothing more precise was reported below it: a `false` schema, or
  // a propertyNames failure, which valijson does not describe.
  if (text.starts_with("Failed to validate item #")) {
    // "#N in array." and "#N against additional items schema." are reported at the array;
    // "#N against corresponding item schema." at the item already.
    if (text.ends_with("corresponding item schema.")) return {"does not match the schema", true};
    return {"does not match the schema", true, first_number(text)};
  }
  if (text.starts_with("Failed to validate against schema associated with property name ")) {
    return {"does not match the schema", true, quoted_name(text)};
  }
  for (const std::string_view wrapper : kWrappers) {
    if (text.starts_with(wrapper)) return {"does not match the schema", true};
  }
  if (text.starts_with("Array contains more items than allowed by items")) {
    // Followed by "Cannot validate item #N or greater", which says how many.
    return {"has more items than the schema allows", true};
  }
  const auto starts = [&](std::string_view prefix) { return text.starts_with(prefix); };
  if (starts("Value type not permitted by 'type' constraint")) {
    if (!hint.expected_types.empty()) return {"must be " + either(hint.expected_types)};
    if (!hint.actual_type.empty()) {
      return {"is " + with_article(hint.actual_type) + ", a type the schema does not allow"};
    }
    return {"has a type the schema does not allow"};
  }
  if (starts("Missing required property ")) {
    return {"is missing the required property " + json_quoted(quoted_name(text))};
  }
  if (starts("Missing dependency ")) {
    return {"is missing the property " + json_quoted(quoted_name(text)) +
            ", which another property requires (dependencies)"};
  }
  if (starts("Object contains a property that could not be validated")) {
    return {"has the property " + json_quoted(quoted_name(text.substr(text.find(':')))) +
            ", which the schema does not allow"};
  }
  if (starts("Failed to match against any enum values")) {
    if (!hint.allowed_values.empty()) return {"must be one of " + hint.allowed_values};
    return {"must be one of the values the schema's enum lists"};
  }
  if (starts("Failed to match expected value set by 'const' constraint")) {
    if (!hint.allowed_values.empty()) return {"must be " + hint.allowed_values};
    return {"must equal the schema's const value"};
  }
  if (starts("Target value and comparison value are not equal")) {
    return {"does not equal the value the schema expects"};
  }
  if (starts("Failed to validate against any schemas allowed by anyOf")) {
    return {"must match at least one of the schemas in anyOf"};
  }
  if (starts("Failed to validate against any child schemas allowed by oneOf")) {
    return {"must match exactly one of the schemas in oneOf, but matches none"};
  }
  if (starts("Failed to validate against exactly one child schema")) {
    return {"must match exactly one of the schemas in oneOf, but matches several"};
  }
  if (starts("Target should not validate against schema specified in 'not'")) {
    return {"must not match the schema in not"};
  }
  if (starts("Failed to any values against subschema in 'contains'")) {
    return {"must contain an item that matches the schema in contains"};
  }
  if (starts("String should be a valid date-time")) {
    return {"must be a date-time as in RFC 3339 (2024-05-01T12:00:00Z)"};
  }
  if (starts("String should be a valid date")) return {"must be a date (YYYY-MM-DD)"};
  if (starts("String should be a valid time")) {
    return {"must be a time with a time zone (12:00:00Z)"};
  }
  if (starts("Failed to match regex specified by 'pattern'")) {
    return {"must match the schema's pattern"};
  }
  if (starts("Cannot validate item #")) {
    return {"must have at most " + count_of(first_number(text), "item")};
  }
  if (starts("Expected number less than or equal to ")) {
    return {"must be at most " + after(text, "Expected number less than or equal to ")};
  }
  if (starts("Expected number less than ")) {
    return {"must be less than " + after(text, "Expected number less than ")};
  }
  if (starts("Expected number greater than or equal to ")) {
    return {"must be at least " + after(text, "Expected number greater than or equal to ")};
  }
  if (starts("Expected number greater than ")) {
    return {"must be greater than " + after(text, "Expected number greater than ")};
  }
  if (starts("Array should contain no more than ")) {
    return {"must have at most " + count_of(first_number(text), "item")};
  }
  if (starts("Array should contain no fewer than ")) {
    return {"must have at least " + count_of(first_number(text), "item")};
  }
  if (starts("String should be no more than ")) {
    return {"must be at most " + count_of(first_number(text), "character") + " long"};
  }
  if (starts("String should be no fewer than ")) {
    return {"must be at least " + count_of(first_number(text), "character") + " long"};
  }
  if (starts("Object should have no more than ")) {
    return {"must have at most " + count_of(first_number(text), "property")};
  }
  if (starts("Object should have no fewer than ")) {
    return {"must have at least " + count_of(first_number(text), "property")};
  }
  if (starts("Value should be a multiple of ")) {
    return {"must be a multiple of " + after(text, "Value should be a multiple of ")};
  }
  if (starts("Value could not be converted")) {
    const std::size_t of = text.rfind("multiple of ");
    if (of != std::string_view::npos) {
      return {"must be a multiple of " + after(text, text.substr(0, of + 12))};
    }
    return {"must be a multiple of the schema's multipleOf"};
  }
  if (starts("Elements at indexes #")) {
    const std::size_t second = text.find('#', text.find('#') + 1);
    return {"must have unique items, but items " + first_number(text) + " and " +
            first_number(text.substr(second)) + " are equal"};
  }
  return {std::string(text)};
}

}  // namespace baton::contracts
