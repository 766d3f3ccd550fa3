#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"
#include "src/lang/diagnostics.h"
#include "src/lang/workflow.h"

namespace baton::lang {

// The outcome of loading a workflow: the checked Workflow, or every problem found.
struct LoadResult {
  std::optional<Workflow> workflow;     // set exactly when `diagnostics` is empty
  std::vector<Diagnostic> diagnostics;  // in file order (line, then column)

  bool ok() const { return workflow.has_value(); }
};

// A change made to one prompt step as the workflow loads (`baton rerun --prompt-file --model`):
// the step is checked, and fingerprinted, as if the file said so.
struct StepOverride {
  std::string step;
  std::optional<std::string> prompt;  // replaces the step's `prompt` template
  std::optional<std::string> model;   // replaces its `model`: a name from `models`
};

// Parses and checks a workflow file's text. `display_name` is the file name diagnostics carry
// (and Workflow::file). Never fails otherwise: every problem, YAML syntax included, is a
// Diagnostic. Linear in the size of the file.
//
//   LoadResult loaded = load_workflow(text, "article.yaml");
//   if (!loaded.ok()) {
//     std::fputs(format_diagnostics(loaded.diagnostics, text).c_str(), stderr);
//     return;
//   }
//   for (std::size_t i : loaded.workflow->topological_order) run(loaded.workflow->steps[i]);
LoadResult load_workflow(std::string_view text, std::string display_name,
                         const std::vector<StepOverride>& overrides = {});

// Reads a whole file. kNotFound when it does not exist, kInvalidInput when it cannot be read
// (a directory, no permission).
Result<std::string> read_workflow_file(const std::string& path);

}  // namespace baton::lang
