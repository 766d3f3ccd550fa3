// Model calls answered by the response cache: journaled as model attempts that cost nothing,
// with what they saved (run_records.h).
#include <fmt/format.h>

#include "src/engine/executor.h"
#include "src/engine/run_records.h"

namespace baton::engine {

void RunExecutor::mark_cached(Unit& unit, providers::ModelOutcome& outcome) {
  const providers::ModelOutcome::CacheHit& hit = *outcome.cached;
  outcome.response_body =
      cached_response_json(hit.key, hit.saved_usd, hit.original_usage.input_tokens,
                           hit.original_usage.output_tokens, outcome.response_body);
  // Nothing was spent: the attempt, the step's usage and the run's totals count no tokens.
  outcome.reply->usage = providers::ModelUsage{};
  emit("attempt_cached", workflow_->steps[unit.step].id, unit.item,
       "{\"attempt\":" + std::to_string(unit.attempt.number) +
           ",\"saved_usd\":" + fmt::format("{}", hit.saved_usd) + "}");
}

}  // namespace baton::engine
