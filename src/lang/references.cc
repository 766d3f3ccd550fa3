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

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// What `{{ loop.* }}` offers inside a loop's body.
const std::vector<std::string> kLoopFields = {"index", "index0", "first", "max", "previous"};

std::string joined(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  return list;
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
  static const std::vector<std::string> kLoop = {"iterations"};
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
    case StepKind::kLoop:
      return kLoop;
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
    // Whether step `name` (as it is read here) has `field`; reports when it has not.
    auto check_field = [&](const std::string& name, const Scope::StepInfo& step,
                           const std::string& field) {
      if (!step.valid) return;
      const auto& own = step_fields(step.kind);
      if (contains(own, field) || contains(step.body, field)) return;  // no copy: the usual case
      std::vector<std::string> fields = step.body;
      fields.insert(fields.end(), own.begin(), own.end());
      report(fmt::format("step '{}' has no field '{}'{} (a {} step has {})", name, field,
                         did_you_mean(field, fields), step_kind_name(step.kind), joined(fields)));
    };
    const std::vector<std::string>& path = reference.path;
    const std::string& name = path[0];
    if (!loop_variable.empty() && name == loop_variable) continue;
    if (name == "inputs") {
      if (path.size() >= 2 && scope.workflow->find_input(path[1]) == nullptr) {
        report(
            fmt::format("unknown input '{}'{}", path[1], did_you_mean(path[1], scope.input_names)));
      }
      continue;
    }
    if (name == "loop") {
      if (scope.loop.empty()) {
        report("'loop' exists only in the steps of a loop and in its 'until'");
        continue;
      }
      if (path.size() >= 2 && !contains(kLoopFields, path[1])) {
        report(fmt::format("'loop' has no field '{}'{} (it has {})", path[1],
                           did_you_mean(path[1], kLoopFields), joined(kLoopFields)));
      } else if (path.size() >= 3 && path[1] == "previous") {
        const std::vector<std::string>& body = scope.steps.at(scope.loop).body;
        auto step = contains(body, path[2]) ? scope.steps.find(path[2]) : scope.steps.end();
        if (step == scope.steps.end()) {
          report(fmt::format("loop '{}' has no step '{}'{}", scope.loop, path[2],
                             did_you_mean(path[2], body)));
        } else if (path.size() >= 4) {
          check_field(path[2], step->second, path[3]);
        }
      }
      continue;
    }
    auto step = scope.steps.find(name);
    if (step == scope.steps.end()) {
      if (is_global(name)) continue;
      std::vector<std::string> candidates(scope.step_ids.begin(),
                                          scope.step_ids.begin() + scope.top_level_count);
      if (!scope.loop.empty()) {
        const auto& body = scope.steps.at(scope.loop).body;
        candidates.insert(candidates.end(), body.begin(), body.end());
      }
      if (!loop_variable.empty()) candidates.push_back(loop_variable);
      candidates.push_back("inputs");
      std::string hint = did_you_mean(name, candidates);
      auto in_loop = scope.loop_of_name.find(name);
      if (hint.empty() && in_loop != scope.loop_of_name.end()) {
        hint = fmt::format("; '{}' is a step of loop '{}': read its last iteration as '{}.{}'",
                           name, in_loop->second, in_loop->second, name);
      }
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
    if (name == scope.loop) {
      report(
          fmt::format("the steps of loop '{}' cannot read '{}', whose result exists only once "
                      "the loop ends; read the previous iteration as 'loop.previous'",
                      name, name));
      continue;
    }
    add_dependency(dependencies, step->second.index);
    if (path.size() >= 2) check_field(name, step->second, path[1]);
    if (path.size() >= 3 && step->second.kind == StepKind::kLoop &&
        contains(step->second.body, path[1])) {
      auto inner = scope.steps.find(name + "." + path[1]);
      if (inner != scope.steps.end()) check_field(name + "." + path[1], inner->second, path[2]);
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
