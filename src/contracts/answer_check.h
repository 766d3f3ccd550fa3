#pragma once

#include <string_view>

#include "baton/result.h"
#include "src/contracts/json_extract.h"
#include "src/contracts/schema.h"

namespace baton::contracts {

// The whole `output: {schema: ...}` contract on a model's answer: finds the JSON in it
// (extract_json's rules) and validates it. Returns the first candidate, in extract_json's
// order, that conforms, so that prose which happens to hold other JSON first ("see [1]")
// does not fail an answer that also holds the right value. Otherwise kOutputRejected with a
// one-line message meant as feedback to the model: extract_json's when the answer holds no
// JSON, else summarize() of the first candidate's violations.
//
//   Result<ExtractedJson> json = check_json_answer(reply_text, schema);
//   if (!json) reprompt_with(json.error().message());  // "your answer did not match ..."
Result<ExtractedJson> check_json_answer(std::string_view answer, const Schema& schema);

}  // namespace baton::contracts
