#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/lang/template/builtins.h"
#include "src/lang/template/value.h"

namespace baton::lang {

enum class ExprKind : std::uint8_t {
  kConst,       // constant
  kName,        // name
  kList,        // children
  kTuple,       // children
  kDict,        // children: key, value, key, value...
  kGetattr,     // children[0].name
  kGetitem,     // children[0][children[1]]
  kSlice,       // children[0][c1:c2:c3]; absent bounds are nullptr
  kCall,        // children[0](children[1..]); the last keywords.size() are keyword arguments
  kFilter,      // children[0] | name(children[1..])
  kTest,        // children[0] is [not] name(children[1..])
  kBinary,      // children[0] op children[1]
  kUnary,       // -x, +x
  kNot,         // not x
  kAnd,         // children[0] and children[1]
  kOr,          // children[0] or children[1]
  kCompare,     // children[0] ops[0] children[1] ops[1] children[2] ...
  kCondExpr,    // children[1] if children[0] else children[2] (nullptr: undefined)
  kConcat,      // children[0] ~ children[1] ~ ...
  kBlockInput,  // the rendered body that a filter block or a set block filters
};

enum class CompareOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

struct Expr {
  ExprKind kind = ExprKind::kConst;
  int line = 0;
  int column = 0;
  int depth = 0;  // the height of this tree, set by the parser to refuse too deep nesting
  Value constant;
  std::string name;
  std::vector<std::unique_ptr<Expr>> children;
  std::vector<std::string> keywords;  // kCall, kFilter, kTest: keyword argument names
  std::vector<CompareOp> ops;         // kCompare
  BinaryOp binary_op = BinaryOp::kAdd;
  UnaryOp unary_op = UnaryOp::kNeg;
  bool negated = false;  // kTest: `is not`
  FilterFn filter = nullptr;
  TestFn test = nullptr;
};

enum class NodeKind : std::uint8_t {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // branches; else_body
  kFor,          // targets in expr [if condition]: body; else_body
  kSet,          // targets = expr; or attribute target: targets[0].attribute = expr
  kSetBlock,     // {% set targets[0] [| filter] %}body{% endset %}
  kFilterBlock,  // {% filter filter %}body{% endfilter %}
  kWith,         // {% with targets = values %}body{% endwith %}
  kMacro,        // {% macro name(params) %}body{% endmacro %}
  kCallBlock,    // {% call(params) expr %}body{% endcall %}
};

struct Node;
using Body = std::vector<Node>;

struct Branch {
  std::unique_ptr<Expr> condition;
  Body body;
};

// What a tag node ({% ... %}) holds besides its expression. Text and output nodes, nearly
// every node of a template, have none: keeping this out of Node keeps them small.
struct Tag {
  std::unique_ptr<Expr> condition;   // for ... if condition
  std::vector<std::string> targets;  // assigned names; a macro's name is targets[0]
  bool tuple_target = false;         // `a, b = ...` / `for a, b in ...` (even with one name)
  std::unique_ptr<Expr> target;      // for, set: kName or kTuple of (nested) targets
  std::string attribute;             // `set ns.attribute = ...`
  std::vector<std::unique_ptr<Expr>> values;  // with: values; macro: parameter defaults
  std::vector<std::string> params;            // macro, call block parameters
  std::vector<Branch> branches;               // if / elif
  Body body;
  Body else_body;
  bool uses_caller = false;  // a macro whose body reads `caller`
  bool uses_varargs = false;
  bool uses_kwargs = false;
};

struct Node {
  NodeKind kind = NodeKind::kText;
  int line = 0;
  int column = 0;
  std::string text;
  std::unique_ptr<Expr> expr;  // output, for iterable, set value, filter chain, call
  std::unique_ptr<Tag> tag;    // every node made from a {% tag %}, else null
};

}  // namespace baton::lang
