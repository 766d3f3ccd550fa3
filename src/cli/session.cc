#include "src/cli/session.h"

#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "src/cli/exit_codes.h"

namespace baton::cli {

void add_db_option(CLI::App& command, SessionOptions& options) {
  command.add_option("--db", options.db,
                     "The journal (SQLite); default $BATON_DB, else ./.baton/baton.db");
}

Result<std::unique_ptr<Engine>> open_engine(const SessionOptions& options) {
  EngineOptions engine;
  engine.journal_path = options.db;
  if (engine.journal_path.empty()) {
    const char* from_environment = std::getenv("BATON_DB");
    engine.journal_path = from_environment != nullptr && *from_environment != '\0'
                              ? from_environment
                              : ".baton/baton.db";
  }
  engine.durability = options.durability == "full" ? Durability::kFull : Durability::kProcess;
  engine.fixture_path = options.fixture;
  engine.concurrency = options.concurrency;
  return Engine::open(std::move(engine));
}

int report(const Error& error) {
  std::string message = error.to_string();
  while (!message.empty() && message.back() == '\n') message.pop_back();
  // A workflow's diagnostics come formatted already, one block per error.
  bool formatted = message.find('\n') != std::string::npos;
  if (formatted) {
    fmt::print(stderr, "{}\n", message);
  } else {
    fmt::print(stderr, "baton: error: {}\n", message);
  }
  switch (error.code()) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kUnauthenticated:
      return kExitInvalid;
    default:
      return kExitFailure;
  }
}

int exit_code_for(RunStatus status) {
  switch (status) {
    case RunStatus::kSucceeded:
      return kExitOk;
    case RunStatus::kWaiting:
      return kExitWaiting;
    default:
      return kExitFailure;
  }
}

}  // namespace baton::cli
