#include "src/lang/template/template.h"

#include <utility>

#include "src/lang/template/parser.h"
#include "src/lang/template/renderer.h"

namespace baton::lang {

void Context::set(std::string name, Value value) {
  variables_.insert_or_assign(std::move(name), std::move(value));
}

const Value* Context::find(std::string_view name) const {
  for (const Context* context = this; context != nullptr; context = context->parent_) {
    auto found = context->variables_.find(name);
    if (found != context->variables_.end()) return &found->second;
  }
  return nullptr;
}

Template::Template(std::shared_ptr<const ParsedTemplate> parsed) : parsed_(std::move(parsed)) {}

Result<Template> Template::parse(std::string_view source) {
  BATON_ASSIGN_OR_RETURN(std::shared_ptr<const ParsedTemplate> parsed, parse_template(source));
  return Template(std::move(parsed));
}

Result<std::string> Template::render(const Context& context) const {
  std::string out;
  out.reserve(parsed_->source.size() + parsed_->source.size() / 2);
  Renderer renderer(*parsed_, context);
  BATON_TRY(renderer.render(out));
  return out;
}

Result<Value> Template::evaluate(const Context& context) const {
  if (parsed_->single_expression != nullptr) {
    Renderer renderer(*parsed_, context);
    return renderer.evaluate(*parsed_->single_expression);
  }
  BATON_ASSIGN_OR_RETURN(std::string text, render(context));
  return Value(std::move(text));
}

const std::vector<TemplateReference>& Template::references() const { return parsed_->references; }

std::optional<std::vector<std::string>> Template::single_reference() const {
  const Expr* expr = parsed_->single_expression;
  if (expr == nullptr) return std::nullopt;
  std::vector<std::string> path;
  while (expr->kind == ExprKind::kGetattr) {
    path.push_back(expr->name);
    expr = expr->children[0].get();
  }
  if (expr->kind != ExprKind::kName) return std::nullopt;
  path.push_back(expr->name);
  return std::vector<std::string>(path.rbegin(), path.rend());
}

std::optional<Value> Template::constant_value() const {
  if (parsed_->text_only) {
    std::string text;
    for (const Node& node : parsed_->body) text += node.text;
    return Value(std::move(text));
  }
  const Expr* expr = parsed_->single_expression;
  if (expr == nullptr) return std::nullopt;
  // Literal lists, tuples and dicts of constants are constants too; evaluating them cannot
  // read the context.
  struct Checker {
    static bool is_constant(const Expr& e) {
      if (e.kind == ExprKind::kConst) return true;
      if (e.kind != ExprKind::kList && e.kind != ExprKind::kTuple && e.kind != ExprKind::kDict) {
        return false;
      }
      for (const auto& child : e.children) {
        if (!is_constant(*child)) return false;
      }
      return true;
    }
  };
  if (!Checker::is_constant(*expr)) return std::nullopt;
  Context empty;
  Renderer renderer(*parsed_, empty);
  Result<Value> value = renderer.evaluate(*expr);
  if (!value) return std::nullopt;
  return std::move(*value);
}

const std::string& Template::source() const { return parsed_->source; }

}  // namespace baton::lang
