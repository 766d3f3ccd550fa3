// Python's str/repr, truthiness, comparison and arithmetic over template Values.
#include <cmath>
#include <limits>
#include <string>

#include "src/lang/template/python_internal.h"
#include "src/lang/template/python_text.h"
#include "src/lang/template/value.h"

namespace baton::lang {
namespace {

// bool is an int subtype in Python: True + 1 == 2.
bool is_intlike(const Value& v) { return v.is_int() || v.is_bool(); }
bool is_numeric(const Value& v) { return v.is_number() || v.is_bool(); }
std::int64_t int_of(const Value& v) { return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int(); }

Error overflow_error() {
  return python_error("integer overflow: the result does not fit in 64 bits");
}

std::string type_pair(const Value& left, const Value& right) {
  return "'" + std::string(type_name(left)) + "' and '" + std::string(type_name(right)) + "'";
}

void append_repr_list(std::string& out, const ValueList& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += to_repr(items[i]);
  }
}

// -1/0/1 of two ints compared to a double without losing precision.
int compare_int_float(std::int64_t left, double right) {
  if (std::isnan(right)) return 0;
  const double left_d = static_cast<double>(left);
  if (left_d < right) return -1;
  if (left_d > right) return 1;
  // Equal as doubles: decide exactly when the double is an integer in int64 range.
  if (right >= 9.2e18 || right <= -9.2e18) return 0;
  const auto right_i = static_cast<std::int64_t>(right);
  return left < right_i ? -1 : (left > right_i ? 1 : 0);
}

int compare_numbers(const Value& left, const Value& right) {
  if (is_intlike(left) && is_intlike(right)) {
    const auto a = int_of(left);
    const auto b = int_of(right);
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (is_intlike(left)) return compare_int_float(int_of(left), right.as_float());
  if (is_intlike(right)) return -compare_int_float(int_of(right), left.as_float());
  const double a = left.as_float();
  const double b = right.as_float();
  return a < b ? -1 : (a > b ? 1 : 0);
}

Result<Value> repeat(const Value& sequence, std::int64_t times) {
  if (times < 0) times = 0;
  if (sequence.is_string()) {
    const std::string& text = sequence.as_string();
    if (!text.empty() && static_cast<std::uint64_t>(times) > (1u << 26) / text.size())
      return python_error("string repetition is too large");
    std::string out;
    out.reserve(text.size() * static_cast<std::size_t>(times));
    for (std::int64_t i = 0; i < times; ++i) out += text;
    return Value(std::move(out));
  }
  const ValueList& items = sequence.as_list();
  if (!items.empty() && static_cast<std::uint64_t>(times) > (1u << 22) / items.size())
    return python_error("list repetition is too large");
  ValueList out;
  for (std::int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return sequence.is_tuple() ? Value::tuple(std::move(out)) : Value(std::move(out));
}

double python_float_mod(double a, double b) {
  double mod = std::fmod(a, b);
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

double python_float_floordiv(double a, double b) {
  const double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div != 0.0) {
    double floor_div = std::floor(div);
    if (div - floor_div > 0.5) floor_div += 1.0;
    return floor_div;
  }
  return std::copysign(0.0, a / b);
}

Result<Value> int_pow(std::int64_t base, std::int64_t exponent) {
  if (exponent < 0) {
    if (base == 0) return python_error("0.0 cannot be raised to a negative power");
    return Value(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
  }
  std::int64_t result = 1;
  std::int64_t factor = base;
  while (exponent > 0) {
    if (exponent & 1) {
      if (__builtin_mul_overflow(result, factor, &result)) return overflow_error();
    }
    exponent >>= 1;
    if (exponent > 0 && __builtin_mul_overflow(factor, factor, &factor)) return overflow_error();
  }
  return Value(result);
}

Result<Value> arithmetic(BinaryOp op, const Value& left, const Value& right) {
  if (is_intlike(left) && is_intlike(right)) {
    const std::int64_t a = int_of(left);
    const std::int64_t b = int_of(right);
    std::int64_t out = 0;
    switch (op) {
      case BinaryOp::kAdd:
        if (__builtin_add_overflow(a, b, &out)) return overflow_error();
        return Value(out);
      case BinaryOp::kSub:
        if (__builtin_sub_overflow(a, b, &out)) return overflow_error();
        return Value(out);
      case BinaryOp::kMul:
        if (__builtin_mul_overflow(a, b, &out)) return overflow_error();
        return Value(out);
      case BinaryOp::kDiv:
        if (b == 0) return python_error("division by zero");
        return Value(static_cast<double>(a) / static_cast<double>(b));
      case BinaryOp::kFloorDiv: {
        if (b == 0) return python_error("integer division or modulo by zero");
        if (a == std::numeric_limits<std::int64_t>::min() && b == -1) return overflow_error();
        std::int64_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
        return Value(q);
      }
      case BinaryOp::kMod: {
        if (b == 0) return python_error("integer modulo by zero");
        if (b == -1) return Value(std::int64_t{0});
        std::int64_t r = a % b;
        if (r != 0 && ((r < 0) != (b < 0))) r += b;
        return Value(r);
      }
      case BinaryOp::kPow:
        return int_pow(a, b);
      default:
        break;
    }
  }
  const double a = left.as_number();
  const double b = right.as_number();
  switch (op) {
    case BinaryOp::kAdd:
      return Value(a + b);
    case BinaryOp::kSub:
      return Value(a - b);
    case BinaryOp::kMul:
      return Value(a * b);
    case BinaryOp::kDiv:
      if (b == 0) return python_error("float division by zero");
      return Value(a / b);
    case BinaryOp::kFloorDiv:
      if (b == 0) return python_error("float floor division by zero");
      return Value(python_float_floordiv(a, b));
    case BinaryOp::kMod:
      if (b == 0) return python_error("float modulo");
      return Value(python_float_mod(a, b));
    case BinaryOp::kPow: {
      if (a == 0 && b < 0) return python_error("0.0 cannot be raised to a negative power");
      if (a < 0 && b != std::floor(b))
        return python_error("a negative number raised to a fractional power is complex");
      const double result = std::pow(a, b);
      if (std::isinf(result) && !std::isinf(a) && !std::isinf(b))
        return python_error("(34, 'Numerical result out of range')");
      return Value(result);
    }
    default:
      break;
  }
  return internal_error("unreachable arithmetic operator");
}

const char* op_symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kFloorDiv:
      return "//";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "** or pow()";
    case BinaryOp::kConcat:
      return "~";
  }
  return "?";
}

}  // namespace

std::string_view type_name(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return "StrictUndefined";
    case Value::Kind::kNone:
      return "NoneType";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "str";
    case Value::Kind::kList:
      switch (value.sequence()) {
        case Value::Sequence::kTuple:
          return "tuple";
        case Value::Sequence::kRange:
          return "range";
        case Value::Sequence::kDictItems:
          return "dict_items";
        case Value::Sequence::kDictKeys:
          return "dict_keys";
        case Value::Sequence::kDictValues:
          return "dict_values";
        case Value::Sequence::kList:
          break;
      }
      return "list";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kObject:
      return value.as_object().type_name();
  }
  return "object";
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string to_str(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kString:
      return value.as_string();
    case Value::Kind::kObject:
      return value.as_object().str();
    case Value::Kind::kUndefined:
      return "";
    default:
      return to_repr(value);
  }
}

