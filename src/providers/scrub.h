#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "src/providers/provider.h"

// Invariant 4 (keys never reach the journal, logs or events), belt and braces: a server may echo
// what it was sent, key included, so every string a provider reports passes through here.

namespace baton::providers {

// Replaces every occurrence of `secret` in `text` with "[redacted]". Secrets shorter than 8
// bytes are left alone: real keys are long, and a short test key ("x") would mangle words.
void scrub(std::string& text, std::string_view secret);

// scrub() over every string of `outcome`: request and response bodies, the reply's text, model,
// finish reason and tool calls, or the error's message. Nothing when there is no secret.
void scrub(ModelOutcome& outcome, const std::optional<std::string>& secret);

// scrub() over a text that arrives in pieces (streamed deltas): what it gives out concatenates
// to exactly scrub(all of the text). It holds back only the end of a piece that could be the
// start of the secret, so pieces are rarely delayed.
class StreamScrubber {
 public:
  explicit StreamScrubber(std::optional<std::string> secret);

  // The part of the text so far that can be given out.
  std::string feed(std::string_view piece);
  // The end of the text: whatever was held back.
  std::string flush();

 private:
  std::optional<std::string> secret_;  // nullopt when too short to scrub
  std::string held_;
};

}  // namespace baton::providers
