// The rest provider's answers: records and rows+columns conformed exactly by the dataset's types, every
// paging kind's verdict, and hostile answers (garbage JSON, huge numbers, wrong types, a missing records
// path, a Link to another host).
#include <gtest/gtest.h>

#include "core/dates.hpp"
#include "datasource/rest/response_decoder.hpp"
#include "rest_test_util.hpp"

namespace datasync::datasource::rest {
namespace {

using core::ErrorKind;
using core::LogicalType;
using testing::DatasetSettingsOf;
using testing::MakeDataset;
using testing::MakeSource;
using testing::SourceSettingsOf;
using Kind = PageVerdict::Kind;
using Headers = std::vector<std::pair<std::string, std::string>>;

class RestDecoderTest : public ::testing::Test {
 protected:
  core::Result<Page> Decode(const Dataset& ds, std::string body, Params params = {}, long status = 200,
                            Headers headers = {}) {
    source_settings_ = SourceSettingsOf(source_);
    settings_ = DatasetSettingsOf(ds);
    RawResponse r;
    r.http_status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    params_ = std::move(params);
    DecodeInput in;
    in.dataset = &ds;
    in.source = &source_settings_;
    in.settings = settings_.get();
    in.params = &params_;
    in.classify.prefix = "rest api/items: ";
    return DecodeAnswer(r, in);
  }

  DataSource source_ = MakeSource("https://api.x.com");
  SourceSettings source_settings_;
  std::shared_ptr<const DatasetSettings> settings_;
  Params params_;
};

Dataset Prices(std::initializer_list<testing::Opt> options) {
  return MakeDataset({{"ticker", LogicalType::String()},
                      {"date", LogicalType::Date()},
                      {"close", LogicalType::Decimal(18, 4)},
                      {"volume", LogicalType::Int64()},
                      {"halted", LogicalType::Bool()},
                      {"at", LogicalType::Timestamp()}},
                     options);
}

TEST_F(RestDecoderTest, RecordsAreConformedExactlyByTheSchemasTypes) {
  Dataset ds = Prices({{"path", std::string("/p")}, {"records", std::string("data.items")}});
  auto page = Decode(ds, R"({"data":{"items":[
      {"ticker":"AAPL","date":"2024-01-02","close":"185.6400","volume":82488700,"halted":false,"at":"2024-01-02 21:00:00","note":"x"},
      {"ticker":"MSFT","date":"2024-01-03","close":370.87,"volume":null,"halted":"Y"}
    ]}})");
  ASSERT_TRUE(page) << page.error().ToString();
  const auto& b = page->batch;
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.column(0).GetString(1), "MSFT");
  EXPECT_EQ(b.column(1).GetInt32(0), *core::ParseDate("2024-01-02"));
  EXPECT_EQ(b.column(2).GetInt64(0), 1856400);  // 185.6400 at scale 4, exactly
  EXPECT_EQ(b.column(2).GetInt64(1), 3708700);
  EXPECT_EQ(b.column(3).GetInt64(0), 82488700);
  EXPECT_FALSE(b.column(3).IsValid(1));
  EXPECT_FALSE(b.column(4).GetBool(0));
  EXPECT_TRUE(b.column(4).GetBool(1));
  EXPECT_EQ(b.column(5).GetInt64(0), *core::ParseTimestamp("2024-01-02 21:00:00"));  // UTC source
  EXPECT_FALSE(b.column(5).IsValid(1));  // a key the second record leaves out is NULL
  EXPECT_EQ(page->extra_fields, std::vector<std::string>{"note"});
  EXPECT_EQ(page->verdict.kind, Kind::kComplete);
}

