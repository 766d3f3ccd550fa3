#pragma once

#include <memory>
#include <unordered_map>

#include "src/cache/cassette.h"
#include "src/providers/provider.h"

namespace baton::cache {

// A ModelProvider that passes every call to `inner` and appends each outcome (reply or error,
// with the request as sent and the response as received) to `cassette` before handing it on:
// `baton run --record`. A line that cannot be written leaves the outcome as it was; the
// writer's first error is kept in last_error().
//
// `inner` and `cassette` must outlive the provider. Not thread-safe: use it on the loop's
// thread. Destroying it cancels the calls it passed on.
class RecordingProvider final : public providers::ModelProvider {
 public:
  RecordingProvider(providers::ModelProvider& inner, CassetteWriter& cassette)
      : inner_(inner), cassette_(cassette) {}
  ~RecordingProvider() override;

  CallId start(const providers::ModelCall& call, Callback done) override;
  void cancel(CallId id) override;

  const Status& last_error() const { return error_; }

 private:
  providers::ModelProvider& inner_;
  CassetteWriter& cassette_;
  CallId next_id_ = 1;
  std::unordered_map<CallId, CallId> inner_of_;  // calls in flight: ours -> the inner one
  Status error_ = ok_status();
};

}  // namespace baton::cache
