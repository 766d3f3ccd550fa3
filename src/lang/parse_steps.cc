// steps: id -> step, one kind each; and outputs.
#include <algorithm>
#include <string>
#include <unordered_set>

#include <fmt/format.h>

#include "src/lang/sections.h"

namespace baton::lang {
namespace {

const std::vector<std::string> kCommonKeys = {"description", "needs", "when",   "for_each",
                                              "as",          "retry", "timeout"};
const std::vector<std::string> kPromptKeys = {"prompt", "messages", "model",      "system",
                                              "output", "repair",   "on_failure", "cache"};
const std::vector<std::string> kRunKeys = {"run", "stdin", "env", "cwd"};
const std::vector<std::string> kHumanKeys = {"human", "show", "input"};
const std::vector<std::string> kValueKeys = {"value"};
const std::vector<std::string> kCallKeys = {"call", "with"};
const std::vector<std::string> kLoopKeys = {"loop"};
constexpr StepKind kKinds[] = {StepKind::kPrompt, StepKind::kRun,  StepKind::kHuman,
                               StepKind::kValue,  StepKind::kCall, StepKind::kLoop};

const std::vector<std::string>& kind_keys(StepKind kind) {
  switch (kind) {
    case StepKind::kPrompt:
      return kPromptKeys;
    case StepKind::kRun:
      return kRunKeys;
    case StepKind::kHuman:
      return kHumanKeys;
    case StepKind::kValue:
      return kValueKeys;
    case StepKind::kCall:
      return kCallKeys;
    case StepKind::kLoop:
      return kLoopKeys;
  }
  return kValueKeys;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys = kCommonKeys;
  for (StepKind kind : kKinds) {
    keys.insert(keys.end(), kind_keys(kind).begin(), kind_keys(kind).end());
  }
  return keys;
}

bool list_valued(const Value& value) { return value.is_list(); }

// The kind a step key gives its step, if it is one of the kind keys.
std::optional<StepKind> kind_of_key(const YamlNode& key) {
  if (!key.is_scalar()) return std::nullopt;
  if (key.value == "prompt" || key.value == "messages") return StepKind::kPrompt;
  if (key.value == "run") return StepKind::kRun;
  if (key.value == "human") return StepKind::kHuman;
  if (key.value == "value") return StepKind::kValue;
  if (key.value == "call") return StepKind::kCall;
  if (key.value == "loop") return StepKind::kLoop;
  return std::nullopt;
}

struct KindKey {
  const YamlNode* key = nullptr;  // nullptr: none
  StepKind kind = StepKind::kValue;
};

// The first key that gives the step its kind, and the first later one that gives it another
// kind (an error: a step does exactly one thing).
std::pair<KindKey, KindKey> kind_keys_of(const YamlNode& step) {
  KindKey first;
  for (const auto& [key, value] : step.entries) {
    std::optional<StepKind> kind = kind_of_key(key);
    if (!kind) continue;
    if (first.key == nullptr) {
      first = {&key, *kind};
    } else if (*kind != first.kind) {
      return {first, {&key, *kind}};
    }
  }
  return {first, {}};
}

// What parsing the steps fills in, by index in Scope::step_ids (steps inside loops included).
struct StepTable {
  explicit StepTable(std::size_t count) : parsed(count), spans(count), dependencies(count) {}

  std::vector<std::optional<Step>> parsed;  // nullopt: not parsed, or it had errors
  std::vector<SourceSpan> spans;
  std::vector<std::vector<std::size_t>> dependencies;  // indices into Scope::step_ids
};

class StepParser {
 public:
  // `loop`: the id of the loop whose steps it parses; "" at the top level.
  StepParser(LoadContext& context, const Scope& scope, const Workflow& workflow, StepTable& table,
             std::string loop = "")
      : context_(context),
        scope_(scope),
        workflow_(workflow),
        table_(table),
        loop_(std::move(loop)) {}

