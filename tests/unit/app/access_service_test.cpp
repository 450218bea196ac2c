// AccessService (docs/web.md "Signing in"): tokens are kept as SHA-256 hashes only, the first start makes
// one admin token and never another, configured tokens come from the environment, sessions carry a CSRF
// token and expire, revoking a token ends its sessions, and every sign-in, refused or not, is audited
// without the token.
#include "app/access_service.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/digest.hpp"
#include "metadata/sqlite/sqlite_system_db.hpp"

namespace datasync::app {
namespace {

using std::chrono::hours;

class AccessServiceTest : public ::testing::Test {
 protected:
  AccessServiceTest() : clock_(core::TimePoint(std::chrono::seconds(1'760'000'000))) {
    auto db = metadata::sqlite::SqliteSystemDb::Open(":memory:", clock_);
    EXPECT_TRUE(db);
    db_ = std::move(*db);
    access_ = std::make_unique<AccessService>(db_->access(), clock_);
  }
  std::vector<metadata::AuditEntry> Audit() { return *access_->Audit(100, 0); }

  core::ManualClock clock_;
  std::unique_ptr<metadata::sqlite::SqliteSystemDb> db_;
  std::unique_ptr<AccessService> access_;
};

TEST_F(AccessServiceTest, TheFirstStartMakesOneAdminTokenStoredOnlyAsItsHash) {
  auto admin = access_->EnsureAdminToken();
  ASSERT_TRUE(admin);
  ASSERT_TRUE(*admin);
  const std::string token = **admin;
  EXPECT_EQ(token.rfind("dst_", 0), 0u);
  EXPECT_EQ(token.size(), 4u + 43u);  // 32 random bytes, base64url
  auto stored = access_->Tokens();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].name, "admin");
  EXPECT_EQ((*stored)[0].role, "operator");
  EXPECT_EQ((*stored)[0].token_hash, core::Sha256Hex(token));
  EXPECT_NE((*stored)[0].token_hash.find_first_not_of("0123456789abcdef"), 0u);

  auto again = access_->EnsureAdminToken();
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again) << "a second start shows no token";
  auto who = access_->Authenticate(token);
  ASSERT_TRUE(who && *who);
  EXPECT_EQ((*who)->name, "admin");
  EXPECT_FALSE((*who)->via_session);
  EXPECT_FALSE(*access_->Authenticate(token + "x"));
  EXPECT_FALSE(*access_->Authenticate(""));
  EXPECT_FALSE(*access_->Authenticate(std::string(600, 'a')));
}

TEST_F(AccessServiceTest, ConfiguredTokensAreResolvedFromTheEnvironmentAndNoAdminTokenIsMade) {
  ::setenv("DS_TEST_ALICE_TOKEN", "alice-0123456789abcdef", 1);
  ::setenv("DS_TEST_SHORT_TOKEN", "short", 1);
  ASSERT_TRUE(access_->SetConfiguredTokens({{"alice", "operator", "${DS_TEST_ALICE_TOKEN}"}}));
  auto admin = access_->EnsureAdminToken();
  ASSERT_TRUE(admin);
  EXPECT_FALSE(*admin);
  EXPECT_TRUE(access_->Tokens()->empty());
  auto who = access_->Authenticate("alice-0123456789abcdef");
  ASSERT_TRUE(who && *who);
  EXPECT_EQ((*who)->role, "operator");

  auto short_one = access_->SetConfiguredTokens({{"bob", "viewer", "${DS_TEST_SHORT_TOKEN}"}});
  ASSERT_FALSE(short_one);
  EXPECT_NE(short_one.error().message().find("shorter than 16"), std::string::npos);
  auto unset = access_->SetConfiguredTokens({{"bob", "viewer", "${DS_TEST_UNSET_TOKEN_XYZ}"}});
  ASSERT_FALSE(unset);
  EXPECT_NE(unset.error().message().find("DS_TEST_UNSET_TOKEN_XYZ"), std::string::npos);
  // A refused configuration keeps the tokens in force.
  EXPECT_TRUE(*access_->Authenticate("alice-0123456789abcdef"));

  auto clash = access_->CreateToken("alice", "viewer", Actor::Cli());
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().kind(), core::ErrorKind::kConflict);
}

