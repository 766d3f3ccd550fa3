#include "src/cache/recording_provider.h"

#include <utility>

namespace baton::cache {

RecordingProvider::~RecordingProvider() {
  for (const auto& [id, inner_id] : inner_of_) inner_.cancel(inner_id);
}

providers::ModelProvider::CallId RecordingProvider::start(const providers::ModelCall& call,
                                                          Callback done) {
  const CallId id = next_id_++;
  // The inner provider never calls back from inside start(), so the id is mapped by then.
  inner_of_[id] = inner_.start(
      call, [this, id, call, done = std::move(done)](providers::ModelOutcome outcome) mutable {
        inner_of_.erase(id);
        Status written = cassette_.append(cassette_entry(call, outcome));
        if (!written && error_) error_ = std::move(written);
        done(std::move(outcome));  // may destroy this provider: nothing after it
      });
  return id;
}

void RecordingProvider::cancel(CallId id) {
  auto found = inner_of_.find(id);
  if (found == inner_of_.end()) return;
  inner_.cancel(found->second);
  inner_of_.erase(found);
}

}  // namespace baton::cache
