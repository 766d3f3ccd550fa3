// The one file that talks to yaml-cpp: it turns a document into a YamlNode tree and turns
// YAML::Exception into an Error. It uses yaml-cpp's event parser rather than YAML::Load: the
// node graph YAML::Load builds costs more than the whole checker on large files.
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include "src/lang/yaml_tree.h"

namespace baton::lang {
namespace {

// yaml-cpp drops the scalar style, so read it back from the character the scalar starts with.
YamlNode::Style scalar_style(const std::string& text, int position) {
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
  explicit TreeBuilder(const std::string& text) : text_(text) {}

  YamlNode take_root() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add(start(mark, YamlNode::Kind::kNull), anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    YamlNode node = it == anchors_.end() ? start(mark, YamlNode::Kind::kNull) : it->second;
    node.line = mark.line + 1;
    node.column = mark.column + 1;
    add(std::move(node), YAML::NullAnchor);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    YamlNode node = start(mark, YamlNode::Kind::kScalar);
    node.value = value;
    node.style = scalar_style(text_, mark.pos);
    // A plain `~` or `null` is YAML's null ("!" marks a quoted or block scalar).
    if (node.style == YamlNode::Style::kPlain && tag != "!" &&
        (value == "~" || value == "null" || value == "Null" || value == "NULL")) {
      node.kind = YamlNode::Kind::kNull;
    }
    add(std::move(node), anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    stack_.push_back({start(mark, YamlNode::Kind::kSequence), anchor, {}, false});
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    stack_.push_back({start(mark, YamlNode::Kind::kMapping), anchor, {}, false});
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YamlNode node;
    YAML::anchor_t anchor;
    YamlNode key;  // a mapping's key waiting for its value
    bool has_key;
  };

  static YamlNode start(const YAML::Mark& mark, YamlNode::Kind kind) {
    YamlNode node;
    node.kind = kind;
    node.line = mark.line + 1;
    node.column = mark.column + 1;
    return node;
  }

  void close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    add(std::move(frame.node), frame.anchor);
  }

  void add(YamlNode node, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = node;
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.is_sequence()) {
      top.node.items.push_back(std::move(node));
    } else if (!top.has_key) {
      top.key = std::move(node);
      top.has_key = true;
    } else {
      top.node.entries.push_back(YamlEntry{std::move(top.key), std::move(node)});
      top.has_key = false;
    }
  }

  const std::string& text_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, YamlNode> anchors_;
  YamlNode root_;
};

}  // namespace

Result<YamlNode> parse_yaml(const std::string& text) {
  try {
    std::istringstream stream(text);
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
