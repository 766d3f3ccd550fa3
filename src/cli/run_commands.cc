// `baton run`, `baton resume` and `baton cancel`.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/commands.h"
#include "src/cli/exit_codes.h"
#include "src/cli/live_view.h"
#include "src/cli/session.h"

namespace baton::cli {
namespace {

// --budget-usd and --budget-tokens: a run's own budget, replacing the workflow's.
struct BudgetOptions {
  std::optional<double> usd;
  std::optional<std::int64_t> tokens;
};

void add_budget_options(CLI::App& command, BudgetOptions& budget, const char* what) {
  command.add_option("--budget-usd", budget.usd, std::string("USD the run may spend") + what)
      ->check(CLI::PositiveNumber);
  command
      .add_option("--budget-tokens", budget.tokens, std::string("Tokens the run may use") + what)
      ->check(CLI::PositiveNumber);
}

Status apply_budget(Engine& engine, const std::string& run_id, const BudgetOptions& budget) {
  if (!budget.usd && !budget.tokens) return ok_status();
  return engine.set_budget(run_id, BudgetLimits{budget.usd, budget.tokens});
}

struct RunOptions {
  SessionOptions session;
  BudgetOptions budget;
  std::string file;
  std::vector<std::string> inputs;  // NAME=VALUE
  std::string inputs_file;
  bool json = false;
  bool dry_run = false;
};

struct ResumeOptions {
  SessionOptions session;
  BudgetOptions budget;
  std::string run;
  bool json = false;
  bool strict = false;  // refuse when the workflow file changed
};

struct RerunCommandOptions {
  SessionOptions session;
  BudgetOptions budget;
  std::string run;
  RerunOptions rerun;
  bool json = false;
};

// The engine a Ctrl-C should stop: the first one cancels the run cleanly, a second one kills.
std::atomic<Engine*> interrupted_engine{nullptr};

void on_interrupt(int) {
  Engine* engine = interrupted_engine.load();
  if (engine != nullptr) engine->request_cancel();
  signal(SIGINT, SIG_DFL);
}

Result<std::vector<std::pair<std::string, std::string>>> collect_inputs(const RunOptions& options) {
  std::vector<std::pair<std::string, std::string>> inputs;
  if (!options.inputs_file.empty()) {
    std::ifstream file(options.inputs_file);
    if (!file) return not_found(options.inputs_file + ": cannot be read");
    nlohmann::json object = nlohmann::json::parse(file, nullptr, false);
    if (object.is_discarded() || !object.is_object())
      return invalid_input(options.inputs_file + ": expected a JSON object of inputs");
    for (const auto& [name, value] : object.items())
      inputs.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
  }
  for (const std::string& assignment : options.inputs) {
    std::size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0)
      return invalid_input("-i '" + assignment + "': expected NAME=VALUE");
    inputs.emplace_back(assignment.substr(0, equals), assignment.substr(equals + 1));
  }
  return inputs;
}

bool is_interactive(LiveView::Mode mode) {
  return mode != LiveView::Mode::kJson && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

// Asks the conductor about each waiting step; false when they chose to leave them waiting.
bool ask_conductor(Engine& engine, const RunSummary& summary) {
  Result<RunDetail> detail = engine.detail(summary.id);
  if (!detail) return false;
  for (const StepInfo& step : detail->steps) {
    if (step.status != "waiting" || step.result_json.rfind("{\"budget\":", 0) == 0) continue;
    std::string label = step.item >= 0 ? fmt::format("{}[{}]", step.id, step.item) : step.id;
    nlohmann::json shown = nlohmann::json::parse(step.result_json, nullptr, false);
    if (!shown.is_discarded() && shown.is_object()) {
      std::string show = shown.value("show", "");
      if (!show.empty()) fmt::print("\n{}\n", show);
      fmt::print("\n{}: {}\n", label, shown.value("question", ""));
    }
    fmt::print("approve? [y]es, [n]o, [l]eave it waiting: ");
    std::fflush(stdout);
    std::string answer;
    if (!std::getline(std::cin, answer) || answer.empty() || answer[0] == 'l') return false;
    Decision decision;
    decision.approved = answer[0] == 'y' || answer[0] == 'Y';
    if (!decision.approved) {
      fmt::print("reason (optional): ");
      std::fflush(stdout);
      std::getline(std::cin, decision.reason);
    }
    Status decided = engine.decide(summary.id, label, decision);
    if (!decided) {
      report(decided.error());
      return false;
    }
  }
  return true;
}

int run_workflow(const RunOptions& options) {
  auto inputs = collect_inputs(options);
  if (!inputs) return report(inputs.error());
  if (options.dry_run) return dry_run(options.file, *inputs, options.json);
  if (!options.session.record.empty()) {
    // A new run records afresh; resume and approve append to the cassette.
    std::ofstream truncate(options.session.record, std::ios::trunc);
    if (!truncate) {
      return report(invalid_input("cannot write the cassette " + options.session.record));
    }
  }
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Result<std::string> run = (*engine)->start_run(options.file, *inputs);
  if (!run) return report(run.error());
  if (Status budget = apply_budget(**engine, *run, options.budget); !budget) {
    return report(budget.error());
  }
  LiveView::Mode mode = LiveView::choose(options.json);
  if (mode != LiveView::Mode::kJson) fmt::print("run {} of {}\n", *run, options.file);
  return execute_run(**engine, *run, options.json);
}

// Cancels a run nobody executes (a waiting or a crashed one), or asks the process executing it
// to stop; prints the full run id.
int cancel_run(const ResumeOptions& options) {
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Result<RunSummary> before = (*engine)->summary(options.run);
  if (!before) return report(before.error());
  Status cancelled = (*engine)->cancel(before->id);
  if (!cancelled) return report(cancelled.error());
  if (before->active) {
    fmt::print("run {}: asked the process running it to stop\n", before->id);
  } else {
    fmt::print("run {} cancelled\n", before->id);
  }
  return kExitOk;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

// When the run's workflow file changed since it started: refuses under --strict, else makes the
// run follow the file and says which finished steps are kept and which run again.
Status follow_workflow_file(Engine& engine, const RunSummary& run, const ResumeOptions& options) {
  if (run.status == RunStatus::kSucceeded || run.status == RunStatus::kCancelled || run.active)
    return ok_status();
  BATON_ASSIGN_OR_RETURN(WorkflowChanges changes, engine.workflow_changes(run.id));
  if (!changes.changed) return ok_status();
  if (options.strict) {
    return invalid_input("the workflow file " + run.file + " changed since run " + run.id +
                         " started (changed steps: " + joined(changes.changed_steps) +
                         "); resume without --strict to run them again");
  }
  BATON_ASSIGN_OR_RETURN(changes, engine.adopt_workflow_file(run.id));
  if (!changes.changed || LiveView::choose(options.json) == LiveView::Mode::kJson)
    return ok_status();
  fmt::print("the workflow file {} changed: steps changed: {}\n", run.file,
             joined(changes.changed_steps));
  if (!changes.removed_steps.empty()) fmt::print("  removed: {}\n", joined(changes.removed_steps));
  fmt::print("  reused: {}\n  run again: {}\n", joined(changes.reused), joined(changes.rerun));
  return ok_status();
}

int resume_run(const ResumeOptions& options) {
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Result<RunSummary> found = (*engine)->summary(options.run);
  if (!found) return report(found.error());
  if (Status followed = follow_workflow_file(**engine, *found, options); !followed) {
    return report(followed.error());
  }
  if (Status budget = apply_budget(**engine, found->id, options.budget); !budget) {
    return report(budget.error());
  }
  return execute_run(**engine, found->id, options.json);
}

int rerun(const RerunCommandOptions& options) {
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Result<std::string> run = (*engine)->rerun(options.run, options.rerun);
  if (!run) return report(run.error());
  if (Status budget = apply_budget(**engine, *run, options.budget); !budget) {
    return report(budget.error());
  }
  if (LiveView::choose(options.json) != LiveView::Mode::kJson) {
    Result<RunSummary> summary = (*engine)->summary(*run);
    if (!summary) return report(summary.error());
    fmt::print("run {}: a rerun of run {} from step {}\n", *run, summary->parent_run,
               summary->rerun_from);
  }
  return execute_run(**engine, *run, options.json);
}

}  // namespace

int execute_run(Engine& engine, const std::string& run_id, bool json) {
  LiveView::Mode mode = LiveView::choose(json);
  LiveView view(mode);
  engine.on_event([&view](const Event& event) { view.on_event(event); });
  interrupted_engine = &engine;
  signal(SIGINT, on_interrupt);
  int code = kExitFailure;
  while (true) {
    Result<RunSummary> summary = engine.run(run_id);
    if (!summary) {
      code = report(summary.error());
      break;
    }
    view.finish(*summary);
    code = exit_code_for(summary->status);
    if (summary->status != RunStatus::kWaiting || summary->waiting.empty() || !is_interactive(mode))
      break;
    if (!ask_conductor(engine, *summary)) break;
  }
  signal(SIGINT, SIG_DFL);
  interrupted_engine = nullptr;
  engine.on_event(nullptr);
  return code;
}

void add_run_commands(CLI::App& app, std::vector<Command>& commands) {
  auto run_options = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand("run", "Check and run a workflow, journaling every step");
  run->add_option("file", run_options->file, "The workflow file (YAML)")->required();
  run->add_option("-i,--input", run_options->inputs, "An input: NAME=VALUE (repeatable)");
  run->add_option("--inputs", run_options->inputs_file, "Inputs from a JSON object file");
  run->add_flag("--json", run_options->json, "One JSON object per event on stdout");
  add_budget_options(*run, run_options->budget, ", replacing the workflow's budget");
  run->add_flag("--dry-run", run_options->dry_run,
                "Print what the run could cost at most, and stop: nothing is sent or recorded");
  run->add_option("--concurrency", run_options->session.concurrency,
                  "Model calls and commands in flight at once (default 64)")
      ->check(CLI::Range(1, 100000));
  run->add_option("--durability", run_options->session.durability,
                  "process (survives kill -9; default) or full (survives power loss)")
      ->check(CLI::IsMember({"process", "full"}));
  run->add_option("--fixture", run_options->session.fixture,
                  "Answer model calls from this fixture file instead of a model (testing)");
  add_cassette_options(*run, run_options->session);
  add_db_option(*run, run_options->session);
  commands.push_back({run, [run_options] { return run_workflow(*run_options); }});

  auto resume_options = std::make_shared<ResumeOptions>();
  CLI::App* resume = app.add_subcommand(
      "resume", "Continue a run after a crash, a pause or a failure: finished steps are kept");
  resume->add_option("run", resume_options->run, "The run id (or a unique start of it)")
      ->required();
  resume->add_flag("--json", resume_options->json, "One JSON object per event on stdout");
  add_budget_options(*resume, resume_options->budget, ", raising (or setting) the run's budget");
  resume
      ->add_option("--concurrency", resume_options->session.concurrency,
                   "Model calls and commands in flight at once (default 64)")
      ->check(CLI::Range(1, 100000));
  resume
      ->add_option("--durability", resume_options->session.durability, "process (default) or full")
      ->check(CLI::IsMember({"process", "full"}));
  resume->add_option("--fixture", resume_options->session.fixture,
                     "Answer from this fixture (default: the one the run was started with)");
  resume->add_flag("--strict", resume_options->strict,
                   "Refuse (exit 2) when the workflow file changed since the run started");
  add_cassette_options(*resume, resume_options->session);
  add_db_option(*resume, resume_options->session);
  commands.push_back({resume, [resume_options] { return resume_run(*resume_options); }});

  auto rerun_options = std::make_shared<RerunCommandOptions>();
  CLI::App* rerun_command = app.add_subcommand(
      "rerun",
      "A new run of a run's workflow and inputs from a step: earlier results are reused, the "
      "step (with a changed prompt or model) and what reads it run again");
  rerun_command->add_option("run", rerun_options->run, "The run id (or a unique start of it)")
      ->required();
  rerun_command->add_option("--from", rerun_options->rerun.from_step, "The step to run again from")
      ->required();
  rerun_command->add_option("--prompt-file", rerun_options->rerun.prompt_file,
                            "A file whose text replaces the step's prompt template");
  rerun_command->add_option("--model", rerun_options->rerun.model,
                            "A model of the workflow's `models` for the step");
  rerun_command->add_flag("--json", rerun_options->json, "One JSON object per event on stdout");
  add_budget_options(*rerun_command, rerun_options->budget, ", replacing the workflow's budget");
  rerun_command
      ->add_option("--concurrency", rerun_options->session.concurrency,
                   "Model calls and commands in flight at once (default 64)")
      ->check(CLI::Range(1, 100000));
  rerun_command->add_option("--fixture", rerun_options->session.fixture,
                            "Answer from this fixture (default: the one the run was started with)");
  add_cassette_options(*rerun_command, rerun_options->session);
  add_db_option(*rerun_command, rerun_options->session);
  commands.push_back({rerun_command, [rerun_options] { return rerun(*rerun_options); }});

  auto cancel_options = std::make_shared<ResumeOptions>();
  CLI::App* cancel =
      app.add_subcommand("cancel", "Cancel a run (or ask the process running it to stop)");
  cancel->add_option("run", cancel_options->run, "The run id (or a unique start of it)")
      ->required();
  add_db_option(*cancel, cancel_options->session);
  commands.push_back({cancel, [cancel_options] { return cancel_run(*cancel_options); }});
}

}  // namespace baton::cli
