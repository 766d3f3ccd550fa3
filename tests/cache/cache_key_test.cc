// The content key: what it depends on, and what it must not.
#include "src/cache/cache_key.h"

#include <gtest/gtest.h>

#include "src/cache/sha256.h"
#include "src/lang/workflow.h"
#include "tests/providers/test_models.h"

namespace baton::cache {
namespace {

using providers::testing::make_call;
using providers::testing::make_model;

constexpr std::string_view kUrl = "http://127.0.0.1:1/v1";

std::string key_of(const providers::ModelCall& call, std::string_view url = kUrl) {
  return content_key(key_material(call, url));
}

lang::Value dict(std::vector<std::pair<std::string, lang::Value>> entries) {
  lang::ValueDict values;
  for (auto& [key, value] : entries) values.set(key, std::move(value));
  return lang::Value(std::move(values));
}

TEST(Sha256Test, MatchesTheKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CacheKeyTest, SameCallSameKey) {
  lang::Model model = make_model();
  EXPECT_EQ(key_of(make_call(model)), key_of(make_call(model)));
  EXPECT_EQ(key_of(make_call(model)).size(), 64u);
}

TEST(CacheKeyTest, EverythingThatChangesTheAnswerChangesTheKey) {
  lang::Model model = make_model();
  model.temperature = 0;
  const std::string base = key_of(make_call(model));

  EXPECT_NE(key_of(make_call(model, "Say goodbye")), base);
  providers::ModelCall other_role = make_call(model);
  other_role.messages[0].role = "user";
  EXPECT_NE(key_of(other_role), base);
  EXPECT_NE(key_of(make_call(model), "http://127.0.0.1:2/v1"), base);

  lang::Model warmer = model;
  warmer.temperature = 0.5;
  EXPECT_NE(key_of(make_call(warmer)), base);
  lang::Model unset = model;
  unset.temperature.reset();
  EXPECT_NE(key_of(make_call(unset)), base);
  lang::Model longer = model;
  longer.max_tokens = 100;
  EXPECT_NE(key_of(make_call(longer)), base);
  lang::Model renamed = model;
  renamed.model = "gpt-4o";
  EXPECT_NE(key_of(make_call(renamed)), base);
  lang::Model seeded = model;
  seeded.parameters = dict({{"seed", lang::Value(std::int64_t{7})}});
  EXPECT_NE(key_of(make_call(seeded)), base);
  lang::Model reseeded = model;
  reseeded.parameters = dict({{"seed", lang::Value(std::int64_t{8})}});
  EXPECT_NE(key_of(make_call(reseeded)), key_of(make_call(seeded)));
  lang::Model stopping = model;
  stopping.parameters = dict({{"stop", lang::Value(lang::ValueList{lang::Value("\n")})}});
  EXPECT_NE(key_of(make_call(stopping)), base);
}

TEST(CacheKeyTest, WhatCannotChangeTheAnswerKeepsTheKey) {
  lang::Model model = make_model();
  model.parameters = dict({{"seed", lang::Value(std::int64_t{1})}, {"top_p", lang::Value(0.5)}});
  const std::string base = key_of(make_call(model));

  lang::Model other = model;
  other.name = "renamed";  // the declared name
  other.api_key_env = "OTHER_KEY";
  other.price = lang::Price{1, 2, 0, std::nullopt};
  other.concurrency = 3;
  other.parameters =
      dict({{"top_p", lang::Value(0.5)}, {"seed", lang::Value(std::int64_t{1})}});  // reordered
  providers::ModelCall call = make_call(other, "Say hello", "another_step");
  call.item = 4;
  call.timeout = std::chrono::milliseconds(5);
  EXPECT_EQ(key_of(call), base);
}

TEST(CacheKeyTest, MaterialHoldsNoCredentialAndMayLeaveOutTheUrl) {
  lang::Model model = make_model();
  model.api_key_env = "MY_SECRET_KEY_VARIABLE";
  const std::string with_url = key_material(make_call(model), kUrl);
  EXPECT_EQ(with_url.find("MY_SECRET"), std::string::npos);
  EXPECT_NE(with_url.find("\"base_url\":\"http://127.0.0.1:1/v1\""), std::string::npos);
  const std::string without = key_material(make_call(model), std::nullopt);
  EXPECT_EQ(without.find("base_url"), std::string::npos);
  EXPECT_EQ(without,
            R"({"max_tokens":null,"messages":[{"content":"You are terse.","role":"system"},)"
            R"({"content":"Say hello","role":"user"}],"model":"gpt-4o-mini","parameters":null,)"
            R"("provider":"openai","temperature":null,"v":1})");
}

TEST(CacheKeyTest, CachedByDefaultOnlyWhenRepeatable) {
  lang::Model model = make_model();
  EXPECT_FALSE(wants_cache(make_call(model))) << "the provider's default temperature";
  model.temperature = 0.7;
  EXPECT_FALSE(wants_cache(make_call(model)));
  model.temperature = 0;
  EXPECT_TRUE(wants_cache(make_call(model)));
  model.temperature = 1;
  model.parameters = dict({{"seed", lang::Value(std::int64_t{3})}});
  EXPECT_TRUE(wants_cache(make_call(model)));
}

TEST(CacheKeyTest, StepSettingWinsOverModelSettingWinsOverDefault) {
  lang::Model model = make_model();
  model.temperature = 0;
  model.cache = false;
  providers::ModelCall call = make_call(model);
  EXPECT_FALSE(wants_cache(call));
  call.cache = true;
  EXPECT_TRUE(wants_cache(call));
  model.cache = true;
  model.temperature = 1;
  call.cache = false;
  EXPECT_FALSE(wants_cache(call));
  call.cache.reset();
  EXPECT_TRUE(wants_cache(call));
}

}  // namespace
}  // namespace baton::cache
