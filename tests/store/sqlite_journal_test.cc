// What only the SQLite journal does: files, other connections and processes, migrations,
// append-only events, durability across a killed process.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "src/store/journal.h"
#include "src/store/sqlite_schema.h"

namespace baton::store {
namespace {

StepRecord step_of(std::string step_id, int item = -1, StepStatus status = StepStatus::kRunning) {
  StepRecord step;
  step.step_id = std::move(step_id);
  step.item = item;
  step.status = status;
  return step;
}

EventRecord event_of(std::string type, std::string step_id = "", int item = -1) {
  EventRecord event;
  event.type = std::move(type);
  event.step_id = std::move(step_id);
  event.item = item;
  return event;
}

DecisionRecord decision_of(std::string step_id, int item, bool approved) {
  DecisionRecord decision;
  decision.step_id = std::move(step_id);
  decision.item = item;
  decision.approved = approved;
  return decision;
}

class SqliteJournalTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "baton_sqlite_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/runs/journal.db";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<Journal> open(Durability durability = Durability::kProcess) {
    auto journal = open_sqlite_journal(path_, durability);
    if (!journal) {
      ADD_FAILURE() << journal.error().message();
      return nullptr;
    }
    return std::move(journal).value();
  }

  static RunRecord run(std::string id) {
    RunRecord record;
    record.id = std::move(id);
    record.workflow_name = "w";
    record.workflow_source = "name: w\n";
    record.created_ms = 1;
    return record;
  }

  // A plain sqlite3 connection, as a tool outside Baton would open the file.
  struct RawDatabase {
    sqlite3* db = nullptr;
    ~RawDatabase() { sqlite3_close(db); }
  };
  std::unique_ptr<RawDatabase> raw(const std::string& path) {
    auto raw_db = std::make_unique<RawDatabase>();
    EXPECT_EQ(sqlite3_open(path.c_str(), &raw_db->db), SQLITE_OK);
    return raw_db;
  }
  static std::int64_t query_int(sqlite3* db, const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t value = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(SqliteJournalTest, CreatesTheDirectoryAndUsesWal) {
  auto journal = open();
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(std::filesystem::exists(path_));
  auto raw_db = raw(path_);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw_db->db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
}

TEST_F(SqliteJournalTest, DataSurvivesReopening) {
  for (Durability durability : {Durability::kProcess, Durability::kFull}) {
    {
      auto journal = open(durability);
      ASSERT_NE(journal, nullptr);
      const std::string id = durability == Durability::kFull ? "full" : "process";
      ASSERT_TRUE(journal->create_run(run(id)));
      EventRecord event = event_of("run_started");
      ASSERT_TRUE(journal->append_event(id, event));
      ASSERT_TRUE(journal->commit());
    }
    auto reopened = open(durability);
    ASSERT_NE(reopened, nullptr);
    auto runs = reopened->list_runs(10);
    ASSERT_TRUE(runs);
    EXPECT_EQ(runs->size(), durability == Durability::kFull ? 2U : 1U);
  }
}

TEST_F(SqliteJournalTest, ClosingCommitsPendingWrites) {
  {
    auto journal = open();
    ASSERT_NE(journal, nullptr);
    ASSERT_TRUE(journal->create_run(run("r1")));
  }
  auto reopened = open();
  ASSERT_NE(reopened, nullptr);
  auto found = reopened->find_run("r1");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
}

TEST_F(SqliteJournalTest, UncommittedWritesAreInvisibleToAnotherConnection) {
  auto writer = open();
  auto reader = open();
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(writer->create_run(run("r1")));
  StepRecord step = step_of("s");
  ASSERT_TRUE(writer->put_step("r1", step));

  auto own = writer->find_run("r1");
  ASSERT_TRUE(own);
  EXPECT_TRUE(own->has_value()) << "a journal reads its own pending writes";
  auto before = reader->find_run("r1");
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->has_value());

  ASSERT_TRUE(writer->commit());
  auto after = reader->find_run("r1");
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->has_value());
  auto steps = reader->steps("r1");
  ASSERT_TRUE(steps);
  EXPECT_EQ(steps->size(), 1U);
}

TEST_F(SqliteJournalTest, AnotherJournalCanDecideWhileTheFirstIsOpen) {
  auto engine = open();
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->create_run(run("r1")));
  StepRecord review = step_of("review", -1, StepStatus::kWaiting);
  ASSERT_TRUE(engine->put_step("r1", review));
  ASSERT_TRUE(engine->commit());

  auto approver = open();  // `baton approve` in another process
  ASSERT_NE(approver, nullptr);
  DecisionRecord decision = decision_of("review", -1, true);
  ASSERT_TRUE(approver->put_decision("r1", decision));
  ASSERT_TRUE(approver->commit());

