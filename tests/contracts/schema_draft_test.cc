#include "src/contracts/schema_draft.h"

#include <string>

#include <gtest/gtest.h>

namespace baton::contracts {
namespace {

TEST(SchemaDraftTest, ReadsTheDraftUris) {
  EXPECT_EQ(*draft_from_uri("http://json-schema.org/draft-03/schema#"), Draft::kDraft3);
  EXPECT_EQ(*draft_from_uri("http://json-schema.org/draft-04/schema#"), Draft::kDraft4);
  EXPECT_EQ(*draft_from_uri("http://json-schema.org/draft-06/schema#"), Draft::kDraft6);
  EXPECT_EQ(*draft_from_uri("http://json-schema.org/draft-07/schema#"), Draft::kDraft7);
  EXPECT_EQ(*draft_from_uri("http://json-schema.org/draft-07/schema"), Draft::kDraft7);
  EXPECT_EQ(*draft_from_uri("https://json-schema.org/draft-04/schema"), Draft::kDraft4);
}

TEST(SchemaDraftTest, RefusesWhatValijsonDoesNotImplement) {
  for (const std::string_view uri : {"https://json-schema.org/draft/2020-12/schema",
                                     "https://json-schema.org/draft/2019-09/schema"}) {
    Result<Draft> draft = draft_from_uri(uri);
    ASSERT_FALSE(draft) << uri;
    EXPECT_EQ(draft.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(draft.error().message().find("not supported"), std::string::npos);
  }
  for (const std::string_view uri :
       {"", "http://json-schema.org/draft-05/schema#", "http://json-schema.org/schema#", "draft-07",
        "http://example.com/draft-07/schema#"}) {
    Result<Draft> draft = draft_from_uri(uri);
    ASSERT_FALSE(draft) << uri;
    EXPECT_NE(draft.error().message().find("unknown $schema"), std::string::npos);
  }
}

TEST(SchemaDraftTest, Names) {
  EXPECT_EQ(draft_name(Draft::kDraft3), "draft-03");
  EXPECT_EQ(draft_name(Draft::kDraft4), "draft-04");
  EXPECT_EQ(draft_name(Draft::kDraft6), "draft-06");
  EXPECT_EQ(draft_name(Draft::kDraft7), "draft-07");
}

}  // namespace
}  // namespace baton::contracts
