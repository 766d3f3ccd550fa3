#include "src/store/sqlite_connection.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace baton::store::sqlite {
namespace {

TEST(SqliteErrorTest, CodesSayWhatTheCallerShouldDoNext) {
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_BUSY, "x").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_BUSY_SNAPSHOT, "x").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_LOCKED, "x").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_IOERR_FSYNC, "x").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_FULL, "x").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_CORRUPT, "x").code(), ErrorCode::kDataLoss);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_NOTADB, "x").code(), ErrorCode::kDataLoss);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_CONSTRAINT_PRIMARYKEY, "x").code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_CONSTRAINT_FOREIGNKEY, "x").code(), ErrorCode::kNotFound);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_CONSTRAINT_TRIGGER, "x").code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_READONLY, "x").code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(sqlite_error(nullptr, SQLITE_MISUSE, "x").code(), ErrorCode::kInternal);
}

TEST(SqliteErrorTest, MessageSaysWhatWasBeingDone) {
  const Error error = sqlite_error(nullptr, SQLITE_BUSY, "saving step 'a'");
  EXPECT_EQ(error.message(), "saving step 'a': database is locked");
}

}  // namespace
}  // namespace baton::store::sqlite
