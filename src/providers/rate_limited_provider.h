#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "src/base/event_loop.h"
#include "src/providers/provider.h"
#include "src/providers/rate_limiter.h"

namespace baton::providers {

struct RateLimitOptions {
  // The API key a model's calls are counted against: models with the same one share a limiter
  // (the engine gives the provider, base URL and key variable; never the key itself).
  std::function<std::string(const lang::Model&)> key;
  // The tokens a call is charged before it is sent: its prompt, estimated, and its max_tokens.
  std::function<std::int64_t(const ModelCall&)> tokens;
};

// A ModelProvider that holds each call of a rate-limited model until its key's RateLimiter lets
// it go, then passes it to `inner`. Calls of one key leave in the order they came. A waiting
// call holds a timer on `loop`, never the thread. Outcomes teach the limiter: a 429 slows the key
// down (and pauses it for Retry-After), a success lets it recover, and the tokens a reply used
// replace the estimate. Models without a limit (declared on them or on a model sharing their key)
// pass straight through.
//
// `loop` and `inner` must outlive the provider. Not thread-safe: use it on the loop's thread.
// Destroying it cancels the calls it passed to `inner` and drops those still waiting.
class RateLimitedProvider final : public ModelProvider {
 public:
  RateLimitedProvider(EventLoop& loop, ModelProvider& inner, RateLimitOptions options);
  ~RateLimitedProvider() override;
  RateLimitedProvider(const RateLimitedProvider&) = delete;
  RateLimitedProvider& operator=(const RateLimitedProvider&) = delete;

  // Applies `model`'s rate_limit (if any) to its key, the lower of each limit winning. Call it
  // for every model of a workflow before its first call, so that models sharing a key and
  // declaring no limit of their own are held too.
  void declare(const lang::Model& model);

  CallId start(const ModelCall& call, Callback done) override;
  void cancel(CallId id) override;

  // The limiter of `model`'s key, nullptr when it has none.
  const RateLimiter* limiter_for(const lang::Model& model) const;

 private:
  struct Key;
  struct Call {
    Key* key = nullptr;
    ModelCall call;
    Callback done;
    std::int64_t tokens = 0;
    std::optional<CallId> inner;  // set once sent
  };
  struct Key {
    std::unique_ptr<RateLimiter> limiter;
    std::deque<CallId> waiting;
    std::optional<EventLoop::TimerId> timer;
  };

  void pump(Key& key);
  void on_outcome(CallId id, ModelOutcome outcome);

  EventLoop& loop_;
  ModelProvider& inner_;
  RateLimitOptions options_;
  std::map<std::string, Key, std::less<>> keys_;
  std::unordered_map<CallId, Call> calls_;
  CallId next_id_ = 1;
};

}  // namespace baton::providers
