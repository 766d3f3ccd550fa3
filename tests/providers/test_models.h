#pragma once

#include <string>
#include <utility>
#include <vector>

#include "src/lang/workflow.h"
#include "src/providers/provider.h"

namespace baton::providers::testing {

inline lang::Model make_model(std::string model_name = "gpt-4o-mini") {
  lang::Model model;
  model.name = "fast";
  model.model = std::move(model_name);
  return model;
}

// A call of `model` (which must outlive it) with a system and a user message.
inline ModelCall make_call(const lang::Model& model, std::string user = "Say hello",
                           std::string step = "greet") {
  ModelCall call;
  call.model = &model;
  call.step_id = std::move(step);
  call.messages = {{"system", "You are terse."}, {"user", std::move(user)}};
  return call;
}

}  // namespace baton::providers::testing
