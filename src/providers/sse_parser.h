#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::providers {

// One server-sent event.
struct SseEvent {
  std::string type = "message";  // the `event:` field; "message" when there was none
  std::string data;              // the `data:` lines, joined with '\n'
  std::string id;                // the last `id:` seen in the stream so far
};

// An incremental parser of a text/event-stream body (the WHATWG HTML "server-sent events"
// interpretation): bytes in, whole events out. The bytes may be split anywhere, even inside a
// CRLF or a UTF-8 sequence. Lines end with CRLF, LF or CR. A line starting with ':' is a comment;
// `field: value` loses one space after the colon; a line without a colon is a field with an
// empty value; unknown fields are ignored. A blank line ends an event; an event without data is
// not given out (as the standard says). A UTF-8 byte-order mark at the very start is skipped.
// Payloads such as OpenAI's "[DONE]" are the caller's business.
//
// Pure and cheap: no I/O, no allocation per byte. Not thread-safe.
//
//   SseParser parser;
//   for (const SseEvent& event : parser.feed(bytes)) handle(event);
//   for (const SseEvent& event : parser.finish()) handle(event);
class SseParser {
 public:
  // The events that `bytes` completed, in order.
  std::vector<SseEvent> feed(std::string_view bytes);

  // The end of the stream; call it once, last. Unlike the standard, which drops an event that no
  // blank line ended, this gives it out when its last line is complete (some servers close right
  // after it). A partial last line is dropped: see has_partial_line() beforehand to tell a cut
  // stream.
  std::vector<SseEvent> finish();

  // True while bytes of an unfinished line are buffered.
  bool has_partial_line() const { return !line_.empty(); }
  // The last valid `retry:` field (the reconnection delay the server asked for), if any.
  std::optional<std::chrono::milliseconds> retry() const { return retry_; }

 private:
  void scan(std::string_view bytes, std::vector<SseEvent>& out);
  void take_line(std::string_view line, std::vector<SseEvent>& out);
  void dispatch(std::vector<SseEvent>& out);

  std::string line_;       // an unfinished line
  bool after_cr_ = false;  // the last byte was a CR: a following LF belongs to it
  bool at_start_ = true;   // nothing read yet: a BOM may come
  std::string bom_;        // the start of a BOM, when split across feeds
  bool has_data_ = false;  // a data field was seen in the current event
  std::string data_;       // the current event's data, each line followed by '\n'
  std::string type_;       // the current event's type ("" until an `event:` line)
  std::string last_id_;    // persists across events
  std::optional<std::chrono::milliseconds> retry_;
};

}  // namespace baton::providers
