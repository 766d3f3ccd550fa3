#include "src/tools/child_launch.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string_view>
#include <vector>

#include <sys/syscall.h>

extern char** environ;

namespace baton::tools::internal {
namespace {

std::atomic<bool> pidfd_disabled{false};

std::string quoted_program(const ProcessSpec& spec) {
  return "'" + (spec.argv.empty() ? std::string() : spec.argv[0]) + "'";
}

// Our environment with `additions` added, or replacing variables of the same name.
std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& additions) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string_view name = text.substr(0, text.find('='));
    bool replaced = false;
    for (const auto& [added_name, value] : additions) replaced = replaced || added_name == name;
    if (!replaced) env.emplace_back(text);
  }
  for (std::size_t index = 0; index < additions.size(); ++index) {
    const auto& [name, value] = additions[index];
    bool overridden_later = false;
    for (std::size_t later = index + 1; later < additions.size(); ++later) {
      overridden_later = overridden_later || additions[later].first == name;
    }
    if (!overridden_later) env.push_back(name + "=" + value);
  }
  return env;
}

// The paths the child tries in turn, as execvp would: argv[0] itself when it has a slash, else
// argv[0] in each PATH directory. Relative entries resolve in the child's cwd, after chdir.
std::vector<std::string> exec_candidates(const std::string& program,
                                         const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return {program};
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : env) {
    if (entry.starts_with("PATH=")) path = entry.substr(5);
  }
  std::vector<std::string> candidates;
  std::size_t begin = 0;
  while (true) {
    std::size_t end = path.find(':', begin);
    std::string dir = path.substr(begin, end == std::string::npos ? end : end - begin);
    candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + program);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return candidates;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Everything the child needs, built before fork(): between fork and exec the child may only
// make async-signal-safe calls, so it must not allocate.
struct ExecPlan {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::vector<std::string> candidates;
  std::vector<char*> argv_ptrs;
  std::vector<char*> env_ptrs;
  const char* cwd = nullptr;
};

