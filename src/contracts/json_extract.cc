#include "src/contracts/json_extract.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace baton::contracts {
namespace {

// A piece of the answer: [begin, end).
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Span trim(std::string_view text, Span span) {
  while (span.begin < span.end && is_json_space(text[span.begin])) ++span.begin;
  while (span.end > span.begin && is_json_space(text[span.end - 1])) --span.end;
  return span;
}

bool parses(std::string_view text) {
  return !text.empty() && nlohmann::json::accept(text.begin(), text.end());
}

// A fence line: at most 3 spaces, then a run of >= 3 backticks or tildes. `run` is its length.
struct FenceMark {
  char mark = 0;
  std::size_t run = 0;
  std::string_view rest;  // what follows the run on the line
};

std::optional<FenceMark> fence_mark(std::string_view line) {
  std::size_t indent = 0;
  while (indent < line.size() && indent < 4 && line[indent] == ' ') ++indent;
  if (indent > 3 || indent == line.size()) return std::nullopt;
  const char mark = line[indent];
  if (mark != '`' && mark != '~') return std::nullopt;
  std::size_t end = indent;
  while (end < line.size() && line[end] == mark) ++end;
  if (end - indent < 3) return std::nullopt;
  return FenceMark{mark, end - indent, line.substr(end)};
}

bool is_opening_fence(const std::optional<FenceMark>& fence) {
  // A backtick fence's info string may not contain a backtick (CommonMark), so "```x```" on
  // one line is inline code, not a fence.
  return fence && (fence->mark == '~' || fence->rest.find('`') == std::string_view::npos);
}

bool closes(const std::optional<FenceMark>& fence, const FenceMark& opening) {
  if (!fence || fence->mark != opening.mark || fence->run < opening.run) return false;
  for (const char c : fence->rest) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

// The contents of every fenced code block, in order. A block that is never closed runs to the
// end of the answer, as in CommonMark.
std::vector<Span> fenced_blocks(std::string_view answer) {
  std::vector<Span> blocks;
  const auto line_end = [&](std::size_t from) {
    const std::size_t end = answer.find('\n', from);
    return end == std::string_view::npos ? answer.size() : end;
  };
  std::size_t line = 0;
  while (line < answer.size()) {
    std::size_t end = line_end(line);
    const std::optional<FenceMark> opening = fence_mark(answer.substr(line, end - line));
    if (!is_opening_fence(opening)) {
      line = end + 1;
      continue;
    }
    Span block{std::min(end + 1, answer.size()), answer.size()};
    line = answer.size();
    for (std::size_t inner = block.begin; inner < answer.size(); inner = end + 1) {
      end = line_end(inner);
      if (closes(fence_mark(answer.substr(inner, end - inner)), *opening)) {
        block.end = inner;
        line = end + 1;
        break;
      }
    }
    blocks.push_back(block);
  }
  return blocks;
}

bool is_open(char c) { return c == '{' || c == '['; }
bool is_close(char c) { return c == '}' || c == ']'; }
bool pairs(char open, char close) { return (open == '{') == (close == '}'); }

// Finds where each opening bracket closes, minding JSON strings. Openers are numbered in text
// order; the state is kept per opener, not per byte. One scan from an opener settles every
// opener it meets outside strings: those it pops close where it popped them; those still open
// when the scan stops (a mismatched closer, or the end of the answer) would stop at the same
// place on their own, so they never close. Prose full of stray brackets therefore costs one
// pass, not one pass per bracket.
class BracketMatcher {
 public:
  explicit BracketMatcher(std::string_view text) : text_(text) {
    for (std::size_t index = 0; index < text.size(); ++index) {
      if (is_open(text[index])) opens_.push_back(index);
    }
    close_.assign(opens_.size(), kUnknown);
  }

  std::size_t openers() const { return opens_.size(); }
  std::size_t position(std::size_t opener) const { return opens_[opener]; }

  // Where opener number `opener` closes, or nullopt when it never does.
  std::optional<std::size_t> closing(std::size_t opener) {
    if (close_[opener] == kUnknown) scan(opener);
    if (close_[opener] == kNever) return std::nullopt;
    return close_[opener];
  }

 private:
  static constexpr std::size_t kUnknown = static_cast<std::size_t>(-1);
  static constexpr std::size_t kNever = static_cast<std::size_t>(-2);

  void scan(std::size_t first) {
    std::vector<std::size_t> stack;  // opener numbers
    std::size_t next = first;        // the number of the next opening bracket in the text
    bool in_string = false;
    bool escaped = false;
    for (std::size_t index = opens_[first]; index < text_.size(); ++index) {
      const char c = text_[index];
      // Brackets inside strings are numbered too: every one of them is in opens_.
      const std::size_t opener = is_open(c) ? next++ : kUnknown;
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (opener != kUnknown) {
        stack.push_back(opener);
      } else if (is_close(c)) {
        if (!pairs(text_[opens_[stack.back()]], c)) break;
        close_[stack.back()] = index;
        stack.pop_back();
        if (stack.empty()) return;
      }
    }
    for (const std::size_t unclosed : stack) close_[unclosed] = kNever;
  }

  std::string_view text_;
  std::vector<std::size_t> opens_;  // where each opening bracket is
  std::vector<std::size_t> close_;  // per opener: where it closes, kUnknown or kNever
};

}  // namespace

std::string_view json_placement_name(JsonPlacement placement) {
  switch (placement) {
    case JsonPlacement::kFencedBlock:
      return "fenced block";
    case JsonPlacement::kWholeAnswer:
      return "whole answer";
    case JsonPlacement::kEmbedded:
      return "embedded";
  }
  return "unknown";
}

void for_each_json_candidate(std::string_view answer,
                             const std::function<bool(const ExtractedJson&)>& visit) {
  std::set<std::pair<std::size_t, std::size_t>> tried;  // (begin, end) of texts already offered
  // Offers `span` if it parses and was not offered before; false when `visit` says stop.
  const auto offer = [&](Span span, JsonPlacement placement) {
    const std::string_view text = answer.substr(span.begin, span.end - span.begin);
    if (!tried.emplace(span.begin, span.end).second || !parses(text)) return true;
    return visit(ExtractedJson{std::string(text), placement, span.begin});
  };
  for (const Span block : fenced_blocks(answer)) {
    if (!offer(trim(answer, block), JsonPlacement::kFencedBlock)) return;
  }
  if (!offer(trim(answer, Span{0, answer.size()}), JsonPlacement::kWholeAnswer)) return;
  BracketMatcher matcher(answer);
  for (std::size_t opener = 0; opener < matcher.openers(); ++opener) {
    const std::optional<std::size_t> close = matcher.closing(opener);
    if (close && !offer(Span{matcher.position(opener), *close + 1}, JsonPlacement::kEmbedded)) {
      return;
    }
  }
}

Result<ExtractedJson> extract_json(std::string_view answer) {
  std::optional<ExtractedJson> found;
  for_each_json_candidate(answer, [&](const ExtractedJson& candidate) {
    found = candidate;
    return false;
  });
  if (found) return *std::move(found);
  return Error(ErrorCode::kOutputRejected,
               "your answer contains no valid JSON: answer with a JSON value alone, in a "
               "```json fenced block, or as one {...} or [...] in the text");
}

}  // namespace baton::contracts
