// The one file that calls valijson (header-only; it throws, so every call is wrapped here).
#define VALIJSON_USE_EXCEPTIONS 1

#include "src/contracts/schema.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "src/contracts/pattern.h"
#include "src/contracts/violation_message.h"

namespace baton::contracts {
namespace {

using Json = nlohmann::json;

// While compiling, each `"pattern": "..."` becomes `"$baton_pattern": <index>` into the
// compiled Patterns, so that valijson hands it to PatternConstraint instead of building its
// own std::regex constraint.
constexpr const char* kPatternKeyword = "$baton_pattern";

// ---------------------------------------------------------------------------------------------
// The `pattern` keyword, matched by contracts::Pattern.

class PatternConstraint final : public valijson::constraints::PolyConstraint {
 public:
  // Requires: `pattern` outlives the constraint (Schema::Impl owns both).
  explicit PatternConstraint(const Pattern& pattern) : pattern_(&pattern) {}

  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override {
    if (!target.isString() || pattern_->matches(target.asString())) return true;
    if (results != nullptr) {
      results->pushError(context, "must match the pattern /" + pattern_->source() + "/");
    }
    return false;
  }

 private:
  Constraint* cloneInto(void* memory) const override {
    return new (memory) PatternConstraint(*this);
  }
  size_t sizeOf() const override { return sizeof(PatternConstraint); }

  const Pattern* pattern_;
};

class PatternConstraintBuilder final : public valijson::ConstraintBuilder {
 public:
  // Requires: `patterns` outlives the builder and only grows at the back (a deque, so that
  // the Patterns that constraints point to never move).
  explicit PatternConstraintBuilder(const std::deque<Pattern>& patterns) : patterns_(patterns) {}

  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override {
    std::int64_t index = -1;
    if (!value.getInteger(index) || index < 0 ||
        static_cast<std::size_t>(index) >= patterns_.size()) {
      throw std::runtime_error(std::string("the keyword ") + kPatternKeyword + " is reserved");
    }
    return new PatternConstraint(patterns_[static_cast<std::size_t>(index)]);
  }

