#include "src/tools/process.h"

#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <unordered_map>

#include <sys/wait.h>

#include "src/tools/child_launch.h"

namespace baton::tools {
namespace {

using internal::ExecReport;

// Exit polling when there is no pidfd. Short enough that a quick command does not feel slow.
constexpr std::chrono::milliseconds kExitPollInterval{10};
// Reads per readiness callback: a chatty child cannot starve the rest of the loop.
constexpr int kMaxReadsPerWake = 16;
// How long the destructor waits for SIGKILLed children before leaving them unreaped.
constexpr std::chrono::seconds kReapOnDestroyLimit{2};

enum class Stream { kStdout, kStderr };

struct Child {
  ProcessSpec spec;
  ProcessRunner::Callback done;
  int pid = -1;
  int pidfd = -1;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int exec_report_fd = -1;
  std::size_t stdin_offset = 0;
  std::optional<ExecReport> exec_failure;
  ProcessResult result;
  bool reaped = false;
  bool cancelled = false;  // killed by cancel(): only waits to be reaped, never calls back
  EventLoop::TimerId timeout_timer = 0;
  EventLoop::Clock::time_point started;
};

void kill_group(const Child& child) {
  // Only while the leader is unreaped: its zombie keeps the group id from being reused.
  if (!child.reaped) ::kill(-child.pid, SIGKILL);
}

}  // namespace

struct ProcessRunner::State {
  explicit State(EventLoop& event_loop) : loop(event_loop) {}

  EventLoop& loop;
  ProcessId next_id = 1;
  std::unordered_map<ProcessId, std::unique_ptr<Child>> children;
  EventLoop::TimerId poll_timer = 0;
  // Tasks posted to the loop hold a weak_ptr to this: the loop may run them after the runner is
  // gone. No one else owns it.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  std::array<char, 64 * 1024> buffer;

  Child* find(ProcessId id) {
    auto found = children.find(id);
    return found == children.end() ? nullptr : found->second.get();
  }

  void close_fd(int& fd) {
    if (fd < 0) return;
    loop.unwatch(fd);
    ::close(fd);
    fd = -1;
  }

  // Closes the pipes and the timeout; the pidfd stays, to see the exit.
  void release_pipes(Child& child) {
    close_fd(child.stdin_fd);
    close_fd(child.stdout_fd);
    close_fd(child.stderr_fd);
    close_fd(child.exec_report_fd);
    loop.cancel_timer(child.timeout_timer);
    child.timeout_timer = 0;
  }

  void release(Child& child) {
    release_pipes(child);
    close_fd(child.pidfd);
  }

  void post_error(Callback done, Error error) {
    loop.post([alive = std::weak_ptr<bool>(alive), done = std::move(done),
               error = std::move(error)]() mutable {
      if (!alive.expired()) done(std::move(error));
    });
  }

  ProcessId start(ProcessSpec spec, Callback done) {
    ProcessId id = next_id++;
    Result<internal::LaunchedChild> launched = internal::launch_child(spec);
    if (!launched) {
      post_error(std::move(done), std::move(launched).error());
      return id;
    }
    auto child = std::make_unique<Child>();
    child->pid = launched->pid;
    child->stdin_fd = launched->stdin_fd;
    child->stdout_fd = launched->stdout_fd;
    child->stderr_fd = launched->stderr_fd;
    child->exec_report_fd = launched->exec_report_fd;
    child->started = EventLoop::Clock::now();
    child->done = std::move(done);
    child->spec = std::move(spec);
    child->pidfd = internal::open_pidfd(child->pid);

    if (child->stdin_fd >= 0) {
      loop.watch(child->stdin_fd, EventLoop::kWritable, [this, id](unsigned) { on_stdin(id); });
    }
    loop.watch(child->stdout_fd, EventLoop::kReadable,
               [this, id](unsigned) { on_output(id, Stream::kStdout); });
    loop.watch(child->stderr_fd, EventLoop::kReadable,
               [this, id](unsigned) { on_output(id, Stream::kStderr); });
    loop.watch(child->exec_report_fd, EventLoop::kReadable,
               [this, id](unsigned) { on_exec_report(id); });
    if (child->pidfd >= 0) {
      loop.watch(child->pidfd, EventLoop::kReadable, [this, id](unsigned) { on_exit(id); });
    }
    if (child->spec.timeout.count() > 0) {
      child->timeout_timer = loop.add_timer(child->spec.timeout, [this, id] { on_timeout(id); });
    }
    bool needs_polling = child->pidfd < 0;
    children.emplace(id, std::move(child));
    if (needs_polling) arm_poll_timer();
    return id;
  }

