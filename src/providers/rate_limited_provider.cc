#include "src/providers/rate_limited_provider.h"

#include <chrono>
#include <utility>

namespace baton::providers {
namespace {

RateLimiter::TimePoint now() { return std::chrono::steady_clock::now(); }

}  // namespace

RateLimitedProvider::RateLimitedProvider(EventLoop& loop, ModelProvider& inner,
                                         RateLimitOptions options)
    : loop_(loop), inner_(inner), options_(std::move(options)) {}

RateLimitedProvider::~RateLimitedProvider() {
  for (auto& [name, key] : keys_) {
    if (key.timer) loop_.cancel_timer(*key.timer);
  }
  for (const auto& [id, call] : calls_) {
    if (call.inner) inner_.cancel(*call.inner);
  }
}

void RateLimitedProvider::declare(const lang::Model& model) {
  if (!model.rate_limit) return;
  const std::string name = options_.key(model);
  Key& key = keys_[name];
  if (key.limiter) {
    key.limiter->tighten(*model.rate_limit);
  } else {
    key.limiter = std::make_unique<RateLimiter>(*model.rate_limit, now());
  }
}

const RateLimiter* RateLimitedProvider::limiter_for(const lang::Model& model) const {
  const auto found = keys_.find(options_.key(model));
  return found == keys_.end() ? nullptr : found->second.limiter.get();
}

ModelProvider::CallId RateLimitedProvider::start(const ModelCall& call, Callback done) {
  if (call.model != nullptr) declare(*call.model);
  const auto found = call.model == nullptr ? keys_.end() : keys_.find(options_.key(*call.model));
  const CallId id = next_id_++;
  Call& added = calls_[id];
  added.call = call;
  added.done = std::move(done);
  if (found == keys_.end()) {  // not limited
    added.inner = inner_.start(
        call, [this, id](ModelOutcome outcome) { on_outcome(id, std::move(outcome)); });
    return id;
  }
  added.key = &found->second;
  added.tokens = options_.tokens(call);
  found->second.waiting.push_back(id);
  pump(found->second);
  return id;
}

void RateLimitedProvider::cancel(CallId id) {
  const auto found = calls_.find(id);
  if (found == calls_.end()) return;
  if (found->second.inner) {
    inner_.cancel(*found->second.inner);
  } else if (Key* key = found->second.key) {
    std::erase(key->waiting, id);
  }
  calls_.erase(found);
}

// Sends the waiting calls the limiter lets go, and sets a timer for the next one.
void RateLimitedProvider::pump(Key& key) {
  while (!key.waiting.empty()) {
    const CallId id = key.waiting.front();
    Call& call = calls_.at(id);
    const std::chrono::milliseconds wait = key.limiter->wait_for(now(), call.tokens);
    if (wait.count() > 0) {
      if (!key.timer) {
        key.timer = loop_.add_timer(wait, [this, &key] {
          key.timer.reset();
          pump(key);
        });
      }
      return;
    }
    key.waiting.pop_front();
    key.limiter->take(now(), call.tokens);
    call.inner = inner_.start(
        call.call, [this, id](ModelOutcome outcome) { on_outcome(id, std::move(outcome)); });
  }
}

void RateLimitedProvider::on_outcome(CallId id, ModelOutcome outcome) {
  const auto found = calls_.find(id);
  if (found == calls_.end()) return;
  Call call = std::move(found->second);
  calls_.erase(found);
  if (Key* key = call.key) {
    if (outcome.reply) {
      key->limiter->on_success(now());
      const ModelUsage& usage = outcome.reply->usage;
      if (usage.input_tokens + usage.output_tokens > 0) {
        key->limiter->settle(call.tokens, usage.input_tokens + usage.output_tokens);
      }
    } else if (outcome.reply.error().code() == ErrorCode::kRateLimited) {
      key->limiter->on_rate_limited(now(), outcome.retry_after);
      // The queue may now have to wait longer than the timer set before the 429.
      if (key->timer) {
        loop_.cancel_timer(*key->timer);
        key->timer.reset();
      }
      pump(*key);
    }
  }
  call.done(std::move(outcome));  // may destroy this provider: nothing after it
}

}  // namespace baton::providers
