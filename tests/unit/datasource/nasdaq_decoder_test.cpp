// Nasdaq Data Link answers decoded into the dataset's schema: both envelopes, every vendor type into its
// exact column type, NULLs, drift (extra and missing columns), garbage answers, the next cursor page, and
// an invalid cursor (QESx06) restarting the chain from its first page without one duplicated row.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/dates.hpp"
#include "datasource/nasdaq/cursor_chain.hpp"
#include "datasource/nasdaq/response_decoder.hpp"

namespace datasync::datasource::nasdaq {
namespace {

using core::ErrorKind;
using core::Field;
using core::LogicalType;

Dataset EquityTable() {
  Dataset d;
  d.name = "qsim_eq";
  d.api = "datatables/QSIM/EQ";
  d.schema = std::make_shared<const core::Schema>(std::vector<Field>{
      {"ticker", LogicalType::String()},
      {"date", LogicalType::Date()},
      {"close", LogicalType::Decimal(18, 4)},
      {"volume", LogicalType::Int64()},
      {"ratio", LogicalType::Float64()},
      {"updated_at", LogicalType::Timestamp()},
      {"active", LogicalType::Bool()},
  });
  return d;
}

Dataset WikiSeries() {
  Dataset d;
  d.name = "wiki";
  d.api = "datasets/WIKI";
  d.schema = std::make_shared<const core::Schema>(std::vector<Field>{
      {"date", LogicalType::Date()}, {"open", LogicalType::Float64()}, {"adj_close", LogicalType::Float64()}});
  return d;
}

constexpr const char* kColumns =
    R"j("columns":[{"name":"ticker","type":"String"},{"name":"date","type":"Date"},)j"
    R"j({"name":"close","type":"BigDecimal(34,12)"},{"name":"volume","type":"Integer"},)j"
    R"j({"name":"ratio","type":"double"},{"name":"updated_at","type":"datetime"},{"name":"active","type":"boolean"}])j";

std::string TablePage(const std::vector<std::string>& rows, const std::string& cursor) {
  std::string body = R"({"datatable":{"data":[)";
  for (size_t i = 0; i < rows.size(); ++i) body += (i ? "," : "") + rows[i];
  body += std::string("],") + kColumns + R"(},"meta":{"next_cursor_id":)" +
          (cursor.empty() ? std::string("null") : "\"" + cursor + "\"") + "}}";
  return body;
}

std::string Row(int i) {
  return R"([")" + std::string("T") + std::to_string(i) + R"(","2024-01-02",)" + std::to_string(100 + i) + R"(.125,)" +
         std::to_string(1000 * i) + R"(,0.5,"2024-01-02T21:00:00Z",true])";
}

class NdlDecoderTest : public ::testing::Test {
 protected:
  core::Result<Page> Decode(const Dataset& ds, long status, const std::string& body, const Params& params = {},
                            const std::string& retry_after = "") {
    auto api = ParseApi(ds.api);
    EXPECT_TRUE(api);
    DecodeContext ctx;
    ctx.dataset = &ds;
    ctx.api = *api;
    ctx.params = &params;
    ctx.errors.api = ds.api;
    ctx.errors.source_name = "ndl";
    ctx.errors.key_ref = "${NDL_API_KEY}";
    ctx.errors.now = core::FromEpochMicros(*core::ParseTimestamp("2026-12-06 10:00:00"));
    return DecodeResponse(status, retry_after, body, ctx);
  }
  Dataset table_ = EquityTable();
  Dataset series_ = WikiSeries();
};

TEST_F(NdlDecoderTest, TableRowsGetTheirExactTypes) {
  std::string body = TablePage({R"(["AAPL","2024-01-02",185.640000000000,82488700,0.25,"2024-01-02T21:00:00Z",true])",
                                R"(["MSFT","2024-01-03","370.870000000000",null,null,null,false])"},
                               "");
  auto page = Decode(table_, 200, body);
  ASSERT_TRUE(page) << page.error().ToString();
  const auto& b = page->batch;
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.column(0).GetString(0), "AAPL");
  EXPECT_EQ(b.column(1).GetInt32(0), *core::ParseDate("2024-01-02"));
  EXPECT_EQ(b.column(2).GetInt64(0), 1856400) << "decimal(18,4): 185.6400";
  EXPECT_EQ(b.column(2).GetInt64(1), 3708700) << "a numeric string reads the same";
  EXPECT_EQ(b.column(3).GetInt64(0), 82488700);
  EXPECT_FALSE(b.column(3).IsValid(1));
  EXPECT_DOUBLE_EQ(b.column(4).GetFloat64(0), 0.25);
  EXPECT_FALSE(b.column(4).IsValid(1));
  EXPECT_EQ(b.column(5).GetInt64(0), *core::ParseTimestamp("2024-01-02 21:00:00"));
  EXPECT_FALSE(b.column(5).IsValid(1));
  EXPECT_TRUE(b.column(6).GetBool(0));
  EXPECT_FALSE(b.column(6).GetBool(1));
  EXPECT_EQ(page->verdict.kind, PageVerdict::Kind::kComplete);
  EXPECT_TRUE(page->missing_fields.empty());
  EXPECT_TRUE(page->extra_fields.empty());
  EXPECT_EQ(page->vendor_fields.size(), 7u);
}

TEST_F(NdlDecoderTest, WideBigDecimalsKeepEveryDigitTheVendorSent) {
  Dataset ds = table_;
  std::vector<Field> fields = ds.schema->fields();
  fields[2].type = LogicalType::Decimal(34, 12);  // what importing BigDecimal(34,12) gives
  ds.schema = std::make_shared<const core::Schema>(fields);
  // JSON numbers with 21 and 34 significant digits: a double holds 15 to 17.
  std::string body = TablePage({R"(["AAPL","2024-01-02",123456789.123456789012,1,0.5,null,true])",
                                R"(["MSFT","2024-01-03",-9999999999999999999999.999999999999,2,0.5,null,false])",
                                R"(["KO","2024-01-04",0.000000000001,3,0.5,null,false])"},
                               "");
  auto page = Decode(ds, 200, body);
  ASSERT_TRUE(page) << page.error().ToString();
  const auto& c = page->batch.column(2);
  EXPECT_EQ(c.DecimalText(0), "123456789.123456789012");
  EXPECT_EQ(c.DecimalText(1), "-9999999999999999999999.999999999999");
  EXPECT_EQ(c.DecimalText(2), "0.000000000001");
}

TEST_F(NdlDecoderTest, DriftIsReportedExtraIgnoredMissingNull) {
  std::string body =
      R"({"datatable":{"data":[["AAPL","2024-01-02","x"]],"columns":[{"name":"ticker","type":"String"},)"
      R"({"name":"date","type":"Date"},{"name":"exchange","type":"String"}]},"meta":{"next_cursor_id":null}})";
  auto page = Decode(table_, 200, body);
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->extra_fields, std::vector<std::string>{"exchange"});
  EXPECT_EQ(page->missing_fields, (std::vector<std::string>{"close", "volume", "ratio", "updated_at", "active"}));
  EXPECT_FALSE(page->batch.column(2).IsValid(0));
  EXPECT_EQ(page->batch.column(0).GetString(0), "AAPL");
}

