#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"
#include "src/providers/provider.h"

// Fixture files: canned model replies for offline runs, demos and tests (docs/fixtures.md).
//
//   responses:
//     - step: outline            # optional: the step id
//       match: "Introduction"    # optional: a substring of the last user message
//       reply: "the text"        # a string; or `error:` instead
//       usage: {input_tokens: 12, output_tokens: 30}
//       latency_ms: 20
//       times: 1                 # optional: only the first N calls that match use it

namespace baton::providers {

struct FixtureResponse {
  std::optional<std::string> step;
  std::optional<std::string> match;
  std::string reply;
  std::optional<ModelUsage> usage;  // nullopt: estimated (estimate_usage)
  std::chrono::milliseconds latency{0};
  std::optional<ErrorCode> error;     // kRateLimited, kUnavailable or kTimeout instead of a reply
  std::optional<std::int64_t> times;  // > 0; nullopt: every time
  SourceSpan span;                    // where the entry starts
};

struct Fixture {
  std::string file;  // the name errors carry
  std::vector<FixtureResponse> responses;
};

// Reads and checks a fixture file. kNotFound when it does not exist; kInvalidInput with a span
// (file:line:column) naming what was expected for anything malformed, unknown keys included.
Result<Fixture> load_fixture(const std::string& path);
// The same over text already read; `file` is the name errors carry.
Result<Fixture> parse_fixture(const std::string& text, const std::string& file);

// The first entry that matches `call` and has uses left (`uses[i]`: how many calls entry i
// answered already; one per entry), or nullopt.
std::optional<std::size_t> find_fixture_response(const Fixture& fixture, const ModelCall& call,
                                                 const std::vector<std::int64_t>& uses);

// kInvalidInput: "fixture FILE has no response for step 'x' (last user message starts: '...')".
Error no_fixture_response(const Fixture& fixture, const ModelCall& call);

// The content of the last "user" message, "" when there is none.
std::string_view last_user_message(const ModelCall& call);

// Tokens as ceil(characters / 4): input from every message's content, output from `reply`.
ModelUsage estimate_usage(const ModelCall& call, std::string_view reply);

}  // namespace baton::providers
