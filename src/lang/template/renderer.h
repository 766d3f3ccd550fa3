#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baton/result.h"
#include "src/lang/template/ast.h"
#include "src/lang/template/builtins.h"
#include "src/lang/template/parser.h"
#include "src/lang/template/template.h"
#include "src/lang/template/value.h"

namespace baton::lang {

// Renders over a budget, so that a hostile template cannot run or grow without end.
inline constexpr std::size_t kMaxOutputBytes = std::size_t{64} << 20;
inline constexpr std::size_t kMaxLoopIterations = 10'000'000;
inline constexpr int kMaxCallDepth = 100;
inline constexpr int kMaxRenderDepth = 500;

// One render of a parsed template: the variable scopes, the output budget and the callbacks
// that filters use. Lives on the stack of Template::render(); not thread-safe.
//
// Requires: `parsed` and `context` outlive the renderer.
class Renderer final : public Invoker {
 public:
  Renderer(const ParsedTemplate& parsed, const Context& context);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  Status render(std::string& out);
  Result<Value> evaluate(const Expr& expr);

  Result<Value> call_filter(std::string_view name, const Value& input,
                            const CallArgs& args) override;
  Result<bool> call_test(std::string_view name, const Value& input, const CallArgs& args) override;

  // A macro (or a call block's `caller`) invoked with `args`; `frame` is where it was defined.
  Result<Value> call_macro(const Node& macro, std::string_view name, std::size_t frame,
                           const CallArgs& args, Value caller);

 private:
  struct Frame {
    std::size_t begin;   // first variable of this frame in vars_
    std::size_t parent;  // the frame lookups continue in, or kNoFrame
  };
  static constexpr std::size_t kNoFrame = static_cast<std::size_t>(-1);

  // --- scopes (renderer.cc) ---
  const Value* lookup(std::string_view name) const;
  void bind(std::string_view name, Value value);
  void push_frame(std::size_t parent);
  void pop_frame();
  std::size_t top_frame() const { return frames_.size() - 1; }

  // --- statements (renderer.cc) ---
  Status render_body(const Body& body, std::string& out);
  Status render_node(const Node& node, std::string& out);
  Status render_for(const Node& node, std::string& out);
  Status render_set(const Node& node);
  // Binds `value` to `target` (a name or a nested tuple of names), unpacking as Python does.
  Status assign_targets(const Node& node, const Expr& target, Value value);
  Status write(const Expr& expr, std::string& out);
  Status check_size(const std::string& out, const Node& node) const;

  // --- expressions (evaluator.cc) ---
  Result<Value> eval(const Expr& expr);
  Result<const Value*> eval_ref(const Expr& expr, Value& scratch);
  Result<Value> eval_call(const Expr& expr, Value* caller);
  Result<CallArgs> eval_args(const Expr& expr, std::size_t first);
  Result<Value> eval_compare(const Expr& expr);
  Result<Value> eval_concat(const Expr& expr);
  Result<bool> truthy(const Value& value, const Expr& where);

  const ParsedTemplate& parsed_;
  const Context& context_;
  std::vector<Frame> frames_;
  std::vector<std::pair<std::string_view, Value>> vars_;
  const Value* block_input_ = nullptr;
  std::size_t iterations_ = 0;
  int call_depth_ = 0;
  int render_depth_ = 0;
  // Macro values may outlive the render (evaluate() can return one): they check this first.
  std::shared_ptr<bool> alive_;
};

// The message of the undefined value that `a if false` (no else) yields; Jinja2 makes it a
// lenient Undefined that prints as "" and is false.
bool is_lenient_undefined(const Value& value);

Error error_at(const Expr& expr, std::string message);
Error error_at(const Node& node, std::string message);
// `error` with the place of `expr` unless it already has one.
Error located(Error error, const Expr& expr);

}  // namespace baton::lang
