#include "src/lang/scalar_positions.h"

#include <algorithm>
#include <cstddef>
#include <string>

namespace baton::lang {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

int hex_length(char escape) {
  switch (escape) {
    case 'x':
      return 2;
    case 'u':
      return 4;
    case 'U':
      return 8;
    default:
      return 0;
  }
}

std::size_t utf8_length(unsigned long code) {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code < 0x10000) return 3;
  return 4;
}

// How many bytes a double-quoted escape `\c` (plus its hex digits) decodes to.
std::size_t escape_bytes(std::string_view source, std::size_t at) {
  char c = source[at];
  if (int digits = hex_length(c); digits > 0) {
    std::string hex(source.substr(at + 1, static_cast<std::size_t>(digits)));
    return utf8_length(std::strtoul(hex.c_str(), nullptr, 16));
  }
  switch (c) {
    case 'N':
    case '_':
      return 2;  // U+0085, U+00A0
    case 'L':
    case 'P':
      return 3;  // U+2028, U+2029
    default:
      return 1;
  }
}

}  // namespace

ScalarPositions::ScalarPositions(std::string_view source) : source_(source) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::size_t ScalarPositions::offset_of(int line, int column) const {
  if (line < 1 || static_cast<std::size_t>(line) > line_starts_.size()) return source_.size();
  return std::min(source_.size(), line_starts_[static_cast<std::size_t>(line - 1)] +
                                      static_cast<std::size_t>(std::max(column - 1, 0)));
}

std::pair<int, int> ScalarPositions::position_of(std::size_t offset) const {
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  std::size_t line = static_cast<std::size_t>(after - line_starts_.begin());
  return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
}

std::pair<int, int> ScalarPositions::locate(const YamlNode& scalar, int line, int column) const {
  std::pair<int, int> start{scalar.line, scalar.column};
  if (!scalar.is_scalar() || line < 1 || column < 1) return start;
  // Offset of line:column in the value.
  std::size_t offset = 0;
  for (int current = 1; current < line; ++current) {
    std::size_t end = scalar.value.find('\n', offset);
    if (end == std::string::npos) return start;
    offset = end + 1;
  }
  offset += static_cast<std::size_t>(column - 1);
  std::vector<std::pair<int, int>> positions = decode(scalar);
  if (positions.empty()) return start;
  if (offset >= positions.size()) {
    // Just past the end (an unclosed tag): one column after the last character.
    auto [last_line, last_column] = positions.back();
    return offset == positions.size() ? std::pair<int, int>{last_line, last_column + 1} : start;
  }
  return positions[offset];
}

std::vector<std::pair<int, int>> ScalarPositions::decode(const YamlNode& scalar) const {
  if (scalar.style == YamlNode::Style::kLiteral || scalar.style == YamlNode::Style::kFolded) {
    return decode_block(scalar);
  }
  return decode_flow(scalar);
}

