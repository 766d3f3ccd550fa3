#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baton/result.h"

namespace baton::lang {

struct YamlEntry;

// A YAML document as a plain tree that keeps where every node starts. The loader works on this
// tree so that no other file sees the YAML library.
struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  // How a scalar was written; decides how positions inside its value map back to the file.
  enum class Style { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded };

  Kind kind = Kind::kNull;
  Style style = Style::kPlain;
  std::string value;            // scalars only: the value after YAML unescaping and folding
  int line = 0;                 // 1-based; for a scalar, where its first character (quote, `|`) is
  int column = 0;               // 1-based, in bytes
  std::vector<YamlNode> items;  // sequences
  std::vector<YamlEntry> entries;  // mappings, in file order, duplicates kept

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_mapping() const { return kind == Kind::kMapping; }
  // A scalar written without quotes or block indicator: only these can be numbers or booleans.
  bool is_plain_scalar() const { return is_scalar() && style == Style::kPlain; }
};

// One `key: value` of a mapping. Named like std::pair's members, which it replaces because a
// pair of an incomplete type cannot be a member of that type.
struct YamlEntry {
  YamlNode first;   // the key
  YamlNode second;  // the value
};

// Parses the first YAML document of the text. Fails with kInvalidInput on a syntax error, whose
// span holds the line and column of the error (file left empty). An empty document gives a kNull
// node.
Result<YamlNode> parse_yaml(std::string_view text);

}  // namespace baton::lang
