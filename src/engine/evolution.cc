#include "src/engine/evolution.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

namespace baton::engine {

std::string overrides_to_json(const std::vector<lang::StepOverride>& overrides) {
  if (overrides.empty()) return "";
  nlohmann::json list = nlohmann::json::array();
  for (const lang::StepOverride& change : overrides) {
    nlohmann::json object = {{"step", change.step}};
    if (change.prompt) object["prompt"] = *change.prompt;
    if (change.model) object["model"] = *change.model;
    list.push_back(std::move(object));
  }
  return list.dump();
}

Result<std::vector<lang::StepOverride>> overrides_from_json(const std::string& json) {
  std::vector<lang::StepOverride> overrides;
  if (json.empty()) return overrides;
  nlohmann::json list = nlohmann::json::parse(json, nullptr, false);
  auto corrupt = [&] {
    return Error(ErrorCode::kDataLoss, "the journal's step overrides are not valid: " + json);
  };
  if (list.is_discarded() || !list.is_array()) return corrupt();
  for (const nlohmann::json& object : list) {
    if (!object.is_object() || !object.contains("step") || !object["step"].is_string())
      return corrupt();
    lang::StepOverride change;
    change.step = object["step"].get<std::string>();
    if (object.contains("prompt") && object["prompt"].is_string())
      change.prompt = object["prompt"].get<std::string>();
    if (object.contains("model") && object["model"].is_string())
      change.model = object["model"].get<std::string>();
    overrides.push_back(std::move(change));
  }
  return overrides;
}

std::vector<lang::StepOverride> merge_override(std::vector<lang::StepOverride> overrides,
                                               const lang::StepOverride& change) {
  auto same =
      std::find_if(overrides.begin(), overrides.end(),
                   [&](const lang::StepOverride& earlier) { return earlier.step == change.step; });
  if (same == overrides.end()) {
    overrides.push_back(change);
    return overrides;
  }
  if (change.prompt) same->prompt = change.prompt;
  if (change.model) same->model = change.model;
  return overrides;
}

std::string fingerprint_of(const store::StepRecord& record, const lang::Workflow& then) {
  if (!record.fingerprint.empty()) return record.fingerprint;
  const lang::Step* step = then.find_step(record.step_id);
  return step != nullptr ? step->fingerprint : "";
}

WorkflowChanges compare_workflows(const lang::Workflow& then, const lang::Workflow& now,
                                  const std::vector<store::StepRecord>& records) {
  WorkflowChanges changes;
  changes.changed = true;
  for (const lang::Step& step : now.steps) {
    const lang::Step* before = then.find_step(step.id);
    if (before == nullptr || before->fingerprint != step.fingerprint)
      changes.changed_steps.push_back(step.id);
  }
  for (const lang::Step& step : then.steps) {
    if (now.find_step(step.id) == nullptr) changes.removed_steps.push_back(step.id);
  }
  // Finished (whole) steps, and whether each is still valid under `now`.
  std::vector<bool> finished(now.steps.size(), false);
  std::vector<bool> kept(now.steps.size(), false);
  for (const store::StepRecord& record : records) {
    if (record.item >= 0) continue;
    if (record.status != store::StepStatus::kSucceeded &&
        record.status != store::StepStatus::kSkipped)
      continue;
    auto index = now.step_index.find(record.step_id);
    if (index == now.step_index.end()) continue;
    finished[index->second] = true;
    kept[index->second] = fingerprint_of(record, then) == now.steps[index->second].fingerprint;
  }
  for (std::size_t i : now.topological_order) {
    if (!kept[i]) continue;
    for (std::size_t dependency : now.steps[i].dependencies) {
      if (!kept[dependency]) kept[i] = false;
    }
  }
  for (std::size_t i = 0; i < now.steps.size(); ++i) {
    if (!finished[i]) continue;
    (kept[i] ? changes.reused : changes.rerun).push_back(now.steps[i].id);
  }
  return changes;
}

std::vector<bool> downstream_of(const lang::Workflow& workflow, std::size_t from) {
  std::vector<bool> downstream(workflow.steps.size(), false);
  downstream[from] = true;
  // Dependencies come first in topological order, so one pass reaches every reader.
  for (std::size_t i : workflow.topological_order) {
    for (std::size_t dependency : workflow.steps[i].dependencies) {
      if (downstream[dependency]) downstream[i] = true;
    }
  }
  return downstream;
}

}  // namespace baton::engine
