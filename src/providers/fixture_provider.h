#pragma once

#include <memory>

#include "src/base/event_loop.h"
#include "src/providers/fixture.h"
#include "src/providers/provider.h"

namespace baton::providers {

// A ModelProvider that answers from a fixture (fixture.h) instead of a model API: for offline
// runs, demos and tests. Each call takes the first matching entry with uses left; its reply (or
// rehearsed error) arrives through `loop` after the entry's latency_ms, never inside start().
// The outcome looks like the OpenAI provider's: request_json is the body it would have sent and
// response_body a chat.completion object (an OpenAI error body for rehearsed 429s and 5xxs).
// No matching entry: kInvalidInput naming the step and the start of the last user message.
// A call with on_delta gets the whole reply text as one delta just before its outcome.
//
// `loop` must outlive the provider. `fixture` is shared with whoever loaded it (the CLI may give
// one to several providers); `times` is counted per provider. Not thread-safe: use it on the
// loop's thread. Destroying the provider cancels its calls without calling back.
std::unique_ptr<ModelProvider> make_fixture_provider(EventLoop& loop,
                                                     std::shared_ptr<const Fixture> fixture);

}  // namespace baton::providers
