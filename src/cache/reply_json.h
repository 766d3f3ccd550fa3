#pragma once

#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/providers/provider.h"

namespace baton::cache {

// A reply as compact JSON, the form the cache and cassettes keep:
//   {"text", "model", "finish_reason",
//    "usage": {"input_tokens", "output_tokens", "cached_input_tokens"}}
std::string reply_to_json(const providers::ModelReply& reply);
// The reverse; kInvalidInput naming the missing or mistyped field.
Result<providers::ModelReply> reply_from_json(std::string_view json);

}  // namespace baton::cache
