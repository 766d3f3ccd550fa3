#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"
#include "src/lang/template/template.h"
#include "src/lang/workflow.h"
#include "src/providers/provider.h"

namespace baton::engine {

// Renders a template of the workflow; an error names `what` ("prompt", "run[1]") and the place
// of the template in the file.
Result<std::string> render_text(const lang::LocatedTemplate& text, const lang::Context& context,
                                std::string_view what);

// The value of YAML data whose strings are templates (`value:`, `outputs`, `for_each`).
Result<lang::Value> evaluate_data(const lang::DataTemplate& data, const lang::Context& context,
                                  std::string_view what);

// A command's argv: its shell string as `/bin/sh -c TEXT`, or its list, each rendered; errors
// name `what` ("run", "output.check") and the index.
Result<std::vector<std::string>> render_argv(const std::optional<lang::LocatedTemplate>& shell,
                                             const std::vector<lang::LocatedTemplate>& argv,
                                             const lang::Context& context, std::string_view what);

// The messages of a prompt step: its system prompt, then its prompt or its messages.
Result<std::vector<providers::ChatMessage>> render_messages(const lang::PromptStep& prompt,
                                                            const lang::Context& context);

// Whether a `when` template holds.
Result<bool> evaluate_condition(const lang::LocatedTemplate& condition,
                                const lang::Context& context);

}  // namespace baton::engine
