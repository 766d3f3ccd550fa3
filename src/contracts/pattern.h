#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "baton/result.h"

namespace baton::contracts {

// The `pattern` output contract: a regular expression that a model's answer must match somewhere
// (search semantics, like JavaScript's `RegExp.test`: anchor with ^ and $ to match the whole
// answer). The syntax is ECMAScript's as std::regex implements it, matched byte by byte:
//   - `.` does not match a line break; write [\s\S] for "any character";
//   - `^` and `$` are the start and end of the whole answer, not of a line;
//   - no flags (no /i), no lookbehind, no named groups, no Unicode classes (\p{L});
//   - no back-references (\1): they would need a backtracking matcher, whose recursion is as deep
//     as the text is long (a 100 kB answer overflows the stack) and whose time can explode.
// Matching runs in time linear in the answer's length, whatever the pattern.
//
//   BATON_ASSIGN_OR_RETURN(Pattern done, Pattern::compile(R"(^DONE: \d+ files?$)"));
//   BATON_TRY(done.check(answer));  // kOutputRejected with feedback for the model
//
// A compiled Pattern is immutable: matches() and check() may run on many threads at once.
class Pattern {
 public:
  // kInvalidInput: "invalid pattern "(ab": <what std::regex reports>", or a back-reference.
  static Result<Pattern> compile(std::string_view pattern);

  Pattern(Pattern&&) noexcept;
  Pattern& operator=(Pattern&&) noexcept;
  ~Pattern();

  // True when the pattern matches somewhere in `text`.
  bool matches(std::string_view text) const;

  // OK when the pattern matches `answer`; otherwise kOutputRejected with a one-line message a
  // model can act on: "your answer did not match the pattern /^DONE: \d+ files?$/".
  Status check(std::string_view answer) const;

  // The pattern as written.
  const std::string& source() const;

 private:
  struct Impl;
  explicit Pattern(std::unique_ptr<const Impl> impl);

  std::unique_ptr<const Impl> impl_;
};

}  // namespace baton::contracts
