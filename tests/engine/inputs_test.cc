// Inputs given to start_run: checked against the workflow's declarations before anything runs.
#include <string>

#include <gtest/gtest.h>

#include "tests/engine/engine_test_support.h"

namespace baton::engine_test {
namespace {

constexpr const char* kTyped = R"(
name: typed
inputs:
  topic: {type: string}
  words: {type: integer, default: 800}
  ratio: {type: number, default: 0.5}
  tags: {type: list, required: false}
  loud: {type: boolean, default: false}
  meta: {type: object, default: {lang: en}}
steps:
  echo:
    value:
      topic: "{{ inputs.topic }}"
      words: "{{ inputs.words }}"
      ratio: "{{ inputs.ratio }}"
      tags: "{{ inputs.tags }}"
      loud: "{{ inputs.loud }}"
      meta: "{{ inputs.meta }}"
outputs:
  echo: "{{ echo.output }}"
)";

class InputsTest : public EngineTest {
 protected:
  // start_run's error for `inputs`, "" when it succeeded (a test failure then).
  std::string start_error(const Inputs& inputs) {
    auto engine = open();
    Result<std::string> run = engine->start_run(write_file("typed.yaml", kTyped), inputs);
    EXPECT_FALSE(run);
    if (run) return "";
    EXPECT_EQ(run.error().code(), ErrorCode::kInvalidInput);
    Result<std::vector<RunSummary>> runs = engine->runs(10);
    EXPECT_TRUE(runs && runs->empty());
    return run.error().message();
  }
};

TEST_F(InputsTest, DefaultsFillWhatIsNotGiven) {
  auto engine = open();
  std::string run_id = start(*engine, kTyped, {{"topic", "tea"}});
  RunSummary summary = run(*engine, run_id);
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json echo = parse_json(summary.outputs_json)["echo"];
  EXPECT_EQ(echo["topic"], "tea");
  EXPECT_EQ(echo["words"], 800);
  EXPECT_EQ(echo["ratio"], 0.5);
  EXPECT_TRUE(echo["tags"].is_null());
  EXPECT_EQ(echo["loud"], false);
  EXPECT_EQ(echo["meta"], Json({{"lang", "en"}}));

  RunDetail detail = EngineTest::detail(*engine, run_id);
  EXPECT_EQ(parse_json(detail.inputs_json)["words"], 800);
}

TEST_F(InputsTest, GivenValuesAreJsonExceptForStrings) {
  auto engine = open();
  RunSummary summary = start_and_run(*engine, kTyped,
                                     {{"topic", "\"quoted\" tea"},
                                      {"words", "12"},
                                      {"ratio", "3"},
                                      {"tags", R"(["a", "b"])"},
                                      {"loud", "true"},
                                      {"meta", R"({"lang": "fr"})"}});
  ASSERT_EQ(summary.status, RunStatus::kSucceeded) << summary.error;
  Json echo = parse_json(summary.outputs_json)["echo"];
  EXPECT_EQ(echo["topic"], "\"quoted\" tea");
  EXPECT_EQ(echo["words"], 12);
  EXPECT_EQ(echo["ratio"], 3);
  EXPECT_EQ(echo["tags"], Json::array({"a", "b"}));
  EXPECT_EQ(echo["loud"], true);
  EXPECT_EQ(echo["meta"], Json({{"lang", "fr"}}));
}

TEST_F(InputsTest, MissingRequiredInput) {
  std::string error = start_error({});
  EXPECT_NE(error.find("input 'topic'"), std::string::npos) << error;
  EXPECT_NE(error.find("required"), std::string::npos) << error;
}

TEST_F(InputsTest, UnknownInputGetsADidYouMean) {
  std::string error = start_error({{"topic", "tea"}, {"wrods", "3"}});
  EXPECT_NE(error.find("unknown input 'wrods'"), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean 'words'"), std::string::npos) << error;
}

TEST_F(InputsTest, WrongTypes) {
  std::string error = start_error({{"topic", "tea"}, {"words", "many"}});
  EXPECT_NE(error.find("input 'words' must be integer"), std::string::npos) << error;
  error = start_error({{"topic", "tea"}, {"words", "1.5"}});
  EXPECT_NE(error.find("input 'words' must be integer"), std::string::npos) << error;
  error = start_error({{"topic", "tea"}, {"loud", "yes"}});
  EXPECT_NE(error.find("input 'loud'"), std::string::npos) << error;
  error = start_error({{"topic", "tea"}, {"tags", R"({"a": 1})"}});
  EXPECT_NE(error.find("input 'tags'"), std::string::npos) << error;
}

TEST_F(InputsTest, EveryProblemIsReportedAtOnce) {
  std::string error = start_error({{"words", "x"}, {"nope", "1"}});
  EXPECT_NE(error.find("'words'"), std::string::npos) << error;
  EXPECT_NE(error.find("'nope'"), std::string::npos) << error;
  EXPECT_NE(error.find("'topic'"), std::string::npos) << error;
}

TEST_F(InputsTest, InvalidWorkflowNamesFileLineAndColumn) {
  auto engine = open();
  std::string file =
      write_file("bad.yaml", "name: bad\nsteps:\n  a:\n    value: \"{{ b.output }}\"\n");
  Result<std::string> run = engine->start_run(file, {});
  ASSERT_FALSE(run);
  EXPECT_EQ(run.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(run.error().message().find(file + ":4:"), std::string::npos) << run.error().message();
  Result<std::vector<RunSummary>> runs = engine->runs(10);
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->empty());
}

}  // namespace
}  // namespace baton::engine_test
