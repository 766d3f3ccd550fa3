// The behaviour every Journal shares, run against the in-memory journal and the SQLite journal
// (on a file and in SQLite's own memory).
#include "src/store/journal.h"

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

namespace baton::store {
namespace {

struct JournalKind {
  std::string name;
  // Opens a journal whose files, if any, live under `dir`.
  std::function<std::unique_ptr<Journal>(const std::string& dir)> open;
};

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

AttemptRecord attempt_of(std::string step_id, std::string kind, std::string model = "") {
  AttemptRecord attempt;
  attempt.step_id = std::move(step_id);
  attempt.kind = std::move(kind);
  attempt.model = std::move(model);
  return attempt;
}

DecisionRecord decision_of(std::string step_id, int item, bool approved) {
  DecisionRecord decision;
  decision.step_id = std::move(step_id);
  decision.item = item;
  decision.approved = approved;
  return decision;
}

std::unique_ptr<Journal> open_or_fail(const std::string& path) {
  auto journal = open_sqlite_journal(path, Durability::kProcess);
  if (!journal) {
    ADD_FAILURE() << journal.error().message();
    return nullptr;
  }
  return std::move(journal).value();
}

class JournalTest : public testing::TestWithParam<JournalKind> {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "baton_journal_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    journal_ = GetParam().open(dir_);
    ASSERT_NE(journal_, nullptr);
  }
  void TearDown() override {
    journal_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static RunRecord run(std::string id, std::int64_t created_ms) {
    RunRecord record;
    record.id = std::move(id);
    record.workflow_name = "article";
    record.workflow_file = "article.yaml";
    record.workflow_source = "name: article\n";
    record.workflow_hash = "h1";
    record.inputs_json = R"({"topic":"durability"})";
    record.created_ms = created_ms;
    record.updated_ms = created_ms;
    return record;
  }

  void create(const RunRecord& record) {
    auto status = journal_->create_run(record);
    ASSERT_TRUE(status) << status.error().message();
  }

  std::vector<std::string> ids(const std::vector<RunRecord>& runs) {
    std::vector<std::string> result;
    for (const RunRecord& record : runs) result.push_back(record.id);
    return result;
  }

  std::string dir_;
  std::unique_ptr<Journal> journal_;
};

TEST_P(JournalTest, CreatedRunIsFoundWithEveryField) {
  RunRecord record = run("r1", 1000);
  record.status = RunStatus::kWaiting;
  record.outputs_json = R"({"a":1})";
  record.error = "none";
  record.input_tokens = 12;
  record.output_tokens = 34;
  record.cost_usd = 0.25;
  record.fixture = "fixture.json";
  record.owner = "1@host";
  create(record);

  auto found = journal_->find_run("r1");
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_TRUE(found->has_value());
  const RunRecord& stored = **found;
  EXPECT_EQ(stored.id, "r1");
  EXPECT_EQ(stored.workflow_name, "article");
  EXPECT_EQ(stored.workflow_file, "article.yaml");
  EXPECT_EQ(stored.workflow_source, "name: article\n");
  EXPECT_EQ(stored.workflow_hash, "h1");
  EXPECT_EQ(stored.inputs_json, R"({"topic":"durability"})");
  EXPECT_EQ(stored.status, RunStatus::kWaiting);
  EXPECT_EQ(stored.outputs_json, R"({"a":1})");
  EXPECT_EQ(stored.error, "none");
  EXPECT_EQ(stored.created_ms, 1000);
  EXPECT_EQ(stored.updated_ms, 1000);
  EXPECT_EQ(stored.input_tokens, 12);
  EXPECT_EQ(stored.output_tokens, 34);
  EXPECT_DOUBLE_EQ(stored.cost_usd, 0.25);
  EXPECT_EQ(stored.fixture, "fixture.json");
  EXPECT_EQ(stored.owner, "1@host");
}

TEST_P(JournalTest, MissingRunIsNotFoundAsEmpty) {
  auto found = journal_->find_run("nope");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TEST_P(JournalTest, DuplicateRunIdIsAlreadyExists) {
  create(run("r1", 1));
  auto status = journal_->create_run(run("r1", 2));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(status.error().message().find("r1"), std::string::npos);
}

TEST_P(JournalTest, UpdateRunKeepsIdentityAndWorkflow) {
  create(run("r1", 1000));
  RunRecord changed = run("r1", 5);
  changed.workflow_name = "other";
  changed.workflow_file = "other.yaml";
  changed.workflow_source = "other";
  changed.workflow_hash = "h2";
  changed.status = RunStatus::kSucceeded;
  changed.outputs_json = R"({"done":true})";
  changed.updated_ms = 2000;
  changed.input_tokens = 7;
  changed.output_tokens = 8;
  changed.cost_usd = 1.5;
  changed.owner = "2@host";
  ASSERT_TRUE(journal_->update_run(changed));

  auto found = journal_->find_run("r1");
  ASSERT_TRUE(found && found->has_value());
  const RunRecord& stored = **found;
  EXPECT_EQ(stored.workflow_name, "article");
  EXPECT_EQ(stored.workflow_file, "article.yaml");
  EXPECT_EQ(stored.workflow_source, "name: article\n");
  EXPECT_EQ(stored.workflow_hash, "h1");
  EXPECT_EQ(stored.created_ms, 1000);
  EXPECT_EQ(stored.status, RunStatus::kSucceeded);
  EXPECT_EQ(stored.outputs_json, R"({"done":true})");
  EXPECT_EQ(stored.updated_ms, 2000);
  EXPECT_EQ(stored.input_tokens, 7);
  EXPECT_EQ(stored.output_tokens, 8);
  EXPECT_DOUBLE_EQ(stored.cost_usd, 1.5);
  EXPECT_EQ(stored.owner, "2@host");
}

TEST_P(JournalTest, RerunOriginAndStepFingerprintsRoundTrip) {
  RunRecord record = run("r2", 1000);
  record.parent_run = "r1";
  record.rerun_from = "draft";
  record.overrides_json = R"([{"step":"draft","model":"smart"}])";
  create(record);
  StepRecord step;
  step.step_id = "outline";
  step.status = StepStatus::kSucceeded;
  step.result_json = R"({"output":"x"})";
  step.fingerprint = "0123456789abcdef";
  step.reused_from = "r1";
  ASSERT_TRUE(journal_->put_step("r2", step));

  auto found = journal_->find_run("r2");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->parent_run, "r1");
  EXPECT_EQ((*found)->rerun_from, "draft");
  EXPECT_EQ((*found)->overrides_json, R"([{"step":"draft","model":"smart"}])");
  auto steps = journal_->steps("r2");
  ASSERT_TRUE(steps && steps->size() == 1u);
  EXPECT_EQ((*steps)[0].fingerprint, "0123456789abcdef");
  EXPECT_EQ((*steps)[0].reused_from, "r1");
}

TEST_P(JournalTest, SetRunWorkflowChangesOnlyTheWorkflow) {
  create(run("r1", 1000));
  RunRecord changed = run("r1", 5);
  changed.workflow_name = "article2";
  changed.workflow_file = "other.yaml";
  changed.workflow_source = "name: article2\n";
  changed.workflow_hash = "h2";
  changed.status = RunStatus::kFailed;
  ASSERT_TRUE(journal_->set_run_workflow(changed));
  auto found = journal_->find_run("r1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->workflow_name, "article2");
  EXPECT_EQ((*found)->workflow_source, "name: article2\n");
  EXPECT_EQ((*found)->workflow_hash, "h2");
  EXPECT_EQ((*found)->workflow_file, "article.yaml");
  EXPECT_EQ((*found)->status, RunStatus::kRunning);
  EXPECT_EQ((*found)->created_ms, 1000);
  auto missing = journal_->set_run_workflow(run("ghost", 1));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_P(JournalTest, UpdateOfMissingRunIsNotFound) {
  auto status = journal_->update_run(run("ghost", 1));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
}

TEST_P(JournalTest, ListRunsIsNewestFirstWithoutSource) {
  create(run("b", 200));
  create(run("a", 300));
  create(run("c", 100));
  create(run("d", 300));  // same millisecond as "a" but created later: newer

  auto listed = journal_->list_runs(10);
  ASSERT_TRUE(listed);
  EXPECT_EQ(ids(*listed), (std::vector<std::string>{"d", "a", "b", "c"}));
  for (const RunRecord& record : *listed) {
    EXPECT_EQ(record.workflow_source, "");
    EXPECT_EQ(record.workflow_name, "article");
  }
  auto limited = journal_->list_runs(2);
  ASSERT_TRUE(limited);
  EXPECT_EQ(ids(*limited), (std::vector<std::string>{"d", "a"}));
}

TEST_P(JournalTest, FindRunsByPrefixMatchesOnlyThePrefix) {
  create(run("abc1", 1));
  create(run("abc2", 2));
  create(run("abd", 3));
  create(run("ab", 4));
  create(run("xabc", 5));

  auto found = journal_->find_runs_by_prefix("abc", 10);
  ASSERT_TRUE(found);
  EXPECT_EQ(ids(*found), (std::vector<std::string>{"abc2", "abc1"}));
  EXPECT_EQ((*found)[0].workflow_source, "name: article\n");

  auto limited = journal_->find_runs_by_prefix("ab", 2);
  ASSERT_TRUE(limited);
  EXPECT_EQ(ids(*limited), (std::vector<std::string>{"ab", "abd"}));

  auto everything = journal_->find_runs_by_prefix("", 10);
  ASSERT_TRUE(everything);
  EXPECT_EQ(everything->size(), 5U);

  auto none = journal_->find_runs_by_prefix("abcd", 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(JournalTest, FindRunsByPrefixTreatsWildcardsAndHighBytesLiterally) {
  create(run("a%b", 1));
  create(run("a_b", 2));
  create(run("axb", 3));
  create(
      run("\xff\xff"
          "1",
          4));
  create(run("\xff\xfe", 5));

  auto percent = journal_->find_runs_by_prefix("a%", 10);
  ASSERT_TRUE(percent);
  EXPECT_EQ(ids(*percent), (std::vector<std::string>{"a%b"}));
  auto underscore = journal_->find_runs_by_prefix("a_", 10);
  ASSERT_TRUE(underscore);
  EXPECT_EQ(ids(*underscore), (std::vector<std::string>{"a_b"}));
  auto high = journal_->find_runs_by_prefix("\xff\xff", 10);
  ASSERT_TRUE(high);
  EXPECT_EQ(ids(*high), (std::vector<std::string>{"\xff\xff"
                                                  "1"}));
}

TEST_P(JournalTest, ClaimRunIsACompareAndSet) {
  create(run("r1", 1));
  ASSERT_TRUE(journal_->claim_run("r1", "", "1@host"));
  auto lost = journal_->claim_run("r1", "", "2@host");
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), ErrorCode::kConflict);
  ASSERT_TRUE(journal_->claim_run("r1", "1@host", "2@host"));

  auto found = journal_->find_run("r1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->owner, "2@host");

  auto missing = journal_->claim_run("ghost", "", "1@host");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_P(JournalTest, PutStepUpsertsAndListsInKeyOrder) {
  create(run("r1", 1));
  StepRecord outline = step_of("outline");
  outline.started_ms = 10;
  StepRecord section0 = step_of("sections", 0);
  StepRecord section1 = step_of("sections", 1);
  ASSERT_TRUE(journal_->put_step("r1", outline));
  ASSERT_TRUE(journal_->put_step("r1", section1));
  ASSERT_TRUE(journal_->put_step("r1", section0));

  outline.status = StepStatus::kSucceeded;
  outline.result_json = R"({"output":"x"})";
  outline.ended_ms = 20;
  outline.attempts = 2;
  ASSERT_TRUE(journal_->put_step("r1", outline));

  auto steps = journal_->steps("r1");
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 3U);  // by step id, then item
  EXPECT_EQ((*steps)[0].step_id, "outline");
  EXPECT_EQ((*steps)[0].item, -1);
  EXPECT_EQ((*steps)[0].status, StepStatus::kSucceeded);
  EXPECT_EQ((*steps)[0].result_json, R"({"output":"x"})");
  EXPECT_EQ((*steps)[0].started_ms, 10);
  EXPECT_EQ((*steps)[0].ended_ms, 20);
  EXPECT_EQ((*steps)[0].attempts, 2);
  EXPECT_EQ((*steps)[1].step_id, "sections");
  EXPECT_EQ((*steps)[1].item, 0);
  EXPECT_EQ((*steps)[1].status, StepStatus::kRunning);
  EXPECT_EQ((*steps)[2].item, 1);
}

TEST_P(JournalTest, StepsAreOrderedByTheBytesOfTheirIds) {
  create(run("r1", 1));
  for (const char* id : {"b", "\xc3\xa9t\xc3\xa9", "B", "a"}) {
    ASSERT_TRUE(journal_->put_step("r1", step_of(id)));
  }
  auto steps = journal_->steps("r1");
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 4U);
  EXPECT_EQ((*steps)[0].step_id, "B");
  EXPECT_EQ((*steps)[1].step_id, "a");
  EXPECT_EQ((*steps)[2].step_id, "b");
  EXPECT_EQ((*steps)[3].step_id, "\xc3\xa9t\xc3\xa9");
}

TEST_P(JournalTest, EveryStepStatusRoundTrips) {
  create(run("r1", 1));
  const StepStatus all[] = {StepStatus::kRunning, StepStatus::kWaiting, StepStatus::kSucceeded,
                            StepStatus::kFailed,  StepStatus::kSkipped, StepStatus::kCancelled};
  for (int item = 0; item < 6; ++item) {
    StepRecord step = step_of("s", item, all[item]);
    step.error = "e";
    ASSERT_TRUE(journal_->put_step("r1", step));
  }
  auto steps = journal_->steps("r1");
  ASSERT_TRUE(steps);
  ASSERT_EQ(steps->size(), 6U);
  for (int item = 0; item < 6; ++item) EXPECT_EQ((*steps)[item].status, all[item]);
}

TEST_P(JournalTest, WritesForAMissingRunAreNotFound) {
  StepRecord step = step_of("s");
  auto put = journal_->put_step("ghost", step);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code(), ErrorCode::kNotFound);
  EventRecord event = event_of("run_started");
  auto appended = journal_->append_event("ghost", event);
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code(), ErrorCode::kNotFound);
  auto steps = journal_->steps("ghost");
  ASSERT_TRUE(steps);
  EXPECT_TRUE(steps->empty());
}

TEST_P(JournalTest, AttemptsAreAddedFinishedAndListedInOrder) {
  create(run("r1", 1));
  create(run("r2", 1));
  AttemptRecord first = attempt_of("outline", "model", "fast");
  first.request_json = R"({"prompt":"p"})";
  first.started_ms = 5;
  first.purpose = "repair";
  AttemptRecord other = attempt_of("x", "process");
  AttemptRecord second = attempt_of("outline", "model", "smart");
  second.number = 2;
  ASSERT_TRUE(journal_->add_attempt("r1", first));
  ASSERT_TRUE(journal_->add_attempt("r2", other));
  ASSERT_TRUE(journal_->add_attempt("r1", second));
  EXPECT_GT(first.id, 0);
  EXPECT_GT(other.id, first.id);
  EXPECT_GT(second.id, other.id);

  AttemptRecord finished = first;
  finished.status = AttemptStatus::kFailed;
  finished.response_json = "broken";
  finished.error = "not JSON";
  finished.ended_ms = 9;
  finished.input_tokens = 100;
  finished.output_tokens = 3;
  finished.cached_input_tokens = 60;
  finished.cache_write_tokens = 25;
  finished.model = "ignored";    // not among the fields that finishing rewrites
  finished.purpose = "ignored";  // nor this
  finished.feedback = "your answer contains no valid JSON";
  finished.answer = "broken";
  ASSERT_TRUE(journal_->finish_attempt("r1", finished));

  auto attempts = journal_->attempts("r1");
  ASSERT_TRUE(attempts);
  ASSERT_EQ(attempts->size(), 2U);
  const AttemptRecord& stored = (*attempts)[0];
  EXPECT_EQ(stored.id, first.id);
  EXPECT_EQ(stored.step_id, "outline");
  EXPECT_EQ(stored.number, 1);
  EXPECT_EQ(stored.kind, "model");
  EXPECT_EQ(stored.model, "fast");
  EXPECT_EQ(stored.status, AttemptStatus::kFailed);
  EXPECT_EQ(stored.request_json, R"({"prompt":"p"})");
  EXPECT_EQ(stored.response_json, "broken");
  EXPECT_EQ(stored.error, "not JSON");
  EXPECT_EQ(stored.started_ms, 5);
  EXPECT_EQ(stored.ended_ms, 9);
  EXPECT_EQ(stored.input_tokens, 100);
  EXPECT_EQ(stored.output_tokens, 3);
  EXPECT_EQ(stored.cached_input_tokens, 60);
  EXPECT_EQ(stored.cache_write_tokens, 25);
  EXPECT_EQ(stored.purpose, "repair");
  EXPECT_EQ(stored.feedback, "your answer contains no valid JSON");
  EXPECT_EQ(stored.answer, "broken");
  EXPECT_EQ((*attempts)[1].id, second.id);
  EXPECT_EQ((*attempts)[1].feedback, "");
  EXPECT_EQ((*attempts)[1].status, AttemptStatus::kRunning);
}

TEST_P(JournalTest, FinishingAnUnknownAttemptIsNotFound) {
  create(run("r1", 1));
  create(run("r2", 1));
  AttemptRecord attempt = attempt_of("s", "model");
  ASSERT_TRUE(journal_->add_attempt("r1", attempt));
  AttemptRecord unknown = attempt;
  unknown.id = attempt.id + 100;
  auto missing = journal_->finish_attempt("r1", unknown);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto wrong_run = journal_->finish_attempt("r2", attempt);
  ASSERT_FALSE(wrong_run);
  EXPECT_EQ(wrong_run.error().code(), ErrorCode::kNotFound);
}

TEST_P(JournalTest, DecisionsAreUpserted) {
  create(run("r1", 1));
  DecisionRecord review = decision_of("review", -1, false);
  review.reason = "too long";
  review.decided_ms = 7;
  ASSERT_TRUE(journal_->put_decision("r1", review));
  DecisionRecord item = decision_of("check", 3, true);
  item.value_json = "42";
  ASSERT_TRUE(journal_->put_decision("r1", item));
  review.approved = true;
  review.value_json = R"({"edited":true})";
  review.reason = "";
  review.decided_ms = 8;
  ASSERT_TRUE(journal_->put_decision("r1", review));

  auto decisions = journal_->decisions("r1");
  ASSERT_TRUE(decisions);
  ASSERT_EQ(decisions->size(), 2U);  // by step id, then item
  EXPECT_EQ((*decisions)[0].step_id, "check");
  EXPECT_EQ((*decisions)[0].item, 3);
  EXPECT_EQ((*decisions)[0].value_json, "42");
  EXPECT_EQ((*decisions)[1].step_id, "review");
  EXPECT_EQ((*decisions)[1].item, -1);
  EXPECT_TRUE((*decisions)[1].approved);
  EXPECT_EQ((*decisions)[1].value_json, R"({"edited":true})");
  EXPECT_EQ((*decisions)[1].reason, "");
  EXPECT_EQ((*decisions)[1].decided_ms, 8);
}

TEST_P(JournalTest, EventSeqsIncreaseWithinARunAndFilterByRunAndSeq) {
  create(run("r1", 1));
  create(run("r2", 1));
  std::vector<std::int64_t> seqs;
  std::map<std::string, std::int64_t> last_seq_of_run;
  for (int index = 0; index < 5; ++index) {
    EventRecord event = event_of("step_succeeded", "s", index);
    event.time_ms = index;
    event.data_json = R"({"n":)" + std::to_string(index) + "}";
    const std::string run_id = index % 2 == 0 ? "r1" : "r2";
    ASSERT_TRUE(journal_->append_event(run_id, event));
    EXPECT_GT(event.seq, last_seq_of_run[run_id]);
    last_seq_of_run[run_id] = event.seq;
    seqs.push_back(event.seq);
  }

  auto all = journal_->events("r1", 0);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[0].seq, seqs[0]);
  EXPECT_EQ((*all)[1].seq, seqs[2]);
  EXPECT_EQ((*all)[2].seq, seqs[4]);
  EXPECT_EQ((*all)[2].type, "step_succeeded");
  EXPECT_EQ((*all)[2].step_id, "s");
  EXPECT_EQ((*all)[2].item, 4);
  EXPECT_EQ((*all)[2].time_ms, 4);
  EXPECT_EQ((*all)[2].data_json, R"({"n":4})");