  // Parses the step declared at `index` into the table. A loop parses its steps too.
  void parse_into_table(const YamlNode& key, const YamlNode& node, std::size_t index);

 private:
  void check_keys(const YamlNode& node, StepKind kind);
  std::optional<LocatedTemplate> text(const YamlNode& node, const std::string& what);
  std::optional<PromptStep> prompt(const YamlNode& key, const YamlNode& node);
  void contract(const YamlNode& node, PromptStep& step);
  std::optional<RunStep> run(const YamlNode& node);
  std::optional<HumanStep> human(const YamlNode& node);
  std::optional<CallStep> call(const YamlNode& node);
  std::optional<LoopStep> loop(const YamlNode& node, std::size_t index);
  std::optional<Step> parse(const YamlNode& key, const YamlNode& node,
                            std::vector<std::size_t>& dependencies);
  void check_for_each(const YamlNode& node, const DataTemplate& data);
  void check_when(const YamlNode& node, const LocatedTemplate& when);

  LoadContext& context_;
  const Scope& scope_;
  const Workflow& workflow_;
  StepTable& table_;
  std::string loop_;
  std::string id_;
  std::string name_;  // what templates call it
  std::string what_;
  std::string path_;  // steps.<id>, for the keys under it
  std::string loop_variable_;
  std::vector<std::size_t>* dependencies_ = nullptr;
  bool ok_ = true;
};

void StepParser::check_keys(const YamlNode& node, StepKind kind) {
  static const std::vector<std::string> kAll = all_keys();
  for (const auto& [key, value] : node.entries) {
    if (!key.is_scalar()) continue;
    const std::string& name = key.value;
    if (std::find(kCommonKeys.begin(), kCommonKeys.end(), name) != kCommonKeys.end()) continue;
    const auto& own = kind_keys(kind);
    if (std::find(own.begin(), own.end(), name) != own.end()) continue;
    ok_ = false;
    if (std::find(kAll.begin(), kAll.end(), name) != kAll.end()) {
      std::string_view owner = "value";
      for (StepKind other : kKinds) {
        const auto& keys = kind_keys(other);
        if (std::find(keys.begin(), keys.end(), name) != keys.end()) {
          owner = step_kind_name(other);
        }
      }
      context_.error(key, fmt::format("'{}' applies only to {} steps, and {} is a {} step", name,
                                      owner, what_, step_kind_name(kind)));
    } else {
      context_.error(
          key, fmt::format("unknown key '{}' in {}{}", name, what_, did_you_mean(name, kAll)));
    }
  }
}

std::optional<LocatedTemplate> StepParser::text(const YamlNode& node, const std::string& what) {
  auto parsed = context_.template_text(node, FieldName(path_, what));
  if (!parsed) {
    ok_ = false;
    return std::nullopt;
  }
  check_references(context_, node, parsed->text, scope_, name_, loop_variable_, *dependencies_);
  return parsed;
}

std::optional<PromptStep> StepParser::prompt(const YamlNode& key, const YamlNode& node) {
  PromptStep step;
  const YamlNode* prompt = LoadContext::find(node, "prompt");
  const YamlNode* messages = LoadContext::find(node, "messages");
  if (prompt != nullptr && messages != nullptr) {
    context_.error(*messages, fmt::format("{} has both 'prompt' and 'messages'; give one", what_));
    ok_ = false;
  }
  if (prompt != nullptr) step.prompt = text(*prompt, "prompt");
  if (messages != nullptr && prompt == nullptr) {
    if (!messages->is_sequence() || messages->items.empty()) {
      context_.error(
          *messages,
          fmt::format("steps.{}.messages must be a non-empty list of {{role, content}}", id_));
      ok_ = false;
    } else {
      for (const YamlNode& item : messages->items) {
        if (!context_.check_mapping(item, fmt::format("a message of {}", what_),
                                    {"role", "content"})) {
          ok_ = false;
          continue;
        }
        const YamlNode* role = LoadContext::find(item, "role");
        const YamlNode* content = LoadContext::find(item, "content");
        if (role == nullptr || content == nullptr) {
          context_.error(item, fmt::format("a message of {} needs 'role' and 'content'", what_));
          ok_ = false;
          continue;
        }
        if (!role->is_scalar() ||
            (role->value != "system" && role->value != "user" && role->value != "assistant")) {
          context_.error(*role,
                         fmt::format("a message role must be system, user or assistant{}",
                                     did_you_mean(role->value, {"system", "user", "assistant"})));
          ok_ = false;
          continue;
        }
        auto body = text(*content, "messages.content");
        if (body) step.messages.push_back({role->value, std::move(*body)});
      }
    }
  }
  if (const YamlNode* system = LoadContext::find(node, "system")) {
    step.system = text(*system, "system");
  } else {
    step.system = workflow_.defaults.system;
  }
  if (const YamlNode* cache = LoadContext::find(node, "cache")) {
    step.cache = context_.boolean(*cache, path_ + ".cache");
    ok_ = ok_ && step.cache.has_value();
  }
  if (const YamlNode* model = LoadContext::find(node, "model")) {
    if (auto name = context_.string(*model, path_ + ".model")) {
      if (workflow_.find_model(*name) == nullptr) {
        std::vector<std::string> names;
        for (const Model& declared : workflow_.models) names.push_back(declared.name);
        context_.error(*model, fmt::format("{} uses model '{}', which is not declared in "
                                           "models{}",
                                           what_, *name, did_you_mean(*name, names)));
        ok_ = false;
      }
      step.model = *name;
    } else {
      ok_ = false;
    }
  } else if (!workflow_.defaults.model.empty()) {
    step.model = workflow_.defaults.model;
  } else {
    context_.error(key, fmt::format("{} has no model: set 'model' on it or defaults.model", what_));
    ok_ = false;
  }
  contract(node, step);
  return step;
}

// `output`, `repair` and `on_failure`: what the answer must satisfy, and what to do when it
// does not.
void StepParser::contract(const YamlNode& node, PromptStep& step) {
  const YamlNode* output = LoadContext::find(node, "output");
  if (output != nullptr) {
    TemplateParser parse = [this](const YamlNode& at, const std::string& what) {
      return text(at, what);
    };
    std::optional<OutputContract> parsed = parse_output_contract(context_, *output, path_, parse);
    if (parsed) {
      step.output = std::move(*parsed);
    } else {
      ok_ = false;
    }
  }
  step.repair = workflow_.defaults.repair;
  if (const YamlNode* repair = LoadContext::find(node, "repair")) {
    std::optional<int> count = context_.repair_count(*repair, path_ + ".repair");
    if (!count) {
      ok_ = false;
    } else if (output == nullptr && *count > 0) {
      context_.error(*repair, fmt::format("{} has 'repair' but no 'output' contract: there is "
                                          "nothing to repair",
                                          what_));
      ok_ = false;
    } else {
      step.repair = *count;
    }
  }
  if (const YamlNode* on_failure = LoadContext::find(node, "on_failure")) {
    if (on_failure->is_scalar() && on_failure->value == "fail") {
      step.on_failure = OnFailure::kFail;
    } else if (on_failure->is_scalar() && on_failure->value == "ask") {
      step.on_failure = OnFailure::kAsk;
    } else {
      context_.error(*on_failure, fmt::format("{}.on_failure must be 'fail' or 'ask'{}", path_,
                                              did_you_mean(on_failure->value, {"fail", "ask"})));
      ok_ = false;
    }
  }
}

std::optional<RunStep> StepParser::run(const YamlNode& node) {
  RunStep step;
  const YamlNode& command = *LoadContext::find(node, "run");
  if (command.is_sequence()) {
    if (command.items.empty()) {
      context_.error(command, fmt::format("steps.{}.run is an empty command", id_));
      ok_ = false;
    }
    step.argv.reserve(command.items.size());
    for (const YamlNode& item : command.items) {
      if (auto arg = text(item, "run")) step.argv.push_back(std::move(*arg));
    }
  } else if (command.is_scalar()) {
    step.shell = text(command, "run");
    if (step.shell && command.value.find_first_not_of(" \t\n") == std::string::npos) {
      context_.error(command, fmt::format("steps.{}.run is an empty command", id_));
      ok_ = false;
    }
  } else {
    context_.error(command,
                   fmt::format("steps.{}.run must be a list of arguments or a shell command "
                               "string",
                               id_));
    ok_ = false;
  }
  if (const YamlNode* input = LoadContext::find(node, "stdin"))
    step.stdin_text = text(*input, "stdin");
  if (const YamlNode* cwd = LoadContext::find(node, "cwd")) step.cwd = text(*cwd, "cwd");
  if (const YamlNode* env = LoadContext::find(node, "env")) {
    if (context_.check_names(*env, path_ + ".env")) {
      for (const auto& [name, value] : env->entries) {
        if (!is_identifier(name.value)) {
          context_.error(name,
                         fmt::format("'{}' is not a valid environment variable name", name.value));
          ok_ = false;
          continue;
        }
        if (auto body = text(value, "env." + name.value)) {
          step.env.emplace_back(name.value, std::move(*body));
        }
      }
    } else {
      ok_ = false;
    }
  }
  return step;
}

std::optional<HumanStep> StepParser::human(const YamlNode& node) {
  auto question = text(*LoadContext::find(node, "human"), "human");
  if (!question) return std::nullopt;
  HumanStep step{std::move(*question), std::nullopt, Value::none()};
  if (const YamlNode* show = LoadContext::find(node, "show")) step.show = text(*show, "show");
  if (const YamlNode* input = LoadContext::find(node, "input")) {
    if (!input->is_mapping()) {
      context_.error(*input,
                     fmt::format("steps.{}.input must be a mapping describing the answer (a "
                                 "JSON-Schema-like object)",
                                 id_));
      ok_ = false;
    } else {
      step.input_schema = context_.data(*input);
    }
  }
  return step;
}

// for_each must give a list: reject what is known not to be one.
void StepParser::check_for_each(const YamlNode& node, const DataTemplate& data) {
  auto fail = [&](std::string why) {
    context_.error(node, fmt::format("steps.{}.for_each must be a list, but {}", id_, why));
    ok_ = false;
  };
  if (data.kind == DataTemplate::Kind::kList) return;
  if (data.kind == DataTemplate::Kind::kMapping) return fail("it is a mapping");
  if (data.kind == DataTemplate::Kind::kConstant) return fail("it is a scalar");
  const Template& text = data.text->text;
  if (auto constant = text.constant_value(); constant && !list_valued(*constant)) {
    return fail(constant->is_string() && text.references().empty() &&
                        text.source().find("{{") == std::string::npos
                    ? "it is a plain string; write \"{{ expression }}\""
                    : "it is a constant that is not a list");
  }
  auto path = text.single_reference();
  if (!path) {
    if (text.constant_value()) return;
    // Text around or between tags renders a string, never a list.
    const std::string& source = text.source();
    std::size_t open = source.find_first_not_of(" \t\n");
    std::size_t close = source.find_last_not_of(" \t\n");
    if (open == std::string::npos || source.compare(open, 2, "{{") != 0 ||
        source.compare(close - 1, 2, "}}") != 0) {
      fail("it renders text; write exactly one \"{{ expression }}\"");
    }
    return;
  }
  if (path->size() >= 2 && (*path)[0] == "inputs") {
    const Input* input = workflow_.find_input((*path)[1]);
    if (input != nullptr && path->size() == 2 && input->type != InputType::kList) {
      fail(fmt::format("input '{}' is of type {}", input->name, input_type_name(input->type)));
    }
    return;
  }
  auto step = scope_.steps.find((*path)[0]);
  if (step == scope_.steps.end() || path->size() != 2 || step->second.loops ||
      !step->second.valid) {
    return;
  }
  const std::string& field = (*path)[1];
  StepKind kind = step->second.kind;
  bool text_field = field == "stdout" || field == "stderr" || field == "exit_code" ||
                    field == "approved" || field == "reason" || field == "usage" ||
                    field == "model" ||
                    (field == "output" && (kind == StepKind::kPrompt || kind == StepKind::kRun));
  if (text_field) {
    fail(fmt::format("'{}.{}' is not a list{}", (*path)[0], field,
                     field == "output" ? fmt::format(" (its JSON is '{}.json')", (*path)[0]) : ""));
  }
}

void StepParser::check_when(const YamlNode& node, const LocatedTemplate& when) {
  if (when.text.references().empty()) {
    context_.error(node, fmt::format("steps.{}.when is a constant condition; a 'when' must read an "
                                     "input or a step, as in \"{{{{ review.approved }}}}\"",
                                     id_));
    ok_ = false;
  }
}

std::optional<CallStep> StepParser::call(const YamlNode& node) {
  CallStep step;
  const YamlNode& handler = *LoadContext::find(node, "call");
  if (!handler.is_scalar() || handler.value.empty()) {
    context_.error(handler, fmt::format("steps.{}.call must be the name of a handler", id_));
    ok_ = false;
  } else {
    step.handler = handler.value;
  }
  if (const YamlNode* with = LoadContext::find(node, "with")) {
    step.with = context_.data_template(*with, path_ + ".with");
    if (step.with) {
      check_data_references(context_, *with, *step.with, scope_, name_, loop_variable_,
                            *dependencies_);
    } else {
      ok_ = false;
    }
  }
  if (!ok_) return std::nullopt;
  return step;
}

std::optional<Step> StepParser::parse(const YamlNode& key, const YamlNode& node,
                                      std::vector<std::size_t>& dependencies) {
  name_ = key.value;
  id_ = loop_.empty() ? name_ : loop_ + "." + name_;
  what_ = fmt::format("step '{}'", id_);
  path_ = "steps." + id_;
  dependencies_ = &dependencies;
  Step step;
  step.id = id_;
  step.name = name_;
  step.span = context_.span_of(key);
  if (!node.is_mapping()) {
    context_.error(node.is_null() ? key : node, fmt::format("{} must be a mapping", what_));
    return std::nullopt;
  }
  context_.check_names(node, what_);
  auto [kind_key, other_kind_key] = kind_keys_of(node);
  if (kind_key.key == nullptr) {
    // A misspelt kind key ("promt") is the likely cause: point at it rather than the step.
    static const std::vector<std::string> kKindKeys = {"prompt", "messages", "run", "human",
                                                       "value",  "call",     "loop"};
    static const std::vector<std::string> kAll = all_keys();
    for (const auto& [entry_key, entry_value] : node.entries) {
      if (!entry_key.is_scalar()) continue;
      if (std::find(kAll.begin(), kAll.end(), entry_key.value) != kAll.end()) continue;
      std::string guess = closest_match(entry_key.value, kKindKeys);
      if (guess.empty()) continue;
      context_.error(entry_key, fmt::format("unknown key '{}' in {}; did you mean '{}'?",
                                            entry_key.value, what_, guess));
      return std::nullopt;
    }
    context_.error(key, fmt::format("{} has no kind: give it one of 'prompt', 'messages', "
                                    "'run', 'human', 'value', 'call' or 'loop'",
                                    what_));
    return std::nullopt;
  }
  if (other_kind_key.key != nullptr) {
    context_.error(*other_kind_key.key,
                   fmt::format("{} has two kinds, '{}' and '{}'; a step does exactly one thing",
                               what_, kind_key.key->value, other_kind_key.key->value));
    return std::nullopt;
  }
  step.kind = kind_key.kind;
  check_keys(node, step.kind);
  // A step inside a loop is journaled once per iteration, numbered like a for_each item: it
  // cannot fan out itself, nor hold another loop.
  for (const char* field : {"for_each", "as", "retry", "timeout"}) {
    const YamlNode* found = LoadContext::find(node, field);
    if (found == nullptr) continue;
    bool fan_out = std::string_view(field) == "for_each" || std::string_view(field) == "as";
    if (step.kind == StepKind::kLoop) {
      context_.error(*found, fmt::format("{} is a loop and cannot have '{}'{}", what_, field,
                                         fan_out ? "; a loop's steps run once per iteration"
                                                 : "; set it on the loop's steps"));
      ok_ = false;
    } else if (!loop_.empty() && fan_out) {
      context_.error(*found, fmt::format("{} is inside loop '{}' and cannot have '{}'; put the "
                                         "for_each step outside the loop",
                                         what_, loop_, field));
      ok_ = false;
    }
  }
  if (!loop_.empty() && step.kind == StepKind::kLoop) {
    context_.error(*kind_key.key,
                   fmt::format("{} is inside loop '{}': loops do not nest", what_, loop_));
    return std::nullopt;
  }

  if (const YamlNode* as = LoadContext::find(node, "as")) {
    if (!as->is_scalar() || !is_identifier(as->value) || as->value == "inputs" ||
        scope_.steps.contains(as->value)) {
      context_.error(*as,
                     fmt::format("steps.{}.as must be an identifier that is not 'inputs' nor a "
                                 "step id",
                                 id_));
      ok_ = false;
    } else {
      step.as = as->value;
    }
    if (LoadContext::find(node, "for_each") == nullptr) {
      context_.error(*as, fmt::format("{} has 'as' but no 'for_each'", what_));
      ok_ = false;
    }
  }
  if (const YamlNode* for_each = LoadContext::find(node, "for_each")) {
    // The list is computed before the loop variable exists.
    step.for_each = context_.data_template(*for_each, path_ + ".for_each");
    if (step.for_each) {
      check_data_references(context_, *for_each, *step.for_each, scope_, id_, "", dependencies);
      check_for_each(*for_each, *step.for_each);
    } else {
      ok_ = false;
    }
    loop_variable_ = step.as;
  }
  if (const YamlNode* when = LoadContext::find(node, "when")) {
    // Evaluated once per item in a for_each step.
    step.when = text(*when, "when");
    if (step.when) check_when(*when, *step.when);
  }
  if (const YamlNode* description = LoadContext::find(node, "description")) {
    if (auto value = context_.string(*description, path_ + ".description")) {
      step.description = *value;
    }
  }
  if (const YamlNode* needs = LoadContext::find(node, "needs")) {
    auto list = needs->is_scalar() ? std::optional<std::vector<std::string>>({needs->value})
                                   : context_.string_list(*needs, path_ + ".needs");
    if (list) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string& name = (*list)[i];
        const YamlNode& at = needs->is_scalar() ? *needs : needs->items[i];
        auto needed = scope_.steps.find(name);
        if (needed != scope_.steps.end() && name.find('.') != std::string::npos) {
          needed = scope_.steps.end();  // "loop.step": only the steps of a loop need each other
        }
        if (!loop_.empty() && name == loop_) {
          context_.error(at,
                         fmt::format("{} is inside loop '{}' and cannot need it", what_, loop_));
          ok_ = false;
        } else if (name == name_) {
          context_.error(at, fmt::format("{} needs itself", what_));
          ok_ = false;
        } else if (needed == scope_.steps.end()) {
          context_.error(at, fmt::format("{} needs '{}', which is not a step{}", what_, name,
                                         did_you_mean(name, scope_.step_ids)));
          ok_ = false;
        } else {
          step.needs.push_back(name);
          const std::size_t index = needed->second.index;
          if (std::find(dependencies.begin(), dependencies.end(), index) == dependencies.end()) {
            dependencies.push_back(index);
          }
        }
      }
    } else {
      ok_ = false;
    }
  }
  if (const YamlNode* retry = LoadContext::find(node, "retry")) {
    step.retry = context_.retry(*retry, path_ + ".retry");
    ok_ = ok_ && step.retry.has_value();
  }
  if (const YamlNode* timeout = LoadContext::find(node, "timeout")) {
    step.timeout = context_.duration(*timeout, path_ + ".timeout");
    ok_ = ok_ && step.timeout.has_value();
  }

