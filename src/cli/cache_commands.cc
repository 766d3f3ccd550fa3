// `baton cache stats` and `baton cache clear`: the response cache.
#include <chrono>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "src/cli/commands.h"
#include "src/cli/exit_codes.h"
#include "src/cli/session.h"

namespace baton::cli {
namespace {

struct CacheOptions {
  SessionOptions session;
  bool json = false;
  double older_than_days = -1;  // < 0: every entry
};

std::string size_text(std::int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
}

int show_stats(const CacheOptions& options) {
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  Result<CacheStats> stats = (*engine)->cache_stats();
  if (!stats) return report(stats.error());
  if (options.json) {
    nlohmann::ordered_json json = {{"path", stats->path},
                                   {"entries", stats->entries},
                                   {"bytes", stats->bytes},
                                   {"hits", stats->hits},
                                   {"saved_usd", stats->saved_usd}};
    fmt::print("{}\n", json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  fmt::print("cache {}\n", stats->path);
  fmt::print("{} entries, {} on disk, {} hits, ${:.4f} saved\n", stats->entries,
             size_text(stats->bytes), stats->hits, stats->saved_usd);
  return kExitOk;
}

int clear(const CacheOptions& options) {
  auto engine = open_engine(options.session);
  if (!engine) return report(engine.error());
  std::optional<std::chrono::milliseconds> older_than;
  if (options.older_than_days >= 0) {
    older_than = std::chrono::milliseconds(
        static_cast<std::int64_t>(options.older_than_days * 24 * 3600 * 1000));
  }
  Result<std::int64_t> removed = (*engine)->clear_cache(older_than);
  if (!removed) return report(removed.error());
  Result<CacheStats> stats = (*engine)->cache_stats();
  if (!stats) return report(stats.error());
  if (options.json) {
    nlohmann::ordered_json json = {
        {"path", stats->path}, {"removed", *removed}, {"entries", stats->entries}};
    fmt::print("{}\n", json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  fmt::print("removed {} entries from {}; {} left\n", *removed, stats->path, stats->entries);
  return kExitOk;
}

}  // namespace

void add_cache_commands(CLI::App& app, std::vector<Command>& commands) {
  CLI::App* cache = app.add_subcommand("cache", "The response cache: what it holds, clearing it");
  cache->require_subcommand(1);

  auto stats_options = std::make_shared<CacheOptions>();
  CLI::App* stats = cache->add_subcommand("stats", "Entries, size on disk, hits and USD saved");
  stats->add_flag("--json", stats_options->json, "One JSON object");
  add_cache_options(*stats, stats_options->session);
  add_db_option(*stats, stats_options->session);
  commands.push_back({stats, [stats_options] { return show_stats(*stats_options); }});

  auto clear_options = std::make_shared<CacheOptions>();
  CLI::App* clear_command = cache->add_subcommand("clear", "Delete cached answers");
  clear_command
      ->add_option("--older-than", clear_options->older_than_days,
                   "Only answers cached more than DAYS days ago")
      ->check(CLI::NonNegativeNumber);
  clear_command->add_flag("--json", clear_options->json, "One JSON object");
  add_cache_options(*clear_command, clear_options->session);
  add_db_option(*clear_command, clear_options->session);
  commands.push_back({clear_command, [clear_options] { return clear(*clear_options); }});
}

}  // namespace baton::cli
