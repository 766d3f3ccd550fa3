#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/lang/diagnostics.h"
#include "src/lang/scalar_positions.h"
#include "src/lang/workflow.h"
#include "src/lang/yaml_tree.h"

namespace baton::lang {

// Where a value sits, as messages name it ("steps.plan.prompt", "outputs.files[2]"): a name,
// or a parent and a key or an index, joined into text only when a message needs it (most
// values have no error). Keeps views of its name and key and a pointer to its parent: pass it
// as an argument, built from values that outlive the call.
class FieldName {
 public:
  FieldName(std::string_view name) : name_(name) {}         // NOLINT: implicit
  FieldName(const std::string& name) : name_(name) {}       // NOLINT: implicit
  FieldName(const char* name) : name_(name) {}              // NOLINT: implicit
  FieldName(const FieldName& parent, std::string_view key)  // parent.key
      : parent_(&parent), name_(key) {}
  FieldName(const FieldName& parent, std::size_t index)  // parent[index]
      : parent_(&parent), index_(index) {}

  std::string str() const;

 private:
  const FieldName* parent_ = nullptr;
  std::string_view name_;             // the name, or the key after the parent
  std::optional<std::size_t> index_;  // set: the index after the parent
};

// What every section parser shares while loading one file: the source, where diagnostics go,
// and the conversions from YAML nodes to typed values. Each conversion reports its own error
// and returns nullopt, so that parsing goes on and every error is found.
class LoadContext {
 public:
  LoadContext(std::string_view source, std::string display_name);

  void error(const YamlNode& node, std::string message);
  void error_at(int line, int column, std::string message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<Diagnostic> take_diagnostics();
  const std::string& file() const { return file_; }
  SourceSpan span_of(const YamlNode& node) const { return {file_, node.line, node.column}; }
  // The file position of `line`:`column` inside the value of the scalar `node`.
  std::pair<int, int> locate(const YamlNode& node, int line, int column);

  // Reports duplicate keys, non-string keys and keys not in `allowed` (with did-you-mean).
  // `what` names the mapping in messages: "step 'plan'", "model 'fast'". Returns false when
  // `node` is not a mapping (already reported).
  bool check_mapping(const YamlNode& node, std::string_view what,
                     const std::vector<std::string>& allowed);
  // Reports duplicate keys only; for mappings whose keys are names (steps, inputs, env).
  bool check_names(const YamlNode& node, std::string_view what);

  static constexpr int kMaxRepairs = 20;

  std::optional<std::string> string(const YamlNode& node, std::string_view what);
  std::optional<double> number(const YamlNode& node, std::string_view what);
  std::optional<std::int64_t> integer(const YamlNode& node, std::string_view what);
  std::optional<bool> boolean(const YamlNode& node, std::string_view what);
  std::optional<Milliseconds> duration(const YamlNode& node, std::string_view what);
  std::optional<RetryPolicy> retry(const YamlNode& node, std::string_view what);
  // How many times a rejected answer is sent back for repair: an integer in 0..kMaxRepairs.
  std::optional<int> repair_count(const YamlNode& node, std::string_view what);
  // A list of strings (identifiers when `identifiers`).
  std::optional<std::vector<std::string>> string_list(const YamlNode& node, std::string_view what);

  // A string scalar parsed as a template; syntax errors point into the file.
  std::optional<LocatedTemplate> template_text(const YamlNode& node, const FieldName& what);
  // YAML data whose strings are templates.
  std::optional<DataTemplate> data_template(const YamlNode& node, const FieldName& what);
  // Plain YAML data as a Value (parameters, schemas, defaults); strings stay strings.
  Value data(const YamlNode& node) const;

  // The node of `key` in a mapping (the first one), or nullptr.
  static const YamlNode* find(const YamlNode& mapping, std::string_view key);

  // Schemas compiled while loading this file, by their JSON text, so that steps sharing a
  // schema compile it once.
  std::unordered_map<std::string, std::shared_ptr<const contracts::Schema>>& schema_cache() {
    return schema_cache_;
  }

 private:
  std::string_view source_;
  std::string file_;
  std::optional<ScalarPositions> positions_;  // made on first use: only errors need it
  std::vector<Diagnostic> diagnostics_;
  std::unordered_map<std::string, std::shared_ptr<const contracts::Schema>> schema_cache_;
};

// [A-Za-z_][A-Za-z0-9_]*
bool is_identifier(std::string_view name);
// Names a step or variable cannot take: they mean something else in templates.
bool is_reserved_name(std::string_view name);
// Parses "500ms", "30s", "5m", "1h", "1h30m"; nullopt when malformed.
std::optional<Milliseconds> parse_duration(std::string_view text);
// The YAML 1.2 core schema reading of a plain scalar: null, bool, int, float or string.
Value plain_scalar_value(const YamlNode& node);

}  // namespace baton::lang