 private:
  const std::deque<Pattern>& patterns_;
};

// ---------------------------------------------------------------------------------------------
// JSON Pointers.

// RFC 6901 escaping of one reference token.
std::string escape_token(std::string_view token) {
  std::string escaped;
  for (const char c : token) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// The tokens of a `$ref` fragment ("/definitions/a~1b%25"), unescaped as valijson does: ~1, ~0,
// then %XX. Empty tokens are skipped, as valijson skips them.
std::optional<std::vector<std::string>> fragment_tokens(std::string_view fragment) {
  std::vector<std::string> tokens;
  std::size_t begin = 0;
  while (begin < fragment.size()) {
    if (fragment[begin] != '/') return std::nullopt;
    std::size_t end = fragment.find('/', begin + 1);
    if (end == std::string_view::npos) end = fragment.size();
    const std::string_view raw = fragment.substr(begin + 1, end - begin - 1);
    begin = end;
    std::string token;
    for (std::size_t index = 0; index < raw.size(); ++index) {
      if (raw[index] == '~' && index + 1 < raw.size() &&
          (raw[index + 1] == '0' || raw[index + 1] == '1')) {
        token += raw[++index] == '0' ? '~' : '/';
      } else {
        token += raw[index];
      }
    }
    for (std::size_t percent = token.find('%'); percent != std::string::npos;
         percent = token.find('%', percent + 1)) {
      unsigned value = 0;
      const char* digits = token.data() + percent + 1;
      if (percent + 3 > token.size() ||
          std::from_chars(digits, digits + 2, value, 16).ptr != digits + 2) {
        return std::nullopt;
      }
      token.replace(percent, 3, 1, static_cast<char>(value));
    }
    if (!token.empty()) tokens.push_back(std::move(token));
  }
  return tokens;
}

// The member or item that `token` names in `node`, or null.
template <typename JsonType>
JsonType* child(JsonType& node, const std::string& token) {
  if (node.is_object()) {
    const auto found = node.find(token);
    return found == node.end() ? nullptr : &*found;
  }
  if (node.is_array()) {
    std::size_t index = 0;
    const char* end = token.data() + token.size();
    if (token.empty() || std::from_chars(token.data(), end, index).ptr != end ||
        index >= node.size()) {
      return nullptr;
    }
    return &node[index];
  }
  return nullptr;
}

// The node that a same-document `$ref` ("#" or "#/a/b") names, or null (another document, a
// plain-name fragment such as "#foo", or nothing there).
template <typename JsonType>
JsonType* local_ref_target(JsonType& root, const Json& ref) {
  if (!ref.is_string()) return nullptr;
  const std::string& text = ref.get_ref<const std::string&>();
  if (text.empty() || text.front() != '#') return nullptr;
  const auto tokens = fragment_tokens(std::string_view(text).substr(1));
  if (!tokens) return nullptr;
  JsonType* node = &root;
  for (const std::string& token : *tokens) {
    node = child(*node, token);
    if (node == nullptr) return nullptr;
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Rewriting a schema document before valijson reads it (see kPatternKeyword).

constexpr const char* kSchemaMaps[] = {"properties", "patternProperties", "definitions",
                                       "dependencies"};
constexpr const char* kSchemaValues[] = {"additionalProperties",
                                         "additionalItems",
                                         "items",
                                         "not",
                                         "contains",
                                         "propertyNames",
                                         "if",
                                         "then",
                                         "else",
                                         "extends"};
constexpr const char* kSchemaLists[] = {"allOf",   "anyOf", "oneOf",   "items",
                                        "extends", "type",  "disallow"};

// Visits every subschema of one document, whatever the draft (a keyword that the draft does not
// know is ignored by valijson, so rewriting under it changes nothing), and the targets of
// same-document `$ref`s, which may sit under any key. Rewrites `pattern` (see kPatternKeyword),
// checks regular expressions, and refuses what valijson would silently ignore.
class SchemaRewriter {
 public:
  // Requires: `patterns` outlives the rewriter.
  SchemaRewriter(Draft draft, std::deque<Pattern>& patterns) : draft_(draft), patterns_(patterns) {}

  // `where` names the document in errors: "" for the schema itself, else its URI.
  Status rewrite(Json& document, const std::string& where) {
    where_ = where;
    return walk(document, document, "");
  }

  // Whether a subschema walked so far has `propertyNames`.
  bool uses_property_names() const { return uses_property_names_; }

 private:
  Error error_at(const std::string& path, const std::string& message) const {
    return invalid_input(message + " (at " + where_ + "#" + path + ")");
  }

  Status walk(Json& schema, Json& root, const std::string& path) {
    if (!schema.is_object() || !visited_.insert(&schema).second) return ok_status();
    // Rewritten on the first visit, before any child is walked: no iteration over this object
    // is in progress, so erasing and inserting here invalidates nothing.
    if (schema.contains(kPatternKeyword)) {
      return error_at(path, std::string("the keyword ") + kPatternKeyword + " is reserved");
    }
    if (draft_ == Draft::kDraft3) {
      // valijson 1.0 parses neither: a schema relying on them would accept too much.
      for (const char* keyword : {"extends", "disallow"}) {
        if (schema.contains(keyword)) {
          return error_at(path + "/" + keyword,
                          std::string("draft 3's \"") + keyword +
                              "\" is not supported: write the schema for draft 4 or later "
                              "(allOf, not)");
        }
      }
    }
    if (const auto pattern = schema.find("pattern");
        pattern != schema.end() && pattern->is_string()) {
      Result<Pattern> compiled = Pattern::compile(pattern->get_ref<const std::string&>());
      if (!compiled) return error_at(path + "/pattern", compiled.error().message());
      patterns_.push_back(*std::move(compiled));
      schema.erase(pattern);
      schema[kPatternKeyword] = static_cast<std::int64_t>(patterns_.size() - 1);
    }
    if (const auto map = schema.find("patternProperties");
        map != schema.end() && map->is_object()) {
      for (const auto& [expression, unused] : map->items()) {
        // valijson compiles these itself (std::regex, ECMAScript) while validating; a bad one
        // would throw there.
        try {
          const std::regex compiled(expression);
        } catch (const std::regex_error& error) {
          return error_at(path + "/patternProperties",
                          "invalid pattern \"" + expression + "\": " + error.what());
        }
      }
    }
    if (const auto ref = schema.find("$ref"); ref != schema.end()) {
      if (Json* target = local_ref_target(root, *ref)) {
        BATON_TRY(walk(*target, root, ref->get_ref<const std::string&>().substr(1)));
      }
    }
    for (const char* keyword : kSchemaMaps) {
      const auto map = schema.find(keyword);
      if (map == schema.end() || !map->is_object()) continue;
      for (auto& [name, subschema] : map->items()) {
        BATON_TRY(walk(subschema, root, path + "/" + keyword + "/" + escape_token(name)));
      }
    }
    uses_property_names_ = uses_property_names_ || schema.contains("propertyNames");
    for (const char* keyword : kSchemaValues) {
      const auto value = schema.find(keyword);
      if (value != schema.end()) BATON_TRY(walk(*value, root, path + "/" + keyword));
    }
    for (const char* keyword : kSchemaLists) {
      const auto list = schema.find(keyword);
      if (list == schema.end() || !list->is_array()) continue;
      for (std::size_t index = 0; index < list->size(); ++index) {
        BATON_TRY(walk((*list)[index], root, path + "/" + keyword + "/" + std::to_string(index)));
      }
    }
    return ok_status();
  }

  Draft draft_;
  std::deque<Pattern>& patterns_;
  std::string where_;
  std::set<const Json*> visited_;
  bool uses_property_names_ = false;
};

// ---------------------------------------------------------------------------------------------
// Violations.

std::string json_type(const Json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "boolean";
  if (value.is_object()) return "object";
  if (value.is_array()) return "array";
  return "null";
}

bool has_type(const Json& value, const std::string& type) {
  return type == "any" || type == json_type(value) || (type == "number" && value.is_number());
}

// Follows same-document `$ref`s from `schema`; null when one leads elsewhere.
const Json* resolved(const Json& root, const Json* schema) {
  for (int hops = 0; schema != nullptr && schema->is_object() && hops < 32; ++hops) {
    const auto ref = schema->find("$ref");
    if (ref == schema->end()) return schema;
    schema = local_ref_target(root, *ref);
  }
  return schema != nullptr && schema->is_object() ? schema : nullptr;
}

// The subschema that must hold at `tokens` in `instance`, when it can be found through
// properties, additionalProperties, items and additionalItems alone (which always apply, so
// what it requires is required); null otherwise.
const Json* schema_at(const Json& root, const Json& instance,
                      const std::vector<std::string>& tokens) {
  const Json* schema = resolved(root, &root);
  const Json* value = &instance;
  for (const std::string& token : tokens) {
    if (schema == nullptr) return nullptr;
    const Json* next = nullptr;
    if (value->is_object()) {
      const auto properties = schema->find("properties");
      const Json* property = properties == schema->end() ? nullptr : child(*properties, token);
      if (property != nullptr && properties->is_object()) {
        next = property;
      } else if (schema->contains("patternProperties")) {
        return nullptr;  // which pattern applies is for valijson to say
      } else if (const auto extra = schema->find("additionalProperties"); extra != schema->end()) {
        next = &*extra;
      }
    } else if (value->is_array()) {
      const auto items = schema->find("items");
      if (items != schema->end() && items->is_object()) {
        next = &*items;
      } else if (items != schema->end() && items->is_array()) {
        next = child(*items, token);
        if (next == nullptr) {
          const auto extra = schema->find("additionalItems");
          next = extra == schema->end() ? nullptr : &*extra;
        }
      }
    }
    value = child(*value, token);
    if (value == nullptr) return nullptr;
    schema = resolved(root, next);
  }
  return schema;
}

// "\"a\", \"b\", 3", at most 10 values and about 300 characters.
std::string render_values(const Json& values) {
  std::string text;
  std::size_t count = 0;
  for (const Json& value : values) {
    if (count == 10 || text.size() > 300) return text + ", ...";
    if (count++ > 0) text += ", ";
    text += value.dump();
  }
  return text;
}

ViolationHint hint_for(const Json& root, const Json& instance,
                       const std::vector<std::string>& tokens) {
  ViolationHint hint;
  const Json* value = &instance;
  for (const std::string& token : tokens) {
    value = value == nullptr ? nullptr : child(*value, token);
  }
  if (value == nullptr) return hint;
  hint.actual_type = json_type(*value);
  const Json* schema = schema_at(root, instance, tokens);
  if (schema == nullptr) return hint;
  // Each hint only when the value indeed breaks it, so that the message is about this failure.
  if (const auto type = schema->find("type"); type != schema->end()) {
    std::vector<std::string> types;
    bool matches = false;
    bool plain = true;
    for (const Json& entry : type->is_array() ? *type : Json::array({*type})) {
      if (!entry.is_string()) {
        plain = false;
        continue;
      }
      types.push_back(entry.get<std::string>());
      matches = matches || has_type(*value, types.back());
    }
    if (plain && !matches) hint.expected_types = std::move(types);
  }
  if (const auto constant = schema->find("const"); constant != schema->end()) {
    if (*constant != *value) hint.allowed_values = constant->dump();
  } else if (const auto values = schema->find("enum"); values != schema->end()) {
    if (values->is_array() && std::find(values->begin(), values->end(), *value) == values->end()) {
      hint.allowed_values = render_values(*values);
    }
  }
  return hint;
}

struct Found {
  std::vector<std::string> tokens;
  Violation violation;
  bool wrapper = false;
};

bool is_prefix(const std::vector<std::string>& prefix, const std::vector<std::string>& tokens) {
  return prefix.size() <= tokens.size() && std::equal(prefix.begin(), prefix.end(), tokens.begin());
}

std::vector<Violation> to_violations(const valijson::ValidationResults& results, const Json& root,
                                     const Json& instance) {
  std::vector<Found> found;
  for (const valijson::ValidationResults::Error& error : results) {
    Found entry;
    // valijson's context is "<root>" then "[name]" or "[index]" per step.
    for (std::size_t index = 1; index < error.context.size(); ++index) {
      const std::string& step = error.context[index];
      entry.tokens.push_back(step.size() >= 2 ? step.substr(1, step.size() - 2) : step);
      entry.violation.pointer += "/" + escape_token(entry.tokens.back());
    }
    ViolationMessage message =
        reword_violation(error.description, hint_for(root, instance, entry.tokens));
    if (!message.child.empty()) {
      entry.tokens.push_back(message.child);
      entry.violation.pointer += "/" + escape_token(message.child);
    }
    entry.violation.message = std::move(message.message);
    entry.wrapper = message.wrapper;
    found.push_back(std::move(entry));
  }
  // A wrapper is explained by any violation below its place, or a precise one at its place.
  const auto explained = [&](const Found& wrapper) {
    return std::any_of(found.begin(), found.end(), [&](const Found& other) {
      return is_prefix(wrapper.tokens, other.tokens) &&
             (other.tokens.size() > wrapper.tokens.size() || !other.wrapper);
    });
  };
  std::vector<Violation> violations;
  for (const Found& entry : found) {
    if ((entry.wrapper && explained(entry)) ||
        std::find(violations.begin(), violations.end(), entry.violation) != violations.end()) {
      continue;
    }
    violations.push_back(entry.violation);
  }
  return violations;
}

valijson::SchemaParser::Version parser_version(Draft draft) {
  switch (draft) {
    case Draft::kDraft3:
      return valijson::SchemaParser::kDraft3;
    case Draft::kDraft4:
      return valijson::SchemaParser::kDraft4;
    case Draft::kDraft6:
    case Draft::kDraft7:
      break;
  }
  return valijson::SchemaParser::kDraft7;
}

}  // namespace

struct Schema::Impl {
  Draft draft = Draft::kDraft7;
  Json document;  // the rewritten schema, for the hints in messages
  bool uses_property_names = false;
  std::deque<Pattern> patterns;  // what `compiled`'s PatternConstraints point to
  valijson::Schema compiled;
  // valijson's Validator caches the std::regex of each patternProperties expression as it
  // meets them, so it is kept (compile once) and shared under the mutex.
  std::mutex mutex;
  valijson::Validator validator{valijson::Validator::kStrongTypes};  // guarded by `mutex`
};

Schema::Schema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;
Schema::~Schema() = default;

Draft Schema::draft() const { return impl_->draft; }

Result<Schema> Schema::compile(std::string_view schema_json, const SchemaOptions& options) {
  Json document = Json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return invalid_input("the schema is not valid JSON");
  auto impl = std::make_unique<Impl>();
  impl->draft = options.default_draft;
  if (document.is_object()) {
    if (const auto uri = document.find("$schema"); uri != document.end()) {
      if (!uri->is_string()) return invalid_input("$schema must be a string (a URI)");
      BATON_ASSIGN_OR_RETURN(impl->draft, draft_from_uri(uri->get_ref<const std::string&>()));
    }
  }
  SchemaRewriter rewriter(impl->draft, impl->patterns);
  BATON_TRY(rewriter.rewrite(document, ""));
  impl->uses_property_names = rewriter.uses_property_names();

  // valijson only learns that a fetch failed; the reason is kept here.
  std::optional<Error> fetch_error;
  const auto fetch = [&](const std::string& uri) -> const Json* {
    if (!options.fetch) {
      fetch_error = invalid_input(
          "the schema refers to \"" + uri +
          "\", but loading other schema documents is not enabled: refer to definitions "
          "inside the schema (\"$ref\": \"#/definitions/name\")");
      return nullptr;
    }
    Result<std::string> text = options.fetch(uri);
    if (!text) {
      fetch_error = Error(text.error().code(),
                          "cannot load \"" + uri + "\" for $ref: " + text.error().message());
      return nullptr;
    }
    auto fetched = std::make_unique<Json>(Json::parse(*text, nullptr, false));
    if (fetched->is_discarded()) {
      fetch_error = invalid_input("\"" + uri + "\" (loaded for $ref) is not valid JSON");
      return nullptr;
    }
    if (Status rewritten = SchemaRewriter(impl->draft, impl->patterns).rewrite(*fetched, uri);
        !rewritten) {
      fetch_error = std::move(rewritten).error();
      return nullptr;
    }
    return fetched.release();  // valijson owns it until free_document
  };
  const auto free_document = [](const Json* fetched) { delete fetched; };

  try {
    valijson::SchemaParser parser(parser_version(impl->draft));
    parser.addConstraintBuilder(kPatternKeyword, new PatternConstraintBuilder(impl->patterns));
    parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(document), impl->compiled, fetch,
                          free_document);
  } catch (const std::exception& error) {
    if (fetch_error) return *std::move(fetch_error);
    if (std::string_view(error.what()) == "Not supported") {
      return invalid_input("the schema is not valid for " + std::string(draft_name(impl->draft)) +
                           ": if/then/else and propertyNames need draft 6 and later");
    }
    return invalid_input(std::string("the schema is not valid: ") + error.what());
  }
  impl->document = std::move(document);
  return Schema(std::move(impl));
}

Result<std::vector<Violation>> Schema::validate(std::string_view instance_json) const {
  const Json instance = Json::parse(instance_json, nullptr, /*allow_exceptions=*/false);
  if (instance.is_discarded()) return invalid_input("the value to validate is not valid JSON");
  valijson::ValidationResults results;
  bool valid = false;
  try {
    const std::lock_guard<std::mutex> lock(impl_->mutex);
    valid = impl_->validator.validate(impl_->compiled,
                                      valijson::adapters::NlohmannJsonAdapter(instance), &results);
  } catch (const std::exception& error) {
    return internal_error(std::string("validating against the schema failed: ") + error.what());
  }
  if (valid) return std::vector<Violation>{};
  std::vector<Violation> violations = to_violations(results, impl_->document, instance);
  // valijson fails propertyNames (and a root schema of `false`) without saying why or where.
  if (violations.empty()) {
    violations.push_back({"", impl_->uses_property_names
                                  ? "has a property name that the schema's propertyNames rejects"
                                  : "does not match the schema"});
  }
  return violations;
}

}  // namespace baton::contracts
