#include "src/contracts/schema.h"

#include <map>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace baton::contracts {

// How gtest prints a Violation in a failure (found by argument-dependent lookup).
void PrintTo(const Violation& violation, std::ostream* out) { *out << describe(violation); }

namespace {

Schema compiled(std::string_view json, const SchemaOptions& options = {}) {
  Result<Schema> schema = Schema::compile(json, options);
  EXPECT_TRUE(schema) << schema.error().message();
  return *std::move(schema);
}

std::vector<Violation> violations(const Schema& schema, std::string_view instance) {
  Result<std::vector<Violation>> found = schema.validate(instance);
  EXPECT_TRUE(found) << found.error().message();
  return found ? *found : std::vector<Violation>{};
}

Error compile_error(std::string_view json, const SchemaOptions& options = {}) {
  Result<Schema> schema = Schema::compile(json, options);
  EXPECT_FALSE(schema) << json;
  return schema ? Error(ErrorCode::kInternal, "compiled") : schema.error();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

constexpr std::string_view kFiles = R"({
  "type": "object",
  "required": ["title", "files"],
  "properties": {
    "title": {"type": "string", "minLength": 3},
    "files": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    "kind": {"enum": ["bug", "feature"]},
    "score": {"type": "number", "minimum": 0, "maximum": 10.5},
    "id": {"type": "string", "pattern": "^[a-z]+-\\d+$"}
  },
  "additionalProperties": false
})";

TEST(SchemaTest, AcceptsAConformingValue) {
  const Schema schema = compiled(kFiles);
  EXPECT_EQ(schema.draft(), Draft::kDraft7);
  EXPECT_TRUE(violations(schema, R"({"title": "Fix", "files": ["a.c"], "kind": "bug",
                                     "score": 10.5, "id": "abc-12"})")
                  .empty());
}

TEST(SchemaTest, PointsIntoTheValueAndSaysWhatIsExpected) {
  const Schema schema = compiled(kFiles);
  EXPECT_EQ(violations(schema, R"({"title": "Fix", "files": ["a.c", 3]})"),
            (std::vector<Violation>{{"/files/1", "must be a string"}}));
  const std::vector<Violation> found = violations(schema, R"({"files": []})");
  EXPECT_EQ(found, (std::vector<Violation>{{"", "is missing the required property \"title\""}}));
  EXPECT_EQ(summarize(found),
            "your answer did not match the schema: (root) is missing the required property "
            "\"title\"");
}

TEST(SchemaTest, ReportsEveryViolation) {
  const Schema schema = compiled(kFiles);
  EXPECT_EQ(violations(schema, R"({"title": "x", "files": ["a", "b", "c", "d"], "kind": "chore",
                                   "score": 11, "id": "ABC", "extra": 1})"),
            (std::vector<Violation>{
                {"/files", "must have at most 3 items"},
                {"/id", "must match the pattern /^[a-z]+-\\d+$/"},
                {"/kind", "must be one of \"bug\", \"feature\""},
                {"/score", "must be at most 10.5"},
                {"/title", "must be at least 3 characters long"},
                {"", "has the property \"extra\", which the schema does not allow"},
            }));
}

TEST(SchemaTest, TypeMessagesNameWhatIsAllowed) {
  const Schema schema = compiled(R"({"properties": {
      "a": {"type": ["string", "null"]},
      "b": {"type": "integer"},
      "c": {"type": ["object", "array", "boolean"]}}})");
  EXPECT_EQ(violations(schema, R"({"a": 1, "b": 1.5, "c": "x"})"),
            (std::vector<Violation>{{"/a", "must be a string or null"},
                                    {"/b", "must be an integer"},
                                    {"/c", "must be an object, an array or a boolean"}}));
}

TEST(SchemaTest, HintsFollowLocalRefsAndItems) {
  const Schema schema = compiled(R"({
      "definitions": {"step": {"type": "object", "properties": {"id": {"$ref": "#/definitions/id"}}},
                      "id": {"type": "string"}},
      "type": "array", "items": {"$ref": "#/definitions/step"}})");
  EXPECT_EQ(violations(schema, R"([{"id": "a"}, {"id": 7}])"),
            (std::vector<Violation>{{"/1/id", "must be a string"}}));
}

