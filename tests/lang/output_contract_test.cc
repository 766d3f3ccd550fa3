// A prompt step's `output:` contract, `repair` and `on_failure`, as the loader reads them.
// The diagnostics of bad contracts are golden cases (tests/golden/lang/output_contract_bad.*).
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "src/contracts/pattern.h"
#include "src/contracts/schema.h"
#include "src/lang/diagnostics.h"
#include "src/lang/loader.h"

namespace baton::lang {
namespace {

namespace fs = std::filesystem;

std::string errors(const LoadResult& result) {
  std::string out;
  for (const Diagnostic& d : result.diagnostics) {
    out +=
        std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " + d.message + "\n";
  }
  return out;
}

constexpr const char* kHeader = R"(name: contracts
models:
  m: {provider: fixture, model: echo}
)";

TEST(OutputContractTest, ReadsSchemaPatternCheckRepairAndOnFailure) {
  LoadResult result = load_workflow(std::string(kHeader) + R"(defaults: {model: m, repair: 1}
steps:
  plan:
    prompt: "List the files as JSON."
    output:
      schema: {type: object, required: [files],
               properties: {files: {type: array, items: {type: string}}}}
      pattern: '"files"'
      check: {run: ["test", "-s", "{{ inputs.dir }}"], timeout: 30s}
    repair: 2
    on_failure: ask
  other:
    prompt: "Again"
    output: {check: "grep -q ok"}
  plain:
    prompt: "No contract"
inputs:
  dir: {type: string}
)",
                                    "w.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  const Workflow& workflow = *result.workflow;
  const PromptStep& plan = *workflow.steps[0].prompt();
  ASSERT_TRUE(plan.output.schema);
  Result<std::vector<contracts::Violation>> violations =
      plan.output.schema->validate(R"({"files": [1]})");
  ASSERT_TRUE(violations);
  ASSERT_EQ(violations->size(), 1u);
  EXPECT_EQ((*violations)[0].pointer, "/files/0");
  ASSERT_TRUE(plan.output.pattern);
  EXPECT_EQ(plan.output.pattern->source(), "\"files\"");
  ASSERT_TRUE(plan.output.check);
  ASSERT_EQ(plan.output.check->argv.size(), 3u);
  EXPECT_EQ(plan.output.check->argv[2].text.source(), "{{ inputs.dir }}");
  EXPECT_EQ(plan.output.check->timeout, std::chrono::seconds(30));
  EXPECT_EQ(plan.repair, 2);
  EXPECT_EQ(plan.on_failure, OnFailure::kAsk);

  const PromptStep& other = *workflow.steps[1].prompt();
  ASSERT_TRUE(other.output.check);
  ASSERT_TRUE(other.output.check->shell);
  EXPECT_FALSE(other.output.check->timeout);
  EXPECT_EQ(other.repair, 1);  // defaults.repair
  EXPECT_EQ(other.on_failure, OnFailure::kFail);
  EXPECT_TRUE(workflow.steps[2].prompt()->output.empty());
}

TEST(OutputContractTest, CheckCommandTemplatesAreDependencies) {
  LoadResult result = load_workflow(std::string(kHeader) + R"(defaults: {model: m}
steps:
  spec:
    value: "tests/spec.py"
  code:
    prompt: "Write the code."
    output: {check: ["pytest", "{{ spec.output }}"]}
)",
                                    "w.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  ASSERT_EQ(result.workflow->steps[1].dependencies.size(), 1u);
  EXPECT_EQ(result.workflow->steps[1].dependencies[0], 0u);
}

TEST(OutputContractTest, StepsSharingASchemaCompileItOnce) {
  LoadResult result = load_workflow(std::string(kHeader) + R"(defaults: {model: m}
steps:
  a:
    prompt: "A"
    output: {schema: {type: array}}
  b:
    prompt: "B"
    output:
      schema:
        type: array
)",
                                    "w.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  EXPECT_EQ(result.workflow->steps[0].prompt()->output.schema,
            result.workflow->steps[1].prompt()->output.schema);
}

TEST(OutputContractTest, ForEachPromptStepsTakeContracts) {
  LoadResult result = load_workflow(std::string(kHeader) + R"(defaults: {model: m}
steps:
  each:
    for_each: [a, b]
    prompt: "Rate {{ item }} from 1 to 5."
    output: {pattern: '^[1-5]$'}
    repair: 1
)",
                                    "w.yaml");
  ASSERT_TRUE(result.ok()) << errors(result);
  EXPECT_TRUE(result.workflow->steps[0].prompt()->output.pattern->matches("4"));
}

class SchemaFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "baton_schema_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "schemas");
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  LoadResult load(const std::string& schema) {
    return load_workflow(std::string(kHeader) +
                             "defaults: {model: m}\nsteps:\n  a:\n    prompt: "
                             "x\n    output: {schema: " +
                             schema + "}\n",
                         (dir_ / "flow.yaml").string());
  }
  fs::path dir_;
};

TEST_F(SchemaFileTest, JsonAndYamlFilesAreReadRelativeToTheWorkflow) {
  write("schemas/list.json", R"({"type": "array", "items": {"type": "integer"}})");
  write("schemas/list.yaml", "type: array\nitems: {type: string}\n");
  LoadResult json = load("schemas/list.json");
  ASSERT_TRUE(json.ok()) << errors(json);
  EXPECT_TRUE(json.workflow->steps[0].prompt()->output.schema->validate("[1]")->empty());
  LoadResult yaml = load("schemas/list.yaml");
  ASSERT_TRUE(yaml.ok()) << errors(yaml);
  EXPECT_FALSE(yaml.workflow->steps[0].prompt()->output.schema->validate("[1]")->empty());
}

TEST_F(SchemaFileTest, ABadSchemaFileIsADiagnosticAtTheKey) {
  write("bad.json", R"({"type": "array", "minItems": "two"})");
  LoadResult result = load("bad.json");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u) << errors(result);
  EXPECT_EQ(result.diagnostics[0].span.line, 8);
  EXPECT_NE(result.diagnostics[0].message.find("steps.a.output.schema: 'bad.json' is not a valid "
                                               "JSON Schema"),
            std::string::npos)
      << errors(result);
  EXPECT_NE(result.diagnostics[0].message.find("minItems"), std::string::npos) << errors(result);

  LoadResult missing = load("nowhere.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.diagnostics[0].message.find("cannot read the schema file"), std::string::npos)
      << errors(missing);
}

}  // namespace
}  // namespace baton::lang
