#pragma once

#include <memory>

#include "src/base/event_loop.h"
#include "src/cache/cassette.h"
#include "src/providers/provider.h"

namespace baton::cache {

// A ModelProvider that answers every call from a cassette (`baton run --replay`): no network,
// no key. A call is matched on its content key (cache_key.h, without the base_url), and the
// answers recorded for the same key are given in their recorded order, errors included, so that
// a 429 then a success replays the retry; once they are used up, the last is given again when
// it was a reply. The outcome (request, response, reply or error, Retry-After) is the recorded
// one and arrives through `loop`, never inside start().
//
// A call the cassette holds no answer for fails with kInvalidInput (never retried) naming the
// step, the model, and the closest recorded call with its first difference.
//
// `loop` must outlive the provider. Not thread-safe: use it on the loop's thread. Destroying it
// cancels its calls without calling back.
std::unique_ptr<providers::ModelProvider> make_replay_provider(
    EventLoop& loop, std::shared_ptr<const Cassette> cassette);

}  // namespace baton::cache