TEST_F(NdlDecoderTest, ABadValueIsPermanentNamingRowFieldAndValue) {
  auto page = Decode(table_, 200, TablePage({Row(1), R"(["B","not-a-date",1,1,1,null,true])"}, ""));
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kPermanent);
  EXPECT_EQ(page.error().code(), "bad_value");
  const std::string& m = page.error().message();
  EXPECT_NE(m.find("datatable.data[1]"), std::string::npos) << m;
  EXPECT_NE(m.find("'date'"), std::string::npos) << m;
  EXPECT_NE(m.find("not-a-date"), std::string::npos) << m;
  auto width = Decode(table_, 200, TablePage({R"(["A","2024-01-02"])"}, ""));
  ASSERT_FALSE(width);
  EXPECT_EQ(width.error().code(), "bad_row");
}

TEST_F(NdlDecoderTest, GarbageAnswersAreClearTransientErrors) {
  struct Case {
    std::string body;
    std::string code;
    std::string says;
  };
  for (const auto& c : std::vector<Case>{
           {"", "malformed_json", "empty response body"},
           {"<html>502 Bad Gateway</html>", "not_json", "not JSON"},
           {R"({"datatable":{"data":[["A")", "malformed_json", "truncated or malformed"},
           {R"([1,2])", "bad_shape", "top level is not an object"},
           {R"({"dataset_data":{}})", "bad_shape", "no 'datatable' object"},
           {R"({"datatable":{"data":[]}})", "bad_shape", "no 'datatable.columns' array"},
           {R"({"datatable":{"columns":[]}})", "bad_shape", "no 'datatable.data' array"},
           {R"({"datatable":{"data":[],"columns":[3]}})", "bad_shape", "not {\"name\""},
       }) {
    auto page = Decode(table_, 200, c.body);
    ASSERT_FALSE(page) << c.body;
    EXPECT_EQ(page.error().kind(), ErrorKind::kTransient) << c.body;
    EXPECT_EQ(page.error().code(), c.code) << c.body;
    EXPECT_NE(page.error().message().find(c.says), std::string::npos) << page.error().message();
    EXPECT_NE(page.error().message().find("nasdaq_data_link datatables/QSIM/EQ: "), std::string::npos);
  }
}

