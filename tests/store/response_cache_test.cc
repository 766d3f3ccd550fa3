// The response cache's SQLite file: entries, hits, stats, clearing, and files it must refuse.
#include "src/store/response_cache.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace baton::store {
namespace {

namespace fs = std::filesystem;

class ResponseCacheFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("baton_response_cache_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / "sub" / "cache.db").string(); }

  static CachedResponse entry(std::string key, std::int64_t created_ms, double cost) {
    CachedResponse entry;
    entry.key = std::move(key);
    entry.request_json = R"({"messages":[]})";
    entry.response_body = R"({"object":"chat.completion"})";
    entry.reply_json = R"({"text":"hi"})";
    entry.cost_usd = cost;
    entry.created_ms = created_ms;
    return entry;
  }

  fs::path dir_;
};

TEST_F(ResponseCacheFileTest, FindsWhatWasPutAndCountsHitsAcrossOpens) {
  {
    auto cache = ResponseCache::open(path());
    ASSERT_TRUE(cache) << cache.error().message();
    auto missing = (*cache)->find("k1");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
    ASSERT_TRUE((*cache)->put(entry("k1", 1000, 0.25)));
    ASSERT_TRUE((*cache)->commit());
    auto found = (*cache)->find("k1");
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->reply_json, R"({"text":"hi"})");
    EXPECT_EQ((*found)->response_body, R"({"object":"chat.completion"})");
    EXPECT_EQ((*found)->created_ms, 1000);
    EXPECT_EQ((*found)->hits, 1);
  }  // closing commits the hit
  auto cache = ResponseCache::open(path());
  ASSERT_TRUE(cache);
  ASSERT_TRUE((*cache)->find("k1"));
  ASSERT_TRUE((*cache)->put(entry("k2", 5000, 1.0)));
  auto stats = (*cache)->stats();
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(stats->entries, 2);
  EXPECT_EQ(stats->hits, 2);
  EXPECT_DOUBLE_EQ(stats->saved_usd, 0.5);
  EXPECT_GT(stats->bytes, 0);
}

TEST_F(ResponseCacheFileTest, ClearsByAgeOrWhole) {
  auto cache = ResponseCache::open(path());
  ASSERT_TRUE(cache);
  ASSERT_TRUE((*cache)->put(entry("old", 1000, 0)));
  ASSERT_TRUE((*cache)->put(entry("new", 9000, 0)));
  auto removed = (*cache)->clear(5000);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE(*(*cache)->find("old"));
  EXPECT_TRUE(*(*cache)->find("new"));
  removed = (*cache)->clear(std::nullopt);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 1);
  EXPECT_EQ((*cache)->stats()->entries, 0);
}

TEST_F(ResponseCacheFileTest, RefusesAFileThatIsNotADatabase) {
  fs::create_directories(dir_ / "sub");
  std::ofstream(path()) << "this is not SQLite, and it is long enough to have a header page";
  auto cache = ResponseCache::open(path());
  ASSERT_FALSE(cache);
  EXPECT_EQ(cache.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(cache.error().message().find("the response cache " + path() + " is not a SQLite"),
            std::string::npos)
      << cache.error().message();
}

}  // namespace
}  // namespace baton::store