  switch (step.kind) {
    case StepKind::kPrompt:
      if (auto body = prompt(key, node)) step.body = std::move(*body);
      break;
    case StepKind::kRun:
      if (auto body = run(node)) step.body = std::move(*body);
      break;
    case StepKind::kHuman:
      if (auto body = human(node)) {
        step.body = std::move(*body);
      } else {
        ok_ = false;
      }
      break;
    case StepKind::kCall:
      if (auto body = call(node)) step.body = std::move(*body);
      break;
    case StepKind::kLoop:
      if (auto body = loop(node, scope_.steps.at(id_).index)) {
        step.body = std::move(*body);
      } else {
        ok_ = false;
      }
      break;
    case StepKind::kValue: {
      const YamlNode& value = *LoadContext::find(node, "value");
      auto data = context_.data_template(value, path_ + ".value");
      if (data) {
        check_data_references(context_, value, *data, scope_, name_, loop_variable_, dependencies);
        step.body = ValueStep{std::move(*data)};
      } else {
        ok_ = false;
      }
      break;
    }
  }
  if (!ok_) return std::nullopt;
  return step;
}

void StepParser::parse_into_table(const YamlNode& key, const YamlNode& node, std::size_t index) {
  table_.spans[index] = context_.span_of(key);
  table_.parsed[index] = parse(key, node, table_.dependencies[index]);
}

