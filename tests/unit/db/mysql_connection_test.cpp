// The MySQL/MariaDB client's classification of error numbers and its string literals (no server needed;
// storage_db_test runs it against a real one).
#include "db/mysql/mysql_connection.hpp"

#include <gtest/gtest.h>

namespace datasync::db::mysql {
namespace {

using core::ErrorKind;

TEST(MySqlConnectionTest, ClassifiesErrorCodes) {
  EXPECT_EQ(MySqlErrorKind(2006), ErrorKind::kTransient);  // server has gone away
  EXPECT_EQ(MySqlErrorKind(2013), ErrorKind::kTransient);  // lost connection during query
  EXPECT_EQ(MySqlErrorKind(2003), ErrorKind::kTransient);  // cannot connect
  EXPECT_EQ(MySqlErrorKind(1213), ErrorKind::kTransient);  // deadlock
  EXPECT_EQ(MySqlErrorKind(1045), ErrorKind::kPermission);
  EXPECT_EQ(MySqlErrorKind(1062), ErrorKind::kInvalidInput);
  EXPECT_EQ(MySqlErrorKind(1049), ErrorKind::kConfig);
  EXPECT_EQ(MySqlErrorKind(1064), ErrorKind::kPermanent);  // syntax
  EXPECT_EQ(QuoteMySqlText("it's a \\ \n"), "'it\\'s a \\\\ \\n'");
}

}  // namespace
}  // namespace datasync::db::mysql
