// Data-driven checker tests: every tests/golden/lang/NAME.yaml is a workflow with mistakes and
// NAME.expected the exact diagnostics `baton check` prints for it (FILE is the base name).
// Set BATON_UPDATE_GOLDEN=1 to rewrite the .expected files from the current output.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/lang/diagnostics.h"
#include "src/lang/loader.h"

namespace baton::lang {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<fs::path> files_with_extension(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CheckerGoldenTest, EveryMalformedWorkflowGivesItsExpectedDiagnostics) {
  const fs::path dir = fs::path(BATON_SOURCE_DIR) / "tests/golden/lang";
  const bool update = std::getenv("BATON_UPDATE_GOLDEN") != nullptr;
  std::vector<fs::path> cases = files_with_extension(dir, ".yaml");
  ASSERT_GE(cases.size(), 45u);
  for (const fs::path& path : cases) {
    SCOPED_TRACE(path.filename().string());
    const std::string text = read_file(path);
    LoadResult loaded = load_workflow(text, path.filename().string());
    EXPECT_FALSE(loaded.ok()) << "a golden case must have at least one error";
    const std::string actual = format_diagnostics(loaded.diagnostics, text);
    fs::path expected_path = path;
    expected_path.replace_extension(".expected");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << expected_path;
    EXPECT_EQ(read_file(expected_path), actual);
  }
}

TEST(CheckerGoldenTest, EveryExampleIsValid) {
  const fs::path dir = fs::path(BATON_SOURCE_DIR) / "examples";
  std::vector<fs::path> examples = files_with_extension(dir, ".yaml");
  ASSERT_FALSE(examples.empty());
  for (const fs::path& path : examples) {
    const std::string text = read_file(path);
    LoadResult loaded = load_workflow(text, path.filename().string());
    EXPECT_TRUE(loaded.ok()) << format_diagnostics(loaded.diagnostics, text);
  }
}

}  // namespace
}  // namespace baton::lang
