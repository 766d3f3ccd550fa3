#pragma once

namespace baton::cli {

// The exit codes of every `baton` command, in one place (docs/cli.md lists them).
enum ExitCode : int {
  kExitOk = 0,       // success; for `check`, every file is valid
  kExitFailure = 1,  // could not do the job: a file not found or unreadable, a bad flag
  kExitInvalid = 2,  // the input is wrong: a workflow file has errors
};

}  // namespace baton::cli
