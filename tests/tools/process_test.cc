#include "src/tools/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "src/tools/child_launch.h"

namespace baton::tools {
namespace {

using std::chrono::milliseconds;

// Generous bound that only catches hangs; never a speed assertion.
constexpr auto kHangLimit = std::chrono::seconds(25);

template <typename Pred>
void run_until(EventLoop& loop, Pred done) {
  auto start = EventLoop::Clock::now();
  while (!done()) {
    ASSERT_LT(EventLoop::Clock::now() - start, kHangLimit) << "loop hung";
    loop.run_once(milliseconds(100));
  }
}

Result<ProcessResult> run_one(ProcessSpec spec) {
  EventLoop loop;
  ProcessRunner runner(loop);
  std::optional<Result<ProcessResult>> outcome;
  runner.start(std::move(spec), [&](Result<ProcessResult> result) { outcome.emplace(result); });
  run_until(loop, [&] { return outcome.has_value(); });
  if (!outcome) return internal_error("hung");
  EXPECT_EQ(runner.running(), 0u);
  return std::move(*outcome);
}

ProcessSpec command(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

ProcessSpec shell(const std::string& script) { return command({"sh", "-c", script}); }

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "baton_process_XXXXXX";
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

int count_open_fds() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  while (dirent* entry = ::readdir(dir)) count += entry->d_name[0] != '.';
  ::closedir(dir);
  return count;
}

// True once `pid` no longer runs (gone, or a zombie waiting for its new parent to reap it).
bool process_is_dead(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  std::size_t paren = line.rfind(')');
  return paren == std::string::npos || line.substr(paren + 2, 1) == "Z";
}

TEST(ProcessRunnerTest, CatReturnsItsStdin) {
  ProcessSpec spec = command({"cat"});
  spec.stdin_text = "hello\nworld";
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "hello\nworld");
  EXPECT_EQ(result->stderr_text, "");
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_EQ(result->term_signal, 0);
  EXPECT_FALSE(result->timed_out);
  EXPECT_FALSE(result->stdout_truncated);
}

TEST(ProcessRunnerTest, ArgumentsAreNotSplitByAShell) {
  auto result = run_one(command({"echo", "a  b", "$HOME", "c"}));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "a  b $HOME c\n");
}

TEST(ProcessRunnerTest, BigStdinAndStdoutFlowTogether) {
  ProcessSpec spec = command({"cat"});
  spec.stdin_text.resize(8u << 20);
  for (std::size_t index = 0; index < spec.stdin_text.size(); ++index) {
    spec.stdin_text[index] = static_cast<char>('a' + index % 26);
  }
  spec.output_cap = 16u << 20;
  std::string expected = spec.stdin_text;
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text.size(), expected.size());
  EXPECT_TRUE(result->stdout_text == expected);
  EXPECT_FALSE(result->stdout_truncated);
}

TEST(ProcessRunnerTest, OutputPastTheCapIsDroppedWithoutBlockingTheChild) {
  ProcessSpec spec = command({"head", "-c", "20000000", "/dev/zero"});
  spec.output_cap = 1u << 20;
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text.size(), 1u << 20);
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_EQ(result->exit_code, 0);  // it wrote everything: we kept reading
}

TEST(ProcessRunnerTest, ZeroCapKeepsNothing) {
  ProcessSpec spec = shell("echo out; echo err >&2");
  spec.output_cap = 0;
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "");
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_TRUE(result->stderr_truncated);
}

TEST(ProcessRunnerTest, StderrAndExitCodeAreReported) {
  auto result = run_one(shell("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "out\n");
  EXPECT_EQ(result->stderr_text, "err\n");
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->term_signal, 0);
}

TEST(ProcessRunnerTest, ExitCodes) {
  auto ok = run_one(command({"true"}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->exit_code, 0);
  auto failed = run_one(command({"false"}));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->exit_code, 1);
  auto high = run_one(shell("exit 255"));
  ASSERT_TRUE(high);
  EXPECT_EQ(high->exit_code, 255);
}

TEST(ProcessRunnerTest, DeathBySignal) {
  auto result = run_one(shell("kill -TERM $$"));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->exit_code, -1);
  EXPECT_EQ(result->term_signal, SIGTERM);
  EXPECT_FALSE(result->timed_out);
}

TEST(ProcessRunnerTest, ChildDoesNotInheritIgnoredSignals) {
  // A shell cannot undo a signal ignored on entry, so this sh survives if it inherited our
  // SIG_IGN for SIGPIPE.
  auto* previous = ::signal(SIGPIPE, SIG_IGN);
  auto result = run_one(shell("kill -PIPE $$; echo survived"));
  ::signal(SIGPIPE, previous);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->term_signal, SIGPIPE);
  EXPECT_EQ(result->stdout_text, "");
}

TEST(ProcessRunnerTest, TimeoutKillsTheProcess) {
  ProcessSpec spec = command({"sleep", "30"});
  spec.timeout = milliseconds(200);
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->exit_code, -1);
  EXPECT_EQ(result->term_signal, SIGKILL);
  EXPECT_GE(result->elapsed, milliseconds(200));
}

