#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "baton/result.h"
#include "src/base/event_loop.h"

namespace baton::tools {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH; no shell
  std::string stdin_text;
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) ours
  std::string cwd;                                       // empty: ours
  std::chrono::milliseconds timeout{0};                  // 0: none
  std::size_t output_cap = 4u << 20;                     // per stream; the rest is dropped
};

struct ProcessResult {
  int exit_code = -1;   // -1 when killed by a signal
  int term_signal = 0;  // the signal that ended it, else 0
  bool timed_out = false;
  std::string stdout_text;
  std::string stderr_text;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::chrono::milliseconds elapsed{0};
};

// Runs child processes without blocking: pipes are non-blocking and watched by the EventLoop.
// Each child is the leader of its own process group, so a timeout or cancel kills what it
// started too. When the child exits, what is left of its group is killed, so that background
// strays cannot hold its output open.
class ProcessRunner {
 public:
  using ProcessId = std::uint64_t;
  using Callback = std::function<void(Result<ProcessResult>)>;

  explicit ProcessRunner(EventLoop& loop);
  ~ProcessRunner();  // kills what still runs, without calling back
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // `done` is called once, on the loop's thread, never from inside start(). A program that
  // cannot be started (not found, not executable, bad cwd) gives an error naming it.
  ProcessId start(ProcessSpec spec, Callback done);
  // Kills the process group; its callback is not called.
  void cancel(ProcessId id);
  std::size_t running() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace baton::tools
