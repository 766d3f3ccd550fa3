#include "src/lang/template/loop_object.h"

#include <cstdint>
#include <utility>

namespace baton::lang {

Value LoopObject::get_attribute(std::string_view name) const {
  auto as_int = [](std::size_t n) { return Value(static_cast<std::int64_t>(n)); };
  std::size_t length = items_.size();
  if (name == "index") return as_int(index0_ + 1);
  if (name == "index0") return as_int(index0_);
  if (name == "revindex") return as_int(length - index0_);
  if (name == "revindex0") return as_int(length - index0_ - 1);
  if (name == "first") return Value(index0_ == 0);
  if (name == "last") return Value(index0_ + 1 == length);
  if (name == "length") return as_int(length);
  if (name == "depth") return Value(1);
  if (name == "depth0") return Value(0);
  if (name == "previtem") {
    if (index0_ == 0) return Value::undefined("there is no previous item");
    return items_[index0_ - 1];
  }
  if (name == "nextitem") {
    if (index0_ + 1 >= length) return Value::undefined("there is no next item");
    return items_[index0_ + 1];
  }
  return Object::get_attribute(name);
}

Result<Value> LoopObject::call_method(std::string_view name, const CallArgs& args) {
  if (name == "cycle") {
    if (args.positional.empty()) return invalid_input("no items for cycling given");
    if (!args.keyword.empty()) {
      return invalid_input("cycle() got an unexpected keyword argument '" + args.keyword[0].first +
                           "'");
    }
    return args.positional[index0_ % args.positional.size()];
  }
  if (name == "changed") {
    if (!args.keyword.empty()) {
      return invalid_input("changed() got an unexpected keyword argument '" +
                           args.keyword[0].first + "'");
    }
    bool same = last_changed_.has_value() && last_changed_->size() == args.positional.size();
    for (std::size_t i = 0; same && i < args.positional.size(); ++i) {
      same = equals((*last_changed_)[i], args.positional[i]);
    }
    if (same) return Value(false);
    last_changed_ = args.positional;
    return Value(true);
  }
  return Object::call_method(name, args);
}

void LoopObject::visit_held(const std::function<void(const Value&)>& visit) const {
  for (const Value& item : items_) visit(item);
}

std::string LoopObject::str() const {
  return "<LoopContext " + std::to_string(index0_ + 1) + "/" + std::to_string(items_.size()) + ">";
}

}  // namespace baton::lang
