#include "src/providers/fixture.h"

#include <charconv>
#include <utility>

#include "src/lang/diagnostics.h"
#include "src/lang/loader.h"
#include "src/lang/yaml_tree.h"

namespace baton::providers {
namespace {

using lang::YamlEntry;
using lang::YamlNode;

const std::vector<std::string> kResponseKeys = {"step",  "match",      "reply", "error",
                                                "usage", "latency_ms", "times"};
const std::vector<std::string> kUsageKeys = {"input_tokens", "output_tokens",
                                             "cached_input_tokens"};
const std::vector<std::string> kErrorNames = {"rate_limited", "unavailable", "timeout"};

std::string one_of(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t index = 0; index < names.size(); ++index) {
    if (index > 0) text += index + 1 == names.size() ? " or " : ", ";
    text += names[index];
  }
  return text;
}

// Checks one file; the first problem found is the error.
class FixtureParser {
 public:
  explicit FixtureParser(std::string file) : file_(std::move(file)) {}

  Result<Fixture> parse(const std::string& text) {
    Result<YamlNode> root = lang::parse_yaml(text);
    if (!root) {
      Error error = std::move(root).error();
      const SourceSpan span = error.span().value_or(SourceSpan{});
      return invalid_input("invalid YAML: " + error.message())
          .with_span(
              SourceSpan{file_, span.line > 0 ? span.line : 1, span.column > 0 ? span.column : 1});
    }
    if (!root->is_mapping()) return fail(*root, "expected a mapping with a 'responses' list");
    BATON_TRY(check_keys(*root, {"responses"}, "at the top of a fixture file"));
    const std::optional<YamlNode> responses = find(*root, "responses");
    if (!responses) return fail(*root, "expected a 'responses' list");
    if (!responses->is_sequence() || responses->items.empty()) {
      return fail(*responses, "'responses' must be a list of at least one response");
    }
    Fixture fixture;
    fixture.file = file_;
    for (const YamlNode& item : responses->items) {
      BATON_ASSIGN_OR_RETURN(FixtureResponse response, parse_response(item));
      fixture.responses.push_back(std::move(response));
    }
    return fixture;
  }

 private:
  Error fail(const YamlNode& node, std::string message) const {
    return invalid_input(std::move(message))
        .with_span(
            SourceSpan{file_, node.line > 0 ? node.line : 1, node.column > 0 ? node.column : 1});
  }

  // The value of `key`; a missing value (`reply:`) stands where its key is, for messages.
  static std::optional<YamlNode> find(const YamlNode& mapping, std::string_view key) {
    for (const YamlEntry& entry : mapping.entries) {
      if (!entry.first.is_scalar() || entry.first.value != key) continue;
      YamlNode value = entry.second;
      if (value.is_null()) {
        value.line = entry.first.line;
        value.column = entry.first.column;
      }
      return value;
    }
    return std::nullopt;
  }

  Status check_keys(const YamlNode& mapping, const std::vector<std::string>& allowed,
                    std::string_view where) const {
    for (std::size_t index = 0; index < mapping.entries.size(); ++index) {
      const YamlNode& key = mapping.entries[index].first;
      if (!key.is_scalar()) return fail(key, "expected a key name");
      bool known = false;
      for (const std::string& name : allowed) known = known || name == key.value;
      if (!known) {
        return fail(key, "unknown key '" + key.value + "' " + std::string(where) + "; expected " +
                             one_of(allowed) + lang::did_you_mean(key.value, allowed));
      }
      for (std::size_t earlier = 0; earlier < index; ++earlier) {
        if (mapping.entries[earlier].first.value == key.value) {
          return fail(key, "duplicate key '" + key.value + "'");
        }
      }
    }
    return ok_status();
  }

  Result<std::string> text(const YamlNode& node, std::string_view key) const {
    if (!node.is_scalar()) return fail(node, "'" + std::string(key) + "' must be a string");
    return node.value;
  }

  // A plain, unsigned decimal integer of at least `minimum`.
  Result<std::int64_t> integer(const YamlNode& node, std::string_view key,
                               std::int64_t minimum) const {
    const std::string expected =
        "'" + std::string(key) + "' must be an integer" +
        (minimum > 0 ? " of at least " + std::to_string(minimum) : std::string(" (0 or more)"));
    if (!node.is_plain_scalar() || node.value.empty()) return fail(node, expected);
    std::int64_t value = 0;
    const char* end = node.value.data() + node.value.size();
    const auto [stop, error] = std::from_chars(node.value.data(), end, value);
    if (error != std::errc() || stop != end || value < minimum) return fail(node, expected);
    return value;
  }

  Result<ModelUsage> usage(const YamlNode& node) const {
    if (!node.is_mapping()) {
      return fail(node, "'usage' must be a mapping such as {input_tokens: 12, output_tokens: 30}");
    }
    BATON_TRY(check_keys(node, kUsageKeys, "in 'usage'"));
    ModelUsage usage;
    for (const YamlEntry& entry : node.entries) {
      BATON_ASSIGN_OR_RETURN(const std::int64_t count, integer(entry.second, entry.first.value, 0));
      if (entry.first.value == "input_tokens") usage.input_tokens = count;
      if (entry.first.value == "output_tokens") usage.output_tokens = count;
      if (entry.first.value == "cached_input_tokens") usage.cached_input_tokens = count;
    }
    return usage;
  }

