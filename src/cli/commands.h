#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}
namespace baton {
class Engine;
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

// A subcommand and what runs it once parsed; returns an ExitCode.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// run, resume, cancel (run_commands.cc); approve, reject (decide_commands.cc); runs, show
// (inspect_commands.cc).
void add_run_commands(CLI::App& app, std::vector<Command>& commands);
// Runs (or resumes) a run until it settles, printing its events; on a terminal, asks the
// conductor about the steps that wait for a human, and goes on. Returns an ExitCode.
int execute_run(Engine& engine, const std::string& run_id, bool json);
// Prints what a run of `file` could cost, without running it (dry_run.cc).
int dry_run(const std::string& file, const std::vector<std::pair<std::string, std::string>>& inputs,
            bool json);
void add_decide_commands(CLI::App& app, std::vector<Command>& commands);
void add_inspect_commands(CLI::App& app, std::vector<Command>& commands);
// cache stats, cache clear (cache_commands.cc).
void add_cache_commands(CLI::App& app, std::vector<Command>& commands);

}  // namespace baton::cli
