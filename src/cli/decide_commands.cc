// `baton approve` and `baton reject`: answer a human step, then continue the run.
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/commands.h"
#include "src/cli/exit_codes.h"
#include "src/cli/session.h"

namespace baton::cli {

namespace {

struct DecideOptions {
  SessionOptions session;
  std::string run;
  std::string step;
  std::string value;      // --value JSON
  std::string edit_file;  // --edit FILE: the answer is the file's text
  std::string reason;
  bool record_only = false;
  bool json = false;
};

int decide(DecideOptions& options, bool approved) {
  Decision decision;
  decision.approved = approved;
  decision.reason = options.reason;
  decision.value_json = options.value;
  if (!options.edit_file.empty()) {
    std::ifstream file(options.edit_file, std::ios::binary);
    if (!file) return report(not_found(options.edit_file + ": cannot be read"));
    std::ostringstream text;
    text << file.rdbuf();
    decision.value_json = nlohmann::json(text.str()).dump();
  }
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Status decided = (*engine)->decide(options.run, options.step, decision);
  if (!decided) return report(decided.error());
  Result<RunSummary> summary = (*engine)->summary(options.run);
  if (!summary) return report(summary.error());
  if (options.record_only || summary->active) {
    fmt::print("step {} of run {} {}{}\n", options.step, summary->id,
               approved ? "approved" : "rejected",
               summary->active ? "; the process running it goes on from there" : "");
    return kExitOk;
  }
  return execute_run(**engine, summary->id, options.json);
}

CLI::App* add_decide_command(CLI::App& app, std::vector<Command>& commands, bool approve) {
  auto options = std::make_shared<DecideOptions>();
  CLI::App* command = app.add_subcommand(
      approve ? "approve" : "reject",
      approve ? "Approve a waiting human step, then continue the run"
              : "Reject a waiting human step (it succeeds with approved: false), then continue");
  command->add_option("run", options->run, "The run id (or a unique start of it)")->required();
  command->add_option("step", options->step, "The waiting step: STEP or STEP[ITEM]")->required();
  if (approve) {
    auto* value = command->add_option("--value", options->value, "The answer, as JSON");
    command->add_option("--edit", options->edit_file, "The answer: this file's text (an edit)")
        ->excludes(value);
  }
  command->add_option("--reason", options->reason, "Why (kept in the journal)");
  command->add_flag("--no-continue", options->record_only,
                    "Record the decision only; continue later with `baton resume`");
  command->add_flag("--json", options->json, "One JSON object per event on stdout");
  command
      ->add_option("--concurrency", options->session.concurrency,
                   "Model calls and commands in flight at once when continuing (default 64)")
      ->check(CLI::Range(1, 100000));
  command->add_option("--durability", options->session.durability, "process (default) or full")
      ->check(CLI::IsMember({"process", "full"}));
  command->add_option("--fixture", options->session.fixture,
                      "The fixture file the run was started with");
  add_cassette_options(*command, options->session);
  add_db_option(*command, options->session);
  commands.push_back({command, [options, approve] { return decide(*options, approve); }});
  return command;
}

}  // namespace

void add_decide_commands(CLI::App& app, std::vector<Command>& commands) {
  add_decide_command(app, commands, true);
  add_decide_command(app, commands, false);
}

}  // namespace baton::cli
