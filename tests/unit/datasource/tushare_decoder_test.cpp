#include <gtest/gtest.h>

#include <memory>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "datasource/tushare/response_decoder.hpp"
#include "tushare_test_util.hpp"

namespace datasync::datasource::tushare {
namespace {

using core::ErrorKind;
using core::TypeId;
using testing::BuiltinDataset;
using testing::ReadFixture;

int32_t Day(const char* yyyymmdd) {
  return *core::ParseDate(yyyymmdd);
}

class DecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tz = core::TimeZone::Load("Asia/Shanghai");
    ASSERT_TRUE(tz);
    tz_ = std::make_unique<core::TimeZone>(*tz);
  }

  core::Result<Page> Decode(const Dataset& ds, const std::string& body, const Params* params = nullptr,
                            const RequestShaping* shaping = nullptr) {
    DecodeContext ctx;
    ctx.params = params;
    ctx.shaping = shaping;
    ctx.dataset = &ds;
    ctx.tz = tz_.get();
    ctx.errors.api = ds.api;
    ctx.errors.source_name = "tushare";
    ctx.errors.token_ref = "${TUSHARE_TOKEN}";
    ctx.errors.tz = tz_.get();
    ctx.errors.now = core::FromEpochMicros(*core::ParseTimestamp("2026-11-21 10:17:33"));
    return DecodeResponse(body, ctx);
  }

  core::Result<Page> DecodeFixture(const std::string& api, const std::string& file) {
    datasets_.push_back(std::make_unique<Dataset>(BuiltinDataset(api)));
    return Decode(*datasets_.back(), ReadFixture(file));
  }

  std::unique_ptr<core::TimeZone> tz_;
  std::vector<std::unique_ptr<Dataset>> datasets_;
};

TEST_F(DecoderTest, CompactDailyDecodesEveryValueWithItsType) {
  auto page = DecodeFixture("daily", "daily_compact.json");
  ASSERT_TRUE(page) << page.error().ToString();
  const core::ColumnBatch& b = page->batch;
  ASSERT_TRUE(b.Validate());
  EXPECT_EQ(b.schema(), *datasets_.back()->schema);
  ASSERT_EQ(b.num_rows(), 3u);
  ASSERT_EQ(b.num_columns(), 11u);
  EXPECT_EQ(b.column(0).type().id, TypeId::kString);
  EXPECT_EQ(b.column(1).type().id, TypeId::kDate);
  for (size_t c = 2; c < 11; ++c) EXPECT_EQ(b.column(c).type().id, TypeId::kFloat64) << c;

  EXPECT_EQ(b.column(0).GetString(0), "000001.SZ");
  EXPECT_EQ(b.column(0).GetString(2), "600000.SH");
  EXPECT_EQ(b.column(1).GetInt32(0), Day("20180718"));
  EXPECT_EQ(b.column(1).GetInt32(1), Day("20180717"));
  const double row0[] = {8.75, 8.85, 8.69, 8.70, 8.72, -0.02, -0.23, 525152.77, 460697.377};
  for (size_t c = 2; c < 11; ++c) EXPECT_EQ(b.column(c).GetFloat64(0), row0[c - 2]) << c;
  EXPECT_EQ(b.column(9).GetFloat64(2), 233452.0);  // a JSON integer in a float column
  EXPECT_EQ(b.column(10).GetFloat64(2), 231234.5);
  for (size_t c = 0; c < 11; ++c) EXPECT_EQ(b.column(c).null_count(), 0u);

  EXPECT_EQ(page->vendor_fields, datasets_.back()->schema->Names());
  EXPECT_TRUE(page->missing_fields.empty());
  EXPECT_TRUE(page->extra_fields.empty());
  EXPECT_EQ(page->verdict.kind, PageVerdict::Kind::kComplete);
}

