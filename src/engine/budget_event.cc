#include "src/engine/budget_event.h"

#include <nlohmann/json.hpp>

namespace baton::engine {

std::string budget_json(const lang::Budget& budget) {
  nlohmann::json data = nlohmann::json::object();
  if (budget.usd) data["usd"] = *budget.usd;
  if (budget.tokens) data["tokens"] = *budget.tokens;
  return data.dump();
}

Result<lang::Budget> budget_from_json(std::string_view json) {
  nlohmann::json data = nlohmann::json::parse(json, nullptr, false);
  lang::Budget budget;
  if (!data.is_object()) {
    return Error(ErrorCode::kDataLoss, "a budget_set event holds no object: " + std::string(json));
  }
  if (auto usd = data.find("usd"); usd != data.end() && usd->is_number()) {
    budget.usd = usd->get<double>();
  }
  if (auto tokens = data.find("tokens"); tokens != data.end() && tokens->is_number_integer()) {
    budget.tokens = tokens->get<std::int64_t>();
  }
  return budget;
}

bool waits_for_budget(const store::StepRecord& step) {
  return step.status == store::StepStatus::kWaiting &&
         step.result_json.rfind("{\"budget\":", 0) == 0;
}

}  // namespace baton::engine
