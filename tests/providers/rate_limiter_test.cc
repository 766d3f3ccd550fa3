#include "src/providers/rate_limiter.h"

#include <gtest/gtest.h>

namespace baton::providers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const RateLimiter::TimePoint kStart{seconds(1000)};

lang::RateLimit rpm(std::int64_t requests) {
  lang::RateLimit limit;
  limit.requests_per_minute = requests;
  return limit;
}

lang::RateLimit tpm(std::int64_t tokens) {
  lang::RateLimit limit;
  limit.tokens_per_minute = tokens;
  return limit;
}

TEST(RateLimiterTest, LetsOneSecondsWorthGoAtOnceThenSpacesCallsEvenly) {
  RateLimiter limiter(rpm(120), kStart);  // 2 a second
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(limiter.wait_for(kStart, 0), milliseconds(0));
    limiter.take(kStart, 0);
  }
  EXPECT_EQ(limiter.wait_for(kStart, 0), milliseconds(500));
  EXPECT_EQ(limiter.wait_for(kStart + milliseconds(200), 0), milliseconds(300));
  EXPECT_EQ(limiter.wait_for(kStart + milliseconds(500), 0), milliseconds(0));
}

TEST(RateLimiterTest, AFullMinuteSendsNoMoreThanTheLimitAndOneSecondsWorth) {
  RateLimiter limiter(rpm(60), kStart);
  int sent = 0;
  for (int ms = 0; ms < 60'000; ms += 10) {
    const auto now = kStart + milliseconds(ms);
    while (limiter.wait_for(now, 0) == milliseconds(0)) {
      limiter.take(now, 0);
      ++sent;
    }
  }
  EXPECT_GE(sent, 60);
  EXPECT_LE(sent, 61);
}

TEST(RateLimiterTest, TokensPerMinuteHoldCallsByTheirSize) {
  RateLimiter limiter(tpm(6000), kStart);  // 100 tokens a second
  ASSERT_EQ(limiter.wait_for(kStart, 60), milliseconds(0));
  limiter.take(kStart, 60);
  EXPECT_EQ(limiter.wait_for(kStart, 60), milliseconds(200));  // 40 left, 20 to come
  EXPECT_EQ(limiter.wait_for(kStart, 40), milliseconds(0));
}

TEST(RateLimiterTest, ACallLargerThanTheBucketGoesWhenItIsFullAndLeavesADebt) {
  RateLimiter limiter(tpm(600), kStart);  // 10 tokens a second
  ASSERT_EQ(limiter.wait_for(kStart, 50), milliseconds(0));
  limiter.take(kStart, 50);                                      // 10 - 50 = -40
  EXPECT_EQ(limiter.wait_for(kStart, 5), milliseconds(4500));    // (5 + 40) / 10
  EXPECT_EQ(limiter.wait_for(kStart, 500), milliseconds(5000));  // to a full bucket
}

TEST(RateLimiterTest, SettlingGivesBackWhatTheEstimateOverCharged) {
  RateLimiter limiter(tpm(600), kStart);
  limiter.take(kStart, 10);
  EXPECT_EQ(limiter.wait_for(kStart, 10), milliseconds(1000));
  limiter.settle(10, 4);
  EXPECT_EQ(limiter.wait_for(kStart, 10), milliseconds(400));
}

TEST(RateLimiterTest, ARateLimitPausesForRetryAfterAndHalvesTheSpeed) {
  RateLimiter limiter(rpm(600), kStart);  // 10 a second
  limiter.on_rate_limited(kStart, milliseconds(2000));
  EXPECT_DOUBLE_EQ(limiter.speed(), 0.5);
  EXPECT_EQ(limiter.wait_for(kStart, 0), milliseconds(2000));
  const auto later = kStart + milliseconds(2000);
  // The bucket refilled at half speed: five calls, then one every 200 ms.
  int sent = 0;
  while (limiter.wait_for(later, 0) == milliseconds(0)) {
    limiter.take(later, 0);
    ++sent;
  }
  EXPECT_EQ(sent, 5);
  EXPECT_EQ(limiter.wait_for(later, 0), milliseconds(200));
}

TEST(RateLimiterTest, RateLimitsWithinOneSecondCountOnce) {
  RateLimiter limiter(rpm(600), kStart);
  for (int i = 0; i < 10; ++i) limiter.on_rate_limited(kStart + milliseconds(i * 50), {});
  EXPECT_DOUBLE_EQ(limiter.speed(), 0.5);
  limiter.on_rate_limited(kStart + milliseconds(1000), {});
  EXPECT_DOUBLE_EQ(limiter.speed(), 0.25);
}

TEST(RateLimiterTest, NeverSlowsBelowOneSixtyFourth) {
  RateLimiter limiter(rpm(600), kStart);
  for (int i = 0; i < 20; ++i) limiter.on_rate_limited(kStart + seconds(i), {});
  EXPECT_DOUBLE_EQ(limiter.speed(), 1.0 / 64);
}

TEST(RateLimiterTest, SuccessesRecoverTheSpeedAnEighthASecondAtMost) {
  RateLimiter limiter(rpm(600), kStart);
  limiter.on_rate_limited(kStart, {});
  limiter.on_success(kStart + milliseconds(500));  // too soon
  EXPECT_DOUBLE_EQ(limiter.speed(), 0.5);
  limiter.on_success(kStart + milliseconds(1000));
  EXPECT_DOUBLE_EQ(limiter.speed(), 0.625);
  limiter.on_success(kStart + milliseconds(1100));
  EXPECT_DOUBLE_EQ(limiter.speed(), 0.625);
  for (int i = 2; i < 10; ++i) limiter.on_success(kStart + seconds(i));
  EXPECT_DOUBLE_EQ(limiter.speed(), 1.0);
}

TEST(RateLimiterTest, TighteningKeepsTheLowerLimitOfEach) {
  lang::RateLimit both;
  both.requests_per_minute = 100;
  both.tokens_per_minute = 1000;
  RateLimiter limiter(both, kStart);
  limiter.tighten(rpm(50));
  limiter.tighten(tpm(5000));
  EXPECT_EQ(limiter.limits().requests_per_minute, 50);
  EXPECT_EQ(limiter.limits().tokens_per_minute, 1000);
}

}  // namespace
}  // namespace baton::providers
