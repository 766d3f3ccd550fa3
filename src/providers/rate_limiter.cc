#include "src/providers/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace baton::providers {
namespace {

using std::chrono::milliseconds;

constexpr double kSlowest = 1.0 / 64;
constexpr double kRecoveryStep = 1.0 / 8;
constexpr std::chrono::seconds kSpeedChangeInterval{1};

double per_second(const std::optional<std::int64_t>& per_minute) {
  return per_minute ? static_cast<double>(*per_minute) / 60.0 : 0.0;
}

double seconds_between(RateLimiter::TimePoint from, RateLimiter::TimePoint to) {
  return to > from ? std::chrono::duration<double>(to - from).count() : 0.0;
}

}  // namespace

RateLimiter::RateLimiter(const lang::RateLimit& limits, TimePoint now)
    : refilled_(now), paused_until_(now) {
  tighten(limits);
  requests_.level = capacity(requests_);
  tokens_.level = capacity(tokens_);
}

void RateLimiter::tighten(const lang::RateLimit& limits) {
  auto lower = [](std::optional<std::int64_t>& mine, const std::optional<std::int64_t>& other) {
    if (other && (!mine || *other < *mine)) mine = other;
  };
  lower(limits_.requests_per_minute, limits.requests_per_minute);
  lower(limits_.tokens_per_minute, limits.tokens_per_minute);
  requests_.per_second = per_second(limits_.requests_per_minute);
  tokens_.per_second = per_second(limits_.tokens_per_minute);
  requests_.level = std::min(requests_.level, capacity(requests_));
  tokens_.level = std::min(tokens_.level, capacity(tokens_));
}

double RateLimiter::capacity(const Bucket& bucket) const {
  return std::max(1.0, bucket.per_second * speed_);
}

void RateLimiter::refill(TimePoint now) {
  const double elapsed = seconds_between(refilled_, now);
  refilled_ = std::max(refilled_, now);
  for (Bucket* bucket : {&requests_, &tokens_}) {
    if (bucket->per_second <= 0) continue;
    bucket->level =
        std::min(capacity(*bucket), bucket->level + bucket->per_second * speed_ * elapsed);
  }
}

milliseconds RateLimiter::wait_for(TimePoint now, std::int64_t tokens) {
  if (now < paused_until_) return std::chrono::ceil<milliseconds>(paused_until_ - now);
  refill(now);
  double wait_seconds = 0;
  auto need = [&](const Bucket& bucket, double wanted) {
    if (bucket.per_second <= 0 || wanted <= 0) return;
    // Never more than a full bucket, so that a call larger than the bucket can go at all.
    const double target = std::min(wanted, capacity(bucket));
    if (bucket.level >= target) return;
    wait_seconds = std::max(wait_seconds, (target - bucket.level) / (bucket.per_second * speed_));
  };
  need(requests_, 1);
  need(tokens_, static_cast<double>(tokens));
  if (wait_seconds <= 0) return milliseconds(0);
  // Rounded up, less a hair of floating-point error, so that the wait is never cut short.
  const double wait_ms = std::ceil(wait_seconds * 1000 - 1e-6);
  return milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_ms)));
}

void RateLimiter::take(TimePoint now, std::int64_t tokens) {
  refill(now);
  if (requests_.per_second > 0) requests_.level -= 1;
  if (tokens_.per_second > 0) tokens_.level -= static_cast<double>(tokens);
}

void RateLimiter::settle(std::int64_t estimated, std::int64_t used) {
  if (tokens_.per_second <= 0) return;
  tokens_.level =
      std::min(capacity(tokens_), tokens_.level + static_cast<double>(estimated - used));
}

void RateLimiter::on_rate_limited(TimePoint now, std::optional<milliseconds> retry_after) {
  refill(now);
  // Calls sent at the same speed come back 429 together: within a second they count as one.
  if (!last_speed_change_ || now - *last_speed_change_ >= kSpeedChangeInterval) {
    speed_ = std::max(kSlowest, speed_ / 2);
    last_speed_change_ = now;
  }
  requests_.level = std::min(requests_.level, 0.0);
  tokens_.level = std::min(tokens_.level, 0.0);
  if (retry_after) paused_until_ = std::max(paused_until_, now + *retry_after);
}

void RateLimiter::on_success(TimePoint now) {
  if (speed_ >= 1) return;
  if (last_speed_change_ && now - *last_speed_change_ < kSpeedChangeInterval) return;
  refill(now);
  speed_ = std::min(1.0, speed_ + kRecoveryStep);
  last_speed_change_ = now;
}

}  // namespace baton::providers
