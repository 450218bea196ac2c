// Delimited text into typed columns: each type's spellings, epoch timestamps in the unit a file uses (Binance's
// spot archives switch from ms to µs), header rows told from data, param values as columns, and cells that do
// not fit refused with the line and field.
#include "datasource/files/text_conform.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"
#include "datasource/files/file_format.hpp"
#include "file_test_util.hpp"

namespace datasync::datasource::files {
namespace {

using core::Field;
using core::LogicalType;

core::SchemaPtr KlineSchema() {
  return std::make_shared<core::Schema>(std::vector<Field>{
      {"symbol", LogicalType::String()},
      {"open_time", LogicalType::Timestamp()},
      {"open", LogicalType::Decimal(18, 8)},
      {"close", LogicalType::Float64()},
      {"trades", LogicalType::Int64()},
      {"day", LogicalType::Date()},
      {"closed", LogicalType::Bool()},
  });
}

std::vector<std::string_view> Cells(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

TEST(TextConformTest, CastsEveryTypeAndFillsConstants) {
  TextConformer c(KlineSchema(), nullptr, EpochUnit::kAuto, "t: ");
  std::vector<std::string> columns = {"open_time", "open", "close", "trades", "day", "closed", "_"};
  c.SetColumns(columns);
  ASSERT_TRUE(c.SetConstant("symbol", "BTCUSDT"));
  ASSERT_TRUE(c.AppendRow(Cells({"1704153600000", "42000.01000000", "42100.5", "1234", "2024-01-02", "true", "0"}), 1));
  ASSERT_TRUE(c.AppendRow(Cells({"2024-01-02 01:00:00", "0.00000001", "", "", "20240102", "N", "x"}), 2));
  Page page = std::move(c).Finish();
  const auto& b = page.batch;
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.column(0).GetString(0), "BTCUSDT");
  EXPECT_EQ(b.column(0).GetString(1), "BTCUSDT");
  EXPECT_EQ(b.column(1).int64s()[0], 1704153600000000);  // ms → µs
  EXPECT_EQ(b.column(1).int64s()[1], *core::ParseTimestamp("2024-01-02 01:00:00"));
  EXPECT_EQ(b.column(2).int64s()[0], 4200001000000);  // decimal(18,8) unscaled
  EXPECT_EQ(b.column(2).int64s()[1], 1);
  EXPECT_DOUBLE_EQ(b.column(3).float64s()[0], 42100.5);
  EXPECT_FALSE(b.column(3).IsValid(1));  // "" is NULL for a number
  EXPECT_EQ(b.column(4).int64s()[0], 1234);
  EXPECT_EQ(b.column(5).int32s()[0], *core::ParseDate("20240102"));
  EXPECT_EQ(b.column(5).int32s()[1], *core::ParseDate("20240102"));
  EXPECT_TRUE(b.column(6).GetBool(0));
  EXPECT_FALSE(b.column(6).GetBool(1));
  EXPECT_TRUE(page.missing_fields.empty());
}

TEST(TextConformTest, EpochUnitIsReadPerFileFromTheDigits) {
  auto schema = std::make_shared<core::Schema>(std::vector<Field>{{"t", LogicalType::Timestamp()}});
  const int64_t expected = 1735689600000000;  // 2025-01-01 00:00:00 UTC in µs
  for (const auto& [text, unit] : std::vector<std::pair<std::string, std::string>>{
           {"1735689600", "s"}, {"1735689600000", "ms"}, {"1735689600000000", "us"}, {"1735689600000000000", "ns"}}) {
    TextConformer c(schema, nullptr, EpochUnit::kAuto, "");
    std::vector<std::string> columns = {"t"};
    c.SetColumns(columns);
    ASSERT_TRUE(c.AppendRow(Cells({text}), 1));
    EXPECT_EQ(c.EpochUnitsUsed(), std::vector<std::string>{"t: " + unit});
    Page p = std::move(c).Finish();
    EXPECT_EQ(p.batch.column(0).int64s()[0], expected) << text;
  }
  // A fixed unit is taken as told, whatever the digits.
  TextConformer fixed(schema, nullptr, EpochUnit::kMillis, "");
  std::vector<std::string> columns = {"t"};
  fixed.SetColumns(columns);
  ASSERT_TRUE(fixed.AppendRow(Cells({"1735689600"}), 1));
  EXPECT_EQ(std::move(fixed).Finish().batch.column(0).int64s()[0], 1735689600 * 1000LL);
}

TEST(TextConformTest, HeaderRowsDoNotReadAsData) {
  TextConformer c(KlineSchema(), nullptr, EpochUnit::kAuto, "");
  std::vector<std::string> columns = {"open_time", "open", "close", "_"};
  c.SetColumns(columns);
  EXPECT_FALSE(c.ReadsAsData(Cells({"open_time", "open", "close", "ignore"})));
  EXPECT_TRUE(c.ReadsAsData(Cells({"1704153600000", "1.5", "2", "0"})));
  // Probing does not fix the epoch unit: the first data row still decides it.
  ASSERT_TRUE(c.AppendRow(Cells({"1735689600000000", "1", "2", "0"}), 2));
  EXPECT_EQ(c.EpochUnitsUsed(), std::vector<std::string>{"open_time: us"});
}

TEST(TextConformTest, BadCellsAndRowsNameTheLineAndField) {
  TextConformer c(KlineSchema(), nullptr, EpochUnit::kAuto, "http_file b/k: f.zip ");
  std::vector<std::string> columns = {"open_time", "open"};
  c.SetColumns(columns);
  auto bad = c.AppendRow(Cells({"1704153600000", "12.5x"}), 7);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), "bad_value");
  EXPECT_NE(bad.error().message().find("http_file b/k: f.zip line 7 field 'open': cannot read \"12.5x\" as decimal(18,8)"),
            std::string::npos)
      << bad.error().message();
  auto wide = c.AppendRow(Cells({"1", "2", "3"}), 8);
  ASSERT_FALSE(wide);
  EXPECT_EQ(wide.error().code(), "bad_row");
  EXPECT_NE(wide.error().message().find("line 8 has 3 values but the file's columns are 2"), std::string::npos);
  // A too-wide decimal is refused, never rounded to fit.
  TextConformer d(KlineSchema(), nullptr, EpochUnit::kAuto, "");
  d.SetColumns(columns);
  EXPECT_FALSE(d.AppendRow(Cells({"1", "12345678901.5"}), 1));
  // A param that does not read as its field's type.
  EXPECT_FALSE(d.SetConstant("trades", "many"));
}

