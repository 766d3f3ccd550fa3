// What templates may read: inputs, step results and their fields, the loop variable.
#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>

#include "src/lang/sections.h"

namespace baton::lang {
namespace {

// Jinja2's globals, which a template may call without declaring them.
bool is_global(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kGlobals = {"range",  "dict",   "namespace",
                                                               "lipsum", "cycler", "joiner"};
  return std::find(kGlobals.begin(), kGlobals.end(), name) != kGlobals.end();
}

void add_dependency(std::vector<std::size_t>& dependencies, std::size_t step) {
  if (std::find(dependencies.begin(), dependencies.end(), step) != dependencies.end()) return;
  if (dependencies.empty()) dependencies.reserve(4);  // a step seldom reads more
  dependencies.push_back(step);
}

}  // namespace

const std::vector<std::string>& step_fields(StepKind kind) {
  static const std::vector<std::string> kPrompt = {"output", "json", "usage", "model"};
  static const std::vector<std::string> kRun = {"output", "json", "stdout", "stderr", "exit_code"};
  static const std::vector<std::string> kHuman = {"output", "approved", "value", "reason"};
  static const std::vector<std::string> kValue = {"output"};
  switch (kind) {
    case StepKind::kPrompt:
      return kPrompt;
    case StepKind::kRun:
      return kRun;
    case StepKind::kHuman:
      return kHuman;
    case StepKind::kValue:
    case StepKind::kCall:
      return kValue;
  }
  return kValue;
}

void check_references(LoadContext& context, const YamlNode& node, const Template& text,
                      const Scope& scope, const std::string& self, const std::string& loop_variable,
                      std::vector<std::size_t>& dependencies) {
  for (const TemplateReference& reference : text.references()) {
    if (reference.path.empty()) continue;
    auto report = [&](std::string message) {
      auto [line, column] = context.locate(node, reference.line, reference.column);
      context.error_at(line, column, std::move(message));
    };
    const std::string& name = reference.path[0];
    if (!loop_variable.empty() && name == loop_variable) continue;
    if (name == "inputs") {
      if (reference.path.size() >= 2 && scope.workflow->find_input(reference.path[1]) == nullptr) {
        report(fmt::format("unknown input '{}'{}", reference.path[1],
                           did_you_mean(reference.path[1], scope.input_names)));
      }
      continue;
    }
    auto step = scope.steps.find(name);
    if (step == scope.steps.end()) {
      if (is_global(name)) continue;
      std::vector<std::string> candidates = scope.step_ids;
      if (!loop_variable.empty()) candidates.push_back(loop_variable);
      candidates.push_back("inputs");
      std::string hint = did_you_mean(name, candidates);
      if (hint.empty() && scope.workflow->find_input(name) != nullptr) {
        hint = fmt::format("; did you mean 'inputs.{}'?", name);
      }
      if (hint.empty() && name == "item" && loop_variable.empty()) {
        hint = "; 'item' exists only in a step with for_each";
      }
      report(
          fmt::format("unknown name '{}': not a step, 'inputs' or a loop variable{}", name, hint));
      continue;
    }
    if (name == self) {
      report(fmt::format("step '{}' references itself", self));
      continue;
    }
    add_dependency(dependencies, step->second.index);
    if (reference.path.size() >= 2 && step->second.valid) {
      const auto& fields = step_fields(step->second.kind);
      const std::string& field = reference.path[1];
      if (std::find(fields.begin(), fields.end(), field) == fields.end()) {
        std::string list;
        for (const std::string& known : fields) list += (list.empty() ? "" : ", ") + known;
        report(fmt::format("step '{}' has no field '{}'{} (a {} step has {})", name, field,
                           did_you_mean(field, fields), step_kind_name(step->second.kind), list));
      }
    }
  }
}

void check_data_references(LoadContext& context, const YamlNode& node, const DataTemplate& data,
                           const Scope& scope, const std::string& self,
                           const std::string& loop_variable,
                           std::vector<std::size_t>& dependencies) {
  switch (data.kind) {
    case DataTemplate::Kind::kConstant:
      return;
    case DataTemplate::Kind::kTemplate:
      check_references(context, node, data.text->text, scope, self, loop_variable, dependencies);
      return;
    case DataTemplate::Kind::kList:
      for (std::size_t i = 0; i < data.items.size() && i < node.items.size(); ++i) {
        check_data_references(context, node.items[i], data.items[i], scope, self, loop_variable,
                              dependencies);
      }
      return;
    case DataTemplate::Kind::kMapping:
      for (std::size_t i = 0; i < data.fields.size() && i < node.entries.size(); ++i) {
        check_data_references(context, node.entries[i].second, data.fields[i].second, scope, self,
                              loop_variable, dependencies);
      }
      return;
  }
}

}  // namespace baton::lang
