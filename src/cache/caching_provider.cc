#include "src/cache/caching_provider.h"

#include <chrono>
#include <optional>
#include <unordered_map>
#include <utility>

#include "src/cache/cache_key.h"
#include "src/cache/reply_json.h"

namespace baton::cache {
namespace {

using providers::ModelCall;
using providers::ModelOutcome;
using providers::ModelProvider;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class CachingProvider final : public ModelProvider {
 public:
  CachingProvider(EventLoop& loop, ModelProvider& inner, store::ResponseCache& cache,
                  CachingOptions options)
      : loop_(loop), inner_(inner), cache_(cache), options_(std::move(options)) {}

  ~CachingProvider() override {
    for (const auto& [id, inner_id] : calls_) {
      if (inner_id) inner_.cancel(*inner_id);
    }
    (void)cache_.commit();
  }

  CallId start(const ModelCall& call, Callback done) override {
    const CallId id = next_id_++;
    std::string key;
    if (call.model != nullptr && wants_cache(call)) {
      key = content_key(key_material(call, options_.base_url(*call.model)));
      if (std::optional<ModelOutcome> hit = lookup(key)) {
        answer_soon(id, std::move(*hit), std::move(done));
        return id;
      }
    }
    calls_[id] = std::nullopt;  // start() may answer at once, through the loop
    const CallId inner_id =
        inner_.start(call, [this, id, key = std::move(key), model = call.model,
                            done = std::move(done)](ModelOutcome outcome) mutable {
          calls_.erase(id);
          if (!key.empty() && outcome.reply) store(key, *model, outcome);
          done(std::move(outcome));  // may destroy this provider: nothing after it
        });
    if (auto found = calls_.find(id); found != calls_.end()) found->second = inner_id;
    return id;
  }

  void cancel(CallId id) override {
    auto found = calls_.find(id);
    if (found == calls_.end()) return;
    if (found->second) inner_.cancel(*found->second);
    calls_.erase(found);
  }

 private:
  std::optional<ModelOutcome> lookup(const std::string& key) {
    Result<std::optional<store::CachedResponse>> found = cache_.find(key);
    if (!found || !*found) return std::nullopt;  // its hit count waits for the next commit
    const store::CachedResponse& entry = **found;
    Result<providers::ModelReply> reply = reply_from_json(entry.reply_json);
    if (!reply) return std::nullopt;  // written by another version: ask the model again
    ModelOutcome outcome;
    outcome.request_json = entry.request_json;
    outcome.response_body = entry.response_body;
    outcome.cached = ModelOutcome::CacheHit{key, entry.cost_usd, reply->usage};
    outcome.reply = std::move(*reply);
    return outcome;
  }

  void store(const std::string& key, const lang::Model& model, const ModelOutcome& outcome) {
    store::CachedResponse entry;
    entry.key = key;
    entry.request_json = outcome.request_json;
    entry.response_body = outcome.response_body;
    entry.reply_json = reply_to_json(*outcome.reply);
    entry.cost_usd = options_.cost_usd ? options_.cost_usd(model, outcome.reply->usage) : 0;
    entry.created_ms = now_ms();
    if (cache_.put(entry)) commit_soon();
  }

  void answer_soon(CallId id, ModelOutcome outcome, Callback done) {
    calls_[id] = std::nullopt;
    loop_.post([alive = std::weak_ptr<bool>(alive_), this, id, outcome = std::move(outcome),
                done = std::move(done)]() mutable {
      if (alive.expired()) return;
      auto found = calls_.find(id);
      if (found == calls_.end()) return;  // cancelled
      calls_.erase(found);
      done(std::move(outcome));
    });
  }

  // One commit for everything written in this loop turn.
  void commit_soon() {
    if (commit_posted_) return;
    commit_posted_ = true;
    loop_.post([alive = std::weak_ptr<bool>(alive_), this] {
      if (alive.expired()) return;
      commit_posted_ = false;
      (void)cache_.commit();  // a lost entry costs one call again, later
    });
  }

  EventLoop& loop_;
  ModelProvider& inner_;
  store::ResponseCache& cache_;
  CachingOptions options_;
  CallId next_id_ = 1;
  // Calls not yet answered: the inner call, or nullopt while a hit (or an inner start that
  // has not returned yet) is pending.
  std::unordered_map<CallId, std::optional<CallId>> calls_;
  bool commit_posted_ = false;
  // Expires with the provider, so that posted tasks can tell it is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<ModelProvider> make_caching_provider(EventLoop& loop, ModelProvider& inner,
                                                     store::ResponseCache& cache,
                                                     CachingOptions options) {
  return std::make_unique<CachingProvider>(loop, inner, cache, std::move(options));
}

}  // namespace baton::cache
