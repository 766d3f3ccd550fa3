#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"
#include "src/providers/provider.h"

// JSON that every wire codec needs, as text so that no JSON library reaches a header.

namespace baton::lang {
struct Model;
}

namespace baton::providers {

// Model::parameters as the text of a JSON object ("{}" when there are none), in the order they
// were written, for a codec to merge into its request as top-level fields. kInvalidInput, naming
// models.<name>.parameters.<key>, when a key is one of `reserved` (Baton sets it) or a value is
// not JSON data (a non-finite number).
Result<std::string> parameters_json(const lang::Model& model,
                                    std::initializer_list<std::string_view> reserved);

// ModelReply::text for a reply that calls tools (provider.h): {"content": `content` or null,
// "tool_calls": [{"id", "name", "arguments"}...]}, arguments parsed when they are valid JSON.
std::string text_with_tool_calls(const std::optional<std::string>& content,
                                 const std::vector<ToolCall>& calls);

}  // namespace baton::providers
