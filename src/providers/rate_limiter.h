#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "src/lang/workflow.h"

namespace baton::providers {

// Requests and tokens per minute for one API key, as two token buckets. Pure: the caller gives
// the time, so that it can be tested without waiting.
//
// Each bucket holds at most one second's worth of its rate (at least 1), refills continuously and
// starts full: calls go out evenly spaced rather than in a burst at the top of each minute, and
// in any window of W seconds at most rate * W + one second's worth are sent. A call larger than
// the token bucket waits until the bucket is full, then leaves it in debt, which later calls
// wait out.
//
// A 429 halves the speed (down to 1/64 of the limits), empties both buckets, and stops every
// call until Retry-After has passed; each success after that brings the speed back by an eighth
// of the limits, at most once per second, so that a storm of 429s does not recover in one burst.
class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  RateLimiter(const lang::RateLimit& limits, TimePoint now);

  // Keeps the lower of the current and `limits`' rates, field by field.
  void tighten(const lang::RateLimit& limits);

  // How long a call of `tokens` must wait before it may be sent; zero when it may go now, and
  // then take() must follow before anything else is asked.
  std::chrono::milliseconds wait_for(TimePoint now, std::int64_t tokens);
  void take(TimePoint now, std::int64_t tokens);
  // A call that was charged `estimated` tokens used `used`: the difference is given back (or
  // owed).
  void settle(std::int64_t estimated, std::int64_t used);

  // The API answered 429 (rate limited), with its Retry-After when it sent one.
  void on_rate_limited(TimePoint now, std::optional<std::chrono::milliseconds> retry_after);
  void on_success(TimePoint now);

  // 1 at full speed, 1/2 after one 429, ...
  double speed() const { return speed_; }
  const lang::RateLimit& limits() const { return limits_; }

 private:
  struct Bucket {
    double per_second = 0;  // 0: no limit
    double level = 0;
  };
  void refill(TimePoint now);
  double capacity(const Bucket& bucket) const;  // one second's worth at the current speed, >= 1

  lang::RateLimit limits_;
  Bucket requests_;
  Bucket tokens_;
  double speed_ = 1;
  TimePoint refilled_;
  TimePoint paused_until_;
  std::optional<TimePoint> last_speed_change_;
};

}  // namespace baton::providers
