// The crash test: kill -9 `baton run` at many points of a workflow of parallel model calls, a
// for_each fan-out and commands, then `baton resume` until the run finishes. Every time the run
// must end as an uninterrupted one does, and no step that the journal held as succeeded at the
// moment of the kill may be run again: the fake server counts the calls per prompt (each prompt
// starts with a distinct tag), and each command appends its tag to a log file.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_fixture.h"

namespace baton::cli_test {
namespace {

constexpr const char* kCrashWorkflow = R"(name: crash
inputs:
  topic: {type: string}
models:
  fast: {provider: openai, model: gpt-test}
defaults: {model: fast}
steps:
  outline:
    prompt: "[outline] Outline an article about {{ inputs.topic }}."
  facts:
    prompt: "[facts] List facts about {{ inputs.topic }}."
  prepare:
    run: "sleep 0.05 && echo prepare >> executions.log && echo prepared {{ inputs.topic }}"
  sections:
    for_each: ["intro", "history", "method", "results", "ending"]
    prompt: "[sections:{{ item }}] Write the {{ item }} section from: {{ outline.output }}"
  stamps:
    for_each: ["intro", "history", "ending"]
    needs: facts
    run: "sleep 0.05 && echo stamps:{{ item }} >> executions.log && echo stamped {{ item }}"
  combined:
    value: "{{ sections.output | join(' / ') }} + {{ facts.output }} + {{ prepare.stdout | trim }}"
  review:
    prompt: "[review] Review this: {{ combined.output }}"
  archive:
    run: "sleep 0.05 && echo archive >> executions.log && cat"
    stdin: "{{ review.output }}"
outputs:
  review: "{{ review.output }}"
  archived: "{{ archive.stdout }}"
  stamps: "{{ stamps.stdout }}"
)";

const std::vector<std::string> kSections = {"intro", "history", "method", "results", "ending"};
const std::vector<std::string> kStamps = {"intro", "history", "ending"};

// The tag of a step (or item) in the prompts or in executions.log; "" for a step that neither
// calls a model nor runs a command.
std::string tag_of(const std::string& step, int item) {
  if (step == "outline" || step == "facts" || step == "review") return "[" + step + "]";
  if (step == "sections" && item >= 0) return "[sections:" + kSections.at(item) + "]";
  if (step == "prepare" || step == "archive") return step;
  if (step == "stamps" && item >= 0) return "stamps:" + kStamps.at(item);
  return "";
}

// How often each tag was asked for: model calls by the fake server, commands by the log.
std::map<std::string, int> executions(const fake::FakeOpenAiServer& server, const fs::path& log) {
  std::map<std::string, int> counts;
  for (const auto& [message, count] : server.requests_by_last_user_message()) {
    std::size_t close = message.find(']');
    if (message.rfind("[", 0) == 0 && close != std::string::npos)
      counts[message.substr(0, close + 1)] += static_cast<int>(count);
  }
  for (const std::string& line : lines_of(read_file(log))) ++counts[line];
  return counts;
}

struct Totals {
  int points = 0;
  int killed = 0;       // processes killed (runs and resumes)
  int resumes = 0;      // `baton resume` processes
  int repeated = 0;     // calls or commands made again after a kill (in flight at the kill)
  int interrupted = 0;  // attempts the journal holds as interrupted
  int kept = 0;         // units that had succeeded at a kill, and were not run again
  int before_run = 0;   // kills that came before the run was recorded
};

class CrashTest : public CliTest {
 protected:
  // One crash point: kill `baton run` after `lines` event lines (or after `delay`, when lines
  // is 0), optionally kill the first resume after `resume_lines` lines, then resume until done.
  void crash_at(int point, int lines, std::chrono::milliseconds delay, int resume_lines) {
    SCOPED_TRACE(
        "point " + std::to_string(point) + ": kill after " +
        (lines > 0 ? std::to_string(lines) + " lines" : std::to_string(delay.count()) + " ms") +
        (resume_lines > 0 ? ", then the resume after " + std::to_string(resume_lines)
                          : std::string()));
    ++totals_.points;
    server_.reset();
    server_.set_latency(std::chrono::milliseconds(point % 2 == 0 ? 40 : 70));
    fs::path here = dir_ / ("point" + std::to_string(point));
    fs::create_directories(here);
    SpawnOptions spawn = options();
    spawn.cwd = here;
    std::string journal = (here / "journal.db").string();

    std::string run;
    {
      BatonProcess process;
      std::string error;
      ASSERT_TRUE(process.start({"run", workflow_, "-i", "topic=tea", "--db", journal, "--json"},
                                spawn, error))
          << error;
      std::string line;
      int seen = 0;
      if (lines > 0) {
        while (seen < lines && process.next_line(line)) {
          ++seen;
          if (run.empty()) run = json::parse(line).value("run", "");
        }
      } else {
        std::this_thread::sleep_for(delay);
      }
      process.kill_now();
      Outcome killed = process.wait();
      if (killed.signal == SIGKILL) ++totals_.killed;
      if (run.empty() && !killed.out.empty())
        run = json::parse(lines_of(killed.out).front()).value("run", "");
    }
    if (run.empty()) {
      // Killed before it printed anything: the run may or may not be recorded.
      Outcome listed = run_baton({"runs", "--db", journal, "--json"}, spawn);
      ASSERT_EQ(listed.exit_code, 0) << listed.err;
      json runs = json::parse(listed.out);
      if (runs.empty()) {
        ++totals_.before_run;
        EXPECT_EQ(server_.request_count(), 0u);
        return;
      }
      run = runs[0].at("run");
    }

    // What had succeeded at the kill, and how often each tag had been asked for by then.
    std::map<std::string, int> at_kill;  // tag -> count, for the units that had succeeded
    auto note_succeeded = [&] {
      Outcome shown = run_baton({"show", run, "--db", journal, "--json"}, spawn);
      ASSERT_EQ(shown.exit_code, 0) << shown.err;
      std::map<std::string, int> counts = executions(server_, here / "executions.log");
      json detail = json::parse(shown.out);
      for (const json& step : detail.at("steps")) {
        if (step.at("status") != "succeeded") continue;
        std::string tag = tag_of(step.at("step"), step.value("item", -1));
        if (tag.empty() || at_kill.count(tag) > 0) continue;
        at_kill[tag] = counts[tag];
        EXPECT_GE(counts[tag], 1) << tag << " succeeded without being run";
      }
    };
    note_succeeded();

    json summary;
    for (int attempt = 0; attempt < 4; ++attempt) {
      ++totals_.resumes;
      BatonProcess process;
      std::string error;
      ASSERT_TRUE(process.start({"resume", run, "--db", journal, "--json"}, spawn, error)) << error;
      if (attempt == 0 && resume_lines > 0) {
        std::string line;
        for (int seen = 0; seen < resume_lines && process.next_line(line); ++seen) {
        }
        process.kill_now();
      }
      Outcome outcome = process.wait();
      if (outcome.signal == SIGKILL) {
        ++totals_.killed;
        note_succeeded();
        continue;
      }
      ASSERT_EQ(outcome.signal, 0) << outcome.err;
      summary = summary_line(outcome.out);
      if (outcome.exit_code == 0) break;
      ADD_FAILURE() << "resume exited " << outcome.exit_code << ": " << outcome.err << outcome.out;
    }
    ASSERT_EQ(summary.value("status", ""), "succeeded") << summary.dump();
    EXPECT_EQ(summary.at("outputs"), expected_outputs_);

    std::map<std::string, int> after = executions(server_, here / "executions.log");
    for (const auto& [tag, count] : at_kill) {
      EXPECT_EQ(after[tag], count) << tag << " had succeeded before a kill, and ran again";
      ++totals_.kept;
    }
    for (const std::string& tag : all_tags_) {
      EXPECT_GE(after[tag], 1) << tag << " never ran";
      totals_.repeated += std::max(0, after[tag] - 1);
    }
    json detail = json::parse(run_baton({"show", run, "--db", journal, "--json"}, spawn).out);
    for (const json& step : detail.at("steps")) {
      for (const json& attempt : step.at("attempts"))
        totals_.interrupted += attempt.at("status") == "interrupted" ? 1 : 0;
    }
  }