  Result<ErrorCode> error_code(const YamlNode& node) const {
    const std::string name = node.is_scalar() ? node.value : std::string();
    if (name == "rate_limited") return ErrorCode::kRateLimited;
    if (name == "unavailable") return ErrorCode::kUnavailable;
    if (name == "timeout") return ErrorCode::kTimeout;
    return fail(node, "'error' must be " + one_of(kErrorNames) +
                          (name.empty() ? std::string() : lang::did_you_mean(name, kErrorNames)));
  }

  Result<FixtureResponse> parse_response(const YamlNode& node) const {
    if (!node.is_mapping()) return fail(node, "expected a response: a mapping with 'reply'");
    BATON_TRY(check_keys(node, kResponseKeys, "in a response"));
    FixtureResponse response;
    response.span = SourceSpan{file_, node.line, node.column};
    const std::optional<YamlNode> reply = find(node, "reply");
    const std::optional<YamlNode> error = find(node, "error");
    const std::optional<YamlNode> usage_node = find(node, "usage");
    if (!reply && !error) {
      return fail(node, "a response needs 'reply' (or 'error' to rehearse a failure)");
    }
    if (reply && error) {
      return fail(*error, "a response has either 'reply' or 'error', not both");
    }
    if (error && usage_node) {
      return fail(*usage_node, "'usage' goes with 'reply', not with 'error'");
    }
    if (const std::optional<YamlNode> step = find(node, "step")) {
      BATON_ASSIGN_OR_RETURN(response.step, text(*step, "step"));
    }
    if (const std::optional<YamlNode> match = find(node, "match")) {
      BATON_ASSIGN_OR_RETURN(response.match, text(*match, "match"));
    }
    if (reply) {
      BATON_ASSIGN_OR_RETURN(response.reply, text(*reply, "reply"));
    }
    if (error) {
      BATON_ASSIGN_OR_RETURN(response.error, error_code(*error));
    }
    if (usage_node) {
      BATON_ASSIGN_OR_RETURN(response.usage, usage(*usage_node));
    }
    if (const std::optional<YamlNode> latency = find(node, "latency_ms")) {
      BATON_ASSIGN_OR_RETURN(const std::int64_t milliseconds, integer(*latency, "latency_ms", 0));
      response.latency = std::chrono::milliseconds(milliseconds);
    }
    if (const std::optional<YamlNode> times = find(node, "times")) {
      BATON_ASSIGN_OR_RETURN(response.times, integer(*times, "times", 1));
    }
    return response;
  }

  std::string file_;
};

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char byte : text) count += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return count;
}

std::int64_t tokens_for(std::size_t characters) {
  return static_cast<std::int64_t>((characters + 3) / 4);
}

}  // namespace

Result<Fixture> parse_fixture(const std::string& text, const std::string& file) {
  return FixtureParser(file).parse(text);
}

Result<Fixture> load_fixture(const std::string& path) {
  BATON_ASSIGN_OR_RETURN(const std::string text, lang::read_workflow_file(path));
  return parse_fixture(text, path);
}

std::string_view last_user_message(const ModelCall& call) {
  for (auto message = call.messages.rbegin(); message != call.messages.rend(); ++message) {
    if (message->role == "user") return message->content;
  }
  return {};
}

std::optional<std::size_t> find_fixture_response(const Fixture& fixture, const ModelCall& call,
                                                 const std::vector<std::int64_t>& uses) {
  const std::string_view user_message = last_user_message(call);
  for (std::size_t index = 0; index < fixture.responses.size(); ++index) {
    const FixtureResponse& response = fixture.responses[index];
    if (response.times && index < uses.size() && uses[index] >= *response.times) continue;
    if (response.step && *response.step != call.step_id) continue;
    if (response.match && user_message.find(*response.match) == std::string_view::npos) continue;
    return index;
  }
  return std::nullopt;
}

Error no_fixture_response(const Fixture& fixture, const ModelCall& call) {
  constexpr std::size_t kShown = 60;
  std::string_view start = last_user_message(call);
  if (start.size() > kShown) {
    std::size_t end = kShown;
    while (end > 0 && (static_cast<unsigned char>(start[end]) & 0xC0) == 0x80) --end;
    start = start.substr(0, end);
  }
  return invalid_input("fixture " + fixture.file + " has no response for step '" + call.step_id +
                       "' (last user message starts: '" + std::string(start) + "')");
}

ModelUsage estimate_usage(const ModelCall& call, std::string_view reply) {
  std::size_t input_characters = 0;
  for (const ChatMessage& message : call.messages) {
    input_characters += count_code_points(message.content);
  }
  ModelUsage usage;
  usage.input_tokens = tokens_for(input_characters);
  usage.output_tokens = tokens_for(count_code_points(reply));
  return usage;
}

}  // namespace baton::providers