// `loop: {max, until, steps}`. `index` is the loop's own index in Scope::step_ids. Its steps go
// into the table; the loop depends on what they (and `until`) read outside it.
std::optional<LoopStep> StepParser::loop(const YamlNode& node, std::size_t index) {
  const YamlNode& spec = *LoadContext::find(node, "loop");
  if (!context_.check_mapping(spec, path_ + ".loop", {"max", "until", "steps"})) {
    ok_ = false;
    return std::nullopt;
  }
  LoopStep loop;
  const YamlNode* max = LoadContext::find(spec, "max");
  if (max == nullptr) {
    const YamlNode* loop_key = &spec;
    for (const auto& [key, value] : node.entries) {
      if (&value == &spec) loop_key = &key;
    }
    context_.error(*loop_key,
                   fmt::format("{}.loop needs 'max', the most iterations it may run (1 to "
                               "{})",
                               path_, LoopStep::kMaxIterations));
    ok_ = false;
  } else if (auto count = context_.integer(*max, path_ + ".loop.max")) {
    if (*count < 1 || *count > LoopStep::kMaxIterations) {
      context_.error(*max, fmt::format("{}.loop.max must be from 1 to {}, not {}", path_,
                                       LoopStep::kMaxIterations, *count));
      ok_ = false;
    } else {
      loop.max = static_cast<int>(*count);
    }
  } else {
    ok_ = false;
  }

  // The loop's steps see each other by name, `loop`, and everything outside.
  Scope body = scope_;
  body.loop = id_;
  const Scope::StepInfo& self = scope_.steps.at(id_);
  for (const std::string& name : self.body) body.steps[name] = scope_.steps.at(id_ + "." + name);
  std::vector<std::size_t> inside;  // the indices of its steps
  for (const std::string& name : self.body) inside.push_back(body.steps.at(name).index);
  std::vector<std::size_t> read;  // what its steps and `until` read

  const YamlNode* steps = LoadContext::find(spec, "steps");
  if (steps == nullptr || !steps->is_mapping() || steps->entries.empty()) {
    context_.error(
        steps != nullptr ? *steps : spec,
        fmt::format("{}.loop needs 'steps': a mapping of the steps each iteration runs", path_));
    ok_ = false;
  } else if (context_.check_names(*steps, fmt::format("the steps of loop '{}'", id_))) {
    for (const auto& [key, value] : steps->entries) {
      if (!key.is_scalar()) continue;
      auto declared = scope_.steps.find(id_ + "." + key.value);
      if (declared == scope_.steps.end()) continue;  // an invalid name
      const std::size_t step = declared->second.index;
      if (table_.spans[step].is_known()) continue;  // a duplicate
      StepParser parser(context_, body, workflow_, table_, id_);
      parser.parse_into_table(key, value, step);
      if (!table_.parsed[step]) {
        ok_ = false;
        continue;
      }
      table_.parsed[step]->loop = index;
      for (std::size_t dependency : table_.dependencies[step]) read.push_back(dependency);
    }
  }
  if (const YamlNode* until = LoadContext::find(spec, "until")) {
    loop.until = context_.template_text(*until, FieldName(path_, "loop.until"));
    if (!loop.until) {
      ok_ = false;
    } else if (loop.until->text.references().empty()) {
      context_.error(*until, fmt::format("{}.loop.until is a constant condition; it must read "
                                         "the iteration's steps, as in \"{{{{ test.exit_code == 0 "
                                         "}}}}\"",
                                         path_));
      ok_ = false;
    } else {
      check_references(context_, *until, loop.until->text, body, "", "", read);
    }
  }
  for (std::size_t dependency : read) {
    if (std::find(inside.begin(), inside.end(), dependency) != inside.end()) continue;
    if (std::find(dependencies_->begin(), dependencies_->end(), dependency) ==
        dependencies_->end()) {
      dependencies_->push_back(dependency);
    }
  }
  loop.fields = self.body;
  loop.fields.push_back("iterations");
  return loop;
}

}  // namespace

