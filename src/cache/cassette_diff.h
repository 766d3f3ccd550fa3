#pragma once

#include <string>
#include <string_view>

namespace baton::cache {

// How a call's key material differs from a recorded one (both compact JSON from
// key_material), as the first difference found, in the order model, provider, temperature,
// max_tokens, parameters, messages: "messages[1].content: recorded '...Ada.', now '...Bob.'"
// (the texts from a little before the first differing character). "" when they are the same.
std::string first_difference(std::string_view recorded, std::string_view now);

// How many of those fields differ (each message counts as one): a distance to find the closest
// recorded call.
int difference_count(std::string_view recorded, std::string_view now);

}  // namespace baton::cache
