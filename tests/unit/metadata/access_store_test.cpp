// The web app's access records (every backend, store_compliance.hpp): tokens by hash with unique names,
// sessions that expire and end with their token, and an append-only audit log read newest first.
#include <gtest/gtest.h>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using testing::kStartUs;

class AccessStoreTest : public testing::StoreComplianceTest {};

ApiToken Token(std::string name, std::string role, std::string hash) {
  return ApiToken{std::move(name), std::move(role), std::move(hash), "cli", kStartUs, 0};
}

TEST_P(AccessStoreTest, TokensAreFoundByHashAndNamesAreUnique) {
  auto db = Open();
  ASSERT_TRUE(db);
  auto& a = db->access();
  ASSERT_TRUE(a.AddToken(Token("alice", "operator", "h1")));
  ASSERT_TRUE(a.AddToken(Token("bob", "viewer", "h2")));
  auto again = a.AddToken(Token("alice", "viewer", "h3"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), core::ErrorKind::kConflict);
  EXPECT_NE(again.error().message().find("revoke"), std::string::npos);

  auto found = a.FindToken("h2");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->name, "bob");
  EXPECT_EQ((*found)->role, "viewer");
  EXPECT_FALSE(*a.FindToken("h3"));
  ASSERT_TRUE(a.TouchToken("h2", kStartUs + 5));
  EXPECT_EQ((*a.FindToken("h2"))->last_used_at_us, kStartUs + 5);

  auto listed = a.ListTokens();
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "alice");
  EXPECT_EQ((*listed)[1].origin, "cli");
}

TEST_P(AccessStoreTest, SessionsExpireAndEndWithTheirToken) {
  auto db = Open();
  ASSERT_TRUE(db);
  auto& a = db->access();
  ASSERT_TRUE(a.AddToken(Token("alice", "operator", "h1")));
  ASSERT_TRUE(a.AddSession(ApiSession{"s1", "alice", "operator", "csrf1", kStartUs, kStartUs + 100}));
  ASSERT_TRUE(a.AddSession(ApiSession{"s2", "alice", "operator", "csrf2", kStartUs, kStartUs + 10}));
  ASSERT_TRUE(a.AddSession(ApiSession{"s3", "carol", "viewer", "csrf3", kStartUs, kStartUs + 100}));
  auto s1 = a.FindSession("s1", kStartUs + 50);
  ASSERT_TRUE(s1 && *s1);
  EXPECT_EQ((*s1)->csrf, "csrf1");
  EXPECT_EQ((*s1)->user, "alice");
  EXPECT_FALSE(*a.FindSession("s2", kStartUs + 10)) << "expired at its expiry";
  EXPECT_EQ(*a.PurgeSessions(kStartUs + 50), 1);

  auto removed = a.RemoveToken("alice");
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*a.FindSession("s1", kStartUs)) << "a revoked token's sessions end with it";
  EXPECT_TRUE(*a.FindSession("s3", kStartUs)) << "other users' sessions stay";
  EXPECT_FALSE(*a.RemoveToken("alice"));
  ASSERT_TRUE(a.RemoveSession("s3"));
  EXPECT_FALSE(*a.FindSession("s3", kStartUs));
}

TEST_P(AccessStoreTest, TheAuditLogIsReadNewestFirstInPages) {
  {
    auto db = Open();
    ASSERT_TRUE(db);
    for (int i = 0; i < 5; ++i) {
      AuditEntry e{0,        kStartUs + i, "alice", "operator", "run.pause", "run " + std::to_string(i),
                   "paused", "127.0.0.1"};
      auto id = db->access().Append(e);
      ASSERT_TRUE(id);
      EXPECT_GT(*id, 0);
    }
  }
  auto db = Open();  // the log survives reopening
  ASSERT_TRUE(db);
  EXPECT_EQ(*db->access().CountAudit(), 5);
  auto page = db->access().ListAudit(2, 1);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].target, "run 3");
  EXPECT_EQ((*page)[1].target, "run 2");
  EXPECT_EQ((*page)[0].at_us, kStartUs + 3);
  EXPECT_EQ((*page)[0].remote, "127.0.0.1");
  EXPECT_GT((*page)[0].id, (*page)[1].id);
}

INSTANTIATE_STORE_SUITE(AccessStoreTest);

}  // namespace
}  // namespace datasync::metadata
