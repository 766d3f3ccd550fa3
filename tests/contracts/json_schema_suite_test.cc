// Conformance: every case of the official JSON-Schema-Test-Suite (Debian's
// json-schema-test-suite, tests/draftN/*.json) for each draft Schema supports, run through
// Schema::compile and Schema::validate. Required cases must all pass except the ones in kSkips
// below, each named with the reason; a skipped case that starts passing fails the test, so the
// list cannot go stale. Optional cases (tests/draftN/optional/) are counted, not required.
//
// Remote references are served without a network by the fetch callback: the suite's own
// remotes/ directory for http://localhost:1234/..., and the draft meta-schemas that
// python3-jsonschema (a dependency of json-schema-test-suite) ships for
// http://json-schema.org/draft-0N/schema.
//
// The pass rates per draft:  baton_contracts_tests --gtest_filter='JsonSchemaSuite.*Report*'
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "src/contracts/schema.h"

namespace baton::contracts {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSuite = "/usr/share/json-schema-test-suite";
const fs::path kMetaSchemas = "/usr/lib/python3/dist-packages/jsonschema/schemas";

// A required case that valijson 1.0 gets wrong, and why. `file` is relative to tests/.
struct Skip {
  std::string_view file;
  std::string_view group;
  std::string_view test;
  std::string_view reason;
};

// valijson resolves a relative URI against the base by string concatenation
// (internal/uri.hpp: `return resolutionScope + relativeUri;`), so "node" against
// "http://localhost:1234/tree" becomes ".../treenode", and "folderInteger.json" against
// "folder/" inside ".../scope_change_defs1.json" becomes ".../scope_change_defs1.jsonfolder/...".
constexpr std::string_view kRelativeUri =
    "valijson 1.0 resolves relative URIs by concatenation, not RFC 3986";
// valijson takes the base URI from `id` in every draft; draft 6 renamed it `$id`, which it
// ignores, so a relative $ref under a $id has no base at all.
constexpr std::string_view kDollarId =
    "valijson 1.0 ignores $id (it reads only draft 4's `id`), so relative $refs have no base";
// valijson 1.0 would ignore these two, so Schema::compile refuses a draft 3 schema using them.
constexpr std::string_view kExtends =
    "valijson 1.0 does not implement draft 3's `extends`; compile() refuses it";
constexpr std::string_view kDisallow =
    "valijson 1.0 does not implement draft 3's `disallow`; compile() refuses it";

constexpr Skip kSkips[] = {
    // draft 3: every case of these two files, since their schemas do not compile
    {"draft3/disallow.json", "disallow", "allowed", kDisallow},
    {"draft3/disallow.json", "disallow", "disallowed", kDisallow},
    {"draft3/disallow.json", "multiple disallow", "valid", kDisallow},
    {"draft3/disallow.json", "multiple disallow", "mismatch", kDisallow},
    {"draft3/disallow.json", "multiple disallow", "other mismatch", kDisallow},
    {"draft3/disallow.json", "multiple disallow subschema", "match", kDisallow},
    {"draft3/disallow.json", "multiple disallow subschema", "other match", kDisallow},
    {"draft3/disallow.json", "multiple disallow subschema", "mismatch", kDisallow},
    {"draft3/disallow.json", "multiple disallow subschema", "other mismatch", kDisallow},
    {"draft3/extends.json", "extends", "extends", kExtends},
    {"draft3/extends.json", "extends", "mismatch extends", kExtends},
    {"draft3/extends.json", "extends", "mismatch extended", kExtends},
    {"draft3/extends.json", "extends", "wrong type", kExtends},
    {"draft3/extends.json", "multiple extends", "valid", kExtends},
    {"draft3/extends.json", "multiple extends", "mismatch first extends", kExtends},
    {"draft3/extends.json", "multiple extends", "mismatch second extends", kExtends},
    {"draft3/extends.json", "multiple extends", "mismatch both", kExtends},
    {"draft3/extends.json", "extends simple types", "valid", kExtends},
    {"draft3/extends.json", "extends simple types", "mismatch extends", kExtends},
    // draft 4
    {"draft4/ref.json", "Recursive references between schemas", "valid tree", kRelativeUri},
    {"draft4/ref.json", "Recursive references between schemas", "invalid tree", kRelativeUri},
    {"draft4/refRemote.json", "base URI change - change folder", "number is valid", kRelativeUri},
    {"draft4/refRemote.json", "base URI change - change folder", "string is invalid", kRelativeUri},
    {"draft4/refRemote.json", "base URI change - change folder in subschema", "number is valid",
     kRelativeUri},
    {"draft4/refRemote.json", "base URI change - change folder in subschema", "string is invalid",
     kRelativeUri},
    {"draft4/refRemote.json", "root ref in remote ref", "string is valid", kRelativeUri},
    {"draft4/refRemote.json", "root ref in remote ref", "null is valid", kRelativeUri},
    {"draft4/refRemote.json", "root ref in remote ref", "object is invalid", kRelativeUri},
    // draft 6
    {"draft6/ref.json", "Recursive references between schemas", "valid tree", kDollarId},
    {"draft6/ref.json", "Recursive references between schemas", "invalid tree", kDollarId},
    {"draft6/refRemote.json", "base URI change", "base URI change ref valid", kDollarId},
    {"draft6/refRemote.json", "base URI change", "base URI change ref invalid", kDollarId},
    {"draft6/refRemote.json", "base URI change - change folder", "number is valid", kDollarId},
    {"draft6/refRemote.json", "base URI change - change folder", "string is invalid", kDollarId},
    {"draft6/refRemote.json", "base URI change - change folder in subschema", "number is valid",
     kDollarId},
    {"draft6/refRemote.json", "base URI change - change folder in subschema", "string is invalid",
     kDollarId},
    {"draft6/refRemote.json", "root ref in remote ref", "string is valid", kDollarId},
    {"draft6/refRemote.json", "root ref in remote ref", "null is valid", kDollarId},
    {"draft6/refRemote.json", "root ref in remote ref", "object is invalid", kDollarId},
    // draft 7
    {"draft7/ref.json", "Recursive references between schemas", "valid tree", kDollarId},
    {"draft7/ref.json", "Recursive references between schemas", "invalid tree", kDollarId},
    {"draft7/refRemote.json", "base URI change", "base URI change ref valid", kDollarId},
    {"draft7/refRemote.json", "base URI change", "base URI change ref invalid", kDollarId},
    {"draft7/refRemote.json", "base URI change - change folder", "number is valid", kDollarId},
    {"draft7/refRemote.json", "base URI change - change folder", "string is invalid", kDollarId},
    {"draft7/refRemote.json", "base URI change - change folder in subschema", "number is valid",
     kDollarId},
    {"draft7/refRemote.json", "base URI change - change folder in subschema", "string is invalid",
     kDollarId},
    {"draft7/refRemote.json", "root ref in remote ref", "string is valid", kDollarId},
    {"draft7/refRemote.json", "root ref in remote ref", "null is valid", kDollarId},
    {"draft7/refRemote.json", "root ref in remote ref", "object is invalid", kDollarId},
};

const Skip* find_skip(std::string_view file, std::string_view group, std::string_view test) {
  for (const Skip& skip : kSkips) {
    if (skip.file == file && skip.group == group && skip.test == test) return &skip;
  }
  return nullptr;
}

struct DraftDir {
  Draft draft;
  std::string_view dir;
};
constexpr DraftDir kDrafts[] = {{Draft::kDraft3, "draft3"},
                                {Draft::kDraft4, "draft4"},
                                {Draft::kDraft6, "draft6"},
                                {Draft::kDraft7, "draft7"}};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Serves http://localhost:1234/<path> from remotes/ and the draft meta-schemas from
// python3-jsonschema's copies; any other URI is not found.
Result<std::string> fetch_locally(const std::string& uri) {
  static const std::map<std::string, std::string, std::less<>> kMeta = {
      {"http://json-schema.org/draft-03/schema", "draft3.json"},
      {"http://json-schema.org/draft-04/schema", "draft4.json"},
      {"http://json-schema.org/draft-06/schema", "draft6.json"},
      {"http://json-schema.org/draft-07/schema", "draft7.json"},
  };
  fs::path path;
  constexpr std::string_view kRemote = "http://localhost:1234/";
  if (uri.starts_with(kRemote)) {
    path = kSuite / "remotes" / uri.substr(kRemote.size());
  } else if (const auto meta = kMeta.find(uri); meta != kMeta.end()) {
    path = kMetaSchemas / meta->second;
  } else {
    return not_found("no local copy of " + uri);
  }
  if (!fs::is_regular_file(path)) return not_found(path.string() + " does not exist");
  return read_file(path);
}

struct Outcome {
  std::string name;  // "draft7/ref.json: group / test"
  bool optional = false;
  const Skip* skip = nullptr;
  bool passed = false;
  std::string detail;  // why it failed
};

// Runs every case of one draft, required and optional.
std::vector<Outcome> run_draft(const DraftDir& draft) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kSuite / "tests" / draft.dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  SchemaOptions options;
  options.default_draft = draft.draft;
  options.fetch = fetch_locally;
  std::vector<Outcome> outcomes;
  for (const fs::path& path : files) {
    const std::string file = path.lexically_relative(kSuite / "tests").generic_string();
    const bool optional = file.find("/optional/") != std::string::npos;
    const json groups = json::parse(read_file(path), nullptr, false);
    if (!groups.is_array()) {
      outcomes.push_back({file, optional, nullptr, false, "the file is not a JSON array"});
      continue;
    }
    for (const json& group : groups) {
      const std::string group_name = group.at("description").get<std::string>();
      Result<Schema> schema = Schema::compile(group.at("schema").dump(), options);
      for (const json& test : group.at("tests")) {
        const std::string test_name = test.at("description").get<std::string>();
        Outcome outcome;
        outcome.name = file + ": " + group_name + " / " + test_name;
        outcome.optional = optional;
        outcome.skip = find_skip(file, group_name, test_name);
        const bool expected = test.at("valid").get<bool>();
        if (!schema) {
          outcome.detail = "the schema does not compile: " + schema.error().message();
        } else if (Result<std::vector<Violation>> violations =
                       schema->validate(test.at("data").dump());
                   !violations) {
          outcome.detail = "validate failed: " + violations.error().message();
        } else {
          outcome.passed = violations->empty() == expected;
          if (!outcome.passed) {
            outcome.detail = expected ? summarize(*violations) : "accepted an invalid value";
          }
        }
        outcomes.push_back(std::move(outcome));
      }
    }
  }
  return outcomes;
}

