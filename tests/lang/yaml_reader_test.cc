// The YAML reader: the tree, positions in bytes, nulls, aliases and syntax errors.
#include <string>

#include <gtest/gtest.h>

#include "src/lang/yaml_tree.h"

namespace baton::lang {
namespace {

TEST(YamlReaderTest, KeepsEntriesInFileOrderWithTheirPositions) {
  Result<YamlNode> root = parse_yaml("b: 1\na:\n  - x\n  - 'y'\n");
  ASSERT_TRUE(root) << root.error().message();
  ASSERT_TRUE(root->is_mapping());
  ASSERT_EQ(root->entries.size(), 2u);
  EXPECT_EQ(root->entries[0].first.value, "b");
  EXPECT_EQ(root->entries[1].first.value, "a");
  const YamlNode& list = root->entries[1].second;
  ASSERT_TRUE(list.is_sequence());
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[1].value, "y");
  EXPECT_EQ(list.items[1].style, YamlNode::Style::kSingleQuoted);
  EXPECT_EQ(list.items[1].line, 4);
  EXPECT_EQ(list.items[1].column, 5);  // the quote
}

TEST(YamlReaderTest, ColumnsCountBytesNotCharacters) {
  // "é" and "✓" take 2 and 3 bytes: the value after them starts at byte column 12.
  Result<YamlNode> root = parse_yaml("k: {\xc3\xa9\xe2\x9c\x93: v}\nnext: w\n");
  ASSERT_TRUE(root) << root.error().message();
  const YamlNode& inner = root->entries[0].second;
  ASSERT_TRUE(inner.is_mapping());
  EXPECT_EQ(inner.entries[0].second.value, "v");
  EXPECT_EQ(inner.entries[0].second.column, 12);
  EXPECT_EQ(root->entries[1].second.line, 2);
  EXPECT_EQ(root->entries[1].second.column, 7);
}

TEST(YamlReaderTest, UntaggedPlainNullsAndEmptyValuesAreNull) {
  Result<YamlNode> root = parse_yaml("a:\nb: ~\nc: null\nd: 'null'\ne: \"\"\n");
  ASSERT_TRUE(root) << root.error().message();
  EXPECT_TRUE(root->entries[0].second.is_null());
  EXPECT_TRUE(root->entries[1].second.is_null());
  EXPECT_TRUE(root->entries[2].second.is_null());
  EXPECT_TRUE(root->entries[3].second.is_scalar());  // quoted: the text "null"
  EXPECT_TRUE(root->entries[4].second.is_scalar());  // quoted: the empty string
}

TEST(YamlReaderTest, AnAliasCopiesItsAnchorAtItsOwnPlace) {
  Result<YamlNode> root = parse_yaml("base: &m {model: gpt}\ncopy: *m\n");
  ASSERT_TRUE(root) << root.error().message();
  const YamlNode& copy = root->entries[1].second;
  ASSERT_TRUE(copy.is_mapping());
  EXPECT_EQ(copy.entries[0].second.value, "gpt");
  EXPECT_EQ(copy.line, 2);
  EXPECT_EQ(copy.column, 7);
}

TEST(YamlReaderTest, AnAliasWithoutAnchorIsAnErrorAtTheAlias) {
  Result<YamlNode> root = parse_yaml("a: 1\nb: *nowhere\n");
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().message(), "the alias *nowhere names no anchor defined before it");
  EXPECT_EQ(root.error().span()->line, 2);
  EXPECT_EQ(root.error().span()->column, 4);
}

TEST(YamlReaderTest, AnEmptyDocumentIsNull) {
  Result<YamlNode> root = parse_yaml("");
  ASSERT_TRUE(root);
  EXPECT_TRUE(root->is_null());
}

TEST(YamlReaderTest, OnlyTheFirstDocumentIsRead) {
  Result<YamlNode> root = parse_yaml("a: 1\n---\nb: 2\n");
  ASSERT_TRUE(root) << root.error().message();
  ASSERT_EQ(root->entries.size(), 1u);
  EXPECT_EQ(root->entries[0].first.value, "a");
}

TEST(YamlReaderTest, InvalidUtf8IsPlacedByItsByte) {
  Result<YamlNode> root = parse_yaml("a: 1\nb: x\xff\n");
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().span()->line, 2);
  EXPECT_EQ(root.error().span()->column, 5);
}

}  // namespace
}  // namespace baton::lang
