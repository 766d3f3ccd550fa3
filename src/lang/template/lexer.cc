#include "src/lang/template/lexer.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace baton::lang {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Jinja2 turns every "\r\n", "\r" and "\n" in data and string literals into "\n".
std::string normalize_newlines(std::string_view text) {
  if (text.find('\r') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::size_t whitespace_length_before(std::string_view text, std::size_t end) {
  // Whitespace characters are 1 to 3 bytes long in UTF-8.
  for (std::size_t len = 1; len <= 3 && len <= end; ++len) {
    if (whitespace_length_at(text, end - len) == len) return len;
  }
  return 0;
}

std::string_view rstrip(std::string_view text) {
  std::size_t end = text.size();
  while (std::size_t len = whitespace_length_before(text, end)) end -= len;
  return text.substr(0, end);
}

std::size_t skip_whitespace(std::string_view text, std::size_t pos) {
  while (std::size_t len = whitespace_length_at(text, pos)) pos += len;
  return pos;
}

class Lexer {
 public:
  // Appends the tokens of `source` to `tokens`, which must outlive the lexer.
  Lexer(std::string_view source, std::vector<Token>& tokens)
      : source_(source), tokens_(tokens), next_newline_(source.find('\n')) {
    // Room for most templates' tokens, so that the vector seldom regrows: a tag (counted by
    // its '{') rarely makes more than six, and tokens average more than three bytes.
    const auto braces = static_cast<std::size_t>(std::count(source.begin(), source.end(), '{'));
    tokens_.reserve(tokens_.size() + 2 + std::min(6 * braces, source.size() / 3));
  }

  Status run() {
    std::size_t pos = 0;
    while (pos < source_.size()) {
      BATON_ASSIGN_OR_RETURN(pos, lex_root(pos));
    }
    add(TokenKind::kEnd, source_.size(), 0);
    return ok_status();
  }

 private:
  // Appends a token (built in place: tokens are not small).
  Token& add(TokenKind kind, std::size_t offset, std::size_t length) {
    Token& token = tokens_.emplace_back();
    token.kind = kind;
    token.text = source_.substr(offset, length);
    move_to(offset);
    token.line = line_;
    token.column = static_cast<int>(offset - line_start_) + 1;
    return token;
  }

  Error fail(std::size_t offset, std::string message) {
    move_to(offset);
    const int column = static_cast<int>(offset - line_start_) + 1;
    return invalid_input(std::move(message)).with_span(SourceSpan{"", line_, column});
  }

  // Tracks the line of `offset`. Tokens are made in source order, so this only moves forward
  // over the newlines before `offset` (from the start again for an error further back).
  void move_to(std::size_t offset) {
    if (offset < position_) {
      position_ = 0;
      line_ = 1;
      line_start_ = 0;
      next_newline_ = source_.find('\n');
    }
    while (next_newline_ < offset) {
      ++line_;
      line_start_ = next_newline_ + 1;
      next_newline_ = source_.find('\n', line_start_);
    }
    position_ = offset;
  }

  bool starts_with(std::size_t pos, std::string_view text) const {
    return source_.substr(pos, text.size()) == text;
  }

  void emit_data(std::size_t offset, std::string_view text) {
    if (text.empty()) return;
    add(TokenKind::kData, offset, text.size()).value = normalize_newlines(text);
  }

  // `{%` (with an optional - or +) `raw` `%}` at `pos`: the offset after it, or 0.
  std::size_t match_raw_begin(std::size_t pos, std::string_view keyword, char* sign) const {
    if (!starts_with(pos, "{%")) return 0;
    std::size_t i = pos + 2;
    *sign = 0;
    if (i < source_.size() && (source_[i] == '-' || source_[i] == '+')) *sign = source_[i++];
    i = skip_whitespace(source_, i);
    if (!starts_with(i, keyword)) return 0;
    i = skip_whitespace(source_, i + keyword.size());
    if (starts_with(i, "-%}")) return skip_whitespace(source_, i + 3);
    if (keyword == "endraw" && starts_with(i, "+%}")) return i + 3;
    if (starts_with(i, "%}")) return i + 2;
    return 0;
  }

  Result<std::size_t> lex_root(std::size_t pos) {
    std::size_t tag = pos;
    while (true) {
      tag = source_.find('{', tag);
      if (tag == std::string_view::npos || tag + 1 >= source_.size()) {
        emit_data(pos, source_.substr(pos));
        return source_.size();
      }
      char next = source_[tag + 1];
      if (next == '{' || next == '%' || next == '#') break;
      ++tag;
    }
    char sign = 0;
    std::size_t raw_end = match_raw_begin(tag, "raw", &sign);
    if (raw_end == 0) {
      sign = tag + 2 < source_.size() ? source_[tag + 2] : 0;
    }
    std::string_view text = source_.substr(pos, tag - pos);
    emit_data(pos, sign == '-' ? rstrip(text) : text);
    if (raw_end != 0) return lex_raw(tag, raw_end);
    char kind = source_[tag + 1];
    std::size_t inner = tag + 2 + ((sign == '-' || sign == '+') ? 1 : 0);
    if (kind == '#') return lex_comment(tag, inner);
    add(kind == '{' ? TokenKind::kVariableBegin : TokenKind::kBlockBegin, tag, 2);
    return lex_tag(inner, kind == '{');
  }

  Result<std::size_t> lex_comment(std::size_t start, std::size_t pos) {
    std::size_t end = source_.find("#}", pos);
    if (end == std::string_view::npos) return fail(start, "Missing end of comment tag");
    if (end > pos && source_[end - 1] == '-') return skip_whitespace(source_, end + 2);
    return end + 2;
  }

  Result<std::size_t> lex_raw(std::size_t start, std::size_t pos) {
    std::size_t search = pos;
    while (true) {
      std::size_t tag = source_.find("{%", search);
      if (tag == std::string_view::npos) return fail(start, "Missing end of raw directive");
      char sign = 0;
      std::size_t after = match_raw_begin(tag, "endraw", &sign);
      if (after != 0) {
        std::string_view text = source_.substr(pos, tag - pos);
        emit_data(pos, sign == '-' ? rstrip(text) : text);
        return after;
      }
      search = tag + 1;
    }
  }

  // The end of the tag at `pos`, if any: the offset after it (and after the whitespace a
  // `-` strips), or 0.
  std::size_t match_tag_end(std::size_t pos, bool variable) const {
    std::string_view close = variable ? "}}" : "%}";
    if (source_[pos] == '-' && starts_with(pos + 1, close)) {
      return skip_whitespace(source_, pos + 3);
    }
    if (!variable && starts_with(pos, "+%}")) return pos + 3;
    if (starts_with(pos, close)) return pos + 2;
    return 0;
  }

  Result<std::size_t> lex_tag(std::size_t pos, bool variable) {
    std::string brackets;  // a string: short ones need no allocation
    while (pos < source_.size()) {
      if (brackets.empty()) {
        if (std::size_t after = match_tag_end(pos, variable)) {
          add(variable ? TokenKind::kVariableEnd : TokenKind::kBlockEnd, pos, after - pos);
          return after;
        }
      }
      if (std::size_t len = whitespace_length_at(source_, pos)) {
        pos = skip_whitespace(source_, pos + len);
        continue;
      }
      char c = source_[pos];
      if (is_digit(c)) {
        BATON_ASSIGN_OR_RETURN(pos, lex_number(pos));
        continue;
      }
      if (is_name_start(c)) {
        std::size_t end = pos + 1;
        // Only a non-ASCII byte can start a whitespace character.
        while (end < source_.size() && is_name_char(source_[end]) &&
               (static_cast<unsigned char>(source_[end]) < 0x80 ||
                whitespace_length_at(source_, end) == 0)) {
          ++end;
        }
        add(TokenKind::kName, pos, end - pos);
        pos = end;
        continue;
      }
      if (c == '\'' || c == '"') {
        std::size_t end = pos + 1;
        while (end < source_.size() && source_[end] != c) end += source_[end] == '\\' ? 2 : 1;
        if (end < source_.size()) {
          BATON_TRY(lex_string(pos, end + 1));
          pos = end + 1;
          continue;
        }
      }
      BATON_ASSIGN_OR_RETURN(pos, lex_operator(pos, brackets));
    }
    return pos;
  }

  // The length of the operator at `pos`: 2 for // ** == != >= <=, 1 for one of kOne, else 0.
  std::size_t operator_length(std::size_t pos) const {
    static constexpr std::string_view kOne = "+-/*%~[](){}><=.:|,;";
    const char c = source_[pos];
    const char next = pos + 1 < source_.size() ? source_[pos + 1] : '\0';
    if ((c == '/' || c == '*') && next == c) return 2;
    if ((c == '=' || c == '!' || c == '>' || c == '<') && next == '=') return 2;
    return kOne.find(c) != std::string_view::npos ? 1 : 0;
  }

  // `brackets` holds the closing bracket each open one awaits, innermost last.
  Result<std::size_t> lex_operator(std::size_t pos, std::string& brackets) {
    const std::size_t len = operator_length(pos);
    const char c = source_[pos];
    if (len == 0) {
      return fail(pos, "unexpected char '" + std::string(source_.substr(pos, 1)) + "' at " +
                           std::to_string(pos));
    }
    if (len == 1) {
      if (c == '(' || c == '[' || c == '{') {
        brackets.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (brackets.empty()) return fail(pos, std::string("unexpected '") + c + "'");
        if (brackets.back() != c) {
          return fail(pos,
                      std::string("unexpected '") + c + "', expected '" + brackets.back() + "'");
        }
        brackets.pop_back();
      }
    }
    add(TokenKind::kOperator, pos, len);
    return pos + len;
  }

  // Digits with single underscores between them, as Python writes them: the end, or `pos`.
  std::size_t scan_digits(std::size_t pos, bool (*digit)(char)) const {
    std::size_t i = pos;
    if (i >= source_.size() || !digit(source_[i])) return pos;
    ++i;
    while (i < source_.size()) {
      if (digit(source_[i])) {
        ++i;
      } else if (source_[i] == '_' && i + 1 < source_.size() && digit(source_[i + 1])) {
        i += 2;
      } else {
        break;
      }
    }
    return i;
  }

  Result<std::size_t> lex_number(std::size_t pos) {
    std::size_t int_end = scan_digits(pos, is_digit);
    // A float: digits, then a fraction and/or an exponent.
    std::size_t end = int_end;
    bool is_float = false;
    bool after_dot = pos > 0 && source_[pos - 1] == '.';
    if (!after_dot && end < source_.size() && source_[end] == '.') {
      std::size_t frac = scan_digits(end + 1, is_digit);
      if (frac != end + 1) {
        end = frac;
        is_float = true;
      }
    }
    if (!after_dot && end < source_.size() && (source_[end] == 'e' || source_[end] == 'E')) {
      std::size_t exp = end + 1;
      if (exp < source_.size() && (source_[exp] == '+' || source_[exp] == '-')) ++exp;
      std::size_t exp_end = scan_digits(exp, is_digit);
      if (exp_end != exp) {
        end = exp_end;
        is_float = true;
      }
    }
    if (is_float) {
      std::string digits;
      for (std::size_t i = pos; i < end; ++i) {
        if (source_[i] != '_') digits += source_[i];
      }
      add(TokenKind::kFloat, pos, end - pos).float_value = std::strtod(digits.c_str(), nullptr);
      return end;
    }
    // Integers: 0b.., 0o.., 0x.., decimal without leading zeros, or zeros.
    int base = 10;
    std::size_t digits_start = pos;
    if (source_[pos] == '0' && pos + 1 < source_.size()) {
      char p = static_cast<char>(source_[pos + 1] | 0x20);
      if (p == 'b' || p == 'o' || p == 'x') {
        base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
        std::size_t i = pos + 2;
        std::size_t last = i;
        while (i < source_.size()) {
          char d = source_[i];
          if (d == '_' && i + 1 < source_.size()) ++i, d = source_[i];
          bool ok = base == 16 ? is_hex(d) : (d >= '0' && d < static_cast<char>('0' + base));
          if (!ok) break;
          last = ++i;
        }
        if (last == pos + 2)
          base = 10;  // just "0"
        else {
          digits_start = pos + 2;
          end = last;
        }
      }
    }
    if (base == 10) {
      if (source_[pos] == '0') {
        end = pos + 1;
        while (end < source_.size()) {
          if (source_[end] == '0') {
            ++end;
          } else if (source_[end] == '_' && end + 1 < source_.size() && source_[end + 1] == '0') {
            end += 2;
          } else {
            break;
          }
        }
      } else {
        end = int_end;
      }
    }
    std::uint64_t value = 0;
    for (std::size_t i = digits_start; i < end; ++i) {
      char d = source_[i];
      if (d == '_') continue;
      int digit = is_digit(d) ? d - '0' : (d | 0x20) - 'a' + 10;
      if (value > (static_cast<std::uint64_t>(INT64_MAX) - static_cast<std::uint64_t>(digit)) /
                      static_cast<std::uint64_t>(base)) {
        return fail(pos, "integer literal is too large");
      }
      value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(digit);
    }
    add(TokenKind::kInteger, pos, end - pos).int_value = static_cast<std::int64_t>(value);
    return end;
  }

  // Python's "unicode-escape" decoding, which Jinja2 applies to string literals.
  Status lex_string(std::size_t start, std::size_t end) {
    std::string raw = normalize_newlines(source_.substr(start + 1, end - start - 2));
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\' || i + 1 >= raw.size()) {
        out += raw[i];
        continue;
      }
      char e = raw[++i];
      switch (e) {
        case '\n':
          break;
        case '\\':
        case '\'':
        case '"':
          out += e;
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
        case 'u':
        case 'U': {
          std::size_t count = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          std::uint32_t cp = 0;
          for (std::size_t k = 0; k < count; ++k) {
            if (i + 1 + k >= raw.size() || !is_hex(raw[i + 1 + k])) {
              return fail(start, std::string("(unicode error) 'unicodeescape' codec can't decode "
                                             "bytes: truncated \\") +
                                     e + std::string(count, 'X') + " escape");
            }
            char d = raw[i + 1 + k];
            cp =
                cp * 16 + static_cast<std::uint32_t>(is_digit(d) ? d - '0' : (d | 0x20) - 'a' + 10);
          }
          if (cp > 0x10FFFF) {
            return fail(start,
                        "(unicode error) 'unicodeescape' codec can't decode bytes: "
                        "illegal Unicode character");
          }
          append_utf8(out, cp);
          i += count;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t cp = static_cast<std::uint32_t>(e - '0');
            for (int k = 0; k < 2 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7';
                 ++k) {
              cp = cp * 8 + static_cast<std::uint32_t>(raw[++i] - '0');
            }
            append_utf8(out, cp);
          } else if (e == 'N') {
            return fail(start, "named unicode escapes (\\N{...}) are not supported");
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    add(TokenKind::kString, start, end - start).value = std::move(out);
    return ok_status();
  }

  std::string_view source_;
  std::vector<Token>& tokens_;
  // Where move_to() is: an offset, its line, where that line starts and the next '\n' after.
  std::size_t position_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t next_newline_ = std::string_view::npos;
};

}  // namespace

std::size_t whitespace_length_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return 0;
  auto byte = [&](std::size_t i) {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
  };
  unsigned c = byte(pos);
  if (c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F)) return 1;
  if (c == 0xC2 && (byte(pos + 1) == 0x85 || byte(pos + 1) == 0xA0)) return 2;
  if (c == 0xE1 && byte(pos + 1) == 0x9A && byte(pos + 2) == 0x80) return 3;  // U+1680
  if (c == 0xE3 && byte(pos + 1) == 0x80 && byte(pos + 2) == 0x80) return 3;  // U+3000
  if (c == 0xE2) {
    unsigned b1 = byte(pos + 1);
    unsigned b2 = byte(pos + 2);
    if (b1 == 0x80 && ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) {
      return 3;  // U+2000..200A, U+2028, U+2029, U+202F
    }
    if (b1 == 0x81 && b2 == 0x9F) return 3;  // U+205F
  }
  return 0;
}

Result<std::vector<Token>> tokenize(std::string_view source) {
  std::vector<Token> tokens;
  BATON_TRY(tokenize(source, tokens));
  return tokens;
}

Status tokenize(std::string_view source, std::vector<Token>& tokens) {
  tokens.clear();
  return Lexer(source, tokens).run();
}

}  // namespace baton::lang
