#pragma once

#include <functional>
#include <memory>
#include <string>

#include "src/base/event_loop.h"
#include "src/providers/provider.h"
#include "src/store/response_cache.h"

namespace baton::cache {

struct CachingOptions {
  // Where the model's calls go (its effective base_url): part of the key, so that two servers
  // serving the same model name never share answers.
  std::function<std::string(const lang::Model&)> base_url;
  // What a call with this usage costs, in USD: kept with the entry, as what a hit saves.
  std::function<double(const lang::Model&, const providers::ModelUsage&)> cost_usd;
};

// A ModelProvider that answers repeatable calls (cache_key.h, wants_cache) from `cache` and
// passes every other call, and every miss, to `inner`. A hit sends nothing: its outcome
// carries the stored request and response with `cached` set, and arrives through `loop` (never
// inside start()). A miss whose reply succeeds is stored (failures never are); the writes of
// one loop turn are committed together at the next turn, with the hits counted so far (the
// owner commits the cache at the end of a run for the hits since). The cache failing to read or
// write only costs the hit: the call goes on as a miss.
//
// `loop`, `inner` and `cache` must outlive the provider. Not thread-safe: use it on the loop's
// thread. Destroying it cancels the calls it passed to `inner`.
std::unique_ptr<providers::ModelProvider> make_caching_provider(EventLoop& loop,
                                                                providers::ModelProvider& inner,
                                                                store::ResponseCache& cache,
                                                                CachingOptions options);

}  // namespace baton::cache
