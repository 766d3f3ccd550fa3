// The cost of a run before it runs. Steps are visited in dependency order with a context like
// the run's: value steps are evaluated, a model's answer is stood in for by as much text as its
// max_tokens allows (so that prompts quoting it are measured at their longest), and what
// commands, humans and handlers will produce is unknown (empty).
#include "src/engine/estimate.h"

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "src/engine/render.h"
#include "src/engine/run_records.h"

namespace baton::engine {
namespace {

constexpr std::size_t kBytesPerToken = 3;  // as estimated_prompt_tokens counts

// A step's fields with `output` set to `output` and the others to none, once per item.
lang::Value stand_in(const lang::Step& step, const lang::Value& output, int items) {
  auto one = [&] {
    lang::ValueDict fields;
    const lang::LoopStep* loop = step.loop_body();
    for (const std::string& field : loop != nullptr ? loop->fields : lang::step_fields(step.kind)) {
      fields.set(field, field == "output" ? output : lang::Value::none());
    }
    return fields;
  };
  if (!step.for_each) return lang::Value(one());
  // A for_each step's result holds, for each field, the list of its items' values.
  lang::ValueDict fields;
  for (const std::string& field : lang::step_fields(step.kind)) {
    lang::ValueList values(static_cast<std::size_t>(items),
                           field == "output" ? output : lang::Value::none());
    fields.set(field, lang::Value(std::move(values)));
  }
  return lang::Value(std::move(fields));
}

class Estimator {
 public:
  Estimator(const lang::Workflow& workflow, const lang::Value& inputs) : workflow_(workflow) {
    context_.set("inputs", inputs);
  }

  CostEstimate run() {
    by_step_.resize(workflow_.steps.size());
    for (std::size_t index : dependency_order()) visit(index);
    // In the workflow's order, as `baton show` lists steps.
    for (std::optional<StepCostEstimate>& step : by_step_) {
      if (step) estimate_.steps.push_back(std::move(*step));
    }
    for (const StepCostEstimate& step : estimate_.steps) {
      estimate_.input_tokens += step.input_tokens;
      estimate_.output_tokens += step.output_tokens;
      estimate_.usd += step.usd;
    }
    return std::move(estimate_);
  }

 private:
  std::vector<std::size_t> dependency_order() const {
    const std::size_t count = workflow_.steps.size();
    std::vector<int> pending(count, 0);
    std::vector<std::vector<std::size_t>> dependents(count);
    for (std::size_t index = 0; index < count; ++index) {
      for (std::size_t dependency : workflow_.steps[index].dependencies) {
        ++pending[index];
        dependents[dependency].push_back(index);
      }
    }
    std::deque<std::size_t> ready;
    for (std::size_t index = 0; index < count; ++index) {
      if (pending[index] == 0) ready.push_back(index);
    }
    std::vector<std::size_t> order;
    while (!ready.empty()) {
      const std::size_t index = ready.front();
      ready.pop_front();
      order.push_back(index);
      for (std::size_t dependent : dependents[index]) {
        if (--pending[dependent] == 0) ready.push_back(dependent);
      }
    }
    return order;  // the checker refuses cycles, so every step is here
  }

  // The items of a for_each step, or nullopt when they are not known before the run.
  std::optional<lang::ValueList> items_of(const lang::Step& step) const {
    Result<lang::Value> items = evaluate_data(*step.for_each, context_, "for_each");
    if (!items || !items->is_list()) return std::nullopt;
    return items->as_list();
  }

  void visit(std::size_t index) {
    const lang::Step& step = workflow_.steps[index];
    std::optional<lang::ValueList> items;
    if (step.for_each) items = items_of(step);
    const int count = step.for_each ? (items ? static_cast<int>(items->size()) : 1) : 1;
    if (const lang::PromptStep* prompt = step.prompt()) {
      by_step_[index] = estimate_prompt(step, *prompt, items, count);
    } else if (const lang::ValueStep* value = step.value(); value != nullptr && !step.for_each) {
      Result<lang::Value> evaluated = evaluate_data(value->value, context_, "value");
      context_.set(step.name, stand_in(step, evaluated ? *evaluated : lang::Value(""), count));
    } else {
      context_.set(step.name, stand_in(step, lang::Value(""), count));
    }
  }

  StepCostEstimate estimate_prompt(const lang::Step& step, const lang::PromptStep& prompt,
                                   const std::optional<lang::ValueList>& items, int count) {
    StepCostEstimate estimate;
    estimate.step = step.id;
    estimate.model = prompt.model;
    // A step in a loop is counted once per iteration, for as many as the loop may run.
    const lang::LoopStep* loop = step.loop ? workflow_.steps[*step.loop].loop_body() : nullptr;
    const int iterations = loop != nullptr ? loop->max : 1;
    estimate.calls = count * iterations;
    estimate.calls_known = !step.for_each || items.has_value();
    if (!estimate.calls_known) {
      estimate.note = "the items come from earlier steps: one call counted";
    }
    const lang::Model* model = workflow_.find_model(prompt.model);
    for (int call = 0; call < count; ++call) {
      lang::Context context(&context_);
      if (items) context.set(step.as, (*items)[static_cast<std::size_t>(call)]);
      if (loop != nullptr) {  // the first iteration's
        lang::ValueDict first;
        first.set("index", lang::Value(1));
        first.set("index0", lang::Value(0));
        first.set("first", lang::Value(true));
        first.set("max", lang::Value(loop->max));
        first.set("previous", lang::Value::none());
        context.set("loop", lang::Value(std::move(first)));
      }
      Result<std::vector<providers::ChatMessage>> messages = render_messages(prompt, context);
      if (messages) {
        estimate.input_tokens += estimated_prompt_tokens(*messages);
      } else if (estimate.note.empty()) {
        estimate.note =
            "the prompt could not be rendered before the run: " + messages.error().to_string();
      }
    }
    estimate.input_tokens *= iterations;
    const std::int64_t max_tokens = model != nullptr ? model->max_tokens.value_or(0) : 0;
    estimate.output_tokens = max_tokens * estimate.calls;
    if (max_tokens == 0 && estimate.note.empty()) {
      estimate.note = "the model has no max_tokens: its answers are not counted";
    }
    if (model != nullptr && !model->price && estimate.note.empty()) {
      estimate.note = "the model has no price";
    }
    if (model != nullptr) {
      estimate.usd = call_cost_usd(*model, estimate.input_tokens, estimate.output_tokens);
    }
    if (!estimate.note.empty() || (model != nullptr && !model->price)) {
      estimate_.complete = false;
    }
    const lang::Value answer(
        std::string(static_cast<std::size_t>(max_tokens) * kBytesPerToken, 'x'));
    context_.set(step.name, stand_in(step, answer, count));
    return estimate;
  }

  const lang::Workflow& workflow_;
  lang::Context context_;
  CostEstimate estimate_;
  std::vector<std::optional<StepCostEstimate>> by_step_;  // the prompt steps'
};

}  // namespace

std::int64_t estimated_prompt_tokens(const std::vector<providers::ChatMessage>& messages) {
  std::int64_t tokens = 0;
  for (const providers::ChatMessage& message : messages) {
    tokens += 8 + static_cast<std::int64_t>((message.content.size() + kBytesPerToken - 1) /
                                            kBytesPerToken);
  }
  return tokens;
}

CostEstimate estimate_cost(const lang::Workflow& workflow, const lang::Value& inputs) {
  return Estimator(workflow, inputs).run();
}

}  // namespace baton::engine
