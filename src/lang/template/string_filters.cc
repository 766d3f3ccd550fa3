// Jinja2's string filters: capitalize, center, escape, format, indent, truncate, wordwrap...
#include <string>

#include "src/lang/template/filter_support.h"
#include "src/lang/template/python_text.h"
#include "src/lang/template/str_methods.h"

namespace baton::lang {
namespace {

Result<BoundArgs> bind(std::string_view name, const CallArgs& args,
                       std::initializer_list<std::string_view> names) {
  return BoundArgs::bind(name, args, names);
}

Result<bool> bool_arg(const BoundArgs& bound, std::size_t index, bool fallback) {
  if (!bound.has(index)) return fallback;
  return is_truthy(*bound.get(index));
}

Result<Value> filter_capitalize(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("capitalize", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  return Value(python_capitalize(text));
}

Result<Value> filter_upper(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("upper", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  return Value(python_upper(text));
}

Result<Value> filter_lower(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("lower", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  return Value(python_lower(text));
}

// Jinja2's title: each word starts after a run of whitespace, '-', '(', '{', '[' or '<'.
Result<Value> filter_title(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("title", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  // Each word is item[0].upper() + item[1:].lower(), with the full (one-to-many) mappings.
  std::string out;
  bool word_start = true;
  for (char32_t c : decode_utf8(text)) {
    const bool separator =
        is_python_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (separator) {
      append_utf8(out, c);
      word_start = true;
      continue;
    }
    std::string one;
    append_utf8(one, c);
    out += word_start ? python_upper(one) : python_lower(one);
    word_start = false;
  }
  return Value(std::move(out));
}

Result<Value> filter_center(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("center", args, {"width"}));
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  BATON_ASSIGN_OR_RETURN(std::int64_t width, int_arg(bound.get_or(0, Value(80)), "width"));
  return Value(python_center(text, width, ' '));
}

Result<Value> filter_escape(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("escape", args, {}));
  (void)bound;
  if (input.is_markup()) return input;  // already escaped
  // markupsafe.escape(None) is 'None'; undefined is strict.
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  return Value::markup(html_escape(text));
}

// forceescape escapes even Markup.
Result<Value> filter_forceescape(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("forceescape", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  return Value::markup(html_escape(text));
}

Result<Value> filter_safe(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("safe", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  return Value::markup(std::move(text));
}

Result<Value> filter_string(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("string", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  return Value(std::move(text));
}

Result<Value> filter_format(const Value& input, const CallArgs& args, Invoker&) {
  if (!args.positional.empty() && !args.keyword.empty())
    return python_error("can't handle positional and keyword arguments at the same time");
  BATON_ASSIGN_OR_RETURN(std::string format, to_str_checked(input));
  Value operands = Value::tuple(args.positional);
  if (!args.keyword.empty()) {
    ValueDict dict;
    for (const auto& [key, value] : args.keyword) dict.set(key, value);
    operands = Value(std::move(dict));
  }
  BATON_ASSIGN_OR_RETURN(std::string out, percent_format(format, operands));
  return Value(std::move(out));
}

Result<Value> filter_indent(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("indent", args, {"width", "first", "blank"}));
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  std::string indention;
  const Value width = bound.get_or(0, Value(4));
  if (width.is_string()) {
    indention = width.as_string();
  } else {
    BATON_ASSIGN_OR_RETURN(std::int64_t n, int_arg(width, "width"));
    indention.assign(static_cast<std::size_t>(std::max<std::int64_t>(0, n)), ' ');
  }
  BATON_ASSIGN_OR_RETURN(bool first, bool_arg(bound, 1, false));
  BATON_ASSIGN_OR_RETURN(bool blank, bool_arg(bound, 2, false));
  // Jinja2 appends a newline before splitlines(), so a trailing newline is dropped.
  const ValueList lines = python_splitlines(text + "\n", false);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i].as_string();
    if (i > 0) {
      out += "\n";
      if (blank || !line.empty()) out += indention;
    }
    out += line;
  }
  if (first) out = indention + out;
  return Value(std::move(out));
}

Result<Value> filter_replace(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("replace", args, {"old", "new", "count"}));
  if (!bound.has(0) || !bound.has(1))
    return python_error("do_replace() missing required positional arguments: 'old' and 'new'");
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  BATON_ASSIGN_OR_RETURN(std::string old_text, to_str_checked(*bound.get(0)));
  BATON_ASSIGN_OR_RETURN(std::string new_text, to_str_checked(*bound.get(1)));
  std::int64_t count = -1;
  if (bound.has(2) && !bound.get(2)->is_none()) {
    BATON_ASSIGN_OR_RETURN(count, int_arg(*bound.get(2), "count"));
  }
  return Value(python_replace(text, old_text, new_text, count));
}

Result<Value> filter_trim(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("trim", args, {"chars"}));
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  if (bound.has(0) && !bound.get(0)->is_none()) {
    BATON_ASSIGN_OR_RETURN(std::string chars, str_arg(*bound.get(0), "strip arg"));
    return Value(python_strip(text, &chars, true, true));
  }
  return Value(python_strip(text, nullptr, true, true));
}

Result<Value> filter_truncate(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound,
                         bind("truncate", args, {"length", "killwords", "end", "leeway"}));
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  BATON_ASSIGN_OR_RETURN(std::int64_t length, int_arg(bound.get_or(0, Value(255)), "length"));
  BATON_ASSIGN_OR_RETURN(bool killwords, bool_arg(bound, 1, false));
  BATON_ASSIGN_OR_RETURN(std::string end, to_str_checked(bound.get_or(2, Value("..."))));
  std::int64_t leeway = 5;
  if (bound.has(3) && !bound.get(3)->is_none()) {
    BATON_ASSIGN_OR_RETURN(leeway, int_arg(*bound.get(3), "leeway"));
  }
  const auto end_length = static_cast<std::int64_t>(utf8_length(end));
  if (length < end_length)
    return python_error("expected length >= " + std::to_string(end_length) + ", got " +
                        std::to_string(length));
  if (leeway < 0) return python_error("expected leeway >= 0, got " + std::to_string(leeway));
  const std::u32string chars = decode_utf8(text);
  if (static_cast<std::int64_t>(chars.size()) <= length + leeway) return Value(text);
  std::u32string head = chars.substr(0, static_cast<std::size_t>(length - end_length));
  if (!killwords) {
    const std::size_t space = head.rfind(U' ');
    if (space != std::u32string::npos) head.resize(space);
  }
  return Value(encode_utf8(head) + end);
}

bool is_word_char(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
    return true;
  // Non-ASCII letters and digits; punctuation blocks and spaces are not word characters.
  if (c < 0xAA || is_python_space(c)) return false;
  if (c == 0xAB || c == 0xBB || c == 0xB7 || c == 0xBF || c == 0xD7 || c == 0xF7) return false;
  if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) || c >= 0x1F000)
    return false;
  return true;
}

