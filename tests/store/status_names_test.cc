#include <gtest/gtest.h>

#include "src/store/journal.h"

namespace baton::store {
namespace {

TEST(StatusNamesTest, RunStatusesRoundTrip) {
  for (RunStatus status : {RunStatus::kRunning, RunStatus::kWaiting, RunStatus::kSucceeded,
                           RunStatus::kFailed, RunStatus::kCancelled}) {
    EXPECT_EQ(parse_run_status(run_status_name(status)), status);
  }
  EXPECT_EQ(run_status_name(RunStatus::kSucceeded), "succeeded");
}

TEST(StatusNamesTest, StepStatusesRoundTrip) {
  for (StepStatus status : {StepStatus::kRunning, StepStatus::kWaiting, StepStatus::kSucceeded,
                            StepStatus::kFailed, StepStatus::kSkipped, StepStatus::kCancelled}) {
    EXPECT_EQ(parse_step_status(step_status_name(status)), status);
  }
  EXPECT_EQ(step_status_name(StepStatus::kWaiting), "waiting");
  EXPECT_EQ(step_status_name(StepStatus::kSkipped), "skipped");
}

TEST(StatusNamesTest, AttemptStatusesRoundTrip) {
  for (AttemptStatus status : {AttemptStatus::kRunning, AttemptStatus::kSucceeded,
                               AttemptStatus::kFailed, AttemptStatus::kInterrupted}) {
    EXPECT_EQ(parse_attempt_status(attempt_status_name(status)), status);
  }
  EXPECT_EQ(attempt_status_name(AttemptStatus::kInterrupted), "interrupted");
}

TEST(StatusNamesTest, UnknownNamesAreRejected) {
  EXPECT_EQ(parse_run_status("Running"), std::nullopt);
  EXPECT_EQ(parse_run_status(""), std::nullopt);
  EXPECT_EQ(parse_step_status("interrupted"), std::nullopt);
  EXPECT_EQ(parse_attempt_status("skipped"), std::nullopt);
}

}  // namespace
}  // namespace baton::store
