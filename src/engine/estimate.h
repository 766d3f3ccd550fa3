#pragma once

#include <cstdint>
#include <vector>

#include "baton/engine.h"
#include "src/lang/template/template.h"
#include "src/lang/workflow.h"
#include "src/providers/provider.h"

namespace baton::engine {

// A token is about four bytes of English; code and other languages need fewer bytes per token,
// so count one per three, plus a few per message for the roles and separators.
std::int64_t estimated_prompt_tokens(const std::vector<providers::ChatMessage>& messages);

// What running `workflow` with `inputs` (resolved) could cost at most: see Engine::estimate.
CostEstimate estimate_cost(const lang::Workflow& workflow, const lang::Value& inputs);

}  // namespace baton::engine
