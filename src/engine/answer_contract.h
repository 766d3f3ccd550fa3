#pragma once

#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/lang/template/value.h"
#include "src/lang/workflow.h"

namespace baton::engine {

// The parts of a prompt step's output contract that need no process: the schema, then the
// pattern. Returns the answer's JSON value (the candidate that conforms to the schema; without
// a schema, answer_json()), or kOutputRejected whose message is the feedback for the model:
// "your answer did not match the schema: /files/0 must be a string".
Result<lang::Value> check_answer(const lang::OutputContract& contract, std::string_view answer);

// The JSON value a model's answer holds (contracts::extract_json: a fenced block, the whole
// answer, or JSON in prose), or none.
lang::Value answer_json(std::string_view answer);

// The user message that sends a rejected answer back to the model: the feedback, capitalised,
// then "Answer again, in full, correcting this."
std::string repair_request(std::string_view feedback);

// The answer a human gave for a prompt step with `baton approve --value JSON`: a JSON string is
// the answer's text; any other value is its JSON text.
std::string answer_from_value_json(std::string_view value_json);

}  // namespace baton::engine
