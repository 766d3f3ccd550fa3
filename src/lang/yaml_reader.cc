// The one file that talks to the YAML library: it turns a document into a YamlNode tree and a
// syntax error into an Error. It reads libyaml's events: libyaml's scanner is several times
// faster than yaml-cpp's, whose regex matcher was half the time of loading a large workflow.
#include <yaml.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/lang/yaml_tree.h"

namespace baton::lang {
namespace {

// libyaml counts columns in characters; a YamlNode's column is in bytes.
class ByteColumns {
 public:
  explicit ByteColumns(std::string_view text) : text_(text) {}

  // The 1-based byte column of a 0-based (line, character column) mark.
  int column(std::size_t line, std::size_t characters) {
    return static_cast<int>(offset(line, characters) - line_start(line)) + 1;
  }

  // The byte offset of a 0-based (line, character column) mark.
  std::size_t offset(std::size_t line, std::size_t characters) {
    std::size_t at = line_start(line);
    for (std::size_t counted = 0; counted < characters && at < text_.size(); ++counted) {
      ++at;  // past the lead byte, then past its continuation bytes
      while (at < text_.size() && (static_cast<unsigned char>(text_[at]) & 0xC0) == 0x80) ++at;
    }
    return at;
  }

 private:
  std::size_t line_start(std::size_t line) {
    if (line_starts_.empty()) line_starts_.push_back(0);
    while (line_starts_.size() <= line && scanned_ < text_.size()) {
      const std::size_t newline = text_.find('\n', scanned_);
      if (newline == std::string_view::npos) {
        scanned_ = text_.size();
        break;
      }
      scanned_ = newline + 1;
      line_starts_.push_back(scanned_);
    }
    return line < line_starts_.size() ? line_starts_[line] : text_.size();
  }

  std::string_view text_;
  std::vector<std::size_t> line_starts_;  // of the lines scanned so far
  std::size_t scanned_ = 0;
};

YamlNode::Style style_of(yaml_scalar_style_t style) {
  switch (style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
      return YamlNode::Style::kSingleQuoted;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
      return YamlNode::Style::kDoubleQuoted;
    case YAML_LITERAL_SCALAR_STYLE:
      return YamlNode::Style::kLiteral;
    case YAML_FOLDED_SCALAR_STYLE:
      return YamlNode::Style::kFolded;
    default:
      return YamlNode::Style::kPlain;
  }
}

std::string_view text_of(const yaml_char_t* text) {
  return text == nullptr ? std::string_view() : reinterpret_cast<const char*>(text);
}

// Owns a parser and the event being read, and frees them.
class EventReader {
 public:
  explicit EventReader(std::string_view text) {
    ready_ = yaml_parser_initialize(&parser_) != 0;
    if (ready_) {
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                   text.size());
    }
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;
  ~EventReader() {
    if (has_event_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }

  // The next event, or nullptr after a syntax error (see parser()).
  const yaml_event_t* next() {
    if (has_event_) yaml_event_delete(&event_);
    has_event_ = ready_ && yaml_parser_parse(&parser_, &event_) != 0;
    return has_event_ ? &event_ : nullptr;
  }

  const yaml_parser_t& parser() const { return parser_; }

 private:
  yaml_parser_t parser_{};
  yaml_event_t event_{};
  bool ready_ = false;
  bool has_event_ = false;
};

class TreeBuilder {
 public:
  explicit TreeBuilder(std::string_view text) : text_(text), columns_(text) {}

  // Reads the first document. kInvalidInput on a syntax error or an unknown alias.
  Result<YamlNode> read(EventReader& events) {
    while (const yaml_event_t* event = events.next()) {
      switch (event->type) {
        case YAML_SCALAR_EVENT:
          scalar(*event);
          break;
        case YAML_ALIAS_EVENT:
          BATON_TRY(alias(*event));
          break;
        case YAML_SEQUENCE_START_EVENT:
          open(*event, YamlNode::Kind::kSequence, event->data.sequence_start.anchor);
          break;
        case YAML_MAPPING_START_EVENT:
          open(*event, YamlNode::Kind::kMapping, event->data.mapping_start.anchor);
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          close();
          break;
        case YAML_DOCUMENT_END_EVENT:
        case YAML_STREAM_END_EVENT:
          return std::move(root_);  // later documents are not read
        default:
          break;  // stream and document starts
      }
    }
    return syntax_error(events.parser());
  }

 private:
  struct Frame {
    YamlNode node;
    std::string anchor;
    std::size_t first_child;  // where its children start in children_
  };

  void scalar(const yaml_event_t& event) {
    const auto& data = event.data.scalar;
    YamlNode& node = place(event.start_mark, YamlNode::Kind::kScalar);
    node.value.assign(reinterpret_cast<const char*>(data.value), data.length);
    node.style = style_of(data.style);
    // An untagged plain `~`, `null` or nothing at all is YAML's null.
    if (node.style == YamlNode::Style::kPlain && data.tag == nullptr &&
        (node.value.empty() || node.value == "~" || node.value == "null" || node.value == "Null" ||
         node.value == "NULL")) {
      node.kind = YamlNode::Kind::kNull;
    }
    remember(node, text_of(data.anchor));
  }

  Status alias(const yaml_event_t& event) {
    const std::string_view name = text_of(event.data.alias.anchor);
    auto found = anchors_.find(std::string(name));
    if (found == anchors_.end()) {
      return invalid_input("the alias *" + std::string(name) + " names no anchor defined before it")
          .with_span(span(event.start_mark));
    }
    YamlNode& node = place(event.start_mark, YamlNode::Kind::kNull);
    const int line = node.line;
    const int column = node.column;
    node = found->second;
    node.line = line;
    node.column = column;
    return ok_status();
  }

