#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "baton/result.h"

namespace baton::lang {

// The tokens of a template, as Jinja2's lexer produces them (comments and raw markers are
// consumed here: a raw block becomes a data token).
enum class TokenKind : std::uint8_t {
  kData,           // literal text, newlines normalized to "\n"
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,
  kString,  // value holds the decoded text
  kInteger,
  kFloat,
  kOperator,  // text holds the operator: "+", "//", "(", ...
  kEnd,       // end of the template
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // the token's source text (for data: the text before stripping)
  std::string value;      // data and string tokens: the text to use
  std::int64_t int_value = 0;
  double float_value = 0;
  int line = 1;
  int column = 1;
};

// Splits `source` into tokens. Fails with kInvalidInput (and the position) for an unclosed
// comment or raw block, an unexpected character, an unbalanced bracket or a bad literal.
// The tokens' `text` views point into `source`, which must outlive them.
Result<std::vector<Token>> tokenize(std::string_view source);
// The same into `tokens` (replacing what it held), so that a caller can reuse its memory.
Status tokenize(std::string_view source, std::vector<Token>& tokens);

// Python's str.isspace() for the character that starts at `pos`: its length in bytes, or 0.
std::size_t whitespace_length_at(std::string_view text, std::size_t pos);

}  // namespace baton::lang
