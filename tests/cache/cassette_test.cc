// The cassette file: lines written and read back, what a bad line says, and how a call's
// difference from a recorded one is described.
#include "src/cache/cassette.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "src/cache/cache_key.h"
#include "src/cache/cassette_diff.h"
#include "tests/providers/test_models.h"

namespace baton::cache {
namespace {

namespace fs = std::filesystem;
using providers::testing::make_call;
using providers::testing::make_model;

class CassetteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() /
             ("baton_cassette_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".jsonl"))
                .string();
    fs::remove(path_);
  }
  void TearDown() override { fs::remove(path_); }
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }

  std::string path_;
};

TEST_F(CassetteFileTest, EntriesRoundTripInOrder) {
  lang::Model model = make_model();
  providers::ModelOutcome ok;
  ok.request_json = R"({"model":"gpt-4o-mini","messages":[]})";
  ok.response_body = R"({"object":"chat.completion"})";
  ok.reply =
      providers::ModelReply{"Hello \xe2\x9c\x93", "gpt-4o-mini-2024", "stop", {12, 3, 2}, {}};
  providers::ModelOutcome limited;
  limited.request_json = ok.request_json;
  limited.reply = Error(ErrorCode::kRateLimited, "HTTP 429 (rate limited): slow down");
  limited.retry_after = std::chrono::milliseconds(1500);
  {
    auto writer = CassetteWriter::open(path_);
    ASSERT_TRUE(writer) << writer.error().message();
    ASSERT_TRUE((*writer)->append(cassette_entry(make_call(model), limited)));
    ASSERT_TRUE((*writer)->append(cassette_entry(make_call(model), ok)));
  }
  Result<Cassette> cassette = load_cassette(path_);
  ASSERT_TRUE(cassette) << cassette.error().message();
  ASSERT_EQ(cassette->entries.size(), 2u);
  const CassetteEntry& first = cassette->entries[0];
  EXPECT_EQ(first.line, 1);
  EXPECT_EQ(first.step, "greet");
  EXPECT_EQ(first.item, -1);
  EXPECT_EQ(first.model, "fast");
  EXPECT_EQ(first.key, content_key(key_material(make_call(model), std::nullopt)));
  ASSERT_FALSE(first.reply);
  EXPECT_EQ(first.reply.error().code(), ErrorCode::kRateLimited);
  EXPECT_EQ(first.reply.error().message(), "HTTP 429 (rate limited): slow down");
  EXPECT_EQ(first.retry_after, std::chrono::milliseconds(1500));
  const CassetteEntry& second = cassette->entries[1];
  EXPECT_EQ(second.line, 2);
  ASSERT_TRUE(second.reply);
  EXPECT_EQ(second.reply->text, "Hello \xe2\x9c\x93");
  EXPECT_EQ(second.reply->model, "gpt-4o-mini-2024");
  EXPECT_EQ(second.reply->usage.input_tokens, 12);
  EXPECT_EQ(second.reply->usage.cached_input_tokens, 2);
  EXPECT_EQ(second.request_json, ok.request_json);
  EXPECT_EQ(second.response_body, ok.response_body);
  EXPECT_EQ(second.call_json, key_material(make_call(model), std::nullopt));
}

TEST_F(CassetteFileTest, BadLinesNameTheFileLineAndWhatWasExpected) {
  write("\nnot json\n");
  Result<Cassette> cassette = load_cassette(path_);
  ASSERT_FALSE(cassette);
  EXPECT_EQ(cassette.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(cassette.error().message(),
            path_ + ":2: expected one JSON object per line (an entry of a cassette)");

  write(R"({"key":"k","step":"s","model":"m","call":{},"reply":{"text":1}})");
  cassette = load_cassette(path_);
  ASSERT_FALSE(cassette);
  EXPECT_EQ(cassette.error().message(), path_ + ":1: a reply's 'text' is not a string");

  write(R"({"key":"k","step":"s","model":"m","call":{},"error":{"code":"oops","message":""}})");
  cassette = load_cassette(path_);
  ASSERT_FALSE(cassette);
  EXPECT_EQ(cassette.error().message(), path_ + ":1: 'error.code' 'oops' is not an error code");

  write(R"({"key":"k","step":"s","model":"m","call":{}})");
  cassette = load_cassette(path_);
  ASSERT_FALSE(cassette);
  EXPECT_EQ(cassette.error().message(),
            path_ + ":1: an entry holds exactly one of 'reply' and 'error'");
}

TEST_F(CassetteFileTest, MissingFileIsNotFound) {
  Result<Cassette> cassette = load_cassette(path_);
  ASSERT_FALSE(cassette);
  EXPECT_EQ(cassette.error().code(), ErrorCode::kNotFound);
}

TEST(CassetteDiffTest, NamesTheFirstDifferenceWithContext) {
  lang::Model model = make_model();
  const std::string recorded =
      key_material(make_call(model, "Write about the history of tea in China."), std::nullopt);
  const std::string now =
      key_material(make_call(model, "Write about the history of tea in Japan."), std::nullopt);
  EXPECT_EQ(first_difference(recorded, now),
            "messages[1].content: recorded '...e history of tea in China.', now "
            "'...e history of tea in Japan.'");
  EXPECT_EQ(difference_count(recorded, now), 1);
  EXPECT_EQ(first_difference(recorded, recorded), "");

  lang::Model warmer = model;
  warmer.temperature = 0.5;
  EXPECT_EQ(first_difference(recorded, key_material(make_call(warmer, "x"), std::nullopt)),
            "temperature: recorded null, now 0.5");
  EXPECT_EQ(difference_count(recorded, key_material(make_call(warmer, "x"), std::nullopt)), 2);

  providers::ModelCall longer = make_call(model, "Write about the history of tea in China.");
  longer.messages.push_back({"user", "More."});
  EXPECT_EQ(first_difference(recorded, key_material(longer, std::nullopt)),
            "the number of messages: recorded 2, now 3");
}

}  // namespace
}  // namespace baton::cache
