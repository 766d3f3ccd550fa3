// Jinja2's default globals: range, dict, namespace, cycler, joiner (lipsum is refused: random).
#include <memory>
#include <string>

#include "src/lang/template/builtins.h"
#include "src/lang/template/python_internal.h"

namespace baton::lang {
namespace {

// As Jinja2's sandbox: a template must not build unbounded lists.
constexpr std::int64_t kMaxRange = 100000;

Value make_object(std::shared_ptr<Object> object) { return Value(std::move(object)); }

// A method bound to an object: `c.next` read as an attribute, then called.
class BoundObjectMethod final : public Object {
 public:
  BoundObjectMethod(Object* owner, std::shared_ptr<Object> keep_alive, std::string name)
      : owner_(owner), keep_alive_(std::move(keep_alive)), name_(std::move(name)) {}
  std::string_view type_name() const override { return "method"; }
  Result<Value> call(const CallArgs& args) override { return owner_->call_method(name_, args); }
  void visit_held(const std::function<void(const Value&)>& visit) const override {
    visit(Value(keep_alive_));
  }

 private:
  Object* owner_;
  std::shared_ptr<Object> keep_alive_;
  std::string name_;
};

class RangeFunction final : public Object {
 public:
  std::string_view type_name() const override { return "builtin_function_or_method"; }
  Result<Value> call(const CallArgs& args) override {
    if (!args.keyword.empty()) return python_error("range() takes no keyword arguments");
    const auto n = args.positional.size();
    if (n < 1 || n > 3) {
      return python_error(n == 0 ? "range expected at least 1 argument, got 0"
                                 : "range expected at most 3 arguments, got " + std::to_string(n));
    }
    std::int64_t bounds[3] = {0, 0, 1};
    for (std::size_t i = 0; i < n; ++i) {
      const Value& v = args.positional[i];
      if (v.is_undefined()) return python_error(v.undefined_message());
      if (!v.is_int() && !v.is_bool()) {
        return python_error("'" + std::string(lang::type_name(v)) +
                            "' object cannot be interpreted as an integer");
      }
      bounds[n == 1 ? 1 : i] = v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int();
    }
    const auto [start, stop, step] = std::tuple(bounds[0], bounds[1], bounds[2]);
    if (step == 0) return python_error("range() arg 3 must not be zero");
    // Count in unsigned arithmetic so extreme bounds cannot overflow.
    std::uint64_t count = 0;
    if (step > 0 && start < stop) {
      count = (static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start) - 1) /
                  static_cast<std::uint64_t>(step) +
              1;
    } else if (step < 0 && start > stop) {
      count = (static_cast<std::uint64_t>(start) - static_cast<std::uint64_t>(stop) - 1) /
                  (static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(step)) +
              1;
    }
    if (count > static_cast<std::uint64_t>(kMaxRange)) {
      return python_error(
          "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    }
    ValueList items;
    items.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i)
      items.emplace_back(start + static_cast<std::int64_t>(i) * step);
    return Value::range(std::move(items), start, stop, step);
  }
};

Result<ValueDict> dict_from_args(std::string_view function, const CallArgs& args) {
  ValueDict dict;
  if (args.positional.size() > 1) {
    return python_error(std::string(function) + " expected at most 1 argument, got " +
                        std::to_string(args.positional.size()));
  }
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.is_undefined()) return python_error(source.undefined_message());
    if (source.is_dict()) {
      dict = source.as_dict();
    } else if (source.is_list()) {
      for (const Value& pair : source.as_list()) {
        if (!pair.is_list() || pair.as_list().size() != 2 || !pair.as_list()[0].is_string())
          return python_error("dictionary update sequence element has the wrong shape");
        dict.set(pair.as_list()[0].as_string(), pair.as_list()[1]);
      }
    } else {
      return python_error("'" + std::string(type_name(source)) + "' object is not iterable");
    }
  }
  for (const auto& [key, value] : args.keyword) dict.set(key, value);
  return dict;
}

class DictFunction final : public Object {
 public:
  std::string_view type_name() const override { return "type"; }
  Result<Value> call(const CallArgs& args) override {
    BATON_ASSIGN_OR_RETURN(ValueDict dict, dict_from_args("dict", args));
    return Value(std::move(dict));
  }
};

// Whether `value` is `target` or holds it, through lists, dicts and objects. Values form no
// cycle (a namespace refuses to hold itself), so the walk ends.
bool holds_object(const Value& value, const Object* target) {
  if (value.is_list()) {
    for (const Value& item : value.as_list())
      if (holds_object(item, target)) return true;
  } else if (value.is_dict()) {
    for (const auto& entry : value.as_dict().entries())
      if (holds_object(entry.second, target)) return true;
  } else if (value.is_object()) {
    const Object& object = value.as_object();
    if (&object == target) return true;
    bool found = false;
    object.visit_held([&](const Value& held) { found = found || holds_object(held, target); });
    return found;
  }
  return false;
}

