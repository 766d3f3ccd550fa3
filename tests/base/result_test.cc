#include "baton/result.h"

#include <string>

#include <gtest/gtest.h>

namespace baton {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return invalid_input(std::string("not a digit: ") + c);
  return c - '0';
}

Result<int> sum_digits(char a, char b) {
  BATON_ASSIGN_OR_RETURN(int first, parse_digit(a));
  BATON_ASSIGN_OR_RETURN(int second, parse_digit(b));
  return first + second;
}

Status check_digit(char c) {
  BATON_TRY(parse_digit(c));
  return ok_status();
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = parse_digit('7');
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 7);
  Result<int> bad = parse_digit('x');
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(bad.error().message(), "not a digit: x");
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*sum_digits('2', '3'), 5);
  EXPECT_EQ(sum_digits('2', 'y').error().message(), "not a digit: y");
  EXPECT_TRUE(check_digit('1'));
  EXPECT_FALSE(check_digit('z'));
}

TEST(ErrorTest, ToStringNamesThePlaceWhenKnown) {
  Error error = invalid_input("expected a mapping");
  EXPECT_EQ(error.to_string(), "expected a mapping");
  error.with_span(SourceSpan{"flow.yaml", 3, 7});
  EXPECT_EQ(error.to_string(), "flow.yaml:3:7: expected a mapping");
  error.with_context("loading models.fast");
  EXPECT_EQ(error.message(), "loading models.fast: expected a mapping");
}

TEST(ErrorTest, CodeNamesAreStable) {
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidInput), "invalid_input");
  EXPECT_EQ(error_code_name(ErrorCode::kRateLimited), "rate_limited");
}

}  // namespace
}  // namespace baton
