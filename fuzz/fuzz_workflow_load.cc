// Feeds arbitrary bytes to the workflow loader and formats whatever it reports: neither may
// crash, hang or leak, whatever the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/lang/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  baton::lang::LoadResult loaded = baton::lang::load_workflow(text, "fuzz.yaml");
  if (!loaded.ok()) (void)baton::lang::format_diagnostics(loaded.diagnostics, text);
  return 0;
}
