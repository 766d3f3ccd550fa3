#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "baton/result.h"

namespace baton::lang {

class Value;
class Object;
struct CallArgs;

using ValueList = std::vector<Value>;

// A string-keyed mapping that keeps insertion order, as Python's dict does (Jinja2 iterates
// dicts in insertion order, so rendering must too).
class ValueDict {
 public:
  using Entry = std::pair<std::string, Value>;

  const Value* find(std::string_view key) const;
  // Replaces the value of an existing key in place, else appends.
  void set(std::string key, Value value);

  // Defined after Value: a vector's size() needs its element type complete.
  std::size_t size() const;
  bool empty() const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// A template value with Python's semantics: what Jinja2 would hold for the same data.
// Copying is cheap: strings are copied, lists and dicts are shared and immutable.
class Value {
 public:
  enum class Kind : std::uint8_t {
    kUndefined,  // a name or attribute that does not exist (Jinja2's StrictUndefined)
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,  // UTF-8
    kList,    // Python list or tuple (is_tuple())
    kDict,
    kObject,  // loop, namespace, cycler, joiner, callables
  };

  Value() = default;                                             // undefined, with no hint
  Value(bool value) : data_(value) {}                            // NOLINT: implicit
  Value(std::int64_t value) : data_(value) {}                    // NOLINT: implicit
  Value(int value) : data_(static_cast<std::int64_t>(value)) {}  // NOLINT: implicit
  Value(double value) : data_(value) {}                          // NOLINT: implicit
  Value(std::string value) : data_(std::move(value)) {}          // NOLINT: implicit
  Value(std::string_view value) : data_(std::string(value)) {}   // NOLINT: implicit
  Value(const char* value) : data_(std::string(value)) {}        // NOLINT: implicit
  Value(ValueList value)
      : data_(std::make_shared<const ListData>(std::move(value), false)) {}               // NOLINT
  Value(ValueDict value) : data_(std::make_shared<const ValueDict>(std::move(value))) {}  // NOLINT
  // Shared with every copy of this Value: objects such as namespace() are mutable by design.
  Value(std::shared_ptr<Object> object) : data_(std::move(object)) {}  // NOLINT: implicit

  // What a list-like value is in Python. All of them iterate, measure and compare as lists
  // here; only repr/str, type names, methods and indexing tell them apart.
  enum class Sequence : std::uint8_t { kList, kTuple, kRange, kDictItems, kDictKeys, kDictValues };

  // A dict view (kDictItems, kDictKeys, kDictValues): "dict_keys(['a'])", not indexable.
  static Value dict_view(ValueList items, Sequence kind) {
    Value value;
    auto data = std::make_shared<ListData>(std::move(items), false);
    data->sequence = kind;
    value.data_ = std::shared_ptr<const ListData>(std::move(data));
    return value;
  }
  // range(start, stop, step) holding its items: prints as "range(0, 5)".
  static Value range(ValueList items, std::int64_t start, std::int64_t stop, std::int64_t step) {
    Value value;
    auto data = std::make_shared<ListData>(std::move(items), false);
    data->sequence = Sequence::kRange;
    data->range_bounds = {start, stop, step};
    value.data_ = std::shared_ptr<const ListData>(std::move(data));
    return value;
  }

  // A Python tuple: a list in every respect but its repr, "(1, 2)" and "('a',)".
  static Value tuple(ValueList items) {
    Value value;
    value.data_ = std::make_shared<const ListData>(std::move(items), true);
    return value;
  }
  // A named tuple such as groupby's (grouper, list): a tuple whose items are also attributes.
  static Value named_tuple(ValueList items, std::vector<std::string> field_names) {
    Value value;
    auto data = std::make_shared<ListData>(std::move(items), true);
    data->field_names = std::move(field_names);
    value.data_ = std::shared_ptr<const ListData>(std::move(data));
    return value;
  }
  // Jinja2's Markup: a string already escaped for HTML, as |tojson, |safe and |escape return.
  // It renders as its text; it differs from a str in its repr, "Markup('...')", and in that
  // `markup + str` escapes the str.
  static Value markup(std::string text) {
    Value value(std::move(text));
    value.is_markup_ = true;
    return value;
  }
  static Value none() {
    Value value;
    value.data_ = nullptr;
    return value;
  }
  // `hint` says what was missing, for the error raised when the value is used:
  // "'plan' is undefined", "'dict object' has no attribute 'x'".
  static Value undefined(std::string hint);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float(); }   // bool is not a number here
  bool is_string() const { return kind() == Kind::kString; }  // Markup too
  bool is_markup() const { return is_markup_ && is_string(); }
  bool is_list() const { return kind() == Kind::kList; }  // tuples too
  bool is_tuple() const {
    return is_list() && std::get<std::shared_ptr<const ListData>>(data_)->is_tuple;
  }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_object() const { return kind() == Kind::kObject; }

