// `baton check FILE...`: load and check workflow files, report every error of every file.
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "src/cli/commands.h"
#include "src/cli/exit_codes.h"
#include "src/lang/diagnostics.h"
#include "src/lang/loader.h"

namespace baton::cli {

CLI::App* add_check_command(CLI::App& app, CheckOptions& options) {
  CLI::App* check =
      app.add_subcommand("check", "Check workflow files: report every error with FILE:LINE:COLUMN");
  check->add_option("files", options.files, "Workflow files (YAML)")->required();
  check->add_flag("-q,--quiet", options.quiet, "Print nothing for valid files");
  return check;
}

int run_check(const CheckOptions& options) {
  bool failed = false;
  bool invalid = false;
  for (const std::string& path : options.files) {
    auto text = lang::read_workflow_file(path);
    if (!text) {
      fmt::print(stderr, "baton: error: {}\n", text.error().message());
      failed = true;
      continue;
    }
    lang::LoadResult loaded = lang::load_workflow(*text, path);
    if (!loaded.ok()) {
      std::fputs(lang::format_diagnostics(loaded.diagnostics, *text).c_str(), stderr);
      invalid = true;
    } else if (!options.quiet) {
      fmt::print("{}: ok\n", path);
    }
  }
  if (failed) return kExitFailure;
  return invalid ? kExitInvalid : kExitOk;
}

}  // namespace baton::cli
