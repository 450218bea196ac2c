// The database sinks' pure parts: connection URLs and their secrets, DDL templates, the text bulk
// formats, the key order of a held group. No server needed. (ClickHouse's RowBinary and error codes:
// clickhouse_sink_test.cpp; the PostgreSQL and MySQL clients' error classification: tests/unit/db.)
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>

#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "sink_test_support.hpp"
#include "storage/sql/db_url.hpp"
#include "storage/sql/key_order.hpp"
#include "storage/sql/migration_render.hpp"
#include "storage/sql/sql_dataset_reader.hpp"
#include "storage/sql/sql_template.hpp"
#include "storage/sql/text_rows.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;

constexpr std::string_view kPg[] = {"postgres", "postgresql"};

TEST(KeyOrderTest, OrdersRowsOfSeveralBatchesByTheirKeyStablyWithNullsFirst) {
  auto schema = MakeSchema({{"code", LogicalType::String()},
                            {"day", LogicalType::Date()},
                            {"px", LogicalType::Float64()},
                            {"amount", LogicalType::Decimal(30, 2)}});
  auto row = [](Value code, int day, double px, int64_t cents) {
    return Row{std::move(code), DateOf(2024, 1, day), Value::Float64(px), Dec(cents, 30, 2)};
  };
  std::vector<core::ColumnBatch> batches;
  batches.push_back(MakeBatch(schema, {row(Value::String("B"), 3, 1, 5), row(Value::String("A"), 3, 2, -7)}));
  batches.push_back(
      MakeBatch(schema, {row(Value::String("B"), 2, 3, 1), row(Value::Null(LogicalType::String()), 9, 4, 2),
                         row(Value::String("B"), 3, 5, 5)}));
  const size_t by_code_day[] = {0, 1};
  const core::ColumnBatch* both[] = {&batches[0], &batches[1]};
  auto order = sql::OrderByKey(both, by_code_day);
  std::vector<std::pair<uint32_t, uint32_t>> got;
  for (const auto& r : order) got.emplace_back(r.batch, r.row);
  // NULL code first; A; B day 2; B day 3 twice, in the order written (batch 0 before batch 1).
  EXPECT_EQ(got, (std::vector<std::pair<uint32_t, uint32_t>>{{1, 1}, {0, 1}, {1, 0}, {0, 0}, {1, 2}}));

  // Floats numerically (NaN last), decimals by value whatever their digits.
  std::vector<core::ColumnBatch> numbers;
  numbers.push_back(MakeBatch(schema, {row(Value::String("x"), 1, std::nan(""), 100),
                                       row(Value::String("x"), 1, -2.5, 99), row(Value::String("x"), 1, 10, -1000)}));
  const size_t by_px[] = {2};
  const size_t by_amount[] = {3};
  const core::ColumnBatch* one[] = {&numbers[0]};
  got.clear();
  for (const auto& r : sql::OrderByKey(one, by_px)) got.emplace_back(r.batch, r.row);
  EXPECT_EQ(got, (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}, {0, 2}, {0, 0}}));
  got.clear();
  for (const auto& r : sql::OrderByKey(one, by_amount)) got.emplace_back(r.batch, r.row);
  EXPECT_EQ(got, (std::vector<std::pair<uint32_t, uint32_t>>{{0, 2}, {0, 1}, {0, 0}}));
}