TEST(TextConformTest, DriftIsReported) {
  TextConformer c(KlineSchema(), nullptr, EpochUnit::kAuto, "");
  std::vector<std::string> columns = {"open_time", "vwap\x1b[31m"};
  c.SetColumns(columns);
  ASSERT_TRUE(c.AppendRow(Cells({"1704153600000", "1"}), 1));
  Page p = std::move(c).Finish();
  EXPECT_EQ(p.extra_fields, std::vector<std::string>{"vwap\\x1b[31m"});
  EXPECT_EQ(p.missing_fields, (std::vector<std::string>{"symbol", "open", "close", "trades", "day", "closed"}));
  EXPECT_FALSE(p.batch.column(0).IsValid(0));
}

// DecodeFile: archive, header and columns together, as the providers call it.
Dataset KlineDataset(core::Options options) {
  Dataset d;
  d.name = "klines";
  d.schema = KlineSchema();
  d.options = std::move(options);
  return d;
}

TEST(DecodeFileTest, SpotZipWithoutHeaderAndFuturesWithHeaderReadTheSame) {
  core::Options o;
  o.Set("columns", std::vector<std::string>{"open_time", "open", "close", "trades"});
  Dataset ds = KlineDataset(o);
  FileFormat format = ReadFileFormat(ds.options);
  Params params = {{"symbol", "ETHUSDT"}, {"_note", "x"}};
  const std::string rows = "1704153600000,2300.5,2301,10\n1704157200000,2301,2302.25,11\n";
  for (const std::string& text : {rows, "open_time,open,close,count\n" + rows}) {
    auto page = DecodeFile(testing::MakeZip({{"ETHUSDT-1h-2024-01-02.csv", text}}), "ETHUSDT-1h-2024-01-02.zip", format,
                           ds, params, nullptr, "p: ", 1 << 20);
    ASSERT_TRUE(page) << page.error().ToString();
    ASSERT_EQ(page->batch.num_rows(), 2u);
    EXPECT_EQ(page->batch.column(0).GetString(1), "ETHUSDT");
    EXPECT_EQ(page->batch.column(1).int64s()[1], 1704157200000000);
    EXPECT_DOUBLE_EQ(page->batch.column(3).float64s()[1], 2302.25);
  }
  // Told there is no header, the header row is a bad value.
  o.Set("header", std::string("no"));
  auto refused = DecodeFile("open_time,open,close,count\n" + rows, "f.csv", ReadFileFormat(o), KlineDataset(o), params,
                            nullptr, "p: ", 1 << 20);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("p: f.csv line 1 field 'open_time'"), std::string::npos)
      << refused.error().message();
}

TEST(DecodeFileTest, HeaderNamesTheColumnsWhenTheDatasetDoesNot) {
  Dataset ds = KlineDataset({});
  auto page = DecodeFile(testing::Gzip("close,open_time,extra\n1.5,2024-01-02 00:00:00,z\n"), "k.csv.gz",
                         ReadFileFormat(ds.options), ds, {}, nullptr, "", 1 << 20);
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->batch.num_rows(), 1u);
  EXPECT_DOUBLE_EQ(page->batch.column(3).float64s()[0], 1.5);
  EXPECT_EQ(page->extra_fields, std::vector<std::string>{"extra"});
}

TEST(DecodeFileTest, ColumnsThatNameNoFieldAreConfigProblems) {
  core::Options o;
  o.Set("columns", std::vector<std::string>{"open_time", "opne", "_"});
  o.Set("delimiter", std::string(";;"));
  core::OptionProblems problems;
  CheckFileFormat(KlineDataset(o), problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].key, "delimiter");
  EXPECT_NE(problems[1].message.find("columns[1] 'opne' is not a field of the dataset"), std::string::npos);

  for (const char* tab : {"\\t", "tab", "\t"}) {
    core::Options t;
    t.Set("delimiter", std::string(tab));
    core::OptionProblems none;
    CheckFileFormat(KlineDataset(t), none);
    EXPECT_TRUE(none.empty()) << tab;
    EXPECT_EQ(ReadFileFormat(t).delimiter, '\t') << tab;
  }
}

}  // namespace
}  // namespace datasync::datasource::files
