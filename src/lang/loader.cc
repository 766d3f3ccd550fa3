#include "src/lang/loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "src/lang/fingerprint.h"
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

// Sets `key` of the mapping `node` to a scalar `value` (written where the old value was), or adds
// it.
void set_scalar(YamlNode& node, std::string_view key, const std::string& value,
                YamlNode::Style style) {
  for (YamlEntry& entry : node.entries) {
    if (!entry.first.is_scalar() || entry.first.value != key) continue;
    int line = entry.second.line;
    int column = entry.second.column;
    entry.second = YamlNode{};
    entry.second.kind = YamlNode::Kind::kScalar;
    entry.second.style = style;
    entry.second.value = value;
    entry.second.line = line;
    entry.second.column = column;
    return;
  }
  YamlEntry entry;
  entry.first.kind = entry.second.kind = YamlNode::Kind::kScalar;
  entry.first.value = std::string(key);
  entry.second.style = style;
  entry.second.value = value;
  entry.first.line = entry.second.line = node.line;
  entry.first.column = entry.second.column = node.column;
  node.entries.push_back(std::move(entry));
}

// Applies the overrides to the tree, before anything reads it; reports a step that cannot take
// them.
void apply_overrides(LoadContext& context, YamlNode& root,
                     const std::vector<StepOverride>& overrides) {
  YamlNode* steps = nullptr;
  for (YamlEntry& entry : root.entries) {
    if (entry.first.is_scalar() && entry.first.value == "steps") steps = &entry.second;
  }
  for (const StepOverride& change : overrides) {
    YamlNode* step = nullptr;
    if (steps != nullptr && steps->is_mapping()) {
      for (YamlEntry& entry : steps->entries) {
        if (entry.first.is_scalar() && entry.first.value == change.step) step = &entry.second;
      }
    }
    if (step == nullptr || !step->is_mapping() || LoadContext::find(*step, "run") != nullptr ||
        (LoadContext::find(*step, "prompt") == nullptr &&
         LoadContext::find(*step, "messages") == nullptr)) {
      context.error_at(1, 1,
                       fmt::format("step '{}' is not a prompt step of this workflow: only a "
                                   "prompt step takes another prompt or model",
                                   change.step));
      continue;
    }
    if (change.prompt) {
      if (LoadContext::find(*step, "prompt") == nullptr) {
        context.error(*step, fmt::format("step '{}' has 'messages', not 'prompt': a prompt file "
                                         "replaces a 'prompt'",
                                         change.step));
        continue;
      }
      set_scalar(*step, "prompt", *change.prompt, YamlNode::Style::kLiteral);
    }
    if (change.model) set_scalar(*step, "model", *change.model, YamlNode::Style::kPlain);
  }
}

}  // namespace

LoadResult load_workflow(std::string_view text, std::string display_name,
                         const std::vector<StepOverride>& overrides) {
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
  YamlNode& root = *parsed;
  Workflow workflow;
  workflow.file = display_name;
  if (!root.is_mapping()) {
    context.error_at(root.is_null() ? 1 : root.line, root.is_null() ? 1 : root.column,
                     "a workflow file must be a mapping with at least 'name' and 'steps'");
    result.diagnostics = context.take_diagnostics();
    return result;
  }
  context.check_mapping(root, "the workflow", kTopLevelKeys);
  apply_overrides(context, root, overrides);

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
  if (!result.diagnostics.empty()) return result;
  fingerprint_steps(root, workflow);
  result.workflow = std::move(workflow);
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
