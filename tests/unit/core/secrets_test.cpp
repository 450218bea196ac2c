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

}  // namespace
}  // namespace datasync::core

namespace datasync::core {
namespace {

TEST(MaskUrlPasswordTest, MasksLiteralsAndKeepsReferences) {
  EXPECT_EQ(MaskUrlPassword("postgres://app:hunter2@db:5432/prices"), "postgres://app:***@db:5432/prices");
  EXPECT_EQ(MaskUrlPassword("mysql://app:${MYSQL_PASSWORD}@db/x"), "mysql://app:${MYSQL_PASSWORD}@db/x");
  EXPECT_EQ(MaskUrlPassword("clickhouse://app:p@ss@db:8123/x?secure=1"), "clickhouse://app:***@db:8123/x?secure=1");
  EXPECT_EQ(MaskUrlPassword("postgres://app@db/x"), "postgres://app@db/x");
  EXPECT_EQ(MaskUrlPassword("postgres://db/x?u=a:b@c"), "postgres://db/x?u=a:b@c");
  EXPECT_EQ(MaskUrlPassword("data/warehouse.db"), "data/warehouse.db");
  EXPECT_EQ(MaskUrlPassword("${PG_URL}"), "${PG_URL}");
}

}  // namespace
}  // namespace datasync::core
