#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baton/result.h"
#include "src/lang/template/value.h"

namespace baton::lang {

// The arguments of a call, a filter or a test, as written: f(1, 2, key=3).
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// What a filter or test may call back into: map() and select() apply other filters and tests
// by name. Implemented by the renderer.
class Invoker {
 public:
  virtual Result<Value> call_filter(std::string_view name, const Value& input,
                                    const CallArgs& args) = 0;
  virtual Result<bool> call_test(std::string_view name, const Value& input,
                                 const CallArgs& args) = 0;

 protected:
  ~Invoker() = default;
};

// `input | name(args)`.
using FilterFn = Result<Value> (*)(const Value& input, const CallArgs& args, Invoker& invoker);
// `input is name(args)`.
using TestFn = Result<bool> (*)(const Value& input, const CallArgs& args, Invoker& invoker);

// Jinja2's builtin filters and tests, looked up once when a template is parsed.
// nullptr when there is none of that name.
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

// Whether Jinja2 has a builtin filter of this name that Baton does not support (so the parser
// can say "not supported" rather than "no filter named").
bool is_unsupported_filter(std::string_view name);

// `receiver.name(args)` for strings, lists and dicts: "a,b".split(","), d.items(), ...
// An error naming the method when the receiver's type has no such method.
Result<Value> call_method(const Value& receiver, std::string_view name, const CallArgs& args);

// The global functions every template sees unless a variable shadows them: range, dict,
// namespace, cycler, joiner, lipsum. An undefined Value when `name` is none of them.
Value find_global(std::string_view name);

}  // namespace baton::lang
