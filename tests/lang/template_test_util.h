#pragma once

#include <string>
#include <string_view>

#include "src/lang/template/template.h"

namespace baton::lang::testing {

// Renders `source` with the variables of the JSON object `context_json`: the output, or
// "ERR line:column: message" when parsing or rendering fails.
inline std::string render_or_error(std::string_view source, std::string_view context_json = "{}") {
  auto describe = [](const Error& error) {
    std::string text = "ERR ";
    if (error.span()) {
      text +=
          std::to_string(error.span()->line) + ":" + std::to_string(error.span()->column) + ": ";
    }
    return text + error.message();
  };
  Result<Template> parsed = Template::parse(source);
  if (!parsed) return describe(parsed.error());
  Result<Value> variables = value_from_json(context_json);
  if (!variables || !variables->is_dict()) return "bad test context";
  Context context;
  for (const auto& [name, value] : variables->as_dict().entries()) context.set(name, value);
  Result<std::string> text = parsed->render(context);
  if (!text) return describe(text.error());
  return *text;
}

}  // namespace baton::lang::testing