TEST_F(DecoderTest, SpacedJsonDumpsStyleWithEscapesAndSurrogatePairs) {
  auto page = DecodeFixture("stock_basic", "stock_basic_spaced.json");
  ASSERT_TRUE(page) << page.error().ToString();
  const core::ColumnBatch& b = page->batch;
  ASSERT_EQ(b.num_rows(), 2u);
  const core::Schema& s = b.schema();
  auto col = [&](const char* name) -> const core::Column& { return b.column(*s.IndexOf(name)); };
  EXPECT_EQ(col("name").GetString(0), "平安银行");
  EXPECT_EQ(col("fullname").GetString(0), "平安银行股份有限公司");
  EXPECT_EQ(col("area").GetString(0), "深圳");
  // U+20BB7 arrives as the pair \ud842\udfb7 and must come out as one 4-byte UTF-8 character.
  EXPECT_EQ(col("name").GetString(1), "华兴\xF0\xA0\xAE\xB7源");
  EXPECT_EQ(col("enname").GetString(1), "Suzhou \"HYC\" \\ Tech\t");
  EXPECT_EQ(col("market").GetString(1), "科创板");
  EXPECT_EQ(col("list_date").type().id, TypeId::kDate);
  EXPECT_EQ(col("list_date").GetInt32(0), Day("19910403"));
  EXPECT_EQ(col("list_date").GetInt32(1), Day("20190722"));
  EXPECT_FALSE(col("delist_date").IsValid(0));
  EXPECT_FALSE(col("delist_date").IsValid(1));
  EXPECT_EQ(col("act_name").GetString(1), "陈文源");
  EXPECT_EQ(col("is_hs").GetString(0), "S");
}

TEST_F(DecoderTest, NullsEverywhereStayNullInEveryType) {
  auto page = DecodeFixture("stock_basic", "stock_basic_nulls.json");
  ASSERT_TRUE(page) << page.error().ToString();
  const core::ColumnBatch& b = page->batch;
  ASSERT_TRUE(b.Validate());
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_TRUE(b.column(0).IsValid(0));
  EXPECT_EQ(b.column(0).GetString(0), "000002.SZ");
  EXPECT_FALSE(b.column(0).IsValid(1));
  for (size_t c = 1; c < b.num_columns(); ++c) {
    EXPECT_FALSE(b.column(c).IsValid(0)) << c;
    EXPECT_FALSE(b.column(c).IsValid(1)) << c;
    EXPECT_EQ(b.column(c).null_count(), 2u) << c;
  }
  EXPECT_TRUE(page->missing_fields.empty());
}

TEST_F(DecoderTest, TradeCalIsOpenArrivesAsInteger) {
  auto page = DecodeFixture("trade_cal", "trade_cal_int.json");
  ASSERT_TRUE(page) << page.error().ToString();
  const core::ColumnBatch& b = page->batch;
  ASSERT_EQ(b.num_rows(), 3u);
  EXPECT_EQ(b.column(0).GetString(0), "SSE");
  EXPECT_EQ(b.column(1).GetInt32(0), Day("20240102"));
  EXPECT_EQ(b.column(1).GetInt32(2), Day("20231231"));
  ASSERT_EQ(b.column(2).type().id, TypeId::kInt32);
  EXPECT_EQ(b.column(2).GetInt32(0), 1);
  EXPECT_EQ(b.column(2).GetInt32(1), 0);
  EXPECT_EQ(b.column(2).GetInt32(2), 0);
  EXPECT_EQ(b.column(3).GetInt32(1), Day("20231229"));
}

TEST_F(DecoderTest, NumbersAsStringsAndDatesAsIntegers) {
  auto page = DecodeFixture("daily", "daily_strings.json");
  ASSERT_TRUE(page) << page.error().ToString();
  const core::ColumnBatch& b = page->batch;
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.column(1).GetInt32(0), Day("20240102"));  // 20240102 as a JSON integer
  EXPECT_EQ(b.column(1).GetInt32(1), Day("20240103"));  // "2024-01-03"
  EXPECT_EQ(b.column(2).GetFloat64(0), 9.39);
  EXPECT_EQ(b.column(8).GetFloat64(0), -1.9169);
  EXPECT_EQ(b.column(9).GetFloat64(0), 1158366.45);
  EXPECT_FALSE(b.column(10).IsValid(0));  // "" is no value
  EXPECT_EQ(b.column(3).GetFloat64(1), 9.22);
  EXPECT_EQ(b.column(9).GetFloat64(1), 733610.0);
  EXPECT_EQ(b.column(10).GetFloat64(1), 673742.1);
}