TEST(SchemaTest, DollarDefsWorkAsPlainPointers) {
  // Pydantic and OpenAI's structured outputs write 2020-12-style $defs without $schema; read as
  // draft 7, "#/$defs/..." is still a JSON Pointer into the document.
  const Schema schema = compiled(R"({"$defs": {"File": {"type": "object", "required": ["path"],
                                         "properties": {"path": {"type": "string", "pattern": "^src/"}}}},
                                     "type": "object",
                                     "properties": {"files": {"type": "array",
                                                              "items": {"$ref": "#/$defs/File"}}}})");
  EXPECT_TRUE(violations(schema, R"({"files": [{"path": "src/a.c"}]})").empty());
  EXPECT_EQ(violations(schema, R"({"files": [{"path": "lib/a.c"}, {}]})"),
            (std::vector<Violation>{{"/files/0/path", "must match the pattern /^src//"},
                                    {"/files/1", "is missing the required property \"path\""}}));
}

TEST(SchemaTest, CombinatorsStillGetAMessage) {
  const Schema schema = compiled(R"({"properties": {"v": {"anyOf": [{"type": "string"},
                                                                    {"type": "integer"}]}}})");
  const std::vector<Violation> found = violations(schema, R"({"v": true})");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.back(), (Violation{"/v", "must match at least one of the schemas in anyOf"}));
  for (const Violation& violation : found) EXPECT_EQ(violation.pointer, "/v");
}

TEST(SchemaTest, PointersEscapeTildeAndSlash) {
  const Schema schema = compiled(R"({"properties": {"a/b": {"type": "string"},
                                                    "c~d": {"type": "string"},
                                                    "[x]": {"type": "string"}}})");
  EXPECT_EQ(violations(schema, R"({"a/b": 1, "c~d": 2, "[x]": 3})"),
            (std::vector<Violation>{{"/[x]", "must be a string"},
                                    {"/a~1b", "must be a string"},
                                    {"/c~0d", "must be a string"}}));
}

TEST(SchemaTest, ConstAndUniqueItems) {
  const Schema schema =
      compiled(R"({"properties": {"v": {"const": "yes"}, "l": {"uniqueItems": true}}})");
  EXPECT_EQ(violations(schema, R"({"v": "no", "l": [1, 2, 1]})"),
            (std::vector<Violation>{{"/l", "must have unique items, but items 0 and 2 are equal"},
                                    {"/v", "must be \"yes\""}}));
}

TEST(SchemaTest, BooleanSchemas) {
  EXPECT_TRUE(violations(compiled("true"), "[1]").empty());
  EXPECT_FALSE(violations(compiled("false"), "1").empty());
  const Schema schema = compiled(R"({"properties": {"never": false}})");
  EXPECT_FALSE(violations(schema, R"({"never": 1})").empty());
}

TEST(SchemaTest, FalseSubschemasPointAtTheMemberOrItem) {
  const Schema schema =
      compiled(R"({"properties": {"never": false, "a": {"items": [true, false]}}})");
  EXPECT_EQ(violations(schema, R"({"never": 1, "a": [1, 2]})"),
            (std::vector<Violation>{{"/a/1", "does not match the schema"},
                                    {"/never", "does not match the schema"}}));
  EXPECT_EQ(violations(compiled(R"({"items": [{"type": "string"}], "additionalItems": false})"),
                       R"(["a", 1, 2])"),
            (std::vector<Violation>{{"", "must have at most 1 item"}}));
}

TEST(SchemaTest, PropertyNamesFailureIsNotSilent) {
  const Schema schema = compiled(R"({"propertyNames": {"maxLength": 3}})");
  EXPECT_EQ(violations(schema, R"({"long name": 1})"),
            (std::vector<Violation>{
                {"", "has a property name that the schema's propertyNames rejects"}}));
}

