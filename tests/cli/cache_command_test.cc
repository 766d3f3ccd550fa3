// The response cache and cassettes through the real binary: a second run answered from the
// cache, `baton cache stats` and `clear`, `baton show` of a cached attempt, and a recorded run
// replayed with no server at all.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

using CacheCommandTest = CliTest;

constexpr const char* kRepeatable = R"(name: repeatable
models:
  fast: {provider: openai, model: gpt-test, temperature: 0, price: {input: 2, output: 8}}
defaults: {model: fast}
steps:
  ask:
    prompt: "Name a colour."
outputs:
  answer: "{{ ask.output }}"
)";

TEST_F(CacheCommandTest, SecondRunHitsAndStatsAndClearReportIt) {
  std::string file = write("repeatable.yaml", kRepeatable);
  Outcome first = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_FALSE(summary_line(first.out).contains("cache"));
  Outcome second = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(server_.request_count(), 1u);
  json summary = summary_line(second.out);
  EXPECT_EQ(summary["outputs"], summary_line(first.out)["outputs"]);
  EXPECT_EQ(summary["cache"]["hits"], 1);
  double cost = summary_line(first.out)["cost_usd"].get<double>();
  EXPECT_DOUBLE_EQ(summary["cache"]["saved_usd"].get<double>(), cost);
  bool cached_event = false;
  for (const json& event : json_lines(second.out)) {
    cached_event = cached_event || event["event"] == "attempt_cached";
  }
  EXPECT_TRUE(cached_event);

  // The cache sits beside the journal.
  EXPECT_TRUE(fs::exists(dir_ / "cache.db"));
  Outcome stats = baton({"cache", "stats", "--db", db(), "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  json parsed = json::parse(stats.out);
  EXPECT_EQ(parsed["path"], (dir_ / "cache.db").string());
  EXPECT_EQ(parsed["entries"], 1);
  EXPECT_EQ(parsed["hits"], 1);
  EXPECT_GT(parsed["bytes"].get<long>(), 0);
  EXPECT_DOUBLE_EQ(parsed["saved_usd"].get<double>(), cost);

  Outcome plain = baton({"cache", "stats", "--db", db()});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("1 entries"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("1 hits"), std::string::npos) << plain.out;

  // `show` says which attempt was cached and what it saved.
  std::string run = summary["run"].get<std::string>();
  Outcome shown = baton({"show", run, "ask", "--db", db()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("attempt 1 (model fast, first): succeeded, cached, saved $"),
            std::string::npos)
      << shown.out;
  json detail = show(run);
  EXPECT_EQ(detail["steps"][0]["attempts"][0]["cached"], true);

  Outcome young = baton({"cache", "clear", "--older-than", "1", "--db", db(), "--json"});
  ASSERT_EQ(young.exit_code, 0) << young.err;
  EXPECT_EQ(json::parse(young.out)["removed"], 0);
  Outcome all = baton({"cache", "clear", "--db", db(), "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(json::parse(all.out)["removed"], 1);
  EXPECT_EQ(json::parse(all.out)["entries"], 0);

  Outcome third = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(CacheCommandTest, CacheFlagEnvironmentAndNoCache) {
  std::string file = write("repeatable.yaml", kRepeatable);
  std::string elsewhere = (dir_ / "answers" / "cache.db").string();
  ASSERT_EQ(baton({"run", file, "--db", db(), "--json"}, {{"BATON_CACHE", elsewhere}}).exit_code,
            0);
  ASSERT_EQ(baton({"run", file, "--db", db(), "--json", "--cache", elsewhere}).exit_code, 0);
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_FALSE(fs::exists(dir_ / "cache.db"));
  ASSERT_EQ(baton({"run", file, "--db", db(), "--json", "--no-cache"}, {{"BATON_CACHE", elsewhere}})
                .exit_code,
            0);
  EXPECT_EQ(server_.request_count(), 2u);
  Outcome stats = baton({"cache", "stats", "--cache", elsewhere, "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_EQ(json::parse(stats.out)["hits"], 1);
}

TEST_F(CacheCommandTest, RecordThenReplayWithNoServer) {
  std::string file = write("two.yaml", kTwoPrompts);
  std::string cassette = (dir_ / "two.jsonl").string();
  Outcome recorded =
      baton({"run", file, "-i", "topic=tea", "--db", db(), "--json", "--record", cassette});
  ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
  EXPECT_EQ(lines_of(read_file(cassette)).size(), 2u);

  std::string closed = server_.base_url();
  server_.stop();
  Outcome replayed = run_baton(
      {"run", file, "-i", "topic=tea", "--db", db(), "--json", "--replay", cassette}, [&] {
        SpawnOptions spawn = options();
        spawn.env["OPENAI_BASE_URL"] = closed;
        spawn.env.erase("OPENAI_API_KEY");
        return spawn;
      }());
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  json summary = summary_line(replayed.out);
  EXPECT_EQ(summary["outputs"], summary_line(recorded.out)["outputs"]);
  EXPECT_EQ(summary["cassette"], cassette);

  Outcome plain = run_baton({"run", file, "-i", "topic=tee", "--db", db(), "--replay", cassette},
                            options({{"OPENAI_BASE_URL", closed}}));
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.out.find("holds no answer for step 'first' (model fast)"), std::string::npos)
      << plain.out;
}

}  // namespace
}  // namespace baton::cli_test