  auto decisions = engine->decisions("r1");
  ASSERT_TRUE(decisions);
  ASSERT_EQ(decisions->size(), 1U);
  EXPECT_TRUE((*decisions)[0].approved);
  // The engine can go on writing after the other journal's commit.
  EventRecord event = event_of("step_approved", "review");
  ASSERT_TRUE(engine->append_event("r1", event));
  ASSERT_TRUE(engine->commit());
}

TEST_F(SqliteJournalTest, ClaimRunCommitsAtOnceAndConflictsAcrossJournals) {
  auto first = open();
  auto second = open();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->create_run(run("r1")));  // pending until the claim commits it
  ASSERT_TRUE(first->claim_run("r1", "", "1@host"));

  auto seen = second->find_run("r1");
  ASSERT_TRUE(seen && seen->has_value());
  EXPECT_EQ((*seen)->owner, "1@host");
  auto lost = second->claim_run("r1", "", "2@host");
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), ErrorCode::kConflict);
  EXPECT_TRUE(second->claim_run("r1", "1@host", "2@host"));
}

TEST_F(SqliteJournalTest, AFreshFileGetsTheLatestSchemaVersion) {
  ASSERT_NE(open(), nullptr);
  auto raw_db = raw(path_);
  EXPECT_EQ(query_int(raw_db->db, "PRAGMA user_version"), sqlite::latest_schema_version());
  EXPECT_GE(sqlite::latest_schema_version(), 1);
  // Opening again migrates nothing and loses nothing.
  ASSERT_NE(open(), nullptr);
  EXPECT_EQ(query_int(raw_db->db, "PRAGMA user_version"), sqlite::latest_schema_version());
}

