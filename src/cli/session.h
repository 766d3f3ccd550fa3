#pragma once

#include <memory>
#include <string>

#include "baton/engine.h"
#include "baton/error.h"

namespace CLI {
class App;
}

namespace baton::cli {

// Options every command that opens the journal takes.
struct SessionOptions {
  std::string db;  // --db, else $BATON_DB, else ./.baton/baton.db
  std::string durability = "process";
  std::string fixture;
  int concurrency = 64;
  std::string cache;  // --cache, else $BATON_CACHE, else cache.db beside the journal
  bool no_cache = false;
  std::string record;  // --record: the cassette model exchanges are appended to
  std::string replay;  // --replay: the cassette that answers model calls
};

void add_db_option(CLI::App& command, SessionOptions& options);
// --cache and --no-cache.
void add_cache_options(CLI::App& command, SessionOptions& options);
// --record and --replay, for the commands that execute a run; --cache and --no-cache too.
void add_cassette_options(CLI::App& command, SessionOptions& options);
Result<std::unique_ptr<Engine>> open_engine(const SessionOptions& options);

// Prints "baton: error: MESSAGE" and returns the exit code for that kind of error: 2 for what
// the user can fix in the command (bad input, unknown run, wrong state), else 1.
int report(const Error& error);
// 0 succeeded, 1 failed or cancelled, 3 waiting.
int exit_code_for(RunStatus status);

}  // namespace baton::cli