TEST_F(DecoderTest, MissingAndExtraFieldsAreReportedAsDrift) {
  auto page = DecodeFixture("daily", "daily_drift.json");
  ASSERT_TRUE(page) << page.error().ToString();
  const core::ColumnBatch& b = page->batch;
  ASSERT_TRUE(b.Validate());
  EXPECT_EQ(b.schema().Names(), datasets_.back()->schema->Names());  // schema order, not the vendor's
  ASSERT_EQ(b.num_rows(), 1u);
  EXPECT_EQ(page->missing_fields, std::vector<std::string>{"amount"});
  EXPECT_EQ(page->extra_fields, std::vector<std::string>{"vwap"});
  EXPECT_EQ(page->vendor_fields.front(), "close");
  EXPECT_EQ(b.column(0).GetString(0), "000001.SZ");
  EXPECT_EQ(b.column(5).GetFloat64(0), 8.70);  // close, sent first
  EXPECT_EQ(b.column(2).GetFloat64(0), 8.75);  // open
  EXPECT_FALSE(b.column(10).IsValid(0));       // amount: not sent
  EXPECT_EQ(b.column(10).null_count(), 1u);
}

TEST_F(DecoderTest, EmptyItemsGiveAnEmptyConformingBatch) {
  auto page = DecodeFixture("daily", "daily_empty.json");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 0u);
  EXPECT_EQ(page->batch.num_columns(), 11u);
  EXPECT_TRUE(page->batch.Validate());
  EXPECT_EQ(page->verdict.kind, PageVerdict::Kind::kComplete);
}

TEST_F(DecoderTest, HasMoreTruncatesAnUnpagedRequestAndPagesAPagedOne) {
  auto page = DecodeFixture("daily", "daily_has_more.json");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 1u);
  EXPECT_EQ(page->verdict.kind, PageVerdict::Kind::kTruncated);
  EXPECT_EQ(page->verdict.reason, "response of 1 rows hit the row cap (6000) or has_more: splitting");

  Params params = {{"ts_code", "000001.SZ"}};
  RequestShaping paged{std::make_shared<OffsetPager>(), {}};
  auto next = Decode(*datasets_.back(), ReadFixture("daily_has_more.json"), &params, &paged);
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->verdict.kind, PageVerdict::Kind::kNextPage);
  EXPECT_EQ(next->verdict.next, (Params{{"ts_code", "000001.SZ"}, {"offset", "1"}}));
}

std::string DailyBody(size_t rows) {
  std::string body =
      R"({"request_id":"x","code":0,"msg":"","data":{"fields":["ts_code","trade_date","open","high","low","close",)"
      R"("pre_close","change","pct_chg","vol","amount"],"items":[)";
  for (size_t i = 0; i < rows; ++i) {
    if (i) body += ',';
    body += R"(["000001.SZ","20180718",8.75,8.85,8.69,8.7,8.72,-0.02,-0.23,525152.77,)" + std::to_string(i) + "]";
  }
  body += R"(],"has_more":false,"count":)" + std::to_string(rows) + "}}";
  return body;
}

TEST_F(DecoderTest, RowCapTruncatesOnlyAtTheCap) {
  Dataset ds = BuiltinDataset("daily");
  ASSERT_EQ(ds.row_cap, 6000);
  auto at_cap = Decode(ds, DailyBody(6000));
  ASSERT_TRUE(at_cap) << at_cap.error().ToString();
  EXPECT_EQ(at_cap->batch.num_rows(), 6000u);
  EXPECT_EQ(at_cap->verdict.kind, PageVerdict::Kind::kTruncated);
  EXPECT_EQ(at_cap->batch.column(10).GetFloat64(5999), 5999.0);
  auto below = Decode(ds, DailyBody(5999));
  ASSERT_TRUE(below);
  EXPECT_EQ(below->verdict.kind, PageVerdict::Kind::kComplete);
}

