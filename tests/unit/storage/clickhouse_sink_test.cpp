// The ClickHouse sink's pure parts: the RowBinary bulk format and how its client classifies errors. No
// server needed. Built only when the build has the sink (DATASYNC_WITH_CLICKHOUSE).
#include <gtest/gtest.h>

#include <cmath>

#include "sink_test_support.hpp"
#include "storage/clickhouse/clickhouse_client.hpp"
#include "storage/clickhouse/row_binary.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;

TEST(RowBinaryTest, EncodesEveryTypeAndRefusesOutOfRange) {
  auto schema = MakeSchema({{"k", LogicalType::String()},
                            {"f", LogicalType::Float64()},
                            {"d", LogicalType::Date()},
                            {"t", LogicalType::Timestamp()},
                            {"m", LogicalType::Decimal(8, 2)}});
  auto batch = MakeBatch(schema, {{Value::String("ab"), Value::Null(LogicalType::Float64()), DateOf(1970, 1, 3),
                                   TsOf(1970, 1, 1, 0, 0, 2), Dec(-2, 8, 2)}});
  clickhouse::RowBinaryLayout layout{{{LogicalType::String(), false},
                                      {LogicalType::Float64(), true},
                                      {LogicalType::Date(), true},
                                      {LogicalType::Timestamp(), true},
                                      {LogicalType::Decimal(8, 2), true}},
                                     true};
  std::string out;
  ASSERT_TRUE(clickhouse::AppendRowBinary(batch, layout, 7, "u", out));
  std::string want = std::string(
                         "\x02"
                         "ab",
                         3) +
                     std::string("\x01", 1) + std::string("\x00\x02\x00", 3) + std::string("\x00\x02\x00\x00\x00", 5) +
                     std::string("\x00\xfe\xff\xff\xff", 5) + std::string("\x07\0\0\0\0\0\0\0", 8) +
                     std::string("\x01u", 2);
  EXPECT_EQ(out, want);
  for (const Value& bad : {DateOf(1969, 12, 31), DateOf(2106, 1, 1)}) {
    auto b = MakeBatch(MakeSchema({{"d", LogicalType::Date()}}), {{bad}});
    auto st = clickhouse::AppendRowBinary(b, {{{LogicalType::Date(), true}}, false}, 1, "", out);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
  }
  auto fraction = MakeBatch(MakeSchema({{"t", LogicalType::Timestamp()}}), {{TsOf(2024, 1, 1, 0, 0, 0, 1)}});
  EXPECT_EQ(
      clickhouse::AppendRowBinary(fraction, {{{LogicalType::Timestamp(), true}}, false}, 1, "", out).error().kind(),
      ErrorKind::kInvalidInput);
  auto null_key = MakeBatch(MakeSchema({{"k", LogicalType::String()}}), {{Value::Null(LogicalType::String())}});
  EXPECT_EQ(clickhouse::AppendRowBinary(null_key, {{{LogicalType::String(), false}}, false}, 1, "", out).error().kind(),
            ErrorKind::kInvalidInput);
}

TEST(RowBinaryTest, ConvertsToTheStoredTypeAHeldMigrationLeft) {
  auto batch = MakeBatch(
      MakeSchema({{"i", LogicalType::Int64()}, {"m", LogicalType::Decimal(8, 2)}, {"s", LogicalType::Date()}}),
      {{Value::Int64(5), Dec(-150, 8, 2), DateOf(2024, 1, 2)}});
  clickhouse::RowBinaryLayout layout{
      {{LogicalType::Float64(), false}, {LogicalType::Decimal(12, 4), false}, {LogicalType::String(), false}}, false};
  std::string out;
  ASSERT_TRUE(clickhouse::AppendRowBinary(batch, layout, 0, "", out));
  double five = 5;
  int64_t minus_1_5 = -15000;
  std::string want(reinterpret_cast<const char*>(&five), 8);
  want.append(reinterpret_cast<const char*>(&minus_1_5), 8);
  want += std::string("\x0a") + "2024-01-02";
  want.append(8, '\0');
  EXPECT_EQ(out, want);
  EXPECT_FALSE(clickhouse::CanConvert(LogicalType::Float64(), LogicalType::Int64()));
  EXPECT_FALSE(clickhouse::CanConvert(LogicalType::Date(), LogicalType::Timestamp()));
  EXPECT_TRUE(clickhouse::CanConvert(LogicalType::Date(), LogicalType::String()));
}

TEST(ErrorKindTest, ClickHouseCodes) {
  using clickhouse::ClickHouseErrorKind;
  using clickhouse::ParseExceptionCode;
  EXPECT_EQ(ParseExceptionCode("Code: 27, e.displayText() = DB::Exception: Cannot parse input"), 27);
  EXPECT_EQ(ParseExceptionCode("Code: 60. DB::Exception: Table x doesn't exist"), 60);
  EXPECT_EQ(ParseExceptionCode("<html>bad gateway</html>"), 0);
  EXPECT_EQ(ClickHouseErrorKind(500, 27), ErrorKind::kInvalidInput);
  EXPECT_EQ(ClickHouseErrorKind(500, 241), ErrorKind::kTransient);
  EXPECT_EQ(ClickHouseErrorKind(401, 193), ErrorKind::kPermission);
  EXPECT_EQ(ClickHouseErrorKind(503, 0), ErrorKind::kTransient);
  EXPECT_EQ(ClickHouseErrorKind(404, 62), ErrorKind::kPermanent);
  EXPECT_EQ(clickhouse::UnescapeTsv("a\\tb\\\\c\\nd\\'"), "a\tb\\c\nd'");
  EXPECT_EQ(clickhouse::UrlEncode("INSERT INTO `a b`"), "INSERT%20INTO%20%60a%20b%60");
}

}  // namespace
}  // namespace datasync::storage::testing