// A server's text answers typed by the column's logical type, and filter values in config spelling written as
// the server reads them (the readers of server databases).
TEST(SqlDatasetReaderTest, TextIsTypedByTheColumnAndConfigSpellingIsNormalised) {
  using sql::SqlDatasetReader;
  EXPECT_EQ(SqlDatasetReader::FromText("2024-01-05", LogicalType::Date()).ToString(), "2024-01-05");
  EXPECT_EQ(SqlDatasetReader::FromText("2024-01-05 00:00:00", LogicalType::Date()).type, LogicalType::Date());
  EXPECT_EQ(SqlDatasetReader::FromText("2024-01-05 09:30:00", LogicalType::Timestamp()),
            Value::Timestamp(*core::ParseTimestamp("2024-01-05 09:30:00")));
  EXPECT_EQ(SqlDatasetReader::FromText("t", LogicalType::Bool()), Value::Bool(true));
  EXPECT_EQ(SqlDatasetReader::FromText("0", LogicalType::Bool()), Value::Bool(false));
  EXPECT_EQ(SqlDatasetReader::FromText("-42", LogicalType::Int64()), Value::Int64(-42));
  EXPECT_EQ(SqlDatasetReader::FromText("7", LogicalType::Int32()), Value::Int32(7));
  EXPECT_EQ(SqlDatasetReader::FromText("12.5", LogicalType::Float64()), Value::Float64(12.5));
  EXPECT_TRUE(SqlDatasetReader::FromText(std::nullopt, LogicalType::Int64()).is_null());
  // Text a type does not explain stays text: a decimal, a value of another type.
  EXPECT_EQ(SqlDatasetReader::FromText("12.30", LogicalType::Decimal(10, 2)).ToString(), "12.30");
  EXPECT_EQ(SqlDatasetReader::FromText("n/a", LogicalType::Int64()).ToString(), "n/a");

  EXPECT_EQ(SqlDatasetReader::ToText("20240105", LogicalType::Date()), "2024-01-05");
  EXPECT_EQ(SqlDatasetReader::ToText("2024-01-05", LogicalType::Date()), "2024-01-05");
  EXPECT_EQ(SqlDatasetReader::ToText("20240105 09:30:00", LogicalType::Timestamp()), "2024-01-05 09:30:00");
  EXPECT_EQ(SqlDatasetReader::ToText("1", LogicalType::Bool()), "true");
  EXPECT_EQ(SqlDatasetReader::ToText("False", LogicalType::Bool()), "false");
  EXPECT_EQ(SqlDatasetReader::ToText("000001.SZ", LogicalType::String()), "000001.SZ");
  EXPECT_EQ(SqlDatasetReader::ToText("' OR 1=1 --", LogicalType::String()), "' OR 1=1 --") << "bound, never spliced";
}

TEST(DbUrlTest, SplitsEveryPart) {
  auto url = sql::ParseDbUrl("postgres://app:pw%40x1@db.internal:6543/prices?sslmode=require&application_name=x", kPg,
                             "storage 'pg' option url");
  ASSERT_TRUE(url) << url.error().ToString();
  EXPECT_EQ(url->scheme, "postgres");
  EXPECT_EQ(url->user, "app");
  EXPECT_EQ(url->password, "pw@x1");
  EXPECT_EQ(url->host, "db.internal");
  EXPECT_EQ(url->port, 6543);
  EXPECT_EQ(url->database, "prices");
  EXPECT_EQ(url->Param("sslmode"), "require");
  EXPECT_EQ(url->Display(), "postgres://app:***@db.internal:6543/prices?sslmode=require&application_name=x");
  auto v6 = sql::ParseDbUrl("postgresql://[::1]/db", kPg, "u");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->Display(), "postgresql://[::1]/db");
}

TEST(DbUrlTest, ResolvesReferencesAndRedactsThem) {
  ::setenv("DS_TEST_DB_PASSWORD", "s3cr3t-p@ss/word", 1);
  ::setenv("DS_TEST_DB_URL", "postgres://u:whole-url-secret@h:1/d", 1);
  auto url = sql::ParseDbUrl("postgres://reader:${DS_TEST_DB_PASSWORD}@h/d", kPg, "storage 'pg' option url");
  ASSERT_TRUE(url) << url.error().ToString();
  EXPECT_EQ(url->password, "s3cr3t-p@ss/word");
  EXPECT_EQ(core::Redact("failed with s3cr3t-p@ss/word"), "failed with ***");
  auto whole = sql::ParseDbUrl("${DS_TEST_DB_URL}", kPg, "storage 'pg' option url");
  ASSERT_TRUE(whole) << whole.error().ToString();
  EXPECT_EQ(whole->password, "whole-url-secret");
  EXPECT_EQ(core::Redact("whole-url-secret"), "***");
  auto missing = sql::ParseDbUrl("postgres://u:${DS_TEST_NOT_SET_ANYWHERE}@h/d", kPg, "storage 'pg' option url");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(missing.error().message().find("DS_TEST_NOT_SET_ANYWHERE"), std::string::npos);
}

TEST(DbUrlTest, RefusesWhatItCannotUse) {
  for (const char* bad : {"127.0.0.1:5432/db", "mysql://h/db", "postgres:///db", "postgres://h:99999/db",
                          "postgres://h/d%zz", "postgres://u:${unclosed@h/d"}) {
    auto url = sql::ParseDbUrl(bad, kPg, "storage 'pg' option url");
    ASSERT_FALSE(url) << bad;
    EXPECT_EQ(url.error().kind(), ErrorKind::kConfig) << bad;
    EXPECT_NE(url.error().message().find("storage 'pg' option url"), std::string::npos) << url.error().message();
  }
}

