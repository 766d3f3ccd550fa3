#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"
#include "src/contracts/schema_draft.h"
#include "src/contracts/violation.h"

namespace baton::contracts {

struct SchemaOptions {
  // The draft of a schema without `$schema`.
  Draft default_draft = Draft::kDraft7;
  // Loads the document that a `$ref` to another document names, by its absolute URI without
  // the fragment ("http://example.com/defs.json"); returns its JSON text. Unset, such a $ref
  // fails compile(): nothing is fetched behind the caller's back. Called only inside
  // compile(), on the calling thread.
  std::function<Result<std::string>(const std::string& uri)> fetch;
};

// The `schema` output contract: a JSON Schema, compiled once, then checked against many values.
// Validation is valijson 1.0's (drafts 3, 4, 6 and 7; see docs/contracts.md for what it does
// not do), with two changes made while compiling:
//   - the `pattern` keyword is matched by contracts::Pattern (linear time, no back-references)
//     instead of valijson's backtracking std::regex, which crashes on long strings;
//   - every `pattern` and `patternProperties` regular expression is checked at compile time,
//     so a bad one is a compile error rather than a failure in the middle of validation.
//
//   BATON_ASSIGN_OR_RETURN(Schema schema, Schema::compile(R"({"type": "object",
//       "required": ["files"], "properties": {"files": {"type": "array",
//       "items": {"type": "string"}}}})"));
//   BATON_ASSIGN_OR_RETURN(std::vector<Violation> violations,
//                          schema.validate(R"({"files": [3]})"));
//   // violations == {{"/files/0", "must be a string"}}
//   // summarize(violations) == "your answer did not match the schema: /files/0 must be a string"
//
// A compiled Schema is immutable; validate() may run on many threads at once (it serialises
// on a mutex around valijson's regex cache for patternProperties).
class Schema {
 public:
  // kInvalidInput when `schema_json` is not JSON, names an unsupported `$schema`, has a keyword
  // with a value of the wrong kind ("'minLength' ... non-negative integer"), a bad regular
  // expression, a draft 3 `extends` or `disallow` (which valijson would ignore), or a `$ref`
  // that cannot be resolved; when options.fetch fails, its error's code, with the URI added.
  static Result<Schema> compile(std::string_view schema_json, const SchemaOptions& options = {});

  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;
  ~Schema();

  // The draft the schema was read as.
  Draft draft() const;

  // How `instance_json` fails the schema, in the order valijson found the failures; empty when
  // it conforms. A violation that only says "something inside failed" (an array item, a
  // property, an allOf branch) is left out when a more precise one explains it.
  // kInvalidInput when `instance_json` is not JSON; kInternal if valijson fails (a bug).
  Result<std::vector<Violation>> validate(std::string_view instance_json) const;

 private:
  struct Impl;
  explicit Schema(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace baton::contracts