TEST_F(RestDecoderTest, RowsWithAColumnListOfObjectsReadAsNasdaqDataLinkSendsThem) {
  Dataset ds = Prices({{"path", std::string("/p")},
                       {"rows", std::string("datatable.data")},
                       {"columns", std::string("datatable.columns")}});
  auto page = Decode(ds, R"j({"datatable":{"data":[["AAPL","2024-01-02",185.64,82488700],["MSFT","2024-01-03",null,1]],
      "columns":[{"name":"ticker","type":"String"},{"name":"date","type":"Date"},{"name":"close","type":"BigDecimal(34,12)"},
                 {"name":"volume","type":"Integer"}]},"meta":{"next_cursor_id":null}})j");
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->batch.num_rows(), 2u);
  EXPECT_EQ(page->batch.column(2).GetInt64(0), 1856400);
  EXPECT_FALSE(page->batch.column(2).IsValid(1));
  EXPECT_EQ(page->batch.column(3).GetInt64(1), 1);
  EXPECT_EQ(page->missing_fields, (std::vector<std::string>{"halted", "at"}));
  // Plain name lists and another column_name key.
  Dataset names =
      Prices({{"path", std::string("/p")}, {"rows", std::string("d.rows")}, {"columns", std::string("d.cols")}});
  page = Decode(names, R"({"d":{"cols":["ticker","volume"],"rows":[["A",1]]}})");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.column(3).GetInt64(0), 1);
  Dataset keyed = Prices({{"path", std::string("/p")},
                          {"rows", std::string("rows")},
                          {"columns", std::string("cols")},
                          {"column_name", std::string("id")}});
  page = Decode(keyed, R"({"cols":[{"id":"ticker"}],"rows":[["B"]]})");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.column(0).GetString(0), "B");
}

TEST_F(RestDecoderTest, ATopLevelArrayAndANullRecordsValueAreRecordsToo) {
  Dataset ds = Prices({{"path", std::string("/p")}, {"records", std::string("$")}});
  auto page = Decode(ds, R"([{"ticker":"A"},{"ticker":"B"}])");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 2u);
  Dataset nested = Prices({{"path", std::string("/p")}, {"records", std::string("data")}});
  page = Decode(nested, R"({"data":null})");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 0u);
}

TEST_F(RestDecoderTest, CursorPagingFollowsTheTokenUntilItIsNullOrEmpty) {
  Dataset ds = Prices({{"path", std::string("/p")},
                       {"rows", std::string("datatable.data")},
                       {"columns", std::string("datatable.columns")},
                       {"paginate", std::string("cursor")},
                       {"cursor_path", std::string("meta.next_cursor_id")},
                       {"cursor_param", std::string("qopts.cursor_id")}});
  const std::string body =
      R"({"datatable":{"data":[["A"]],"columns":[{"name":"ticker"}]},"meta":{"next_cursor_id":%s}})";
  auto with = [&](const char* cursor) {
    std::string b = body;
    b.replace(b.find("%s"), 2, cursor);
    return b;
  };
  auto page = Decode(ds, with(R"("c2")"), {{"ticker", "A"}});
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->verdict.kind, Kind::kNextPage);
  EXPECT_EQ(page->verdict.next,
            (Params{{"ticker", "A"}, {"qopts.cursor_id", "c2"}, {"_rest.rows", "1"}, {"_rest.page", "1"}}));
  page = Decode(ds, with("null"), {{"ticker", "A"}, {"qopts.cursor_id", "c2"}});
  EXPECT_EQ(page->verdict.kind, Kind::kComplete);
  page = Decode(ds, with(R"("")"), {{"ticker", "A"}});
  EXPECT_EQ(page->verdict.kind, Kind::kComplete);
  page = Decode(ds, with("17"), {});
  ASSERT_EQ(page->verdict.kind, Kind::kNextPage);
  EXPECT_EQ(page->verdict.next, (Params{{"qopts.cursor_id", "17"}, {"_rest.rows", "1"}, {"_rest.page", "1"}}));
}

