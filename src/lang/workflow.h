#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "baton/error.h"
#include "src/lang/template/template.h"
#include "src/lang/template/value.h"

namespace baton::contracts {
class Schema;
class Pattern;
}  // namespace baton::contracts

namespace baton::lang {

// The checked model of a workflow file. A Workflow is built only by load_workflow() (loader.h)
// and only when the file has no error; it is immutable afterwards and may be shared by threads.

using Milliseconds = std::chrono::milliseconds;

// A template parsed once, with where its text starts in the file.
struct LocatedTemplate {
  Template text;
  SourceSpan span;
};

struct DataField;

// YAML data whose strings are templates: `value:` steps, `outputs`, a `for_each` list.
struct DataTemplate {
  enum class Kind { kConstant, kTemplate, kList, kMapping };

  Kind kind = Kind::kConstant;
  Value constant = Value::none();       // kConstant: null, bool, number
  std::optional<LocatedTemplate> text;  // kTemplate: every YAML string
  std::vector<DataTemplate> items;      // kList
  std::vector<DataField> fields;        // kMapping, in file order
  SourceSpan span;
};

// One `key: value` of a mapping DataTemplate (named like std::pair's members; a pair of an
// incomplete type cannot be a member of that type).
struct DataField {
  std::string first;
  DataTemplate second;
};

enum class InputType { kString, kNumber, kInteger, kBoolean, kList, kObject };
std::string_view input_type_name(InputType type);
// Whether `value` is of the input type (an integer is also a number).
bool matches_input_type(const Value& value, InputType type);

struct Input {
  std::string name;
  InputType type = InputType::kString;
  std::string description;
  std::optional<Value> default_value;  // matches `type`
  bool required = true;                // false when there is a default or `required: false`
  SourceSpan span;
};

struct RetryPolicy {
  int attempts = 1;  // total attempts, >= 1
  Milliseconds backoff{0};
  Milliseconds max_backoff{0};  // 0: no cap
};

struct Price {  // USD per million tokens
  double input = 0;
  double output = 0;
  double cached_input = 0;  // input read from the provider's prompt cache; `input` when not given
  std::optional<double> cache_write;  // input written to it (Anthropic); 1.25 x input when unset
};

// `rate_limit:` of a model block: what the API allows per minute. It holds for every model that
// shares the block's API key variable and base URL (the limit an API enforces is its key's).
struct RateLimit {
  std::optional<std::int64_t> requests_per_minute;  // `rpm`
  std::optional<std::int64_t> tokens_per_minute;    // `tpm`: prompt (estimated) + max_tokens
};

enum class Provider { kOpenAi, kAnthropic, kFixture, kCommand };
std::string_view provider_name(Provider provider);

struct Model {
  std::string name;
  Provider provider = Provider::kOpenAi;
  std::string model;
  std::string base_url;
  std::string api_key_env;  // the NAME of an environment variable, never a key
  std::optional<double> temperature;
  std::optional<std::int64_t> max_tokens;
  std::optional<std::int64_t> concurrency;
  std::optional<RateLimit> rate_limit;
  std::optional<RetryPolicy> retry;
  std::vector<std::string> fallback;  // declared model names, acyclic
  std::optional<Price> price;
  Value parameters = Value::none();  // a dict passed through to the provider, or none
  // `cache:`: whether answers are kept in and taken from the response cache. Unset: cached
  // when temperature is 0 or parameters has a seed (the answer is meant to be repeatable).
  std::optional<bool> cache;
  // `provider: command`: the program run for each call (argv, no shell), which reads the
  // messages on stdin and writes the answer on stdout.
  std::vector<std::string> command;
  SourceSpan span;
};

struct Defaults {
  std::string model;  // empty: none
  std::optional<RetryPolicy> retry;
  int repair = 0;  // repairs of a prompt step without `repair`
  std::optional<Milliseconds> timeout;
  std::optional<LocatedTemplate> system;
};

struct Budget {
  std::optional<double> usd;
  std::optional<std::int64_t> tokens;
};

enum class StepKind { kPrompt, kRun, kHuman, kValue, kCall, kLoop };
std::string_view step_kind_name(StepKind kind);
// The fields of a step's result that templates may read ("output", "json", ...). A loop's
// fields also hold its steps' names (LoopStep::fields).
const std::vector<std::string>& step_fields(StepKind kind);

struct Message {
  std::string role;  // system | user | assistant
  LocatedTemplate content;
};

// `output: {check: ...}`: a command that receives the answer on stdin (and in the file named by
// $BATON_ANSWER_FILE) and passes it by exiting with 0.
struct CheckCommand {
  std::vector<LocatedTemplate> argv;     // a list: no shell
  std::optional<LocatedTemplate> shell;  // a string: run by /bin/sh -c
  std::optional<Milliseconds> timeout;   // none: no limit
  SourceSpan span;
};

// A prompt step's `output:`: what its answer must satisfy, checked in this order; the first
// that fails gives the feedback. Compiled when the workflow loads; immutable afterwards.
struct OutputContract {
  // Shared with the copies of the Workflow that hold this step (a Schema is move-only).
  std::shared_ptr<const contracts::Schema> schema;
  std::shared_ptr<const contracts::Pattern> pattern;
  std::optional<CheckCommand> check;

