// The workflow's `budget`: before a model call is sent, its worst case (the prompt, estimated
// generously, plus max_tokens of output, at the model's price) is reserved against what the run
// has spent and what calls in flight have reserved; a call that could break the budget is not
// sent. The real cost is settled when the call ends (end_attempt adds it to the run).
#include <fmt/format.h>

#include "src/engine/executor.h"
#include "src/engine/run_records.h"

namespace baton::engine {
namespace {

// A token is about four bytes of English; code and other languages need fewer bytes per token,
// so count one per three, plus a few per message for the roles and separators.
std::int64_t estimated_prompt_tokens(const std::vector<providers::ChatMessage>& messages) {
  std::int64_t tokens = 0;
  for (const providers::ChatMessage& message : messages) {
    tokens += 8 + static_cast<std::int64_t>((message.content.size() + 2) / 3);
  }
  return tokens;
}

}  // namespace

std::optional<std::string> RunExecutor::reserve_budget(Unit& unit, const lang::Model& model) {
  const lang::Budget& budget = workflow_->budget;
  if (!budget.usd && !budget.tokens) return std::nullopt;
  std::int64_t input = estimated_prompt_tokens(conversation(unit));
  std::int64_t output = model.max_tokens.value_or(0);  // start_run insists on max_tokens
  double usd = call_cost_usd(model, input, output);
  if (budget.tokens) {
    std::int64_t committed = run_.input_tokens + run_.output_tokens + reserved_tokens_;
    if (committed + input + output > *budget.tokens) {
      return fmt::format(
          "budget: this call could use up to {} tokens, and {} of the budget's {} are spent or "
          "reserved by calls in flight; the call was not sent",
          input + output, committed, *budget.tokens);
    }
  }
  if (budget.usd) {
    double committed = run_.cost_usd + reserved_usd_;
    if (committed + usd > *budget.usd) {
      return fmt::format(
          "budget: this call could cost up to ${:.4f}, and ${:.4f} of the budget's ${:.2f} is "
          "spent or reserved by calls in flight; the call was not sent",
          usd, committed, *budget.usd);
    }
  }
  unit.reserved_tokens = input + output;
  unit.reserved_usd = usd;
  reserved_tokens_ += unit.reserved_tokens;
  reserved_usd_ += unit.reserved_usd;
  return std::nullopt;
}

void RunExecutor::release_budget(Unit& unit) {
  reserved_tokens_ -= unit.reserved_tokens;
  reserved_usd_ -= unit.reserved_usd;
  unit.reserved_tokens = 0;
  unit.reserved_usd = 0;
}

}  // namespace baton::engine
