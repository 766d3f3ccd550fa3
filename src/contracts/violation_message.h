#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::contracts {

// What the schema and the value say at the place of a violation, when Schema could work it
// out (it cannot through anyOf, oneOf, allOf, not, if/then/else or a remote $ref).
struct ViolationHint {
  // The value's JSON type: "integer", "object"...
  std::string actual_type;
  // The schema's `type` there, when the value is none of them.
  std::vector<std::string> expected_types;
  // The schema's `const`, or its `enum` values, as JSON (when the value is not among them):
  // "\"a\", \"b\"".
  std::string allowed_values;
};

struct ViolationMessage {
  ViolationMessage(std::string message_text, bool is_wrapper = false,  // NOLINT: implicit
                   std::string child_token = {})
      : message(std::move(message_text)), wrapper(is_wrapper), child(std::move(child_token)) {}

  std::string message;  // "must be a string"
  // A wrapper only says that something inside failed ("Failed to validate item #0 in array.");
  // Schema drops it when a more precise violation at or below its place explains it.
  bool wrapper = false;
  // The member or item the description names, when valijson reports it at the parent's place
  // ("... property name 'a'." -> "a", "item #2 ..." -> "2"): the violation is really there.
  std::string child;
};

// Rewords one of valijson 1.0's descriptions ("Value type not permitted by 'type'
// constraint.") into the terse form of Violation::message ("must be a string"). Numbers lose
// the trailing zeros valijson adds ("10.000000" -> "10"). A description it does not know is
// kept as it is.
ViolationMessage reword_violation(std::string_view description, const ViolationHint& hint);

}  // namespace baton::contracts
