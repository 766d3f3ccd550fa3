#include "src/lang/template/parser.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "src/lang/template/lexer.h"

namespace baton::lang {
namespace {

using ExprPtr = std::unique_ptr<Expr>;

constexpr std::string_view kUnsupportedTags[] = {
    "extends", "block", "include", "import", "from", "autoescape", "break", "continue", "do",
};

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of template";
    case TokenKind::kVariableEnd:
      return "end of print statement";
    case TokenKind::kBlockEnd:
      return "end of statement block";
    case TokenKind::kVariableBegin:
      return "begin of print statement";
    case TokenKind::kBlockBegin:
      return "begin of statement block";
    case TokenKind::kString:
      return "string";
    case TokenKind::kInteger:
      return "integer";
    case TokenKind::kFloat:
      return "float";
    case TokenKind::kData:
      return "template data / text";
    default:
      return std::string(token.text);
  }
}

class Parser {
 public:
  // Requires: `tokens` (which the parser takes data values out of) outlives the parser.
  explicit Parser(std::vector<Token>& tokens) : tokens_(tokens) {}

  Result<Body> parse_all() {
    Body body;
    // Each text, output or tag makes at most one node of the top-level body.
    body.reserve(static_cast<std::size_t>(
        std::count_if(tokens_.begin(), tokens_.end(), [](const Token& token) {
          return token.kind == TokenKind::kData || token.kind == TokenKind::kVariableBegin ||
                 token.kind == TokenKind::kBlockBegin;
        })));
    BATON_TRY(subparse_body(body, {}));
    if (current().kind != TokenKind::kEnd)
      return fail_here("unexpected '" + describe(current()) + "'");
    return body;
  }

