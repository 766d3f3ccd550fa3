// inputs, models, defaults and budget.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "src/lang/sections.h"

namespace baton::lang {
namespace {

std::optional<InputType> input_type(std::string_view name) {
  if (name == "string") return InputType::kString;
  if (name == "number") return InputType::kNumber;
  if (name == "integer") return InputType::kInteger;
  if (name == "boolean") return InputType::kBoolean;
  if (name == "list") return InputType::kList;
  if (name == "object") return InputType::kObject;
  return std::nullopt;
}

bool looks_like_key(std::string_view text) {
  if (text.starts_with("sk-") || text.starts_with("sk_") || text.starts_with("xai-") ||
      text.starts_with("AIza") || text.starts_with("ghp_") || text.starts_with("Bearer ")) {
    return true;
  }
  // An environment variable name is short and made of letters, digits and underscores.
  return !is_identifier(text) || text.size() > 64;
}

void parse_input(LoadContext& context, const YamlNode& key, const YamlNode& node,
                 Workflow& workflow) {
  const std::string what = fmt::format("input '{}'", key.value);
  const std::string path = "inputs." + key.value;
  if (!is_identifier(key.value)) {
    context.error(key, fmt::format("input name '{}' is not an identifier (letters, digits and "
                                   "'_', not starting with a digit)",
                                   key.value));
  }
  Input input;
  input.name = key.value;
  input.span = context.span_of(key);
  if (!context.check_mapping(node, what, {"type", "description", "default", "required"})) return;
  const YamlNode* type = LoadContext::find(node, "type");
  std::optional<InputType> parsed_type;
  if (type == nullptr) {
    context.error(key, fmt::format("{} has no 'type' (string, number, integer, boolean, list "
                                   "or object)",
                                   what));
  } else if (!type->is_scalar() || !(parsed_type = input_type(type->value))) {
    context.error(*type,
                  fmt::format("{}: unknown type '{}'; expected string, number, integer, boolean, "
                              "list or object{}",
                              what, type->value,
                              did_you_mean(type->value, {"string", "number", "integer", "boolean",
                                                         "list", "object"})));
  }
  if (parsed_type) input.type = *parsed_type;
  if (const YamlNode* description = LoadContext::find(node, "description")) {
    if (auto text = context.string(*description, path + ".description")) {
      input.description = *text;
    }
  }
  if (const YamlNode* required = LoadContext::find(node, "required")) {
    if (auto value = context.boolean(*required, path + ".required")) input.required = *value;
  }
  if (const YamlNode* value = LoadContext::find(node, "default")) {
    Value data = context.data(*value);
    if (parsed_type && !matches_input_type(data, *parsed_type)) {
      context.error(*value, fmt::format("the default of {} is not of its type {}", what,
                                        input_type_name(*parsed_type)));
    }
    input.default_value = std::move(data);
    input.required = false;
  }
  workflow.inputs.push_back(std::move(input));
}

std::optional<Provider> provider(std::string_view name) {
  if (name == "openai") return Provider::kOpenAi;
  if (name == "anthropic") return Provider::kAnthropic;
  if (name == "fixture") return Provider::kFixture;
  if (name == "command") return Provider::kCommand;
  return std::nullopt;
}

std::optional<double> non_negative(LoadContext& context, const YamlNode& node,
                                   const std::string& what) {
  auto value = context.number(node, what);
  if (value && (*value < 0 || !std::isfinite(*value))) {
    context.error(node, fmt::format("{} must be a number >= 0", what));
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> positive_int(LoadContext& context, const YamlNode& node,
                                         const std::string& what) {
  auto value = context.integer(node, what);
  if (value && *value <= 0) {
    context.error(node, fmt::format("{} must be an integer > 0", what));
    return std::nullopt;
  }
  return value;
}

void parse_model(LoadContext& context, const YamlNode& key, const YamlNode& node,
                 Workflow& workflow) {
  const std::string what = fmt::format("model '{}'", key.value);
  const std::string path = "models." + key.value;
  Model model;
  model.name = key.value;
  model.span = context.span_of(key);
  if (!context.check_mapping(node, what,
                             {"provider", "model", "base_url", "api_key_env", "temperature",
                              "max_tokens", "concurrency", "rate_limit", "retry", "fallback",
                              "price", "parameters", "cache", "command"})) {
    workflow.models.push_back(std::move(model));
    return;
  }
  if (const YamlNode* value = LoadContext::find(node, "provider")) {
    auto parsed = value->is_scalar() ? provider(value->value) : std::nullopt;
    if (parsed) {
      model.provider = *parsed;
    } else {
      context.error(
          *value,
          fmt::format("{}: unknown provider '{}'; expected openai, anthropic, "
                      "command or fixture{}",
                      what, value->value,
                      did_you_mean(value->value, {"openai", "anthropic", "command", "fixture"})));
    }
  } else {
    context.error(
        key, fmt::format("{} has no 'provider' (openai, anthropic, command or fixture)", what));
  }
  const YamlNode* command = LoadContext::find(node, "command");
  if (model.provider == Provider::kCommand) {
    if (command == nullptr) {
      context.error(key, fmt::format("{} uses provider 'command' but has no 'command' (the "
                                     "program to run, as a list: [program, arg, ...])",
                                     what));
    } else if (auto argv = context.string_list(*command, path + ".command")) {
      if (argv->empty()) {
        context.error(*command, fmt::format("{}.command must name a program", path));
      }
      model.command = std::move(*argv);
    }
  } else if (command != nullptr) {
    context.error(*command, fmt::format("{}.command applies only to provider 'command'", path));
  }
  if (const YamlNode* value = LoadContext::find(node, "model")) {
    if (auto text = context.string(*value, path + ".model")) model.model = *text;
  } else if (model.provider == Provider::kCommand) {
    model.model = model.name;  // the program needs no model name: BATON_MODEL gets the block's
  } else {
    context.error(key, fmt::format("{} has no 'model' (the provider's model name)", what));
  }
  if (const YamlNode* value = LoadContext::find(node, "base_url")) {
    if (auto text = context.string(*value, path + ".base_url")) model.base_url = *text;
  }
  if (const YamlNode* value = LoadContext::find(node, "api_key_env")) {
    if (auto text = context.string(*value, path + ".api_key_env")) {
      if (looks_like_key(*text)) {
        // Never echo the value: it may be a secret.
        context.error(*value, fmt::format("{}.api_key_env must name an environment variable "
                                          "(such as OPENAI_API_KEY), not hold a key",
                                          path));
      } else {
        model.api_key_env = *text;
      }
    }
  }
  if (const YamlNode* value = LoadContext::find(node, "temperature")) {
    auto number = context.number(*value, path + ".temperature");
    if (number && (*number < 0 || *number > 2)) {
      context.error(*value, fmt::format("{}.temperature must be between 0 and 2", path));
    } else if (number) {
      model.temperature = number;
    }
  }
  if (const YamlNode* value = LoadContext::find(node, "max_tokens")) {
    model.max_tokens = positive_int(context, *value, path + ".max_tokens");
  }
  if (const YamlNode* value = LoadContext::find(node, "concurrency")) {
    model.concurrency = positive_int(context, *value, path + ".concurrency");
  }
  if (const YamlNode* value = LoadContext::find(node, "rate_limit")) {
    if (context.check_mapping(*value, path + ".rate_limit", {"rpm", "tpm"})) {
      RateLimit limit;
      if (const YamlNode* item = LoadContext::find(*value, "rpm")) {
        limit.requests_per_minute = positive_int(context, *item, path + ".rate_limit.rpm");
      }
      if (const YamlNode* item = LoadContext::find(*value, "tpm")) {
        limit.tokens_per_minute = positive_int(context, *item, path + ".rate_limit.tpm");
      }
      if (LoadContext::find(*value, "rpm") == nullptr &&
          LoadContext::find(*value, "tpm") == nullptr) {
        context.error(*value, fmt::format("{}.rate_limit needs rpm (requests per minute), tpm "
                                          "(tokens per minute) or both",
                                          path));
      }
      model.rate_limit = limit;
    }
  }
  if (const YamlNode* value = LoadContext::find(node, "retry")) {
    model.retry = context.retry(*value, path + ".retry");
  }
  if (const YamlNode* value = LoadContext::find(node, "price")) {
    if (context.check_mapping(*value, path + ".price",
                              {"input", "output", "cached_input", "cache_write"})) {
      Price price;
      if (const YamlNode* item = LoadContext::find(*value, "input")) {
        price.input = non_negative(context, *item, path + ".price.input").value_or(0);
      }
      if (const YamlNode* item = LoadContext::find(*value, "output")) {
        price.output = non_negative(context, *item, path + ".price.output").value_or(0);
      }
      price.cached_input = price.input;
      if (const YamlNode* item = LoadContext::find(*value, "cached_input")) {
        price.cached_input = non_negative(context, *item, path + ".price.cached_input").value_or(0);
      }
      if (const YamlNode* item = LoadContext::find(*value, "cache_write")) {
        price.cache_write = non_negative(context, *item, path + ".price.cache_write");
      }
      model.price = price;
    }
  }
  if (const YamlNode* value = LoadContext::find(node, "parameters")) {
    if (!value->is_mapping()) {
      context.error(*value, fmt::format("{}.parameters must be a mapping", path));
    } else {
      model.parameters = context.data(*value);
    }
  }
  if (const YamlNode* value = LoadContext::find(node, "cache")) {
    model.cache = context.boolean(*value, path + ".cache");
  }
  workflow.models.push_back(std::move(model));
}

// Fallback lists name declared models, not the model itself, and form no cycle.
void check_fallbacks(LoadContext& context, const YamlNode& models, Workflow& workflow) {
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < workflow.models.size(); ++i) {
    index.emplace(workflow.models[i].name, i);
    names.push_back(workflow.models[i].name);
  }
  for (const auto& [key, node] : models.entries) {
    if (!node.is_mapping()) continue;
    const YamlNode* fallback = LoadContext::find(node, "fallback");
    if (fallback == nullptr) continue;
    auto list = context.string_list(*fallback, fmt::format("models.{}.fallback", key.value));
    if (!list) continue;
    auto it = index.find(key.value);
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string& name = (*list)[i];
      const YamlNode& item = fallback->items[i];
      if (name == key.value) {
        context.error(item, fmt::format("model '{}' falls back to itself", name));
      } else if (!index.contains(name)) {
        context.error(item, fmt::format("model '{}' falls back to '{}', which is not declared "
                                        "in models{}",
                                        key.value, name, did_you_mean(name, names)));
      } else if (it != index.end()) {
        workflow.models[it->second].fallback.push_back(name);
      }
    }
  }
  // Cycles: follow fallbacks depth-first; a grey model seen again closes a cycle.
  std::vector<int> color(workflow.models.size(), 0);
  std::vector<std::size_t> stack;
  std::function<void(std::size_t)> visit = [&](std::size_t at) {
    color[at] = 1;
    stack.push_back(at);
    for (const std::string& next_name : workflow.models[at].fallback) {
      std::size_t next = index.at(next_name);
      if (color[next] == 1) {
        std::string path;
        auto from = std::find(stack.begin(), stack.end(), next);
        for (auto step = from; step != stack.end(); ++step) {
          path += fmt::format("'{}' -> ", workflow.models[*step].name);
        }
        path += fmt::format("'{}'", workflow.models[next].name);
        const SourceSpan& span = workflow.models[*from].span;
        context.error_at(span.line, span.column,
                         fmt::format("models {} form a fallback cycle", path));
      } else if (color[next] == 0) {
        visit(next);
      }
    }
    stack.pop_back();
    color[at] = 2;
  };
  for (std::size_t i = 0; i < workflow.models.size(); ++i) {
    if (color[i] == 0) visit(i);
  }
}

}  // namespace

void parse_inputs(LoadContext& context, const YamlNode& node, Workflow& workflow) {
  if (node.is_null()) return;
  if (!context.check_names(node, "inputs")) return;
  for (const auto& [key, value] : node.entries) {
    if (key.is_scalar()) parse_input(context, key, value, workflow);
  }
}

void parse_models(LoadContext& context, const YamlNode& node, Workflow& workflow) {
  if (node.is_null()) return;
  if (!context.check_names(node, "models")) return;
  for (const auto& [key, value] : node.entries) {
    if (key.is_scalar()) parse_model(context, key, value, workflow);
  }
  check_fallbacks(context, node, workflow);
}

void parse_defaults(LoadContext& context, const YamlNode& node, Workflow& workflow) {
  if (node.is_null()) return;
  if (!context.check_mapping(node, "defaults", {"model", "retry", "timeout", "system", "repair"})) {
    return;
  }
  Defaults& defaults = workflow.defaults;
  if (const YamlNode* value = LoadContext::find(node, "model")) {
    if (auto name = context.string(*value, "defaults.model")) {
      if (workflow.find_model(*name) == nullptr) {
        std::vector<std::string> names;
        for (const Model& model : workflow.models) names.push_back(model.name);
        context.error(*value, fmt::format("defaults.model '{}' is not declared in models{}", *name,
                                          did_you_mean(*name, names)));
      } else {
        defaults.model = *name;
      }
    }
  }
  if (const YamlNode* value = LoadContext::find(node, "retry")) {
    defaults.retry = context.retry(*value, "defaults.retry");
  }
  if (const YamlNode* value = LoadContext::find(node, "timeout")) {
    defaults.timeout = context.duration(*value, "defaults.timeout");
  }
  if (const YamlNode* value = LoadContext::find(node, "repair")) {
    defaults.repair = context.repair_count(*value, "defaults.repair").value_or(0);
  }
  if (const YamlNode* value = LoadContext::find(node, "system")) {
    defaults.system = context.template_text(*value, "defaults.system");
    if (defaults.system && !defaults.system->text.references().empty()) {
      context.error(*value,
                    "defaults.system may not read inputs or steps; set 'system' on "
                    "the step instead");
    }
  }
}

void parse_budget(LoadContext& context, const YamlNode& node, Workflow& workflow) {
  if (node.is_null()) return;
  if (!context.check_mapping(node, "budget", {"usd", "tokens"})) return;
  if (const YamlNode* value = LoadContext::find(node, "usd")) {
    auto usd = context.number(*value, "budget.usd");
    if (usd && !(*usd > 0)) {
      context.error(*value, "budget.usd must be a number > 0");
    } else {
      workflow.budget.usd = usd;
    }
  }
  if (const YamlNode* value = LoadContext::find(node, "tokens")) {
    workflow.budget.tokens = positive_int(context, *value, "budget.tokens");
  }
}

}  // namespace baton::lang
