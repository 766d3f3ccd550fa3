#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "baton/error.h"

namespace baton::lang {

// One problem found in a workflow file.
struct Diagnostic {
  SourceSpan span;  // span.file is the display name the file was loaded under
  std::string message;
};

// Formats diagnostics as compilers do, one block per diagnostic:
//
//   FILE:LINE:COLUMN: error: MESSAGE
//     <the source line, tabs kept>
//     <spaces up to COLUMN>^
//
// The two context lines are left out when the line is unknown or past the end of `source`.
// `source` is the text the diagnostics were found in.
std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics, std::string_view source);

// The closest candidate to `word` by edit distance, when close enough to be a likely typo;
// else empty. Used for "did you mean 'x'?".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)"-style suffix: "; did you mean 'x'?" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace baton::lang
