#include "src/providers/sse_parser.h"

#include <utility>

namespace baton::providers {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
// More digits than this cannot be a sensible delay, and would overflow.
constexpr std::size_t kMaxRetryDigits = 9;

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  if (at_start_) {
    while (!bytes.empty() && bom_.size() < kByteOrderMark.size() &&
           bytes.front() == kByteOrderMark[bom_.size()]) {
      bom_ += bytes.front();
      bytes.remove_prefix(1);
    }
    if (bom_.size() == kByteOrderMark.size()) {
      at_start_ = false;
      bom_.clear();
    } else if (bytes.empty()) {
      return out;  // the rest of a byte-order mark may follow
    } else {
      at_start_ = false;  // not a byte-order mark after all: ordinary bytes
      const std::string held = std::exchange(bom_, {});
      scan(held, out);
    }
  }
  scan(bytes, out);
  return out;
}

std::vector<SseEvent> SseParser::finish() {
  std::vector<SseEvent> out;
  if (at_start_ && !bom_.empty()) {
    at_start_ = false;
    const std::string held = std::exchange(bom_, {});
    scan(held, out);
  }
  line_.clear();
  after_cr_ = false;
  dispatch(out);
  return out;
}

void SseParser::scan(std::string_view bytes, std::vector<SseEvent>& out) {
  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {  // the LF of a CRLF split across feeds
        bytes.remove_prefix(1);
        continue;
      }
    }
    const std::size_t end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      line_.append(bytes);
      return;
    }
    if (line_.empty()) {
      take_line(bytes.substr(0, end), out);
    } else {
      line_.append(bytes.substr(0, end));
      take_line(line_, out);
      line_.clear();
    }
    after_cr_ = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
  }
}

void SseParser::take_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    dispatch(out);
    return;
  }
  if (line.front() == ':') return;  // a comment (keep-alive)
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    data_.append(value);
    data_ += '\n';
    has_data_ = true;
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (field == "retry") {
    if (all_digits(value) && value.size() <= kMaxRetryDigits) {
      retry_ = std::chrono::milliseconds(std::stoll(std::string(value)));
    }
  }
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  if (has_data_) {
    data_.pop_back();  // the '\n' after the last data line
    SseEvent event;
    event.type = type_.empty() ? "message" : std::move(type_);
    event.data = std::move(data_);
    event.id = last_id_;
    out.push_back(std::move(event));
  }
  data_.clear();
  type_.clear();
  has_data_ = false;
}

}  // namespace baton::providers
