// Expression evaluation for Renderer: Jinja2's semantics over Values.
#include <cstdint>
#include <utility>

#include "src/lang/template/renderer.h"

namespace baton::lang {
namespace {

// Jinja2 looks an attribute up on the Python object first: on a dict, these names are methods.
bool is_dict_method(std::string_view name) {
  static constexpr std::string_view kMethods[] = {
      "clear", "copy",    "fromkeys",   "get",    "items",  "keys",
      "pop",   "popitem", "setdefault", "update", "values",
  };
  for (std::string_view method : kMethods) {
    if (name == method) return true;
  }
  return false;
}

}  // namespace

Result<bool> Renderer::truthy(const Value& value, const Expr& where) {
  if (value.is_undefined()) {
    if (is_lenient_undefined(value)) return false;
    return error_at(where, value.undefined_message());
  }
  Result<bool> result = is_truthy(value);
  if (!result) return located(std::move(result).error(), where);
  return result;
}

Result<const Value*> Renderer::eval_ref(const Expr& expr, Value& scratch) {
  switch (expr.kind) {
    case ExprKind::kConst:
      return &expr.constant;
    case ExprKind::kName: {
      if (const Value* value = lookup(expr.name)) return value;
      scratch = find_global(expr.name);
      if (scratch.is_undefined()) scratch = Value::undefined("'" + expr.name + "' is undefined");
      return &scratch;
    }
    case ExprKind::kGetattr: {
      Value inner;
      BATON_ASSIGN_OR_RETURN(const Value* base, eval_ref(*expr.children[0], inner));
      if (base->is_undefined()) return error_at(*expr.children[0], base->undefined_message());
      if (base->is_dict() && !is_dict_method(expr.name)) {
        const Value* found = base->as_dict().find(expr.name);
        if (found == nullptr) {
          scratch = Value::undefined("'dict object' has no attribute '" + expr.name + "'");
          return &scratch;
        }
        if (base != &inner) return found;
        scratch = *found;
        return &scratch;
      }
      Result<Value> value = get_attribute(*base, expr.name);
      if (!value) return located(std::move(value).error(), expr);
      scratch = std::move(*value);
      return &scratch;
    }
    case ExprKind::kGetitem: {
      Value inner;
      BATON_ASSIGN_OR_RETURN(const Value* base, eval_ref(*expr.children[0], inner));
      if (base->is_undefined()) return error_at(*expr.children[0], base->undefined_message());
      Value key_scratch;
      BATON_ASSIGN_OR_RETURN(const Value* key, eval_ref(*expr.children[1], key_scratch));
      if (key->is_undefined()) return error_at(*expr.children[1], key->undefined_message());
      if (base->is_dict() && key->is_string() && base != &inner) {
        if (const Value* found = base->as_dict().find(key->as_string())) return found;
      }
      if (base->is_list() && key->is_int() && base != &inner) {
        const ValueList& items = base->as_list();
        std::int64_t size = static_cast<std::int64_t>(items.size());
        std::int64_t index = key->as_int() < 0 ? key->as_int() + size : key->as_int();
        if (index >= 0 && index < size) return &items[static_cast<std::size_t>(index)];
      }
      Result<Value> value = get_item(*base, *key);
      if (!value) return located(std::move(value).error(), expr);
      scratch = std::move(*value);
      return &scratch;
    }
    default: {
      BATON_ASSIGN_OR_RETURN(scratch, eval(expr));
      return &scratch;
    }
  }
}

Result<CallArgs> Renderer::eval_args(const Expr& expr, std::size_t first) {
  CallArgs args;
  std::size_t keyword_start = expr.children.size() - expr.keywords.size();
  for (std::size_t i = first; i < expr.children.size(); ++i) {
    BATON_ASSIGN_OR_RETURN(Value value, eval(*expr.children[i]));
    if (i < keyword_start) {
      args.positional.push_back(std::move(value));
    } else {
      args.keyword.emplace_back(expr.keywords[i - keyword_start], std::move(value));
    }
  }
  return args;
}

Result<Value> Renderer::eval_call(const Expr& expr, Value* caller) {
  const Expr& callee = *expr.children[0];
  if (callee.kind == ExprKind::kGetattr && caller == nullptr) {
    Value receiver_scratch;
    BATON_ASSIGN_OR_RETURN(const Value* receiver, eval_ref(*callee.children[0], receiver_scratch));
    if (receiver->is_undefined()) {
      return error_at(*callee.children[0], receiver->undefined_message());
    }
    BATON_ASSIGN_OR_RETURN(CallArgs args, eval_args(expr, 1));
    Result<Value> result = receiver->is_object()
                               ? receiver->as_object().call_method(callee.name, args)
                               : call_method(*receiver, callee.name, args);
    if (!result) return located(std::move(result).error(), expr);
    return result;
  }
  Value function_scratch;
  BATON_ASSIGN_OR_RETURN(const Value* function, eval_ref(callee, function_scratch));
  if (function->is_undefined()) return error_at(callee, function->undefined_message());
  if (!function->is_object()) {
    return error_at(expr, "'" + std::string(type_name(*function)) + "' object is not callable");
  }
  Value function_value = *function;  // keeps the object alive while it runs
  BATON_ASSIGN_OR_RETURN(CallArgs args, eval_args(expr, 1));
  if (caller != nullptr) args.keyword.emplace_back("caller", *caller);
  Result<Value> result = function_value.as_object().call(args);
  if (!result) return located(std::move(result).error(), expr);
  return result;
}

Result<Value> Renderer::eval_compare(const Expr& expr) {
  BATON_ASSIGN_OR_RETURN(Value left, eval(*expr.children[0]));
  if (left.is_undefined()) return error_at(*expr.children[0], left.undefined_message());
  for (std::size_t i = 0; i < expr.ops.size(); ++i) {
    const Expr& right_expr = *expr.children[i + 1];
    BATON_ASSIGN_OR_RETURN(Value right, eval(right_expr));
    if (right.is_undefined()) return error_at(right_expr, right.undefined_message());
    bool holds = false;
    switch (expr.ops[i]) {
      case CompareOp::kEq:
        holds = equals(left, right);
        break;
      case CompareOp::kNe:
        holds = !equals(left, right);
        break;
      case CompareOp::kIn:
      case CompareOp::kNotIn: {
        Result<bool> found = contains(right, left);
        if (!found) return located(std::move(found).error(), expr);
        holds = *found == (expr.ops[i] == CompareOp::kIn);
        break;
      }
      default: {
        Result<int> order = compare(left, right);
        if (!order) return located(std::move(order).error(), expr);
        switch (expr.ops[i]) {
          case CompareOp::kLt:
            holds = *order < 0;
            break;
          case CompareOp::kLe:
            holds = *order <= 0;
            break;
          case CompareOp::kGt:
            holds = *order > 0;
            break;
          default:
            holds = *order >= 0;
            break;
        }
      }
    }
    if (!holds) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Result<Value> Renderer::eval_concat(const Expr& expr) {
  std::string text;
  for (const auto& child : expr.children) {
    Value scratch;
    BATON_ASSIGN_OR_RETURN(const Value* value, eval_ref(*child, scratch));
    if (value->is_string()) {
      text += value->as_string();
    } else if (value->is_undefined()) {
      if (!is_lenient_undefined(*value)) return error_at(*child, value->undefined_message());
    } else if (value->is_object()) {
      text += value->as_object().str();
    } else {
      text += to_str(*value);
    }
  }
  return Value(std::move(text));
}

Result<Value> Renderer::eval(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kConst:
      return expr.constant;
    case ExprKind::kName:
    case ExprKind::kGetattr:
    case ExprKind::kGetitem: {
      Value scratch;
      BATON_ASSIGN_OR_RETURN(const Value* value, eval_ref(expr, scratch));
      if (value == &scratch) return Value(std::move(scratch));
      return *value;
    }
    case ExprKind::kList:
    case ExprKind::kTuple: {
      ValueList items;
      items.reserve(expr.children.size());
      for (const auto& child : expr.children) {
        BATON_ASSIGN_OR_RETURN(Value item, eval(*child));
        items.push_back(std::move(item));
      }
      if (expr.kind == ExprKind::kTuple) return Value::tuple(std::move(items));
      return Value(std::move(items));
    }
    case ExprKind::kDict: {
      ValueDict dict;
      for (std::size_t i = 0; i + 1 < expr.children.size(); i += 2) {
        BATON_ASSIGN_OR_RETURN(Value key, eval(*expr.children[i]));
        if (key.is_undefined()) return error_at(*expr.children[i], key.undefined_message());
        if (!key.is_string()) {
          return error_at(*expr.children[i], "dict keys other than strings are not supported");
        }
        BATON_ASSIGN_OR_RETURN(Value value, eval(*expr.children[i + 1]));
        dict.set(key.as_string(), std::move(value));
      }
      return Value(std::move(dict));
    }
    case ExprKind::kSlice: {
      BATON_ASSIGN_OR_RETURN(Value base, eval(*expr.children[0]));
      if (base.is_undefined()) return error_at(*expr.children[0], base.undefined_message());
      Value bounds[3] = {Value::none(), Value::none(), Value::none()};
      for (int i = 0; i < 3; ++i) {
        const auto& bound = expr.children[static_cast<std::size_t>(i) + 1];
        if (!bound) continue;
        BATON_ASSIGN_OR_RETURN(bounds[i], eval(*bound));
        if (bounds[i].is_undefined()) return error_at(*bound, bounds[i].undefined_message());
      }
      Result<Value> sliced = get_slice(base, bounds[0], bounds[1], bounds[2]);
      if (!sliced) return located(std::move(sliced).error(), expr);
      return sliced;
    }
    case ExprKind::kCall:
      return eval_call(expr, nullptr);
    case ExprKind::kFilter: {
      BATON_ASSIGN_OR_RETURN(Value input, eval(*expr.children[0]));
      BATON_ASSIGN_OR_RETURN(CallArgs args, eval_args(expr, 1));
      Result<Value> result = expr.filter(input, args, *this);
      if (!result) return located(std::move(result).error(), expr);
      return result;
    }
    case ExprKind::kTest: {
      BATON_ASSIGN_OR_RETURN(Value input, eval(*expr.children[0]));
      BATON_ASSIGN_OR_RETURN(CallArgs args, eval_args(expr, 1));
      Result<bool> result = expr.test(input, args, *this);
      if (!result) return located(std::move(result).error(), expr);
      return Value(*result != expr.negated);
    }
    case ExprKind::kBinary: {
      BATON_ASSIGN_OR_RETURN(Value left, eval(*expr.children[0]));
      if (left.is_undefined()) return error_at(*expr.children[0], left.undefined_message());
      BATON_ASSIGN_OR_RETURN(Value right, eval(*expr.children[1]));
      if (right.is_undefined()) return error_at(*expr.children[1], right.undefined_message());
      Result<Value> result = apply_binary(expr.binary_op, left, right);
      if (!result) return located(std::move(result).error(), expr);
      return result;
    }
    case ExprKind::kUnary: {
      BATON_ASSIGN_OR_RETURN(Value operand, eval(*expr.children[0]));
      if (operand.is_undefined()) return error_at(*expr.children[0], operand.undefined_message());
      Result<Value> result = apply_unary(expr.unary_op, operand);
      if (!result) return located(std::move(result).error(), expr);
      return result;
    }
    case ExprKind::kNot: {
      BATON_ASSIGN_OR_RETURN(Value operand, eval(*expr.children[0]));
      BATON_ASSIGN_OR_RETURN(bool value, truthy(operand, *expr.children[0]));
      return Value(!value);
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      BATON_ASSIGN_OR_RETURN(Value left, eval(*expr.children[0]));
      BATON_ASSIGN_OR_RETURN(bool value, truthy(left, *expr.children[0]));
      if (value == (expr.kind == ExprKind::kOr)) return left;
      return eval(*expr.children[1]);
    }
    case ExprKind::kCompare:
      return eval_compare(expr);
    case ExprKind::kCondExpr: {
      BATON_ASSIGN_OR_RETURN(Value test, eval(*expr.children[0]));
      BATON_ASSIGN_OR_RETURN(bool value, truthy(test, *expr.children[0]));
      if (value) return eval(*expr.children[1]);
      if (expr.children[2]) return eval(*expr.children[2]);
      return Value::undefined("the inline if-expression on line " + std::to_string(expr.line) +
                              " evaluated to false and no else section was defined.");
    }
    case ExprKind::kConcat:
      return eval_concat(expr);
    case ExprKind::kBlockInput:
      return block_input_ ? *block_input_ : Value(std::string());
  }
  return internal_error("unknown expression");
}

}  // namespace baton::lang
