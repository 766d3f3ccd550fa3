#include "src/contracts/violation.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/contracts/violation_message.h"

namespace baton::contracts {
namespace {

TEST(ViolationTest, DescribeNamesTheRoot) {
  EXPECT_EQ(describe({"/files/0", "must be a string"}), "/files/0 must be a string");
  EXPECT_EQ(describe({"", "must be an object"}), "(root) must be an object");
}

TEST(ViolationTest, SummaryIsOneLineWithACap) {
  const std::vector<Violation> one = {{"/a", "must be a string"}};
  EXPECT_EQ(summarize(one), "your answer did not match the schema: /a must be a string");
  const std::vector<Violation> three = {
      {"/a", "must be a string"}, {"/b", "must be an integer"}, {"/c", "must be null"}};
  EXPECT_EQ(summarize(three, 1),
            "your answer did not match the schema: /a must be a string (and 2 more problems)");
  EXPECT_EQ(summarize(three, 2),
            "your answer did not match the schema: /a must be a string; /b must be an integer "
            "(and 1 more problem)");
  EXPECT_EQ(summarize(three, 0), summarize(three, 1));
}

std::string reworded(std::string_view description, const ViolationHint& hint = {}) {
  return reword_violation(description, hint).message;
}

TEST(ViolationMessageTest, TypeUsesTheHint) {
  ViolationHint hint;
  hint.actual_type = "integer";
  EXPECT_EQ(reworded("Value type not permitted by 'type' constraint.", hint),
            "is an integer, a type the schema does not allow");
  hint.expected_types = {"string"};
  EXPECT_EQ(reworded("Value type not permitted by 'type' constraint.", hint), "must be a string");
  hint.expected_types = {"array", "object", "null"};
  EXPECT_EQ(reworded("Value type not permitted by 'type' constraint.", hint),
            "must be an array, an object or null");
  EXPECT_EQ(reworded("Value type not permitted by 'type' constraint."),
            "has a type the schema does not allow");
}

TEST(ViolationMessageTest, NumbersLoseValijsonsZeros) {
  EXPECT_EQ(reworded("Expected number less than or equal to 10.000000"), "must be at most 10");
  EXPECT_EQ(reworded("Expected number less than 2.500000"), "must be less than 2.5");
  EXPECT_EQ(reworded("Expected number greater than or equal to -1.000000"), "must be at least -1");
  EXPECT_EQ(reworded("Expected number greater than 0.000000"), "must be greater than 0");
  EXPECT_EQ(reworded("Value should be a multiple of 0.010000"), "must be a multiple of 0.01");
}

TEST(ViolationMessageTest, SizesAndNames) {
  EXPECT_EQ(reworded("Missing required property 'it's'."),
            "is missing the required property \"it's\"");
  EXPECT_EQ(reworded("Array should contain no fewer than 2 elements."),
            "must have at least 2 items");
  EXPECT_EQ(reworded("String should be no more than 5 characters in length."),
            "must be at most 5 characters long");
  EXPECT_EQ(reworded("Object should have no fewer than 1 properties."),
            "must have at least 1 property");
  EXPECT_EQ(reworded("Object should have no more than 2 properties."),
            "must have at most 2 properties");
  EXPECT_EQ(reworded("Cannot validate item #2 or greater using 'items' constraint or "
                     "'additionalItems' constraint."),
            "must have at most 2 items");
  EXPECT_EQ(reworded("Object contains a property that could not be validated using "
                     "'properties' or 'additionalProperties' constraints: 'x: y'."),
            "has the property \"x: y\", which the schema does not allow");
  EXPECT_EQ(reworded("Missing dependency 'b'."),
            "is missing the property \"b\", which another property requires (dependencies)");
}

TEST(ViolationMessageTest, EnumAndConstUseTheHint) {
  ViolationHint hint;
  EXPECT_EQ(reworded("Failed to match against any enum values.", hint),
            "must be one of the values the schema's enum lists");
  hint.allowed_values = "\"a\", \"b\"";
  EXPECT_EQ(reworded("Failed to match against any enum values.", hint),
            "must be one of \"a\", \"b\"");
  hint.allowed_values = "3";
  EXPECT_EQ(reworded("Failed to match expected value set by 'const' constraint.", hint),
            "must be 3");
}

TEST(ViolationMessageTest, WrappersAreMarked) {
  EXPECT_TRUE(reword_violation("Failed to validate item #0 in array.", {}).wrapper);
  EXPECT_TRUE(
      reword_violation("Failed to validate against schema associated with property name 'a'.", {})
          .wrapper);
  EXPECT_TRUE(reword_violation("Failed to validate against child schema #1.", {}).wrapper);
  EXPECT_EQ(reword_violation("Failed to validate item #3 in array.", {}).child, "3");
  EXPECT_EQ(
      reword_violation("Failed to validate item #3 against corresponding item schema.", {}).child,
      "");
  EXPECT_EQ(reword_violation("Failed to validate against schema associated with property name "
                             "'a b'.",
                             {})
                .child,
            "a b");
  EXPECT_FALSE(reword_violation("Failed to validate against any schemas allowed by anyOf "
                                "constraint.",
                                {})
                   .wrapper);
}

TEST(ViolationMessageTest, UnknownDescriptionsAreKept) {
  EXPECT_EQ(reworded("must match the pattern /x/"), "must match the pattern /x/");
}

}  // namespace
}  // namespace baton::contracts
