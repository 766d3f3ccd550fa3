// Template rendering: a prompt is parsed once when the workflow loads and rendered for every
// call, so rendering is the hot path. Target: a typical 2 KB prompt with 10 substitutions in
// under 5 µs.
#include <cstdlib>
#include <string>

#include <benchmark/benchmark.h>

#include "src/lang/template/template.h"

namespace baton::lang {
namespace {

// About 2 KB of prose with ten {{ }} substitutions, four of them with a filter.
std::string typical_prompt() {
  const std::string prose =
      "You are a careful senior engineer. Read the request below and answer with a plan that a "
      "colleague could follow without asking questions. Keep each step short and concrete. ";
  std::string source;
  source += "Project: {{ inputs.project }}\nAuthor: {{ inputs.author | title }}\n\n";
  for (int i = 0; i < 5; ++i) source += prose;
  source += "\n\nRequest: {{ inputs.request }}\nLanguage: {{ inputs.language | upper }}\n";
  for (int i = 0; i < 4; ++i) source += prose;
  source +=
      "\nOutline so far:\n{{ outline.output }}\n\nFiles: {{ plan.json.files | join(', ') }}\n";
  source += "Budget: {{ inputs.budget }} USD; attempt {{ attempt }} of {{ max_attempts }}.\n";
  source += prose;
  source += "\nAnswer in {{ inputs.language | lower }}.\n";
  return source;
}

Context typical_context() {
  ValueDict inputs;
  inputs.set("project", Value("baton"));
  inputs.set("author", Value("ada lovelace"));
  inputs.set("request", Value("Add a retry policy to the HTTP client."));
  inputs.set("language", Value("English"));
  inputs.set("budget", Value(2.5));
  ValueDict outline;
  outline.set("output", Value("1. Read the code\n2. Write the policy\n3. Test it"));
  ValueDict plan_json;
  plan_json.set("files", Value(ValueList{Value("src/net/retry.cc"), Value("src/net/retry.h")}));
  ValueDict plan;
  plan.set("json", Value(std::move(plan_json)));
  Context context;
  context.set("inputs", Value(std::move(inputs)));
  context.set("outline", Value(std::move(outline)));
  context.set("plan", Value(std::move(plan)));
  context.set("attempt", Value(1));
  context.set("max_attempts", Value(3));
  return context;
}

void BM_RenderTypicalPrompt(benchmark::State& state) {
  const std::string source = typical_prompt();
  auto parsed = Template::parse(source);
  if (!parsed) {
    state.SkipWithError(parsed.error().to_string().c_str());
    return;
  }
  const Context context = typical_context();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto text = parsed->render(context);
    if (!text) std::abort();
    bytes += text->size();
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["template_bytes"] = static_cast<double>(source.size());
}
BENCHMARK(BM_RenderTypicalPrompt);

void BM_ParseTypicalPrompt(benchmark::State& state) {
  const std::string source = typical_prompt();
  for (auto _ : state) {
    auto parsed = Template::parse(source);
    if (!parsed) std::abort();
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_ParseTypicalPrompt);

void BM_RenderLoopOverList(benchmark::State& state) {
  auto parsed = Template::parse(
      "{% for f in files %}{{ loop.index }}. {{ f.path }} ({{ f.lines }} lines)\n{% endfor %}");
  if (!parsed) {
    state.SkipWithError(parsed.error().to_string().c_str());
    return;
  }
  ValueList files;
  for (int i = 0; i < 100; ++i) {
    ValueDict file;
    file.set("path", Value("src/module_" + std::to_string(i) + ".cc"));
    file.set("lines", Value(100 + i));
    files.emplace_back(std::move(file));
  }
  Context context;
  context.set("files", Value(std::move(files)));
  for (auto _ : state) {
    auto text = parsed->render(context);
    if (!text) std::abort();
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_RenderLoopOverList);

}  // namespace
}  // namespace baton::lang
