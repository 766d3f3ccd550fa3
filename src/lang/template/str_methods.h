#pragma once

#include <string>
#include <string_view>

#include "baton/result.h"
#include "src/lang/template/value.h"

namespace baton::lang {

// Python str methods shared by call_method() and the filters. Case mapping covers ASCII,
// Latin-1, Latin Extended-A, the Latin digraphs (Ǆ ǅ ǆ ...), Greek and Cyrillic; other scripts
// keep their case. The one-to-many mappings of those ranges are Python's: "ß".upper() is "SS",
// "İ".lower() is "i̇".
// One code point to one code point (no ß -> SS).
char32_t simple_upper(char32_t c);
char32_t simple_lower(char32_t c);
// str.upper(), str.lower(), str.casefold(), str.swapcase().
std::string python_upper(std::string_view text);
std::string python_lower(std::string_view text);
std::string python_casefold(std::string_view text);
std::string python_swapcase(std::string_view text);
// str.title(): a cased letter after an uncased character is title-cased, every other letter
// lower-cased.
std::string python_title(std::string_view text);
// str.capitalize(): the first character title-cased, the rest lower-cased.
std::string python_capitalize(std::string_view text);
// str.strip/lstrip/rstrip with Python's whitespace, or with the code points of `chars`.
std::string python_strip(std::string_view text, const std::string* chars, bool left, bool right);
// str.split(sep, maxsplit); sep == nullptr splits on runs of whitespace.
Result<ValueList> python_split(std::string_view text, const std::string* sep, std::int64_t maxsplit,
                               bool from_right);
// str.replace(old, new, count).
std::string python_replace(std::string_view text, std::string_view old_text,
                           std::string_view new_text, std::int64_t count);
// str.center(width, fill).
std::string python_center(std::string_view text, std::int64_t width, char32_t fill);
// str.splitlines(keepends).
ValueList python_splitlines(std::string_view text, bool keepends);

}  // namespace baton::lang
