#pragma once

#include <memory>

#include "src/providers/wire_protocol.h"

namespace baton::providers {

// Reads OpenAI's streamed chat completions: "chat.completion.chunk" events whose choices[0].delta
// carries content, refusal and tool_calls pieces, a last chunk with usage (stream_options
// include_usage), then "[DONE]". Complete at "[DONE]", or once a finish_reason came (servers
// that omit "[DONE]"); events after "[DONE]" are ignored. An event with an "error" member (or of
// type "error") is an error event: it maps by error.code when that is a status number, else by
// its code or type (api_errors.h). The reply and response_json() are those of the equivalent
// chat.completion object, read by read_chat_completion, so streamed and whole replies agree.
std::unique_ptr<StreamDecoder> make_openai_stream_decoder();

}  // namespace baton::providers
