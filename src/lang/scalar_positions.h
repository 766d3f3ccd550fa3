#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "src/lang/yaml_tree.h"

namespace baton::lang {

// Maps positions inside a scalar's value back to the file: a template error at line 2,
// column 5 of a `|` block is reported where that character is written, after the quote,
// escapes, folding and block indentation are accounted for.
//
// Keeps a view of `source`, which must outlive it.
class ScalarPositions {
 public:
  explicit ScalarPositions(std::string_view source);

  // The file line and column (1-based) of `line`:`column` (1-based, counted in the scalar's
  // value). Falls back to the scalar's own start when the place cannot be mapped.
  std::pair<int, int> locate(const YamlNode& scalar, int line, int column) const;

 private:
  // One file position per byte of the scalar's value; empty when decoding disagrees with the
  // value yaml-cpp produced (then only the start is known).
  std::vector<std::pair<int, int>> decode(const YamlNode& scalar) const;
  std::vector<std::pair<int, int>> decode_flow(const YamlNode& scalar) const;
  std::vector<std::pair<int, int>> decode_block(const YamlNode& scalar) const;
  std::size_t offset_of(int line, int column) const;
  std::pair<int, int> position_of(std::size_t offset) const;

  std::string_view source_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace baton::lang
