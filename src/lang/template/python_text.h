#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::lang {

// UTF-8 helpers: Python strings are sequences of code points, and so are template strings.
// Invalid bytes decode as U+FFFD so that length and slicing never fail.
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view code_points);
void append_utf8(std::string& out, char32_t code_point);
std::size_t utf8_length(std::string_view text);

// Python's str.isspace() for the code points that matter in prompts.
bool is_python_space(char32_t c);

// Python's repr() of a string: quotes and escapes as CPython chooses them.
std::string python_string_repr(std::string_view text);

// Python's repr() of a float: the shortest string that round-trips, "1.0", "1e+16", "nan".
std::string python_float_repr(double value);

// printf-style formatting of one float conversion ('f', 'e', 'g', with Python's flags).
std::string python_format_float(double value, char conversion, int precision, bool alternate);

}  // namespace baton::lang