Result<Value> filter_wordcount(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("wordcount", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  std::int64_t count = 0;
  bool in_word = false;
  for (char32_t c : decode_utf8(text)) {
    const bool word = is_word_char(c);
    if (word && !in_word) ++count;
    in_word = word;
  }
  return Value(count);
}

// textwrap's chunks: whitespace runs, and words (split after hyphens between letters).
std::vector<std::u32string> wrap_chunks(const std::u32string& text, bool break_on_hyphens) {
  auto is_letter = [](char32_t c) { return is_word_char(c) && !(c >= '0' && c <= '9'); };
  // textwrap splits on ASCII whitespace only.
  auto is_wrap_space = [](char32_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  std::vector<std::u32string> chunks;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = i;
    if (is_wrap_space(text[i])) {
      while (j < text.size() && is_wrap_space(text[j])) ++j;
    } else {
      while (j < text.size() && !is_wrap_space(text[j])) {
        ++j;
        if (break_on_hyphens && text[j - 1] == '-' && j >= i + 3 && is_letter(text[j - 2]) &&
            is_letter(text[j - 3]) && j < text.size() && is_letter(text[j]) &&
            ((j + 1 < text.size() && is_letter(text[j + 1])) ||
             (j + 2 < text.size() && text[j + 1] == '-' && is_letter(text[j + 2]))))
          break;
      }
    }
    chunks.push_back(text.substr(i, j - i));
    i = j;
  }
  return chunks;
}

bool is_blank(const std::u32string& chunk) {
  for (char32_t c : chunk) {
    if (!is_python_space(c)) return false;
  }
  return true;
}

// Python's textwrap.wrap(expand_tabs=False, replace_whitespace=False, drop_whitespace=True).
std::vector<std::u32string> wrap_paragraph(const std::u32string& text, std::size_t width,
                                           bool break_long_words, bool break_on_hyphens) {
  std::vector<std::u32string> chunks = wrap_chunks(text, break_on_hyphens);
  std::reverse(chunks.begin(), chunks.end());
  std::vector<std::u32string> lines;
  while (!chunks.empty()) {
    std::vector<std::u32string> line;
    std::size_t length = 0;
    if (!lines.empty() && is_blank(chunks.back())) chunks.pop_back();
    while (!chunks.empty()) {
      const std::size_t size = chunks.back().size();
      if (length + size <= width) {
        line.push_back(std::move(chunks.back()));
        chunks.pop_back();
        length += size;
      } else {
        break;
      }
    }
    if (!chunks.empty() && chunks.back().size() > width) {
      // As textwrap: a full line leaves no room, and an empty piece is taken.
      const std::size_t space_left = width < 1 ? 1 : width - std::min(width, length);
      if (break_long_words) {
        std::u32string& chunk = chunks.back();
        std::size_t end = space_left;
        if (break_on_hyphens && space_left > 0 && chunk.size() > space_left) {
          const std::size_t hyphen = chunk.rfind(U'-', space_left - 1);
          if (hyphen != std::u32string::npos && hyphen > 0) {
            bool only_hyphens_before = true;
            for (std::size_t k = 0; k < hyphen; ++k) only_hyphens_before &= chunk[k] == '-';
            if (!only_hyphens_before) end = hyphen + 1;
          }
        }
        line.push_back(chunk.substr(0, end));
        length += end;
        chunk.erase(0, end);
      } else if (line.empty()) {
        line.push_back(std::move(chunks.back()));
        chunks.pop_back();
      }
    }
    if (!line.empty() && is_blank(line.back())) line.pop_back();
    if (!line.empty()) {
      std::u32string joined;
      for (const auto& piece : line) joined += piece;
      lines.push_back(std::move(joined));
    }
  }
  return lines;
}

Result<Value> filter_wordwrap(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(
      auto bound,
      bind("wordwrap", args, {"width", "break_long_words", "wrapstring", "break_on_hyphens"}));
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  BATON_ASSIGN_OR_RETURN(std::int64_t width, int_arg(bound.get_or(0, Value(79)), "width"));
  if (width <= 0) return python_error("invalid width " + std::to_string(width) + " (must be > 0)");
  BATON_ASSIGN_OR_RETURN(bool break_long, bool_arg(bound, 1, true));
  std::string wrapstring = "\n";
  if (bound.has(2) && !bound.get(2)->is_none()) {
    BATON_ASSIGN_OR_RETURN(wrapstring, to_str_checked(*bound.get(2)));
  }
  BATON_ASSIGN_OR_RETURN(bool hyphens, bool_arg(bound, 3, true));
  std::string out;
  const ValueList paragraphs = python_splitlines(text, false);
  for (std::size_t p = 0; p < paragraphs.size(); ++p) {
    if (p > 0) out += wrapstring;
    const auto lines = wrap_paragraph(decode_utf8(paragraphs[p].as_string()),
                                      static_cast<std::size_t>(width), break_long, hyphens);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) out += wrapstring;
      out += encode_utf8(lines[i]);
    }
  }
  return Value(std::move(out));
}

