// `baton run --dry-run`: what the run could cost, printed as a table (or JSON), nothing sent.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "baton/engine.h"
#include "src/cli/commands.h"
#include "src/cli/exit_codes.h"
#include "src/cli/session.h"

namespace baton::cli {
namespace {

void print_json(const CostEstimate& estimate) {
  nlohmann::json steps = nlohmann::json::array();
  for (const StepCostEstimate& step : estimate.steps) {
    nlohmann::json line = {{"step", step.step},
                           {"model", step.model},
                           {"calls", step.calls},
                           {"calls_known", step.calls_known},
                           {"input_tokens", step.input_tokens},
                           {"output_tokens", step.output_tokens},
                           {"usd", step.usd}};
    if (!step.note.empty()) line["note"] = step.note;
    steps.push_back(std::move(line));
  }
  fmt::print("{}\n", nlohmann::json{{"steps", std::move(steps)},
                                    {"input_tokens", estimate.input_tokens},
                                    {"output_tokens", estimate.output_tokens},
                                    {"usd", estimate.usd},
                                    {"complete", estimate.complete}}
                         .dump());
}

void print_table(const std::string& file, const CostEstimate& estimate) {
  fmt::print("dry run of {}: nothing was sent; at most, with every answer as long as max_tokens:\n",
             file);
  std::size_t width = 5;  // "total"
  for (const StepCostEstimate& step : estimate.steps) width = std::max(width, step.step.size());
  fmt::print("  {:<{}}  {:<12}  {:>6}  {:>10}  {:>10}  {:>10}\n", "step", width, "model", "calls",
             "input tok", "output tok", "USD");
  for (const StepCostEstimate& step : estimate.steps) {
    const std::string calls = std::to_string(step.calls) + (step.calls_known ? "" : "?");
    fmt::print("  {:<{}}  {:<12}  {:>6}  {:>10}  {:>10}  {:>10.6f}\n", step.step, width, step.model,
               calls, step.input_tokens, step.output_tokens, step.usd);
  }
  fmt::print("  {:<{}}  {:<12}  {:>6}  {:>10}  {:>10}  {:>10.6f}\n", "total", width, "", "",
             estimate.input_tokens, estimate.output_tokens, estimate.usd);
  for (const StepCostEstimate& step : estimate.steps) {
    if (!step.note.empty()) fmt::print("  {}: {}\n", step.step, step.note);
  }
  if (!estimate.complete)
    fmt::print("some figures are not known before the run: the total may be higher\n");
}

}  // namespace

int dry_run(const std::string& file, const std::vector<std::pair<std::string, std::string>>& inputs,
            bool json) {
  // Nothing is recorded: the journal stays in memory.
  Result<std::unique_ptr<Engine>> engine = Engine::open(EngineOptions{});
  if (!engine) return report(engine.error());
  Result<CostEstimate> estimate = (*engine)->estimate(file, inputs);
  if (!estimate) return report(estimate.error());
  if (json) {
    print_json(*estimate);
  } else {
    print_table(file, *estimate);
  }
  return kExitOk;
}

}  // namespace baton::cli
