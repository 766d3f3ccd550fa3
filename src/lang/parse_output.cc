// A prompt step's `output:` contract: schema, pattern and check, compiled while loading so that
// a bad schema or pattern is a diagnostic at its place in the file, not a failure mid-run.
#include <charconv>
#include <filesystem>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/contracts/pattern.h"
#include "src/contracts/schema.h"
#include "src/lang/loader.h"
#include "src/lang/sections.h"

namespace baton::lang {
namespace {

using Json = nlohmann::ordered_json;

// YAML data as JSON, with the YAML 1.2 core schema's scalars (as `input:` and `parameters:`
// read them): a plain 3 is a number, a quoted "3" a string. Mapping keys keep file order.
Json to_json(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return nullptr;
    case YamlNode::Kind::kScalar: {
      Value value = plain_scalar_value(node);
      if (value.is_none()) return nullptr;
      if (value.is_bool()) return value.as_bool();
      if (value.is_int()) return value.as_int();
      if (value.is_float()) return value.as_float();
      return node.value;
    }
    case YamlNode::Kind::kSequence: {
      Json items = Json::array();
      for (const YamlNode& item : node.items) items.push_back(to_json(item));
      return items;
    }
    case YamlNode::Kind::kMapping: {
      Json fields = Json::object();
      for (const auto& [key, value] : node.entries) fields[key.value] = to_json(value);
      return fields;
    }
  }
  return nullptr;
}

// The node a JSON Pointer ("/properties/id/pattern") names inside `root`, or nullptr.
const YamlNode* node_at(const YamlNode& root, std::string_view pointer) {
  const YamlNode* node = &root;
  while (!pointer.empty() && node != nullptr) {
    if (pointer.front() != '/') return nullptr;
    pointer.remove_prefix(1);
    std::size_t end = pointer.find('/');
    std::string token(pointer.substr(0, end));
    pointer = end == std::string_view::npos ? std::string_view() : pointer.substr(end);
    for (std::size_t at = token.find('~'); at != std::string::npos; at = token.find('~', at + 1)) {
      if (at + 1 < token.size() && token[at + 1] == '1') token.replace(at, 2, "/");
      if (at + 1 < token.size() && token[at + 1] == '0') token.replace(at, 2, "~");
    }
    if (node->is_mapping()) {
      const YamlNode* found = nullptr;
      for (const auto& [key, value] : node->entries) {
        if (key.value == token) found = &value;
        if (found != nullptr) break;
      }
      node = found;
    } else if (node->is_sequence()) {
      std::size_t index = 0;
      auto [end_of_number, error] =
          std::from_chars(token.data(), token.data() + token.size(), index);
      if (error != std::errc() || end_of_number != token.data() + token.size()) return nullptr;
      node = index < node->items.size() ? &node->items[index] : nullptr;
    } else {
      return nullptr;
    }
  }
  return node;
}

// Where a schema compile error points ("... (at #/properties/id/pattern)"), inside `root`.
const YamlNode& place_of(const YamlNode& root, const std::string& message) {
  std::size_t at = message.rfind(" (at #");
  if (at == std::string::npos || message.back() != ')') return root;
  std::string_view pointer(message);
  pointer = pointer.substr(at + 6, pointer.size() - at - 7);
  const YamlNode* node = node_at(root, pointer);
  return node != nullptr ? *node : root;
}

class OutputParser {
 public:
  OutputParser(LoadContext& context, std::string path, const TemplateParser& text)
      : context_(context), path_(std::move(path)), text_(text) {}

  std::optional<OutputContract> parse(const YamlNode& node);

 private:
  void schema(const YamlNode& node);
  // The JSON text of a schema file, or nullopt (reported).
  std::optional<std::string> schema_file(const YamlNode& node);
  void compile(const YamlNode& node, const std::string& json, const YamlNode* inline_root,
               const std::string& file);
  void pattern(const YamlNode& node);
  void check(const YamlNode& node);
  void command(const YamlNode& node, CheckCommand& check);
  void fail(const YamlNode& node, std::string message) {
    context_.error(node, std::move(message));
    ok_ = false;
  }

