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

// A step's kind from its keys, and whether it has for_each; valid when exactly one kind key.
Scope::StepInfo step_info(const YamlNode& value, std::size_t index) {
  Scope::StepInfo info;
  info.index = index;
  info.valid = false;
  if (!value.is_mapping()) return info;
  int kinds = 0;
  for (const auto& [field, ignored] : value.entries) {
    const std::string& name = field.value;
    std::optional<StepKind> kind;
    if (name == "prompt" || name == "messages") kind = StepKind::kPrompt;
    if (name == "run") kind = StepKind::kRun;
    if (name == "human") kind = StepKind::kHuman;
    if (name == "value") kind = StepKind::kValue;
    if (name == "call") kind = StepKind::kCall;
    if (name == "loop") kind = StepKind::kLoop;
    if (name == "for_each") info.loops = true;
    if (kind && (kinds == 0 || info.kind != *kind)) {
      ++kinds;
      info.kind = *kind;
    }
  }
  info.valid = kinds == 1;
  return info;
}

// Reports an id that is not an identifier or is reserved; `what` names it in messages.
bool check_step_id(LoadContext& context, const YamlNode& key, std::string_view what) {
  if (!is_identifier(key.value)) {
    context.error(key, fmt::format("{} '{}' is not an identifier (letters, digits and '_', not "
                                   "starting with a digit)",
                                   what, key.value));
    return false;
  }
  if (is_reserved_name(key.value)) {
    context.error(key, fmt::format("{} '{}' is reserved: it means something else in templates",
                                   what, key.value));
    return false;
  }
  return true;
}

// The steps of a loop: "<loop>.<name>" in the scope, after every top-level step.
void declare_loop_body(LoadContext& context, const YamlNode& steps, const std::string& loop,
                       Scope& scope) {
  for (const auto& [key, value] : steps.entries) {
    if (!key.is_scalar() || !check_step_id(context, key, "step id")) continue;
    if (scope.steps.contains(key.value) && scope.steps.at(key.value).loop.empty()) {
      context.error(key, fmt::format("step '{}' of loop '{}' has the id of a top-level step; the "
                                     "steps inside a loop need names of their own",
                                     key.value, loop));
      continue;
    }
    std::string id = loop + "." + key.value;
    if (scope.steps.contains(id)) continue;  // a duplicate, reported when the loop is parsed
    Scope::StepInfo info = step_info(value, scope.step_ids.size());
    info.loop = loop;
    scope.steps.emplace(id, info);
    scope.step_ids.push_back(id);
    scope.steps.at(loop).body.push_back(key.value);
    scope.loop_of_name.emplace(key.value, loop);
  }
}

// Pass one over steps: ids and kinds, so that templates may name any step, before or after.
void declare_steps(LoadContext& context, const YamlNode& steps, Scope& scope) {
  scope.steps.reserve(steps.entries.size());
  scope.step_ids.reserve(steps.entries.size());
  for (const auto& [key, value] : steps.entries) {
    if (!key.is_scalar()) continue;
    if (!check_step_id(context, key, "step id")) continue;
    if (scope.steps.contains(key.value)) continue;  // a duplicate, already reported
    scope.steps.emplace(key.value, step_info(value, scope.step_ids.size()));
    scope.step_ids.push_back(key.value);
  }
  scope.top_level_count = scope.step_ids.size();
  for (const auto& [key, value] : steps.entries) {
    auto declared = key.is_scalar() ? scope.steps.find(key.value) : scope.steps.end();
    if (declared == scope.steps.end() || declared->second.kind != StepKind::kLoop ||
        !declared->second.valid || !declared->second.body.empty()) {
      continue;
    }
    const YamlNode* loop = LoadContext::find(value, "loop");
    const YamlNode* body =
        loop != nullptr && loop->is_mapping() ? LoadContext::find(*loop, "steps") : nullptr;
    if (body != nullptr && body->is_mapping()) declare_loop_body(context, *body, key.value, scope);
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