TEST(SchemaTest, DraftComesFromDollarSchema) {
  EXPECT_EQ(compiled(R"({"$schema": "http://json-schema.org/draft-04/schema#"})").draft(),
            Draft::kDraft4);
  EXPECT_EQ(compiled(R"({"$schema": "https://json-schema.org/draft-06/schema"})").draft(),
            Draft::kDraft6);
  EXPECT_EQ(compiled(R"({"$schema": "http://json-schema.org/draft-03/schema#"})").draft(),
            Draft::kDraft3);
  SchemaOptions options;
  options.default_draft = Draft::kDraft4;
  EXPECT_EQ(compiled("{}", options).draft(), Draft::kDraft4);
}

TEST(SchemaTest, DraftChangesTheMeaning) {
  // Draft 4: exclusiveMaximum is a boolean beside maximum; draft 6+: a number of its own.
  const Schema draft4 = compiled(R"({"$schema": "http://json-schema.org/draft-04/schema#",
                                     "maximum": 5, "exclusiveMaximum": true})");
  EXPECT_FALSE(violations(draft4, "5").empty());
  EXPECT_TRUE(violations(draft4, "4").empty());
  const Schema draft7 = compiled(R"({"exclusiveMaximum": 5})");
  EXPECT_FALSE(violations(draft7, "5").empty());
  // valijson refuses draft 6+ keywords in a draft 4 schema instead of ignoring them.
  EXPECT_TRUE(contains(compile_error(R"({"$schema": "http://json-schema.org/draft-04/schema#",
                                         "if": {"type": "string"}})")
                           .message(),
                       "draft 6 and later"));
}

TEST(SchemaTest, Draft3KeywordsValijsonWouldIgnoreAreRefused) {
  const Error error = compile_error(R"({"$schema": "http://json-schema.org/draft-03/schema#",
      "properties": {"a": {"extends": {"type": "string"}}}})");
  EXPECT_TRUE(contains(error.message(), "draft 3's \"extends\" is not supported"))
      << error.message();
  EXPECT_TRUE(contains(error.message(), "#/properties/a/extends")) << error.message();
  SchemaOptions draft3;
  draft3.default_draft = Draft::kDraft3;
  EXPECT_TRUE(contains(compile_error(R"({"disallow": "string"})", draft3).message(), "disallow"));
  // A property called "extends" is not the keyword.
  EXPECT_TRUE(Schema::compile(R"({"properties": {"extends": {}}})", draft3));
}

