// A failed step fails what depends on it, not independent branches; `when:` false skips a step
// and what reads it.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

using std::chrono::milliseconds;
using FailureTest = EngineTest;

TEST_F(FailureTest, FailedStepFailsItsDependentsButNotIndependentBranches) {
  server_.add_fault(fake::Fault::http_status(400));
  auto engine = open();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: propagate
steps:
  broken:
    prompt: "This one fails"
  reader:
    prompt: "Use {{ broken.output }}"
  grand:
    value: "{{ reader.output }}"
  ordered:
    needs: broken
    run: ["true"]
  independent:
    run: "sleep 0.2; echo fine"
  after_independent:
    value: "{{ independent.stdout | trim }}"
)");
  RunSummary summary = run(*engine, run_id);
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("'broken'"), std::string::npos) << summary.error;
  EXPECT_EQ(summary.error.find("'reader'"), std::string::npos) << summary.error;
  EXPECT_EQ(summary.outputs_json, "{}");
  EXPECT_EQ(server_.request_count(), 1u);

  RunDetail detail = EngineTest::detail(*engine, run_id);
  auto status_of = [&](const char* id) {
    const StepInfo* step = find_step(detail, id);
    return step ? step->status : std::string("(none)");
  };
  EXPECT_EQ(status_of("broken"), "failed");
  EXPECT_EQ(status_of("reader"), "failed");
  EXPECT_EQ(status_of("grand"), "failed");
  EXPECT_EQ(status_of("ordered"), "failed");
  EXPECT_EQ(status_of("independent"), "succeeded");
  EXPECT_EQ(status_of("after_independent"), "succeeded");
  const StepInfo* reader = find_step(detail, "reader");
  ASSERT_NE(reader, nullptr);
  EXPECT_NE(reader->error.find("'broken' did not succeed"), std::string::npos) << reader->error;
  EXPECT_TRUE(reader->attempts.empty());
  const StepInfo* grand = find_step(detail, "grand");
  ASSERT_NE(grand, nullptr);
  EXPECT_NE(grand->error.find("'reader' did not succeed"), std::string::npos) << grand->error;
  Json after = parse_json(find_step(detail, "after_independent")->result_json);
  EXPECT_EQ(after["output"], "fine");
}

TEST_F(FailureTest, TemplateErrorFailsTheStep) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: bad_template
steps:
  data:
    value: {n: 0}
  divide:
    value: "{{ 10 // data.output.n }}"
)");
  EXPECT_EQ(summary.status, RunStatus::kFailed);
  EXPECT_NE(summary.error.find("'divide'"), std::string::npos) << summary.error;
}

TEST_F(FailureTest, WhenFalseSkipsTheStepAndWhatReadsIt) {
  auto engine = open();
  std::string run_id = start(*engine, std::string(kModels) + R"(
name: conditional
inputs:
  publish: {type: boolean}
steps:
  draft:
    prompt: "Draft"
  post:
    when: "{{ inputs.publish }}"
    prompt: "Post {{ draft.output }}"
  announce:
    prompt: "Announce {{ post.output }}"
  archive:
    value: "archived {{ draft.output }}"
outputs:
  archive: "{{ archive.output }}"
  post: "{{ post.output }}"
)",
                             {{"publish", "false"}});
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(server_.request_count(), 1u);
  Json outputs = parse_json(summary.outputs_json);
  EXPECT_EQ(outputs["archive"], "archived fake reply to: Draft");
  EXPECT_TRUE(outputs["post"].is_null()) << outputs.dump();

  RunDetail detail = EngineTest::detail(*engine, run_id);
  ASSERT_NE(find_step(detail, "post"), nullptr);
  ASSERT_NE(find_step(detail, "announce"), nullptr);
  EXPECT_EQ(find_step(detail, "post")->status, "skipped");
  EXPECT_EQ(find_step(detail, "announce")->status, "skipped");
  EXPECT_EQ(find_step(detail, "archive")->status, "succeeded");
}

TEST_F(FailureTest, AStepThatAlsoReadsAStepThatRanRunsWithNoneForTheSkippedOne) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: report
steps:
  notes:
    value: "the notes"
  publish:
    when: "{{ notes.output == 'never' }}"
    run: ["true"]
  report:
    value: "{{ notes.output }}; published: {{ publish.exit_code is not none }}"
  only_after_publish:
    value: "{{ publish.stdout }}"
outputs:
  report: "{{ report.output }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["report"], "the notes; published: False");
  RunDetail detail = EngineTest::detail(*engine, summary.id);
  EXPECT_EQ(find_step(detail, "report")->status, "succeeded");
  EXPECT_EQ(find_step(detail, "only_after_publish")->status, "skipped");
}

TEST_F(FailureTest, WhenTrueRunsTheStep) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, std::string(kModels) + R"(
name: conditional
inputs:
  publish: {type: boolean}
steps:
  post:
    when: "{{ inputs.publish }}"
    prompt: "Post"
outputs:
  post: "{{ post.output }}"
)",
                                     {{"publish", "true"}});
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["post"], "fake reply to: Post");
}

TEST_F(FailureTest, WhenSkipsSomeForEachItems) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, R"(
name: filter
steps:
  evens:
    for_each: [1, 2, 3, 4]
    when: "{{ item % 2 == 0 }}"
    value: "{{ item }}"
outputs:
  evens: "{{ evens.output }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(parse_json(summary.outputs_json)["evens"], Json::array({nullptr, 2, nullptr, 4}));
}

}  // namespace
}  // namespace baton::engine_test