TEST_F(NdlDecoderTest, TimeSeriesColumnsMapToTheirFieldNames) {
  std::string body =
      R"({"dataset_data":{"limit":null,"transform":null,"column_index":null,"column_names":["Date","Open","Adj. Close"],)"
      R"("start_date":"2024-01-02","end_date":"2024-01-03","frequency":"daily",)"
      R"("data":[["2024-01-02",187.15,185.64],["2024-01-03",184.22,null]],"collapse":null,"order":"asc"}})";
  auto page = Decode(series_, 200, body, {{"code", "AAPL"}, {"start_date", "2024-01-02"}});
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->batch.num_rows(), 2u);
  EXPECT_EQ(page->batch.column(0).GetInt32(1), *core::ParseDate("2024-01-03"));
  EXPECT_DOUBLE_EQ(page->batch.column(1).GetFloat64(0), 187.15);
  EXPECT_DOUBLE_EQ(page->batch.column(2).GetFloat64(0), 185.64);
  EXPECT_FALSE(page->batch.column(2).IsValid(1));
  EXPECT_TRUE(page->extra_fields.empty());
  EXPECT_TRUE(page->missing_fields.empty());
  EXPECT_EQ(page->verdict.kind, PageVerdict::Kind::kComplete);
  auto wrong = Decode(series_, 200, TablePage({Row(1)}, ""));
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("no 'dataset_data' object"), std::string::npos);
}

TEST_F(NdlDecoderTest, ATimeSeriesRowTakesTheRequestsCodeSoSeriesShareATable) {
  Dataset ds;
  ds.name = "qts";
  ds.api = "datasets/QTS";
  ds.schema = std::make_shared<const core::Schema>(
      std::vector<Field>{{"code", LogicalType::String()}, {"date", LogicalType::Date()}, {"close", LogicalType::Float64()}});
  auto page = Decode(ds, 200,
                     R"({"dataset_data":{"column_names":["Date","Close"],"data":[["2024-01-02",1.5],["2024-01-03",2.5]]}})",
                     {{"code", "MSFT"}, {"start_date", "2024-01-01"}});
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->batch.num_rows(), 2u);
  EXPECT_EQ(page->batch.column(0).GetString(0), "MSFT");
  EXPECT_EQ(page->batch.column(0).GetString(1), "MSFT");
  EXPECT_TRUE(page->missing_fields.empty()) << "the code is filled, not missing";
}

TEST(NdlFieldNameTest, VendorColumnsBecomeSnakeCase) {
  EXPECT_EQ(FieldName("Date"), "date");
  EXPECT_EQ(FieldName("Adj. Close"), "adj_close");
  EXPECT_EQ(FieldName("Ex-Dividend"), "ex_dividend");
  EXPECT_EQ(FieldName("  Split Ratio "), "split_ratio");
  EXPECT_EQ(FieldName("per_end_date"), "per_end_date");
  EXPECT_EQ(FieldName("..."), "column");
}

TEST_F(NdlDecoderTest, ANextCursorAsksForTheNextPage) {
  auto page = Decode(table_, 200, TablePage({Row(1), Row(2)}, "cur-2"), {{"ticker", "T1,T2"}});
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 2u);
  ASSERT_EQ(page->verdict.kind, PageVerdict::Kind::kNextPage);
  EXPECT_EQ(page->verdict.next, (Params{{"ticker", "T1,T2"}, {"qopts.cursor_id", "cur-2"}, {"_ndl.rows", "2"}}));
  auto loop = Decode(table_, 200, TablePage({Row(3)}, "cur-2"), page->verdict.next);
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().code(), "cursor_loop");
}