void parse_steps(LoadContext& context, const YamlNode& node, Scope& scope, Workflow& workflow) {
  // Every declared step takes part in the graph, even one with errors, so that cycles are
  // reported together with the other errors.
  const std::size_t count = scope.step_ids.size();
  StepTable table(count);
  for (const auto& [key, value] : node.entries) {
    auto declared = key.is_scalar() ? scope.steps.find(key.value) : scope.steps.end();
    if (declared == scope.steps.end()) continue;  // an invalid id
    const std::size_t index = declared->second.index;
    if (table.spans[index].is_known()) continue;  // a duplicate
    StepParser parser(context, scope, workflow, table);
    parser.parse_into_table(key, value, index);
  }
  std::vector<std::size_t> order =
      order_steps(context, scope.step_ids, table.spans, table.dependencies);
  for (const std::optional<Step>& step : table.parsed) {
    if (!step) return;
  }
  // Complete: step i is declared step i.
  workflow.steps.reserve(count);
  workflow.step_index.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    workflow.step_index.emplace(table.parsed[i]->id, i);
    workflow.steps.push_back(std::move(*table.parsed[i]));
    workflow.steps[i].dependencies = std::move(table.dependencies[i]);
  }
  for (std::size_t index : order) {
    std::optional<std::size_t> loop = workflow.steps[index].loop;
    if (!loop) {
      workflow.topological_order.push_back(index);
    } else {
      std::get<LoopStep>(workflow.steps[*loop].body).body.push_back(index);
    }
  }
}

void parse_outputs(LoadContext& context, const YamlNode& node, const Scope& scope,
                   Workflow& workflow) {
  if (node.is_null()) return;
  if (!context.check_names(node, "outputs")) return;
  for (const auto& [key, value] : node.entries) {
    if (!is_identifier(key.value)) {
      context.error(key, fmt::format("output name '{}' is not an identifier", key.value));
      continue;
    }
    auto data = context.data_template(value, "outputs." + key.value);
    if (!data) continue;
    std::vector<std::size_t> ignored;
    check_data_references(context, value, *data, scope, "", "", ignored);
    workflow.outputs.push_back({key.value, std::move(*data)});
  }
}

}  // namespace baton::lang
