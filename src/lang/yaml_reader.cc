// The one file that talks to yaml-cpp: it turns a document into a YamlNode tree and turns
// YAML::Exception into an Error. It uses yaml-cpp's event parser rather than YAML::Load: the
// node graph YAML::Load builds costs more than the whole checker on large files.
#include <istream>
#include <iterator>
#include <streambuf>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include "src/lang/yaml_tree.h"

namespace baton::lang {
namespace {

// yaml-cpp reads an std::istream: this one reads the text in place, where an istringstream
// would copy it.
class TextBuffer : public std::streambuf {
 public:
  explicit TextBuffer(std::string_view text) {
    // The get area is a char* only by type: a streambuf never writes through it.
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// yaml-cpp drops the scalar style, so read it back from the character the scalar starts with.
YamlNode::Style scalar_style(std::string_view text, int position) {
  if (position < 0 || static_cast<size_t>(position) >= text.size()) return YamlNode::Style::kPlain;
  switch (text[static_cast<size_t>(position)]) {
    case '\'':
      return YamlNode::Style::kSingleQuoted;
    case '"':
      return YamlNode::Style::kDoubleQuoted;
    case '|':
      return YamlNode::Style::kLiteral;
    case '>':
      return YamlNode::Style::kFolded;
    default:
      return YamlNode::Style::kPlain;
  }
}

class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(std::string_view text) : text_(text) {}

  YamlNode take_root() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    remember(place(mark, YamlNode::Kind::kNull), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    YamlNode& node = place(mark, YamlNode::Kind::kNull);
    if (it != anchors_.end()) {
      node = it->second;
      node.line = mark.line + 1;
      node.column = mark.column + 1;
    }
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlNode& node = place(mark, YamlNode::Kind::kScalar);
    node.value = value;
    node.style = scalar_style(text_, mark.pos);
    // A plain `~` or `null` is YAML's null ("!" marks a quoted or block scalar).
    if (node.style == YamlNode::Style::kPlain && tag != "!" &&
        (value == "~" || value == "null" || value == "Null" || value == "NULL")) {
      node.kind = YamlNode::Kind::kNull;
    }
    remember(node, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    stack_.push_back({start(mark, YamlNode::Kind::kSequence), anchor, children_.size()});
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    stack_.push_back({start(mark, YamlNode::Kind::kMapping), anchor, children_.size()});
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YamlNode node;
    YAML::anchor_t anchor;
    std::size_t first_child;  // where its children start in children_
  };

  static YamlNode start(const YAML::Mark& mark, YamlNode::Kind kind) {
    YamlNode node;
    node.kind = kind;
    node.line = mark.line + 1;
    node.column = mark.column + 1;
    return node;
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
  YamlNode& place(const YAML::Mark& mark, YamlNode::Kind kind) {
    YamlNode& node = stack_.empty() ? root_ : children_.emplace_back();
    node.kind = kind;
    node.line = mark.line + 1;
    node.column = mark.column + 1;
    return node;
  }

  void remember(const YamlNode& node, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = node;
  }

  std::string_view text_;
  std::vector<Frame> stack_;
  std::vector<YamlNode> children_;  // of every open collection, innermost last
  std::unordered_map<YAML::anchor_t, YamlNode> anchors_;
  YamlNode root_;
};

}  // namespace

Result<YamlNode> parse_yaml(std::string_view text) {
  try {
    TextBuffer buffer(text);
    std::istream stream(&buffer);
    YAML::Parser parser(stream);
    TreeBuilder builder(text);
    parser.HandleNextDocument(builder);
    return builder.take_root();
  } catch (const YAML::Exception& error) {
    Error out = invalid_input(error.msg.empty() ? std::string("invalid YAML") : error.msg);
    if (!error.mark.is_null()) {
      out.with_span(SourceSpan{"", error.mark.line + 1, error.mark.column + 1});
    }
    return out;
  } catch (const std::exception& error) {
    return invalid_input(std::string("invalid YAML: ") + error.what());
  }
}

}  // namespace baton::lang
