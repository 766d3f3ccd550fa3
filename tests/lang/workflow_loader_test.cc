#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "src/lang/diagnostics.h"
#include "src/lang/loader.h"

namespace baton::lang {
namespace {

LoadResult load(const std::string& text) { return load_workflow(text, "w.yaml"); }

std::string errors(const LoadResult& result) {
  std::string out;
  for (const Diagnostic& d : result.diagnostics) {
    out +=
        std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " + d.message + "\n";
  }
  return out;
}

TEST(WorkflowLoaderTest, LoadsAllStepKindsWithTheirFields) {
  LoadResult result = load(R"(name: demo
inputs:
  topic: {type: string}
  files: {type: list, default: [a.txt]}
models:
  fast: {provider: fixture, model: echo, retry: 3}
defaults: {model: fast, timeout: 1h30m}
steps:
  plan:
    prompt: "About {{ inputs.topic }}"
  check:
    for_each: "{{ inputs.files }}"
    as: file
    run: ["wc", "-l", "{{ file }}"]
    env: {LANG: C}
  ask:
    human: "OK? {{ plan.output }}"
    input: {type: object}
  summary:
    value: {count: "{{ check.exit_code | length }}", ok: "{{ ask.approved }}", n: 3}
outputs:
  answer: "{{ summary.output }}"
)");
  ASSERT_TRUE(result.ok()) << errors(result);
  const Workflow& workflow = *result.workflow;
  EXPECT_EQ(workflow.name, "demo");
  ASSERT_EQ(workflow.steps.size(), 4u);
  EXPECT_EQ(workflow.steps[0].kind, StepKind::kPrompt);
  EXPECT_EQ(workflow.steps[0].prompt()->model, "fast");
  EXPECT_EQ(workflow.steps[1].run()->argv.size(), 3u);
  EXPECT_EQ(workflow.steps[1].as, "file");
  EXPECT_EQ(workflow.steps[2].human()->question.text.source(), "OK? {{ plan.output }}");
  EXPECT_EQ(workflow.steps[3].value()->value.kind, DataTemplate::Kind::kMapping);
  EXPECT_EQ(workflow.defaults.timeout, Milliseconds(5'400'000));
  EXPECT_EQ(workflow.models[0].retry->attempts, 3);
  EXPECT_FALSE(workflow.find_input("files")->required);
  EXPECT_TRUE(workflow.find_input("topic")->required);
  ASSERT_EQ(workflow.outputs.size(), 1u);
  // summary depends on check and ask; ask on plan.
  EXPECT_EQ(workflow.steps[3].dependencies, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(workflow.steps[2].dependencies, (std::vector<std::size_t>{0}));
}

TEST(WorkflowLoaderTest, CallStepNamesItsHandlerAndInput) {
  LoadResult result = load(R"(name: demo
steps:
  words:
    value: [a, b]
  stats:
    call: word_stats
    with: {words: "{{ words.output }}"}
)");
  ASSERT_TRUE(result.ok()) << errors(result);
  const Step& stats = result.workflow->steps[1];
  EXPECT_EQ(stats.kind, StepKind::kCall);
  EXPECT_EQ(stats.call()->handler, "word_stats");
  ASSERT_TRUE(stats.call()->with.has_value());
  EXPECT_EQ(stats.dependencies, (std::vector<std::size_t>{0}));
}

TEST(WorkflowLoaderTest, CallStepNeedsAHandlerName) {
  LoadResult result = load(R"(name: demo
steps:
  stats:
    call: [word_stats]
  other:
    call: x
    stdin: "no"
)");
  EXPECT_EQ(errors(result),
            "4:11: steps.stats.call must be the name of a handler\n"
            "7:5: 'stdin' applies only to run steps, and step 'other' is a call step\n");
}

TEST(WorkflowLoaderTest, TopologicalOrderPutsDependenciesFirst) {
  LoadResult result = load(R"(name: order
steps:
  c: {value: "{{ b.output }}"}
  b: {value: "{{ a.output }}"}
  a: {value: 1}
  d: {value: 2, needs: [a]}
)");
  ASSERT_TRUE(result.ok()) << errors(result);
  EXPECT_EQ(result.workflow->topological_order, (std::vector<std::size_t>{2, 1, 3, 0}));
}

TEST(WorkflowLoaderTest, ReportsEveryErrorInFileOrder) {
  LoadResult result = load(R"(name: many
steps:
  a: {value: "{{ nope }}"}
  b: {value: 1, wat: 2}
  c: {description: x}
)");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(errors(result),
            "3:18: unknown name 'nope': not a step, 'inputs' or a loop variable\n"
            "4:17: unknown key 'wat' in step 'b'\n"
            "5:3: step 'c' has no kind: give it one of 'prompt', 'messages', 'run', 'human', "
            "'value', 'call' or 'loop'\n");
}

TEST(WorkflowLoaderTest, NamesTheCycle) {
  LoadResult result = load(
      "name: c\nsteps:\n  x: {value: \"{{ y.output }}\"}\n"
      "  y: {value: \"{{ x.output }}\"}\n");
  EXPECT_EQ(errors(result), "3:3: steps 'x' -> 'y' -> 'x' form a cycle\n");
}

TEST(WorkflowLoaderTest, LargeWorkflowLoadsQuickly) {
  std::string text = "name: big\nsteps:\n  s0: {value: 0}\n";
  for (int i = 1; i < 1000; ++i) {
    text += "  s" + std::to_string(i) + ":\n    value: \"{{ s" + std::to_string(i - 1) +
            ".output }} {{ s" + std::to_string(i / 2) + ".output }}\"\n";
  }
  auto start = std::chrono::steady_clock::now();
  LoadResult result = load(text);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.ok()) << errors(result);
  EXPECT_EQ(result.workflow->topological_order.size(), 1000u);
  // A loose bound (the target is 20 ms in an optimised build) so that sanitizer builds pass.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 500);
}

TEST(WorkflowLoaderTest, YamlSyntaxErrorHasAPosition) {
  LoadResult result = load("name: x\nsteps:\n  a: {value: [1}\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].span.line, 3);
  EXPECT_EQ(result.diagnostics[0].span.file, "w.yaml");
}

}  // namespace
}  // namespace baton::lang
