#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace baton::cli {

// Options of `baton check`.
struct CheckOptions {
  std::vector<std::string> files;
  bool quiet = false;  // no "FILE: ok" lines
};

// Registers `check` on `app`; the command sets `options` when parsed.
CLI::App* add_check_command(CLI::App& app, CheckOptions& options);
// Checks every file; prints diagnostics to stderr and "FILE: ok" to stdout. Returns an ExitCode.
int run_check(const CheckOptions& options);

}  // namespace baton::cli
