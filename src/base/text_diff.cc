#include "src/base/text_diff.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace baton {
namespace {

// Above this many cells the longest-common-subsequence table is not built.
constexpr std::size_t kMaxTableCells = 4'000'000;

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

enum class Op : char { kSame = ' ', kRemoved = '-', kAdded = '+' };

struct Edit {
  Op op;
  std::size_t before;  // the line's index in `before` (kSame, kRemoved) ...
  std::size_t after;   // ... and in `after` (kSame, kAdded)
};

// The edit script turning before[first, before_end) into after[first, after_end).
void diff_middle(const std::vector<std::string_view>& before,
                 const std::vector<std::string_view>& after, std::size_t first,
                 std::size_t before_end, std::size_t after_end, std::vector<Edit>& edits) {
  const std::size_t rows = before_end - first;
  const std::size_t columns = after_end - first;
  if (rows * columns > kMaxTableCells) {
    for (std::size_t i = first; i < before_end; ++i) edits.push_back({Op::kRemoved, i, 0});
    for (std::size_t j = first; j < after_end; ++j) edits.push_back({Op::kAdded, 0, j});
    return;
  }
  // common[i][j]: the longest common subsequence of the lines from i and from j on.
  std::vector<std::vector<int>> common(rows + 1, std::vector<int>(columns + 1, 0));
  for (std::size_t i = rows; i-- > 0;) {
    for (std::size_t j = columns; j-- > 0;) {
      common[i][j] = before[first + i] == after[first + j]
                         ? common[i + 1][j + 1] + 1
                         : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < rows || j < columns) {
    if (i < rows && j < columns && before[first + i] == after[first + j]) {
      edits.push_back({Op::kSame, first + i++, first + j++});
    } else if (i < rows && (j == columns || common[i + 1][j] >= common[i][j + 1])) {
      edits.push_back({Op::kRemoved, first + i++, 0});  // removals first, as diff writes them
    } else {
      edits.push_back({Op::kAdded, 0, first + j++});
    }
  }
}

// "start,count" of a hunk's side, as diff writes it: an empty side names the line before it,
// and a count of 1 is left out.
std::string range(std::size_t start, std::size_t count) {
  std::size_t shown = count == 0 ? start : start + 1;
  if (count == 1) return std::to_string(shown);
  return std::to_string(shown) + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(std::string_view before_text, std::string_view after_text,
                         std::string_view before_name, std::string_view after_name, int context) {
  if (before_text == after_text) return "";
  std::vector<std::string_view> before = split_lines(before_text);
  std::vector<std::string_view> after = split_lines(after_text);
  std::size_t prefix = 0;
  while (prefix < before.size() && prefix < after.size() && before[prefix] == after[prefix])
    ++prefix;
  std::size_t suffix = 0;
  while (suffix < before.size() - prefix && suffix < after.size() - prefix &&
         before[before.size() - 1 - suffix] == after[after.size() - 1 - suffix])
    ++suffix;
  std::vector<Edit> edits;
  for (std::size_t i = 0; i < prefix; ++i) edits.push_back({Op::kSame, i, i});
  diff_middle(before, after, prefix, before.size() - suffix, after.size() - suffix, edits);
  for (std::size_t k = suffix; k > 0; --k)
    edits.push_back({Op::kSame, before.size() - k, after.size() - k});

  std::string out = "--- " + std::string(before_name) + "\n+++ " + std::string(after_name) + "\n";
  if (edits.empty() || std::all_of(edits.begin(), edits.end(),
                                   [](const Edit& edit) { return edit.op == Op::kSame; })) {
    // The texts differ only in a final newline.
    out += "@@ -" + range(0, before.size()) + " +" + range(0, after.size()) + " @@\n";
    for (std::string_view line : before) out += "-" + std::string(line) + "\n";
    for (std::string_view line : after) out += "+" + std::string(line) + "\n";
    return out;
  }
  const std::size_t margin = static_cast<std::size_t>(std::max(context, 0));
  std::size_t index = 0;
  while (index < edits.size()) {
    while (index < edits.size() && edits[index].op == Op::kSame) ++index;
    if (index == edits.size()) break;
    // A hunk: from `margin` lines before this change to `margin` lines after the last change
    // that follows it within 2 * margin unchanged lines.
    std::size_t begin = index >= margin ? index - margin : 0;
    std::size_t end = index;
    std::size_t same_run = 0;
    for (std::size_t k = index; k < edits.size(); ++k) {
      if (edits[k].op != Op::kSame) {
        end = k + 1;
        same_run = 0;
      } else if (++same_run > 2 * margin) {
        break;
      }
    }
    end = std::min(edits.size(), end + margin);
    std::size_t before_start = 0;
    std::size_t after_start = 0;
    std::size_t before_count = 0;
    std::size_t after_count = 0;
    bool before_known = false;
    bool after_known = false;
    // Where each side starts: its first line in the hunk, or after the lines before the hunk.
    for (std::size_t k = 0; k < begin; ++k) {
      if (edits[k].op != Op::kAdded) before_start = edits[k].before + 1;
      if (edits[k].op != Op::kRemoved) after_start = edits[k].after + 1;
    }
    std::string body;
    for (std::size_t k = begin; k < end; ++k) {
      const Edit& edit = edits[k];
      if (edit.op != Op::kAdded) {
        if (!before_known) before_start = edit.before;
        before_known = true;
        ++before_count;
      }
      if (edit.op != Op::kRemoved) {
        if (!after_known) after_start = edit.after;
        after_known = true;
        ++after_count;
      }
      std::string_view line = edit.op == Op::kAdded ? after[edit.after] : before[edit.before];
      body += static_cast<char>(edit.op);
      body += line;
      body += '\n';
    }
    out += "@@ -" + range(before_start, before_count) + " +" + range(after_start, after_count) +
           " @@\n" + body;
    index = end;
  }
  return out;
}

}  // namespace baton
