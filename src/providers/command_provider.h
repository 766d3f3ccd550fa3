#pragma once

#include <memory>
#include <string>
#include <vector>

#include "src/base/event_loop.h"
#include "src/providers/provider.h"
#include "src/tools/process.h"

namespace baton::providers {

// The text a command model reads on stdin: a lone user message is its text exactly; several
// messages come in order, separated by a blank line, each headed by a line naming its role
// ("### system", "### user", "### assistant").
std::string command_prompt(const std::vector<ChatMessage>& messages);

// A ModelProvider for `provider: command` models: each call runs the model's `command` (argv, no
// shell) through `processes`, writes command_prompt() on its stdin, and answers with its stdout.
// The environment adds BATON_MODEL (the model block's `model`), BATON_STEP, and, when the model
// sets them, BATON_TEMPERATURE and BATON_MAX_TOKENS. The call's timeout kills the program (and
// what it started): kTimeout. A non-zero exit or a signal is kUnavailable with the end of stderr
// as the error; a program that cannot start keeps the runner's error. Token counts are 0: a
// local program reports none. A call with on_delta gets the whole answer as one delta.
//
// `processes` must outlive the provider and run on `loop`. Not thread-safe: use it on the loop's
// thread. Destroying it kills its programs without calling back.
std::unique_ptr<ModelProvider> make_command_provider(EventLoop& loop,
                                                     tools::ProcessRunner& processes);

}  // namespace baton::providers