TEST_F(RestDecoderTest, OffsetAndPageNumberPagingStopAtAShortPage) {
  Dataset offset = Prices({{"path", std::string("/p")},
                           {"records", std::string("items")},
                           {"paginate", std::string("offset")},
                           {"page_size", int64_t{2}}});
  auto page = Decode(offset, R"({"items":[{"ticker":"A"},{"ticker":"B"}]})", {{"offset", "4"}});
  ASSERT_EQ(page->verdict.kind, Kind::kNextPage);
  EXPECT_EQ(page->verdict.next, (Params{{"offset", "6"}, {"_rest.rows", "2"}, {"_rest.page", "1"}}));
  page = Decode(offset, R"({"items":[{"ticker":"A"}]})", {{"offset", "6"}});
  EXPECT_EQ(page->verdict.kind, Kind::kComplete);
  page = Decode(offset, R"({"items":[]})", {});
  EXPECT_EQ(page->verdict.kind, Kind::kComplete);

  Dataset pages = Prices({{"path", std::string("/p")},
                          {"records", std::string("items")},
                          {"paginate", std::string("page_number")},
                          {"page_param", std::string("p")}});
  page = Decode(pages, R"({"items":[{"ticker":"A"}]})", {});
  ASSERT_EQ(page->verdict.kind, Kind::kNextPage);
  EXPECT_EQ(page->verdict.next, (Params{{"p", "2"}, {"_rest.rows", "1"}, {"_rest.page", "1"}}));
  page = Decode(pages, R"({"items":[]})", {{"p", "2"}});
  EXPECT_EQ(page->verdict.kind, Kind::kComplete);
}

TEST_F(RestDecoderTest, LinkPagingFollowsTheSameOriginAndRefusesAnotherHost) {
  Dataset ds = Prices({{"path", std::string("/p")}, {"records", std::string("$")}, {"paginate", std::string("link")}});
  auto page = Decode(ds, R"([{"ticker":"A"}])", {{"q", "1"}}, 200,
                     {{"link", R"(<https://api.x.com/p?q=1&page=2>; rel="next")"}});
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->verdict.kind, Kind::kNextPage);
  EXPECT_EQ(page->verdict.next, (Params{{"q", "1"},
                                        {std::string(kNextUrlParam), "https://api.x.com/p?q=1&page=2"},
                                        {"_rest.rows", "1"},
                                        {"_rest.page", "1"}}));
  page = Decode(ds, R"([{"ticker":"A"}])", {}, 200, {{"link", R"(</p?page=3>; rel="next")"}});
  EXPECT_EQ(
      page->verdict.next,
      (Params{{std::string(kNextUrlParam), "https://api.x.com/p?page=3"}, {"_rest.rows", "1"}, {"_rest.page", "1"}}));
  page = Decode(ds, R"([{"ticker":"A"}])", {}, 200, {{"link", R"(<https://api.x.com/p?page=1>; rel="prev")"}});
  EXPECT_EQ(page->verdict.kind, Kind::kComplete);

  // A link that echoes the API key is kept without it: the next page's params are stored.
  source_ = MakeSource("https://api.x.com", {{"auth", std::string("api_key")}, {"api_key", std::string("${K}")}});
  page = Decode(ds, R"([{"ticker":"A"}])", {}, 200,
                {{"link", R"(<https://api.x.com/p?page=2&api_key=sk-1>; rel="next")"}});
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(
      page->verdict.next,
      (Params{{std::string(kNextUrlParam), "https://api.x.com/p?page=2"}, {"_rest.rows", "1"}, {"_rest.page", "1"}}));

  auto foreign =
      Decode(ds, R"([{"ticker":"A"}])", {}, 200, {{"link", R"(<https://collector.evil/p?page=2>; rel="next")"}});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().kind(), ErrorKind::kPermanent);
  EXPECT_EQ(foreign.error().code(), "foreign_link");
  EXPECT_NE(foreign.error().message().find("collector.evil"), std::string::npos) << foreign.error().message();
}

