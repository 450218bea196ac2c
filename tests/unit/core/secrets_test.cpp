#include "core/secrets.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace datasync::core {
namespace {

TEST(SecretsTest, ResolvesReferencesAndRedacts) {
  ::setenv("DATASYNC_TEST_TOKEN", "s3cr3t-token-value", 1);
  auto v = ResolveSecret("${DATASYNC_TEST_TOKEN}", "sources.t.token");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "s3cr3t-token-value");
  EXPECT_EQ(Redact("POST token=s3cr3t-token-value failed"), "POST token=*** failed");
  EXPECT_EQ(DisplaySecret("${DATASYNC_TEST_TOKEN}"), "${DATASYNC_TEST_TOKEN}");
  EXPECT_EQ(DisplaySecret("literal"), "***");
}

TEST(SecretsTest, MissingVariableSaysWhichAndWhere) {
  ::unsetenv("DATASYNC_NOT_SET");
  auto v = ResolveSecret("${DATASYNC_NOT_SET}", "sources.t.token");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message(),
            "sources.t.token: environment variable DATASYNC_NOT_SET is not set (export DATASYNC_NOT_SET=... "
            "before running)");
  EXPECT_FALSE(IsSecretReference("${A B}"));
  EXPECT_TRUE(IsSecretReference("${A_1}"));
}

TEST(SecretsTest, AUrlSecretIsAlsoMaskedInPieces) {
  RegisterSecret("https://hooks.example.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx?access_token=tok-991&x=1");
  RegisterSecret("postgres://app:pw-5521@db:5432/prices");
  EXPECT_EQ(Redact("robot said: token is not exist: /robot?access_token=tok-991"),
            "robot said: token is not exist: /robot?access_token=***");
  EXPECT_EQ(Redact("unknown hook abcdefghijklmnopqrstuvwx"), "unknown hook ***");
  EXPECT_EQ(Redact("login failed for pw-5521"), "login failed for ***");
  // Short path segments and values are common words: left alone.
  EXPECT_EQ(Redact("services T0001 x=1 sending"), "services T0001 x=1 sending");
}

TEST(SecretsTest, SchemeReferencesResolveThroughTheirResolver) {
  EXPECT_TRUE(IsSecretReference("${local:storages.pg.url.password}"));
  EXPECT_TRUE(IsSecretReference("${vault-2:a_b-c.d}"));
  EXPECT_FALSE(IsSecretReference("${A.B}"));      // dots only after a scheme
  EXPECT_FALSE(IsSecretReference("${Local:x}"));  // schemes are lower case
  EXPECT_FALSE(IsSecretReference("${local:}"));
  EXPECT_FALSE(IsSecretReference("${local:a b}"));
  RegisterSecretScheme(
      "testscheme",
      [](std::string_view name) -> Result<std::optional<std::string>> {
        if (name == "known") return std::optional<std::string>("scheme-value-5521");
        if (name == "broken") return Fail(ErrorKind::kPermanent, "store unreadable");
        return std::optional<std::string>();
      },
      "add it to the test store");
  auto v = ResolveSecret("${testscheme:known}", "storages.x.password");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, "scheme-value-5521");
  EXPECT_EQ(Redact("pw scheme-value-5521"), "pw ***");
  auto missing = ResolveSecret("${testscheme:other}", "storages.x.password");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "storages.x.password: secret ${testscheme:other} is not there; add it to the test store");
  auto broken = ResolveSecret("${testscheme:broken}", "storages.x.password");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("store unreadable"), std::string::npos);
  auto unknown = ResolveSecret("${nosuch:x}", "sources.t.token");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown scheme 'nosuch'"), std::string::npos);
  EXPECT_EQ(DisplaySecret("${testscheme:known}"), "***");
}

}  // namespace
}  // namespace datasync::core

namespace datasync::core {
namespace {

TEST(MaskPasswordsTest, MasksUrlPasswordLiteralsAndKeepsReferences) {
  EXPECT_EQ(MaskPasswords("postgres://app:hunter2@db:5432/prices"), "postgres://app:***@db:5432/prices");
  EXPECT_EQ(MaskPasswords("mysql://app:${MYSQL_PASSWORD}@db/x"), "mysql://app:${MYSQL_PASSWORD}@db/x");
  EXPECT_EQ(MaskPasswords("clickhouse://app:p@ss@db:8123/x?secure=1"), "clickhouse://app:***@db:8123/x?secure=1");
  EXPECT_EQ(MaskPasswords("postgres://app@db/x"), "postgres://app@db/x");
  EXPECT_EQ(MaskPasswords("postgres://db/x?u=a:b@c"), "postgres://db/x?u=a:b@c");
  EXPECT_EQ(MaskPasswords("data/warehouse.db"), "data/warehouse.db");
  EXPECT_EQ(MaskPasswords("${PG_URL}"), "${PG_URL}");
}

// Every password form a connection setting can take, whatever the case of its key.
TEST(MaskPasswordsTest, MasksQueryAndKeyValuePasswordsCaseInsensitively) {
  EXPECT_EQ(MaskPasswords("postgres://app@db/x?password=S3cret"), "postgres://app@db/x?password=***");
  EXPECT_EQ(MaskPasswords("postgres://app@db/x?sslmode=require&PassWord=S3cret&application_name=ds"),
            "postgres://app@db/x?sslmode=require&PassWord=***&application_name=ds");
  EXPECT_EQ(MaskPasswords("postgres://app:S3cret@db/x?sslpassword=S3cret#frag"),
            "postgres://app:***@db/x?sslpassword=***#frag");
  EXPECT_EQ(MaskPasswords("postgres://app@db/x?password=${PG_PASSWORD}"),
            "postgres://app@db/x?password=${PG_PASSWORD}");
  EXPECT_EQ(MaskPasswords("host=db port=5432 password=S3cret user=app"), "host=db port=5432 password=*** user=app");
  EXPECT_EQ(MaskPasswords("host=db PASSWORD = S3cret dbname=x"), "host=db PASSWORD = *** dbname=x");
  EXPECT_EQ(MaskPasswords("host=db password='S3 cr\\'et' user=app"), "host=db password='***' user=app");
  EXPECT_EQ(MaskPasswords("Server=db;Uid=app;Pwd=S3c;ret"), "Server=db;Uid=app;Pwd=***");
  EXPECT_EQ(MaskPasswords("host=db passwd=S3cret"), "host=db passwd=***");
  EXPECT_EQ(MaskPasswords("host=db password="), "host=db password=");
  // Not a password: left alone.
  EXPECT_EQ(MaskPasswords("postgres://app@db/x?sslmode=require"), "postgres://app@db/x?sslmode=require");
  EXPECT_EQ(MaskPasswords("the password policy says = nothing"), "the password policy says = nothing");
  EXPECT_EQ(MaskPasswords("data/warehouse.db"), "data/warehouse.db");
  EXPECT_TRUE(IsPasswordKey("password"));
  EXPECT_TRUE(IsPasswordKey("SSLPassword"));
  EXPECT_TRUE(IsPasswordKey("PWD"));
  EXPECT_FALSE(IsPasswordKey("pwd_dir"));
  EXPECT_FALSE(IsPasswordKey("user"));
}

}  // namespace
}  // namespace datasync::core
