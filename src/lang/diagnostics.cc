#include "src/lang/diagnostics.h"

#include <algorithm>
#include <cstddef>

#include <fmt/format.h>

namespace baton::lang {
namespace {

std::string_view source_line(std::string_view source, int line) {
  std::size_t start = 0;
  for (int current = 1; current < line; ++current) {
    std::size_t end = source.find('\n', start);
    if (end == std::string_view::npos) return {};
    start = end + 1;
  }
  if (start > source.size()) return {};
  std::size_t end = source.find('\n', start);
  std::string_view text = source.substr(start, end == std::string_view::npos ? end : end - start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string format_diagnostics(const std::vector<Diagnostic>& diagnostics,
                               std::string_view source) {
  std::string out;
  for (const Diagnostic& diagnostic : diagnostics) {
    const SourceSpan& span = diagnostic.span;
    if (span.is_known()) {
      out += fmt::format("{}:{}:{}: error: {}\n", span.file, span.line, span.column,
                         diagnostic.message);
      std::string_view line = source_line(source, span.line);
      if (!line.empty() || span.column == 1) {
        out += fmt::format("  {}\n", line);
        std::string marker(static_cast<std::size_t>(std::max(span.column - 1, 0)), ' ');
        // Keep tabs so that the caret lines up under the column in a terminal.
        for (std::size_t i = 0; i < marker.size() && i < line.size(); ++i) {
          if (line[i] == '\t') marker[i] = '\t';
        }
        out += fmt::format("  {}^\n", marker);
      }
    } else {
      out += fmt::format("{}: error: {}\n", span.file, diagnostic.message);
    }
  }
  return out;
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // A typo changes a few characters; beyond a third of the word it is another word.
  std::size_t limit = std::max<std::size_t>(1, (std::max(word.size(), best.size()) + 2) / 3);
  if (best.empty() || best_distance > limit || best_distance == 0 || best_distance >= word.size()) {
    return {};
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string match = closest_match(word, candidates);
  if (match.empty()) return {};
  return fmt::format("; did you mean '{}'?", match);
}

}  // namespace baton::lang
