#include "src/lang/template/value.h"

#include <string>

#include "src/lang/template/builtins.h"

namespace baton::lang {

const Value* ValueDict::find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

void ValueDict::set(std::string key, Value value) {
  for (Entry& entry : entries_) {
    if (entry.first == key) {
      entry.second = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

Value Value::undefined(std::string hint) {
  Value value;
  value.data_ = Undefined{std::make_shared<const std::string>(std::move(hint))};
  return value;
}

double Value::as_number() const {
  if (is_int()) return static_cast<double>(as_int());
  if (is_bool()) return as_bool() ? 1.0 : 0.0;
  return as_float();
}

std::string Value::undefined_message() const {
  const auto& hint = std::get<Undefined>(data_).hint;
  return hint && !hint->empty() ? *hint : "value is undefined";
}

}  // namespace baton::lang

namespace baton::lang {

Value Object::get_attribute(std::string_view name) const {
  return Value::undefined("'" + std::string(type_name()) + " object' has no attribute '" +
                          std::string(name) + "'");
}

Status Object::set_attribute(std::string_view name, Value /*value*/) {
  return invalid_input("cannot assign attribute '" + std::string(name) + "' on a " +
                       std::string(type_name()) + " object");
}

Result<Value> Object::call(const CallArgs& /*args*/) {
  return invalid_input("'" + std::string(type_name()) + "' object is not callable");
}

Result<Value> Object::call_method(std::string_view name, const CallArgs& args) {
  Value attribute = get_attribute(name);
  if (attribute.is_undefined()) return invalid_input(attribute.undefined_message());
  if (!attribute.is_object()) {
    return invalid_input("'" + std::string(lang::type_name(attribute)) +
                         "' object is not callable");
  }
  return attribute.as_object().call(args);
}

std::string Object::str() const { return "<" + std::string(type_name()) + " object>"; }

void Object::visit_held(const std::function<void(const Value&)>& /*visit*/) const {}

}  // namespace baton::lang
