#pragma once

#include <memory>

#include "src/providers/wire_protocol.h"

namespace baton::providers {

// Reads Anthropic's streamed Messages: message_start (id, model, input usage),
// content_block_start / content_block_delta (text_delta: reply text; input_json_delta: a tool
// call's arguments; thinking deltas kept for the journal) / content_block_stop, message_delta
// (stop_reason, cumulative usage), message_stop; ping and unknown event types are ignored, as
// Anthropic asks. Complete at message_stop; events after it are ignored. An `error` event maps
// by its error.type (overloaded_error as 529, rate_limit_error as 429...: api_errors.h). The
// reply and response_json() are those of the equivalent message object, read by read_message.
std::unique_ptr<StreamDecoder> make_anthropic_stream_decoder();

}  // namespace baton::providers
