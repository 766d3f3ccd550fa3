#include "src/lang/loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "src/lang/load_context.h"
#include "src/lang/sections.h"
#include "src/lang/yaml_tree.h"

namespace baton::lang {
namespace {

const std::vector<std::string> kTopLevelKeys = {"name",     "description", "inputs", "models",
                                                "defaults", "budget",      "steps",  "outputs"};

// Pass one over steps: ids and kinds, so that templates may name any step, before or after.
void declare_steps(LoadContext& context, const YamlNode& steps, Scope& scope) {
  scope.steps.reserve(steps.entries.size());
  scope.step_ids.reserve(steps.entries.size());
  for (const auto& [key, value] : steps.entries) {
    if (!key.is_scalar()) continue;
    if (!is_identifier(key.value)) {
      context.error(key, fmt::format("step id '{}' is not an identifier (letters, digits and "
                                     "'_', not starting with a digit)",
                                     key.value));
      continue;
    }
    if (is_reserved_name(key.value)) {
      context.error(key, fmt::format("step id '{}' is reserved: it means something else in "
                                     "templates",
                                     key.value));
      continue;
    }
    if (scope.steps.contains(key.value)) continue;  // a duplicate, already reported
    Scope::StepInfo info;
    info.index = scope.step_ids.size();
    info.valid = false;
    if (value.is_mapping()) {
      int kinds = 0;
      for (const auto& [field, ignored] : value.entries) {
        const std::string& name = field.value;
        std::optional<StepKind> kind;
        if (name == "prompt" || name == "messages") kind = StepKind::kPrompt;
        if (name == "run") kind = StepKind::kRun;
        if (name == "human") kind = StepKind::kHuman;
        if (name == "value") kind = StepKind::kValue;
        if (name == "call") kind = StepKind::kCall;
        if (name == "for_each") info.loops = true;
        if (kind && (kinds == 0 || info.kind != *kind)) {
          ++kinds;
          info.kind = *kind;
        }
      }
      info.valid = kinds == 1;
    }
    scope.steps.emplace(key.value, info);
    scope.step_ids.push_back(key.value);
  }
}

}  // namespace

LoadResult load_workflow(std::string_view text, std::string display_name) {
  LoadContext context(text, display_name);
  LoadResult result;
  auto parsed = parse_yaml(text);
  if (!parsed) {
    const Error& error = parsed.error();
    SourceSpan span{display_name, 1, 1};
    if (error.span()) span = {display_name, error.span()->line, error.span()->column};
    result.diagnostics.push_back({span, fmt::format("invalid YAML: {}", error.message())});
    return result;
  }
  const YamlNode& root = *parsed;
  Workflow workflow;
  workflow.file = display_name;
  if (!root.is_mapping()) {
    context.error_at(root.is_null() ? 1 : root.line, root.is_null() ? 1 : root.column,
                     "a workflow file must be a mapping with at least 'name' and 'steps'");
    result.diagnostics = context.take_diagnostics();
    return result;
  }
  context.check_mapping(root, "the workflow", kTopLevelKeys);

  if (const YamlNode* name = LoadContext::find(root, "name")) {
    if (auto value = context.string(*name, "name")) {
      if (value->empty()) context.error(*name, "name must not be empty");
      workflow.name = *value;
    }
  } else {
    context.error_at(1, 1, "the workflow has no 'name'");
  }
  if (const YamlNode* description = LoadContext::find(root, "description")) {
    if (auto value = context.string(*description, "description")) workflow.description = *value;
  }
  if (const YamlNode* inputs = LoadContext::find(root, "inputs")) {
    parse_inputs(context, *inputs, workflow);
  }
  if (const YamlNode* models = LoadContext::find(root, "models")) {
    parse_models(context, *models, workflow);
  }
  if (const YamlNode* defaults = LoadContext::find(root, "defaults")) {
    parse_defaults(context, *defaults, workflow);
  }
  if (const YamlNode* budget = LoadContext::find(root, "budget")) {
    parse_budget(context, *budget, workflow);
  }

  Scope scope;
  scope.workflow = &workflow;
  for (const Input& input : workflow.inputs) scope.input_names.push_back(input.name);
  const YamlNode* steps = LoadContext::find(root, "steps");
  if (steps == nullptr) {
    context.error_at(1, 1, "the workflow has no 'steps'");
  } else if (steps->is_null() || (steps->is_mapping() && steps->entries.empty())) {
    context.error(steps->is_null() ? root.entries.front().first : *steps,
                  "steps is empty: a workflow needs at least one step");
  } else if (context.check_names(*steps, "steps")) {
    declare_steps(context, *steps, scope);
    parse_steps(context, *steps, scope, workflow);
  }
  if (const YamlNode* outputs = LoadContext::find(root, "outputs")) {
    parse_outputs(context, *outputs, scope, workflow);
  }

  result.diagnostics = context.take_diagnostics();
  if (result.diagnostics.empty()) result.workflow = std::move(workflow);
  return result;
}

Result<std::string> read_workflow_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return not_found(fmt::format("{}: no such file", path));
  }
  if (std::filesystem::is_directory(path, error)) {
    return invalid_input(fmt::format("{}: is a directory", path));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return invalid_input(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return invalid_input(fmt::format("{}: cannot read", path));
  return text.str();
}

}  // namespace baton::lang
