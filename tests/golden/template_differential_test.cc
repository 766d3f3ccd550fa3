// Differential test of Baton's template engine against the real Jinja2 (Debian's
// python3-jinja2), which Baton promises to match byte for byte.
//
// Cases come from tests/golden/templates/*.json (hand-written) and from template_generator.h
// (random, seeded). All cases of a test go to one run of tests/golden/jinja_oracle.py; then each
// is parsed and rendered with Baton and compared:
//   - Jinja2 renders  -> Baton must render the same bytes;
//   - Jinja2 raises   -> Baton must fail (in parse or render; messages are not compared);
//   - "unsupported"   -> Baton must fail with a message containing "not supported".
//
// Environment variables, for investigating:
//   BATON_TEMPLATE_SEEDS=N       generate N cases instead of the default
//   BATON_TEMPLATE_SEED_BASE=S   start the seeds at S (a failing seed reproduces alone)
//   BATON_TEMPLATE_REPORT=path   write every mismatch to `path` (the log shows the first few)

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "src/lang/template/template.h"
#include "src/lang/template/value.h"
#include "tests/golden/template_generator.h"

extern char** environ;

namespace baton::golden {
namespace {

// ordered_json: dicts keep their key order, as Python and Baton do.
using json = nlohmann::ordered_json;

constexpr std::uint64_t kDefaultSeedBase = 1;
constexpr int kDefaultSeedCount = 500;
constexpr int kPrintedMismatches = 30;
constexpr std::size_t kPrintedFieldChars = 700;
constexpr std::size_t kPrintedTotalChars = 60000;

struct Case {
  std::string origin;  // "filters.json#12" or "seed 1042"
  std::string source;
  std::string context_json;   // a JSON object
  std::string context_name;   // for a named context of contexts.json: its name
  bool expect_error = false;  // the case file says Jinja2 raises
  bool unsupported = false;   // Baton refuses the construct on purpose
  bool hand_written = false;  // expect_error is meaningful
};

struct OracleResult {
  bool ok = false;
  std::string output;  // when ok
  std::string error;   // "<exception type>: <message>" when not ok
};

struct Oracle {
  std::string version;
  std::vector<OracleResult> results;
};

std::filesystem::path source_dir() { return BATON_SOURCE_DIR; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<long> env_number(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::strtol(text, nullptr, 10);
}

// Runs `argv` with stdin from `stdin_path` (or /dev/null) and stdout to `stdout_path`, without
// a shell. Returns the exit status, or -1 when it could not be started or did not exit.
int run_process(const std::vector<std::string>& argv, const std::string& stdin_path,
                const std::string& stdout_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
      &actions, STDIN_FILENO, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// A scratch directory removed with everything in it when this goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "baton-template-diff-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::filesystem::path file(const char* name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string python3() { return BATON_PYTHON3; }
std::filesystem::path oracle_script() { return source_dir() / "tests/golden/jinja_oracle.py"; }

// Whether python3 with jinja2 can run here.
bool oracle_available() {
  if (access(python3().c_str(), X_OK) != 0) return false;
  ScratchDir scratch;
  if (!scratch.ok()) return false;
  return run_process({python3(), "-c", "import jinja2"}, "", scratch.file("probe").string()) == 0;
}

// Skips the test when the oracle is missing, unless CI is set: there it must fail loudly.
#define REQUIRE_ORACLE()                                                  \
  do {                                                                    \
    if (!oracle_available()) {                                            \
      if (std::getenv("CI") == nullptr) {                                 \
        GTEST_SKIP() << "python3 with jinja2 not found at " << python3(); \
      }                                                                   \
      FAIL() << "CI is set but the Jinja2 oracle (" << python3()          \
             << " with python3-jinja2) is missing";                       \
    }                                                                     \
  } while (false)

// Renders every case with Jinja2 in one process. nullopt (with a test failure) if that fails.
std::optional<Oracle> run_oracle(const std::vector<Case>& cases) {
  ScratchDir scratch;
  if (!scratch.ok()) {
    ADD_FAILURE() << "cannot create a temporary directory";
    return std::nullopt;
  }
  json input = json::array();
  for (const Case& c : cases) {
    input.push_back({{"template", c.source}, {"context", json::parse(c.context_json)}});
  }
  std::filesystem::path input_path = scratch.file("cases.json");
  std::filesystem::path output_path = scratch.file("results.json");
  {
    std::ofstream out(input_path, std::ios::binary);
    out << input.dump();
  }
  int status =
      run_process({python3(), oracle_script().string()}, input_path.string(), output_path.string());
  if (status != 0) {
    ADD_FAILURE() << "jinja_oracle.py exited with status " << status;
    return std::nullopt;
  }
  json output = json::parse(read_file(output_path), nullptr, /*allow_exceptions=*/false);
  if (output.is_discarded() || !output.contains("results") ||
      output["results"].size() != cases.size()) {
    ADD_FAILURE() << "jinja_oracle.py wrote no valid result list for " << cases.size() << " cases";
    return std::nullopt;
  }
  Oracle oracle;
  oracle.version = output.value("jinja2", "");
  for (const json& result : output["results"]) {
    OracleResult r;
    r.ok = result.value("ok", false);
    r.output = result.value("output", "");
    r.error = result.value("error", "");
    oracle.results.push_back(std::move(r));
  }
  return oracle;
}

// The hand-written cases. A case's "context" is an object, or the name of one in
// contexts.json; it defaults to "std".
std::vector<Case> load_hand_written_cases() {
  std::filesystem::path dir = source_dir() / "tests/golden/templates";
  json contexts = json::parse(read_file(dir / "contexts.json"), nullptr, false);
  if (contexts.is_discarded()) {
    ADD_FAILURE() << "invalid JSON in " << (dir / "contexts.json");
    return {};
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json" && entry.path().filename() != "contexts.json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Case> cases;
  for (const auto& file : files) {
    json doc = json::parse(read_file(file), nullptr, false);
    if (doc.is_discarded() || !doc.contains("cases")) {
      ADD_FAILURE() << "invalid case file " << file;
      continue;
    }
    int index = 0;
    for (const json& item : doc["cases"]) {
      Case c;
      c.origin = file.filename().string() + "#" + std::to_string(index++);
      c.source = item.at("template").get<std::string>();
      json context = item.value("context", json("std"));
      if (context.is_string()) {
        std::string name = context.get<std::string>();
        if (!contexts.contains(name)) {
          ADD_FAILURE() << c.origin << ": no context named " << name;
          continue;
        }
        context = contexts[name];
        c.context_name = name;
      }
      c.context_json = context.dump();
      c.expect_error = item.value("error", false);
      c.unsupported = item.value("unsupported", false);
      c.hand_written = true;
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

std::vector<Case> generated_cases() {
  auto base = static_cast<std::uint64_t>(
      env_number("BATON_TEMPLATE_SEED_BASE").value_or(static_cast<long>(kDefaultSeedBase)));
  long count = env_number("BATON_TEMPLATE_SEEDS").value_or(kDefaultSeedCount);
  std::vector<Case> cases;
  for (long i = 0; i < count; ++i) {
    GeneratedCase g = generate_template_case(base + static_cast<std::uint64_t>(i));
    Case c;
    c.origin = "seed " + std::to_string(g.seed);
    c.source = std::move(g.source);
    c.context_json = std::move(g.context_json);
    cases.push_back(std::move(c));
  }
  return cases;
}

struct BatonOutcome {
  bool ok = false;
  std::string output;  // when ok
  std::string error;   // when not ok: "parse: ..." or "render: ..."
};

BatonOutcome render_with_baton(const Case& c) {
  BatonOutcome outcome;
  try {
    auto parsed = lang::Template::parse(c.source);
    if (!parsed) {
      outcome.error = "parse: " + parsed.error().to_string();
      return outcome;
    }
    auto value = lang::value_from_json(c.context_json);
    if (!value || !value->is_dict()) {
      outcome.error = "harness: value_from_json failed on the context";
      return outcome;
    }
    lang::Context context;
    for (const auto& [name, item] : value->as_dict().entries()) context.set(name, item);
    auto rendered = parsed->render(context);
    if (!rendered) {
      outcome.error = "render: " + rendered.error().to_string();
      return outcome;
    }
    outcome.ok = true;
    outcome.output = std::move(*rendered);
  } catch (const std::exception& e) {
    outcome.error = std::string("threw: ") + e.what();
  } catch (...) {
    outcome.error = "threw: unknown exception";
  }
  return outcome;
}

// A string for the log: JSON-quoted (newlines visible), cut at a length.
std::string shown(const std::string& text) {
  std::string quoted = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  if (quoted.size() > kPrintedFieldChars) {
    quoted =
        quoted.substr(0, kPrintedFieldChars) + "... (" + std::to_string(text.size()) + " bytes)";
  }
  return quoted;
}

std::size_t first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// Compares every case and reports each mismatch; returns the number of mismatches.
int compare_all(const char* suite, const std::vector<Case>& cases, const Oracle& oracle) {
  std::map<std::string, int> categories;
  std::ostringstream report;
  int mismatches = 0;
  int jinja_errors = 0;
  int case_bugs = 0;
  std::size_t printed = 0;
  int shown_count = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const OracleResult& expected = oracle.results[i];
    if (!expected.ok) ++jinja_errors;
    if (c.hand_written && !c.unsupported && c.expect_error == expected.ok) {
      ++case_bugs;
      ADD_FAILURE() << c.origin << ": the case says Jinja2 "
                    << (c.expect_error ? "raises" : "renders") << " but it "
                    << (expected.ok ? "rendered " + shown(expected.output)
                                    : "raised " + expected.error)
                    << "\n  template: " << shown(c.source);
    }
    BatonOutcome actual = render_with_baton(c);
    std::string category;
    if (c.unsupported) {
      if (actual.ok) {
        category = "unsupported construct rendered";
      } else if (actual.error.find("not supported") == std::string::npos) {
        category = "unsupported construct failed without \"not supported\"";
      }
    } else if (expected.ok && !actual.ok) {
      category = "Baton failed where Jinja2 rendered";
    } else if (!expected.ok && actual.ok) {
      category = "Baton rendered where Jinja2 raised";
    } else if (expected.ok && actual.output != expected.output) {
      category = "different output";
    }
    if (category.empty()) continue;
    ++mismatches;
    ++categories[category];
    std::ostringstream entry;
    entry << "--- mismatch " << mismatches << " (" << c.origin << "): " << category << "\n"
          << "  template: " << shown(c.source) << "\n"
          << "  context:  "
          << (c.context_name.empty() ? shown(c.context_json)
                                     : "\"" + c.context_name + "\" of contexts.json")
          << "\n";
    if (c.unsupported) {
      entry << "  expected: an error containing \"not supported\"\n";
    } else if (expected.ok) {
      entry << "  jinja2:   " << shown(expected.output) << "\n";
    } else {
      entry << "  jinja2:   raised " << shown(expected.error) << "\n";
    }
    if (actual.ok) {
      entry << "  baton:    " << shown(actual.output) << "\n";
      if (expected.ok) {
        entry << "  first difference at byte " << first_difference(expected.output, actual.output)
              << "\n";
      }
    } else {
      entry << "  baton:    " << shown(actual.error) << "\n";
    }
    report << entry.str();
    if (mismatches <= kPrintedMismatches && printed < kPrintedTotalChars) {
      std::cout << entry.str();
      printed += entry.str().size();
      ++shown_count;
    }
  }
  if (mismatches > shown_count) {
    std::cout << "... " << (mismatches - shown_count)
              << " more mismatches not shown (set BATON_TEMPLATE_REPORT=path for all)\n";
  }
  std::cout << "[" << suite << "] jinja2 " << oracle.version << ": " << cases.size() << " cases ("
            << jinja_errors << " raise in Jinja2), "
            << (static_cast<int>(cases.size()) - mismatches) << " matched, " << mismatches
            << " mismatched";
  if (case_bugs > 0) std::cout << ", " << case_bugs << " cases wrong about Jinja2";
  std::cout << "\n";
  for (const auto& [category, count] : categories) {
    std::cout << "  " << count << " x " << category << "\n";
  }
  if (const char* path = std::getenv("BATON_TEMPLATE_REPORT"); path != nullptr && *path) {
    std::ofstream out(std::string(path) + "." + suite + ".txt", std::ios::binary);
    out << report.str();
  }
  return mismatches;
}

TEST(TemplateDifferentialTest, HandWrittenCasesRenderAsJinja2) {
  REQUIRE_ORACLE();
  std::vector<Case> cases = load_hand_written_cases();
  ASSERT_GE(cases.size(), 200u);
  std::optional<Oracle> oracle = run_oracle(cases);
  ASSERT_TRUE(oracle.has_value());
  EXPECT_EQ(compare_all("hand-written", cases, *oracle), 0);
}

TEST(TemplateDifferentialTest, GeneratedCasesRenderAsJinja2) {
  REQUIRE_ORACLE();
  std::vector<Case> cases = generated_cases();
  ASSERT_FALSE(cases.empty());
  std::optional<Oracle> oracle = run_oracle(cases);
  ASSERT_TRUE(oracle.has_value());
  EXPECT_EQ(compare_all("generated", cases, *oracle), 0);
}

// The generator must be a pure function of its seed, or a printed seed would not reproduce.
TEST(TemplateDifferentialTest, GeneratorIsDeterministic) {
  for (std::uint64_t seed : {1u, 7u, 12345u}) {
    GeneratedCase a = generate_template_case(seed);
    GeneratedCase b = generate_template_case(seed);
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.context_json, b.context_json);
  }
  EXPECT_NE(generate_template_case(1).source, generate_template_case(2).source);
}

}  // namespace
}  // namespace baton::golden