TEST_F(DecoderTest, UnconvertibleValueIsPermanentAndNamesFieldRowAndValue) {
  auto page = DecodeFixture("daily", "daily_bad_value.json");
  ASSERT_FALSE(page);
  const core::Error& e = page.error();
  EXPECT_EQ(e.kind(), ErrorKind::kPermanent) << e.ToString();
  EXPECT_EQ(e.code(), "bad_value");
  EXPECT_NE(e.message().find("daily"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("'close'"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("items[1]"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("\"停牌停牌"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("float64"), std::string::npos) << e.message();
  // The 360-byte value is cut to about 80 bytes, on a character boundary.
  EXPECT_LT(e.message().size(), 360u) << e.message();
  EXPECT_NE(e.message().find("…"), std::string::npos) << e.message();
  EXPECT_TRUE(core::IsValidUtf8(e.message()));
}

TEST_F(DecoderTest, RowOfTheWrongWidthIsPermanent) {
  auto page = DecodeFixture("daily", "daily_short_row.json");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kPermanent) << page.error().ToString();
  EXPECT_NE(page.error().message().find("items[1] has 10 values but 'fields' names 11"), std::string::npos)
      << page.error().message();
}

TEST_F(DecoderTest, TruncatedBodyIsTransient) {
  auto page = DecodeFixture("daily", "daily_truncated.json");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kTransient) << page.error().ToString();
  EXPECT_EQ(page.error().message().rfind("truncated or malformed response from daily: ", 0), 0u)
      << page.error().message();
}

TEST_F(DecoderTest, EveryPrefixOfAResponseIsTransientNeverData) {
  Dataset ds = BuiltinDataset("daily");
  const std::string full = ReadFixture("daily_compact.json");
  ASSERT_TRUE(Decode(ds, full));
  for (size_t n = 0; n < full.size(); ++n) {
    auto page = Decode(ds, full.substr(0, n));
    ASSERT_FALSE(page) << "prefix of " << n << " bytes decoded";
    ASSERT_EQ(page.error().kind(), ErrorKind::kTransient) << n << ": " << page.error().ToString();
  }
}

TEST_F(DecoderTest, BodyCutInsideACharacterGivesAValidUtf8Message) {
  Dataset ds = BuiltinDataset("stock_basic");
  std::string body = R"({"code":0,"msg":"","data":{"fields":["ts_code","name"],"items":[["000001.SZ","平安银行)";
  body.resize(body.size() - 1);  // the last character loses its final byte
  auto page = Decode(ds, body);
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kTransient);
  EXPECT_TRUE(core::IsValidUtf8(page.error().message())) << page.error().message();
  EXPECT_NE(page.error().message().find("平安银"), std::string::npos) << page.error().message();
}

TEST_F(DecoderTest, HtmlErrorPageIsTransient) {
  auto page = DecodeFixture("daily", "html_error.html");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kTransient);
  EXPECT_EQ(page.error().code(), "not_json");
  EXPECT_NE(page.error().message().find("not JSON"), std::string::npos) << page.error().message();
  EXPECT_NE(page.error().message().find("502 Bad Gateway"), std::string::npos) << page.error().message();
}

TEST_F(DecoderTest, GarbageAndForeignJsonAreTransient) {
  Dataset ds = BuiltinDataset("daily");
  for (std::string body :
       {std::string(""), std::string("   "), std::string("OK"), std::string("\x01\x02\xff", 3), std::string("[]"),
        std::string("{}"), std::string(R"({"code":0})"), std::string(R"({"code":0,"msg":"","data":null})"),
        std::string(R"({"code":"zero","data":{}})"), std::string(R"({"code":0,"data":{"fields":"a,b","items":[]}})")}) {
    auto page = Decode(ds, body);
    ASSERT_FALSE(page) << body;
    EXPECT_EQ(page.error().kind(), ErrorKind::kTransient) << body << ": " << page.error().ToString();
  }
}

