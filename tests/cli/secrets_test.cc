// Invariant 4: an API key never reaches the journal. The fake server requires the key, so the
// calls that succeed certainly carried it; then every byte of the SQLite files is searched.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

constexpr const char* kKey = "sk-test-SECRETKEY-0123456789abcdef";
constexpr const char* kWrongKey = "sk-test-WRONGKEY-fedcba9876543210";

using SecretsTest = CliTest;

// Every file of the journal: the database and its -wal and -shm files when they exist.
std::string journal_bytes(const fs::path& db) {
  std::string bytes;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::path path = db.string() + suffix;
    if (fs::exists(path)) bytes += read_file(path);
  }
  return bytes;
}

TEST_F(SecretsTest, TheJournalNeverContainsTheApiKey) {
  server_.set_api_key(kKey);
  std::string file = write("two.yaml", kTwoPrompts);
  Outcome outcome =
      baton({"run", file, "-i", "topic=tea", "--db", db(), "--json"}, {{"OPENAI_API_KEY", kKey}});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  ASSERT_EQ(server_.request_count(), 2u);
  // The key was sent...
  for (const fake::RecordedRequest& request : server_.requests()) {
    bool carried = false;
    for (const auto& [name, value] : request.headers)
      carried |= name == "authorization" && value == std::string("Bearer ") + kKey;
    EXPECT_TRUE(carried);
  }

  // ...and a wrong key is refused: the failed attempts are journaled too.
  Outcome refused = baton({"run", file, "-i", "topic=coffee", "--db", db(), "--json"},
                          {{"OPENAI_API_KEY", kWrongKey}});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;

  // A key named by the model's api_key_env.
  std::string named = std::string(kTwoPrompts);
  named.replace(named.find("model: gpt-test}"), 16, "model: gpt-test, api_key_env: MY_KEY}");
  std::string named_file = write("named.yaml", named);
  outcome = baton({"run", named_file, "-i", "topic=tea", "--db", db(), "--json"},
                  {{"OPENAI_API_KEY", ""}, {"MY_KEY", kKey}});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;

  // Show everything the journal holds, so that it is read back too.
  for (const json& run : json::parse(baton({"runs", "--db", db(), "--json"}).out)) {
    Outcome shown = baton({"show", run.at("run"), "--db", db(), "--json"});
    EXPECT_EQ(shown.out.find("SECRETKEY"), std::string::npos);
    EXPECT_EQ(shown.out.find("WRONGKEY"), std::string::npos);
  }

  std::string bytes = journal_bytes(db());
  ASSERT_GT(bytes.size(), 1000u);
  // Sanity: the search would find what is there.
  EXPECT_NE(bytes.find("first about tea"), std::string::npos);
  EXPECT_EQ(bytes.find("SECRETKEY"), std::string::npos);
  EXPECT_EQ(bytes.find("WRONGKEY"), std::string::npos);
  for (const std::string& output : {outcome.out, outcome.err, refused.out, refused.err}) {
    EXPECT_EQ(output.find("SECRETKEY"), std::string::npos) << output;
    EXPECT_EQ(output.find("WRONGKEY"), std::string::npos) << output;
  }
}

}  // namespace
}  // namespace baton::cli_test
