// Loops through the real `baton` binary: kill -9 in the middle of an iteration and resume
// (the fake server counts what is sent again), and a human step answered per iteration.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

class LoopCliTest : public CliTest {};

// Each iteration writes, reviews and tests; the test passes from the third iteration on.
constexpr const char* kWriteReviewTest = R"(name: write_review_test
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  fix:
    loop:
      max: 5
      until: "{{ test.exit_code == 0 }}"
      steps:
        write:
          prompt: "Write v{{ loop.index }}"
        review:
          prompt: "Review {{ write.output }}"
        test:
          run: ["sh", "-c", "[ \"$N\" -ge 3 ] || { echo \"fails in $N\" >&2; exit 1; }"]
          env: {N: "{{ loop.index }}"}
          needs: review
outputs:
  review: "{{ fix.review.output }}"
  iterations: "{{ fix.iterations }}"
)";

TEST_F(LoopCliTest, KilledMidIterationResumesWithoutSendingFinishedStepsAgain) {
  // The review of the second iteration hangs, so the kill comes while it is in flight.
  server_.set_rules({fake::ReplyRule("Review fake reply to: Write v2", "slow review",
                                     std::chrono::milliseconds(60'000))});
  std::string file = write("loop.yaml", kWriteReviewTest);
  std::string run;
  {
    BatonProcess process;
    std::string error;
    ASSERT_TRUE(process.start({"run", file, "--db", db(), "--json"}, options(), error)) << error;
    std::string line;
    bool review_started = false;
    while (!review_started && process.next_line(line)) {
      json event = json::parse(line, nullptr, false);
      ASSERT_FALSE(event.is_discarded()) << line;
      if (run.empty()) run = event.value("run", "");
      review_started = event.value("event", "") == "step_started" &&
                       event.value("step", "") == "fix.review" && event.value("item", -1) == 1;
    }
    ASSERT_TRUE(review_started);
    // Kill once the server holds the request, so that it is in flight at the kill.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (server_.requests_by_last_user_message()["Review fake reply to: Write v2"] == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    process.kill_now();
    Outcome killed = process.wait();
    EXPECT_EQ(killed.signal, SIGKILL);
  }
  ASSERT_FALSE(run.empty());
  EXPECT_EQ(server_.requests_by_last_user_message()["Write v2"], 1u);

  server_.set_rules({});
  Outcome resumed = baton({"resume", run, "--db", db(), "--json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err << resumed.out;
  json summary = summary_line(resumed.out);
  EXPECT_EQ(summary.at("status"), "succeeded");
  EXPECT_EQ(summary.at("outputs").at("iterations"), 3);
  EXPECT_EQ(summary.at("outputs").at("review"), "fake reply to: Review fake reply to: Write v3");

  auto requests = server_.requests_by_last_user_message();
  EXPECT_EQ(requests["Write v1"], 1u);
  EXPECT_EQ(requests["Review fake reply to: Write v1"], 1u);
  EXPECT_EQ(requests["Write v2"], 1u);  // finished before the kill: not sent again
  EXPECT_EQ(requests["Review fake reply to: Write v2"], 2u);  // in flight at the kill
  EXPECT_EQ(requests["Write v3"], 1u);
  EXPECT_EQ(server_.request_count(), 7u);

  json detail = show(run);
  int tests_failed = 0;
  for (const json& step : detail.at("steps")) {
    if (step.at("step") == "fix.test" && step.at("status") == "failed") ++tests_failed;
  }
  EXPECT_EQ(tests_failed, 2);
}

TEST_F(LoopCliTest, AHumanStepInALoopIsApprovedPerIteration) {
  std::string file = write("approve.yaml", R"(name: approve_loop
steps:
  draft:
    loop:
      max: 3
      until: "{{ ok.approved }}"
      steps:
        text:
          value: "draft number {{ loop.index }}"
        ok:
          human: "Good enough?"
          show: "{{ text.output }}"
outputs:
  final: "{{ draft.ok.value }}"
)");
  Outcome outcome = baton({"run", file, "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 3) << outcome.err;
  json summary = summary_line(outcome.out);
  std::string run = summary.at("run");
  EXPECT_EQ(summary.at("waiting"), json::array({"draft.ok[0]"}));

  outcome = baton({"reject", run, "draft.ok[0]", "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 3) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("waiting"), json::array({"draft.ok[1]"}));

  std::string edited = write("edited.txt", "draft number 2, polished\n");
  outcome = baton({"approve", run, "draft.ok[1]", "--edit", edited, "--db", db(), "--json"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_EQ(summary_line(outcome.out).at("outputs").at("final"), "draft number 2, polished\n");

  Outcome shown = baton({"show", run, "draft.ok[1]", "--db", db()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("--- draft.ok[1] (shown)\n"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("-draft number 2\n"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("+draft number 2, polished\n"), std::string::npos) << shown.out;
}

}  // namespace
}  // namespace baton::cli_test