  // Requires: the matching is_*() is true.
  bool as_bool() const { return std::get<bool>(data_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  // An int or a float as a double. Requires: is_number() or is_bool().
  double as_number() const;
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const ValueList& as_list() const {
    return std::get<std::shared_ptr<const ListData>>(data_)->items;
  }
  // Requires: is_list().
  Sequence sequence() const { return std::get<std::shared_ptr<const ListData>>(data_)->sequence; }
  // {start, stop, step}. Requires: sequence() == Sequence::kRange.
  const std::array<std::int64_t, 3>& range_bounds() const {
    return std::get<std::shared_ptr<const ListData>>(data_)->range_bounds;
  }
  // The attribute names of a named tuple; empty for other lists and tuples. Requires: is_list().
  const std::vector<std::string>& tuple_fields() const {
    return std::get<std::shared_ptr<const ListData>>(data_)->field_names;
  }
  const ValueDict& as_dict() const { return *std::get<std::shared_ptr<const ValueDict>>(data_); }
  Object& as_object() const { return *std::get<std::shared_ptr<Object>>(data_); }

  // The message to raise when an undefined value is used. Requires: is_undefined().
  std::string undefined_message() const;

 private:
  struct Undefined {
    std::shared_ptr<const std::string> hint;
  };
  struct ListData {
    ListData(ValueList list, bool tuple)
        : items(std::move(list)),
          is_tuple(tuple),
          sequence(tuple ? Sequence::kTuple : Sequence::kList) {}
    ValueList items;
    bool is_tuple;
    Sequence sequence;
    std::array<std::int64_t, 3> range_bounds{};
    std::vector<std::string> field_names;
  };
  std::variant<Undefined, std::nullptr_t, bool, std::int64_t, double, std::string,
               std::shared_ptr<const ListData>, std::shared_ptr<const ValueDict>,
               std::shared_ptr<Object>>
      data_;
  bool is_markup_ = false;
};

inline std::size_t ValueDict::size() const { return entries_.size(); }
inline bool ValueDict::empty() const { return entries_.empty(); }

// Runtime objects that are not plain data: the `loop` variable, namespace(), cycler(),
// joiner(), and the callable globals (range, dict, ...). Each answers only what it supports;
// the defaults say "has no attribute" / "is not callable".
class Object {
 public:
  virtual ~Object() = default;
  // Python's type name, for messages: "LoopContext", "Namespace".
  virtual std::string_view type_name() const = 0;
  // An attribute, or an undefined Value naming what is missing.
  virtual Value get_attribute(std::string_view name) const;
  // `{% set ns.attr = value %}`; only namespace() accepts it.
  virtual Status set_attribute(std::string_view name, Value value);
  // obj(args)
  virtual Result<Value> call(const CallArgs& args);
  // obj.name(args)
  virtual Result<Value> call_method(std::string_view name, const CallArgs& args);
  // Python's str(obj).
  virtual std::string str() const;
  // Calls `visit` with every Value this object keeps alive, so that a namespace can refuse an
  // assignment that would make it contain itself.
  virtual void visit_held(const std::function<void(const Value&)>& visit) const;
};

// --- Python semantics over Values (value.cc, python_ops.cc) -------------------------------

// Python's str(): 1.0 -> "1.0", None -> "None", ['a'] -> "['a']".
// Requires: !value.is_undefined() (callers raise undefined_message() first).
std::string to_str(const Value& value);
// Python's repr(): 'a' -> "'a'".
std::string to_repr(const Value& value);
// Python's bool(); fails for an undefined value (strict).
Result<bool> is_truthy(const Value& value);
// Python's ==.
bool equals(const Value& left, const Value& right);
// Python's <, as -1/0/1; fails where Python raises TypeError ('<' not supported between ...).
Result<int> compare(const Value& left, const Value& right);

enum class BinaryOp : std::uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kFloorDiv,
  kMod,
  kPow,
  kConcat,  // + - * / // % ** ~
};
enum class UnaryOp : std::uint8_t { kNeg, kPos, kNot };

// Python's arithmetic, with Python's messages on TypeError/ZeroDivisionError.
Result<Value> apply_binary(BinaryOp op, const Value& left, const Value& right);
Result<Value> apply_unary(UnaryOp op, const Value& operand);
// `needle in haystack`: substring, list membership, dict key.
Result<bool> contains(const Value& haystack, const Value& needle);

// Jinja2's environment.getattr(obj, name) (`obj.name`) and getitem(obj, key) (`obj[key]`): an
// undefined Value when missing (never an error); errors only for undefined `obj`.
Result<Value> get_attribute(const Value& object, std::string_view name);
Result<Value> get_item(const Value& object, const Value& key);
// obj[start:stop:step] on strings (by code point) and lists; absent bounds are none().
Result<Value> get_slice(const Value& object, const Value& start, const Value& stop,
                        const Value& step);

// Iterating a value as Jinja2's `for` does: a list's items, a dict's keys, a string's
// characters. Fails for anything else ("'int' object is not iterable").
Result<ValueList> iterate(const Value& value);

// Python's type name for messages: "str", "int", "list", "dict", "NoneType".
std::string_view type_name(const Value& value);

// JSON <-> Value (object keys keep their order). Numbers without fraction or exponent are ints.
Result<Value> value_from_json(std::string_view json_text);
// Jinja2's |tojson: sorted keys, <>&' escaped as \u00XX; indent < 0 means no indent and
// json.dumps's default separators (", " and ": ").
Result<std::string> to_jinja_json(const Value& value, int indent);

}  // namespace baton::lang
