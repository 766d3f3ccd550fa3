// The `baton` command: parses the command line and hands over to one command.
#include <CLI/CLI.hpp>

#include "src/cli/commands.h"
#include "src/cli/exit_codes.h"

int main(int argc, char** argv) {
  CLI::App app{"baton: a durable, human-in-the-loop AI workflow orchestrator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "baton 0.1.0");
  // Bad usage is one line, like every other error a user can make.
  app.failure_message([](const CLI::App*, const CLI::Error& error) {
    return std::string("baton: error: ") + error.what() + " (see baton --help)\n";
  });

  baton::cli::CheckOptions check_options;
  CLI::App* check = baton::cli::add_check_command(app, check_options);
  std::vector<baton::cli::Command> commands;
  baton::cli::add_run_commands(app, commands);
  baton::cli::add_decide_commands(app, commands);
  baton::cli::add_inspect_commands(app, commands);
  baton::cli::add_cache_commands(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version are "errors" that exit 0; bad usage exits 2.
    int code = app.exit(error);
    return code == 0 ? baton::cli::kExitOk : baton::cli::kExitInvalid;
  }
  if (check->parsed()) return baton::cli::run_check(check_options);
  for (const baton::cli::Command& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return baton::cli::kExitInvalid;
}
