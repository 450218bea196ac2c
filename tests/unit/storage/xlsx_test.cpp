// xlsx beyond the compliance suite: the sheet roll-over (at a lowered limit, and at Excel's real
// 1,048,576 rows), the typed columns pandas infers, the cells that become text by design, Excel's 1900
// date serials, and the options' validation. openpyxl and pandas (/usr/bin/python3) are the readers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/dates.hpp"
#include "sink_test_support.hpp"
#include "storage/xlsx/xlsx_format.hpp"
#include "storage/xlsx/xlsx_sink.hpp"

namespace datasync::storage::testing {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::Value;
using json = nlohmann::json;

class XlsxTest : public ::testing::Test {
 protected:
  BindContext Ctx(const std::string& dataset, core::SchemaPtr schema,
                  std::vector<std::pair<std::string, core::OptionValue>> options = {}) {
    return FileSinkContext(tmp_.path(), "sheets", dataset, std::move(schema), std::move(options));
  }
  json Python(const std::string& script, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/python3", "-c", script};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    EXPECT_EQ(RunProcess(argv, out), 0) << out;
    auto doc = json::parse(out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << out;
    return doc;
  }
  TempDir tmp_;
};

TEST_F(XlsxTest, RowsContinueOnNewSheetsWithTheHeader) {
  auto schema = MakeSchema({{"n", LogicalType::Int64()}, {"s", LogicalType::String()}});
  std::vector<Row> rows;
  for (int i = 0; i < 10; ++i) rows.push_back({Value::Int64(i), Value::String("r" + std::to_string(i))});
  auto batch = MakeBatch(schema, rows);
  XlsxSink sink;
  RunSink(sink, Ctx("rolled", schema, {{"max_rows_per_sheet", int64_t{4}}, {"sheet_name", std::string("bars")}}), 1,
          {{"u", &batch}});
  json doc;
  ASSERT_EQ(ReadXlsxOracle({(tmp_.path() / "root" / "rolled").string()}, doc), 0);
  std::vector<std::pair<std::string, int>> sheets;
  for (const auto& s : doc["sheets"]) sheets.emplace_back(s["sheet"], s["rows"]);
  // 4 rows per sheet including the header: 3 data rows each.
  EXPECT_EQ(sheets,
            (std::vector<std::pair<std::string, int>>{{"bars", 4}, {"bars_2", 4}, {"bars_3", 4}, {"bars_4", 2}}));
  auto got = NewXlsxReader(tmp_.path() / "root")->Read("rolled", *schema);
  EXPECT_EQ(CompareRows(rows, got.rows, FloatRules{}), "");
}

TEST_F(XlsxTest, ExcelsRealRowLimitStartsASecondSheet) {
  auto schema = MakeSchema({{"n", LogicalType::Int32()}});
  core::ColumnBatch batch(schema);
  constexpr int32_t kRows = 1048576;  // one more than fits under the header
  batch.Reserve(kRows);
  for (int32_t i = 0; i < kRows; ++i) batch.column(0).AppendInt32(i);
  XlsxSink sink;
  RunSink(sink, Ctx("big", schema), 1, {{"u", &batch}});
  // The sheets' dimension records, read from the zip without loading a million cells.
  json doc = Python(R"py(
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
dims = {}
for name in sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet")):
    head = z.open(name).read(4096).decode("utf-8", "replace")
    dims[name] = re.search(r'<dimension ref="([^"]+)"', head).group(1)
print(json.dumps({"sheets": re.findall(r'<sheet name="([^"]+)"', wb), "dims": dims}))

)py",
                    {(tmp_.path() / "root" / "big" / "part-u.xlsx").string()});
  EXPECT_EQ(doc["sheets"], json::parse(R"(["data", "data_2"])"));
  EXPECT_EQ(doc["dims"]["xl/worksheets/sheet1.xml"], "A1:A1048576");
  EXPECT_EQ(doc["dims"]["xl/worksheets/sheet2.xml"], "A1:A2");
}

TEST_F(XlsxTest, PandasSeesTypedColumns) {
  auto schema = MakeSchema({{"code", LogicalType::String()},
                            {"day", LogicalType::Date()},
                            {"at", LogicalType::Timestamp()},
                            {"close", LogicalType::Float64()},
                            {"vol", LogicalType::Int64()},
                            {"amount", LogicalType::Decimal(12, 2)},
                            {"open", LogicalType::Bool()}});
  std::vector<Row> rows = {
      {Value::String("000001.SZ"), DateOf(2024, 1, 2), TsOf(2024, 1, 2, 9, 30, 0, 123000), Value::Float64(10.55),
       Value::Int64(123456789), Dec(123456, 12, 2), Value::Bool(true)},
      {Value::String("平安银行"), DateOf(1900, 2, 28), TsOf(2099, 12, 31, 23, 59, 59, 999000), Value::Float64(-0.5),
       Value::Int64(-1), Dec(-1, 12, 2), Value::Bool(false)},
  };
  auto batch = MakeBatch(schema, rows);
  XlsxSink sink;
  RunSink(sink, Ctx("typed", schema), 1, {{"u", &batch}});
  json doc = Python(R"py(
import json, sys
import pandas as pd
df = pd.read_excel(sys.argv[1], sheet_name="data")
print(json.dumps({"dtypes": {c: str(t) for c, t in df.dtypes.items()},
                  "values": [[str(v) for v in r] for r in df.itertuples(index=False)]}))

)py",
                    {(tmp_.path() / "root" / "typed" / "part-u.xlsx").string()});
  EXPECT_EQ(doc["dtypes"], json::parse(R"({"code": "object", "day": "datetime64[ns]", "at": "datetime64[ns]",
      "close": "float64", "vol": "int64", "amount": "float64", "open": "bool"})"));
  EXPECT_EQ(doc["values"][0], json::parse(R"(["000001.SZ", "2024-01-02 00:00:00", "2024-01-02 09:30:00.123000",
      "10.55", "123456789", "1234.56", "True"])"));
  EXPECT_EQ(doc["values"][1], json::parse(R"(["平安银行", "1900-02-28 00:00:00", "2099-12-31 23:59:59.999000",
      "-0.5", "-1", "-0.01", "False"])"));
  auto got = NewXlsxReader(tmp_.path() / "root")->Read("typed", *schema);
  EXPECT_EQ(CompareRows(rows, got.rows, FloatRules{}), "");
}

