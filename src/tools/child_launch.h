#pragma once

#include <string>

#include "baton/result.h"
#include "src/tools/process.h"

// The fork/exec half of ProcessRunner: everything that runs between fork() and exec(), and the
// decoding of what the child reports when exec fails. Internal to src/tools.
namespace baton::tools::internal {

// What a child writes to its exec-report pipe when it cannot become the program.
struct ExecReport {
  int stage = 0;  // ExecStage
  int error_number = 0;
};
enum ExecStage : int { kStageSetup = 1, kStageChdir = 2, kStageExec = 3 };

struct LaunchedChild {
  int pid = -1;
  // Parent ends, O_CLOEXEC | O_NONBLOCK. stdin_fd is -1 when there is no stdin text (the child
  // then reads EOF). exec_report_fd reads EOF once exec succeeded, or an ExecReport first.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int exec_report_fd = -1;
};

// Forks and execs `spec` as the leader of a new process group, with pipes on 0, 1 and 2.
// Errors: kInvalidInput (empty argv, NUL in an argument), kUnavailable (out of fds/processes).
Result<LaunchedChild> launch_child(const ProcessSpec& spec);

// The error for a child that reported `report`, naming the program and the reason.
Error exec_failure_error(const ProcessSpec& spec, const ExecReport& report);

// A pidfd for `pid` (readable once it exits), or -1 when the kernel has none.
int open_pidfd(int pid);
// Makes open_pidfd() fail, to test the waitpid polling fallback.
void disable_pidfd_for_test(bool disabled);

// write(2) that turns a closed reader into EPIPE without SIGPIPE reaching the process: SIGPIPE
// is blocked on this thread for the call and a signal it raised is consumed.
long write_without_sigpipe(int fd, const char* data, unsigned long size);

std::string errno_text(int error_number);

}  // namespace baton::tools::internal
