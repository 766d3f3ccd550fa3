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

void add_cache_options(CLI::App& command, SessionOptions& options) {
  auto* cache = command.add_option(
      "--cache", options.cache,
      "The response cache (SQLite); default $BATON_CACHE, else cache.db beside the journal");
  command.add_flag("--no-cache", options.no_cache, "Neither read nor write the response cache")
      ->excludes(cache);
}

void add_cassette_options(CLI::App& command, SessionOptions& options) {
  add_cache_options(command, options);
  auto* record = command.add_option("--record", options.record,
                                    "Append every model exchange to this cassette (JSON Lines)");
  command
      .add_option("--replay", options.replay,
                  "Answer model calls from this cassette instead of a model (no network)")
      ->excludes(record);
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
  engine.cache_path = options.cache;
  if (engine.cache_path.empty()) {
    const char* from_environment = std::getenv("BATON_CACHE");
    if (from_environment != nullptr) engine.cache_path = from_environment;
  }
  engine.use_cache = !options.no_cache;
  engine.record_path = options.record;
  engine.replay_path = options.replay;
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
