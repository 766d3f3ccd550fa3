#pragma once

// Runs the real `baton` binary from a test: a child process with its own working directory,
// environment and pipes on stdout and stderr, that a test can read line by line, kill -9 at any
// point, or simply run to the end. Header-only, because only *_test.cc files are globbed into
// baton_cli_tests.
//
// Not thread-safe: one BatonProcess belongs to the test thread that started it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>

extern char** environ;

namespace baton::cli_test {

namespace fs = std::filesystem;

inline std::string baton_binary() { return BATON_BINARY_DIR "/baton"; }

// Where and how a child runs. `env` is added to (or overrides) a cleaned copy of this process's
// environment: variables that would change what `baton` does (BATON_DB, BATON_CACHE, NO_COLOR,
// OPENAI_*, ANTHROPIC_*) are removed first, so that a developer's shell cannot leak into a test.
struct SpawnOptions {
  fs::path cwd;
  std::map<std::string, std::string> env;
  std::string stdin_text;  // written to the child's stdin, which is then closed
};

struct Outcome {
  int exit_code = -1;  // the exit status, or -1 when killed by a signal
  int signal = 0;      // the signal that killed it, else 0
  std::string out;
  std::string err;
};

inline std::vector<std::string> child_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    std::string name = text.substr(0, text.find('='));
    if (name == "BATON_DB" || name == "BATON_CACHE" || name == "NO_COLOR" ||
        name.rfind("OPENAI_", 0) == 0 || name.rfind("ANTHROPIC_", 0) == 0 || env.count(name) > 0)
      continue;
    result.push_back(std::move(text));
  }
  for (const auto& [name, value] : env) result.push_back(name + "=" + value);
  return result;
}

class BatonProcess {
 public:
  BatonProcess() = default;
  BatonProcess(const BatonProcess&) = delete;
  BatonProcess& operator=(const BatonProcess&) = delete;
  ~BatonProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    close_fd(out_fd_);
    close_fd(err_fd_);
  }

  // Starts `baton ARGS...`. Returns false (and says why in `error`) when it cannot.
  bool start(const std::vector<std::string>& args, const SpawnOptions& options,
             std::string& error) {
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
        ::pipe2(in_pipe, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    // Everything the child needs is prepared before fork: between fork and exec, the child of
    // this multi-threaded process may only call async-signal-safe functions.
    std::vector<std::string> argv_text{baton_binary()};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text = child_environment(options.env);
    std::vector<char*> envp;
    for (std::string& entry : env_text) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string cwd = options.cwd.string();

    pid_t pid = ::fork();
    if (pid < 0) {
      error = std::string("fork: ") + std::strerror(errno);
      return false;
    }
    if (pid == 0) {
      ::dup2(in_pipe[0], STDIN_FILENO);
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::dup2(err_pipe[1], STDERR_FILENO);
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    pid_ = pid;
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(in_pipe[0]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    // Small inputs only: larger ones would need writing while reading.
    if (!options.stdin_text.empty()) {
      ssize_t written = ::write(in_pipe[1], options.stdin_text.data(), options.stdin_text.size());
      (void)written;
    }
    ::close(in_pipe[1]);
    return true;
  }

  // Reads until stdout has a complete line that was not returned yet, and returns it (without
  // the newline); false at the end of stdout.
  bool next_line(std::string& line) {
    while (true) {
      std::size_t newline = out_.find('\n', consumed_);
      if (newline != std::string::npos) {
        line = out_.substr(consumed_, newline - consumed_);
        consumed_ = newline + 1;
        return true;
      }
      if (out_fd_ < 0 && err_fd_ < 0) return false;
      if (!pump() && out_fd_ < 0) return false;
    }
  }

  void kill_now() { send(SIGKILL); }
  void send(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  // Reads both pipes to their end, reaps the child and returns what it did.
  Outcome wait() {
    while (out_fd_ >= 0 || err_fd_ >= 0) pump();
    if (pid_ > 0) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      pid_ = 0;
      if (WIFEXITED(status)) outcome_.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) outcome_.signal = WTERMSIG(status);
    }
    outcome_.out = out_;
    outcome_.err = err_;
    return outcome_;
  }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Waits for output on either pipe and appends it; false when both pipes are closed.
  bool pump() {
    pollfd fds[2];
    int count = 0;
    if (out_fd_ >= 0) fds[count++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[count++] = {err_fd_, POLLIN, 0};
    if (count == 0) return false;
    if (::poll(fds, count, -1) < 0) return errno == EINTR;
    for (int i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      bool is_out = fds[i].fd == out_fd_;
      char buffer[65536];
      ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        close_fd(is_out ? out_fd_ : err_fd_);
        continue;
      }
      (is_out ? out_ : err_).append(buffer, static_cast<std::size_t>(got));
    }
    return true;
  }

  pid_t pid_ = 0;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::size_t consumed_ = 0;
  Outcome outcome_;
};

// Runs `baton ARGS...` to its end.
inline Outcome run_baton(const std::vector<std::string>& args, const SpawnOptions& options) {
  BatonProcess process;
  std::string error;
  if (!process.start(args, options, error)) {
    Outcome failed;
    failed.err = error;
    return failed;
  }
  return process.wait();
}

inline std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

inline void write_file(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
}

// A fresh directory under the system's temp dir, removed with everything in it at the end.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    std::string pattern = (fs::temp_directory_path() / ("baton_cli_" + name + "_XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Splits text into lines (without their newlines); a last line without a newline counts.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace baton::cli_test
