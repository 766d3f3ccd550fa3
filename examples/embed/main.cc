// Embeds Baton: registers a C++ function as the `word_stats` step handler and runs a workflow.
// Usage: embed_example WORKFLOW TEXT
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "baton/engine.h"

namespace {

// Receives {"words": [...]} and answers {"count": N, "longest": [up to three words]}.
baton::Result<std::string> word_stats(const baton::HandlerCall& call) {
  nlohmann::json input = nlohmann::json::parse(call.input_json);
  std::vector<std::string> words = input.at("words").get<std::vector<std::string>>();
  if (words.empty()) return baton::invalid_input("no words to count");
  std::vector<std::string> longest = words;
  std::stable_sort(longest.begin(), longest.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  longest.resize(std::min<std::size_t>(3, longest.size()));
  return nlohmann::json{{"count", words.size()}, {"longest", longest}}.dump();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s WORKFLOW TEXT\n", argv[0]);
    return 2;
  }
  baton::EngineOptions options;  // journal_path "" keeps the journal in memory
  auto engine = baton::Engine::open(options);
  if (!engine) return std::fprintf(stderr, "%s\n", engine.error().to_string().c_str()), 1;
  (*engine)->register_handler("word_stats", word_stats);
  (*engine)->on_event([](const baton::Event& event) {
    std::printf("event: %s %s\n", event.type.c_str(), event.step.c_str());
  });

  auto run = (*engine)->start_run(argv[1], {{"text", argv[2]}});
  if (!run) return std::fprintf(stderr, "%s\n", run.error().to_string().c_str()), 2;
  auto summary = (*engine)->run(*run);
  if (!summary) return std::fprintf(stderr, "%s\n", summary.error().to_string().c_str()), 1;
  std::printf("%s: %s\n", std::string(baton::run_status_name(summary->status)).c_str(),
              summary->outputs_json.c_str());
  return summary->status == baton::RunStatus::kSucceeded ? 0 : 1;
}