TEST_F(DecoderTest, BusinessErrorsAreClassifiedWithTheVendorCode) {
  struct Case {
    const char* file;
    ErrorKind kind;
    const char* code;
  };
  for (const Case& c : {Case{"error_40101.json", ErrorKind::kPermission, "40101"},
                        Case{"error_40203_minute.json", ErrorKind::kRateLimited, "40203"},
                        Case{"error_40203_minute_new.json", ErrorKind::kRateLimited, "40203"},
                        Case{"error_40203_hour.json", ErrorKind::kQuotaExhausted, "40203"},
                        Case{"error_40203_day.json", ErrorKind::kQuotaExhausted, "40203"},
                        Case{"error_40203_permission.json", ErrorKind::kPermission, "40203"},
                        Case{"error_-2001.json", ErrorKind::kInvalidInput, "-2001"},
                        Case{"error_-1000.json", ErrorKind::kTransient, "-1000"}}) {
    auto page = DecodeFixture("daily", c.file);
    ASSERT_FALSE(page) << c.file;
    EXPECT_EQ(page.error().kind(), c.kind) << c.file << ": " << page.error().ToString();
    EXPECT_EQ(page.error().code(), c.code) << c.file;
  }
  // The \uHHHH-escaped message (json.dumps style) is read as the same text as the compact one.
  auto minute = DecodeFixture("daily", "error_40203_minute.json");
  ASSERT_FALSE(minute);
  ASSERT_TRUE(minute.error().learned_limit);
  EXPECT_EQ(minute.error().learned_limit->limit, 200);
  EXPECT_NE(minute.error().message().find("每分钟最多访问该接口200次"), std::string::npos) << minute.error().message();
}

TEST_F(DecoderTest, BodyWithoutSparePaddingIsCopiedAndDecoded) {
  Dataset ds = BuiltinDataset("daily");
  std::string body = ReadFixture("daily_compact.json");
  body.shrink_to_fit();
  auto page = Decode(ds, body);
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 3u);
}

// Conversions the built-in catalog does not exercise: every logical type, from every JSON form the
// decoder accepts, on a made-up dataset.
class ConversionTest : public DecoderTest {
 protected:
  Dataset Make() {
    Dataset ds;
    ds.api = "custom";
    ds.schema = std::make_shared<const core::Schema>(std::vector<core::Field>{
        {"b", core::LogicalType::Bool()},
        {"i32", core::LogicalType::Int32()},
        {"i64", core::LogicalType::Int64()},
        {"f", core::LogicalType::Float64()},
        {"s", core::LogicalType::String()},
        {"d", core::LogicalType::Date()},
        {"ts", core::LogicalType::Timestamp()},
        {"dec", core::LogicalType::Decimal(12, 2)},
    });
    return ds;
  }
  static std::string Body(const std::string& rows) {
    return R"({"code":0,"msg":"","data":{"fields":["b","i32","i64","f","s","d","ts","dec"],"items":[)" + rows +
           R"(],"has_more":false}})";
  }
};