TEST_F(RestDecoderTest, ARowCapWithoutAPagerTruncatesSoTheRequestIsSplit) {
  Dataset ds = Prices({{"path", std::string("/p")},
                       {"records", std::string("$")},
                       {"split_dates", std::vector<std::string>{"start", "end"}}});
  ds.row_cap = 2;
  auto page = Decode(ds, R"([{"ticker":"A"},{"ticker":"B"}])", {{"start", "2024-01-01"}, {"end", "2024-01-10"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->verdict.kind, Kind::kTruncated);
  auto parts = settings_->shaping.Split({{"start", "2024-01-01"}, {"end", "2024-01-10"}});
  ASSERT_TRUE(parts);
  EXPECT_EQ((*parts)[0], (Params{{"start", "2024-01-01"}, {"end", "2024-01-05"}}));
  EXPECT_EQ((*parts)[1], (Params{{"start", "2024-01-06"}, {"end", "2024-01-10"}}));
}

TEST_F(RestDecoderTest, HostileAnswersFailWithTheRightClassAndSayWhere) {
  Dataset ds = Prices({{"path", std::string("/p")}, {"records", std::string("data.items")}});
  // Garbage and cut bodies are worth a retry.
  for (std::string body : {"<html>502 Bad Gateway</html>", R"({"data":{"items":[{"ticker":"A"})", "", "nul"}) {
    auto page = Decode(ds, body);
    ASSERT_FALSE(page) << body;
    EXPECT_EQ(page.error().kind(), ErrorKind::kTransient) << body << ": " << page.error().ToString();
  }
  // The records path is not there: name it and what is there instead.
  auto missing = Decode(ds, R"({"result":{"rows":[]},"status":"ok"})");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kPermanent);
  EXPECT_EQ(missing.error().code(), "bad_shape");
  EXPECT_NE(missing.error().message().find("'data.items'"), std::string::npos) << missing.error().message();
  EXPECT_NE(missing.error().message().find("result, status"), std::string::npos) << missing.error().message();
  // Not an array, and records that are not objects.
  auto scalar = Decode(ds, R"({"data":{"items":"none"}})");
  ASSERT_FALSE(scalar);
  EXPECT_EQ(scalar.error().code(), "bad_shape");
  auto not_objects = Decode(ds, R"({"data":{"items":[1,2]}})");
  ASSERT_FALSE(not_objects);
  EXPECT_EQ(not_objects.error().kind(), ErrorKind::kPermanent);
  // A wrong type for the field's type names row, field and value.
  auto wrong = Decode(ds, R"({"data":{"items":[{"ticker":"A","volume":"lots"}]}})");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code(), "bad_value");
  EXPECT_NE(wrong.error().message().find("volume"), std::string::npos) << wrong.error().message();
  EXPECT_NE(wrong.error().message().find("lots"), std::string::npos) << wrong.error().message();
  // A number beyond 64 bits: a string field keeps its digits (with a warning), an integer field refuses it.
  auto huge_text = Decode(ds, R"({"data":{"items":[{"ticker":123456789012345678901234567890}]}})");
  ASSERT_TRUE(huge_text) << huge_text.error().ToString();
  EXPECT_EQ(huge_text->batch.column(0).GetString(0), "123456789012345678901234567890");
  // The dataset has a decimal column, so long numbers are quoted before parsing (json_long_numbers.hpp): the
  // digits arrive as text, with nothing repaired to warn about.
  EXPECT_TRUE(huge_text->warnings.empty());
  auto huge_int = Decode(ds, R"({"data":{"items":[{"volume":123456789012345678901234567890}]}})");
  ASSERT_FALSE(huge_int);
  EXPECT_EQ(huge_int.error().kind(), ErrorKind::kPermanent);
  // Rows of the wrong width.
  Dataset rows = Prices({{"path", std::string("/p")}, {"rows", std::string("r")}, {"columns", std::string("c")}});
  auto width = Decode(rows, R"({"c":["ticker","volume"],"r":[["A"]]})");
  ASSERT_FALSE(width);
  EXPECT_EQ(width.error().code(), "bad_row");
  auto no_columns = Decode(rows, R"({"c":[{"type":"String"}],"r":[["A"]]})");
  ASSERT_FALSE(no_columns);
  EXPECT_NE(no_columns.error().message().find("column_name"), std::string::npos) << no_columns.error().message();
}

}  // namespace
}  // namespace datasync::datasource::rest
