// Collects the names a template reads from its context (Template::references()).
#include <algorithm>
#include <string_view>
#include <vector>

#include "src/lang/template/parser.h"

namespace baton::lang {
namespace {

class ReferenceCollector {
 public:
  explicit ReferenceCollector(std::vector<TemplateReference>& out) : out_(out) {}

  void visit_body(const Body& body) {
    for (const Node& node : body) visit_node(node);
  }

 private:
  bool is_bound(std::string_view name) const {
    return std::find(bound_.begin(), bound_.end(), name) != bound_.end();
  }
  void bind(std::string_view name) { bound_.push_back(name); }
  // A scope is the names bound since it was opened; closing it forgets them.
  std::size_t open_scope() const { return bound_.size(); }
  void close_scope(std::size_t scope) { bound_.resize(scope); }

  void visit_node(const Node& node) {
    switch (node.kind) {
      case NodeKind::kText:
        return;
      case NodeKind::kOutput:
        visit(node.expr.get());
        return;
      case NodeKind::kIf:
        for (const Branch& branch : node.tag->branches) {
          visit(branch.condition.get());
          visit_body(branch.body);
        }
        visit_body(node.tag->else_body);
        return;
      case NodeKind::kFor: {
        visit(node.expr.get());
        std::size_t scope = open_scope();
        for (const std::string& target : node.tag->targets) bind(target);
        visit(node.tag->condition.get());
        bind("loop");
        visit_body(node.tag->body);
        close_scope(scope);
        visit_body(node.tag->else_body);
        return;
      }
      case NodeKind::kSet:
        visit(node.expr.get());
        if (!node.tag->attribute.empty()) {
          record(node.tag->targets[0], nullptr, 0, node.line, node.column);
          return;
        }
        for (const std::string& target : node.tag->targets) bind(target);
        return;
      case NodeKind::kSetBlock:
      case NodeKind::kFilterBlock: {
        std::size_t scope = open_scope();
        visit_body(node.tag->body);
        close_scope(scope);
        visit(node.expr.get());
        if (node.kind == NodeKind::kSetBlock) bind(node.tag->targets[0]);
        return;
      }
      case NodeKind::kWith: {
        for (const auto& value : node.tag->values) visit(value.get());
        std::size_t scope = open_scope();
        for (const std::string& target : node.tag->targets) bind(target);
        visit_body(node.tag->body);
        close_scope(scope);
        return;
      }
      case NodeKind::kMacro:
      case NodeKind::kCallBlock: {
        if (node.kind == NodeKind::kMacro) bind(node.tag->targets[0]);
        if (node.kind == NodeKind::kCallBlock) visit(node.expr.get());
        std::size_t scope = open_scope();
        bind("varargs");
        bind("kwargs");
        bind("caller");
        for (std::size_t i = 0; i < node.tag->params.size(); ++i) {
          visit(node.tag->values[i].get());
          bind(node.tag->params[i]);
        }
        visit_body(node.tag->body);
        close_scope(scope);
        return;
      }
    }
  }

  // Records a reference to `name` followed by the `steps` static steps that `chain` starts
  // with, unless the template binds `name` itself. The chain is walked from its outermost
  // step, which is the last part of the path.
  void record(std::string_view name, const Expr* chain, std::size_t steps, int line, int column) {
    if (is_bound(name)) return;
    TemplateReference reference;
    reference.path.resize(1 + steps);
    reference.path[0] = name;
    for (std::size_t part = steps; part > 0; --part) {
      reference.path[part] = chain->kind == ExprKind::kGetattr
                                 ? chain->name
                                 : chain->children[1]->constant.as_string();
      chain = chain->children[0].get();
    }
    reference.line = line;
    reference.column = column;
    if (out_.empty()) out_.reserve(4);  // most templates read a few names
    out_.push_back(std::move(reference));
  }

  static bool is_static_step(const Expr& expr) {
    if (expr.kind == ExprKind::kGetattr) return true;
    return expr.kind == ExprKind::kGetitem && expr.children[1]->kind == ExprKind::kConst &&
           expr.children[1]->constant.is_string();
  }

  // A chain of static attribute steps down to its base: a name gives one reference.
  void visit_chain(const Expr* expr) {
    std::size_t steps = 0;
    const Expr* base = expr;
    while (is_static_step(*base)) {
      ++steps;
      base = base->children[0].get();
    }
    if (base->kind == ExprKind::kName) {
      record(base->name, expr, steps, base->line, base->column);
    } else {
      visit(base);
    }
  }

  void visit(const Expr* expr) {
    if (!expr) return;
    switch (expr->kind) {
      case ExprKind::kName:
        record(expr->name, nullptr, 0, expr->line, expr->column);
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
  std::vector<std::string_view> bound_;  // names the template binds, innermost scope last
};

}  // namespace

void collect_references(ParsedTemplate& parsed) {
  parsed.references.clear();
  ReferenceCollector collector(parsed.references);
  collector.visit_body(parsed.body);
  auto before = [](const TemplateReference& a, const TemplateReference& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  };
  // Usually already in order; stable_sort would still allocate a buffer.
  if (!std::is_sorted(parsed.references.begin(), parsed.references.end(), before)) {
    std::stable_sort(parsed.references.begin(), parsed.references.end(), before);
  }
}

}  // namespace baton::lang