  void on_stdin(ProcessId id) {
    Child* child = find(id);
    if (child == nullptr) return;
    const std::string& text = child->spec.stdin_text;
    while (child->stdin_offset < text.size()) {
      std::size_t chunk = std::min<std::size_t>(text.size() - child->stdin_offset, 64 * 1024);
      long written = internal::write_without_sigpipe(child->stdin_fd,
                                                     text.data() + child->stdin_offset, chunk);
      if (written > 0) {
        child->stdin_offset += static_cast<std::size_t>(written);
      } else if (written < 0 && errno == EINTR) {
        continue;
      } else if (written < 0 && errno == EAGAIN) {
        return;
      } else {
        break;  // EPIPE: the child does not read its stdin; that is its business
      }
    }
    close_fd(child->stdin_fd);
    std::string().swap(child->spec.stdin_text);
  }

  // Reads what is there; returns true at end of stream (or on a read error).
  bool drain(int fd, std::string& text, bool& truncated, std::size_t cap, int max_reads) {
    for (int reads = 0; reads < max_reads; ++reads) {
      ssize_t got = ::read(fd, buffer.data(), buffer.size());
      if (got > 0) {
        auto size = static_cast<std::size_t>(got);
        std::size_t room = text.size() < cap ? cap - text.size() : 0;
        text.append(buffer.data(), std::min(size, room));
        if (size > room) truncated = true;
      } else if (got < 0 && errno == EINTR) {
        continue;
      } else if (got < 0 && errno == EAGAIN) {
        return false;
      } else {
        return true;
      }
    }
    return false;
  }

  bool drain_stream(Child& child, Stream stream, int max_reads) {
    ProcessResult& result = child.result;
    if (stream == Stream::kStdout) {
      return drain(child.stdout_fd, result.stdout_text, result.stdout_truncated,
                   child.spec.output_cap, max_reads);
    }
    return drain(child.stderr_fd, result.stderr_text, result.stderr_truncated,
                 child.spec.output_cap, max_reads);
  }

  void on_output(ProcessId id, Stream stream) {
    Child* child = find(id);
    if (child == nullptr) return;
    if (!drain_stream(*child, stream, kMaxReadsPerWake)) return;
    close_fd(stream == Stream::kStdout ? child->stdout_fd : child->stderr_fd);
    maybe_finish(id);
  }

  // Returns true at end of stream.
  bool read_exec_report(Child& child) {
    while (true) {
      ExecReport report;
      ssize_t got = ::read(child.exec_report_fd, &report, sizeof report);
      if (got == static_cast<ssize_t>(sizeof report)) {
        child.exec_failure = report;
      } else if (got < 0 && errno == EINTR) {
        continue;
      } else if (got < 0 && errno == EAGAIN) {
        return false;
      } else {
        return true;  // EOF: exec succeeded unless a report came first
      }
    }
  }

  void on_exec_report(ProcessId id) {
    Child* child = find(id);
    if (child == nullptr || !read_exec_report(*child)) return;
    close_fd(child->exec_report_fd);
    maybe_finish(id);
  }

  // Reaps the child if it has exited. Whatever is left of its process group is killed first:
  // strays would otherwise hold the output pipes open.
  bool try_reap(Child& child) {
    if (child.reaped) return true;
    siginfo_t info{};
    int rc;
    do {
      rc = ::waitid(P_PID, static_cast<id_t>(child.pid), &info, WEXITED | WNOHANG | WNOWAIT);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
      // ECHILD: someone else reaped it (SIGCHLD ignored, or a waitpid(-1) elsewhere). The exit
      // status is lost.
      child.reaped = true;
      return true;
    }
    if (info.si_pid == 0) return false;
    ::kill(-child.pid, SIGKILL);
    if (info.si_code == CLD_EXITED) {
      child.result.exit_code = info.si_status;
    } else {
      child.result.exit_code = -1;
      child.result.term_signal = info.si_status;
    }
    while (::waitpid(child.pid, nullptr, WNOHANG) < 0 && errno == EINTR) {
    }
    child.reaped = true;
    return true;
  }

  void on_exit(ProcessId id) {
    Child* child = find(id);
    if (child == nullptr || !try_reap(*child)) return;
    close_fd(child->pidfd);
    maybe_finish(id);
  }

  void arm_poll_timer() {
    if (poll_timer != 0) return;
    poll_timer = loop.add_timer(kExitPollInterval, [this] {
      poll_timer = 0;
      poll_exits();
    });
  }

