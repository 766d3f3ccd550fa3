#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "baton/result.h"
#include "src/lang/template/value.h"

namespace baton::lang {

// The variables a template is rendered with. Lookups fall back to the builtin globals
// (range, dict, namespace, ...), which a variable of the same name shadows.
class Context {
 public:
  Context() = default;
  // A context that sees the variables of `parent` (which must outlive it) under its own.
  explicit Context(const Context* parent) : parent_(parent) {}

  void set(std::string name, Value value);
  // nullptr when no variable of that name was set, here or in a parent.
  const Value* find(std::string_view name) const;

 private:
  // Hashed: a run's context holds every finished step (thousands), and each step sets one and
  // reads a few.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>()(name);
    }
  };
  const Context* parent_ = nullptr;
  std::unordered_map<std::string, Value, NameHash, std::equal_to<>> variables_;
};

// A name the template reads from its context, with the attribute path that follows it where
// that is static: `{{ plan.json.files[0] }}` gives {"plan", "json", "files"}; `{{ x[i] }}` gives
// {"x"}. Names the template binds itself (set, for, macro arguments) are not references.
struct TemplateReference {
  std::vector<std::string> path;
  int line = 0;  // where the name starts, counted from the template's own start (1-based)
  int column = 0;
};

struct ParsedTemplate;  // the parsed tree; template.cc and the renderer only

// A Jinja2 template, parsed once and rendered many times. Renders byte for byte what Jinja2
// 3.1 renders with Environment(undefined=StrictUndefined, keep_trailing_newline=True):
// using an undefined name is an error, `is defined` and `|default` still work.
//
//   BATON_ASSIGN_OR_RETURN(Template prompt, Template::parse("Hello {{ name }}!"));
//   Context context;
//   context.set("name", Value("world"));
//   BATON_ASSIGN_OR_RETURN(std::string text, prompt.render(context));  // "Hello world!"
//
// Thread-safe: a parsed Template is immutable and may be rendered from many threads at once.
class Template {
 public:
  // Fails with kInvalidInput for a syntax error, an unknown filter or test, or a construct
  // Baton does not support ("... is not supported"); the error's span holds the line and
  // column in `source` (its file is empty).
  static Result<Template> parse(std::string_view source);

  // Fails with kInvalidInput when Jinja2 would raise (undefined name, TypeError, ...), with
  // the span of the expression that failed.
  Result<std::string> render(const Context& context) const;

  // A template that is exactly one `{{ expression }}` (whitespace around it allowed) yields
  // the expression's value, not its text: "{{ outline.sections }}" gives a list. Any other
  // template yields its rendered text as a string.
  Result<Value> evaluate(const Context& context) const;

  // Every reference to the context, in source order.
  const std::vector<TemplateReference>& references() const;

  // For a template that is exactly `{{ name.attr... }}`: that path. For static checks such
  // as "for_each over something that is not a list".
  std::optional<std::vector<std::string>> single_reference() const;
  // For a template that is exactly `{{ literal }}` (a constant list, string, number...): that
  // value. A template with no tags at all is its own text, as a string.
  std::optional<Value> constant_value() const;

  const std::string& source() const;

 private:
  explicit Template(std::shared_ptr<const ParsedTemplate> parsed);
  // Shared: copies of a Template share one immutable tree.
  std::shared_ptr<const ParsedTemplate> parsed_;
};

}  // namespace baton::lang