TEST(SchemaTest, UnsupportedDraftsAreRefused) {
  const Error error =
      compile_error(R"({"$schema": "https://json-schema.org/draft/2020-12/schema"})");
  EXPECT_EQ(error.code(), ErrorCode::kInvalidInput);
  EXPECT_TRUE(contains(error.message(), "not supported")) << error.message();
  EXPECT_TRUE(contains(compile_error(R"({"$schema": "http://example.com/my-meta"})").message(),
                       "unknown $schema"));
  EXPECT_TRUE(contains(compile_error(R"({"$schema": 7})").message(), "must be a string"));
}

TEST(SchemaTest, SchemaErrorsAreClear) {
  EXPECT_EQ(compile_error("{\"type\": ").message(), "the schema is not valid JSON");
  EXPECT_TRUE(contains(compile_error(R"({"minLength": -1})").message(),
                       "non-negative integer value for 'minLength'"));
  EXPECT_TRUE(
      contains(compile_error(R"({"properties": {"a": 3}})").message(), "the schema is not valid"));
  EXPECT_TRUE(contains(compile_error(R"({"$ref": "#/definitions/missing"})").message(),
                       "the schema is not valid"));
  EXPECT_TRUE(contains(compile_error(R"({"required": "a"})").message(), "the schema is not valid"));
}

TEST(SchemaTest, BadRegularExpressionsFailCompile) {
  const Error pattern = compile_error(R"({"properties": {"id": {"pattern": "(ab"}}})");
  EXPECT_EQ(pattern.code(), ErrorCode::kInvalidInput);
  EXPECT_TRUE(contains(pattern.message(), "invalid pattern \"(ab\"")) << pattern.message();
  EXPECT_TRUE(contains(pattern.message(), "#/properties/id/pattern")) << pattern.message();
  const Error keys = compile_error(R"({"patternProperties": {"[a-": {}}})");
  EXPECT_TRUE(contains(keys.message(), "invalid pattern \"[a-\"")) << keys.message();
  EXPECT_TRUE(contains(compile_error(R"({"pattern": "(a)\\1"})").message(), "back-references"));
  EXPECT_TRUE(contains(compile_error(R"({"$baton_pattern": 0})").message(), "reserved"));
}

TEST(SchemaTest, PatternsInRefTargetsUnderOtherKeysAreRewrittenToo) {
  // valijson resolves a $ref anywhere in the document, so the rewrite must reach it there.
  const Schema schema = compiled(R"({"$ref": "#/components/id",
                                     "components": {"id": {"pattern": "^x+$"}}})");
  EXPECT_TRUE(violations(schema, R"("xxx")").empty());
  EXPECT_EQ(violations(schema, R"("xy")"),
            (std::vector<Violation>{{"", "must match the pattern /^x+$/"}}));
  EXPECT_TRUE(contains(compile_error(R"({"$ref": "#/c", "c": {"pattern": "("}})").message(),
                       "#/c/pattern"));
}

TEST(SchemaTest, LongStringsUnderAPatternDoNotCrash) {
  // valijson's own pattern keyword uses the backtracking std::regex: this value would
  // overflow the stack.
  const Schema schema = compiled(R"({"properties": {"text": {"pattern": "^[a-z]+$"}}})");
  const std::string value = "{\"text\": \"" + std::string(500'000, 'a') + "\"}";
  EXPECT_TRUE(violations(schema, value).empty());
  const std::string bad = "{\"text\": \"" + std::string(500'000, 'a') + "1\"}";
  EXPECT_EQ(violations(schema, bad).size(), 1u);
}

TEST(SchemaTest, FormatsValijsonChecks) {
  const Schema schema = compiled(R"({"properties": {"when": {"format": "date-time"},
                                                    "day": {"format": "date"}}})");
  EXPECT_TRUE(
      violations(schema, R"({"when": "2024-05-01T12:00:00Z", "day": "2024-05-01"})").empty());
  EXPECT_EQ(violations(schema, R"({"when": "yesterday", "day": "May 1"})"),
            (std::vector<Violation>{{"/day", "must be a date (YYYY-MM-DD)"},
                                    {"/when",
                                     "must be a date-time as in RFC 3339 "
                                     "(2024-05-01T12:00:00Z)"}}));
}

TEST(SchemaTest, InstanceThatIsNotJson) {
  const Schema schema = compiled("{}");
  Result<std::vector<Violation>> found = schema.validate("{oops");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code(), ErrorCode::kInvalidInput);
}

TEST(SchemaTest, RemoteRefsNeedAFetcher) {
  const std::string_view json = R"({"$ref": "http://example.com/id.json#/definitions/id"})";
  const Error refused = compile_error(json);
  EXPECT_TRUE(contains(refused.message(), "\"http://example.com/id.json\"")) << refused.message();
  EXPECT_TRUE(contains(refused.message(), "not enabled")) << refused.message();

  std::vector<std::string> fetched;
  SchemaOptions options;
  options.fetch = [&](const std::string& uri) -> Result<std::string> {
    fetched.push_back(uri);
    return std::string(R"({"definitions": {"id": {"type": "string", "pattern": "^id-"}}})");
  };
  const Schema schema = compiled(json, options);
  EXPECT_EQ(fetched, (std::vector<std::string>{"http://example.com/id.json"}));
  EXPECT_TRUE(violations(schema, R"("id-1")").empty());
  EXPECT_EQ(violations(schema, R"("x-1")"),
            (std::vector<Violation>{{"", "must match the pattern /^id-/"}}));

  options.fetch = [](const std::string&) -> Result<std::string> {
    return Error(ErrorCode::kNotFound, "no such file");
  };
  const Error missing = compile_error(json, options);
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(contains(missing.message(), "no such file")) << missing.message();
  options.fetch = [](const std::string&) -> Result<std::string> { return std::string("{"); };
  EXPECT_TRUE(contains(compile_error(json, options).message(), "is not valid JSON"));
}

TEST(SchemaTest, ValidatesFromManyThreadsAtOnce) {
  const Schema schema =
      compiled(R"({"type": "object", "patternProperties": {"^n": {"type": "integer"}},
                                     "properties": {"s": {"pattern": "^ok$"}}})");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 200; ++round) {
        Result<std::vector<Violation>> good = schema.validate(R"({"n1": 1, "s": "ok"})");
        Result<std::vector<Violation>> bad = schema.validate(R"({"n1": "x", "s": "no"})");
        if (!good || !good->empty() || !bad || bad->size() != 2) ++failures[thread];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
}

TEST(SchemaTest, MovedSchemaStillValidates) {
  Schema schema = compiled(R"({"properties": {"a": {"pattern": "^a"}}})");
  Schema moved = std::move(schema);
  EXPECT_EQ(violations(moved, R"({"a": "b"})").size(), 1u);
}

}  // namespace
}  // namespace baton::contracts