// Plain and quoted scalars: escapes, '' in single quotes, and line folding (a line break and
// the blanks around it become one space; each empty line becomes a newline).
std::vector<std::pair<int, int>> ScalarPositions::decode_flow(const YamlNode& scalar) const {
  const bool single = scalar.style == YamlNode::Style::kSingleQuoted;
  const bool dual = scalar.style == YamlNode::Style::kDoubleQuoted;
  std::size_t i = offset_of(scalar.line, scalar.column) + ((single || dual) ? 1 : 0);
  std::vector<std::pair<int, int>> out;
  std::string decoded;  // only to trim blanks before a fold
  const std::size_t want = scalar.value.size();
  while (out.size() < want && i < source_.size()) {
    char c = source_[i];
    if (dual && c == '\\' && i + 1 < source_.size()) {
      if (source_[i + 1] == '\n') {  // an escaped line break joins the lines without a space
        i += 2;
        while (i < source_.size() && is_blank(source_[i])) ++i;
        continue;
      }
      std::size_t bytes = escape_bytes(source_, i + 1);
      for (std::size_t k = 0; k < bytes; ++k) {
        out.push_back(position_of(i));
        decoded.push_back('\\');
      }
      i += 2 + static_cast<std::size_t>(hex_length(source_[i + 1]));
      continue;
    }
    if (single && c == '\'' && i + 1 < source_.size() && source_[i + 1] == '\'') {
      out.push_back(position_of(i));
      decoded.push_back('\'');
      i += 2;
      continue;
    }
    if (c == '\n' || c == '\r') {
      while (!decoded.empty() && is_blank(decoded.back())) {
        decoded.pop_back();
        out.pop_back();
      }
      std::size_t break_at = i;
      int empty_lines = 0;
      i = source_.find('\n', i);
      if (i == std::string_view::npos) break;
      ++i;
      while (true) {
        while (i < source_.size() && is_blank(source_[i])) ++i;
        if (i < source_.size() && (source_[i] == '\n' || source_[i] == '\r')) {
          ++empty_lines;
          i = source_.find('\n', i);
          if (i == std::string_view::npos) break;
          ++i;
          continue;
        }
        break;
      }
      if (i == std::string_view::npos) break;
      for (int k = 0; k < std::max(empty_lines, 1); ++k) {
        out.push_back(position_of(break_at));
        decoded.push_back(empty_lines > 0 ? '\n' : ' ');
      }
      continue;
    }
    out.push_back(position_of(i));
    decoded.push_back(c);
    ++i;
  }
  if (out.size() != want) return {};
  return out;
}

// `|` and `>` blocks: the content starts on the line after the indicator; each line loses the
// block's indentation (that of its first non-empty line).
std::vector<std::pair<int, int>> ScalarPositions::decode_block(const YamlNode& scalar) const {
  std::size_t header = offset_of(scalar.line, scalar.column);
  std::size_t line_end = source_.find('\n', header);
  if (line_end == std::string_view::npos) return {};
  struct Line {
    std::size_t start;
    std::size_t end;  // excluding the newline
  };
  std::vector<Line> lines;
  std::size_t indent = 0;
  for (std::size_t start = line_end + 1; start < source_.size();) {
    std::size_t end = source_.find('\n', start);
    if (end == std::string_view::npos) end = source_.size();
    std::size_t text_end = end;
    if (text_end > start && source_[text_end - 1] == '\r') --text_end;
    std::size_t spaces = 0;
    while (start + spaces < text_end && source_[start + spaces] == ' ') ++spaces;
    const bool empty = start + spaces == text_end;
    if (!empty) {
      if (indent == 0) indent = spaces;
      if (spaces < indent || indent == 0) break;  // the block ended
    }
    lines.push_back({start, text_end});
    start = end + 1;
  }
  std::vector<std::pair<int, int>> out;
  const bool folded = scalar.style == YamlNode::Style::kFolded;
  auto content_start = [&](const Line& line) { return std::min(line.start + indent, line.end); };
  auto is_empty = [&](const Line& line) { return content_start(line) >= line.end; };
  auto more_indented = [&](const Line& line) {
    return !is_empty(line) && is_blank(source_[content_start(line)]);
  };
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const Line& line = lines[n];
    for (std::size_t i = content_start(line); i < line.end; ++i) out.push_back(position_of(i));
    if (!folded || is_empty(line)) {
      out.push_back(position_of(line.end));
      continue;
    }
    // Folding: a break between two normal lines is a space; empty lines between are newlines.
    std::size_t next = n + 1;
    while (next < lines.size() && is_empty(lines[next])) ++next;
    std::size_t empties = next - n - 1;
    if (next == lines.size()) {
      out.push_back(position_of(line.end));
      n = next - 1;
      for (std::size_t k = 0; k < empties; ++k) out.push_back(position_of(lines[n].end));
      continue;
    }
    const bool both_normal = !more_indented(line) && !more_indented(lines[next]);
    std::size_t breaks = both_normal ? empties : empties + 1;
    if (breaks == 0) out.push_back(position_of(line.end));  // the space
    for (std::size_t k = 0; k < breaks; ++k) out.push_back(position_of(line.end));
    n = next - 1;
  }
  if (out.size() < scalar.value.size()) return {};
  out.resize(scalar.value.size());
  return out;
}

}  // namespace baton::lang
