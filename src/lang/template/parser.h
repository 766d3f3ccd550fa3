#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"
#include "src/lang/template/ast.h"
#include "src/lang/template/template.h"

namespace baton::lang {

// Deeper nesting of tags or expressions is refused, so that parsing, rendering and freeing a
// tree never exhaust the stack.
inline constexpr int kMaxNestingDepth = 200;

struct ParsedTemplate {
  std::string source;
  Body body;
  std::vector<TemplateReference> references;
  // The expression when the template is one `{{ expression }}` with only whitespace around.
  const Expr* single_expression = nullptr;
  // Whether the template has no tags at all (its text is its value).
  bool text_only = false;
};

// Parses `source` as Jinja2 would. Errors are kInvalidInput with the line and column.
Result<std::shared_ptr<ParsedTemplate>> parse_template(std::string_view source);

// Fills `parsed.references` from its tree.
void collect_references(ParsedTemplate& parsed);

}  // namespace baton::lang