  void poll_exits() {
    std::vector<ProcessId> exited;
    bool still_running = false;
    for (auto& [id, child] : children) {
      if (child->pidfd >= 0 || child->reaped) continue;
      if (try_reap(*child)) {
        exited.push_back(id);
      } else {
        still_running = true;
      }
    }
    if (still_running) arm_poll_timer();
    std::weak_ptr<bool> runner_alive = alive;
    for (ProcessId id : exited) {
      if (runner_alive.expired()) return;  // a callback destroyed the runner
      maybe_finish(id);
    }
  }

  void on_timeout(ProcessId id) {
    Child* child = find(id);
    if (child == nullptr) return;
    child->timeout_timer = 0;
    child->result.timed_out = true;
    kill_group(*child);
    // If the leader is already gone, something outside its group holds the pipes open: stop
    // waiting for them.
    maybe_finish(id);
  }

  // Calls back once the child is reaped and its pipes are at end of stream (or it timed out).
  // Always the last thing its caller does: `done` may destroy the runner.
  void maybe_finish(ProcessId id) {
    Child* child = find(id);
    if (child == nullptr || !child->reaped) return;
    if (child->cancelled) {
      release(*child);
      children.erase(id);
      return;
    }
    bool pipes_open = child->stdout_fd >= 0 || child->stderr_fd >= 0 || child->exec_report_fd >= 0;
    if (pipes_open && !child->result.timed_out) return;
    // After a timeout, keep what is already buffered in the pipes.
    if (child->stdout_fd >= 0) drain_stream(*child, Stream::kStdout, kMaxReadsPerWake);
    if (child->stderr_fd >= 0) drain_stream(*child, Stream::kStderr, kMaxReadsPerWake);
    // The report pipe's only writer was the leader, so it is complete now.
    if (child->exec_report_fd >= 0) read_exec_report(*child);

    child->result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        EventLoop::Clock::now() - child->started);
    Callback done = std::move(child->done);
    Result<ProcessResult> outcome =
        child->exec_failure
            ? Result<ProcessResult>(internal::exec_failure_error(child->spec, *child->exec_failure))
            : Result<ProcessResult>(std::move(child->result));
    release(*child);
    children.erase(id);
    done(std::move(outcome));
  }

  void cancel(ProcessId id) {
    Child* child = find(id);
    if (child == nullptr || child->cancelled) return;
    child->cancelled = true;
    child->done = nullptr;
    kill_group(*child);
    release_pipes(*child);
    if (child->reaped) {
      release(*child);
      children.erase(id);
    }
  }

  // Waits a bounded time for SIGKILLed children: a process stuck in the kernel (a dead NFS
  // mount) must not hang the caller forever.
  void reap_all_on_destroy() {
    auto deadline = EventLoop::Clock::now() + kReapOnDestroyLimit;
    for (auto& [id, child] : children) {
      while (!child->reaped) {
        auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - EventLoop::Clock::now());
        if (left.count() <= 0) break;
        if (child->pidfd >= 0) {
          pollfd exit_ready{child->pidfd, POLLIN, 0};
          ::poll(&exit_ready, 1, static_cast<int>(left.count()));
        }
        if (try_reap(*child)) break;
        if (child->pidfd < 0) {
          timespec pause{0, 1000 * 1000};
          ::nanosleep(&pause, nullptr);
        }
      }
    }
  }
};

ProcessRunner::ProcessRunner(EventLoop& loop) : state_(std::make_unique<State>(loop)) {}

ProcessRunner::~ProcessRunner() {
  State& state = *state_;
  state.alive.reset();
  state.loop.cancel_timer(state.poll_timer);
  for (auto& [id, child] : state.children) {
    kill_group(*child);
    state.release_pipes(*child);
    if (child->pidfd >= 0) state.loop.unwatch(child->pidfd);
  }
  state.reap_all_on_destroy();
  for (auto& [id, child] : state.children) state.release(*child);
}

ProcessRunner::ProcessId ProcessRunner::start(ProcessSpec spec, Callback done) {
  return state_->start(std::move(spec), std::move(done));
}

void ProcessRunner::cancel(ProcessId id) { state_->cancel(id); }

std::size_t ProcessRunner::running() const {
  return static_cast<std::size_t>(
      std::count_if(state_->children.begin(), state_->children.end(),
                    [](const auto& entry) { return !entry.second->cancelled; }));
}

}  // namespace baton::tools
