// The PostgreSQL client's classification of SQLSTATEs (no server needed; storage_db_test runs it against
// a real one).
#include "db/postgres/pg_connection.hpp"

#include <gtest/gtest.h>

namespace datasync::db::postgres {
namespace {

using core::ErrorKind;

TEST(PgConnectionTest, ClassifiesSqlStates) {
  EXPECT_EQ(PgErrorKind("08006"), ErrorKind::kTransient);
  EXPECT_EQ(PgErrorKind("57P01"), ErrorKind::kTransient);
  EXPECT_EQ(PgErrorKind("40P01"), ErrorKind::kTransient);
  EXPECT_EQ(PgErrorKind("23505"), ErrorKind::kInvalidInput);
  EXPECT_EQ(PgErrorKind("22001"), ErrorKind::kInvalidInput);
  EXPECT_EQ(PgErrorKind("28P01"), ErrorKind::kPermission);
  EXPECT_EQ(PgErrorKind("42501"), ErrorKind::kPermission);
  EXPECT_EQ(PgErrorKind("3D000"), ErrorKind::kConfig);
  EXPECT_EQ(PgErrorKind("42601"), ErrorKind::kPermanent);
  EXPECT_EQ(PgErrorKind(""), ErrorKind::kPermanent);
}

}  // namespace
}  // namespace datasync::db::postgres