void append_entity(std::string& out, std::string_view entity) {
  if (entity == "amp") {
    out += '&';
  } else if (entity == "lt") {
    out += '<';
  } else if (entity == "gt") {
    out += '>';
  } else if (entity == "quot") {
    out += '"';
  } else if (entity == "apos") {
    out += '\'';
  } else if (entity == "nbsp") {
    append_utf8(out, 0xA0);
  } else if (entity.size() > 1 && entity[0] == '#') {
    const bool hex = entity[1] == 'x' || entity[1] == 'X';
    const std::string digits(entity.substr(hex ? 2 : 1));
    char* end = nullptr;
    const unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
    if (digits.empty() || *end != '\0' || cp > 0x10FFFF) {
      out += "&" + std::string(entity) + ";";
    } else {
      append_utf8(out, static_cast<char32_t>(cp));
    }
  } else {
    out += "&" + std::string(entity) + ";";
  }
}

// markupsafe's striptags: drop comments and tags, collapse whitespace, unescape entities.
Result<Value> filter_striptags(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("striptags", args, {}));
  (void)bound;
  BATON_ASSIGN_OR_RETURN(std::string text, to_str_checked(input));
  std::string no_comments;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 4, "<!--") == 0) {
      const std::size_t end = text.find("-->", i + 4);
      if (end != std::string::npos) {
        i = end + 3;
        continue;
      }
    }
    no_comments.push_back(text[i++]);
  }
  std::string no_tags;
  for (std::size_t i = 0; i < no_comments.size();) {
    if (no_comments[i] == '<') {
      const std::size_t end = no_comments.find('>', i + 1);
      if (end != std::string::npos) {
        i = end + 1;
        continue;
      }
    }
    no_tags.push_back(no_comments[i++]);
  }
  BATON_ASSIGN_OR_RETURN(ValueList words, python_split(no_tags, nullptr, -1, false));
  std::string collapsed;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) collapsed += ' ';
    collapsed += words[i].as_string();
  }
  std::string out;
  for (std::size_t i = 0; i < collapsed.size();) {
    if (collapsed[i] == '&') {
      const std::size_t semi = collapsed.find(';', i + 1);
      if (semi != std::string::npos && semi - i <= 10) {
        append_entity(out, std::string_view(collapsed).substr(i + 1, semi - i - 1));
        i = semi + 1;
        continue;
      }
    }
    out.push_back(collapsed[i++]);
  }
  return Value(std::move(out));
}

