// The rest provider's untyped read of an answer for `dataset sample`: records' keys in first-seen order,
// rows with their column list, the same error rules and shape failures as a run, and the round trip that
// makes sampling worth it: the fields inferred from an answer decode that same answer whole.
#include <gtest/gtest.h>

#include "datasource/rest/response_decoder.hpp"
#include "datasource/sample_inference.hpp"
#include "rest_test_util.hpp"

namespace datasync::datasource::rest {
namespace {

using core::ErrorKind;
using core::LogicalType;
using testing::DatasetSettingsOf;
using testing::MakeDataset;
using testing::MakeSource;
using testing::SourceSettingsOf;
using K = SampleValue::Kind;

class RestSampleTest : public ::testing::Test {
 protected:
  DecodeInput Input(const Dataset& ds) {
    source_settings_ = SourceSettingsOf(source_);
    settings_ = DatasetSettingsOf(ds);
    DecodeInput in;
    in.dataset = &ds;
    in.source = &source_settings_;
    in.settings = settings_.get();
    in.params = &params_;
    in.classify.prefix = "rest api/items: ";
    return in;
  }
  core::Result<RecordSample> Sample(const Dataset& ds, std::string body, long status = 200) {
    RawResponse r;
    r.http_status = status;
    r.body = std::move(body);
    return SampleAnswer(r, Input(ds));
  }
  core::Result<Page> Decode(const Dataset& ds, std::string body) {
    RawResponse r;
    r.http_status = 200;
    r.body = std::move(body);
    return DecodeAnswer(r, Input(ds));
  }

  DataSource source_ = MakeSource("https://api.x.com");
  SourceSettings source_settings_;
  std::shared_ptr<const DatasetSettings> settings_;
  Params params_;
};

// A dataset as `dataset sample` loads it: its settings, no fields yet.
Dataset Unsampled(std::initializer_list<testing::Opt> options) {
  return MakeDataset({}, options);
}

TEST_F(RestSampleTest, RecordsGiveEveryKeyInFirstSeenOrderWithItsJsonKind) {
  Dataset ds = Unsampled({{"path", std::string("/p")}, {"records", std::string("data")}});
  auto s = Sample(ds, R"({"data":[
      {"id":1,"px":1.5,"ok":true,"name":"a","tags":["x"]},
      {"id":2,"name":null,"late":"2024-01-02","px":2}
    ]})");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->fields, (std::vector<std::string>{"id", "px", "ok", "name", "tags", "late"}));
  ASSERT_EQ(s->rows.size(), 2u);
  ASSERT_EQ(s->rows[0].size(), 6u);
  ASSERT_EQ(s->rows[1].size(), 6u);
  EXPECT_EQ(s->rows[0][0].kind, K::kInteger);
  EXPECT_EQ(s->rows[0][0].text, "1");
  EXPECT_EQ(s->rows[0][1].kind, K::kNumber);
  EXPECT_EQ(s->rows[0][2].kind, K::kBool);
  EXPECT_EQ(s->rows[0][3].text, "a");
  EXPECT_EQ(s->rows[0][4].kind, K::kNested);
  EXPECT_EQ(s->rows[0][5].kind, K::kNull);  // the first record lacks the key a later one has
  EXPECT_EQ(s->rows[1][3].kind, K::kNull);
  EXPECT_EQ(s->rows[1][5].text, "2024-01-02");
  EXPECT_EQ(s->rows[1][1].kind, K::kInteger);
}

TEST_F(RestSampleTest, LongNumbersKeepTheirDigits) {
  Dataset ds = Unsampled({{"path", std::string("/p")}, {"records", std::string("$")}});
  auto s = Sample(ds, R"([{"n":123456789012345678901234567890}])");
  ASSERT_TRUE(s) << s.error().ToString();
  ASSERT_EQ(s->rows.size(), 1u);
  EXPECT_EQ(s->rows[0][0].text, "123456789012345678901234567890");
}