TEST_F(AccessServiceTest, SessionsCarryACsrfTokenExpireAndEndWithTheirToken) {
  auto token = access_->CreateToken("vera", "viewer", Actor::Cli());
  ASSERT_TRUE(token);
  auto session = access_->SignIn(*token, "10.0.0.7");
  ASSERT_TRUE(session && *session);
  const NewSession& s = **session;
  EXPECT_EQ(s.principal.name, "vera");
  EXPECT_TRUE(s.principal.via_session);
  EXPECT_GE(s.principal.csrf.size(), 32u);
  EXPECT_NE(s.cookie, s.principal.csrf);
  EXPECT_EQ(s.principal.session_id_hash, core::Sha256Hex(s.cookie));

  auto back = access_->SessionOf(s.cookie);
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->csrf, s.principal.csrf);
  EXPECT_EQ((*back)->role, "viewer");
  EXPECT_FALSE(*access_->SessionOf(s.principal.session_id_hash)) << "the stored hash is no cookie";

  clock_.Advance(hours(12));
  EXPECT_FALSE(*access_->SessionOf(s.cookie)) << "expired after 12 hours";

  auto second = access_->SignIn(*token, "10.0.0.7");
  ASSERT_TRUE(second && *second);
  EXPECT_TRUE(*access_->SessionOf((*second)->cookie));
  ASSERT_TRUE(access_->RevokeToken("vera", Actor::Cli()));
  EXPECT_FALSE(*access_->SessionOf((*second)->cookie));
  EXPECT_FALSE(*access_->Authenticate(*token));
  auto gone = access_->RevokeToken("vera", Actor::Cli());
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind(), core::ErrorKind::kNotFound);
}

TEST_F(AccessServiceTest, SignInsAreAuditedWithoutTheToken) {
  auto token = access_->CreateToken("olga", "operator", Actor::Cli());
  ASSERT_TRUE(token);
  auto wrong = access_->SignIn("dst_not-a-token-at-all", "192.0.2.1");
  ASSERT_TRUE(wrong);
  EXPECT_FALSE(*wrong);
  auto right = access_->SignIn(*token, "192.0.2.2");
  ASSERT_TRUE(right && *right);
  ASSERT_TRUE(access_->SignOut((*right)->principal, "192.0.2.2"));
  EXPECT_FALSE(*access_->SessionOf((*right)->cookie));

  auto log = Audit();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[3].action, "token.create");
  EXPECT_EQ(log[3].actor.rfind("cli:", 0), 0u);
  EXPECT_EQ(log[2].action, "session.refused");
  EXPECT_EQ(log[2].remote, "192.0.2.1");
  EXPECT_EQ(log[1].action, "session.create");
  EXPECT_EQ(log[1].actor, "olga");
  EXPECT_EQ(log[1].role, "operator");
  EXPECT_EQ(log[0].action, "session.delete");
  for (const auto& e : log) {
    EXPECT_EQ(e.detail.find(*token), std::string::npos);
    EXPECT_EQ(e.detail.find("not-a-token"), std::string::npos);
  }
}

TEST_F(AccessServiceTest, RefusedSignInsFromOneAddressAreAuditedOnceAMinute) {
  for (int i = 0; i < 5; ++i) {
    auto wrong = access_->SignIn("dst_guess-" + std::to_string(i), "198.51.100.9");
    ASSERT_TRUE(wrong);
    EXPECT_FALSE(*wrong);
  }
  ASSERT_TRUE(*access_->SignIn("dst_other-address", "198.51.100.10") == std::nullopt);
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(access_->SignIn("dst_guess-again", "198.51.100.9"));
  auto log = Audit();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[2].remote, "198.51.100.9");
  EXPECT_EQ(log[2].detail, "wrong token");
  EXPECT_EQ(log[1].remote, "198.51.100.10");
  EXPECT_EQ(log[0].remote, "198.51.100.9");
  EXPECT_EQ(log[0].detail, "wrong token (and 4 more from this address in the minute before)");
}

TEST_F(AccessServiceTest, NamesAndRolesAreChecked) {
  for (const std::string& bad : std::vector<std::string>{"", "a b", "x/y", "<script>", std::string(65, 'a'), "名字"}) {
    auto t = access_->CreateToken(bad, "viewer", Actor::Cli());
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().kind(), core::ErrorKind::kInvalidInput) << bad;
  }
  auto role = access_->CreateToken("ok", "admin", Actor::Cli());
  ASSERT_FALSE(role);
  EXPECT_NE(role.error().message().find("viewer, operator"), std::string::npos);
  EXPECT_TRUE(access_->Tokens()->empty());
}

}  // namespace
}  // namespace datasync::app