std::string url_quote(std::string_view text, bool for_query) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-' || c == '~' || (c == '/' && !for_query);
    if (safe) {
      out.push_back(ch);
    } else if (c == ' ' && for_query) {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<Value> filter_urlencode(const Value& input, const CallArgs& args, Invoker&) {
  BATON_ASSIGN_OR_RETURN(auto bound, bind("urlencode", args, {}));
  (void)bound;
  if (input.is_undefined()) return python_error(input.undefined_message());
  if (!input.is_dict() && !input.is_list()) return Value(url_quote(to_str(input), false));
  ValueList pairs;
  if (input.is_dict()) {
    for (const auto& [key, value] : input.as_dict().entries())
      pairs.push_back(Value::tuple({Value(key), value}));
  } else {
    pairs = input.as_list();
  }
  std::string out;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const Value& pair = pairs[i];
    if (!pair.is_list() || pair.as_list().size() != 2)
      return python_error("urlencode expects a mapping or (key, value) pairs");
    BATON_ASSIGN_OR_RETURN(std::string key, to_str_checked(pair.as_list()[0]));
    BATON_ASSIGN_OR_RETURN(std::string value, to_str_checked(pair.as_list()[1]));
    if (i > 0) out += '&';
    out += url_quote(key, true) + "=" + url_quote(value, true);
  }
  return Value(std::move(out));
}

}  // namespace

void add_string_filters(FilterTable& table) {
  table.insert({
      {"capitalize", filter_capitalize},
      {"upper", filter_upper},
      {"lower", filter_lower},
      {"title", filter_title},
      {"center", filter_center},
      {"e", filter_escape},
      {"escape", filter_escape},
      {"forceescape", filter_forceescape},
      {"safe", filter_safe},
      {"string", filter_string},
      {"format", filter_format},
      {"indent", filter_indent},
      {"replace", filter_replace},
      {"trim", filter_trim},
      {"truncate", filter_truncate},
      {"wordcount", filter_wordcount},
      {"wordwrap", filter_wordwrap},
      {"striptags", filter_striptags},
      {"urlencode", filter_urlencode},
  });
}

}  // namespace baton::lang
