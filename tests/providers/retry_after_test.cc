#include "src/providers/retry_after.h"

#include <gtest/gtest.h>

namespace baton::providers {
namespace {

using std::chrono::milliseconds;

// Sun, 06 Nov 1994 08:49:37 GMT
std::chrono::system_clock::time_point rfc_example() {
  using namespace std::chrono;
  return sys_days(year(1994) / November / 6) + hours(8) + minutes(49) + seconds(37);
}

TEST(RetryAfterTest, DelaySeconds) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("20", now), milliseconds(20'000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("1.5", now), milliseconds(1'500));
}

TEST(RetryAfterTest, HttpDatesInAllThreeForms) {
  const auto now = rfc_example() - std::chrono::seconds(30);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), milliseconds(30'000));
}

TEST(RetryAfterTest, PastDateIsZero) {
  const auto now = rfc_example() + std::chrono::hours(1);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(0));
}

TEST(RetryAfterTest, RejectsWhatIsNeither) {
  const auto now = std::chrono::system_clock::now();
  for (const char* value : {"", "soon", "-5", "+5", "1e3", "Sun, 31 Feb 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994 25:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(parse_retry_after(value, now)) << value;
  }
}

TEST(RetryAfterTest, Milliseconds) {
  EXPECT_EQ(parse_retry_after_ms("250"), milliseconds(250));
  EXPECT_EQ(parse_retry_after_ms("20.2"), milliseconds(21));  // rounded up: never too early
  EXPECT_FALSE(parse_retry_after_ms("abc"));
  EXPECT_FALSE(parse_retry_after_ms("-1"));
}

TEST(RetryAfterTest, HugeValuesAreCappedAtADay) {
  EXPECT_FALSE(parse_retry_after_ms("1e400"));  // no exponents
  EXPECT_EQ(parse_retry_after("99999999999999", std::chrono::system_clock::now()),
            milliseconds(24 * 3600 * 1000));
}

}  // namespace
}  // namespace baton::providers