TEST(ProcessRunnerTest, TimeoutKillsWhatTheProcessStarted) {
  ProcessSpec spec = shell("sleep 30 & echo $!; wait");
  spec.timeout = milliseconds(300);
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->term_signal, SIGKILL);
  std::string grandchild = result->stdout_text.substr(0, result->stdout_text.find('\n'));
  ASSERT_FALSE(grandchild.empty());
  auto start = EventLoop::Clock::now();
  while (!process_is_dead(grandchild)) {
    ASSERT_LT(EventLoop::Clock::now() - start, kHangLimit) << "sleep " << grandchild << " lives";
    std::this_thread::sleep_for(milliseconds(10));
  }
}

TEST(ProcessRunnerTest, StrayBackgroundProcessDoesNotHoldTheResult) {
  // Without the group kill at exit, `sleep 30` would keep stdout open for 30 s.
  auto result = run_one(shell("sleep 30 & echo $!"));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->exit_code, 0);
  std::string stray = result->stdout_text.substr(0, result->stdout_text.find('\n'));
  auto start = EventLoop::Clock::now();
  while (!process_is_dead(stray)) {
    ASSERT_LT(EventLoop::Clock::now() - start, kHangLimit);
    std::this_thread::sleep_for(milliseconds(10));
  }
}

TEST(ProcessRunnerTest, ProgramNotFoundIsAnErrorNamingIt) {
  auto result = run_one(command({"baton-no-such-program", "arg"}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(result.error().message().find("'baton-no-such-program'"), std::string::npos)
      << result.error().message();
  EXPECT_NE(result.error().message().find("not found"), std::string::npos);
}

TEST(ProcessRunnerTest, MissingPathIsAnError) {
  auto result = run_one(command({"/nonexistent/baton-tool"}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(result.error().message().find("/nonexistent/baton-tool"), std::string::npos);
}

TEST(ProcessRunnerTest, NotExecutableIsAnError) {
  TempDir dir;
  std::string script = dir.path() + "/script.sh";
  write_file(script, "#!/bin/sh\necho hi\n", 0644);
  auto result = run_one(command({script}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(result.error().message().find(script), std::string::npos);
  EXPECT_NE(result.error().message().find("Permission denied"), std::string::npos)
      << result.error().message();
}

TEST(ProcessRunnerTest, BadWorkingDirectoryIsAnError) {
  ProcessSpec spec = command({"pwd"});
  spec.cwd = "/nonexistent/baton-dir";
  auto result = run_one(std::move(spec));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("'pwd'"), std::string::npos);
  EXPECT_NE(result.error().message().find("/nonexistent/baton-dir"), std::string::npos)
      << result.error().message();
}

TEST(ProcessRunnerTest, RunsInTheWorkingDirectory) {
  TempDir dir;
  ProcessSpec spec = command({"pwd", "-P"});
  spec.cwd = dir.path();
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  char resolved[PATH_MAX];
  ASSERT_NE(::realpath(dir.path().c_str(), resolved), nullptr);
  EXPECT_EQ(result->stdout_text, std::string(resolved) + "\n");
}

TEST(ProcessRunnerTest, EnvironmentIsAddedAndReplaced) {
  ProcessSpec spec = shell("echo \"$BATON_TEST_VAR|$HOME|$BATON_TWICE\"");
  spec.env = {{"BATON_TEST_VAR", "hello world"},
              {"HOME", "/baton-home"},
              {"BATON_TWICE", "first"},
              {"BATON_TWICE", "second"}};
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "hello world|/baton-home|second\n");
}

TEST(ProcessRunnerTest, ProgramIsLookedUpOnTheChildsPath) {
  TempDir dir;
  write_file(dir.path() + "/baton-hello", "#!/bin/sh\necho hello from $0\n", 0755);
  ProcessSpec spec = command({"baton-hello"});
  spec.env = {{"PATH", "/nonexistent:" + dir.path() + ":/usr/bin:/bin"}};
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "hello from " + dir.path() + "/baton-hello\n");
}

TEST(ProcessRunnerTest, ChildDoesNotInheritOurDescriptors) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // deliberately without O_CLOEXEC
  auto result = run_one(shell("for fd in " + std::to_string(fds[0]) + " " + std::to_string(fds[1]) +
                              "; do [ -e /proc/$$/fd/$fd ] && echo leaked $fd; done; true"));
  ::close(fds[0]);
  ::close(fds[1]);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "");
}

TEST(ProcessRunnerTest, UnreadStdinDoesNotKillUs) {
  ProcessSpec spec = command({"true"});
  spec.stdin_text.assign(10u << 20, 'x');
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->exit_code, 0);
}

TEST(ProcessRunnerTest, DoneIsNeverCalledFromStart) {
  EventLoop loop;
  ProcessRunner runner(loop);
  int calls = 0;
  runner.start(command({"baton-no-such-program"}), [&](Result<ProcessResult>) { ++calls; });
  runner.start(command({}), [&](Result<ProcessResult> result) {
    EXPECT_FALSE(result);
    if (!result) {
      EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
    }
    ++calls;
  });
  EXPECT_EQ(calls, 0);
  run_until(loop, [&] { return calls == 2; });
}

