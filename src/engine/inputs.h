#pragma once

#include <string>
#include <utility>
#include <vector>

#include "baton/result.h"
#include "src/lang/template/value.h"
#include "src/lang/workflow.h"

namespace baton::engine {

// The `inputs` dict a run's templates read: each given value checked against its declared type
// (a string input takes the text as is; other types parse it as JSON: 3, true, ["a"]), then
// defaults, then none for optional inputs not given. Every problem is reported in one error.
Result<lang::Value> resolve_inputs(const lang::Workflow& workflow,
                                   const std::vector<std::pair<std::string, std::string>>& given);

}  // namespace baton::engine
