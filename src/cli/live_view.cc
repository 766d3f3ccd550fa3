#include "src/cli/live_view.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace baton::cli {
namespace {

constexpr std::size_t kMaxTerminalLines = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::string label_of(const Event& event) {
  return event.item >= 0 ? fmt::format("{}[{}]", event.step, event.item) : event.step;
}

nlohmann::json data_of(const Event& event) {
  nlohmann::json data = nlohmann::json::parse(event.data_json, nullptr, false);
  return data.is_discarded() ? nlohmann::json::object() : data;
}

std::string seconds(std::int64_t ms) {
  return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LiveView::Mode LiveView::choose(bool json) {
  if (json) return Mode::kJson;
  const char* no_color = std::getenv("NO_COLOR");
  bool plain = (no_color != nullptr && *no_color != '\0') || !isatty(STDOUT_FILENO);
  return plain ? Mode::kPlain : Mode::kTerminal;
}

void LiveView::on_event(const Event& event) {
  if (event.type == "attempt_cached") {
    ++cached_calls_;
    saved_usd_ += data_of(event).value("saved_usd", 0.0);
  }
  if (mode_ == Mode::kJson) {
    // Ordered: the fields keep the order docs/cli.md shows.
    nlohmann::ordered_json line = {{"event", event.type},
                                   {"run", event.run_id},
                                   {"seq", event.seq},
                                   {"time_ms", event.time_ms}};
    if (!event.step.empty()) line["step"] = event.step;
    if (event.item >= 0) line["item"] = event.item;
    nlohmann::ordered_json ordered_data =
        nlohmann::ordered_json::parse(event.data_json, nullptr, false);
    line["data"] = ordered_data.is_discarded() ? nlohmann::ordered_json::object() : ordered_data;
    fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::fflush(stdout);
    return;
  }
  nlohmann::json data = data_of(event);
  if (event.step.empty()) {
    if (mode_ == Mode::kPlain) fmt::print("run {}: {}\n", event.run_id, event.type);
    return;
  }
  std::string label = label_of(event);
  std::string state = event.type.substr(event.type.find('_') + 1);  // "step_started" -> "started"
  if (mode_ == Mode::kPlain) {
    std::string detail;
    if (data.contains("error")) detail += " " + data["error"].get<std::string>();
    if (data.contains("elapsed_ms"))
      detail += " (" + seconds(data["elapsed_ms"].get<std::int64_t>()) + ")";
    if (data.contains("input_tokens"))
      detail += fmt::format(" [{}+{} tokens]", data["input_tokens"].get<std::int64_t>(),
                            data.value("output_tokens", std::int64_t{0}));
    if (event.type == "attempt_cached")
      detail += fmt::format(" (saved ${:.4f})", data.value("saved_usd", 0.0));
    if (data.contains("retry_in_ms"))
      detail += fmt::format(", retrying in {}", seconds(data["retry_in_ms"].get<std::int64_t>()));
    if (event.type == "step_waiting" && data.contains("question"))
      detail += ": " + data["question"].get<std::string>();
    if (event.type == "attempt_rejected") {
      detail +=
          fmt::format(" (attempt {}, {}): {}; next: {}", data.value("attempt", 0),
                      data.value("model", ""), data.value("feedback", ""), data.value("next", ""));
    }
    fmt::print("{} {}{}\n", label, state, detail);
    std::fflush(stdout);
    return;
  }
  auto [found, added] = line_of_.emplace(label, lines_.size());
  if (added) lines_.push_back(Line{label, "", event.time_ms, 0, 0});
  Line& line = lines_[found->second];
  if (event.type == "step_started" && line.started_ms == 0) line.started_ms = event.time_ms;
  if (event.type != "attempt_failed" && event.type != "attempt_rejected") line.state = state;
  if (event.type == "attempt_failed") line.state = "retrying";
  if (event.type == "attempt_rejected")
    line.state = data.value("next", "") == "repair" ? "repairing" : "rejected";
  if (data.contains("elapsed_ms")) {
    line.ended_ms = event.time_ms;
    line.started_ms = event.time_ms - data["elapsed_ms"].get<std::int64_t>();
  }
  line.tokens +=
      data.value("input_tokens", std::int64_t{0}) + data.value("output_tokens", std::int64_t{0});
  redraw(false);
}

std::string LiveView::format_line(const Line& line, std::int64_t now_ms) const {
  std::int64_t end = line.ended_ms > 0 ? line.ended_ms : now_ms;
  std::string tokens = line.tokens > 0 ? fmt::format("  {} tokens", line.tokens) : "";
  return fmt::format("  {:<28} {:<10} {:>7}{}", line.label, line.state,
                     seconds(end - line.started_ms), tokens);
}

void LiveView::redraw(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_redraw_ < kRedrawInterval) return;
  last_redraw_ = now;
  std::string screen;
  if (drawn_ > 0) screen += fmt::format("\x1b[{}A", drawn_);
  std::int64_t now_ms = wall_ms();
  std::size_t first = lines_.size() > kMaxTerminalLines ? lines_.size() - kMaxTerminalLines : 0;
  if (first > 0) screen += fmt::format("\x1b[2K  ... {} earlier steps\n", first);
  for (std::size_t i = first; i < lines_.size(); ++i)
    screen += "\x1b[2K" + format_line(lines_[i], now_ms) + "\n";
  drawn_ = lines_.size() - first + (first > 0 ? 1 : 0);
  std::fputs(screen.c_str(), stdout);
  std::fflush(stdout);
}

void LiveView::finish(const RunSummary& summary) {
  if (mode_ == Mode::kTerminal) redraw(true);
  std::string status(run_status_name(summary.status));
  if (mode_ == Mode::kJson) {
    using nlohmann::ordered_json;
    ordered_json outputs = ordered_json::parse(summary.outputs_json, nullptr, false);
    ordered_json line = {{"event", "run"},
                         {"run", summary.id},
                         {"status", status},
                         {"outputs", outputs.is_discarded() ? ordered_json::object() : outputs},
                         {"usage",
                          {{"input_tokens", summary.usage.input_tokens},
                           {"output_tokens", summary.usage.output_tokens}}}};
    if (summary.cost_usd > 0) line["cost_usd"] = summary.cost_usd;
    if (!summary.error.empty()) line["error"] = summary.error;
    if (!summary.waiting.empty()) line["waiting"] = summary.waiting;
    if (!summary.over_budget.empty()) line["over_budget"] = summary.over_budget;
    if (!summary.fixture.empty()) line["fixture"] = summary.fixture;
    if (!summary.cassette.empty()) line["cassette"] = summary.cassette;
    if (cached_calls_ > 0) line["cache"] = {{"hits", cached_calls_}, {"saved_usd", saved_usd_}};
    fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    std::fflush(stdout);
    return;
  }
  std::string cost = summary.cost_usd > 0 ? fmt::format(", ${:.4f}", summary.cost_usd) : "";
  fmt::print("run {} {} in {}, {} input + {} output tokens{}\n", summary.id, status,
             seconds(summary.updated_ms - summary.created_ms), summary.usage.input_tokens,
             summary.usage.output_tokens, cost);
  if (!summary.error.empty()) fmt::print("error: {}\n", summary.error);
  if (!summary.fixture.empty())
    fmt::print("note: model answers came from the fixture {}, not a model\n", summary.fixture);
  if (!summary.cassette.empty())
    fmt::print("note: model answers came from the cassette {}, not a model\n", summary.cassette);
  if (cached_calls_ > 0)
    fmt::print("note: {} model call(s) answered from the response cache, saving ${:.4f}\n",
               cached_calls_, saved_usd_);
  for (const std::string& step : summary.waiting) {
    fmt::print("waiting for a human: baton approve {} {}   (or: baton reject {} {})\n", summary.id,
               step, summary.id, step);
  }
  for (const std::string& step : summary.over_budget) {
    fmt::print(
        "paused at the budget: {} (raise it: baton resume {} --budget-usd N or "
        "--budget-tokens N; or: baton cancel {})\n",
        step, summary.id, summary.id);
  }
  if (summary.status == RunStatus::kSucceeded && summary.outputs_json != "{}")
    fmt::print("outputs: {}\n", summary.outputs_json);
  std::fflush(stdout);
}

}  // namespace baton::cli
