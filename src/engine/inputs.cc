#include "src/engine/inputs.h"

#include <algorithm>

#include "src/lang/diagnostics.h"

namespace baton::engine {
namespace {

using lang::InputType;
using lang::Value;

Result<Value> parse_given(const lang::Input& input, const std::string& text) {
  if (input.type == InputType::kString) return Value(text);
  Result<Value> parsed = lang::value_from_json(text);
  if (!parsed || !lang::matches_input_type(*parsed, input.type)) {
    return invalid_input("input '" + input.name + "' must be " +
                         std::string(lang::input_type_name(input.type)) + ", got '" + text + "'");
  }
  return parsed;
}

}  // namespace

Result<Value> resolve_inputs(const lang::Workflow& workflow,
                             const std::vector<std::pair<std::string, std::string>>& given) {
  std::vector<std::string> problems;
  std::vector<std::string> declared;
  for (const lang::Input& input : workflow.inputs) declared.push_back(input.name);

  lang::ValueDict values;
  for (const auto& [name, text] : given) {
    const lang::Input* input = workflow.find_input(name);
    if (input == nullptr) {
      problems.push_back("unknown input '" + name + "'" + lang::did_you_mean(name, declared));
      continue;
    }
    Result<Value> value = parse_given(*input, text);
    if (!value) {
      problems.push_back(value.error().message());
      continue;
    }
    values.set(name, std::move(*value));
  }
  for (const lang::Input& input : workflow.inputs) {
    if (values.find(input.name) != nullptr) continue;
    if (input.default_value) {
      values.set(input.name, *input.default_value);
    } else if (!input.required) {
      values.set(input.name, Value::none());
    } else {
      problems.push_back("input '" + input.name + "' (" +
                         std::string(lang::input_type_name(input.type)) + ") is required");
    }
  }
  if (problems.empty()) return Value(std::move(values));
  std::string message = workflow.file + ": ";
  for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  return invalid_input(std::move(message));
}

}  // namespace baton::engine
