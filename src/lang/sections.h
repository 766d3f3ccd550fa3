#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/lang/load_context.h"
#include "src/lang/workflow.h"
#include "src/lang/yaml_tree.h"

namespace baton::lang {

// The parsers of each top-level section. Each reports every problem it finds to the context
// and fills in what it could parse; load_workflow() keeps the Workflow only if none was found.

void parse_inputs(LoadContext& context, const YamlNode& node, Workflow& workflow);
void parse_models(LoadContext& context, const YamlNode& node, Workflow& workflow);
void parse_defaults(LoadContext& context, const YamlNode& node, Workflow& workflow);
void parse_budget(LoadContext& context, const YamlNode& node, Workflow& workflow);

// What templates may name: inputs, steps (with their kind and whether they loop) and the
// loop variable of the step being parsed.
struct Scope {
  struct StepInfo {
    std::size_t index = 0;  // into step_ids
    StepKind kind = StepKind::kValue;
    bool loops = false;             // has for_each: every field is a list
    bool valid = true;              // false when its kind is unknown (no field checks then)
    std::vector<std::string> body;  // a loop's steps, by name
    std::string loop;               // the id of the loop it belongs to; "" at the top level
  };
  const Workflow* workflow = nullptr;
  // Every step by id ("fix.test" for the step `test` of loop `fix`), and inside a loop's body
  // also its steps by name.
  std::unordered_map<std::string, StepInfo> steps;
  std::vector<std::string> step_ids;  // every id, by index: the top-level ones first
  std::vector<std::string> input_names;
  std::size_t top_level_count = 0;  // step_ids[0, top_level_count) are top-level steps
  // Inside a loop's body (its steps, its `until`): the loop's id; "" elsewhere.
  std::string loop;
  // The names of steps inside loops -> the first loop holding one, for hints.
  std::unordered_map<std::string, std::string> loop_of_name;
};

// Parses a template of the step being parsed, checks what it reads, and reports problems;
// `what` is the key under the step ("output.check").
using TemplateParser =
    std::function<std::optional<LocatedTemplate>(const YamlNode& node, const std::string& what)>;

// A prompt step's `output:` mapping: the schema (inline, or a .json/.yaml file relative to the
// workflow file) and pattern compiled, the check command's templates parsed with `text`.
// `step_path` is "steps.<id>". Reports every problem; nullopt when there was one.
std::optional<OutputContract> parse_output_contract(LoadContext& context, const YamlNode& node,
                                                    const std::string& step_path,
                                                    const TemplateParser& text);

// Steps and outputs; `scope.steps` must already hold every step id.
void parse_steps(LoadContext& context, const YamlNode& node, Scope& scope, Workflow& workflow);
void parse_outputs(LoadContext& context, const YamlNode& node, const Scope& scope,
                   Workflow& workflow);

// Checks the names a template reads against `scope`. `self` is the id of the step the template
// belongs to ("" for outputs) and `loop_variable` its `as` name ("" when none). Adds the steps
// read to `dependencies` (their indices in scope.step_ids, once each, in order).
void check_references(LoadContext& context, const YamlNode& node, const Template& text,
                      const Scope& scope, const std::string& self, const std::string& loop_variable,
                      std::vector<std::size_t>& dependencies);
void check_data_references(LoadContext& context, const YamlNode& node, const DataTemplate& data,
                           const Scope& scope, const std::string& self,
                           const std::string& loop_variable,
                           std::vector<std::size_t>& dependencies);

// The steps in an order where each comes after its dependencies (indices into `ids`); reports
// every cycle at the first of its steps in file order. `dependencies[i]` holds the indices (into
// `ids`) of the steps step i reads or needs.
std::vector<std::size_t> order_steps(LoadContext& context, const std::vector<std::string>& ids,
                                     const std::vector<SourceSpan>& spans,
                                     const std::vector<std::vector<std::size_t>>& dependencies);

}  // namespace baton::lang