 private:
  // --- token stream -----------------------------------------------------------------------
  const Token& current() const { return tokens_[pos_]; }
  const Token& look() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  const Token& advance() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }
  bool is_op(std::string_view op) const {
    return current().kind == TokenKind::kOperator && current().text == op;
  }
  bool is_name(std::string_view name) const {
    return current().kind == TokenKind::kName && current().text == name;
  }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!is_name(name)) return false;
    advance();
    return true;
  }

  Error fail_at(const Token& token, std::string message) const {
    return invalid_input(std::move(message)).with_span(SourceSpan{"", token.line, token.column});
  }
  Error fail_here(std::string message) const { return fail_at(current(), std::move(message)); }

  // Jinja2's message for an unknown tag (`name`) or the end of the template (empty `name`).
  Error fail_unknown_tag(const Token& at, std::string_view name) const {
    std::string message = name.empty() ? "Unexpected end of template."
                                       : "Encountered unknown tag '" + std::string(name) + "'.";
    if (!end_stack_.empty()) {
      std::string looking;
      bool expected = false;
      for (const auto& tags : end_stack_) {
        for (std::string_view tag : tags) expected = expected || tag == name;
      }
      for (std::string_view tag : end_stack_.back()) {
        looking += (looking.empty() ? "'" : " or '") + std::string(tag) + "'";
      }
      if (!name.empty() && expected) {
        message +=
            " You probably made a nesting mistake. Jinja is expecting this tag, but "
            "currently looking for " +
            looking + ".";
      } else {
        message += " Jinja was looking for the following tags: " + looking + ".";
      }
    }
    if (!tag_stack_.empty()) {
      message += " The innermost block that needs to be closed is '" +
                 std::string(tag_stack_.back()) + "'.";
    }
    return fail_at(at, std::move(message));
  }

  Status expect(TokenKind kind, std::string_view text, std::string_view what) {
    const Token& token = current();
    bool ok = token.kind == kind && (text.empty() || token.text == text);
    if (!ok) {
      if (token.kind == TokenKind::kEnd) {
        return fail_here("unexpected end of template, expected '" + std::string(what) + "'.");
      }
      return fail_here("expected token '" + std::string(what) + "', got '" + describe(token) + "'");
    }
    advance();
    return ok_status();
  }
  Status expect_op(std::string_view op) { return expect(TokenKind::kOperator, op, op); }
  Status expect_block_end() { return expect(TokenKind::kBlockEnd, "", "end of statement block"); }
  Result<std::string> expect_name() {
    if (current().kind != TokenKind::kName) {
      BATON_TRY(expect(TokenKind::kName, "", "name"));
    }
    return std::string(advance().text);
  }

  ExprPtr make(ExprKind kind, const Token& at) const {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->line = at.line;
    expr->column = at.column;
    return expr;
  }
  ExprPtr make_at(ExprKind kind, const Expr& at) const {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->line = at.line;
    expr->column = at.column;
    return expr;
  }
  // Refuses trees deeper than kMaxNestingDepth (chains such as 1+1+1+... nest to the left).
  Result<ExprPtr> checked(ExprPtr expr) {
    int depth = 0;
    for (const ExprPtr& child : expr->children) {
      if (child) depth = std::max(depth, child->depth);
    }
    if (depth + 1 > kMaxNestingDepth) {
      return invalid_input("expression is nested too deeply (more than " +
                           std::to_string(kMaxNestingDepth) + " levels)")
          .with_span(SourceSpan{"", expr->line, expr->column});
    }
    expr->depth = depth + 1;
    return expr;
  }

  class DepthGuard {
   public:
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int& depth_;
  };
  // A plain test rather than a Status, which is not free to build: this runs at every level
  // of every expression.
  bool too_deep() const { return recursion_ > kMaxNestingDepth; }
  Error too_deep_error() const {
    return fail_here("template is nested too deeply (more than " +
                     std::to_string(kMaxNestingDepth) + " levels)");
  }

  // --- statements -------------------------------------------------------------------------
  bool at_end_tag(std::initializer_list<std::string_view> end_tags) const {
    for (std::string_view tag : end_tags) {
      if (is_name(tag)) return true;
    }
    return false;
  }

  Result<Body> subparse(std::initializer_list<std::string_view> end_tags) {
    if (end_tags.size() > 0) end_stack_.emplace_back(end_tags);
    Body body;
    body.reserve(4);  // a block's body is seldom longer: one allocation rather than three
    BATON_TRY(subparse_body(body, end_tags));
    if (end_tags.size() > 0) end_stack_.pop_back();
    return body;
  }

  // Appends nodes to `body` up to the end of the template or one of `end_tags`.
  Status subparse_body(Body& body, std::initializer_list<std::string_view> end_tags) {
    while (current().kind != TokenKind::kEnd) {
      const Token& token = current();
      if (token.kind == TokenKind::kData) {
        Node& node = body.emplace_back();
        node.kind = NodeKind::kText;
        node.line = token.line;
        node.column = token.column;
        node.text = std::move(tokens_[pos_].value);  // each data token is read once
        advance();
      } else if (token.kind == TokenKind::kVariableBegin) {
        advance();
        Node& node = body.emplace_back();
        node.kind = NodeKind::kOutput;
        node.line = current().line;
        node.column = current().column;
        if (ExprPtr chain = parse_attribute_chain()) {
          node.expr = std::move(chain);
        } else {
          BATON_ASSIGN_OR_RETURN(node.expr, parse_tuple(true, {}, false));
        }
        BATON_TRY(expect(TokenKind::kVariableEnd, "", "end of print statement"));
      } else if (token.kind == TokenKind::kBlockBegin) {
        advance();
        if (at_end_tag(end_tags)) return ok_status();
        BATON_ASSIGN_OR_RETURN(Node node, parse_statement());
        BATON_TRY(expect_block_end());
        body.push_back(std::move(node));
      } else {
        return fail_here("unexpected '" + describe(token) + "'");
      }
    }
    return ok_status();
  }

  // `%}` then the body up to one of `end_tags` (left current).
  Result<Body> parse_statements(std::initializer_list<std::string_view> end_tags,
                                bool drop_needle) {
    skip_op(":");
    BATON_TRY(expect_block_end());
    BATON_ASSIGN_OR_RETURN(Body body, subparse(end_tags));
    if (current().kind == TokenKind::kEnd) {
      end_stack_.emplace_back(end_tags);
      return fail_unknown_tag(current(), "");
    }
    if (drop_needle) advance();
    return body;
  }

  Result<Node> parse_statement() {
    DepthGuard guard(recursion_);
    if (too_deep()) return too_deep_error();
    const Token& token = current();
    if (token.kind != TokenKind::kName) return fail_here("tag name expected");
    Node node;
    node.line = token.line;
    node.column = token.column;
    node.tag = std::make_unique<Tag>();
    std::string_view tag = token.text;
    for (std::string_view unsupported : kUnsupportedTags) {
      if (tag == unsupported) return fail_here("'" + std::string(tag) + "' is not supported");
    }
    advance();
    tag_stack_.push_back(tag);
    Result<Node> result = parse_tag(tag, std::move(node), token);
    tag_stack_.pop_back();
    return result;
  }

  Result<Node> parse_tag(std::string_view tag, Node node, const Token& token) {
    if (tag == "if") return parse_if(std::move(node));
    if (tag == "for") return parse_for(std::move(node));
    if (tag == "set") return parse_set(std::move(node));
    if (tag == "with") return parse_with(std::move(node));
    if (tag == "filter") return parse_filter_block(std::move(node));
    if (tag == "macro") return parse_macro(std::move(node));
    if (tag == "call") return parse_call_block(std::move(node));
    if (tag == "print") {
      node.kind = NodeKind::kOutput;
      BATON_ASSIGN_OR_RETURN(node.expr, parse_tuple(true, {}, false));
      return node;
    }
    tag_stack_.pop_back();  // Jinja2 reports the unknown tag against its enclosing block
    Error error = fail_unknown_tag(token, tag);
    tag_stack_.push_back(tag);
    return error;
  }

  Result<Node> parse_if(Node node) {
    node.kind = NodeKind::kIf;
    while (true) {
      Branch branch;
      BATON_ASSIGN_OR_RETURN(branch.condition, parse_tuple(false, {}, false));
      BATON_ASSIGN_OR_RETURN(branch.body, parse_statements({"elif", "else", "endif"}, false));
      node.tag->branches.push_back(std::move(branch));
      std::string_view tag = advance().text;
      if (tag == "elif") continue;
      if (tag == "else") {
        BATON_ASSIGN_OR_RETURN(node.tag->else_body, parse_statements({"endif"}, true));
      }
      return node;
    }
  }

  // What for and set assign to: a name or comma-separated targets, where each target may be a
  // parenthesised target list of any depth (`a`, `a, b`, `(a, b), c`, `a, (b, (c, d))`).
  Status parse_targets(Node& node, std::initializer_list<std::string_view> end_names) {
    BATON_ASSIGN_OR_RETURN(node.tag->target,
                           parse_target_list(node.tag->targets, end_names, false, 0));
    node.tag->tuple_target = node.tag->target->kind == ExprKind::kTuple;
    if (node.tag->targets.empty() && !node.tag->tuple_target) {
      return fail_here("expected a name to assign to");
    }
    return ok_status();
  }

  // One target list: a bare name or a kTuple of names and nested lists; `(a)` is just the name.
  // Every bound name is appended to `names`.
  Result<ExprPtr> parse_target_list(std::vector<std::string>& names,
                                    std::initializer_list<std::string_view> end_names,
                                    bool explicit_parentheses, int depth) {
    DepthGuard guard(recursion_);
    if (too_deep()) return too_deep_error();
    const Token& start = current();
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) {
        if (!skip_op(",")) break;
        is_tuple = true;
        if (is_op(")") || is_op("=") || at_end_tag(end_names)) break;
      }
      if (is_op("(")) {
        advance();
        BATON_ASSIGN_OR_RETURN(ExprPtr inner, parse_target_list(names, {}, true, depth + 1));
        BATON_TRY(expect_op(")"));
        items.push_back(std::move(inner));
        continue;
      }
      if (current().kind == TokenKind::kName && !at_end_tag(end_names)) {
        ExprPtr name = make(ExprKind::kName, current());
        name->name = std::string(advance().text);
        names.push_back(name->name);
        items.push_back(std::move(name));
        continue;
      }
      if (items.empty() && explicit_parentheses && is_op(")")) break;  // `()`
      if (items.empty() && !explicit_parentheses && current().kind == TokenKind::kName) break;
      if (is_tuple || depth > 0) return fail_here("can't assign to 'tuple'");
      return fail_here("can't assign to '" + describe(current()) + "'");
    }
    if (!is_tuple && items.size() == 1) return std::move(items[0]);
    if (items.empty() && !explicit_parentheses) return fail_here("expected a name to assign to");
    ExprPtr tuple = make(ExprKind::kTuple, start);
    tuple->children = std::move(items);
    return tuple;
  }

  Result<Node> parse_for(Node node) {
    node.kind = NodeKind::kFor;
    BATON_TRY(parse_targets(node, {"in"}));
    BATON_TRY(expect(TokenKind::kName, "in", "in"));
    BATON_ASSIGN_OR_RETURN(node.expr, parse_tuple(false, {"recursive"}, false));
    if (skip_name("if")) {
      BATON_ASSIGN_OR_RETURN(node.tag->condition, parse_expression(true));
    }
    if (is_name("recursive")) return fail_here("'recursive' loops are not supported");
    BATON_ASSIGN_OR_RETURN(node.tag->body, parse_statements({"endfor", "else"}, false));
    if (advance().text == "else") {
      BATON_ASSIGN_OR_RETURN(node.tag->else_body, parse_statements({"endfor"}, true));
    }
    return node;
  }

  Result<Node> parse_set(Node node) {
    node.kind = NodeKind::kSet;
    if (current().kind == TokenKind::kName && look().kind == TokenKind::kOperator &&
        look().text == ".") {
      node.tag->targets.push_back(std::string(advance().text));
      advance();
      BATON_ASSIGN_OR_RETURN(node.tag->attribute, expect_name());
    } else {
      BATON_TRY(parse_targets(node, {}));
    }
    if (skip_op("=")) {
      BATON_ASSIGN_OR_RETURN(node.expr, parse_tuple(true, {}, false));
      return node;
    }
    if (!node.tag->attribute.empty() || node.tag->tuple_target) {
      return fail_here("expected token '=', got '" + describe(current()) + "'");
    }
    node.kind = NodeKind::kSetBlock;
    if (is_op("|")) {
      BATON_ASSIGN_OR_RETURN(node.expr,
                             parse_filter(make(ExprKind::kBlockInput, current()), false));
    }
    BATON_ASSIGN_OR_RETURN(node.tag->body, parse_statements({"endset"}, true));
    return node;
  }

  Result<Node> parse_with(Node node) {
    node.kind = NodeKind::kWith;
    while (current().kind != TokenKind::kBlockEnd) {
      if (!node.tag->targets.empty()) BATON_TRY(expect_op(","));
      BATON_ASSIGN_OR_RETURN(std::string name, expect_name());
      node.tag->targets.push_back(std::move(name));
      BATON_TRY(expect_op("="));
      BATON_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
      node.tag->values.push_back(std::move(value));
    }
    BATON_ASSIGN_OR_RETURN(node.tag->body, parse_statements({"endwith"}, true));
    return node;
  }

  Result<Node> parse_filter_block(Node node) {
    node.kind = NodeKind::kFilterBlock;
    BATON_ASSIGN_OR_RETURN(node.expr, parse_filter(make(ExprKind::kBlockInput, current()), true));
    BATON_ASSIGN_OR_RETURN(node.tag->body, parse_statements({"endfilter"}, true));
    return node;
  }

  Status parse_signature(Node& node) {
    BATON_TRY(expect_op("("));
    bool has_default = false;
    while (!is_op(")")) {
      if (!node.tag->params.empty()) BATON_TRY(expect_op(","));
      BATON_ASSIGN_OR_RETURN(std::string name, expect_name());
      ExprPtr default_value;
      if (skip_op("=")) {
        BATON_ASSIGN_OR_RETURN(default_value, parse_expression(true));
        has_default = true;
      } else if (has_default) {
        return fail_here("non-default argument follows default argument");
      }
      node.tag->params.push_back(std::move(name));
      node.tag->values.push_back(std::move(default_value));
    }
    return expect_op(")");
  }

  Result<Node> parse_macro(Node node) {
    node.kind = NodeKind::kMacro;
    BATON_ASSIGN_OR_RETURN(std::string name, expect_name());
    node.tag->targets.push_back(std::move(name));
    BATON_TRY(parse_signature(node));
    BATON_ASSIGN_OR_RETURN(node.tag->body, parse_statements({"endmacro"}, true));
    scan_special_names(node, node.tag->body);
    return node;
  }

  Result<Node> parse_call_block(Node node) {
    node.kind = NodeKind::kCallBlock;
    if (is_op("(")) BATON_TRY(parse_signature(node));
    const Token& at = current();
    BATON_ASSIGN_OR_RETURN(node.expr, parse_expression(true));
    if (node.expr->kind != ExprKind::kCall) return fail_at(at, "expected call");
    BATON_ASSIGN_OR_RETURN(node.tag->body, parse_statements({"endcall"}, true));
    scan_special_names(node, node.tag->body);
    return node;
  }

  // Jinja2 gives a macro `caller`, `varargs` and `kwargs` only when its body reads them.
  static void scan_expr(Node& macro, const Expr* expr) {
    if (!expr) return;
    if (expr->kind == ExprKind::kName) {
      if (expr->name == "caller") macro.tag->uses_caller = true;
      if (expr->name == "varargs") macro.tag->uses_varargs = true;
      if (expr->name == "kwargs") macro.tag->uses_kwargs = true;
    }
    for (const ExprPtr& child : expr->children) scan_expr(macro, child.get());
  }
  static void scan_special_names(Node& macro, const Body& body) {
    for (const Node& node : body) {
      scan_expr(macro, node.expr.get());
      if (!node.tag) continue;
      scan_expr(macro, node.tag->condition.get());
      for (const ExprPtr& value : node.tag->values) scan_expr(macro, value.get());
      for (const Branch& branch : node.tag->branches) {
        scan_expr(macro, branch.condition.get());
        scan_special_names(macro, branch.body);
      }
      if (node.kind != NodeKind::kMacro) scan_special_names(macro, node.tag->body);
      scan_special_names(macro, node.tag->else_body);
    }
  }

  // --- expressions ------------------------------------------------------------------------

  // `{{ name.attribute.attribute }}`, by far the most common output, parsed directly into the
  // tree the descent through every precedence level below would build, at a fraction of its
  // cost. nullptr (nothing consumed) when the tokens up to `}}` are anything else.
  ExprPtr parse_attribute_chain() {
    constexpr std::size_t kMaxAttributes = 8;  // a longer chain takes the general path
    const Token& first = current();
    if (first.kind != TokenKind::kName || is_keyword_start(first.text)) return nullptr;
    std::size_t end = pos_ + 1;
    std::size_t attributes = 0;
    while (attributes < kMaxAttributes && tokens_[end].kind == TokenKind::kOperator &&
           tokens_[end].text == "." && tokens_[end + 1].kind == TokenKind::kName) {
      end += 2;
      ++attributes;
    }
    if (tokens_[end].kind != TokenKind::kVariableEnd) return nullptr;
    ExprPtr expr = make(ExprKind::kName, first);
    expr->name = std::string(advance().text);
    expr->depth = 1;
    while (pos_ < end) {
      advance();  // .
      ExprPtr get = make_at(ExprKind::kGetattr, *expr);
      get->name = std::string(advance().text);
      get->depth = expr->depth + 1;
      get->children.push_back(std::move(expr));
      expr = std::move(get);
    }
    return expr;
  }
  // Names that do not start a plain name expression: constants and `not`.
  static bool is_keyword_start(std::string_view name) {
    return name == "true" || name == "True" || name == "false" || name == "False" ||
           name == "none" || name == "None" || name == "not";
  }
  bool is_tuple_end(std::initializer_list<std::string_view> extra_end) const {
    const Token& token = current();
    if (token.kind == TokenKind::kVariableEnd || token.kind == TokenKind::kBlockEnd ||
        token.kind == TokenKind::kEnd || is_op(")")) {
      return true;
    }
    return at_end_tag(extra_end);
  }

  Result<ExprPtr> parse_tuple(bool with_condexpr, std::initializer_list<std::string_view> extra_end,
                              bool explicit_parentheses) {
    const Token& start = current();
    // Most expressions are not tuples: the items go into a vector only once a comma is seen.
    ExprPtr first;
    if (!is_tuple_end(extra_end)) {
      BATON_ASSIGN_OR_RETURN(first, parse_expression(with_condexpr));
      if (!is_op(",")) return first;
    } else if (!explicit_parentheses) {
      return fail_here("Expected an expression, got '" + describe(current()) + "'");
    }
    ExprPtr tuple = make(ExprKind::kTuple, start);
    if (first) {
      tuple->children.push_back(std::move(first));
      while (skip_op(",")) {
        if (is_tuple_end(extra_end)) break;
        BATON_ASSIGN_OR_RETURN(ExprPtr item, parse_expression(with_condexpr));
        tuple->children.push_back(std::move(item));
      }
    }
    return checked(std::move(tuple));
  }

  Result<ExprPtr> parse_expression(bool with_condexpr) {
    DepthGuard guard(recursion_);
    if (too_deep()) return too_deep_error();
    if (!with_condexpr) return parse_or();
    BATON_ASSIGN_OR_RETURN(ExprPtr expr, parse_or());
    while (skip_name("if")) {
      BATON_ASSIGN_OR_RETURN(ExprPtr test, parse_or());
      ExprPtr otherwise;
      if (skip_name("else")) {
        BATON_ASSIGN_OR_RETURN(otherwise, parse_expression(true));
      }
      ExprPtr cond = make_at(ExprKind::kCondExpr, *expr);
      cond->children.push_back(std::move(test));
      cond->children.push_back(std::move(expr));
      cond->children.push_back(std::move(otherwise));
      BATON_ASSIGN_OR_RETURN(expr, checked(std::move(cond)));
    }
    return expr;
  }

  Result<ExprPtr> binary(ExprKind kind, ExprPtr left, ExprPtr right) {
    ExprPtr node = make_at(kind, *left);
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return checked(std::move(node));
  }

  Result<ExprPtr> parse_or() {
    BATON_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
    while (skip_name("or")) {
      BATON_ASSIGN_OR_RETURN(ExprPtr right, parse_and());
      BATON_ASSIGN_OR_RETURN(left, binary(ExprKind::kOr, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_and() {
    BATON_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
    while (skip_name("and")) {
      BATON_ASSIGN_OR_RETURN(ExprPtr right, parse_not());
      BATON_ASSIGN_OR_RETURN(left, binary(ExprKind::kAnd, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_not() {
    if (is_name("not")) {
      DepthGuard guard(recursion_);
      if (too_deep()) return too_deep_error();
      ExprPtr node = make(ExprKind::kNot, advance());
      BATON_ASSIGN_OR_RETURN(ExprPtr operand, parse_not());
      node->children.push_back(std::move(operand));
      return checked(std::move(node));
    }
    return parse_compare();
  }

  Result<ExprPtr> parse_compare() {
    BATON_ASSIGN_OR_RETURN(ExprPtr expr, parse_math1());
    ExprPtr compare;
    while (true) {
      CompareOp op;
      const Token& token = current();
      if (token.kind == TokenKind::kOperator && token.text == "==") {
        op = CompareOp::kEq;
      } else if (token.kind == TokenKind::kOperator && token.text == "!=") {
        op = CompareOp::kNe;
      } else if (token.kind == TokenKind::kOperator && token.text == "<") {
        op = CompareOp::kLt;
      } else if (token.kind == TokenKind::kOperator && token.text == "<=") {
        op = CompareOp::kLe;
      } else if (token.kind == TokenKind::kOperator && token.text == ">") {
        op = CompareOp::kGt;
      } else if (token.kind == TokenKind::kOperator && token.text == ">=") {
        op = CompareOp::kGe;
      } else if (is_name("in")) {
        op = CompareOp::kIn;
      } else if (is_name("not") && look().kind == TokenKind::kName && look().text == "in") {
        advance();
        op = CompareOp::kNotIn;
      } else {
        break;
      }
      advance();
      if (!compare) {
        compare = make_at(ExprKind::kCompare, *expr);
        compare->children.push_back(std::move(expr));
      }
      BATON_ASSIGN_OR_RETURN(ExprPtr right, parse_math1());
      compare->ops.push_back(op);
      compare->children.push_back(std::move(right));
    }
    if (compare) return checked(std::move(compare));
    return expr;
  }

  Result<ExprPtr> arith(BinaryOp op, ExprPtr left, ExprPtr right) {
    ExprPtr node = make_at(ExprKind::kBinary, *left);
    node->binary_op = op;
    node->children.push_back(std::move(left));
    node->children.push_back(std::move(right));
    return checked(std::move(node));
  }

  Result<ExprPtr> parse_math1() {
    BATON_ASSIGN_OR_RETURN(ExprPtr left, parse_concat());
    while (is_op("+") || is_op("-")) {
      BinaryOp op = advance().text == "+" ? BinaryOp::kAdd : BinaryOp::kSub;
      BATON_ASSIGN_OR_RETURN(ExprPtr right, parse_concat());
      BATON_ASSIGN_OR_RETURN(left, arith(op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_concat() {
    BATON_ASSIGN_OR_RETURN(ExprPtr first, parse_math2());
    if (!is_op("~")) return first;
    ExprPtr node = make_at(ExprKind::kConcat, *first);
    node->children.push_back(std::move(first));
    while (skip_op("~")) {
      BATON_ASSIGN_OR_RETURN(ExprPtr next, parse_math2());
      node->children.push_back(std::move(next));
    }
    return checked(std::move(node));
  }

  Result<ExprPtr> parse_math2() {
    BATON_ASSIGN_OR_RETURN(ExprPtr left, parse_pow());
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string_view text = advance().text;
      BinaryOp op = text == "*"    ? BinaryOp::kMul
                    : text == "/"  ? BinaryOp::kDiv
                    : text == "//" ? BinaryOp::kFloorDiv
                                   : BinaryOp::kMod;
      BATON_ASSIGN_OR_RETURN(ExprPtr right, parse_pow());
      BATON_ASSIGN_OR_RETURN(left, arith(op, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_pow() {
    BATON_ASSIGN_OR_RETURN(ExprPtr left, parse_unary(true));
    while (skip_op("**")) {
      BATON_ASSIGN_OR_RETURN(ExprPtr right, parse_unary(true));
      BATON_ASSIGN_OR_RETURN(left, arith(BinaryOp::kPow, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<ExprPtr> parse_unary(bool with_filter) {
    DepthGuard guard(recursion_);
    if (too_deep()) return too_deep_error();
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      node = make(ExprKind::kUnary, current());
      node->unary_op = advance().text == "-" ? UnaryOp::kNeg : UnaryOp::kPos;
      BATON_ASSIGN_OR_RETURN(ExprPtr operand, parse_unary(false));
      node->children.push_back(std::move(operand));
      BATON_ASSIGN_OR_RETURN(node, checked(std::move(node)));
    } else {
      BATON_ASSIGN_OR_RETURN(node, parse_primary());
    }
    BATON_ASSIGN_OR_RETURN(node, parse_postfix(std::move(node)));
    if (with_filter) return parse_filter_expr(std::move(node));
    return node;
  }

  Result<ExprPtr> parse_primary() {
    const Token& token = current();
    if (token.kind == TokenKind::kName) {
      ExprPtr node = make(ExprKind::kConst, token);
      std::string_view name = token.text;
      if (name == "true" || name == "True") {
        node->constant = Value(true);
      } else if (name == "false" || name == "False") {
        node->constant = Value(false);
      } else if (name == "none" || name == "None") {
        node->constant = Value::none();
      } else {
        node->kind = ExprKind::kName;
        node->name = std::string(name);
      }
      advance();
      return checked(std::move(node));
    }
    if (token.kind == TokenKind::kString) {
      ExprPtr node = make(ExprKind::kConst, token);
      std::string text;
      while (current().kind == TokenKind::kString) text += advance().value;
      node->constant = Value(std::move(text));
      return checked(std::move(node));
    }
    if (token.kind == TokenKind::kInteger || token.kind == TokenKind::kFloat) {
      ExprPtr node = make(ExprKind::kConst, token);
      node->constant =
          token.kind == TokenKind::kInteger ? Value(token.int_value) : Value(token.float_value);
      advance();
      return checked(std::move(node));
    }
    if (is_op("(")) {
      advance();
      BATON_ASSIGN_OR_RETURN(ExprPtr node, parse_tuple(true, {}, true));
      BATON_TRY(expect_op(")"));
      return node;
    }
    if (is_op("[")) {
      ExprPtr node = make(ExprKind::kList, advance());
      while (!is_op("]")) {
        if (!node->children.empty()) BATON_TRY(expect_op(","));
        if (is_op("]")) break;
        BATON_ASSIGN_OR_RETURN(ExprPtr item, parse_expression(true));
        node->children.push_back(std::move(item));
      }
      BATON_TRY(expect_op("]"));
      return checked(std::move(node));
    }
    if (is_op("{")) {
      ExprPtr node = make(ExprKind::kDict, advance());
      while (!is_op("}")) {
        if (!node->children.empty()) BATON_TRY(expect_op(","));
        if (is_op("}")) break;
        BATON_ASSIGN_OR_RETURN(ExprPtr key, parse_expression(true));
        BATON_TRY(expect_op(":"));
        BATON_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
        node->children.push_back(std::move(key));
        node->children.push_back(std::move(value));
      }
      BATON_TRY(expect_op("}"));
      return checked(std::move(node));
    }
    if (token.kind == TokenKind::kEnd) return fail_here("unexpected end of template");
    return fail_here("unexpected '" + describe(token) + "'");
  }

  Result<ExprPtr> parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        BATON_ASSIGN_OR_RETURN(node, parse_subscript(std::move(node)));
      } else if (is_op("(")) {
        BATON_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
      } else {
        return node;
      }
    }
  }

  Result<ExprPtr> parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        BATON_ASSIGN_OR_RETURN(node, parse_filter(std::move(node), false));
      } else if (is_name("is")) {
        BATON_ASSIGN_OR_RETURN(node, parse_test(std::move(node)));
      } else if (is_op("(")) {
        BATON_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
      } else {
        return node;
      }
    }
  }

  Result<ExprPtr> parse_subscript(ExprPtr node) {
    const Token& token = advance();
    if (token.text == ".") {
      const Token& attr = current();
      if (attr.kind == TokenKind::kName) {
        ExprPtr get = make_at(ExprKind::kGetattr, *node);
        get->name = std::string(advance().text);
        get->children.push_back(std::move(node));
        return checked(std::move(get));
      }
      if (attr.kind == TokenKind::kInteger) {
        ExprPtr get = make_at(ExprKind::kGetitem, *node);
        ExprPtr index = make(ExprKind::kConst, attr);
        index->constant = Value(attr.int_value);
        advance();
        index->depth = 1;
        get->children.push_back(std::move(node));
        get->children.push_back(std::move(index));
        return checked(std::move(get));
      }
      return fail_here("expected name or number");
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) BATON_TRY(expect_op(","));
      BATON_ASSIGN_OR_RETURN(ExprPtr arg, parse_subscribed());
      args.push_back(std::move(arg));
    }
    BATON_TRY(expect_op("]"));
    if (args.size() == 1 && args[0]->kind == ExprKind::kSlice) {
      args[0]->children[0] = std::move(node);
      args[0]->line = args[0]->children[0]->line;
      args[0]->column = args[0]->children[0]->column;
      return checked(std::move(args[0]));
    }
    ExprPtr get = make_at(ExprKind::kGetitem, *node);
    get->children.push_back(std::move(node));
    if (args.size() == 1) {
      get->children.push_back(std::move(args[0]));
    } else {
      for (const ExprPtr& arg : args) {
        if (arg->kind == ExprKind::kSlice) {
          return fail_at(token, "slices inside a tuple subscript are not supported");
        }
      }
      ExprPtr tuple = make(ExprKind::kTuple, token);
      tuple->children = std::move(args);
      BATON_ASSIGN_OR_RETURN(tuple, checked(std::move(tuple)));
      get->children.push_back(std::move(tuple));
    }
    return checked(std::move(get));
  }

  bool at_slice_part_end() const { return is_op("]") || is_op(","); }

  // One subscript: an expression or a slice (children[0] is filled in by the caller).
  Result<ExprPtr> parse_subscribed() {
    const Token& start = current();
    ExprPtr first;
    if (!is_op(":")) {
      BATON_ASSIGN_OR_RETURN(first, parse_expression(true));
      if (!is_op(":")) return first;
    }
    advance();
    ExprPtr slice = make(ExprKind::kSlice, start);
    slice->children.push_back(nullptr);
    slice->children.push_back(std::move(first));
    ExprPtr stop;
    if (!is_op(":") && !at_slice_part_end()) {
      BATON_ASSIGN_OR_RETURN(stop, parse_expression(true));
    }
    slice->children.push_back(std::move(stop));
    ExprPtr step;
    if (skip_op(":") && !at_slice_part_end()) {
      BATON_ASSIGN_OR_RETURN(step, parse_expression(true));
    }
    slice->children.push_back(std::move(step));
    return slice;
  }

  // `(args)` into `node` (children after the first): positional, then keyword arguments.
  Status parse_call_args(Expr& node) {
    BATON_TRY(expect_op("("));
    bool require_comma = false;
    while (!is_op(")")) {
      if (require_comma) {
        BATON_TRY(expect_op(","));
        if (is_op(")")) break;
      }
      if (is_op("*") || is_op("**")) {
        return fail_here("'" + std::string(current().text) + "' arguments are not supported");
      }
      if (current().kind == TokenKind::kName && look().kind == TokenKind::kOperator &&
          look().text == "=") {
        std::string key(advance().text);
        advance();
        BATON_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
        node.keywords.push_back(std::move(key));
        node.children.push_back(std::move(value));
      } else {
        if (!node.keywords.empty()) {
          return fail_here("invalid syntax for function call expression");
        }
        BATON_ASSIGN_OR_RETURN(ExprPtr value, parse_expression(true));
        node.children.push_back(std::move(value));
      }
      require_comma = true;
    }
    return expect_op(")");
  }

  Result<ExprPtr> parse_call(ExprPtr node) {
    ExprPtr call = make_at(ExprKind::kCall, *node);
    call->children.push_back(std::move(node));
    BATON_TRY(parse_call_args(*call));
    return checked(std::move(call));
  }

  Result<std::string> parse_dotted_name() {
    BATON_ASSIGN_OR_RETURN(std::string name, expect_name());
    while (skip_op(".")) {
      BATON_ASSIGN_OR_RETURN(std::string part, expect_name());
      name += "." + part;
    }
    return name;
  }

  Result<ExprPtr> parse_filter(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) advance();
      start_inline = false;
      const Token& at = current();
      BATON_ASSIGN_OR_RETURN(std::string name, parse_dotted_name());
      ExprPtr filter = make(ExprKind::kFilter, at);
      filter->filter = find_filter(name);
      if (filter->filter == nullptr) {
        if (is_unsupported_filter(name)) {
          return fail_at(at, "filter '" + name + "' is not supported");
        }
        return fail_at(at, "No filter named '" + name + "'.");
      }
      filter->name = std::move(name);
      filter->children.push_back(std::move(node));
      if (is_op("(")) BATON_TRY(parse_call_args(*filter));
      BATON_ASSIGN_OR_RETURN(node, checked(std::move(filter)));
    }
    return node;
  }

  Result<ExprPtr> parse_test(ExprPtr node) {
    advance();  // is
    bool negated = skip_name("not");
    const Token& at = current();
    BATON_ASSIGN_OR_RETURN(std::string name, parse_dotted_name());
    ExprPtr test = make_at(ExprKind::kTest, *node);
    test->negated = negated;
    test->test = find_test(name);
    if (test->test == nullptr) return fail_at(at, "No test named '" + name + "'.");
    test->name = std::move(name);
    test->children.push_back(std::move(node));
    const Token& next = current();
    bool arg_start = next.kind == TokenKind::kName || next.kind == TokenKind::kString ||
                     next.kind == TokenKind::kInteger || next.kind == TokenKind::kFloat ||
                     is_op("(") || is_op("[") || is_op("{");
    if (is_op("(")) {
      BATON_TRY(parse_call_args(*test));
    } else if (arg_start && !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) return fail_here("You cannot chain multiple tests with is");
      BATON_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
      BATON_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
      test->children.push_back(std::move(arg));
    }
    return checked(std::move(test));
  }

  std::vector<Token>& tokens_;
  std::size_t pos_ = 0;
  int recursion_ = 0;
  // The end tags each open block awaits: views of the braced lists passed down to subparse()
  // and parse_statements(), which outlive the blocks they are pushed for.
  std::vector<std::initializer_list<std::string_view>> end_stack_;
  std::vector<std::string_view> tag_stack_;  // the tags being parsed
};

}  // namespace

Result<std::shared_ptr<ParsedTemplate>> parse_template(std::string_view source) {
  auto parsed = std::make_shared<ParsedTemplate>();
  parsed->source = std::string(source);
  // Tokens are needed only while parsing: one buffer per thread, reused, saves an allocation
  // per template, often of more than a kilobyte (which costs malloc more than a small one).
  // A buffer that an unusually large template grew is dropped at the next parse. (Nothing
  // the parser calls parses a template, so the buffer is never in use twice.)
  constexpr std::size_t kTokensKept = 1024;
  thread_local std::vector<Token> tokens;
  if (tokens.capacity() > kTokensKept) tokens = {};
  BATON_TRY(tokenize(parsed->source, tokens));
  Parser parser(tokens);
  BATON_ASSIGN_OR_RETURN(parsed->body, parser.parse_all());
  const Node* single = nullptr;
  bool only_text = true;
  bool single_ok = true;
  for (const Node& node : parsed->body) {
    if (node.kind == NodeKind::kText) {
      for (std::size_t i = 0; i < node.text.size();) {
        std::size_t len = whitespace_length_at(node.text, i);
        if (len == 0) {
          single_ok = false;
          break;
        }
        i += len;
      }
      continue;
    }
    only_text = false;
    if (node.kind == NodeKind::kOutput && single == nullptr) {
      single = &node;
    } else {
      single_ok = false;
    }
  }
  parsed->text_only = only_text;
  if (single_ok && single != nullptr) parsed->single_expression = single->expr.get();
  collect_references(*parsed);
  return parsed;
}

}  // namespace baton::lang
