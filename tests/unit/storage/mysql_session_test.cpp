// The MySQL/MariaDB client's session against the test MariaDB (DATASYNC_TEST_MYSQL_URL), which offers TLS
// with a self-signed certificate (scripts/services/maria.sh; DATASYNC_TEST_MYSQL_CA): every ssl_mode but
// disabled gets an encrypted session, and the sql_mode the session pins holds. The refusals (a server without
// TLS, a rogue server's file requests) are end-to-end tests: tests/e2e/test_db_mysql_session.py.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "db/mysql/mysql_connection.hpp"
#include "storage/sql/db_url.hpp"

namespace datasync::db::mysql {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Connect options for the test server, or nullopt (the test fails) when the set-up hook did not run.
std::optional<MySqlConnectOptions> TestServer(const std::string& ssl_mode) {
  std::string url = Env("DATASYNC_TEST_MYSQL_URL");
  if (url.empty()) {
    ADD_FAILURE() << "DATASYNC_TEST_MYSQL_URL is not set: run scripts/test.sh or scripts/test-setup.d/10-servers.sh";
    return std::nullopt;
  }
  constexpr std::string_view kSchemes[] = {"mysql"};
  auto parsed = storage::sql::ParseDbUrl(url, kSchemes, "DATASYNC_TEST_MYSQL_URL");
  if (!parsed) {
    ADD_FAILURE() << parsed.error().message();
    return std::nullopt;
  }
  MySqlConnectOptions o;
  o.host = parsed->host;
  o.port = parsed->port;
  o.user = parsed->user;
  o.password = parsed->password;
  o.database = parsed->database;
  o.ssl_mode = ssl_mode;
  o.display = "the test MariaDB";
  return o;
}

TEST(MySqlSessionTest, EveryModeButDisabledIsEncryptedWhenTheServerOffersTls) {
  for (std::string mode : {"preferred", "required", "disabled"}) {
    auto o = TestServer(mode);
    ASSERT_TRUE(o);
    MySqlConnection conn;
    auto st = conn.Open(*o);
    ASSERT_TRUE(st) << mode << ": " << st.error().message();
    if (mode == "disabled") {
      EXPECT_EQ(conn.tls_cipher(), "") << mode;
    } else {
      EXPECT_NE(conn.tls_cipher(), "") << mode;
    }
    // The server's view of the same session.
    auto rows = conn.Query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    ASSERT_TRUE(rows) << rows.error().message();
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0][1].value_or(""), conn.tls_cipher()) << mode;
  }
}

TEST(MySqlSessionTest, VerifyIdentityAcceptsTheServerCertifiedByTheCa) {
  auto o = TestServer("verify_identity");
  ASSERT_TRUE(o);
  o->ssl_ca = Env("DATASYNC_TEST_MYSQL_CA");
  ASSERT_NE(o->ssl_ca, "") << "DATASYNC_TEST_MYSQL_CA is not set (scripts/services/services.sh env)";
  MySqlConnection conn;
  auto st = conn.Open(*o);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_NE(conn.tls_cipher(), "");
}

TEST(MySqlSessionTest, TheSessionSqlModeIsPinnedAndAStatementTurningOffBackslashEscapesStopsTheSession) {
  auto o = TestServer("preferred");
  ASSERT_TRUE(o);
  MySqlConnection conn;
  ASSERT_TRUE(conn.Open(*o));
  auto mode = conn.Query("SELECT @@SESSION.sql_mode");
  ASSERT_TRUE(mode) << mode.error().message();
  EXPECT_EQ((*mode)[0][0].value_or(""), std::string(kSessionSqlMode));
  auto text = conn.Query("SELECT " + QuoteMySqlText("it's a \\ \n \t \x1a \"q\""));
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ((*text)[0][0].value_or(""), "it's a \\ \n \t \x1a \"q\"");
  // A template's statement could change it: the next statement is refused, not misread.
  ASSERT_TRUE(conn.Exec("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"));
  auto refused = conn.Query("SELECT " + QuoteMySqlText("x"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(refused.error().message().find("NO_BACKSLASH_ESCAPES"), std::string::npos) << refused.error().message();
}

}  // namespace
}  // namespace datasync::db::mysql
