#include "src/lang/template/str_methods.h"

#include <algorithm>

#include "src/lang/template/python_internal.h"
#include "src/lang/template/python_text.h"

namespace baton::lang {
namespace {

constexpr char32_t kSharpS = 0xDF;           // ß: upper "SS", title "Ss"
constexpr char32_t kDottedCapitalI = 0x130;  // İ: lower "i" + U+0307

// The Latin digraph triples (Ǆ ǅ ǆ, Ǉ ǈ ǉ, Ǌ ǋ ǌ, Ǳ ǲ ǳ): upper, title, lower case. Returns the
// upper-case member, or 0 when `c` is not one of them.
char32_t digraph_base(char32_t c) {
  if (c >= 0x1C4 && c <= 0x1CC) return 0x1C4 + (c - 0x1C4) / 3 * 3;
  if (c >= 0x1F1 && c <= 0x1F3) return 0x1F1;
  return 0;
}

bool is_titlecase(char32_t c) {
  const char32_t base = digraph_base(c);
  return base != 0 && c == base + 1;
}

bool is_cased(char32_t c) { return c == kSharpS || simple_upper(c) != c || simple_lower(c) != c; }

void append_upper(std::string& out, char32_t c) {
  if (c == kSharpS) {
    out += "SS";
  } else {
    append_utf8(out, simple_upper(c));
  }
}

void append_lower(std::string& out, char32_t c) {
  if (c == kDottedCapitalI) {
    out += "i\xCC\x87";
  } else {
    append_utf8(out, simple_lower(c));
  }
}

void append_title(std::string& out, char32_t c) {
  if (c == kSharpS) {
    out += "Ss";
  } else if (const char32_t base = digraph_base(c); base != 0) {
    append_utf8(out, base + 1);
  } else {
    append_utf8(out, simple_upper(c));
  }
}

// Latin Extended-A pairs: upper case at even code points in these ranges, odd in the others.
bool latin_a_even_upper(char32_t c) {
  return (c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177);
}
bool latin_a_odd_upper(char32_t c) {
  return (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
}

bool is_line_break(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
         c == 0x85 || c == 0x2028 || c == 0x2029;
}

}  // namespace

char32_t simple_upper(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z' ? c - 32 : c;
  if (c == 0xB5) return 0x39C;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (const char32_t base = digraph_base(c); base != 0) return base;
  if (latin_a_even_upper(c)) return (c & 1) ? c - 1 : c;
  if (latin_a_odd_upper(c)) return (c & 1) ? c : c - 1;
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x3B1 && c <= 0x3C9) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

char32_t simple_lower(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c == 0x178) return 0xFF;
  if (c == kDottedCapitalI) return 'i';
  if (const char32_t base = digraph_base(c); base != 0) return base + 2;
  if (latin_a_even_upper(c)) return (c & 1) ? c : c + 1;
  if (latin_a_odd_upper(c)) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

std::string python_upper(std::string_view text) {
  std::string out;
  for (char32_t c : decode_utf8(text)) append_upper(out, c);
  return out;
}

std::string python_lower(std::string_view text) {
  std::string out;
  for (char32_t c : decode_utf8(text)) append_lower(out, c);
  return out;
}

std::string python_casefold(std::string_view text) {
  std::string out;
  for (char32_t c : decode_utf8(text)) {
    if (c == kSharpS) {
      out += "ss";
    } else {
      append_lower(out, c);
    }
  }
  return out;
}

std::string python_swapcase(std::string_view text) {
  std::string out;
  for (char32_t c : decode_utf8(text)) {
    if (is_titlecase(c)) {
      append_utf8(out, c);
    } else if (simple_lower(c) != c) {
      append_lower(out, c);
    } else {
      append_upper(out, c);
    }
  }
  return out;
}

std::string python_title(std::string_view text) {
  std::string out;
  bool previous_cased = false;
  for (char32_t c : decode_utf8(text)) {
    const bool cased = is_cased(c);
    if (!cased) {
      append_utf8(out, c);
    } else if (previous_cased) {
      append_lower(out, c);
    } else {
      append_title(out, c);
    }
    // Letters of other scripts have no case but still continue a word.
    previous_cased = cased || (c >= 0xC0 && !is_python_space(c));
  }
  return out;
}

std::string python_capitalize(std::string_view text) {
  std::string out;
  bool first = true;
  for (char32_t c : decode_utf8(text)) {
    if (first) {
      append_title(out, c);
    } else {
      append_lower(out, c);
    }
    first = false;
  }
  return out;
}

std::string python_strip(std::string_view text, const std::string* chars, bool left, bool right) {
  const std::u32string input = decode_utf8(text);
  const std::u32string set = chars ? decode_utf8(*chars) : std::u32string();
  auto strip_it = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : is_python_space(c);
  };
  std::size_t begin = 0;
  std::size_t end = input.size();
  if (left) {
    while (begin < end && strip_it(input[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip_it(input[end - 1])) --end;
  }
  return encode_utf8(std::u32string_view(input).substr(begin, end - begin));
}

Result<ValueList> python_split(std::string_view text, const std::string* sep, std::int64_t maxsplit,
                               bool from_right) {
  ValueList parts;
  if (sep != nullptr) {
    if (sep->empty()) return python_error("empty separator");
    std::vector<std::string> pieces;
    if (!from_right) {
      std::size_t start = 0;
      while (maxsplit < 0 || static_cast<std::int64_t>(pieces.size()) < maxsplit) {
        const std::size_t found = text.find(*sep, start);
        if (found == std::string_view::npos) break;
        pieces.emplace_back(text.substr(start, found - start));
        start = found + sep->size();
      }
      pieces.emplace_back(text.substr(start));
    } else {
      std::size_t end = text.size();
      while (maxsplit < 0 || static_cast<std::int64_t>(pieces.size()) < maxsplit) {
        if (end < sep->size()) break;
        const std::size_t found = text.rfind(*sep, end - sep->size());
        if (found == std::string_view::npos) break;
        pieces.emplace_back(text.substr(found + sep->size(), end - found - sep->size()));
        end = found;
      }
      pieces.emplace_back(text.substr(0, end));
      std::reverse(pieces.begin(), pieces.end());
    }
    for (auto& piece : pieces) parts.emplace_back(std::move(piece));
    return parts;
  }
  const std::u32string chars = decode_utf8(text);
  std::vector<std::u32string> pieces;
  if (!from_right) {
    std::size_t i = 0;
    while (true) {
      while (i < chars.size() && is_python_space(chars[i])) ++i;
      if (i >= chars.size()) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(pieces.size()) >= maxsplit) {
        std::size_t end = chars.size();
        pieces.push_back(chars.substr(i, end - i));
        break;
      }
      std::size_t j = i;
      while (j < chars.size() && !is_python_space(chars[j])) ++j;
      pieces.push_back(chars.substr(i, j - i));
      i = j;
    }
  } else {
    std::size_t i = chars.size();
    while (true) {
      while (i > 0 && is_python_space(chars[i - 1])) --i;
      if (i == 0) break;
      if (maxsplit >= 0 && static_cast<std::int64_t>(pieces.size()) >= maxsplit) {
        pieces.push_back(chars.substr(0, i));
        break;
      }
      std::size_t j = i;
      while (j > 0 && !is_python_space(chars[j - 1])) --j;
      pieces.push_back(chars.substr(j, i - j));
      i = j;
    }
    std::reverse(pieces.begin(), pieces.end());
  }
  for (const auto& piece : pieces) parts.emplace_back(encode_utf8(piece));
  return parts;
}

std::string python_replace(std::string_view text, std::string_view old_text,
                           std::string_view new_text, std::int64_t count) {
  std::string out;
  if (old_text.empty()) {
    // Python inserts the replacement before every code point and at the end.
    const std::u32string chars = decode_utf8(text);
    std::int64_t done = 0;
    for (char32_t c : chars) {
      if (count < 0 || done < count) {
        out += new_text;
        ++done;
      }
      append_utf8(out, c);
    }
    if (count < 0 || done < count) out += new_text;
    return out;
  }
  std::size_t start = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    const std::size_t found = text.find(old_text, start);
    if (found == std::string_view::npos) break;
    out += text.substr(start, found - start);
    out += new_text;
    start = found + old_text.size();
    ++done;
  }
  out += text.substr(start);
  return out;
}

std::string python_center(std::string_view text, std::int64_t width, char32_t fill) {
  const auto length = static_cast<std::int64_t>(utf8_length(text));
  if (width <= length) return std::string(text);
  const std::int64_t pad = width - length;
  // CPython: the extra fill goes left when both pad and width are odd.
  const std::int64_t left = pad / 2 + (pad & width & 1);
  std::string fill_text;
  append_utf8(fill_text, fill);
  std::string out;
  for (std::int64_t i = 0; i < left; ++i) out += fill_text;
  out += text;
  for (std::int64_t i = 0; i < pad - left; ++i) out += fill_text;
  return out;
}

ValueList python_splitlines(std::string_view text, bool keepends) {
  const std::u32string chars = decode_utf8(text);
  ValueList lines;
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < chars.size()) {
    if (!is_line_break(chars[i])) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    if (chars[i] == '\r' && end < chars.size() && chars[end] == '\n') ++end;
    lines.emplace_back(encode_utf8(chars.substr(start, (keepends ? end : i) - start)));
    start = end;
    i = end;
  }
  if (start < chars.size()) lines.emplace_back(encode_utf8(chars.substr(start)));
  return lines;
}

}  // namespace baton::lang
