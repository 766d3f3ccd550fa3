// Collects the names a template reads from its context (Template::references()).
#include <algorithm>
#include <string_view>
#include <vector>

#include "src/lang/template/parser.h"

namespace baton::lang {
namespace {

class ReferenceCollector {
 public:
  explicit ReferenceCollector(std::vector<TemplateReference>& out) : out_(out) {
    scopes_.emplace_back();
  }

  void visit_body(const Body& body) {
    for (const Node& node : body) visit_node(node);
  }

 private:
  bool is_bound(std::string_view name) const {
    for (const auto& scope : scopes_) {
      if (std::find(scope.begin(), scope.end(), name) != scope.end()) return true;
    }
    return false;
  }
  void bind(std::string_view name) { scopes_.back().push_back(name); }

  void visit_node(const Node& node) {
    switch (node.kind) {
      case NodeKind::kText:
        return;
      case NodeKind::kOutput:
        visit(node.expr.get());
        return;
      case NodeKind::kIf:
        for (const Branch& branch : node.branches) {
          visit(branch.condition.get());
          visit_body(branch.body);
        }
        visit_body(node.else_body);
        return;
      case NodeKind::kFor:
        visit(node.expr.get());
        scopes_.emplace_back();
        for (const std::string& target : node.targets) bind(target);
        visit(node.condition.get());
        bind("loop");
        visit_body(node.body);
        scopes_.pop_back();
        visit_body(node.else_body);
        return;
      case NodeKind::kSet:
        visit(node.expr.get());
        if (!node.attribute.empty()) {
          record(node.targets[0], {}, node.line, node.column);
          return;
        }
        for (const std::string& target : node.targets) bind(target);
        return;
      case NodeKind::kSetBlock:
      case NodeKind::kFilterBlock:
        scopes_.emplace_back();
        visit_body(node.body);
        scopes_.pop_back();
        visit(node.expr.get());
        if (node.kind == NodeKind::kSetBlock) bind(node.targets[0]);
        return;
      case NodeKind::kWith:
        for (const auto& value : node.values) visit(value.get());
        scopes_.emplace_back();
        for (const std::string& target : node.targets) bind(target);
        visit_body(node.body);
        scopes_.pop_back();
        return;
      case NodeKind::kMacro:
      case NodeKind::kCallBlock:
        if (node.kind == NodeKind::kMacro) bind(node.targets[0]);
        if (node.kind == NodeKind::kCallBlock) visit(node.expr.get());
        scopes_.emplace_back();
        bind("varargs");
        bind("kwargs");
        bind("caller");
        for (std::size_t i = 0; i < node.params.size(); ++i) {
          visit(node.values[i].get());
          bind(node.params[i]);
        }
        visit_body(node.body);
        scopes_.pop_back();
        return;
    }
  }

  void record(std::string_view name, std::vector<std::string> rest, int line, int column) {
    if (is_bound(name)) return;
    TemplateReference reference;
    reference.path.push_back(std::string(name));
    for (std::string& part : rest) reference.path.push_back(std::move(part));
    reference.line = line;
    reference.column = column;
    out_.push_back(std::move(reference));
  }

  static bool is_static_step(const Expr& expr) {
    if (expr.kind == ExprKind::kGetattr) return true;
    return expr.kind == ExprKind::kGetitem && expr.children[1]->kind == ExprKind::kConst &&
           expr.children[1]->constant.is_string();
  }

  // A chain of static attribute steps down to its base: a name gives one reference.
  void visit_chain(const Expr* expr) {
    std::vector<std::string> rest;
    const Expr* base = expr;
    while (is_static_step(*base)) {
      rest.push_back(base->kind == ExprKind::kGetattr ? base->name
                                                      : base->children[1]->constant.as_string());
      base = base->children[0].get();
    }
    std::reverse(rest.begin(), rest.end());
    if (base->kind == ExprKind::kName) {
      record(base->name, std::move(rest), base->line, base->column);
    } else {
      visit(base);
    }
  }

  void visit(const Expr* expr) {
    if (!expr) return;
    switch (expr->kind) {
      case ExprKind::kName:
        record(expr->name, {}, expr->line, expr->column);
        return;
      case ExprKind::kGetattr:
      case ExprKind::kGetitem:
        if (is_static_step(*expr)) {
          visit_chain(expr);
          return;
        }
        break;
      case ExprKind::kCall: {
        // `x.method()` reads x, not an attribute named after the method.
        const Expr* callee = expr->children[0].get();
        visit(callee->kind == ExprKind::kGetattr ? callee->children[0].get() : callee);
        for (std::size_t i = 1; i < expr->children.size(); ++i) visit(expr->children[i].get());
        return;
      }
      default:
        break;
    }
    for (const auto& child : expr->children) visit(child.get());
  }

  std::vector<TemplateReference>& out_;
  std::vector<std::vector<std::string_view>> scopes_;
};

}  // namespace

void collect_references(ParsedTemplate& parsed) {
  parsed.references.clear();
  ReferenceCollector collector(parsed.references);
  collector.visit_body(parsed.body);
  std::stable_sort(parsed.references.begin(), parsed.references.end(),
                   [](const TemplateReference& a, const TemplateReference& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
}

}  // namespace baton::lang
