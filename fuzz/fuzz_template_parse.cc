// Feeds arbitrary bytes to the template parser, and renders what parses against a small
// context: neither may crash, hang or leak, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/lang/template/template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using baton::lang::Context;
  using baton::lang::Template;
  using baton::lang::Value;
  using baton::lang::ValueList;

  std::string_view source(reinterpret_cast<const char*>(data), size);
  auto parsed = Template::parse(source);
  if (!parsed) return 0;

  static const Context* const context = [] {
    auto* built = new Context();
    built->set("name", Value("world"));
    built->set("items", Value(ValueList{Value(1), Value("two"), Value(3.5)}));
    built->set("n", Value(7));
    return built;
  }();
  (void)parsed->render(*context);
  (void)parsed->evaluate(*context);
  return 0;
}
