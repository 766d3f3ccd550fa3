#include "src/providers/fixture.h"

#include <gtest/gtest.h>

#include "tests/providers/test_models.h"

namespace baton::providers {
namespace {

using testing::make_call;
using testing::make_model;

const std::string kArticle = BATON_SOURCE_DIR "/tests/providers/data/article.yaml";

TEST(FixtureLoadTest, ReadsEveryField) {
  Result<Fixture> fixture = load_fixture(kArticle);
  ASSERT_TRUE(fixture) << fixture.error().to_string();
  EXPECT_EQ(fixture->file, kArticle);
  ASSERT_EQ(fixture->responses.size(), 5u);
  const FixtureResponse& outline = fixture->responses[0];
  EXPECT_EQ(outline.step, "outline");
  EXPECT_FALSE(outline.match);
  EXPECT_EQ(outline.reply, R"({"sections": ["Introduction", "Conclusion"]})");
  ASSERT_TRUE(outline.usage);
  EXPECT_EQ(outline.usage->input_tokens, 12);
  EXPECT_EQ(outline.usage->output_tokens, 30);
  EXPECT_EQ(outline.span.line, 3);
  EXPECT_EQ(outline.span.column, 5);
  const FixtureResponse& intro = fixture->responses[1];
  EXPECT_EQ(intro.match, "Introduction");
  EXPECT_EQ(intro.reply, "Every story starts somewhere.\nThis one starts here.\n");
  EXPECT_EQ(intro.latency, std::chrono::milliseconds(20));
  EXPECT_FALSE(intro.usage);
  const FixtureResponse& limited = fixture->responses[2];
  EXPECT_EQ(limited.error, ErrorCode::kRateLimited);
  EXPECT_EQ(limited.times, 1);
  EXPECT_FALSE(fixture->responses[4].step);
}

TEST(FixtureLoadTest, MissingFileIsNotFound) {
  Result<Fixture> fixture = load_fixture(BATON_SOURCE_DIR "/tests/providers/data/nope.yaml");
  ASSERT_FALSE(fixture);
  EXPECT_EQ(fixture.error().code(), ErrorCode::kNotFound);
}

struct BadFixture {
  const char* text;
  const char* expected;  // Error::to_string(): "f.yaml:LINE:COLUMN: message"
};

class FixtureErrorTest : public ::testing::TestWithParam<BadFixture> {};

TEST_P(FixtureErrorTest, NamesTheLineColumnAndWhatWasExpected) {
  Result<Fixture> fixture = parse_fixture(GetParam().text, "f.yaml");
  ASSERT_FALSE(fixture) << GetParam().text;
  EXPECT_EQ(fixture.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(fixture.error().to_string(), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, FixtureErrorTest,
    ::testing::Values(
        BadFixture{"", "f.yaml:1:1: expected a mapping with a 'responses' list"},
        BadFixture{"- reply: x\n", "f.yaml:1:1: expected a mapping with a 'responses' list"},
        BadFixture{"responses: [\n",
                   "f.yaml:2:1: invalid YAML: did not find expected node content at the end of the "
                   "file"},
        BadFixture{"respones:\n  - reply: x\n",
                   "f.yaml:1:1: unknown key 'respones' at the top of a fixture file; expected "
                   "responses; did you mean 'responses'?"},
        BadFixture{"responses: {reply: x}\n",
                   "f.yaml:1:12: 'responses' must be a list of at least one response"},
        BadFixture{"responses: []\n",
                   "f.yaml:1:12: 'responses' must be a list of at least one response"},
        BadFixture{"responses:\n  - hello\n",
                   "f.yaml:2:5: expected a response: a mapping with 'reply'"},
        BadFixture{"responses:\n  - step: a\n",
                   "f.yaml:2:5: a response needs 'reply' (or 'error' to rehearse a failure)"},
        BadFixture{"responses:\n  - reply: x\n    replay: y\n",
                   "f.yaml:3:5: unknown key 'replay' in a response; expected step, match, reply, "
                   "error, usage, latency_ms or times; did you mean 'reply'?"},
        BadFixture{"responses:\n  - reply: x\n    reply: y\n", "f.yaml:3:5: duplicate key 'reply'"},
        BadFixture{"responses:\n  - reply: [a, b]\n", "f.yaml:2:12: 'reply' must be a string"},
        BadFixture{"responses:\n  - reply:\n", "f.yaml:2:5: 'reply' must be a string"},
        BadFixture{"responses:\n  - reply: x\n    error: timeout\n",
                   "f.yaml:3:12: a response has either 'reply' or 'error', not both"},
        BadFixture{"responses:\n  - error: rate_limit\n",
                   "f.yaml:2:12: 'error' must be rate_limited, unavailable or timeout; did you "
                   "mean 'rate_limited'?"},
        BadFixture{"responses:\n  - error: timeout\n    usage: {input_tokens: 1}\n",
                   "f.yaml:3:12: 'usage' goes with 'reply', not with 'error'"},
        BadFixture{"responses:\n  - reply: x\n    usage: 12\n",
                   "f.yaml:3:12: 'usage' must be a mapping such as {input_tokens: 12, "
                   "output_tokens: 30}"},
        BadFixture{"responses:\n  - reply: x\n    usage: {input_token: 1}\n",
                   "f.yaml:3:13: unknown key 'input_token' in 'usage'; expected input_tokens, "
                   "output_tokens or cached_input_tokens; did you mean 'input_tokens'?"},
        BadFixture{"responses:\n  - reply: x\n    usage: {input_tokens: -1}\n",
                   "f.yaml:3:27: 'input_tokens' must be an integer (0 or more)"},
        BadFixture{"responses:\n  - reply: x\n    latency_ms: '20'\n",
                   "f.yaml:3:17: 'latency_ms' must be an integer (0 or more)"},
        BadFixture{"responses:\n  - reply: x\n    latency_ms: 1.5\n",
                   "f.yaml:3:17: 'latency_ms' must be an integer (0 or more)"},
        BadFixture{"responses:\n  - error: unavailable\n    times: 0\n",
                   "f.yaml:3:12: 'times' must be an integer of at least 1"},
        BadFixture{"responses:\n  - reply: x\n    step: {a: 1}\n",
                   "f.yaml:3:11: 'step' must be a string"}));

Fixture fixture_of(const char* text) {
  Result<Fixture> fixture = parse_fixture(text, "f.yaml");
  EXPECT_TRUE(fixture) << fixture.error().to_string();
  return fixture ? *fixture : Fixture{};
}

TEST(FixtureMatchTest, FirstMatchingEntryWins) {
  const Fixture fixture = fixture_of(R"(responses:
  - step: outline
    reply: a
  - match: Conclusion
    reply: b
  - step: sections
    match: Introduction
    reply: c
  - step: sections
    reply: d
)");
  const lang::Model model = make_model();
  const std::vector<std::int64_t> uses(fixture.responses.size(), 0);
  EXPECT_EQ(find_fixture_response(fixture, make_call(model, "x", "outline"), uses), 0u);
  EXPECT_EQ(find_fixture_response(fixture, make_call(model, "The Conclusion", "sections"), uses),
            1u);
  EXPECT_EQ(find_fixture_response(fixture, make_call(model, "Introduction", "sections"), uses), 2u);
  EXPECT_EQ(find_fixture_response(fixture, make_call(model, "Body", "sections"), uses), 3u);
  EXPECT_FALSE(find_fixture_response(fixture, make_call(model, "Body", "review"), uses));
}

TEST(FixtureMatchTest, MatchLooksAtTheLastUserMessageOnly) {
  const Fixture fixture = fixture_of("responses:\n  - match: terse\n    reply: a\n");
  const lang::Model model = make_model();
  ModelCall call = make_call(model, "hello");  // the system message says "terse"
  EXPECT_FALSE(find_fixture_response(fixture, call, {0}));
  call.messages.push_back({"user", "be terse"});
  call.messages.push_back({"assistant", "ok"});
  EXPECT_EQ(find_fixture_response(fixture, call, {0}), 0u);
  EXPECT_EQ(last_user_message(call), "be terse");
}

TEST(FixtureMatchTest, ExhaustedEntriesAreSkipped) {
  const Fixture fixture = fixture_of(R"(responses:
  - error: rate_limited
    times: 2
  - reply: ok
)");
  const lang::Model model = make_model();
  EXPECT_EQ(find_fixture_response(fixture, make_call(model), {1, 0}), 0u);
  EXPECT_EQ(find_fixture_response(fixture, make_call(model), {2, 0}), 1u);
}

TEST(FixtureMatchTest, NoMatchMessage) {
  const Fixture fixture = fixture_of("responses:\n  - step: a\n    reply: x\n");
  const lang::Model model = make_model();
  const std::string long_message =
      "Write the introduction of an article about durable workflow engines, in detail.";
  const Error error = no_fixture_response(fixture, make_call(model, long_message, "intro"));
  EXPECT_EQ(error.code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(error.message(),
            "fixture f.yaml has no response for step 'intro' (last user message starts: "
            "'Write the introduction of an article about durable workflow ')");
}

TEST(FixtureUsageTest, EstimateIsCharactersOverFourRoundedUp) {
  const lang::Model model = make_model();
  ModelCall call = make_call(model, "12345");              // "You are terse." is 14: 19 in all
  const ModelUsage usage = estimate_usage(call, "héllo");  // 5 characters, 6 bytes
  EXPECT_EQ(usage.input_tokens, 5);
  EXPECT_EQ(usage.output_tokens, 2);
  EXPECT_EQ(usage.cached_input_tokens, 0);
  EXPECT_EQ(estimate_usage(call, "").output_tokens, 0);
}

}  // namespace
}  // namespace baton::providers
