#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "baton/engine.h"
#include "baton/result.h"
#include "src/lang/workflow.h"
#include "src/store/journal.h"

namespace baton::engine {

// A run answered from a cassette keeps it in the run's `fixture` column (no migration needed):
// the column holds a fixture's absolute path, or this prefix and a cassette's.
inline constexpr std::string_view kReplayPrefix = "replay:";

// A model attempt answered by the response cache is journaled (without a column of its own) as
// a "model" attempt with 0 tokens whose response is
//   {"cached": {"key", "saved_usd", "usage"}, "response": the response body that was cached}
// and no provider's response body starts that way.
inline constexpr std::string_view kCachedResponseStart = "{\"cached\":{";
std::string cached_response_json(std::string_view key, double saved_usd, std::int64_t input_tokens,
                                 std::int64_t output_tokens, const std::string& response_body);
// Reads a cached attempt's response into the API's terms: cached, saved_usd, and the response
// body that was cached.
void read_cached_attempt(AttemptInfo& attempt);

// A new run id: 12 random lower-case letters and digits.
std::string new_run_id();
// A hex digest of a workflow's text (64-bit FNV-1a): which version of a file a run ran.
std::string content_hash(std::string_view text);

// What a call of `model` costs in USD; 0 when its price is unknown. Of the input tokens (all of
// them), `cached_input` were read from the provider's prompt cache and cost price.cached_input,
// `cache_write` were written to it and cost price.cache_write (1.25 x price.input when unset,
// Anthropic's 5-minute cache write); the rest cost price.input, the output price.output.
double call_cost_usd(const lang::Model& model, std::int64_t input_tokens,
                     std::int64_t output_tokens, std::int64_t cached_input = 0,
                     std::int64_t cache_write = 0);
double attempt_cost_usd(const lang::Model& model, const store::AttemptRecord& attempt);

// Sets the run's token and cost totals from its attempts (cost at the workflow's model prices):
// the totals stay right when a process was killed before it could record them.
void total_usage(const std::vector<store::AttemptRecord>& attempts, const lang::Workflow& workflow,
                 store::RunRecord& run);

// "PID@HOST" of this process, as a run's owner.
std::string this_process_owner();
// Whether the owner's process still runs. On another host it cannot be told: assumed alive.
bool owner_is_alive(std::string_view owner);

// Marks a run as executed by an Engine of this process, for as long as it lives. claimed() is
// false when another Engine of this process executes the run already.
class LocalRun {
 public:
  explicit LocalRun(std::string run_id);
  ~LocalRun();
  LocalRun(const LocalRun&) = delete;
  LocalRun& operator=(const LocalRun&) = delete;
  bool claimed() const { return claimed_; }

 private:
  std::string run_id_;
  bool claimed_ = false;
};

// Whether a live process executes the run: the one its owner names, or this one.
bool is_executing(const store::RunRecord& run);

// "step" for a whole step, "step[3]" for an item of a for_each step.
std::string step_label(std::string_view step, int item);
struct StepLabel {
  std::string id;
  int item = -1;
};
Result<StepLabel> parse_step_label(std::string_view label);

RunSummary to_summary(const store::RunRecord& run);
RunDetail to_detail(RunSummary summary, const store::RunRecord& run, const lang::Workflow& workflow,
                    const std::vector<store::StepRecord>& steps,
                    const std::vector<store::AttemptRecord>& attempts,
                    const std::vector<store::DecisionRecord>& decisions);

}  // namespace baton::engine
