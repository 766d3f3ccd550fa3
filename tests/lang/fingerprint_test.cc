// Step fingerprints: what a step's definition says counts, how it is written does not.
#include <string>

#include <gtest/gtest.h>

#include "src/lang/loader.h"

namespace baton::lang {
namespace {

constexpr const char* kBase = R"(name: fp
models:
  fast: {provider: openai, model: gpt-test, temperature: 0}
  slow: {provider: openai, model: gpt-slow}
defaults: {model: fast}
steps:
  draft:
    prompt: "Draft {{ inputs.topic }}"
  count:
    value: "{{ draft.output | length }}"
inputs:
  topic: {type: string}
)";

std::string fingerprint(const std::string& text, const std::string& step,
                        const std::vector<StepOverride>& overrides = {}) {
  LoadResult loaded = load_workflow(text, "fp.yaml", overrides);
  EXPECT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].message);
  if (!loaded.ok()) return "";
  const Step* found = loaded.workflow->find_step(step);
  EXPECT_NE(found, nullptr);
  return found != nullptr ? found->fingerprint : "";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(FingerprintTest, IgnoresSpacingCommentsQuotingAndKeyOrder) {
  std::string reworded =
      replaced(kBase, R"(    prompt: "Draft {{ inputs.topic }}")",
               "    # the first draft\n    prompt:   'Draft {{ inputs.topic }}'");
  reworded = replaced(reworded, "{provider: openai, model: gpt-test, temperature: 0}",
                      "{model: gpt-test, provider: openai, temperature: 0}");
  EXPECT_EQ(fingerprint(kBase, "draft"), fingerprint(reworded, "draft"));
  EXPECT_EQ(fingerprint(kBase, "count"), fingerprint(reworded, "count"));
  EXPECT_EQ(fingerprint(kBase, "draft").size(), 16u);
}

TEST(FingerprintTest, ChangesWithThePromptTheModelAndItsParameters) {
  const std::string before = fingerprint(kBase, "draft");
  EXPECT_NE(before, fingerprint(replaced(kBase, "Draft {{", "Write {{"), "draft"));
  EXPECT_NE(before, fingerprint(replaced(kBase, "temperature: 0", "temperature: 1"), "draft"));
  EXPECT_NE(before, fingerprint(replaced(kBase, "defaults: {model: fast}",
                                         "defaults: {model: fast, repair: 2}"),
                                "draft"));
  // Another step's definition, or a model the step does not call, does not count.
  EXPECT_EQ(before, fingerprint(replaced(kBase, "| length", "| upper"), "draft"));
  EXPECT_EQ(before, fingerprint(replaced(kBase, "model: gpt-slow", "model: gpt-slower"), "draft"));
  EXPECT_EQ(fingerprint(kBase, "count"),
            fingerprint(replaced(kBase, "temperature: 0", "temperature: 1"), "count"));
}

TEST(FingerprintTest, OverridesChangeThePromptAndModelAsIfWritten) {
  StepOverride prompt{"draft", std::string("Write {{ inputs.topic }}"), std::nullopt};
  EXPECT_EQ(fingerprint(kBase, "draft", {prompt}),
            fingerprint(replaced(kBase, R"("Draft {{ inputs.topic }}")",
                                 "|-\n      Write {{ inputs.topic }}"),
                        "draft"));
  StepOverride model{"draft", std::nullopt, std::string("slow")};
  LoadResult loaded = load_workflow(kBase, "fp.yaml", {model});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.workflow->find_step("draft")->prompt()->model, "slow");
  EXPECT_NE(loaded.workflow->find_step("draft")->fingerprint, fingerprint(kBase, "draft"));
}

TEST(FingerprintTest, OverridesAreCheckedLikeTheFile) {
  StepOverride reads{"draft", std::string("Draft {{ nothing.output }}"), std::nullopt};
  LoadResult unknown = load_workflow(kBase, "fp.yaml", {reads});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.diagnostics[0].message.find("nothing"), std::string::npos)
      << unknown.diagnostics[0].message;

  StepOverride value_step{"count", std::string("hello"), std::nullopt};
  LoadResult not_prompt = load_workflow(kBase, "fp.yaml", {value_step});
  ASSERT_FALSE(not_prompt.ok());
  EXPECT_NE(not_prompt.diagnostics[0].message.find("not a prompt step"), std::string::npos)
      << not_prompt.diagnostics[0].message;
}

constexpr const char* kLoop = R"(name: fp_loop
steps:
  fix:
    loop:
      max: 3
      until: "{{ check.output == 'ok' }}"
      steps:
        write:
          value: "v{{ loop.index }}"
        check:
          value: "{{ write.output }}"
)";

TEST(FingerprintTest, AStepInsideALoopHasItsOwnDefinitionsFingerprint) {
  const std::string changed = replaced(kLoop, "v{{ loop.index }}", "w{{ loop.index }}");
  EXPECT_NE(fingerprint(kLoop, "fix.write"), fingerprint(changed, "fix.write"));
  EXPECT_EQ(fingerprint(kLoop, "fix.check"), fingerprint(changed, "fix.check"));
  EXPECT_NE(fingerprint(kLoop, "fix.write"), fingerprint(kLoop, "fix.check"));
  EXPECT_NE(fingerprint(kLoop, "fix"), fingerprint(changed, "fix"));
}

}  // namespace
}  // namespace baton::lang
