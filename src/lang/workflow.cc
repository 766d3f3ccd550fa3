#include "src/lang/workflow.h"

namespace baton::lang {

std::string_view input_type_name(InputType type) {
  switch (type) {
    case InputType::kString:
      return "string";
    case InputType::kNumber:
      return "number";
    case InputType::kInteger:
      return "integer";
    case InputType::kBoolean:
      return "boolean";
    case InputType::kList:
      return "list";
    case InputType::kObject:
      return "object";
  }
  return "?";
}

std::string_view provider_name(Provider provider) {
  switch (provider) {
    case Provider::kOpenAi:
      return "openai";
    case Provider::kAnthropic:
      return "anthropic";
    case Provider::kFixture:
      return "fixture";
    case Provider::kCommand:
      return "command";
  }
  return "?";
}

bool matches_input_type(const Value& value, InputType type) {
  switch (type) {
    case InputType::kString:
      return value.is_string();
    case InputType::kNumber:
      return value.is_number();
    case InputType::kInteger:
      return value.is_int();
    case InputType::kBoolean:
      return value.is_bool();
    case InputType::kList:
      return value.is_list();
    case InputType::kObject:
      return value.is_dict();
  }
  return false;
}

std::string_view step_kind_name(StepKind kind) {
  switch (kind) {
    case StepKind::kPrompt:
      return "prompt";
    case StepKind::kRun:
      return "run";
    case StepKind::kHuman:
      return "human";
    case StepKind::kValue:
      return "value";
    case StepKind::kCall:
      return "call";
    case StepKind::kLoop:
      return "loop";
  }
  return "?";
}

const Step* Workflow::find_step(std::string_view id) const {
  auto it = step_index.find(std::string(id));
  return it == step_index.end() ? nullptr : &steps[it->second];
}

const Model* Workflow::find_model(std::string_view wanted) const {
  for (const Model& model : models) {
    if (model.name == wanted) return &model;
  }
  return nullptr;
}

const Input* Workflow::find_input(std::string_view wanted) const {
  for (const Input& input : inputs) {
    if (input.name == wanted) return &input;
  }
  return nullptr;
}

}  // namespace baton::lang
