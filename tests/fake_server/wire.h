#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fake_server/fake_openai_server.h"

// The fake server's wire formats (OpenAI chat completions, Anthropic messages), apart from its
// HTTP plumbing and scripting: requests are validated as the real API does, replies and errors
// rendered in its shape. Text in, text out.

namespace baton::fake::wire {

// What the server needs of a model request, whatever the API.
struct ModelRequest {
  std::string model;
  std::string last_user_message;
  long prompt_tokens = 0;  // a crude estimate: 3 per message + about four bytes per token
  bool stream = false;
  bool include_usage = false;  // OpenAI's stream_options.include_usage
};

// What to answer.
struct Reply {
  std::string id;
  std::string text;
  std::vector<ToolCallSpec> tool_calls;
  long prompt_tokens = 0;
  long completion_tokens = 0;
  long cached_tokens = 0;
  long cache_creation_tokens = 0;
  long reasoning_tokens = 0;
};

// A whole HTTP answer.
struct Answer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

class Format {
 public:
  virtual ~Format() = default;

  // The request, or the 400 the API answers.
  virtual std::optional<ModelRequest> parse(const std::string& body, Answer& error) const = 0;
  // The API's error body for `status` ("invalid_api_key" and the like for 401).
  virtual std::string error_body(int status, std::string_view message) const = 0;
  // A non-streamed reply.
  virtual std::string whole(const ModelRequest& request, const Reply& reply) const = 0;
  // A streamed reply, one complete event ("...\n\n") per element, the end marker last
  // ([DONE], message_stop).
  virtual std::vector<std::string> events(const ModelRequest& request,
                                          const Reply& reply) const = 0;
  // An event whose data is cut JSON.
  virtual std::string malformed_event() const = 0;
  // The error event the API sends mid-stream for a failure that `status` would answer.
  virtual std::string error_event(int status) const = 0;
};

const Format& openai_format();
const Format& anthropic_format();

// Helpers shared by the formats.
long tokens_in(std::string_view text);  // about four bytes per token, 0 for ""

}  // namespace baton::fake::wire