TEST_F(ConversionTest, EveryTypeFromEveryAcceptedForm) {
  Dataset ds = Make();
  auto page = Decode(ds, Body(R"(
      [true, 1, 9007199254740993, 1.5, "text", "20240102", "2024-01-02 09:30:00", "12.345"],
      [false, "7", "-12", 3, 600000, 20240103, "20240102 15:00:00", 12.3],
      [1, 2.0, 5, "2.5e3", 1.25, "2024-01-04", "2024-01-02T00:00:00", 7],
      [0, "-3", "8", "-0.5", true, "", "", ""],
      ["Y", null, null, null, null, null, null, null],
      ["N", -2147483648, 0, 0, "", "19700101", 20240102093000, "-0.005"],
      ["1", 0, 0, 0, "", "19700101", "2024-01-02 09:30:00.25", "0"]
  )"));
  ASSERT_TRUE(page) << page.error().ToString();
  const core::ColumnBatch& b = page->batch;
  ASSERT_TRUE(b.Validate());
  ASSERT_EQ(b.num_rows(), 7u);
  const core::Column &cb = b.column(0), &c32 = b.column(1), &c64 = b.column(2), &cf = b.column(3), &cs = b.column(4),
                     &cd = b.column(5), &cts = b.column(6), &cdec = b.column(7);
  EXPECT_EQ(cb.GetBool(0), true);
  EXPECT_EQ(cb.GetBool(1), false);
  EXPECT_EQ(cb.GetBool(2), true);
  EXPECT_EQ(cb.GetBool(3), false);
  EXPECT_EQ(cb.GetBool(4), true);
  EXPECT_EQ(cb.GetBool(5), false);
  EXPECT_EQ(cb.GetBool(6), true);

  EXPECT_EQ(c32.GetInt32(0), 1);
  EXPECT_EQ(c32.GetInt32(1), 7);
  EXPECT_EQ(c32.GetInt32(2), 2);
  EXPECT_EQ(c32.GetInt32(3), -3);
  EXPECT_FALSE(c32.IsValid(4));
  EXPECT_EQ(c32.GetInt32(5), INT32_MIN);

  EXPECT_EQ(c64.GetInt64(0), 9007199254740993);  // beyond double precision: kept exact
  EXPECT_EQ(c64.GetInt64(1), -12);
  EXPECT_EQ(c64.GetInt64(2), 5);
  EXPECT_EQ(c64.GetInt64(3), 8);

  EXPECT_EQ(cf.GetFloat64(0), 1.5);
  EXPECT_EQ(cf.GetFloat64(1), 3.0);
  EXPECT_EQ(cf.GetFloat64(2), 2500.0);
  EXPECT_EQ(cf.GetFloat64(3), -0.5);

  EXPECT_EQ(cs.GetString(0), "text");
  EXPECT_EQ(cs.GetString(1), "600000");  // an integer where the doc says str
  EXPECT_EQ(cs.GetString(2), "1.25");
  EXPECT_EQ(cs.GetString(3), "true");
  EXPECT_TRUE(cs.IsValid(5));  // "" is a value for strings
  EXPECT_EQ(cs.GetString(5), "");

  EXPECT_EQ(cd.GetInt32(0), Day("20240102"));
  EXPECT_EQ(cd.GetInt32(1), Day("20240103"));
  EXPECT_EQ(cd.GetInt32(2), Day("20240104"));
  EXPECT_FALSE(cd.IsValid(3));
  EXPECT_EQ(cd.GetInt32(5), 0);

  // Wall times are Shanghai time (UTC+8) and stored as UTC.
  EXPECT_EQ(core::FormatTimestamp(cts.GetInt64(0)), "2024-01-02 01:30:00");
  EXPECT_EQ(core::FormatTimestamp(cts.GetInt64(1)), "2024-01-02 07:00:00");
  EXPECT_EQ(core::FormatTimestamp(cts.GetInt64(2)), "2024-01-01 16:00:00");
  EXPECT_FALSE(cts.IsValid(3));
  EXPECT_EQ(core::FormatTimestamp(cts.GetInt64(5)), "2024-01-02 01:30:00");
  EXPECT_EQ(core::FormatTimestamp(cts.GetInt64(6)), "2024-01-02 01:30:00.250000");

  EXPECT_EQ(cdec.GetInt64(0), 1235);  // 12.345 at scale 2, half away from zero
  EXPECT_EQ(cdec.GetInt64(1), 1230);
  EXPECT_EQ(cdec.GetInt64(2), 700);
  EXPECT_FALSE(cdec.IsValid(3));
  EXPECT_EQ(cdec.GetInt64(5), -1);
  EXPECT_EQ(cdec.GetInt64(6), 0);

  for (size_t c = 1; c < 8; ++c) EXPECT_FALSE(b.column(c).IsValid(4)) << c;
}

TEST_F(ConversionTest, ValuesOutsideTheTypeArePermanent) {
  Dataset ds = Make();
  struct Case {
    const char* row;
    const char* field;
  };
  for (const Case& c : {
           Case{R"(["maybe",0,0,0,"","19700101","2024-01-02","0"])", "'b'"},
           Case{R"([2,0,0,0,"","19700101","2024-01-02","0"])", "'b'"},
           Case{R"([true,2147483648,0,0,"","19700101","2024-01-02","0"])", "'i32'"},
           Case{R"([true,1.5,0,0,"","19700101","2024-01-02","0"])", "'i32'"},
           Case{R"([true,0,"1x",0,"","19700101","2024-01-02","0"])", "'i64'"},
           Case{R"([true,0,18446744073709551615,0,"","19700101","2024-01-02","0"])", "'i64'"},
           Case{R"([true,0,0,"abc","","19700101","2024-01-02","0"])", "'f'"},
           Case{R"([true,0,0,[1],"","19700101","2024-01-02","0"])", "'f'"},
           Case{R"([true,0,0,0,{"a":1},"19700101","2024-01-02","0"])", "'s'"},
           Case{R"([true,0,0,0,"","20241302","2024-01-02","0"])", "'d'"},
           Case{R"([true,0,0,0,"",2024,"2024-01-02","0"])", "'d'"},
           Case{R"([true,0,0,0,"","19700101","yesterday","0"])", "'ts'"},
           Case{R"([true,0,0,0,"","19700101","2024-01-02","1.2.3"])", "'dec'"},
       }) {
    auto page = Decode(ds, Body(c.row));
    ASSERT_FALSE(page) << c.row;
    EXPECT_EQ(page.error().kind(), ErrorKind::kPermanent) << c.row << ": " << page.error().ToString();
    EXPECT_NE(page.error().message().find(c.field), std::string::npos) << page.error().message();
    EXPECT_NE(page.error().message().find("items[0]"), std::string::npos) << page.error().message();
    EXPECT_NE(page.error().message().find("custom"), std::string::npos) << page.error().message();
  }
}

// One value the strict JSON parser refuses used to make the whole page "truncated or malformed"
// (kTransient): retried, spending quota, and never stored. Now each value is decided by its column's type.
TEST_F(ConversionTest, AnIntegerBeyond64BitsIsTextInAStringColumnAndPermanentInAnIntegerOne) {
  Dataset ds = Make();
  const std::string huge = "1180591620717411303424";  // 2^70
  {
    std::string body = Body(R"([true,0,)" + huge + R"(,0,"x","19700101","2024-01-02","0"])");
    auto page = Decode(ds, body);
    ASSERT_FALSE(page);
    const core::Error& e = page.error();
    EXPECT_EQ(e.kind(), ErrorKind::kPermanent) << e.ToString();
    EXPECT_EQ(e.code(), "bad_value");
    for (const std::string& part :
         {std::string("custom: items[0] field 'i64'"),
          "an integer beyond 64 bits (" + huge + ") at byte " + std::to_string(body.find(huge)) + " of the response"}) {
      EXPECT_NE(e.message().find(part), std::string::npos) << part << "\n" << e.message();
    }
  }
  for (const char* row :
       {R"([true,0,0,0,"x","19700101","2024-01-02",HUGE])", R"([true,HUGE,0,0,"x","19700101","2024-01-02","0"])"}) {
    std::string r = row;
    r.replace(r.find("HUGE"), 4, huge);
    auto page = Decode(ds, Body(r));
    ASSERT_FALSE(page) << r;
    EXPECT_EQ(page.error().kind(), ErrorKind::kPermanent) << page.error().ToString();
  }
  std::string body = Body(R"([true,0,0,)" + huge + R"(,)" + huge + R"(,"19700101","2024-01-02","0"])");
  auto page = Decode(ds, body);
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.column(4).GetString(0), huge);
  EXPECT_EQ(page->batch.column(3).GetFloat64(0), 1180591620717411303424.0);
  const size_t first = body.find(huge), second = body.find(huge, first + 1);
  EXPECT_EQ(page->warnings,
            (std::vector<std::string>{"tushare custom: items[0] field 'f': an integer beyond 64 bits (" + huge +
                                          ") at byte " + std::to_string(first) + " of the response; stored as float64",
                                      "tushare custom: items[0] field 's': an integer beyond 64 bits (" + huge +
                                          ") at byte " + std::to_string(second) +
                                          " of the response; stored as string (its digits)"}));
}

