// The event stream a listener sees: what happened, once, in an order that makes sense.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class EventsTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    engine_ = open();
    engine_->on_event([this](const Event& event) { events_.push_back(event); });
  }

  // The index of the first event of `type` for `step` (and `item`), or -1.
  int index_of(const std::string& type, const std::string& step = "", int item = -1) const {
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (events_[i].type == type && events_[i].step == step && events_[i].item == item)
        return static_cast<int>(i);
    }
    return -1;
  }
  int count_of(const std::string& type) const {
    return static_cast<int>(std::count_if(events_.begin(), events_.end(),
                                          [&](const Event& event) { return event.type == type; }));
  }

  std::unique_ptr<Engine> engine_;
  std::vector<Event> events_;
};

TEST_F(EventsTest, SuccessfulRunInOrder) {
  std::string run_id = start(*engine_, std::string(kModels) + R"(
name: ordered
steps:
  ask:
    prompt: "Hello"
  count:
    run: ["wc", "-c"]
    stdin: "{{ ask.output }}"
)");
  RunSummary summary = run(*engine_, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;

  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_.front().type, "run_started");
  EXPECT_EQ(events_.back().type, "run_succeeded");
  EXPECT_EQ(count_of("run_started"), 1);
  EXPECT_EQ(count_of("run_succeeded"), 1);
  for (std::size_t i = 0; i < events_.size(); ++i) {
    EXPECT_EQ(events_[i].run_id, run_id);
    if (i == 0) continue;
    EXPECT_GT(events_[i].seq, events_[i - 1].seq) << events_[i].type;
    EXPECT_GE(events_[i].time_ms, events_[i - 1].time_ms) << events_[i].type;
  }
  int ask_started = index_of("step_started", "ask");
  int ask_succeeded = index_of("step_succeeded", "ask");
  int count_started = index_of("step_started", "count");
  int count_succeeded = index_of("step_succeeded", "count");
  ASSERT_GE(ask_started, 0);
  EXPECT_LT(ask_started, ask_succeeded);
  EXPECT_LT(ask_succeeded, count_started);
  EXPECT_LT(count_started, count_succeeded);
  EXPECT_EQ(count_of("step_started"), 2);
  EXPECT_EQ(count_of("step_succeeded"), 2);

  Json data = parse_json(events_[ask_succeeded].data_json);
  EXPECT_TRUE(data.contains("elapsed_ms")) << events_[ask_succeeded].data_json;
  EXPECT_GT(data.value("input_tokens", 0), 0) << events_[ask_succeeded].data_json;
}

TEST_F(EventsTest, ForEachItemsFinishBeforeTheirStep) {
  std::string run_id = start(*engine_, R"(
name: values
steps:
  one:
    value: 1
  many:
    for_each: [1, 2]
    run: ["echo", "{{ item + one.output }}"]
  last:
    value: "{{ many.stdout }}"
)");
  RunSummary summary = run(*engine_, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  EXPECT_EQ(count_of("step_succeeded"), 5);
  int many = index_of("step_succeeded", "many");
  for (int item : {0, 1}) {
    int started = index_of("step_started", "many", item);
    int succeeded = index_of("step_succeeded", "many", item);
    EXPECT_LT(index_of("step_succeeded", "one"), started) << item;
    EXPECT_GE(started, 0) << item;
    EXPECT_LT(started, succeeded) << item;
    EXPECT_LT(succeeded, many) << item;
  }
  EXPECT_LT(many, index_of("step_succeeded", "last"));
}

TEST_F(EventsTest, FailedRunEndsWithRunFailed) {
  server_.add_fault(fake::Fault::http_status(500));
  std::string run_id = start(*engine_, std::string(kModels) + R"(
name: failing
steps:
  ask:
    prompt: "Hello"
    retry: {attempts: 2, backoff: 1ms}
  never:
    run: "exit 1"
  next:
    value: "{{ ask.output }}"
)");
  RunSummary summary = run(*engine_, run_id);
  ASSERT_EQ(summary.status, RunStatus::kFailed);
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_.back().type, "run_failed");
  Json data = parse_json(events_.back().data_json);
  EXPECT_NE(data.value("error", "").find("'never'"), std::string::npos) << events_.back().data_json;
  EXPECT_EQ(count_of("attempt_failed"), 1);
  EXPECT_LT(index_of("attempt_failed", "ask"), index_of("step_succeeded", "ask"));
  EXPECT_LT(index_of("step_failed", "never"), static_cast<int>(events_.size()) - 1);
}

TEST_F(EventsTest, WaitingRunSaysWhichStepWaits) {
  std::string run_id = start(*engine_, R"(
name: waiting
steps:
  ask:
    human: "OK?"
)");
  RunSummary summary = run(*engine_, run_id);
  ASSERT_EQ(summary.status, RunStatus::kWaiting);
  int waiting = index_of("step_waiting", "ask");
  ASSERT_GE(waiting, 0);
  EXPECT_EQ(events_.back().type, "run_waiting");
  EXPECT_EQ(parse_json(events_[waiting].data_json)["question"], "OK?");

  events_.clear();
  ASSERT_TRUE(engine_->decide(run_id, "ask", {true, "", ""}));
  summary = run(*engine_, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded);
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_.front().type, "run_resumed");
  EXPECT_GE(index_of("step_succeeded", "ask"), 0);
  EXPECT_EQ(events_.back().type, "run_succeeded");
}

}  // namespace
}  // namespace baton::engine_test
