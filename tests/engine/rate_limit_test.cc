// `rate_limit:` holds a workflow's calls before they reach the API.
#include <algorithm>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

class RateLimitTest : public EngineTest {};

TEST_F(RateLimitTest, TheServerSeesTheCallsOfAFanOutSpacedByTheLimit) {
  auto engine = open();
  const RunSummary summary = start_and_run(*engine, R"(
name: limited
models:
  fast: {provider: openai, model: gpt-test, rate_limit: {rpm: 120}}
defaults: {model: fast}
steps:
  each:
    for_each: [1, 2, 3, 4, 5, 6]
    prompt: "item {{ item }}"
)");
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  std::vector<std::chrono::steady_clock::time_point> times;
  for (const fake::RecordedRequest& request : server_.requests()) times.push_back(request.received);
  ASSERT_EQ(times.size(), 6u);
  std::sort(times.begin(), times.end());
  // Two a second: two at once, then one every 500 ms (a lower bound: a busy machine is slower).
  EXPECT_GE(times.back() - times.front(), std::chrono::milliseconds(1800));
  EXPECT_GE(times[2] - times[0], std::chrono::milliseconds(400));
}

}  // namespace
}  // namespace baton::engine_test