  auto after = journal_->events("r1", seqs[2]);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1U);
  EXPECT_EQ((*after)[0].seq, seqs[4]);
  auto none = journal_->events("r1", seqs[4]);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(JournalTest, CommitMakesWritesReadableAndIsIdempotent) {
  ASSERT_TRUE(journal_->commit());
  create(run("r1", 1));
  ASSERT_TRUE(journal_->commit());
  ASSERT_TRUE(journal_->commit());
  auto found = journal_->find_run("r1");
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->has_value());
}

TEST_P(JournalTest, TextWithNulsAndEmptyValuesRoundTrips) {
  RunRecord record = run(std::string("r\0x", 3), 1);
  record.inputs_json = "";
  record.workflow_source = std::string("a\0b", 3);
  create(record);
  auto found = journal_->find_run(std::string("r\0x", 3));
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->workflow_source, std::string("a\0b", 3));
  EXPECT_EQ((*found)->inputs_json, "");
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, JournalTest,
    testing::Values(JournalKind{"memory", [](const std::string&) { return make_memory_journal(); }},
                    JournalKind{
                        "sqlite_file",
                        [](const std::string& dir) { return open_or_fail(dir + "/journal.db"); }},
                    JournalKind{"sqlite_in_memory",
                                [](const std::string&) { return open_or_fail(":memory:"); }}),
    [](const testing::TestParamInfo<JournalKind>& param) { return param.param.name; });

}  // namespace
}  // namespace baton::store