  void open(const yaml_event_t& event, YamlNode::Kind kind, const yaml_char_t* anchor) {
    YamlNode node;
    node.kind = kind;
    set_position(node, event.start_mark);
    stack_.push_back({std::move(node), std::string(text_of(anchor)), children_.size()});
  }

  // Moves the children of the collection being closed out of children_, into a vector of
  // their exact size (cheaper than growing it one child at a time).
  void close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    auto first = children_.begin() + static_cast<std::ptrdiff_t>(frame.first_child);
    if (frame.node.is_sequence()) {
      frame.node.items.assign(std::make_move_iterator(first),
                              std::make_move_iterator(children_.end()));
    } else {
      frame.node.entries.reserve(static_cast<std::size_t>(children_.end() - first) / 2);
      for (auto key = first; key + 1 < children_.end(); key += 2) {  // key, value, key, ...
        frame.node.entries.push_back(YamlEntry{std::move(*key), std::move(*(key + 1))});
      }
    }
    children_.erase(first, children_.end());
    YamlNode& node = stack_.empty() ? root_ : children_.emplace_back();
    node = std::move(frame.node);
    remember(node, frame.anchor);
  }

  // A new node, made in place: the next child of the innermost open collection, or the root.
  YamlNode& place(const yaml_mark_t& mark, YamlNode::Kind kind) {
    YamlNode& node = stack_.empty() ? root_ : children_.emplace_back();
    node.kind = kind;
    set_position(node, mark);
    return node;
  }

  void set_position(YamlNode& node, const yaml_mark_t& mark) {
    node.line = static_cast<int>(mark.line) + 1;
    node.column = columns_.column(mark.line, mark.column);
  }

  SourceSpan span(const yaml_mark_t& mark) {
    return SourceSpan{"", static_cast<int>(mark.line) + 1, columns_.column(mark.line, mark.column)};
  }

  void remember(const YamlNode& node, std::string_view anchor) {
    if (!anchor.empty()) anchors_[std::string(anchor)] = node;
  }

  // libyaml's problem, placed where it helps: at the start of what is never closed when the
  // file ends inside it, and with what was being read when that started on another line
  // ("while parsing a block mapping that starts at line 3, did not find expected key").
  Error syntax_error(const yaml_parser_t& parser) {
    if (parser.error == YAML_MEMORY_ERROR) return internal_error("out of memory reading YAML");
    if (parser.error == YAML_READER_ERROR) return encoding_error(parser);
    std::string problem = parser.problem != nullptr ? parser.problem : "invalid YAML";
    const std::size_t at = byte_offset(parser.problem_mark);
    if (at < text_.size() && text_[at] == '\t') {
      return invalid_input("a tab cannot indent YAML or start a value: use spaces")
          .with_span(span(parser.problem_mark));
    }
    const bool at_end = text_.find_first_not_of(" \t\r\n", at) == std::string_view::npos;
    if (at_end) problem += " at the end of the file";
    if (parser.context == nullptr || parser.context_mark.index == parser.problem_mark.index) {
      return invalid_input(problem).with_span(span(parser.problem_mark));
    }
    std::string_view context = parser.context;
    for (std::string_view lead : {"while scanning ", "while parsing "}) {
      if (context.starts_with(lead)) context.remove_prefix(lead.size());
    }
    // `value: {{ x }}` reads as a flow mapping whose key is another: it starts at either brace.
    const std::size_t context_at = byte_offset(parser.context_mark);
    const bool template_key = text_.substr(context_at).starts_with("{{") ||
                              (context_at > 0 && text_.substr(context_at - 1).starts_with("{{"));
    const std::string hint =
        template_key ? " (a value that starts with '{{' must be quoted: \"{{ ... }}\")" : "";
    if (at_end) {
      return invalid_input(std::string(context) + " that starts here is never closed" + hint)
          .with_span(span(parser.context_mark));
    }
    if (parser.context_mark.line != parser.problem_mark.line) {
      problem = std::string(parser.context) + " that starts at line " +
                std::to_string(parser.context_mark.line + 1) + ", " + problem;
    }
    return invalid_input(problem + hint).with_span(span(parser.problem_mark));
  }

  std::size_t byte_offset(const yaml_mark_t& mark) {
    return columns_.offset(mark.line, mark.column);
  }

  // A reader error (bad UTF-8, a control character) is placed by byte offset, not by mark.
  Error encoding_error(const yaml_parser_t& parser) {
    const std::string_view before = text_.substr(0, std::min(parser.problem_offset, text_.size()));
    const std::size_t line_start = before.rfind('\n');
    const int line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
    const int column = static_cast<int>(
        before.size() - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
    std::string message = parser.problem != nullptr ? parser.problem : "cannot read the text";
    return invalid_input(message + " (byte " + std::to_string(parser.problem_offset) + ")")
        .with_span(SourceSpan{"", line, column});
  }

  std::string_view text_;
  ByteColumns columns_;
  std::vector<Frame> stack_;
  std::vector<YamlNode> children_;  // of every open collection, innermost last
  std::unordered_map<std::string, YamlNode> anchors_;
  YamlNode root_;
};

}  // namespace

Result<YamlNode> parse_yaml(std::string_view text) {
  EventReader events(text);
  TreeBuilder builder(text);
  return builder.read(events);
}

}  // namespace baton::lang
