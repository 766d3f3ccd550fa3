#include "src/providers/scrub.h"

#include <algorithm>
#include <utility>

namespace baton::providers {
namespace {

constexpr std::string_view kRedacted = "[redacted]";
constexpr std::size_t kShortestSecret = 8;

}  // namespace

void scrub(std::string& text, std::string_view secret) {
  if (secret.size() < kShortestSecret) return;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

void scrub(ModelOutcome& outcome, const std::optional<std::string>& secret) {
  if (!secret) return;
  scrub(outcome.request_json, *secret);
  scrub(outcome.response_body, *secret);
  if (outcome.reply) {
    ModelReply& reply = *outcome.reply;
    scrub(reply.text, *secret);
    scrub(reply.model, *secret);
    scrub(reply.finish_reason, *secret);
    for (ToolCall& call : reply.tool_calls) {
      scrub(call.id, *secret);
      scrub(call.name, *secret);
      scrub(call.arguments, *secret);
    }
  } else if (outcome.reply.error().message().find(*secret) != std::string::npos) {
    std::string message = outcome.reply.error().message();
    scrub(message, *secret);
    Error error(outcome.reply.error().code(), std::move(message));
    if (outcome.reply.error().span()) error.with_span(*outcome.reply.error().span());
    outcome.reply = std::move(error);
  }
}

StreamScrubber::StreamScrubber(std::optional<std::string> secret) {
  if (secret && secret->size() >= kShortestSecret) secret_ = std::move(secret);
}

std::string StreamScrubber::feed(std::string_view piece) {
  if (!secret_) return std::string(piece);
  held_.append(piece);
  const std::string& secret = *secret_;
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = held_.find(secret); at != std::string::npos;
       at = held_.find(secret, from)) {
    out.append(held_, from, at - from);
    out += kRedacted;
    from = at + secret.size();
  }
  // Hold back the longest end of the rest that the secret starts with: the next piece may
  // complete it. A shorter match would let an occurrence starting earlier slip out.
  const std::size_t rest = held_.size() - from;
  std::size_t keep = std::min(rest, secret.size() - 1);
  while (keep > 0 && held_.compare(held_.size() - keep, keep, secret, 0, keep) != 0) --keep;
  out.append(held_, from, rest - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StreamScrubber::flush() { return std::exchange(held_, {}); }

}  // namespace baton::providers