TEST_F(ConversionTest, InvalidUtf8IsReplacedInAStringColumnAndPermanentInADateOne) {
  Dataset ds = Make();
  std::string body = Body(
      "[true,0,0,0,\"\xE5\xB9\xB3\xE5\xAE\x89\xFF\xE9\x93\xB6\",\"19700101\",\"2024-01-02\",\"0\"],"
      R"([true,0,0,0,"\ud800","19700101","2024-01-02","0"],)"
      "[true,0,0,0,\"a\x1b[31mb\",\"19700101\",\"2024-01-02\",\"0\"]");
  auto page = Decode(ds, body);
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->batch.num_rows(), 3u);
  EXPECT_EQ(page->batch.column(4).GetString(0), "平安\xEF\xBF\xBD银");
  EXPECT_EQ(page->batch.column(4).GetString(1), "\xEF\xBF\xBD");  // a lone surrogate escape
  EXPECT_EQ(page->batch.column(4).GetString(2), "a\x1b[31mb");    // a raw control character: escaped, unchanged
  EXPECT_EQ(page->warnings,
            (std::vector<std::string>{
                "tushare custom: items[0] field 's': invalid UTF-8 at byte " + std::to_string(body.find('\xFF')) +
                    " of the response; stored with U+FFFD in place of the bad bytes",
                "tushare custom: items[1] field 's': invalid UTF-8 at byte " + std::to_string(body.find("\\ud800")) +
                    " of the response; stored with U+FFFD in place of the bad bytes"}));

  std::string bad_date = Body(
      "[true,0,0,0,\"x\",\"2024\xFF"
      "0102\",\"2024-01-02\",\"0\"]");
  auto refused = Decode(ds, bad_date);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kPermanent) << refused.error().ToString();
  EXPECT_NE(refused.error().message().find("items[0] field 'd'"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("(invalid UTF-8 at byte " + std::to_string(bad_date.find('\xFF')) +
                                           " of the response)"),
            std::string::npos)
      << refused.error().message();
  EXPECT_TRUE(core::IsValidUtf8(refused.error().message()));
}

TEST_F(DecoderTest, ABodyCutShortIsStillTransientWhateverItHolds) {
  Dataset ds = BuiltinDataset("stock_basic");
  auto page = Decode(ds,
                     "{\"code\":0,\"msg\":\"\",\"data\":{\"fields\":[\"ts_code\",\"name\"],\"items\":[[\"\xFF\","
                     "1180591620717411303424");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kTransient) << page.error().ToString();
}

TEST_F(DecoderTest, VendorFieldNamesAreEscapedBeforeTheyReachAnyMessage) {
  Dataset ds = BuiltinDataset("stock_basic");
  auto page = Decode(ds, R"({"code":0,"msg":"","data":{"fields":["ts_code","\u001b[31mred\nline\\x"],)"
                         R"("items":[["000001.SZ","v"]],"has_more":false}})");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->extra_fields, std::vector<std::string>{"\\x1b[31mred\\nline\\\\x"});
  EXPECT_EQ(page->vendor_fields[1], "\x1b[31mred\nline\\x");  // kept as sent, for matching
}

}  // namespace
}  // namespace datasync::datasource::tushare
