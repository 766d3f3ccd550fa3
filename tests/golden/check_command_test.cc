// Runs the real `baton check` binary: exit codes 0 (valid), 2 (invalid), 1 (cannot read).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Runs `baton ARGS` from the tests/golden/lang directory, capturing stdout and stderr.
Outcome run_baton(const std::string& args) {
  const fs::path temp =
      fs::temp_directory_path() / ("baton_check_test_" + std::to_string(::getpid()));
  fs::create_directories(temp);
  const std::string command = "cd '" BATON_SOURCE_DIR "' && '" BATON_BINARY_DIR "/baton' " + args +
                              " >'" + (temp / "out").string() + "' 2>'" + (temp / "err").string() +
                              "'";
  int status = std::system(command.c_str());
  Outcome outcome;
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  outcome.out = slurp(temp / "out");
  outcome.err = slurp(temp / "err");
  fs::remove_all(temp);
  return outcome;
}

TEST(CheckCommandTest, ValidFileExitsZeroAndSaysOk) {
  Outcome outcome = run_baton("check examples/article.yaml");
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.out, "examples/article.yaml: ok\n");
  EXPECT_EQ(outcome.err, "");
}

TEST(CheckCommandTest, InvalidFileExitsTwoWithDiagnostics) {
  Outcome outcome = run_baton("check examples/article.yaml tests/golden/lang/cycle_two_steps.yaml");
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.out, "examples/article.yaml: ok\n");
  EXPECT_NE(outcome.err.find("tests/golden/lang/cycle_two_steps.yaml:"), std::string::npos)
      << outcome.err;
  EXPECT_NE(outcome.err.find(": error: steps 'a' -> 'b' -> 'a' form a cycle\n"), std::string::npos)
      << outcome.err;
}

TEST(CheckCommandTest, MissingFileExitsOne) {
  Outcome outcome = run_baton("check does/not/exist.yaml tests/golden/lang/cycle_two_steps.yaml");
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("does/not/exist.yaml: no such file"), std::string::npos)
      << outcome.err;
  // The other file is still checked.
  EXPECT_NE(outcome.err.find("form a cycle"), std::string::npos) << outcome.err;
}

TEST(CheckCommandTest, NoFileIsAUsageErrorExitingTwo) {
  EXPECT_EQ(run_baton("check").exit_code, 2);
}

}  // namespace