  std::string workflow_;
  json expected_outputs_;
  std::vector<std::string> all_tags_;
  Totals totals_;
};

TEST_F(CrashTest, KillNineAtManyPointsThenResumeFinishesWithoutRedoingCompletedSteps) {
  workflow_ = write("crash.yaml", kCrashWorkflow);
  for (const char* step : {"outline", "facts", "review", "prepare", "archive"})
    all_tags_.push_back(tag_of(step, -1));
  for (int i = 0; i < 5; ++i) all_tags_.push_back(tag_of("sections", i));
  for (int i = 0; i < 3; ++i) all_tags_.push_back(tag_of("stamps", i));

  // The uninterrupted run: its outputs, and how many event lines it prints.
  fs::path clean = dir_ / "clean";
  fs::create_directories(clean);
  SpawnOptions spawn = options();
  spawn.cwd = clean;
  server_.set_latency(std::chrono::milliseconds(50));
  Outcome baseline = run_baton(
      {"run", workflow_, "-i", "topic=tea", "--db", (clean / "journal.db").string(), "--json"},
      spawn);
  ASSERT_EQ(baseline.exit_code, 0) << baseline.err;
  json summary = summary_line(baseline.out);
  expected_outputs_ = summary.at("outputs");
  // The archive step is `cat` of the review: the chain ran end to end.
  ASSERT_EQ(expected_outputs_.at("archived"), expected_outputs_.at("review"));
  ASSERT_EQ(expected_outputs_.at("review").get<std::string>().rfind("fake reply to: [review] ", 0),
            0u);
  std::map<std::string, int> once = executions(server_, clean / "executions.log");
  for (const std::string& tag : all_tags_) ASSERT_EQ(once[tag], 1) << tag;
  const int event_lines = static_cast<int>(lines_of(baseline.out).size()) - 1;
  ASSERT_GE(event_lines, 30);

  // Kills after the k-th event line, spread over the whole run; every third one also kills
  // the first resume after a few lines.
  int point = 0;
  constexpr int kLinePoints = 18;
  for (int i = 0; i < kLinePoints; ++i) {
    int lines = 1 + i * (event_lines - 2) / (kLinePoints - 1);
    crash_at(++point, lines, std::chrono::milliseconds(0), i % 3 == 2 ? 2 + i % 5 : 0);
    if (HasFatalFailure()) return;
  }
  // Kills after a time, wherever the run is then: even before it is recorded.
  for (int ms : {0, 25, 120, 260}) {
    crash_at(++point, 0, std::chrono::milliseconds(ms), 0);
    if (HasFatalFailure()) return;
  }

  std::printf(
      "crash test: %d points, %d processes killed, %d resumes, %d kills before the run was "
      "recorded, %d completed units kept, %d calls or commands repeated (in flight at a kill), "
      "%d attempts journaled as interrupted\n",
      totals_.points, totals_.killed, totals_.resumes, totals_.before_run, totals_.kept,
      totals_.repeated, totals_.interrupted);
  EXPECT_GE(totals_.killed, 18);
  EXPECT_GT(totals_.kept, 0);
}

}  // namespace
}  // namespace baton::cli_test