TEST_F(RestSampleTest, RowsWithAColumnListAsNasdaqSendsThem) {
  Dataset ds = Unsampled({{"path", std::string("/t")},
                          {"rows", std::string("datatable.data")},
                          {"columns", std::string("datatable.columns")}});
  auto s = Sample(ds, R"json({"datatable":{"data":[["AAPL","2024-01-02",185.64],["MSFT","2024-01-02",370.87]],
      "columns":[{"name":"ticker","type":"String"},{"name":"date","type":"Date"},{"name":"close","type":"BigDecimal(34,12)"}]},
      "meta":{"next_cursor_id":null}})json");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->fields, (std::vector<std::string>{"ticker", "date", "close"}));
  ASSERT_EQ(s->rows.size(), 2u);
  EXPECT_EQ(s->rows[1][0].text, "MSFT");
  InferredSchema inferred = InferSchema(*s);
  ASSERT_EQ(inferred.fields.size(), 3u);
  EXPECT_EQ(inferred.fields[1].type, LogicalType::Date());
  EXPECT_EQ(inferred.fields[2].type, LogicalType::Float64());
  EXPECT_EQ(inferred.primary_key, (std::vector<std::string>{"ticker", "date"}));

  auto bad = Sample(ds, R"({"datatable":{"data":[["AAPL","2024-01-02"]],"columns":["ticker","date","close"]}})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), "bad_row");
  EXPECT_NE(bad.error().message().find("not an array of 3 values"), std::string::npos) << bad.error().message();
}

TEST_F(RestSampleTest, AnErrorAnswerFailsAsInARunAndAMissingSelectorNamesWhatIsThere) {
  Dataset ds = Unsampled({{"path", std::string("/p")}, {"records", std::string("data")}});
  auto limited = Sample(ds, R"({"error":"slow down"})", 429);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().kind(), ErrorKind::kRateLimited);
  auto shape = Sample(ds, R"({"items":[]})");
  ASSERT_FALSE(shape);
  EXPECT_EQ(shape.error().code(), "bad_shape");
  EXPECT_NE(shape.error().message().find("items"), std::string::npos) << shape.error().message();
  auto not_object = Sample(ds, R"({"data":[1]})");
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().code(), "bad_row");
}

TEST_F(RestSampleTest, TheFieldsInferredFromAnAnswerDecodeThatAnswerWhole) {
  const std::string body = R"({"data":[
      {"id":1,"symbol":"BTCUSDT","open":"42000.01000000","ts":"2024-01-02T00:00:00","day":"2024-01-02","n":12,"up":true,"r":0.5},
      {"id":2,"symbol":"ETHUSDT","open":"2300.50000000","ts":"2024-01-02T00:01:00","day":"2024-01-02","n":null,"up":false,"r":1}
    ]})";
  Dataset unsampled = Unsampled({{"path", std::string("/p")}, {"records", std::string("data")}});
  auto s = Sample(unsampled, body);
  ASSERT_TRUE(s) << s.error().ToString();
  InferredSchema inferred = InferSchema(*s);
  Dataset typed = MakeDataset(inferred.fields, {{"path", std::string("/p")}, {"records", std::string("data")}});
  auto page = Decode(typed, body);
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_TRUE(page->extra_fields.empty());
  EXPECT_TRUE(page->missing_fields.empty());
  ASSERT_EQ(page->batch.num_rows(), 2u);
  auto col = [&](const std::string& name) { return *typed.schema->IndexOf(name); };
  EXPECT_EQ(typed.schema->field(col("open")).type, LogicalType::Decimal(18, 8));
  EXPECT_EQ(page->batch.column(col("open")).GetInt64(0), 4200001000000);  // 42000.01 at scale 8, exactly
  EXPECT_EQ(page->batch.column(col("n")).GetInt64(0), 12);
  EXPECT_FALSE(page->batch.column(col("n")).IsValid(1));
  EXPECT_TRUE(page->batch.column(col("up")).GetBool(0));
  EXPECT_DOUBLE_EQ(page->batch.column(col("r")).GetFloat64(1), 1.0);
  EXPECT_EQ(typed.schema->field(col("ts")).type, LogicalType::Timestamp());
  EXPECT_EQ(inferred.primary_key, std::vector<std::string>{"id"});
}

}  // namespace
}  // namespace datasync::datasource::rest