// A whole chain against a vendor whose answer is rows 0..9 in pages of 3, where the cursor of the third
// page expires: the stored rows are exactly 0..9, once each, in order.
TEST_F(NdlDecoderTest, AnInvalidCursorRestartsTheChainWithoutDuplicates) {
  const int kRows = 10, kPage = 3;
  int expired_calls = 0;
  // The vendor: page n starts at row 3n; the cursor "c<n>" names page n; "c2" is invalid the first time.
  auto vendor = [&](const Params& params) -> std::pair<long, std::string> {
    int page = 0;
    for (const auto& [k, v] : params) {
      if (k == "qopts.cursor_id") page = std::stoi(v.substr(1));
    }
    for (const auto& [k, v] : params) {
      if (k == "qopts.cursor_id" && v == "c2" && expired_calls++ == 0) {
        return {400, R"({"quandl_error":{"code":"QESx06","message":"You have provided an invalid cursor_id."}})"};
      }
    }
    std::vector<std::string> rows;
    for (int i = page * kPage; i < std::min(kRows, (page + 1) * kPage); ++i) rows.push_back(Row(i));
    bool more = (page + 1) * kPage < kRows;
    return {200, TablePage(rows, more ? "c" + std::to_string(page + 1) : "")};
  };
  std::vector<std::string> stored;
  std::vector<Params> tasks = {{{"ticker", "ALL"}}};
  int restarts = 0;
  for (size_t t = 0; t < tasks.size(); ++t) {
    ASSERT_LT(t, 50u) << "the chain never ends";
    Params params = tasks[t];
    auto [status, body] = vendor(params);
    auto page = Decode(table_, status, body, params);
    ASSERT_TRUE(page) << page.error().ToString();
    for (size_t r = 0; r < page->batch.num_rows(); ++r) stored.emplace_back(page->batch.column(0).GetString(r));
    if (status != 200) {
      ++restarts;
      EXPECT_EQ(page->batch.num_rows(), 0u);
      ASSERT_EQ(page->warnings.size(), 1u);
      EXPECT_NE(page->warnings[0].find("QESx06"), std::string::npos);
      EXPECT_NE(page->warnings[0].find("6 row(s) already stored"), std::string::npos) << page->warnings[0];
    }
    if (page->verdict.kind == PageVerdict::Kind::kNextPage) tasks.push_back(page->verdict.next);
  }
  EXPECT_EQ(restarts, 1);
  std::vector<std::string> want;
  for (int i = 0; i < kRows; ++i) want.push_back("T" + std::to_string(i));
  EXPECT_EQ(stored, want);
  // The restarted chain asked for pages 0 and 1 again (dropped) and then 2 and 3.
  EXPECT_EQ(tasks.size(), 3u /* first chain */ + 1 /* restart */ + 3 /* c1, c2, c3 */);
  EXPECT_EQ(tasks[3], (Params{{"ticker", "ALL"}, {"_ndl.rows", "6"}, {"_ndl.skip", "6"}, {"_ndl.restarts", "1"}}));
}

TEST_F(NdlDecoderTest, AnInvalidCursorWithoutAChainToRestartIsInvalidInput) {
  const std::string body = R"({"quandl_error":{"code":"QESx06","message":"invalid cursor"}})";
  auto first = Decode(table_, 400, body, {{"ticker", "A"}});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(first.error().code(), "QESx06");
  auto exhausted = Decode(table_, 400, body,
                          {{"ticker", "A"}, {"qopts.cursor_id", "c"}, {"_ndl.restarts", std::to_string(kMaxRestarts)}});
  ASSERT_FALSE(exhausted);
  EXPECT_EQ(exhausted.error().kind(), ErrorKind::kInvalidInput);
}

TEST_F(NdlDecoderTest, VendorErrorsAndStatusesAreClassifiedBeforeTheEnvelope) {
  auto daily = Decode(table_, 429, R"({"quandl_error":{"code":"QELx02","message":"daily limit"}})");
  ASSERT_FALSE(daily);
  EXPECT_EQ(daily.error().kind(), ErrorKind::kQuotaExhausted);
  auto accepted = Decode(table_, 202, "");
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(accepted.error().retry_after, std::chrono::milliseconds(30'000));
  auto accepted_json = Decode(table_, 202, "{}");
  ASSERT_FALSE(accepted_json);
  EXPECT_EQ(accepted_json.error().kind(), ErrorKind::kRateLimited);
  auto gateway = Decode(table_, 502, "<html>Bad Gateway</html>");
  ASSERT_FALSE(gateway);
  EXPECT_EQ(gateway.error().kind(), ErrorKind::kTransient);
  auto newer = Decode(table_, 403, R"({"error":{"code":"QEPx02","message":"premium"}})");
  ASSERT_FALSE(newer);
  EXPECT_EQ(newer.error().kind(), ErrorKind::kPermission);
}

TEST_F(NdlDecoderTest, AHugeIntegerInAStringColumnIsKeptAsItsDigitsWithAWarning) {
  auto page = Decode(table_, 200, TablePage({R"([123456789012345678901234567890,"2024-01-02",1,1,1,null,true])"}, ""));
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.column(0).GetString(0), "123456789012345678901234567890");
  // The table has a decimal column, so long numbers are quoted before parsing (json_long_numbers.hpp): the
  // digits arrive as text, with nothing repaired to warn about.
  EXPECT_TRUE(page->warnings.empty());
}

}  // namespace
}  // namespace datasync::datasource::nasdaq