std::string to_repr(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kBool:
      return value.as_bool() ? "True" : "False";
    case Value::Kind::kInt:
      return std::to_string(value.as_int());
    case Value::Kind::kFloat:
      return python_float_repr(value.as_float());
    case Value::Kind::kString:
      if (value.is_markup()) return "Markup(" + python_string_repr(value.as_string()) + ")";
      return python_string_repr(value.as_string());
    case Value::Kind::kList: {
      const Value::Sequence sequence = value.sequence();
      if (sequence == Value::Sequence::kRange) {
        const auto& [start, stop, step] = value.range_bounds();
        return "range(" + std::to_string(start) + ", " + std::to_string(stop) +
               (step == 1 ? "" : ", " + std::to_string(step)) + ")";
      }
      if (sequence != Value::Sequence::kList && sequence != Value::Sequence::kTuple) {
        std::string out(type_name(value));
        out += "([";
        append_repr_list(out, value.as_list());
        return out + "])";
      }
      const bool tuple = value.is_tuple();
      std::string out = tuple ? "(" : "[";
      append_repr_list(out, value.as_list());
      if (tuple && value.as_list().size() == 1) out += ",";
      out += tuple ? ")" : "]";
      return out;
    }
    case Value::Kind::kDict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, item] : value.as_dict().entries()) {
        if (!first) out += ", ";
        first = false;
        out += python_string_repr(key);
        out += ": ";
        out += to_repr(item);
      }
      out += "}";
      return out;
    }
    case Value::Kind::kObject:
      return value.as_object().str();
  }
  return "";
}

