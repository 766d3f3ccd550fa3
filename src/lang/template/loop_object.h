#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "src/lang/template/builtins.h"
#include "src/lang/template/value.h"

namespace baton::lang {

// Jinja2's LoopContext: the `loop` variable inside a for loop (not recursive, so depth 1).
class LoopObject final : public Object {
 public:
  explicit LoopObject(ValueList items) : items_(std::move(items)) {}

  const ValueList& items() const { return items_; }

  void set_index(std::size_t index0) { index0_ = index0; }

  std::string_view type_name() const override { return "LoopContext"; }
  Value get_attribute(std::string_view name) const override;
  Result<Value> call_method(std::string_view name, const CallArgs& args) override;
  std::string str() const override;
  void visit_held(const std::function<void(const Value&)>& visit) const override;

 private:
  ValueList items_;  // owned: `loop` may outlive its for block, stored in a namespace
  std::size_t index0_ = 0;
  std::optional<ValueList> last_changed_;
};

}  // namespace baton::lang