bool suite_installed() { return fs::is_directory(kSuite / "tests"); }

class JsonSchemaSuiteRequired : public ::testing::TestWithParam<DraftDir> {};

TEST_P(JsonSchemaSuiteRequired, EveryCasePassesButTheNamedSkips) {
  ASSERT_TRUE(suite_installed()) << kSuite << " is missing: apt-get install json-schema-test-suite "
                                 << "(scripts/setup.sh installs it)";
  std::size_t required = 0;
  for (const Outcome& outcome : run_draft(GetParam())) {
    if (outcome.optional) continue;
    ++required;
    if (outcome.skip != nullptr) {
      EXPECT_FALSE(outcome.passed) << outcome.name << " passes now: remove it from kSkips";
    } else {
      EXPECT_TRUE(outcome.passed) << outcome.name << ": " << outcome.detail;
    }
  }
  EXPECT_GT(required, 50u) << "too few cases: is the suite complete?";
}

INSTANTIATE_TEST_SUITE_P(Drafts, JsonSchemaSuiteRequired, ::testing::ValuesIn(kDrafts),
                         [](const ::testing::TestParamInfo<DraftDir>& param_info) {
                           return std::string(param_info.param.dir);
                         });

TEST(JsonSchemaSuite, EverySkipNamesARequiredCase) {
  ASSERT_TRUE(suite_installed());
  std::vector<Outcome> all;
  for (const DraftDir& draft : kDrafts) {
    std::vector<Outcome> outcomes = run_draft(draft);
    all.insert(all.end(), outcomes.begin(), outcomes.end());
  }
  for (const Skip& skip : kSkips) {
    const bool found = std::any_of(all.begin(), all.end(), [&](const Outcome& outcome) {
      return outcome.skip == &skip && !outcome.optional;
    });
    EXPECT_TRUE(found) << "kSkips names no required case: " << skip.file << ": " << skip.group
                       << " / " << skip.test;
  }
}

// Prints the table of docs/contracts.md, and every optional case that fails.
TEST(JsonSchemaSuite, ReportsPassRatesPerDraft) {
  ASSERT_TRUE(suite_installed());
  std::ostringstream table;
  std::ostringstream failures;
  table << "| draft | required passed/total | optional passed/total | skipped (required) |\n"
        << "|---|---|---|---|\n";
  for (const DraftDir& draft : kDrafts) {
    std::size_t required = 0, required_passed = 0, optional = 0, optional_passed = 0, skipped = 0;
    for (const Outcome& outcome : run_draft(draft)) {
      if (outcome.optional) {
        ++optional;
        optional_passed += outcome.passed ? 1 : 0;
        if (!outcome.passed) failures << "  optional: " << outcome.name << "\n";
      } else if (outcome.skip != nullptr) {
        ++required;
        ++skipped;
      } else {
        ++required;
        required_passed += outcome.passed ? 1 : 0;
      }
    }
    table << "| " << draft_name(draft.draft) << " | " << required_passed << "/" << required << " | "
          << optional_passed << "/" << optional << " | " << skipped << " |\n";
  }
  std::cout << table.str() << "Failing optional cases:\n" << failures.str();
}

}  // namespace
}  // namespace baton::contracts
