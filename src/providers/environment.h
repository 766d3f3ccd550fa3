#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace baton::providers {

// Reads one environment variable: nullopt when unset. The real one wraps getenv; tests inject
// a map.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment. Safe to call from the loop thread while nothing calls setenv.
EnvLookup process_environment();

// `env(name)`, with an empty value counted as unset.
std::optional<std::string> non_empty_variable(const EnvLookup& env, std::string_view name);

}  // namespace baton::providers
