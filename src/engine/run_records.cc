#include "src/engine/run_records.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <tuple>
#include <utility>

#include "src/lang/fingerprint.h"

namespace baton::engine {

std::string new_run_id() {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::mt19937_64 random(
      (static_cast<std::uint64_t>(device()) << 32) ^ device() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::string id;
  for (int i = 0; i < 12; ++i) id += kAlphabet[random() % kAlphabet.size()];
  return id;
}

std::string content_hash(std::string_view text) { return lang::digest_text(text); }

namespace {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace

std::string this_process_owner() { return std::to_string(getpid()) + "@" + host_name(); }

bool owner_is_alive(std::string_view owner) {
  std::size_t at = owner.find('@');
  if (at == std::string_view::npos) return false;
  if (owner.substr(at + 1) != host_name()) return true;
  int pid = 0;
  auto [end, error] = std::from_chars(owner.data(), owner.data() + at, pid);
  if (error != std::errc() || end != owner.data() + at || pid <= 0) return false;
  if (pid == getpid()) return false;  // an earlier run of this very process that ended badly
  return kill(pid, 0) == 0 || errno == EPERM;
}

namespace {

std::mutex local_runs_mutex;
std::set<std::string, std::less<>> local_runs;

bool is_local(std::string_view run_id) {
  std::lock_guard lock(local_runs_mutex);
  return local_runs.contains(run_id);
}

void add_usage(Usage& total, const Usage& more) {
  total.input_tokens += more.input_tokens;
  total.output_tokens += more.output_tokens;
  total.cached_input_tokens += more.cached_input_tokens;
  total.cache_write_tokens += more.cache_write_tokens;
}

}  // namespace

LocalRun::LocalRun(std::string run_id) : run_id_(std::move(run_id)) {
  std::lock_guard lock(local_runs_mutex);
  claimed_ = local_runs.insert(run_id_).second;
}

LocalRun::~LocalRun() {
  if (!claimed_) return;
  std::lock_guard lock(local_runs_mutex);
  local_runs.erase(run_id_);
}

bool is_executing(const store::RunRecord& run) {
  return !run.owner.empty() && (owner_is_alive(run.owner) || is_local(run.id));
}

std::string step_label(std::string_view step, int item) {
  std::string label(step);
  if (item >= 0) label += "[" + std::to_string(item) + "]";
  return label;
}

Result<StepLabel> parse_step_label(std::string_view label) {
  StepLabel parsed;
  std::size_t open = label.find('[');
  if (open == std::string_view::npos) {
    parsed.id = std::string(label);
    return parsed;
  }
  std::string_view digits = label.substr(open + 1);
  if (digits.empty() || digits.back() != ']')
    return invalid_input("'" + std::string(label) + "' is not STEP or STEP[ITEM]");
  digits.remove_suffix(1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed.item);
  if (error != std::errc() || end != digits.data() + digits.size() || parsed.item < 0)
    return invalid_input("'" + std::string(label) + "' is not STEP or STEP[ITEM]");
  parsed.id = std::string(label.substr(0, open));
  return parsed;
}

RunSummary to_summary(const store::RunRecord& run) {
  RunSummary summary;
  summary.id = run.id;
  summary.workflow = run.workflow_name;
  summary.file = run.workflow_file;
  summary.status = static_cast<RunStatus>(run.status);
  summary.outputs_json = run.outputs_json.empty() ? "{}" : run.outputs_json;
  summary.error = run.error;
  summary.usage = {run.input_tokens, run.output_tokens};
  summary.cost_usd = run.cost_usd;
  summary.created_ms = run.created_ms;
  summary.updated_ms = run.updated_ms;
  summary.parent_run = run.parent_run;
  summary.rerun_from = run.rerun_from;
  if (run.fixture.starts_with(kReplayPrefix)) {
    summary.cassette = run.fixture.substr(kReplayPrefix.size());
  } else {
    summary.fixture = run.fixture;
  }
  return summary;
}

double call_cost_usd(const lang::Model& model, std::int64_t input_tokens,
                     std::int64_t output_tokens, std::int64_t cached_input,
                     std::int64_t cache_write) {
  if (!model.price) return 0;  // prices are USD per million tokens
  constexpr double kDefaultCacheWriteFactor = 1.25;
  const lang::Price& price = *model.price;
  const std::int64_t uncached =
      std::max<std::int64_t>(0, input_tokens - cached_input - cache_write);
  const double write_price = price.cache_write.value_or(price.input * kDefaultCacheWriteFactor);
  return (static_cast<double>(uncached) * price.input +
          static_cast<double>(cached_input) * price.cached_input +
          static_cast<double>(cache_write) * write_price +
          static_cast<double>(output_tokens) * price.output) /
         1e6;
}

double attempt_cost_usd(const lang::Model& model, const store::AttemptRecord& attempt) {
  return call_cost_usd(model, attempt.input_tokens, attempt.output_tokens,
                       attempt.cached_input_tokens, attempt.cache_write_tokens);
}

void total_usage(const std::vector<store::AttemptRecord>& attempts, const lang::Workflow& workflow,
                 store::RunRecord& run) {
  run.input_tokens = run.output_tokens = 0;
  run.cost_usd = 0;
  for (const store::AttemptRecord& attempt : attempts) {
    run.input_tokens += attempt.input_tokens;
    run.output_tokens += attempt.output_tokens;
    const lang::Model* model = workflow.find_model(attempt.model);
    if (model != nullptr) run.cost_usd += attempt_cost_usd(*model, attempt);
  }
}

RunDetail to_detail(RunSummary summary, const store::RunRecord& run, const lang::Workflow& workflow,
                    const std::vector<store::StepRecord>& steps,
                    const std::vector<store::AttemptRecord>& attempts,
                    const std::vector<store::DecisionRecord>& decisions) {
  RunDetail detail;
  detail.summary = std::move(summary);
  detail.inputs_json = run.inputs_json;
  detail.workflow_hash = run.workflow_hash;
  if (run.status == store::RunStatus::kRunning) {  // its totals are recorded when it stops
    store::RunRecord live = run;
    total_usage(attempts, workflow, live);
    detail.summary.usage = {live.input_tokens, live.output_tokens};
    detail.summary.cost_usd = live.cost_usd;
  }
  std::map<std::pair<std::string_view, int>, std::vector<const store::AttemptRecord*>> by_step;
  std::map<std::string, ModelCost> by_model;
  for (const store::AttemptRecord& attempt : attempts)
    by_step[{attempt.step_id, attempt.item}].push_back(&attempt);
  for (const store::StepRecord& step : steps) {
    StepInfo info;
    info.id = step.step_id;
    info.item = step.item;
    info.status = std::string(store::step_status_name(step.status));
    info.result_json = step.result_json;
    info.error = step.error;
    info.started_ms = step.started_ms;
    info.ended_ms = step.ended_ms;
    info.reused_from = step.reused_from;
    info.fingerprint = step.fingerprint;
    for (const store::DecisionRecord& decision : decisions) {
      if (decision.step_id != step.step_id || decision.item != step.item) continue;
      info.decision = DecisionInfo{decision.approved, decision.value_json, decision.reason,
                                   decision.original, decision.decided_ms};
    }
    auto found = by_step.find({step.step_id, step.item});
    if (found == by_step.end()) {
      detail.steps.push_back(std::move(info));
      continue;
    }
    for (const store::AttemptRecord* pointer : found->second) {
      const store::AttemptRecord& attempt = *pointer;
      AttemptInfo a;
      a.number = attempt.number;
      a.kind = attempt.kind;
      a.purpose = attempt.purpose;
      a.feedback = attempt.feedback;
      a.answer = attempt.answer;
      a.model = attempt.model;
      a.status = std::string(store::attempt_status_name(attempt.status));
      a.request_json = attempt.request_json;
      a.response_json = attempt.response_json;
      a.error = attempt.error;
      a.started_ms = attempt.started_ms;
      a.ended_ms = attempt.ended_ms;
      a.usage = {attempt.input_tokens, attempt.output_tokens, attempt.cached_input_tokens,
                 attempt.cache_write_tokens};
      const lang::Model* model =
          attempt.kind == "model" ? workflow.find_model(attempt.model) : nullptr;
      if (model != nullptr) a.cost_usd = attempt_cost_usd(*model, attempt);
      if (attempt.kind == "model" && attempt.response_json.starts_with(kCachedResponseStart))
        read_cached_attempt(a);
      add_usage(info.usage, a.usage);
      info.cost_usd += a.cost_usd;
      if (attempt.kind == "model") {
        ModelCost& cost = by_model[attempt.model];
        cost.model = attempt.model;
        if (!a.cached) ++cost.calls;
        add_usage(cost.usage, a.usage);
        cost.cost_usd += a.cost_usd;
      }
      info.attempts.push_back(std::move(a));
    }
    detail.steps.push_back(std::move(info));
  }
  // In the workflow's order; a for_each step's items right after it, in item order; a loop's
  // iterations after it, each followed by its steps in that iteration.
  auto position = [&](const StepInfo& info) {
    auto found = workflow.step_index.find(info.id);
    if (found == workflow.step_index.end()) return std::make_tuple(workflow.steps.size(), -1, 0);
    const lang::Step& step = workflow.steps[found->second];
    if (!step.loop) return std::make_tuple(found->second, info.item, 0);
    const std::vector<std::size_t>& body = workflow.steps[*step.loop].loop_body()->body;
    auto at = std::find(body.begin(), body.end(), found->second);
    // An iteration's own record comes before its steps: (loop, iteration, 0), then 1, 2, ...
    return std::make_tuple(*step.loop, info.item, static_cast<int>(at - body.begin()) + 1);
  };
  std::stable_sort(detail.steps.begin(), detail.steps.end(),
                   [&](const StepInfo& a, const StepInfo& b) { return position(a) < position(b); });
  for (auto& [name, cost] : by_model) detail.models.push_back(std::move(cost));
  return detail;
}

}  // namespace baton::engine
