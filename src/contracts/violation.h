#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace baton::contracts {

// One way in which a JSON value fails a schema.
struct Violation {
  // Where, as a JSON Pointer (RFC 6901) into the value: "" is the value itself, "/files/0" the
  // first item of its "files" member ("~" is written "~0" and "/" "~1" inside a name).
  std::string pointer;
  // What is wrong there, worded for a model to act on: "must be a string".
  std::string message;

  bool operator==(const Violation&) const = default;
};

// "/files/0 must be a string"; the value itself is written "(root)".
std::string describe(const Violation& violation);

// One line of feedback for a model, naming at most `max_shown` violations:
//   "your answer did not match the schema: /files/0 must be a string; (root) is missing the
//    required property \"title\" (and 2 more problems)"
// Requires: `violations` is not empty.
std::string summarize(std::span<const Violation> violations, std::size_t max_shown = 5);

}  // namespace baton::contracts
