#include "src/lang/template/renderer.h"

#include <algorithm>
#include <utility>

#include "src/lang/template/loop_object.h"

namespace baton::lang {
namespace {

// A macro defined by {% macro %} or the `caller` of a call block, callable as a value.
class MacroObject final : public Object {
 public:
  MacroObject(Renderer& renderer, std::shared_ptr<bool> alive, const Node& node,
              std::string_view name, std::size_t frame)
      : renderer_(renderer), alive_(std::move(alive)), node_(node), name_(name), frame_(frame) {}

  std::string_view type_name() const override { return "Macro"; }
  Result<Value> call(const CallArgs& args) override {
    if (!*alive_) return invalid_input("macro '" + std::string(name_) + "' called after render");
    return renderer_.call_macro(node_, name_, frame_, args, Value());
  }
  Value get_attribute(std::string_view name) const override {
    if (name == "name") return Value(std::string(name_));
    return Object::get_attribute(name);
  }
  std::string str() const override { return "<Macro '" + std::string(name_) + "'>"; }

  // A call block's caller: the macro receives it as `caller`.
  Result<Value> call_with_caller(const CallArgs& args, Value caller) {
    return renderer_.call_macro(node_, name_, frame_, args, std::move(caller));
  }

 private:
  Renderer& renderer_;
  std::shared_ptr<bool> alive_;
  const Node& node_;
  std::string_view name_;
  std::size_t frame_;
};

constexpr std::string_view kLenientPrefix = "the inline if-expression on ";

}  // namespace

bool is_lenient_undefined(const Value& value) {
  return value.is_undefined() && value.undefined_message().rfind(kLenientPrefix, 0) == 0;
}

Error error_at(const Expr& expr, std::string message) {
  return invalid_input(std::move(message)).with_span(SourceSpan{"", expr.line, expr.column});
}
Error error_at(const Node& node, std::string message) {
  return invalid_input(std::move(message)).with_span(SourceSpan{"", node.line, node.column});
}
Error located(Error error, const Expr& expr) {
  if (!error.span()) error.with_span(SourceSpan{"", expr.line, expr.column});
  return error;
}

Renderer::Renderer(const ParsedTemplate& parsed, const Context& context)
    : parsed_(parsed), context_(context) {}

Renderer::~Renderer() {
  if (alive_) *alive_ = false;
}

Status Renderer::render(std::string& out) {
  push_frame(kNoFrame);
  return render_body(parsed_.body, out);
}

Result<Value> Renderer::evaluate(const Expr& expr) {
  push_frame(kNoFrame);
  Value scratch;
  BATON_ASSIGN_OR_RETURN(const Value* value, eval_ref(expr, scratch));
  if (value->is_undefined() && !is_lenient_undefined(*value)) {
    return error_at(expr, value->undefined_message());
  }
  return *value;
}

// --- scopes ---------------------------------------------------------------------------------

const Value* Renderer::lookup(std::string_view name) const {
  std::size_t frame = frames_.empty() ? kNoFrame : top_frame();
  while (frame != kNoFrame) {
    std::size_t begin = frames_[frame].begin;
    std::size_t end = frame + 1 < frames_.size() ? frames_[frame + 1].begin : vars_.size();
    for (std::size_t i = end; i > begin; --i) {
      if (vars_[i - 1].first == name) return &vars_[i - 1].second;
    }
    frame = frames_[frame].parent;
  }
  return context_.find(name);
}

void Renderer::bind(std::string_view name, Value value) {
  for (std::size_t i = frames_.back().begin; i < vars_.size(); ++i) {
    if (vars_[i].first == name) {
      vars_[i].second = std::move(value);
      return;
    }
  }
  vars_.emplace_back(name, std::move(value));
}

void Renderer::push_frame(std::size_t parent) { frames_.push_back(Frame{vars_.size(), parent}); }

void Renderer::pop_frame() {
  vars_.resize(frames_.back().begin);
  frames_.pop_back();
}

// --- statements -----------------------------------------------------------------------------

Status Renderer::check_size(const std::string& out, const Node& node) const {
  if (out.size() > kMaxOutputBytes) {
    return error_at(
        node, "the rendered text is larger than " + std::to_string(kMaxOutputBytes >> 20) + " MiB");
  }
  return ok_status();
}

Status Renderer::render_body(const Body& body, std::string& out) {
  // Nested blocks and recursive macros both deepen the native stack: bound them together.
  if (render_depth_ >= kMaxRenderDepth) {
    if (body.empty()) return ok_status();
    return error_at(body.front(), "maximum recursion depth exceeded while rendering");
  }
  ++render_depth_;
  Status status;
  for (const Node& node : body) {
    status = render_node(node, out);
    if (!status) break;
  }
  --render_depth_;
  return status;
}

Status Renderer::write(const Expr& expr, std::string& out) {
  Value scratch;
  BATON_ASSIGN_OR_RETURN(const Value* value, eval_ref(expr, scratch));
  if (value->is_string()) {
    out += value->as_string();
  } else if (value->is_undefined()) {
    if (!is_lenient_undefined(*value)) return error_at(expr, value->undefined_message());
  } else if (value->is_object()) {
    out += value->as_object().str();
  } else {
    out += to_str(*value);
  }
  return ok_status();
}

Status Renderer::render_node(const Node& node, std::string& out) {
  switch (node.kind) {
    case NodeKind::kText:
      out += node.text;
      return check_size(out, node);
    case NodeKind::kOutput:
      BATON_TRY(write(*node.expr, out));
      return check_size(out, node);
    case NodeKind::kIf:
      for (const Branch& branch : node.tag->branches) {
        BATON_ASSIGN_OR_RETURN(Value condition, eval(*branch.condition));
        BATON_ASSIGN_OR_RETURN(bool taken, truthy(condition, *branch.condition));
        if (taken) return render_body(branch.body, out);
      }
      return render_body(node.tag->else_body, out);
    case NodeKind::kFor:
      return render_for(node, out);
    case NodeKind::kSet:
      return render_set(node);
    case NodeKind::kSetBlock:
    case NodeKind::kFilterBlock: {
      std::string text;
      push_frame(top_frame());
      Status status = render_body(node.tag->body, text);
      pop_frame();
      BATON_TRY(status);
      Value value(std::move(text));
      if (node.expr) {
        const Value* saved = block_input_;
        block_input_ = &value;
        Result<Value> filtered = eval(*node.expr);
        block_input_ = saved;
        if (!filtered) return std::move(filtered).error();
        value = std::move(*filtered);
      }
      if (node.kind == NodeKind::kSetBlock) {
        bind(node.tag->targets[0], std::move(value));
        return ok_status();
      }
      if (value.is_undefined()) return error_at(node, value.undefined_message());
      out += value.is_string() ? value.as_string() : to_str(value);
      return check_size(out, node);
    }
    case NodeKind::kWith: {
      std::vector<Value> values;
      values.reserve(node.tag->values.size());
      for (const auto& expr : node.tag->values) {
        BATON_ASSIGN_OR_RETURN(Value value, eval(*expr));
        values.push_back(std::move(value));
      }
      push_frame(top_frame());
      for (std::size_t i = 0; i < values.size(); ++i) {
        bind(node.tag->targets[i], std::move(values[i]));
      }
      Status status = render_body(node.tag->body, out);
      pop_frame();
      return status;
    }
    case NodeKind::kMacro: {
      if (!alive_) alive_ = std::make_shared<bool>(true);
      bind(node.tag->targets[0], Value(std::make_shared<MacroObject>(
                                     *this, alive_, node, node.tag->targets[0], top_frame())));
      return ok_status();
    }
    case NodeKind::kCallBlock: {
      if (!alive_) alive_ = std::make_shared<bool>(true);
      Value caller(std::make_shared<MacroObject>(*this, alive_, node, "caller", top_frame()));
      BATON_ASSIGN_OR_RETURN(Value result, eval_call(*node.expr, &caller));
      if (result.is_undefined()) return error_at(node, result.undefined_message());
      out += result.is_string() ? result.as_string() : to_str(result);
      return check_size(out, node);
    }
  }
  return ok_status();
}

Status Renderer::assign_targets(const Node& node, const Expr& target, Value value) {
  if (target.kind != ExprKind::kTuple) {
    bind(target.name, std::move(value));
    return ok_status();
  }
  if (value.is_undefined()) return error_at(node, value.undefined_message());
  if (!value.is_list() && !value.is_dict() && !value.is_string()) {
    return error_at(node,
                    "cannot unpack non-iterable " + std::string(type_name(value)) + " object");
  }
  BATON_ASSIGN_OR_RETURN(ValueList items, iterate(value));
  const std::size_t expected = target.children.size();
  if (items.size() < expected) {
    return error_at(node, "not enough values to unpack (expected " + std::to_string(expected) +
                              ", got " + std::to_string(items.size()) + ")");
  }
  if (items.size() > expected) {
    return error_at(node, "too many values to unpack (expected " + std::to_string(expected) + ")");
  }
  for (std::size_t i = 0; i < expected; ++i) {
    BATON_TRY(assign_targets(node, *target.children[i], std::move(items[i])));
  }
  return ok_status();
}

Status Renderer::render_set(const Node& node) {
  BATON_ASSIGN_OR_RETURN(Value value, eval(*node.expr));
  if (node.tag->attribute.empty()) return assign_targets(node, *node.tag->target, std::move(value));
  const Value* target = lookup(node.tag->targets[0]);
  if (target == nullptr || target->is_undefined()) {
    return error_at(node, "'" + node.tag->targets[0] + "' is undefined");
  }
  if (!target->is_object()) {
    return error_at(node, "cannot assign attribute on non-namespace object");
  }
  Status status = target->as_object().set_attribute(node.tag->attribute, std::move(value));
  if (!status) {
    Error error = std::move(status).error();
    if (!error.span()) error.with_span(SourceSpan{"", node.line, node.column});
    return error;
  }
  return ok_status();
}

Status Renderer::render_for(const Node& node, std::string& out) {
  BATON_ASSIGN_OR_RETURN(Value iterable, eval(*node.expr));
  if (iterable.is_undefined()) return error_at(*node.expr, iterable.undefined_message());
  Result<ValueList> iterated = iterate(iterable);
  if (!iterated) return located(std::move(iterated).error(), *node.expr);
  ValueList items = std::move(*iterated);
  push_frame(top_frame());
  if (node.tag->condition) {
    ValueList kept;
    for (Value& item : items) {
      if (++iterations_ > kMaxLoopIterations) break;
      vars_.resize(frames_.back().begin);
      Status bound = assign_targets(node, *node.tag->target, item);
      if (!bound) {
        pop_frame();
        return bound;
      }
      Result<Value> condition = eval(*node.tag->condition);
      Result<bool> keep = condition ? truthy(*condition, *node.tag->condition)
                                    : Result<bool>(std::move(condition).error());
      if (!keep) {
        pop_frame();
        return std::move(keep).error();
      }
      if (*keep) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  auto loop = std::make_shared<LoopObject>(std::move(items));
  const ValueList& looped = loop->items();
  Value loop_value(loop);
  Status status;
  for (std::size_t i = 0; i < looped.size() && status; ++i) {
    if (++iterations_ > kMaxLoopIterations) {
      status = error_at(node, "the template ran more than " + std::to_string(kMaxLoopIterations) +
                                  " loop iterations");
      break;
    }
    vars_.resize(frames_.back().begin);
    loop->set_index(i);
    status = assign_targets(node, *node.tag->target, looped[i]);
    if (!status) break;
    bind("loop", loop_value);
    status = render_body(node.tag->body, out);
  }
  pop_frame();
  BATON_TRY(status);
  if (looped.empty()) return render_body(node.tag->else_body, out);
  return ok_status();
}

// --- macros ---------------------------------------------------------------------------------

Result<Value> Renderer::call_macro(const Node& macro, std::string_view name, std::size_t frame,
                                   const CallArgs& args, Value caller) {
  auto fail = [&](std::string message) { return error_at(macro, std::move(message)); };
  if (call_depth_ >= kMaxCallDepth) return fail("maximum recursion depth exceeded");
  std::size_t param_count = macro.tag->params.size();
  if (args.positional.size() > param_count && !macro.tag->uses_varargs) {
    return fail("macro '" + std::string(name) + "' takes not more than " +
                std::to_string(param_count) + " argument(s)");
  }
  std::vector<bool> used(args.keyword.size(), false);
  for (std::size_t k = 0; k < args.keyword.size(); ++k) {
    const std::string& key = args.keyword[k].first;
    auto it = std::find(macro.tag->params.begin(), macro.tag->params.end(), key);
    if (it != macro.tag->params.end()) {
      std::size_t index = static_cast<std::size_t>(it - macro.tag->params.begin());
      if (index < args.positional.size()) {
        return fail("macro '" + std::string(name) + "' got multiple values for argument '" + key +
                    "'");
      }
      used[k] = true;
    } else if (key == "caller" && macro.tag->uses_caller) {
      caller = args.keyword[k].second;
      used[k] = true;
    } else if (!macro.tag->uses_kwargs) {
      return fail("macro '" + std::string(name) + "' takes no keyword argument '" + key + "'");
    }
  }
  std::size_t parent = frame < frames_.size() ? frame : 0;
  push_frame(parent);
  ++call_depth_;
  auto finish = [&](Result<Value> result) {
    --call_depth_;
    pop_frame();
    return result;
  };
  for (std::size_t i = 0; i < param_count; ++i) {
    const std::string& param = macro.tag->params[i];
    if (i < args.positional.size()) {
      bind(param, args.positional[i]);
      continue;
    }
    const Value* given = nullptr;
    for (std::size_t k = 0; k < args.keyword.size(); ++k) {
      if (args.keyword[k].first == param) given = &args.keyword[k].second;
    }
    if (given) {
      bind(param, *given);
    } else if (macro.tag->values[i]) {
      Result<Value> value = eval(*macro.tag->values[i]);
      if (!value) return finish(std::move(value).error());
      bind(param, std::move(*value));
    } else if (param == "caller" && !caller.is_undefined()) {
      bind(param, caller);
    } else {
      bind(param, Value::undefined("parameter '" + param + "' was not provided"));
    }
  }
  if (macro.tag->uses_caller) {
    bind("caller", caller.is_undefined() ? Value::undefined("No caller defined") : caller);
  }
  if (macro.tag->uses_kwargs) {
    ValueDict kwargs;
    for (std::size_t k = 0; k < args.keyword.size(); ++k) {
      if (!used[k]) kwargs.set(args.keyword[k].first, args.keyword[k].second);
    }
    bind("kwargs", Value(std::move(kwargs)));
  }
  if (macro.tag->uses_varargs) {
    ValueList rest;
    for (std::size_t i = param_count; i < args.positional.size(); ++i) {
      rest.push_back(args.positional[i]);
    }
    bind("varargs", Value::tuple(std::move(rest)));
  }
  std::string text;
  Status status = render_body(macro.tag->body, text);
  if (!status) return finish(std::move(status).error());
  return finish(Value(std::move(text)));
}

// --- callbacks for filters and tests --------------------------------------------------------

Result<Value> Renderer::call_filter(std::string_view name, const Value& input,
                                    const CallArgs& args) {
  FilterFn filter = find_filter(name);
  if (filter == nullptr) return invalid_input("No filter named '" + std::string(name) + "'.");
  return filter(input, args, *this);
}

Result<bool> Renderer::call_test(std::string_view name, const Value& input, const CallArgs& args) {
  TestFn test = find_test(name);
  if (test == nullptr) return invalid_input("No test named '" + std::string(name) + "'.");
  return test(input, args, *this);
}

}  // namespace baton::lang