  LoadContext& context_;
  std::string path_;  // steps.<id>.output
  const TemplateParser& text_;
  OutputContract contract_;
  bool ok_ = true;
};

std::optional<OutputContract> OutputParser::parse(const YamlNode& node) {
  if (!node.is_mapping()) {
    fail(node, fmt::format("{} must be a mapping with 'schema', 'pattern' or 'check'", path_));
    return std::nullopt;
  }
  std::size_t errors_before = context_.diagnostics().size();
  for (const auto& [key, value] : node.entries) {
    if (key.value == "repair" || key.value == "on_failure") {
      fail(key, fmt::format("'{}' is a key of the step, not of its 'output'", key.value));
    }
  }
  if (!context_.check_mapping(node, path_, {"schema", "pattern", "check", "repair", "on_failure"}))
    return std::nullopt;
  if (node.entries.empty()) {
    fail(node, fmt::format("{} is empty: give it 'schema', 'pattern' or 'check'", path_));
  }
  if (const YamlNode* value = LoadContext::find(node, "schema")) schema(*value);
  if (const YamlNode* value = LoadContext::find(node, "pattern")) pattern(*value);
  if (const YamlNode* value = LoadContext::find(node, "check")) check(*value);
  if (!ok_ || context_.diagnostics().size() != errors_before) return std::nullopt;
  return std::move(contract_);
}

void OutputParser::schema(const YamlNode& node) {
  if (node.is_mapping()) {
    compile(node, to_json(node).dump(), &node, "");
    return;
  }
  if (node.is_scalar() && !node.value.empty()) {
    if (std::optional<std::string> json = schema_file(node))
      compile(node, *json, nullptr, node.value);
    return;
  }
  fail(node, fmt::format("{}.schema must be a JSON Schema (a mapping) or the path of a .json or "
                         ".yaml file",
                         path_));
}

std::optional<std::string> OutputParser::schema_file(const YamlNode& node) {
  namespace fs = std::filesystem;
  fs::path file(node.value);
  std::string extension = file.extension().string();
  bool yaml = extension == ".yaml" || extension == ".yml";
  if (!yaml && extension != ".json") {
    fail(node, fmt::format("{}.schema '{}' must name a .json, .yaml or .yml file (or be a "
                           "mapping)",
                           path_, node.value));
    return std::nullopt;
  }
  // Relative to the workflow file's directory.
  if (file.is_relative()) file = fs::path(context_.file()).parent_path() / file;
  Result<std::string> text = read_workflow_file(file.string());
  if (!text) {
    fail(node,
         fmt::format("{}.schema: cannot read the schema file: {}", path_, text.error().message()));
    return std::nullopt;
  }
  if (!yaml) return std::move(*text);
  Result<YamlNode> parsed = parse_yaml(*text);
  if (!parsed) {
    std::string where = file.string();
    if (parsed.error().span())
      where += fmt::format(":{}:{}", parsed.error().span()->line, parsed.error().span()->column);
    fail(node, fmt::format("{}.schema: {} is not valid YAML: {}", path_, where,
                           parsed.error().message()));
    return std::nullopt;
  }
  return to_json(*parsed).dump();
}

void OutputParser::compile(const YamlNode& node, const std::string& json,
                           const YamlNode* inline_root, const std::string& file) {
  auto& cache = context_.schema_cache();
  if (auto found = cache.find(json); found != cache.end()) {
    contract_.schema = found->second;
    return;
  }
  Result<contracts::Schema> compiled = contracts::Schema::compile(json);
  if (!compiled) {
    std::string message = compiled.error().message();
    constexpr std::string_view kPrefix = "the schema is not valid: ";
    if (message.rfind(kPrefix, 0) == 0) message.erase(0, kPrefix.size());
    if (inline_root != nullptr) {
      fail(place_of(*inline_root, message),
           fmt::format("{}.schema is not a valid JSON Schema: {}", path_, message));
    } else {
      fail(node,
           fmt::format("{}.schema: '{}' is not a valid JSON Schema: {}", path_, file, message));
    }
    return;
  }
  contract_.schema = std::make_shared<const contracts::Schema>(std::move(*compiled));
  cache.emplace(json, contract_.schema);
}

void OutputParser::pattern(const YamlNode& node) {
  if (!node.is_scalar() || node.value.empty()) {
    fail(node, fmt::format("{}.pattern must be a regular expression (a string)", path_));
    return;
  }
  Result<contracts::Pattern> compiled = contracts::Pattern::compile(node.value);
  if (!compiled) {
    fail(node, fmt::format("{}.pattern: {}", path_, compiled.error().message()));
    return;
  }
  contract_.pattern = std::make_shared<const contracts::Pattern>(std::move(*compiled));
}

void OutputParser::check(const YamlNode& node) {
  CheckCommand check;
  check.span = context_.span_of(node);
  if (node.is_mapping()) {
    if (!context_.check_mapping(node, path_ + ".check", {"run", "timeout"})) {
      ok_ = false;
      return;
    }
    const YamlNode* run = LoadContext::find(node, "run");
    if (run == nullptr) {
      fail(node, fmt::format("{}.check needs 'run': the command that checks the answer", path_));
    } else {
      command(*run, check);
    }
    if (const YamlNode* timeout = LoadContext::find(node, "timeout")) {
      check.timeout = context_.duration(*timeout, path_ + ".check.timeout");
      ok_ = ok_ && check.timeout.has_value();
    }
  } else {
    command(node, check);
  }
  contract_.check = std::move(check);
}

void OutputParser::command(const YamlNode& node, CheckCommand& check) {
  const std::string what = path_ + ".check";
  if (node.is_sequence()) {
    if (node.items.empty()) fail(node, fmt::format("{} is an empty command", what));
    for (const YamlNode& item : node.items) {
      if (auto arg = text_(item, "output.check")) {
        check.argv.push_back(std::move(*arg));
      } else {
        ok_ = false;
      }
    }
    return;
  }
  if (node.is_scalar()) {
    if (node.value.find_first_not_of(" \t\n") == std::string::npos) {
      fail(node, fmt::format("{} is an empty command", what));
      return;
    }
    check.shell = text_(node, "output.check");
    ok_ = ok_ && check.shell.has_value();
    return;
  }
  fail(node, fmt::format("{} must be a list of arguments, a shell command string, or a mapping "
                         "{{run, timeout}}",
                         what));
}

}  // namespace

std::optional<OutputContract> parse_output_contract(LoadContext& context, const YamlNode& node,
                                                    const std::string& step_path,
                                                    const TemplateParser& text) {
  return OutputParser(context, step_path + ".output", text).parse(node);
}

}  // namespace baton::lang