TEST_F(SqliteJournalTest, AnEmptyDatabaseIsMigrated) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  {
    auto raw_db = raw(path_);
    ASSERT_EQ(sqlite3_exec(raw_db->db, "CREATE TABLE unrelated (x)", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto journal = open();
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(journal->create_run(run("r1")));
}

TEST_F(SqliteJournalTest, AttemptsOfAVersionThreeFileSurviveTheMigrationWithNoCachedTokens) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  {
    auto db = sqlite::Connection::open(path_);
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE(sqlite::migrate(**db, 3));
    auto raw_db = raw(path_);
    ASSERT_EQ(sqlite3_exec(raw_db->db,
                           "INSERT INTO runs VALUES ('r1', 'w', '', '', '', '{}', 'running', '{}', "
                           "'', 1, 1, 0, 0, 0, '', '');"
                           "INSERT INTO attempts (run_id, step_id, item, number, kind, model, "
                           "status, request_json, response_json, error, started_ms, ended_ms, "
                           "input_tokens, output_tokens) VALUES ('r1', 's', -1, 1, 'model', "
                           "'fast', 'succeeded', '{}', '{}', '', 1, 2, 120, 7);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw_db->db);
  }
  auto journal = open();
  ASSERT_NE(journal, nullptr);
  auto attempts = journal->attempts("r1");
  ASSERT_TRUE(attempts) << attempts.error().message();
  ASSERT_EQ(attempts->size(), 1U);
  EXPECT_EQ((*attempts)[0].input_tokens, 120);
  EXPECT_EQ((*attempts)[0].output_tokens, 7);
  EXPECT_EQ((*attempts)[0].cached_input_tokens, 0);
  EXPECT_EQ((*attempts)[0].cache_write_tokens, 0);
}

TEST_F(SqliteJournalTest, EventsOfAVersionOneFileSurviveTheMigrationAndKeepTheirOrder) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  {
    auto db = sqlite::Connection::open(path_);
    ASSERT_TRUE(db) << db.error().message();
    ASSERT_TRUE(sqlite::migrate(**db, 1));
    auto raw_db = raw(path_);
    ASSERT_EQ(sqlite3_exec(raw_db->db,
                           "INSERT INTO runs VALUES ('r1', 'w', '', '', '', '{}', 'running', '{}', "
                           "'', 1, 1, 0, 0, 0, '', '');"
                           "INSERT INTO events (run_id, time_ms, type, step_id, item, data_json) "
                           "VALUES ('r1', 1, 'run_started', '', -1, '{}'),"
                           "       ('r1', 2, 'step_started', 's', -1, '{}');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw_db->db);
  }
  auto journal = open();
  ASSERT_NE(journal, nullptr);
  EventRecord appended = event_of("step_succeeded", "s");
  ASSERT_TRUE(journal->append_event("r1", appended));
  ASSERT_TRUE(journal->commit());
  auto events = journal->events("r1", 0);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3U);
  EXPECT_EQ((*events)[0].type, "run_started");
  EXPECT_EQ((*events)[1].type, "step_started");
  EXPECT_EQ((*events)[2].type, "step_succeeded");
  EXPECT_GT((*events)[2].seq, (*events)[1].seq);
  // The append-only triggers came along.
  auto raw_db = raw(path_);
  EXPECT_EQ(sqlite3_exec(raw_db->db, "DELETE FROM events", nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);
}

TEST_F(SqliteJournalTest, AFileFromANewerBatonIsRefused) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  {
    auto raw_db = raw(path_);
    ASSERT_EQ(sqlite3_exec(raw_db->db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  auto journal = open_sqlite_journal(path_, Durability::kProcess);
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(journal.error().message().find(path_), std::string::npos);
  EXPECT_NE(journal.error().message().find("999"), std::string::npos);
}

TEST_F(SqliteJournalTest, AFileThatIsNotADatabaseIsRefusedByPath) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  {
    std::ofstream text(path_);
    text << "This is a text file, not a journal. It is long enough to have a header.\n"
         << std::string(200, 'x') << "\n";
  }
  auto journal = open_sqlite_journal(path_, Durability::kProcess);
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(journal.error().message().find(path_), std::string::npos) << journal.error().message();
}

TEST_F(SqliteJournalTest, ADirectoryThatCannotBeCreatedIsAnError) {
  {
    std::ofstream blocker(dir_ + "/runs");  // a file where the directory should go
  }
  auto journal = open_sqlite_journal(path_, Durability::kProcess);
  ASSERT_FALSE(journal);
  EXPECT_NE(journal.error().message().find(path_), std::string::npos) << journal.error().message();
}

TEST_F(SqliteJournalTest, EventsCannotBeUpdatedOrDeleted) {
  {
    auto journal = open();
    ASSERT_NE(journal, nullptr);
    ASSERT_TRUE(journal->create_run(run("r1")));
    EventRecord event = event_of("run_started");
    ASSERT_TRUE(journal->append_event("r1", event));
  }
  auto raw_db = raw(path_);
  EXPECT_EQ(
      sqlite3_exec(raw_db->db, "UPDATE events SET type = 'forged'", nullptr, nullptr, nullptr),
      SQLITE_CONSTRAINT);
  EXPECT_EQ(sqlite3_exec(raw_db->db, "DELETE FROM events", nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);
  EXPECT_EQ(query_int(raw_db->db, "SELECT count(*) FROM events WHERE type = 'run_started'"), 1);
}

// Runs `child` in a forked process and returns its wait status. The child must end itself.
template <typename Child>
int in_child_process(Child child) {
  const pid_t pid = fork();
  if (pid == 0) {
    child();
    _exit(3);  // the child did not end itself
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST_F(SqliteJournalTest, CommittedDataSurvivesAProcessThatExitsWithoutClosing) {
  const int status = in_child_process([&] {
    auto journal = open_sqlite_journal(path_, Durability::kProcess);
    if (!journal || !(*journal)->create_run(run("r1")) || !(*journal)->commit()) _exit(1);
    _exit(0);  // no destructor runs: nothing is closed or checkpointed
  });
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto journal = open();
  ASSERT_NE(journal, nullptr);
  auto found = journal->find_run("r1");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
}

TEST_F(SqliteJournalTest, CommittedDataSurvivesSigkillAndPendingDataDoesNot) {
  const int status = in_child_process([&] {
    auto journal = open_sqlite_journal(path_, Durability::kProcess);
    if (!journal || !(*journal)->create_run(run("committed"))) _exit(1);
    StepRecord step = step_of("s", -1, StepStatus::kSucceeded);
    if (!(*journal)->put_step("committed", step) || !(*journal)->commit()) _exit(1);
    if (!(*journal)->create_run(run("pending"))) _exit(1);
    raise(SIGKILL);
  });
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_EQ(WTERMSIG(status), SIGKILL);

  auto journal = open();
  ASSERT_NE(journal, nullptr);
  auto committed = journal->find_run("committed");
  ASSERT_TRUE(committed);
  EXPECT_TRUE(committed->has_value());
  auto steps = journal->steps("committed");
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 1U);
  EXPECT_EQ((*steps)[0].status, StepStatus::kSucceeded);
  auto pending = journal->find_run("pending");
  ASSERT_TRUE(pending);
  EXPECT_FALSE(pending->has_value());
  // The killed writer's lock is gone: this journal can write.
  EXPECT_TRUE(journal->create_run(run("after")));
  EXPECT_TRUE(journal->commit());
}

}  // namespace
}  // namespace baton::store
