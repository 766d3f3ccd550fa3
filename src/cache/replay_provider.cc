#include "src/cache/replay_provider.h"

#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "src/cache/cache_key.h"
#include "src/cache/cassette_diff.h"
#include "src/lang/workflow.h"

namespace baton::cache {
namespace {

using providers::ModelCall;
using providers::ModelOutcome;
using providers::ModelProvider;

std::string step_label(const std::string& step, int item) {
  return "step '" + step + (item >= 0 ? "[" + std::to_string(item) + "]" : "") + "'";
}

class ReplayProvider final : public ModelProvider {
 public:
  ReplayProvider(EventLoop& loop, std::shared_ptr<const Cassette> cassette)
      : loop_(loop), cassette_(std::move(cassette)) {
    for (std::size_t i = 0; i < cassette_->entries.size(); ++i) {
      by_key_[cassette_->entries[i].key].push_back(i);
    }
  }

  CallId start(const ModelCall& call, Callback done) override {
    const CallId id = next_id_++;
    ModelOutcome outcome = answer(call);
    pending_.insert(id);
    loop_.post([alive = std::weak_ptr<bool>(alive_), this, id, outcome = std::move(outcome),
                done = std::move(done)]() mutable {
      if (alive.expired() || pending_.erase(id) == 0) return;  // gone, or cancelled
      done(std::move(outcome));
    });
    return id;
  }

  void cancel(CallId id) override { pending_.erase(id); }

 private:
  ModelOutcome answer(const ModelCall& call) {
    ModelOutcome outcome;
    if (call.model == nullptr) {
      outcome.reply = internal_error("replay: model call without a model");
      return outcome;
    }
    const std::string material = key_material(call, std::nullopt);
    const std::string key = content_key(material);
    auto found = by_key_.find(key);
    if (found == by_key_.end()) {
      outcome.reply = invalid_input(not_held(call, material));
      return outcome;
    }
    const std::vector<std::size_t>& recorded = found->second;
    std::size_t& next = next_[key];
    const CassetteEntry* entry = nullptr;
    if (next < recorded.size()) {
      entry = &cassette_->entries[recorded[next++]];
    } else if (cassette_->entries[recorded.back()].reply) {
      entry = &cassette_->entries[recorded.back()];
    } else {
      outcome.reply =
          invalid_input("the cassette " + cassette_->path + " holds " +
                        std::to_string(recorded.size()) + " answer(s) for this request of " +
                        step_label(call.step_id, call.item) + " (model " + call.model->name +
                        "), and they are used up: the run makes more attempts than the "
                        "recorded one did");
      return outcome;
    }
    outcome.request_json = entry->request_json;
    outcome.response_body = entry->response_body;
    outcome.reply = entry->reply;
    outcome.retry_after = entry->retry_after;
    return outcome;
  }

  // "the cassette F holds no answer for step 'x' (model m): ...; the closest, recorded for
  // step 'y' at line N, differs in messages[0].content: recorded '...', now '...'"
  std::string not_held(const ModelCall& call, const std::string& material) const {
    std::string message = "the cassette " + cassette_->path + " holds no answer for " +
                          step_label(call.step_id, call.item) + " (model " + call.model->name + ")";
    const CassetteEntry* closest = nullptr;
    int best = std::numeric_limits<int>::max();
    int best_rank = std::numeric_limits<int>::max();
    for (const CassetteEntry& entry : cassette_->entries) {
      // Calls of the same step (and item) come first: they are what the run meant to repeat.
      const int rank = entry.step != call.step_id ? 2 : entry.item != call.item ? 1 : 0;
      if (rank > best_rank) continue;
      const int distance = difference_count(entry.call_json, material);
      if (rank < best_rank || distance < best) {
        best_rank = rank;
        best = distance;
        closest = &entry;
      }
    }
    if (closest == nullptr) return message + ": the cassette is empty";
    return message + ": the request differs from every recorded one; the closest, recorded for " +
           step_label(closest->step, closest->item) + " at line " + std::to_string(closest->line) +
           ", differs in " + first_difference(closest->call_json, material);
  }

  EventLoop& loop_;
  std::shared_ptr<const Cassette> cassette_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_key_;  // entries, in file order
  std::unordered_map<std::string, std::size_t> next_;  // per key: the next entry to give
  CallId next_id_ = 1;
  std::unordered_set<CallId> pending_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<ModelProvider> make_replay_provider(EventLoop& loop,
                                                    std::shared_ptr<const Cassette> cassette) {
  return std::make_unique<ReplayProvider>(loop, std::move(cassette));
}

}  // namespace baton::cache
