// `loop:` steps: what the loader builds from them (the checker's errors are golden tests).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/lang/diagnostics.h"
#include "src/lang/loader.h"

namespace baton::lang {
namespace {

TEST(LoopLoaderTest, ALoopsStepsFollowTheTopLevelStepsAndItDependsOnWhatTheyReadOutside) {
  LoadResult result = load_workflow(R"(name: loops
inputs:
  task: {type: string}
steps:
  spec:
    value: "{{ inputs.task }}"
  fix:
    loop:
      max: 4
      until: "{{ test.output == 'ok' and loop.index > 1 }}"
      steps:
        test:
          value: "{{ write.output }}"
        write:
          value: "{{ spec.output }} {{ loop.previous.test.output if loop.previous else '' }}"
  ship:
    value: "{{ fix.write.output }} after {{ fix.iterations }}"
)",
                                    "w.yaml");
  ASSERT_TRUE(result.ok()) << format_diagnostics(result.diagnostics, "");
  const Workflow& workflow = *result.workflow;
  std::vector<std::string> ids;
  for (const Step& step : workflow.steps) ids.push_back(step.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"spec", "fix", "ship", "fix.test", "fix.write"}));
  EXPECT_EQ(workflow.topological_order, (std::vector<std::size_t>{0, 1, 2}));

  const Step& fix = workflow.steps[1];
  ASSERT_NE(fix.loop_body(), nullptr);
  EXPECT_EQ(fix.loop_body()->max, 4);
  EXPECT_TRUE(fix.loop_body()->until.has_value());
  EXPECT_EQ(fix.loop_body()->body, (std::vector<std::size_t>{4, 3}));  // write, then test
  EXPECT_EQ(fix.loop_body()->fields, (std::vector<std::string>{"test", "write", "iterations"}));
  EXPECT_EQ(fix.dependencies, std::vector<std::size_t>{0});

  const Step& write = workflow.steps[4];
  EXPECT_EQ(write.name, "write");
  EXPECT_EQ(write.loop, std::optional<std::size_t>(1));
  EXPECT_EQ(write.dependencies, std::vector<std::size_t>{0});
  EXPECT_EQ(workflow.steps[3].dependencies, std::vector<std::size_t>{4});
  EXPECT_EQ(workflow.steps[2].dependencies, std::vector<std::size_t>{1});
  EXPECT_EQ(workflow.find_step("fix.write"), &write);
}

}  // namespace
}  // namespace baton::lang
