#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "src/providers/provider.h"

namespace baton::cache {

// What a model's answer depends on, as canonical JSON (keys sorted, no spaces):
//   {"base_url", "max_tokens", "messages": [{"content", "role"}...], "model", "parameters",
//    "provider", "temperature", "v"}
// `model` is the provider's model name (not the declared one, so renaming a model block keeps
// its answers), `parameters` the model's whole `parameters` mapping (seed, response_format,
// stop, tools, top_p...). Never a credential: neither the key nor the name of its variable.
// `base_url` is left out when nullopt: cassettes match wherever they are replayed.
// Requires: call.model is not null.
std::string key_material(const providers::ModelCall& call,
                         std::optional<std::string_view> base_url);

// The content key: the SHA-256 of the key material, as 64 hex digits.
std::string content_key(std::string_view material);

// Whether the call's answer may be cached: the step's `cache:`, else the model's, else true
// when the answer is meant to be repeatable (temperature 0, or a `seed` parameter).
bool wants_cache(const providers::ModelCall& call);

}  // namespace baton::cache