Result<std::string> to_str_checked(const Value& value) {
  if (value.is_undefined()) return python_error(value.undefined_message());
  return to_str(value);
}

Result<bool> is_truthy(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return python_error(value.undefined_message());
    case Value::Kind::kNone:
      return false;
    case Value::Kind::kBool:
      return value.as_bool();
    case Value::Kind::kInt:
      return value.as_int() != 0;
    case Value::Kind::kFloat:
      return value.as_float() != 0.0;
    case Value::Kind::kString:
      return !value.as_string().empty();
    case Value::Kind::kList:
      return !value.as_list().empty();
    case Value::Kind::kDict:
      return !value.as_dict().empty();
    case Value::Kind::kObject:
      return true;
  }
  return true;
}

bool equals(const Value& left, const Value& right) {
  if (is_numeric(left) && is_numeric(right)) {
    if (left.is_float() && std::isnan(left.as_float())) return false;
    if (right.is_float() && std::isnan(right.as_float())) return false;
    return compare_numbers(left, right) == 0;
  }
  if (left.kind() != right.kind()) return false;
  switch (left.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return left.as_string() == right.as_string();
    case Value::Kind::kList: {
      if (left.is_tuple() != right.is_tuple()) return false;
      const ValueList& a = left.as_list();
      const ValueList& b = right.as_list();
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!equals(a[i], b[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const ValueDict& a = left.as_dict();
      const ValueDict& b = right.as_dict();
      if (a.size() != b.size()) return false;
      for (const auto& [key, item] : a.entries()) {
        const Value* other = b.find(key);
        if (other == nullptr || !equals(item, *other)) return false;
      }
      return true;
    }
    case Value::Kind::kObject:
      return &left.as_object() == &right.as_object();
    default:
      return false;
  }
}

Result<int> compare(const Value& left, const Value& right) {
  if (left.is_undefined()) return python_error(left.undefined_message());
  if (right.is_undefined()) return python_error(right.undefined_message());
  if (is_numeric(left) && is_numeric(right)) return compare_numbers(left, right);
  if (left.is_string() && right.is_string()) {
    // UTF-8 byte order is code point order.
    const int c = left.as_string().compare(right.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (left.is_list() && right.is_list() && left.is_tuple() == right.is_tuple()) {
    const ValueList& a = left.as_list();
    const ValueList& b = right.as_list();
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
      // Python compares items with == first, which a strict undefined refuses.
      if (a[i].is_undefined()) return python_error(a[i].undefined_message());
      if (b[i].is_undefined()) return python_error(b[i].undefined_message());
      if (equals(a[i], b[i])) continue;
      return compare(a[i], b[i]);
    }
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  }
  return python_error("'<' not supported between instances of " + type_pair(left, right));
}

Result<bool> python_less(const Value& left, const Value& right) {
  BATON_ASSIGN_OR_RETURN(int c, compare(left, right));
  return c < 0;
}

Result<Value> apply_binary(BinaryOp op, const Value& left, const Value& right) {
  if (left.is_undefined()) return python_error(left.undefined_message());
  if (right.is_undefined()) return python_error(right.undefined_message());
  if (op == BinaryOp::kConcat) return Value(to_str(left) + to_str(right));
  if (is_numeric(left) && is_numeric(right)) return arithmetic(op, left, right);
  if (op == BinaryOp::kAdd) {
    if (left.is_string()) {
      if (right.is_string()) {
        // Markup + str escapes the str, str + Markup too; the result is Markup.
        if (left.is_markup() && !right.is_markup()) {
          return Value::markup(left.as_string() + html_escape(right.as_string()));
        }
        if (right.is_markup() && !left.is_markup()) {
          return Value::markup(html_escape(left.as_string()) + right.as_string());
        }
        if (left.is_markup()) return Value::markup(left.as_string() + right.as_string());
        return Value(left.as_string() + right.as_string());
      }
      return python_error("can only concatenate str (not \"" + std::string(type_name(right)) +
                          "\") to str");
    }
    if (left.is_list()) {
      if (right.is_list() && right.is_tuple() == left.is_tuple()) {
        ValueList out = left.as_list();
        out.insert(out.end(), right.as_list().begin(), right.as_list().end());
        return left.is_tuple() ? Value::tuple(std::move(out)) : Value(std::move(out));
      }
      const std::string self(type_name(left));
      return python_error("can only concatenate " + self + " (not \"" +
                          std::string(type_name(right)) + "\") to " + self);
    }
  }
  if (op == BinaryOp::kMul) {
    const bool left_seq = left.is_string() || left.is_list();
    const bool right_seq = right.is_string() || right.is_list();
    if (left_seq && is_intlike(right)) return repeat(left, int_of(right));
    if (right_seq && is_intlike(left)) return repeat(right, int_of(left));
    if (left_seq && !right_seq)
      return python_error("can't multiply sequence by non-int of type '" +
                          std::string(type_name(right)) + "'");
    if (right_seq && !left_seq)
      return python_error("can't multiply sequence by non-int of type '" +
                          std::string(type_name(left)) + "'");
  }
  if (op == BinaryOp::kMod && left.is_string()) {
    BATON_ASSIGN_OR_RETURN(std::string text, percent_format(left.as_string(), right));
    return Value(std::move(text));
  }
  return python_error(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": " +
                      type_pair(left, right));
}

Result<Value> apply_unary(UnaryOp op, const Value& operand) {
  if (operand.is_undefined()) return python_error(operand.undefined_message());
  if (op == UnaryOp::kNot) {
    BATON_ASSIGN_OR_RETURN(bool truthy, is_truthy(operand));
    return Value(!truthy);
  }
  if (is_intlike(operand)) {
    const std::int64_t v = int_of(operand);
    if (op == UnaryOp::kPos) return Value(v);
    if (v == std::numeric_limits<std::int64_t>::min()) return overflow_error();
    return Value(-v);
  }
  if (operand.is_float()) {
    return Value(op == UnaryOp::kNeg ? -operand.as_float() : operand.as_float());
  }
  return python_error(std::string("bad operand type for unary ") +
                      (op == UnaryOp::kNeg ? "-" : "+") + ": '" + std::string(type_name(operand)) +
                      "'");
}

Result<bool> contains(const Value& haystack, const Value& needle) {
  if (haystack.is_undefined()) return python_error(haystack.undefined_message());
  if (needle.is_undefined()) return python_error(needle.undefined_message());
  if (haystack.is_string()) {
    if (!needle.is_string())
      return python_error("'in <string>' requires string as left operand, not " +
                          std::string(type_name(needle)));
    return haystack.as_string().find(needle.as_string()) != std::string::npos;
  }
  if (haystack.is_list()) {
    for (const Value& item : haystack.as_list()) {
      if (equals(item, needle)) return true;
    }
    return false;
  }
  if (haystack.is_dict()) {
    if (!needle.is_string()) {
      if (needle.is_list() && !needle.is_tuple()) return python_error("unhashable type: 'list'");
      if (needle.is_dict()) return python_error("unhashable type: 'dict'");
      return false;
    }
    return haystack.as_dict().find(needle.as_string()) != nullptr;
  }
  return python_error("argument of type '" + std::string(type_name(haystack)) +
                      "' is not iterable");
}

Result<ValueList> iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return python_error(value.undefined_message());
    case Value::Kind::kList:
      return value.as_list();
    case Value::Kind::kDict: {
      ValueList keys;
      keys.reserve(value.as_dict().size());
      for (const auto& entry : value.as_dict().entries()) keys.emplace_back(entry.first);
      return keys;
    }
    case Value::Kind::kString: {
      ValueList chars;
      for (char32_t c : decode_utf8(value.as_string())) {
        std::string one;
        append_utf8(one, c);
        chars.emplace_back(std::move(one));
      }
      return chars;
    }
    default:
      return python_error("'" + std::string(type_name(value)) + "' object is not iterable");
  }
}

}  // namespace baton::lang
