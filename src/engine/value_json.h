#pragma once

#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/lang/template/value.h"

namespace baton::engine {

// Compact JSON text of a template Value, keys in their order. Values JSON cannot hold
// (undefined, objects such as a namespace) become null.
std::string to_json_text(const lang::Value& value);

// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

}  // namespace baton::engine
