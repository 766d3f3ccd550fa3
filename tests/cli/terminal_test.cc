// `baton run` on a terminal (a pseudo-terminal here): the live view redraws in place with escape
// codes, NO_COLOR turns it into plain lines, and a human step is asked about on the spot.
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

// `baton ARGS...` with stdin, stdout and stderr on a new pseudo-terminal. Each time the output
// ends with a prompt in `answers` (in order), the answer is typed.
struct TerminalRun {
  int exit_code = -1;
  std::string screen;  // everything written to the terminal, escape codes included
};

TerminalRun run_on_terminal(const std::vector<std::string>& args, const SpawnOptions& options,
                            std::vector<std::pair<std::string, std::string>> answers = {}) {
  std::vector<std::string> argv_text{baton_binary()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::map<std::string, std::string> env = options.env;
  env.emplace("TERM", "xterm");
  std::vector<std::string> env_text = child_environment(env);
  std::vector<char*> envp;
  for (std::string& entry : env_text) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string cwd = options.cwd.string();

  TerminalRun result;
  winsize size{};
  size.ws_row = 40;
  size.ws_col = 120;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return result;
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  std::size_t next_answer = 0;
  std::size_t searched = 0;
  while (true) {
    pollfd fd{master, POLLIN, 0};
    int ready = ::poll(&fd, 1, 30000);
    if (ready == 0) {  // a hang guard, not a timing check: nothing for 30 s means stuck
      ADD_FAILURE() << "baton printed nothing for 30 s; screen so far:\n" << result.screen;
      ::kill(pid, SIGKILL);
      break;
    }
    if (ready < 0 && errno != EINTR) break;
    char buffer[4096];
    ssize_t got = ::read(master, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EIO: the child closed the terminal
    result.screen.append(buffer, static_cast<std::size_t>(got));
    if (next_answer < answers.size()) {
      std::size_t found = result.screen.find(answers[next_answer].first, searched);
      if (found != std::string::npos) {
        searched = found + answers[next_answer].first.size();
        const std::string& typed = answers[next_answer++].second;
        ssize_t written = ::write(master, typed.data(), typed.size());
        (void)written;
      }
    }
  }
  ::close(master);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

using TerminalTest = CliTest;

TEST_F(TerminalTest, TheLiveViewRedrawsStepLinesInPlace) {
  std::string file = write("two.yaml", kTwoPrompts);
  TerminalRun run = run_on_terminal({"run", file, "-i", "topic=tea", "--db", db()}, options());
  ASSERT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_NE(run.screen.find("\x1b[2K"), std::string::npos) << run.screen;  // clears a line
  EXPECT_NE(run.screen.find("first"), std::string::npos) << run.screen;
  EXPECT_NE(run.screen.find("succeeded"), std::string::npos) << run.screen;
  EXPECT_NE(run.screen.find(" tokens"), std::string::npos) << run.screen;
  EXPECT_NE(run.screen.find(" succeeded in "), std::string::npos) << run.screen;
}

TEST_F(TerminalTest, NoColorGivesPlainLinesEvenOnATerminal) {
  std::string file = write("two.yaml", kTwoPrompts);
  TerminalRun run =
      run_on_terminal({"run", file, "-i", "topic=tea", "--db", db()}, options({{"NO_COLOR", "1"}}));
  ASSERT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_EQ(run.screen.find('\x1b'), std::string::npos) << run.screen;
  EXPECT_NE(run.screen.find("first succeeded"), std::string::npos) << run.screen;
}

TEST_F(TerminalTest, AHumanStepIsAskedAboutOnTheTerminal) {
  std::string file = write("approval.yaml", kApproval);
  TerminalRun run =
      run_on_terminal({"run", file, "-i", "topic=tea", "--db", db()}, options({{"NO_COLOR", "1"}}),
                      {{"approve? [y]es, [n]o, [l]eave it waiting: ", "y\n"}});
  ASSERT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_NE(run.screen.find("fake reply to: draft about tea"), std::string::npos) << run.screen;
  EXPECT_NE(run.screen.find("review: Publish the draft?"), std::string::npos) << run.screen;
  EXPECT_NE(run.screen.find("publish succeeded"), std::string::npos) << run.screen;

  // Rejecting asks for a reason; leaving it waiting exits 3.
  run = run_on_terminal({"run", file, "-i", "topic=tea", "--db", db(), "--json"},
                        options({{"NO_COLOR", "1"}}));
  EXPECT_EQ(run.exit_code, 3) << run.screen;  // --json never asks
  run =
      run_on_terminal({"run", file, "-i", "topic=tea", "--db", db()}, options({{"NO_COLOR", "1"}}),
                      {{"approve? [y]es, [n]o, [l]eave it waiting: ", "n\n"},
                       {"reason (optional): ", "not now\n"}});
  ASSERT_EQ(run.exit_code, 0) << run.screen;
  EXPECT_NE(run.screen.find("publish skipped"), std::string::npos) << run.screen;
  run =
      run_on_terminal({"run", file, "-i", "topic=tea", "--db", db()}, options({{"NO_COLOR", "1"}}),
                      {{"approve? [y]es, [n]o, [l]eave it waiting: ", "l\n"}});
  EXPECT_EQ(run.exit_code, 3) << run.screen;
  EXPECT_NE(run.screen.find("waiting for a human: baton approve "), std::string::npos)
      << run.screen;
}

}  // namespace
}  // namespace baton::cli_test