class Namespace final : public Object {
 public:
  explicit Namespace(ValueDict attributes) : attributes_(std::move(attributes)) {}
  std::string_view type_name() const override { return "Namespace"; }
  Value get_attribute(std::string_view name) const override {
    if (const Value* found = attributes_.find(name)) return *found;
    return Value::undefined("'jinja2.utils.Namespace object' has no attribute '" +
                            std::string(name) + "'");
  }
  Status set_attribute(std::string_view name, Value value) override {
    // Python allows it; here it would leak the namespace and make printing it recurse forever.
    if (holds_object(value, this))
      return invalid_input("a namespace cannot contain itself (setting '" + std::string(name) +
                           "')");
    attributes_.set(std::string(name), std::move(value));
    return ok_status();
  }
  std::string str() const override { return "<Namespace " + to_repr(Value(attributes_)) + ">"; }
  void visit_held(const std::function<void(const Value&)>& visit) const override {
    for (const auto& entry : attributes_.entries()) visit(entry.second);
  }

 private:
  ValueDict attributes_;
};

class NamespaceFunction final : public Object {
 public:
  std::string_view type_name() const override { return "type"; }
  Result<Value> call(const CallArgs& args) override {
    BATON_ASSIGN_OR_RETURN(ValueDict dict, dict_from_args("namespace", args));
    return make_object(std::make_shared<Namespace>(std::move(dict)));
  }
};

class Cycler final : public Object, public std::enable_shared_from_this<Cycler> {
 public:
  explicit Cycler(ValueList items) : items_(std::move(items)) {}
  std::string_view type_name() const override { return "Cycler"; }
  Value get_attribute(std::string_view name) const override {
    if (name == "current") return items_[position_];
    if (name == "items") return Value::tuple(items_);
    if (name == "next" || name == "reset") {
      auto self = std::const_pointer_cast<Cycler>(shared_from_this());
      return make_object(std::make_shared<BoundObjectMethod>(self.get(), self, std::string(name)));
    }
    return Value::undefined("'jinja2.utils.Cycler object' has no attribute '" + std::string(name) +
                            "'");
  }
  Result<Value> call_method(std::string_view name, const CallArgs& args) override {
    if (!args.positional.empty() || !args.keyword.empty())
      return python_error(std::string(name) + "() takes no arguments");
    if (name == "next") {
      Value current = items_[position_];
      position_ = (position_ + 1) % items_.size();
      return current;
    }
    if (name == "reset") {
      position_ = 0;
      return Value::none();
    }
    return Object::call_method(name, args);
  }
  std::string str() const override { return "<jinja2.utils.Cycler object>"; }
  void visit_held(const std::function<void(const Value&)>& visit) const override {
    for (const Value& item : items_) visit(item);
  }

 private:
  ValueList items_;
  std::size_t position_ = 0;
};

class CyclerFunction final : public Object {
 public:
  std::string_view type_name() const override { return "type"; }
  Result<Value> call(const CallArgs& args) override {
    if (!args.keyword.empty()) return python_error("cycler() takes no keyword arguments");
    if (args.positional.empty()) return python_error("at least one item has to be provided");
    return make_object(std::make_shared<Cycler>(args.positional));
  }
};

class Joiner final : public Object {
 public:
  explicit Joiner(std::string separator) : separator_(std::move(separator)) {}
  std::string_view type_name() const override { return "Joiner"; }
  Result<Value> call(const CallArgs& args) override {
    if (!args.positional.empty() || !args.keyword.empty())
      return python_error("joiner() takes no arguments");
    if (!used_) {
      used_ = true;
      return Value("");
    }
    return Value(separator_);
  }
  std::string str() const override { return "<jinja2.utils.Joiner object>"; }

 private:
  std::string separator_;
  bool used_ = false;
};

class JoinerFunction final : public Object {
 public:
  std::string_view type_name() const override { return "type"; }
  Result<Value> call(const CallArgs& args) override {
    BATON_ASSIGN_OR_RETURN(auto bound, BoundArgs::bind("joiner", args, {"sep"}));
    BATON_ASSIGN_OR_RETURN(std::string sep, to_str_checked(bound.get_or(0, Value(", "))));
    return make_object(std::make_shared<Joiner>(std::move(sep)));
  }
};

class LipsumFunction final : public Object {
 public:
  std::string_view type_name() const override { return "function"; }
  Result<Value> call(const CallArgs& /*args*/) override {
    return invalid_input("lipsum() is not supported: its text is random, so renders would differ");
  }
};

}  // namespace

Value find_global(std::string_view name) {
  // Stateless callables are shared; cycler() and friends create fresh objects per call.
  static const auto* range = new Value(std::shared_ptr<Object>(std::make_shared<RangeFunction>()));
  static const auto* dict = new Value(std::shared_ptr<Object>(std::make_shared<DictFunction>()));
  static const auto* ns = new Value(std::shared_ptr<Object>(std::make_shared<NamespaceFunction>()));
  static const auto* cycler =
      new Value(std::shared_ptr<Object>(std::make_shared<CyclerFunction>()));
  static const auto* joiner =
      new Value(std::shared_ptr<Object>(std::make_shared<JoinerFunction>()));
  static const auto* lipsum =
      new Value(std::shared_ptr<Object>(std::make_shared<LipsumFunction>()));
  if (name == "range") return *range;
  if (name == "dict") return *dict;
  if (name == "namespace") return *ns;
  if (name == "cycler") return *cycler;
  if (name == "joiner") return *joiner;
  if (name == "lipsum") return *lipsum;
  return Value::undefined("'" + std::string(name) + "' is undefined");
}

}  // namespace baton::lang
