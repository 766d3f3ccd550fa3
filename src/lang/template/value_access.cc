// Jinja2's Environment.getattr/getitem and Python's slicing over template Values.
#include <memory>
#include <string>

#include "src/lang/template/python_internal.h"
#include "src/lang/template/python_text.h"
#include "src/lang/template/value.h"

namespace baton::lang {
namespace {

// `"abc".upper` without a call: a bound method, called later through Object::call.
class BoundMethod final : public Object {
 public:
  BoundMethod(Value receiver, std::string name)
      : receiver_(std::move(receiver)), name_(std::move(name)) {}
  std::string_view type_name() const override { return "builtin_function_or_method"; }
  Result<Value> call(const CallArgs& args) override {
    return lang::call_method(receiver_, name_, args);
  }
  std::string str() const override {
    return "<built-in method " + name_ + " of " + object_type_repr(receiver_) + ">";
  }
  void visit_held(const std::function<void(const Value&)>& visit) const override {
    visit(receiver_);
  }

 private:
  Value receiver_;
  std::string name_;
};

Value missing_attribute(const Value& object, std::string_view name) {
  return Value::undefined(python_string_repr(object_type_repr(object)) + " has no attribute " +
                          python_string_repr(name));
}

Value missing_element(const Value& object, const Value& key) {
  return Value::undefined(object_type_repr(object) + " has no element " + to_repr(key));
}

bool is_index(const Value& v) { return v.is_int() || v.is_bool(); }
std::int64_t index_of(const Value& v) { return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int(); }

Result<std::int64_t> slice_bound(const Value& bound) {
  if (!is_index(bound))
    return python_error("slice indices must be integers or None or have an __index__ method");
  return index_of(bound);
}

// Python's PySlice_AdjustIndices: the selected positions of a sequence of `length` items.
Result<std::vector<std::size_t>> slice_positions(std::int64_t length, const Value& start_v,
                                                 const Value& stop_v, const Value& step_v) {
  std::int64_t step = 1;
  if (!step_v.is_none() && !step_v.is_undefined()) {
    BATON_ASSIGN_OR_RETURN(step, slice_bound(step_v));
    if (step == 0) return python_error("slice step cannot be zero");
  }
  const bool forward = step > 0;
  std::int64_t start = forward ? 0 : length - 1;
  std::int64_t stop = forward ? length : -1;
  if (!start_v.is_none() && !start_v.is_undefined()) {
    BATON_ASSIGN_OR_RETURN(start, slice_bound(start_v));
    if (start < 0) {
      start += length;
      if (start < 0) start = forward ? 0 : -1;
    } else if (start >= length) {
      start = forward ? length : length - 1;
    }
  }
  if (!stop_v.is_none() && !stop_v.is_undefined()) {
    BATON_ASSIGN_OR_RETURN(stop, slice_bound(stop_v));
    if (stop < 0) {
      stop += length;
      if (stop < 0) stop = forward ? 0 : -1;
    } else if (stop >= length) {
      stop = forward ? length : length - 1;
    }
  }
  std::vector<std::size_t> positions;
  if (forward) {
    for (std::int64_t i = start; i < stop; i += step) positions.push_back(i);
  } else {
    for (std::int64_t i = start; i > stop; i += step) positions.push_back(i);
  }
  return positions;
}

}  // namespace

std::string object_type_repr(const Value& value) {
  if (value.is_none()) return "None";
  return std::string(type_name(value)) + " object";
}

Result<Value> get_attribute(const Value& object, std::string_view name) {
  if (object.is_undefined()) return python_error(object.undefined_message());
  if (object.is_object()) return object.as_object().get_attribute(name);
  if (object.is_list()) {
    const auto& fields = object.tuple_fields();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i] == name) return object.as_list()[i];
    }
  }
  if (has_method(object, name)) {
    return Value(std::shared_ptr<Object>(std::make_shared<BoundMethod>(object, std::string(name))));
  }
  if (object.is_dict()) {
    if (const Value* found = object.as_dict().find(name)) return *found;
  }
  return missing_attribute(object, name);
}

Result<Value> get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) return python_error(object.undefined_message());
  if (key.is_undefined()) return python_error(key.undefined_message());
  if (object.is_dict() && key.is_string()) {
    if (const Value* found = object.as_dict().find(key.as_string())) return *found;
  }
  if ((object.is_list() || object.is_string()) && is_index(key) && !is_dict_view(object)) {
    std::int64_t index = index_of(key);
    if (object.is_list()) {
      const auto size = static_cast<std::int64_t>(object.as_list().size());
      if (index < 0) index += size;
      if (index >= 0 && index < size) return object.as_list()[static_cast<std::size_t>(index)];
    } else {
      const std::u32string chars = decode_utf8(object.as_string());
      const auto size = static_cast<std::int64_t>(chars.size());
      if (index < 0) index += size;
      if (index >= 0 && index < size) {
        std::string one;
        append_utf8(one, chars[static_cast<std::size_t>(index)]);
        return Value(std::move(one));
      }
    }
  }
  // Jinja2 falls back to the attribute for string keys.
  if (key.is_string()) {
    if (object.is_object()) return object.as_object().get_attribute(key.as_string());
    if (has_method(object, key.as_string()) || (object.is_list() && !is_dict_view(object)))
      return get_attribute(object, key.as_string());
    return missing_attribute(object, key.as_string());
  }
  return missing_element(object, key);
}

Result<Value> get_slice(const Value& object, const Value& start, const Value& stop,
                        const Value& step) {
  if (object.is_undefined()) return python_error(object.undefined_message());
  if (object.is_list() && !is_dict_view(object)) {
    const ValueList& items = object.as_list();
    BATON_ASSIGN_OR_RETURN(auto positions, slice_positions(static_cast<std::int64_t>(items.size()),
                                                           start, stop, step));
    ValueList out;
    out.reserve(positions.size());
    for (std::size_t i : positions) out.push_back(items[i]);
    return object.is_tuple() ? Value::tuple(std::move(out)) : Value(std::move(out));
  }
  if (object.is_string()) {
    const std::u32string chars = decode_utf8(object.as_string());
    BATON_ASSIGN_OR_RETURN(auto positions, slice_positions(static_cast<std::int64_t>(chars.size()),
                                                           start, stop, step));
    std::string out;
    for (std::size_t i : positions) append_utf8(out, chars[i]);
    return Value(std::move(out));
  }
  // Jinja2 turns the TypeError of an unsubscriptable object into an undefined value.
  return Value::undefined(object_type_repr(object) + " has no element slice(" + to_repr(start) +
                          ", " + to_repr(stop) + ", " + to_repr(step) + ")");
}

}  // namespace baton::lang