TEST(ProcessRunnerTest, FiftyProcessesInParallelOnOneLoop) {
  EventLoop loop;
  ProcessRunner runner(loop);
  constexpr int kCount = 50;
  std::vector<std::optional<Result<ProcessResult>>> results(kCount);
  for (int index = 0; index < kCount; ++index) {
    ProcessSpec spec =
        command({"sh", "-c", "cat; echo \" $1\"; exit $(($1 % 7))", "sh", std::to_string(index)});
    spec.stdin_text = "process";
    runner.start(std::move(spec), [&results, index](Result<ProcessResult> result) {
      results[index].emplace(result);
    });
  }
  EXPECT_EQ(runner.running(), static_cast<std::size_t>(kCount));
  int finished = 0;
  run_until(loop, [&] {
    finished = 0;
    for (const auto& result : results) finished += result.has_value();
    return finished == kCount;
  });
  for (int index = 0; index < kCount; ++index) {
    ASSERT_TRUE(results[index].has_value());
    const auto& result = *results[index];
    ASSERT_TRUE(result) << result.error().message();
    EXPECT_EQ(result->stdout_text, "process " + std::to_string(index) + "\n");
    EXPECT_EQ(result->exit_code, index % 7);
  }
  EXPECT_EQ(runner.running(), 0u);
  EXPECT_FALSE(loop.run_once(milliseconds(0)));  // nothing left behind on the loop
}

TEST(ProcessRunnerTest, CancelKillsWithoutCallingBack) {
  EventLoop loop;
  ProcessRunner runner(loop);
  bool called = false;
  auto id = runner.start(command({"sleep", "30"}), [&](Result<ProcessResult>) { called = true; });
  EXPECT_EQ(runner.running(), 1u);
  loop.run_once(milliseconds(10));
  runner.cancel(id);
  runner.cancel(id);  // twice is harmless
  EXPECT_EQ(runner.running(), 0u);
  // The loop stays busy only until the killed child is reaped.
  auto start = EventLoop::Clock::now();
  while (loop.run_once(milliseconds(100))) {
    ASSERT_LT(EventLoop::Clock::now() - start, kHangLimit);
  }
  EXPECT_FALSE(called);
}

TEST(ProcessRunnerTest, DestructorKillsWithoutCallingBack) {
  EventLoop loop;
  bool called = false;
  {
    ProcessRunner runner(loop);
    runner.start(shell("sleep 30 & sleep 30"), [&](Result<ProcessResult>) { called = true; });
    loop.run_once(milliseconds(10));
    runner.start(command({}), [&](Result<ProcessResult>) { called = true; });  // posts an error
  }
  while (loop.run_once(milliseconds(0))) {
  }
  EXPECT_FALSE(called);
}

TEST(ProcessRunnerTest, DoneMayDestroyTheRunner) {
  EventLoop loop;
  auto runner = std::make_unique<ProcessRunner>(loop);
  int calls = 0;
  runner->start(command({"true"}), [&](Result<ProcessResult>) {
    ++calls;
    runner.reset();
  });
  runner->start(command({"sleep", "30"}), [&](Result<ProcessResult>) { ++calls; });
  run_until(loop, [&] { return runner == nullptr; });
  while (loop.run_once(milliseconds(0))) {
  }
  EXPECT_EQ(calls, 1);
}

TEST(ProcessRunnerTest, NoDescriptorsLeak) {
  int before = count_open_fds();
  for (int round = 0; round < 3; ++round) {
    ProcessSpec spec = command({"cat"});
    spec.stdin_text = "x";
    ASSERT_TRUE(run_one(std::move(spec)));
    ASSERT_FALSE(run_one(command({"baton-no-such-program"})));
  }
  EXPECT_EQ(count_open_fds(), before);
}

class PollingFallbackTest : public ::testing::Test {
 protected:
  void SetUp() override { internal::disable_pidfd_for_test(true); }
  void TearDown() override { internal::disable_pidfd_for_test(false); }
};

TEST_F(PollingFallbackTest, ExitIsSeenWithoutPidfd) {
  ProcessSpec spec = shell("cat; exit 5");
  spec.stdin_text = "in";
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->stdout_text, "in");
  EXPECT_EQ(result->exit_code, 5);
}

TEST_F(PollingFallbackTest, TimeoutAndCancelWithoutPidfd) {
  ProcessSpec spec = command({"sleep", "30"});
  spec.timeout = milliseconds(100);
  auto result = run_one(std::move(spec));
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_TRUE(result->timed_out);

  EventLoop loop;
  ProcessRunner runner(loop);
  auto id = runner.start(command({"sleep", "30"}), [](Result<ProcessResult>) { FAIL(); });
  runner.cancel(id);
  auto start = EventLoop::Clock::now();
  while (loop.run_once(milliseconds(100))) {
    ASSERT_LT(EventLoop::Clock::now() - start, kHangLimit);
  }
}

}  // namespace
}  // namespace baton::tools
