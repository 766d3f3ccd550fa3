// Loading and checking a workflow happens before every run and in every `baton check`.
// Target: a 1,000-step workflow loaded and checked in under 20 ms.
#include <cstdlib>
#include <string>

#include <benchmark/benchmark.h>

#include "src/lang/loader.h"
#include "src/lang/yaml_tree.h"

namespace baton::lang {
namespace {

// `steps` steps of the three kinds that need no engine state, each reading one or two
// earlier steps, so that references, the dependency graph and templates are all exercised.
std::string generated_workflow(int steps) {
  std::string text =
      "name: generated\n"
      "description: A wide and deep workflow for the loader benchmark.\n"
      "inputs:\n"
      "  topic: {type: string, default: durability}\n"
      "  files: {type: list, default: [a.cc, b.cc]}\n"
      "models:\n"
      "  fast: {provider: openai, model: gpt-4o-mini, max_tokens: 512}\n"
      "  smart: {provider: anthropic, model: claude-sonnet-4-5, fallback: [fast]}\n"
      "steps:\n";
  for (int i = 0; i < steps; ++i) {
    const std::string id = "step_" + std::to_string(i);
    const std::string previous = "step_" + std::to_string(i > 0 ? i - 1 : 0);
    const std::string earlier = "step_" + std::to_string(i / 2);
    text += "  " + id + ":\n";
    if (i == 0) {
      text += "    value: \"{{ inputs.topic | upper }}\"\n";
    } else if (i % 3 == 0) {
      text += "    model: fast\n";
      text += "    prompt: |\n";
      text += "      Write about {{ inputs.topic }} using {{ " + previous + ".output }}.\n";
      text += "      {% for f in inputs.files %}- {{ f }}\n      {% endfor %}\n";
    } else if (i % 3 == 1) {
      text += "    run: [\"wc\", \"-c\"]\n";
      text += "    stdin: \"{{ " + previous + ".output }} {{ " + earlier + ".output }}\"\n";
      text += "    timeout: 30s\n";
    } else {
      text += "    value:\n";
      text += "      summary: \"{{ " + previous + ".output | string | truncate(40) }}\"\n";
      text += "      count: \"{{ " + earlier + ".output | string | length }}\"\n";
    }
  }
  text += "outputs:\n  last: \"{{ step_" + std::to_string(steps - 1) + ".output }}\"\n";
  return text;
}

void BM_LoadAndCheckWorkflow(benchmark::State& state) {
  const std::string text = generated_workflow(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    LoadResult loaded = load_workflow(text, "generated.yaml");
    if (!loaded.ok()) {
      state.SkipWithError(loaded.diagnostics.front().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["file_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_LoadAndCheckWorkflow)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

// The YAML part of the above alone: libyaml's parser and the tree the checker reads. What
// load_workflow() takes beyond this is the checker's own.
void BM_ParseYaml(benchmark::State& state) {
  const std::string text = generated_workflow(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Result<YamlNode> root = parse_yaml(text);
    if (!root) {
      state.SkipWithError(root.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(root);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ParseYaml)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace baton::lang
