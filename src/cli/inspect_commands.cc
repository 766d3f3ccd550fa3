// `baton runs` and `baton show`: what the journal holds.
#include <ctime>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/base/text_diff.h"
#include "src/cli/commands.h"
#include "src/cli/exit_codes.h"
#include "src/cli/session.h"

namespace baton::cli {
namespace {

using nlohmann::ordered_json;

struct InspectOptions {
  SessionOptions session;
  std::string run;
  std::string step;
  std::size_t limit = 20;
  bool json = false;
};

std::string local_time(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  localtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &parts);
  return text;
}

std::string duration(std::int64_t start, std::int64_t end) {
  if (start <= 0 || end < start) return "";
  return fmt::format("{:.1f}s", static_cast<double>(end - start) / 1000);
}

ordered_json parse_or_text(const std::string& text) {
  if (text.empty()) return nullptr;
  ordered_json parsed = ordered_json::parse(text, nullptr, false);
  return parsed.is_discarded() ? ordered_json(text) : parsed;
}

std::string dump(const ordered_json& json, int indent = -1) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

ordered_json summary_json(const RunSummary& run) {
  ordered_json json = {
      {"run", run.id},
      {"workflow", run.workflow},
      {"file", run.file},
      {"status", std::string(run_status_name(run.status))},
      {"created_ms", run.created_ms},
      {"updated_ms", run.updated_ms},
      {"outputs", parse_or_text(run.outputs_json)},
      {"usage",
       {{"input_tokens", run.usage.input_tokens}, {"output_tokens", run.usage.output_tokens}}},
      {"cost_usd", run.cost_usd}};
  if (!run.error.empty()) json["error"] = run.error;
  if (!run.fixture.empty()) json["fixture"] = run.fixture;
  if (!run.cassette.empty()) json["cassette"] = run.cassette;
  if (!run.waiting.empty()) json["waiting"] = run.waiting;
  if (!run.parent_run.empty()) {
    json["rerun_of"] = run.parent_run;
    json["rerun_from"] = run.rerun_from;
  }
  return json;
}

// The answer of a decision as text: a JSON string's text, else the JSON itself, pretty.
std::string answer_text(const DecisionInfo& decision) {
  ordered_json value = parse_or_text(decision.value_json);
  return value.is_string() ? value.get<std::string>() : dump(value, 2);
}

// The diff from what the conductor was shown to the answer given, "" when they did not edit.
std::string edit_diff(const StepInfo& step) {
  if (!step.decision || step.decision->value_json.empty()) return "";
  std::string label = step.item >= 0 ? fmt::format("{}[{}]", step.id, step.item) : step.id;
  return unified_diff(step.decision->original, answer_text(*step.decision), label + " (shown)",
                      label + " (edited)");
}

ordered_json decision_json(const StepInfo& step) {
  const DecisionInfo& decision = *step.decision;
  ordered_json json = {{"approved", decision.approved},
                       {"value", parse_or_text(decision.value_json)},
                       {"reason", decision.reason},
                       {"original", decision.original},
                       {"decided_ms", decision.decided_ms}};
  std::string diff = edit_diff(step);
  if (!diff.empty()) json["diff"] = diff;
  return json;
}

// Token counts; the prompt-cache ones only when there are some.
ordered_json usage_json(const Usage& usage) {
  ordered_json json = {{"input_tokens", usage.input_tokens},
                       {"output_tokens", usage.output_tokens}};
  if (usage.cached_input_tokens > 0) json["cached_input_tokens"] = usage.cached_input_tokens;
  if (usage.cache_write_tokens > 0) json["cache_write_tokens"] = usage.cache_write_tokens;
  return json;
}

ordered_json models_json(const std::vector<ModelCost>& models) {
  ordered_json list = ordered_json::array();
  for (const ModelCost& model : models) {
    list.push_back({{"model", model.model},
                    {"calls", model.calls},
                    {"usage", usage_json(model.usage)},
                    {"cost_usd", model.cost_usd}});
  }
  return list;
}

// "  $0.0123" when something was paid, else "".
std::string cost_text(double usd) { return usd > 0 ? fmt::format("  ${:.4f}", usd) : ""; }

ordered_json step_json(const StepInfo& step) {
  ordered_json attempts = ordered_json::array();
  for (const AttemptInfo& attempt : step.attempts) {
    ordered_json entry = {{"number", attempt.number},
                          {"kind", attempt.kind},
                          {"purpose", attempt.purpose},
                          {"model", attempt.model},
                          {"status", attempt.status},
                          {"request", parse_or_text(attempt.request_json)},
                          {"response", parse_or_text(attempt.response_json)},
                          {"error", attempt.error},
                          {"started_ms", attempt.started_ms},
                          {"ended_ms", attempt.ended_ms},
                          {"usage", usage_json(attempt.usage)},
                          {"cost_usd", attempt.cost_usd}};
    if (attempt.cached) {
      entry["cached"] = true;
      entry["saved_usd"] = attempt.saved_usd;
    }
    if (!attempt.feedback.empty()) {
      entry["feedback"] = attempt.feedback;
      entry["answer"] = attempt.answer;
    }
    attempts.push_back(std::move(entry));
  }
  ordered_json json = {{"step", step.id}};
  if (step.item >= 0) json["item"] = step.item;
  json["status"] = step.status;
  json["result"] = parse_or_text(step.result_json);
  if (!step.error.empty()) json["error"] = step.error;
  if (!step.reused_from.empty()) json["reused_from"] = step.reused_from;
  if (!step.fingerprint.empty()) json["fingerprint"] = step.fingerprint;
  json["started_ms"] = step.started_ms;
  json["ended_ms"] = step.ended_ms;
  json["usage"] = usage_json(step.usage);
  json["cost_usd"] = step.cost_usd;
  json["attempts"] = attempts;
  if (step.decision) json["decision"] = decision_json(step);
  return json;
}

// Pretty JSON whose lines after the first are indented by `margin` spaces, to sit under a label.
std::string indented_json(const std::string& text, std::size_t margin) {
  std::string pretty = dump(parse_or_text(text), 2);
  std::string result;
  for (char c : pretty) {
    result += c;
    if (c == '\n') result.append(margin, ' ');
  }
  return result;
}

// Text whose lines after the first are indented by `margin` spaces.
std::string indented(const std::string& text, std::size_t margin) {
  std::string result;
  for (char c : text) {
    result += c;
    if (c == '\n') result.append(margin, ' ');
  }
  return result;
}

std::string label(const StepInfo& step) {
  return step.item >= 0 ? fmt::format("{}[{}]", step.id, step.item) : step.id;
}

int list_runs(const InspectOptions& options) {
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Result<std::vector<RunSummary>> runs = (*engine)->runs(options.limit);
  if (!runs) return report(runs.error());
  if (options.json) {
    ordered_json list = ordered_json::array();
    for (const RunSummary& run : *runs) list.push_back(summary_json(run));
    fmt::print("{}\n", dump(list));
    return kExitOk;
  }
  for (const RunSummary& run : *runs) {
    fmt::print("{}  {:<10} {}  {}  ({}){}\n", run.id, run_status_name(run.status),
               local_time(run.created_ms), run.workflow, run.file,
               run.parent_run.empty()
                   ? ""
                   : fmt::format("  rerun of {} from {}", run.parent_run, run.rerun_from));
  }
  return kExitOk;
}

void print_step_detail(const StepInfo& step) {
  fmt::print("step {}: {}{}{}\n", label(step), step.status,
             step.reused_from.empty() ? "" : " (reused from run " + step.reused_from + ")",
             step.error.empty() ? "" : "\n  error: " + step.error);
  if (!step.result_json.empty()) fmt::print("  result: {}\n", indented_json(step.result_json, 2));
  if (step.decision) {
    fmt::print("  decision: {}{}\n", step.decision->approved ? "approved" : "rejected",
               step.decision->reason.empty() ? "" : " (" + step.decision->reason + ")");
    std::string diff = edit_diff(step);
    if (!diff.empty())
      fmt::print("  edit:\n    {}\n", indented(diff.substr(0, diff.size() - 1), 4));
  }
  for (const AttemptInfo& attempt : step.attempts) {
    fmt::print("  attempt {} ({}{}{}): {}{} {}  {}+{} tokens{}{}\n", attempt.number, attempt.kind,
               attempt.model.empty() ? "" : " " + attempt.model,
               attempt.purpose.empty() ? "" : ", " + attempt.purpose, attempt.status,
               attempt.cached ? fmt::format(", cached, saved ${:.4f}", attempt.saved_usd) : "",
               duration(attempt.started_ms, attempt.ended_ms), attempt.usage.input_tokens,
               attempt.usage.output_tokens,
               attempt.usage.cached_input_tokens > 0
                   ? fmt::format(" ({} cached)", attempt.usage.cached_input_tokens)
                   : "",
               cost_text(attempt.cost_usd));
    if (!attempt.feedback.empty()) {
      fmt::print("    rejected: {}\n", indented(attempt.feedback, 6));
      fmt::print("    answer: {}\n", indented(attempt.answer, 6));
    } else if (!attempt.error.empty()) {
      fmt::print("    error: {}\n", attempt.error);
    }
    if (!attempt.request_json.empty())
      fmt::print("    request: {}\n", indented_json(attempt.request_json, 4));
    if (!attempt.response_json.empty())
      fmt::print("    response: {}\n", indented_json(attempt.response_json, 4));
  }
}

int show_run(const InspectOptions& options) {
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Result<RunDetail> detail = (*engine)->detail(options.run);
  if (!detail) return report(detail.error());
  std::vector<const StepInfo*> chosen;
  for (const StepInfo& step : detail->steps) {
    if (options.step.empty() || step.id == options.step || label(step) == options.step)
      chosen.push_back(&step);
  }
  if (!options.step.empty() && chosen.empty()) {
    return report(
        not_found("run " + detail->summary.id + " has no step '" + options.step + "' (yet)"));
  }
  if (options.json) {
    ordered_json json = summary_json(detail->summary);
    json["inputs"] = parse_or_text(detail->inputs_json);
    json["workflow_hash"] = detail->workflow_hash;
    ordered_json steps = ordered_json::array();
    for (const StepInfo* step : chosen) steps.push_back(step_json(*step));
    json["steps"] = steps;
    json["models"] = models_json(detail->models);
    fmt::print("{}\n", dump(json));
    return kExitOk;
  }
  if (!options.step.empty()) {
    for (const StepInfo* step : chosen) print_step_detail(*step);
    return kExitOk;
  }
  const RunSummary& run = detail->summary;
  fmt::print("run {}: {} ({}, version {})\n", run.id, run.workflow, run.file,
             detail->workflow_hash);
  fmt::print("status: {}   started {}   {} input + {} output tokens{}\n",
             run_status_name(run.status), local_time(run.created_ms), run.usage.input_tokens,
             run.usage.output_tokens,
             run.cost_usd > 0 ? fmt::format("   ${:.4f}", run.cost_usd) : "");
  if (!run.parent_run.empty())
    fmt::print("rerun of run {} from step {}\n", run.parent_run, run.rerun_from);
  if (!run.error.empty()) fmt::print("error: {}\n", run.error);
  fmt::print("inputs: {}\n", detail->inputs_json);
  if (run.status == RunStatus::kSucceeded) fmt::print("outputs: {}\n", run.outputs_json);
  for (const StepInfo* step : chosen) {
    if (!step->reused_from.empty()) {
      fmt::print("  {:<28} {:<10} {:>7}  reused from run {}\n", label(*step), step->status, "",
                 step->reused_from);
      continue;
    }
    fmt::print("  {:<28} {:<10} {:>7}  {} attempt(s){}{}\n", label(*step), step->status,
               duration(step->started_ms, step->ended_ms), step->attempts.size(),
               cost_text(step->cost_usd), step->error.empty() ? "" : "  " + step->error);
    // Rejected answers, so that a repaired step does not hide what went wrong first.
    for (const AttemptInfo& attempt : step->attempts) {
      if (attempt.feedback.empty()) continue;
      std::string first_line = attempt.feedback.substr(0, attempt.feedback.find('\n'));
      fmt::print("    attempt {} ({}) rejected: {}\n", attempt.number, attempt.model, first_line);
    }
  }
  if (!detail->models.empty()) fmt::print("models:\n");
  for (const ModelCost& model : detail->models) {
    fmt::print("  {:<28} {} call(s)  {} input ({} cached) + {} output tokens{}\n", model.model,
               model.calls, model.usage.input_tokens, model.usage.cached_input_tokens,
               model.usage.output_tokens, cost_text(model.cost_usd));
  }
  return kExitOk;
}

}  // namespace

void add_inspect_commands(CLI::App& app, std::vector<Command>& commands) {
  auto runs_options = std::make_shared<InspectOptions>();
  CLI::App* runs = app.add_subcommand("runs", "List recent runs, newest first");
  runs->add_option("-n,--limit", runs_options->limit, "How many (default 20)");
  runs->add_flag("--json", runs_options->json, "A JSON array");
  add_db_option(*runs, runs_options->session);
  commands.push_back({runs, [runs_options] { return list_runs(*runs_options); }});

  auto show_options = std::make_shared<InspectOptions>();
  CLI::App* show = app.add_subcommand(
      "show", "Show a run, or one step of it with every attempt (request, response, error)");
  show->add_option("run", show_options->run, "The run id (or a unique start of it)")->required();
  show->add_option("step", show_options->step, "A step: STEP or STEP[ITEM]");
  show->add_flag("--json", show_options->json, "One JSON object");
  add_db_option(*show, show_options->session);
  commands.push_back({show, [show_options] { return show_run(*show_options); }});
}

}  // namespace baton::cli