  bool empty() const { return !schema && !pattern && !check; }
};

enum class OnFailure { kFail, kAsk };

struct PromptStep {
  std::string model;                      // resolved: the step's `model` or defaults.model
  std::optional<LocatedTemplate> prompt;  // exactly one of prompt and messages
  std::vector<Message> messages;
  std::optional<LocatedTemplate> system;  // the step's, else defaults.system
  OutputContract output;
  int repair = 0;  // re-prompts per model after a rejected answer: the step's, else defaults'
  OnFailure on_failure = OnFailure::kFail;
  std::optional<bool> cache;  // `cache:`; wins over the model's
};

struct RunStep {
  std::vector<LocatedTemplate> argv;     // `run: [...]`: no shell
  std::optional<LocatedTemplate> shell;  // `run: "..."`: run by /bin/sh -c
  std::optional<LocatedTemplate> stdin_text;
  std::vector<std::pair<std::string, LocatedTemplate>> env;
  std::optional<LocatedTemplate> cwd;
};

struct HumanStep {
  LocatedTemplate question;
  std::optional<LocatedTemplate> show;
  Value input_schema = Value::none();  // a dict describing the answer, or none
};

struct ValueStep {
  DataTemplate value;
};

// A C++ function that the embedding program registered under `handler` (Engine::register_handler).
struct CallStep {
  std::string handler;
  std::optional<DataTemplate> with;  // its input; none when absent
};

// `loop:`: a group of steps run again and again, each iteration seeing the previous one's
// results, until `until` holds after an iteration or `max` iterations ran.
struct LoopStep {
  static constexpr int kMaxIterations = 1000;

  int max = 1;                           // 1..kMaxIterations
  std::optional<LocatedTemplate> until;  // none: exactly `max` iterations
  // Its steps (indices into Workflow::steps), each after the steps it reads in the iteration.
  std::vector<std::size_t> body;
  std::vector<std::string> fields;  // its steps' names, then "iterations"
};

struct Step {
  // The id in the journal and in `baton` commands; a step inside a loop is "<loop>.<name>".
  std::string id;
  std::string name;  // what templates call it: the id, or the name inside its loop
  std::string description;
  StepKind kind = StepKind::kValue;
  std::variant<PromptStep, RunStep, HumanStep, ValueStep, CallStep, LoopStep> body;
  // The loop this step belongs to (an index into Workflow::steps); none for a top-level step.
  std::optional<std::size_t> loop;
  std::vector<std::string> needs;
  std::optional<LocatedTemplate> when;
  std::optional<DataTemplate> for_each;
  std::string as = "item";
  std::optional<RetryPolicy> retry;     // the step's, else defaults.retry (engine decides)
  std::optional<Milliseconds> timeout;  // the step's, else defaults.timeout
  // Indices into Workflow::steps: references + needs. A loop depends on what its steps read
  // outside it; a step in a loop, on its loop's other steps it reads and on outside steps.
  std::vector<std::size_t> dependencies;
  SourceSpan span;  // the step id
  // A digest of the step's definition (fingerprint.h): a result computed under another
  // fingerprint was computed by another definition.
  std::string fingerprint;

  const PromptStep* prompt() const { return std::get_if<PromptStep>(&body); }
  const RunStep* run() const { return std::get_if<RunStep>(&body); }
  const HumanStep* human() const { return std::get_if<HumanStep>(&body); }
  const ValueStep* value() const { return std::get_if<ValueStep>(&body); }
  const CallStep* call() const { return std::get_if<CallStep>(&body); }
  const LoopStep* loop_body() const { return std::get_if<LoopStep>(&body); }
};

struct Output {
  std::string name;
  DataTemplate value;
};

struct Workflow {
  std::string name;
  std::string description;
  std::string file;  // the display name it was loaded under
  std::vector<Input> inputs;
  std::vector<Model> models;
  Defaults defaults;
  Budget budget;
  // The top-level steps in file order, then the steps inside loops (loop by loop, in file order).
  std::vector<Step> steps;
  // Every top-level step after its dependencies; stable. A loop's steps are in LoopStep::body.
  std::vector<std::size_t> topological_order;
  std::vector<Output> outputs;

  // nullptr when there is no such step / model / input.
  const Step* find_step(std::string_view id) const;
  const Model* find_model(std::string_view wanted) const;
  const Input* find_input(std::string_view wanted) const;

  std::unordered_map<std::string, std::size_t> step_index;  // id -> index into steps
};

}  // namespace baton::lang