TEST(SqlTemplateTest, RendersPlaceholdersAndBraces) {
  auto s = sql::RenderTemplate("CREATE TABLE {table} ({columns}) COMMENT '{{x}}'",
                               {{"table", "\"t\""}, {"columns", "a int"}}, "w");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(*s, "CREATE TABLE \"t\" (a int) COMMENT '{x}'");
  auto unknown = sql::RenderTemplate("ALTER {tabel}", {{"table", "t"}}, "storage 'pg' option add_column_template");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind(), ErrorKind::kConfig);
  EXPECT_EQ(unknown.error().message(),
            "storage 'pg' option add_column_template: unknown placeholder {tabel} (allowed: table)");
  EXPECT_FALSE(sql::CheckTemplate("a { b", {"b"}, "w"));
  EXPECT_FALSE(sql::CheckTemplate("a } b", {"b"}, "w"));
  EXPECT_TRUE(sql::CheckTemplate("{b}{b}", {"b"}, "w"));
}

TEST(SqlTemplateTest, SplitsStatementsOutsideQuotesOnly) {
  EXPECT_EQ(sql::SplitStatements("ALTER a; ALTER b ;; "), (std::vector<std::string>{"ALTER a", "ALTER b"}));
  EXPECT_EQ(sql::SplitStatements("SELECT ';', \"a;b\", `c;d`; X"),
            (std::vector<std::string>{"SELECT ';', \"a;b\", `c;d`", "X"}));
  // A placeholder's value never splits: splitting happens before substitution.
  auto st = sql::RenderStatements("ALTER TABLE {table} ADD {column} int; SELECT 1",
                                  {{"table", "\"x; DROP\""}, {"column", "c"}}, "w");
  ASSERT_TRUE(st);
  EXPECT_EQ(*st, (std::vector<std::string>{"ALTER TABLE \"x; DROP\" ADD c int", "SELECT 1"}));
}

core::SchemaPtr MixedSchema() {
  return MakeSchema({{"b", LogicalType::Bool()},
                     {"i", LogicalType::Int32()},
                     {"f", LogicalType::Float64()},
                     {"s", LogicalType::String()},
                     {"d", LogicalType::Date()},
                     {"t", LogicalType::Timestamp()},
                     {"m", LogicalType::Decimal(10, 3)}});
}

TEST(TextRowsTest, PostgresCopyAndMysqlLoadData) {
  auto batch = MakeBatch(
      MixedSchema(),
      {{Value::Bool(true), Value::Int32(-7), Value::Float64(0.1), Value::String("a\tb\nc\\d\re"), DateOf(1900, 1, 2),
        TsOf(2024, 1, 2, 9, 30, 0, 5), Dec(-1500, 10, 3)},
       {Value::Bool(false), Value::Null(LogicalType::Int32()), Value::Float64(-INFINITY), Value::String("\\N"),
        DateOf(2024, 2, 29), TsOf(1969, 12, 31, 23, 59, 59), Value::Null(LogicalType::Decimal(10, 3))}});
  std::string pg;
  ASSERT_TRUE(sql::AppendTextRows(batch, 0, 2, sql::TextFormat::kPostgresCopy, "\tu1", pg));
  EXPECT_EQ(pg,
            "t\t-7\t0.1\ta\\tb\\nc\\\\d\\re\t1900-01-02\t2024-01-02 09:30:00.000005\t-1.500\tu1\n"
            "f\t\\N\t-Infinity\t\\\\N\t2024-02-29\t1969-12-31 23:59:59\t\\N\tu1\n");
  std::string my;
  ASSERT_TRUE(sql::AppendTextRows(batch, 1, 2, sql::TextFormat::kMysqlLoadData, "", my));
  EXPECT_EQ(my, "0\t\\N\t\\N\t\\\\N\t2024-02-29\t1969-12-31 23:59:59\t\\N\n");
}

TEST(TextRowsTest, RefusesWhatTheStoreCannotHold) {
  auto nul = MakeBatch(MakeSchema({{"s", LogicalType::String()}}), {{Value::String(std::string("a\0b", 3))}});
  std::string out;
  auto st = sql::AppendTextRows(nul, 0, 1, sql::TextFormat::kPostgresCopy, "", out);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(st.error().message().find("column 's' row 1"), std::string::npos) << st.error().message();
  out.clear();
  ASSERT_TRUE(sql::AppendTextRows(nul, 0, 1, sql::TextFormat::kMysqlLoadData, "", out));
  EXPECT_EQ(out, "a\\0b\n");
  auto far = MakeBatch(MakeSchema({{"d", LogicalType::Date()}}), {{Value::Date(3000000)}});
  EXPECT_EQ(sql::AppendTextRows(far, 0, 1, sql::TextFormat::kPostgresCopy, "", out).error().kind(),
            ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace datasync::storage::testing
