#pragma once

namespace baton::cli {

// The exit codes of every `baton` command, in one place (docs/cli.md lists them).
enum ExitCode : int {
  kExitOk = 0,       // success: the run succeeded; for `check`, every file is valid
  kExitFailure = 1,  // the run failed, or the command could not do its job (journal error)
  kExitInvalid = 2,  // bad usage or wrong input: a flag, an unknown run, an invalid workflow
  kExitWaiting = 3,  // the run is paused, waiting for a human
};

}  // namespace baton::cli