[[noreturn]] void report_and_exit(int report_fd, int stage, int error_number) {
  ExecReport report{stage, error_number};
  while (::write(report_fd, &report, sizeof report) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

// Runs in the child after fork(), with every signal blocked. Never returns.
[[noreturn]] void exec_child(const ExecPlan& plan, const int (&ends)[3], int report_end) {
  // Dispositions the parent set to "ignore" would survive exec (SIGPIPE in particular).
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
  }
  ::setpgid(0, 0);
  // Move every end above 2 first, so that installing one on 0-2 cannot clobber another.
  int report_fd = ::fcntl(report_end, F_DUPFD_CLOEXEC, 3);
  if (report_fd < 0) ::_exit(127);
  int moved[3];
  for (int index = 0; index < 3; ++index) {
    moved[index] = ::fcntl(ends[index], F_DUPFD_CLOEXEC, 3);
    if (moved[index] < 0) report_and_exit(report_fd, kStageSetup, errno);
  }
  for (int index = 0; index < 3; ++index) {
    if (::dup2(moved[index], index) < 0) report_and_exit(report_fd, kStageSetup, errno);
  }
  // Descriptors some library opened without O_CLOEXEC must not reach the program either.
  ::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) {
    report_and_exit(report_fd, kStageChdir, errno);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  bool denied = false;
  for (const std::string& candidate : plan.candidates) {
    ::execve(candidate.c_str(), plan.argv_ptrs.data(), plan.env_ptrs.data());
    if (errno == EACCES) {
      denied = true;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      report_and_exit(report_fd, kStageExec, errno);
    }
  }
  report_and_exit(report_fd, kStageExec, denied ? EACCES : ENOENT);
}

struct PipePair {
  int read_end = -1;
  int write_end = -1;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::string errno_text(int error_number) {
  char buffer[256];
  // The GNU strerror_r: returns the message, which may or may not live in `buffer`.
  return ::strerror_r(error_number, buffer, sizeof buffer);
}

Result<LaunchedChild> launch_child(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return invalid_input("cannot start a process: the command is empty");
  }
  for (const std::string& arg : spec.argv) {
    if (arg.find('\0') != std::string::npos) {
      return invalid_input("cannot start " + quoted_program(spec) +
                           ": an argument contains a NUL byte");
    }
  }
  ExecPlan plan;
  plan.argv = spec.argv;
  plan.env = child_environment(spec.env);
  plan.candidates = exec_candidates(spec.argv[0], plan.env);
  plan.argv_ptrs = c_strings(plan.argv);
  plan.env_ptrs = c_strings(plan.env);
  if (!spec.cwd.empty()) plan.cwd = spec.cwd.c_str();

  PipePair pipes[4];  // stdin, stdout, stderr, exec report
  for (PipePair& pipe : pipes) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      int error_number = errno;
      for (PipePair& opened : pipes) {
        close_fd(opened.read_end);
        close_fd(opened.write_end);
      }
      return Error(ErrorCode::kUnavailable,
                   "cannot start " + quoted_program(spec) + ": pipe: " + errno_text(error_number));
    }
    pipe = {fds[0], fds[1]};
  }
  const int child_ends[3] = {pipes[0].read_end, pipes[1].write_end, pipes[2].write_end};

  // Blocked across fork so that no handler of ours runs in the child before it resets them.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = ::fork();
  if (pid == 0) exec_child(plan, child_ends, pipes[3].write_end);
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);

  close_fd(pipes[0].read_end);
  close_fd(pipes[1].write_end);
  close_fd(pipes[2].write_end);
  close_fd(pipes[3].write_end);
  if (pid < 0) {
    for (PipePair& pipe : pipes) {
      close_fd(pipe.read_end);
      close_fd(pipe.write_end);
    }
    return Error(ErrorCode::kUnavailable,
                 "cannot start " + quoted_program(spec) + ": fork: " + errno_text(fork_errno));
  }
  // The child does this too; doing it here as well closes the window in which a kill of the
  // group could miss a child that has not run yet. It fails harmlessly once the child exec'd.
  ::setpgid(pid, pid);

  LaunchedChild child;
  child.pid = pid;
  child.stdout_fd = pipes[1].read_end;
  child.stderr_fd = pipes[2].read_end;
  child.exec_report_fd = pipes[3].read_end;
  if (spec.stdin_text.empty()) {
    close_fd(pipes[0].write_end);
  } else {
    child.stdin_fd = pipes[0].write_end;
  }
  for (int fd : {child.stdin_fd, child.stdout_fd, child.stderr_fd, child.exec_report_fd}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return child;
}

Error exec_failure_error(const ProcessSpec& spec, const ExecReport& report) {
  std::string prefix = "cannot start " + quoted_program(spec) + ": ";
  int error_number = report.error_number;
  ErrorCode code = error_number == ENOENT ? ErrorCode::kNotFound : ErrorCode::kInvalidInput;
  switch (report.stage) {
    case kStageChdir:
      return Error(code, prefix + "cannot change directory to '" + spec.cwd +
                             "': " + errno_text(error_number));
    case kStageExec:
      if (error_number == ENOENT && spec.argv[0].find('/') == std::string::npos) {
        return Error(code, prefix + "not found on PATH");
      }
      return Error(code, prefix + errno_text(error_number));
    default:
      return Error(ErrorCode::kUnavailable,
                   prefix + "setting up the child failed: " + errno_text(error_number));
  }
}

int open_pidfd(int pid) {
  if (pidfd_disabled.load()) return -1;
#ifdef SYS_pidfd_open
  // pidfd_open sets O_CLOEXEC itself. Older kernels answer ENOSYS, sandboxes may answer EPERM:
  // the caller then polls waitpid.
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

void disable_pidfd_for_test(bool disabled) { pidfd_disabled = disabled; }

long write_without_sigpipe(int fd, const char* data, unsigned long size) {
  sigset_t pipe_only;
  sigset_t previous;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;

  ssize_t written = ::write(fd, data, size);
  int error_number = errno;
  // Consume the SIGPIPE this write raised, unless one was already waiting (not ours to eat) or
  // this thread had it blocked anyway.
  if (written < 0 && error_number == EPIPE && !was_pending &&
      sigismember(&previous, SIGPIPE) != 1) {
    timespec no_wait{};
    while (::sigtimedwait(&pipe_only, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  errno = error_number;
  return written;
}

}  // namespace baton::tools::internal