TEST_F(XlsxTest, ValuesExcelCannotHoldBecomeExactText) {
  auto schema = MakeSchema({{"big", LogicalType::Int64()},
                            {"precise", LogicalType::Float64()},
                            {"wide", LogicalType::Decimal(18, 4)},
                            {"old", LogicalType::Date()},
                            {"text", LogicalType::String()}});
  std::vector<Row> rows = {{Value::Int64(INT64_MAX), Value::Float64(0.1 + 0.2), Dec(123456789012345678, 18, 4),
                            DateOf(1899, 12, 31), Value::String("_x0041_ stays literal")}};
  auto batch = MakeBatch(schema, rows);
  XlsxSink sink;
  RunSink(sink, Ctx("text", schema), 1, {{"u", &batch}});
  json doc;
  ASSERT_EQ(ReadXlsxOracle({(tmp_.path() / "root" / "text").string()}, doc), 0);
  EXPECT_EQ(doc["rows"][0], json::parse(R"([{"s": "9223372036854775807"}, {"s": "0.30000000000000004"},
      {"s": "12345678901234.5678"}, {"s": "1899-12-31"}, {"s": "_x0041_ stays literal"}])"));
  EXPECT_EQ(xlsx::ProtectXstring("a_x00e9_b_x12_"), "a_x005F_x00e9_b_x12_");
  EXPECT_EQ(*xlsx::ExcelSerial(core::DaysFromCivil({1900, 1, 1})), 1.0);
  EXPECT_EQ(*xlsx::ExcelSerial(core::DaysFromCivil({1900, 3, 1})), 61.0);  // after the fictitious 1900-02-29
  EXPECT_EQ(*xlsx::ExcelSerial(core::DaysFromCivil({2024, 1, 2})), 45293.0);
  EXPECT_FALSE(xlsx::ExcelSerial(core::DaysFromCivil({1899, 12, 31})));
}

TEST_F(XlsxTest, LongTextCanBeTruncatedOnRequest) {
  auto schema = MakeSchema({{"s", LogicalType::String()}});
  std::string long_text;
  for (int i = 0; i < 20000; ++i) long_text += "平a";  // 40000 characters, 80000 bytes
  auto batch = MakeBatch(schema, {{Value::String(long_text)}});
  XlsxSink sink;
  RunSink(sink, Ctx("cut", schema, {{"long_text", std::string("truncate")}}), 1, {{"u", &batch}});
  auto got = NewXlsxReader(tmp_.path() / "root")->Read("cut", *schema);
  ASSERT_EQ(got.rows.size(), 1u);
  std::string kept = std::get<std::string>(got.rows[0][0].v);
  EXPECT_EQ(kept, long_text.substr(0, 16383 * 4 + 3));  // 32767 characters: 16383 pairs and one more 平
}

TEST_F(XlsxTest, BadOptionsAreConfigErrors) {
  auto schema = MakeSchema({{"s", LogicalType::String()}});
  for (auto [key, value] :
       std::vector<std::pair<std::string, core::OptionValue>>{{"sheet_name", std::string("a/b")},
                                                              {"sheet_name", std::string("")},
                                                              {"max_rows_per_sheet", int64_t{2000000}}}) {
    XlsxSink sink;
    auto st = sink.Bind(Ctx("x", schema, {{key, value}}));
    ASSERT_FALSE(st) << key;
    EXPECT_EQ(st.error().kind(), ErrorKind::kConfig);
  }
}

}  // namespace
}  // namespace datasync::storage::testing
