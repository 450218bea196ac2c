// Nasdaq Data Link requests: the API a dataset names, the GET URL (filters, qopts, the key in a header or
// the query), the POST the official client sends past 6,300 characters, the key never quoted, the cursor
// chain's bookkeeping (next page, restart after QESx06) and how a truncated request is narrowed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "datasource/nasdaq/cursor_chain.hpp"
#include "datasource/nasdaq/request_builder.hpp"
#include "datasource/nasdaq/shaping.hpp"

namespace datasync::datasource::nasdaq {
namespace {

using core::ErrorKind;

NdlApi Api(const std::string& name) {
  auto api = ParseApi(name);
  EXPECT_TRUE(api) << name;
  return api ? *api : NdlApi{};
}

std::string Header(const WireRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(NdlApiTest, TablesAndTimeSeriesAreNamedByTheirPath) {
  EXPECT_EQ(Api("datatables/QSIM/EQ").kind, NdlApi::Kind::kTable);
  EXPECT_EQ(Api("datatables/ZACKS/FC").path, "datatables/ZACKS/FC");
  EXPECT_EQ(Api("datasets/WIKI").kind, NdlApi::Kind::kTimeSeries);
  for (const char* bad : {"daily", "datatables/QSIM", "datatables/QSIM/EQ/x", "datasets/WIKI/AAPL", "datasets/",
                          "datatables/../EQ", "datatables/Q SIM/EQ", "datatables/QSIM/EQ?x=1"}) {
    auto api = ParseApi(bad);
    ASSERT_FALSE(api) << bad;
    EXPECT_EQ(api.error().kind(), ErrorKind::kConfig);
    EXPECT_NE(api.error().message().find("datatables/PUBLISHER/TABLE"), std::string::npos);
  }
}

TEST(NdlRequestTest, TableGetCarriesFiltersColumnsAndPageSizeWithTheKeyInAHeader) {
  Params params = {{"ticker", "AAPL,MSFT"}, {"date.gte", "2024-01-01"}, {"date.lte", "2024-01-31"}};
  auto r = BuildRequest("https://data.nasdaq.com/", Api("datatables/QSIM/EQ"), params, {"ticker", "date", "close"},
                        RequestOptions{"k3y-abcdef", KeyIn::kHeader, 5000});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->url,
            "https://data.nasdaq.com/api/v3/datatables/QSIM/EQ.json?ticker=AAPL,MSFT&date.gte=2024-01-01&"
            "date.lte=2024-01-31&qopts.columns=ticker,date,close&qopts.per_page=5000");
  EXPECT_EQ(Header(*r, "X-Api-Token"), "k3y-abcdef");
  EXPECT_EQ(Header(*r, "Accept"), "application/json");
  EXPECT_TRUE(r->body.empty());
}

TEST(NdlRequestTest, InternalParamsAreNeverSentAndGivenQoptsWin) {
  Params params = {{"ticker", "A"},    {"qopts.cursor_id", "c2"}, {"_ndl.rows", "10000"},
                   {"_ndl.skip", "5"}, {"_ndl.restarts", "1"},    {"qopts.per_page", "100"}};
  auto r = BuildRequest("http://127.0.0.1:9", Api("datatables/QSIM/EQ"), params, {"ticker"}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url,
            "http://127.0.0.1:9/api/v3/datatables/QSIM/EQ.json?ticker=A&qopts.cursor_id=c2&"
            "qopts.per_page=100&qopts.columns=ticker");
  EXPECT_EQ(Header(*r, "X-Api-Token"), "") << "anonymous: no key header";
}

TEST(NdlRequestTest, KeyInQueryAndValuesArePercentEncoded) {
  auto r = BuildRequest("https://h", Api("datatables/P/T"), {{"name", "a b&c=d"}}, {}, {"k/y+1", KeyIn::kQuery, 10});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url, "https://h/api/v3/datatables/P/T.json?name=a%20b%26c%3Dd&qopts.per_page=10&api_key=k%2Fy%2B1");
  EXPECT_EQ(Header(*r, "X-Api-Token"), "");
}

TEST(NdlRequestTest, TimeSeriesPutsTheCodeInThePathAndAsksAscendingOrder) {
  auto r = BuildRequest("https://data.nasdaq.com", Api("datasets/WIKI"),
                        {{"code", "AAPL"}, {"start_date", "2024-01-01"}, {"end_date", "2024-03-31"}}, {"date", "open"},
                        {"k3y-abcdef", KeyIn::kHeader, 10000});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->url,
            "https://data.nasdaq.com/api/v3/datasets/WIKI/AAPL/data.json?start_date=2024-01-01&end_date=2024-03-31&"
            "order=asc");
  auto desc = BuildRequest("https://h", Api("datasets/WIKI"), {{"code", "AAPL"}, {"order", "desc"}}, {}, {});
  ASSERT_TRUE(desc);
  EXPECT_EQ(desc->url, "https://h/api/v3/datasets/WIKI/AAPL/data.json?order=desc");
  for (const Params& bad : {Params{}, Params{{"code", "../x"}}, Params{{"code", ""}}}) {
    auto missing = BuildRequest("https://h", Api("datasets/WIKI"), bad, {}, {});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind(), ErrorKind::kInvalidInput);
    EXPECT_NE(missing.error().message().find("params.code"), std::string::npos) << missing.error().message();
  }
}

TEST(NdlRequestTest, ALongUrlBecomesAPostWithTheSameParamsAsJson) {
  std::string tickers;
  for (int i = 0; i < 1500; ++i) tickers += (i ? "," : "") + std::string("T") + std::to_string(i);
  Params params = {{"ticker", tickers}, {"date.gte", "2024-01-01"}, {"qopts.cursor_id", "abc"}, {"_ndl.rows", "7"}};
  auto r = BuildRequest("https://data.nasdaq.com", Api("datatables/QSIM/EQ"), params, {"ticker", "date"},
                        {"k3y-abcdef", KeyIn::kHeader, 10000});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url, "https://data.nasdaq.com/api/v3/datatables/QSIM/EQ.json");
  EXPECT_EQ(Header(*r, "Content-Type"), "application/json");
  EXPECT_EQ(Header(*r, "X-Api-Token"), "k3y-abcdef");
  auto body = nlohmann::json::parse(r->body);
  ASSERT_TRUE(body["ticker"].is_array());
  EXPECT_EQ(body["ticker"].size(), 1500u);
  EXPECT_EQ(body["ticker"][0], "T0");
  EXPECT_EQ(body["ticker"][1499], "T1499");
  EXPECT_EQ(body["date.gte"], "2024-01-01");
  EXPECT_EQ(body["qopts.cursor_id"], "abc");
  EXPECT_EQ(body["qopts.columns"], nlohmann::json::array({"ticker", "date"}));
  EXPECT_EQ(body["qopts.per_page"], 10000);
  EXPECT_FALSE(body.contains("_ndl.rows"));
  // With the key in the query, the POST's URL keeps it (and only it).
  auto q = BuildRequest("https://h", Api("datatables/QSIM/EQ"), params, {}, {"k3y-abcdef", KeyIn::kQuery, 10000});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->method, "POST");
  EXPECT_EQ(q->url, "https://h/api/v3/datatables/QSIM/EQ.json?api_key=k3y-abcdef");
}

TEST(NdlRequestTest, TheSwitchHappensAtTheOfficialClientsLength) {
  auto url_for = [](size_t value_size) {
    auto r = BuildRequest("https://h", Api("datatables/P/T"), {{"v", std::string(value_size, 'a')}}, {}, {});
    EXPECT_TRUE(r);
    return *r;
  };
  // The URL is the fixed part plus the value: one character short of the limit is still a GET.
  const size_t fixed = std::string("https://h/api/v3/datatables/P/T.json?v=&qopts.per_page=10000").size();
  EXPECT_EQ(url_for(kMaxGetUrlLength - fixed - 1).method, "GET");
  EXPECT_EQ(url_for(kMaxGetUrlLength - fixed - 1).url.size(), kMaxGetUrlLength - 1);
  EXPECT_EQ(url_for(kMaxGetUrlLength - fixed).method, "POST");
}

TEST(NdlRequestTest, RedactApiKeyHidesEveryKeyInText) {
  EXPECT_EQ(RedactApiKey("GET https://h/x.json?a=1&api_key=SECRET123&b=2 failed"),
            "GET https://h/x.json?a=1&api_key=***&b=2 failed");
  EXPECT_EQ(RedactApiKey("api_key=abc api_key=def"), "api_key=*** api_key=***");
  EXPECT_EQ(RedactApiKey("no key here"), "no key here");
  EXPECT_EQ(MetadataUrl("https://data.nasdaq.com/", "datatables/QSIM/EQ"),
            "https://data.nasdaq.com/api/v3/datatables/QSIM/EQ/metadata.json");
}

// The chain's bookkeeping: rows kept, rows to drop, restarts.
TEST(NdlCursorChainTest, NextPagesCountTheRowsKept) {
  Params first = {{"ticker", "A"}};
  auto second = NextPageParams(first, "c1", 10000);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, (Params{{"ticker", "A"}, {"qopts.cursor_id", "c1"}, {"_ndl.rows", "10000"}}));
  auto third = NextPageParams(*second, "c2", 10000);
  ASSERT_TRUE(third);
  EXPECT_EQ(*third, (Params{{"ticker", "A"}, {"qopts.cursor_id", "c2"}, {"_ndl.rows", "20000"}}));
  EXPECT_FALSE(NextPageParams(*third, "", 10)) << "no cursor: the chain is complete";
  EXPECT_FALSE(NextPageParams(*third, "c2", 10)) << "the cursor just sent: it would loop";
}

TEST(NdlCursorChainTest, ARestartDropsWhatTheChainKeptAndNeverDuplicates) {
  Params third = {{"ticker", "A"}, {"qopts.cursor_id", "c2"}, {"_ndl.rows", "20000"}};
  auto restart = RestartParams(third);
  ASSERT_TRUE(restart);
  EXPECT_EQ(*restart,
            (Params{{"ticker", "A"}, {"_ndl.rows", "20000"}, {"_ndl.skip", "20000"}, {"_ndl.restarts", "1"}}));
  EXPECT_EQ(RowsToDrop(*restart, 10000), 10000);
  // First page of the restarted chain: all 10,000 rows dropped, nothing kept.
  auto r2 = NextPageParams(*restart, "d1", 10000);
  ASSERT_TRUE(r2);
  EXPECT_EQ(ReadChain(*r2).rows, 20000);
  EXPECT_EQ(ReadChain(*r2).skip, 10000);
  // Second: the rest of the skip.
  EXPECT_EQ(RowsToDrop(*r2, 10000), 10000);
  auto r3 = NextPageParams(*r2, "d2", 10000);
  ASSERT_TRUE(r3);
  EXPECT_EQ(ReadChain(*r3).skip, 0);
  EXPECT_EQ(ReadChain(*r3).rows, 20000);
  EXPECT_EQ(RowsToDrop(*r3, 4000), 0);
  auto r4 = NextPageParams(*r3, "d3", 4000);
  ASSERT_TRUE(r4);
  EXPECT_EQ(ReadChain(*r4).rows, 24000);
  EXPECT_EQ(ReadChain(*r4).restarts, 1);
  // A skip that ends inside a page keeps that page's tail.
  Params mid = {{"ticker", "A"}, {"_ndl.rows", "150"}, {"_ndl.skip", "150"}, {"_ndl.restarts", "1"}};
  EXPECT_EQ(RowsToDrop(mid, 100), 100);
  auto m2 = NextPageParams(mid, "e1", 100);
  ASSERT_TRUE(m2);
  EXPECT_EQ(RowsToDrop(*m2, 100), 50);
  auto m3 = NextPageParams(*m2, "e2", 100);
  ASSERT_TRUE(m3);
  EXPECT_EQ(ReadChain(*m3).rows, 200) << "150 kept before, 50 of the second page after the skip";
  // A second restart mid-skip drops every row kept, again from row 0.
  auto again = RestartParams(*m2);
  ASSERT_TRUE(again);
  EXPECT_EQ(ReadChain(*again).skip, 150);
  EXPECT_EQ(ReadChain(*again).rows, 150);
  EXPECT_EQ(ReadChain(*again).restarts, 2);
}

TEST(NdlCursorChainTest, NothingToRestartWithoutACursorAndRestartsAreBounded) {
  EXPECT_FALSE(RestartParams({{"ticker", "A"}}));
  Params p = {
      {"ticker", "A"}, {"qopts.cursor_id", "c"}, {"_ndl.rows", "5"}, {"_ndl.restarts", std::to_string(kMaxRestarts)}};
  EXPECT_FALSE(RestartParams(p));
}

TEST(NdlSplitTest, TablesHalveTheirDateWindowThenTheirKeyList) {
  auto api = Api("datatables/QSIM/EQ");
  auto halves = SplitRequest(api, {{"ticker", "A,B,C"}, {"date.gte", "2024-01-01"}, {"date.lte", "2024-01-10"}});
  ASSERT_TRUE(halves);
  ASSERT_EQ(halves->size(), 2u);
  EXPECT_EQ((*halves)[0], (Params{{"ticker", "A,B,C"}, {"date.gte", "2024-01-01"}, {"date.lte", "2024-01-05"}}));
  EXPECT_EQ((*halves)[1], (Params{{"ticker", "A,B,C"}, {"date.gte", "2024-01-06"}, {"date.lte", "2024-01-10"}}));
  auto keys = SplitRequest(
      api, {{"qopts.columns", "a,b"}, {"ticker", "A,B,C"}, {"date.gte", "2024-01-01"}, {"date.lte", "2024-01-01"}});
  ASSERT_TRUE(keys);
  EXPECT_EQ((*keys)[0][1].second, "A");
  EXPECT_EQ((*keys)[1][1].second, "B,C");
  EXPECT_EQ((*keys)[0][0].second, "a,b") << "qopts.columns is never split";
  EXPECT_FALSE(SplitRequest(api, {{"ticker", "A"}, {"qopts.columns", "a,b"}}));
}

TEST(NdlSplitTest, APageInsideACursorChainIsNeverSplit) {
  auto api = Api("datatables/QSIM/EQ");
  EXPECT_FALSE(SplitRequest(api, {{"ticker", "A,B"}, {"qopts.cursor_id", "c"}, {"_ndl.rows", "10"}}));
  EXPECT_FALSE(SplitRequest(api, {{"ticker", "A,B"}, {"_ndl.rows", "10"}, {"_ndl.skip", "10"}}));
}

TEST(NdlSplitTest, TimeSeriesHalveTheirWindow) {
  auto halves =
      SplitRequest(Api("datasets/WIKI"), {{"code", "AAPL"}, {"start_date", "2024-01-01"}, {"end_date", "2024-12-31"}});
  ASSERT_TRUE(halves);
  EXPECT_EQ((*halves)[0][2].second, "2024-07-01");
  EXPECT_EQ((*halves)[1][1].second, "2024-07-02");
  EXPECT_FALSE(SplitRequest(Api("datasets/WIKI"), {{"code", "AAPL"}}));
}

}  // namespace
}  // namespace datasync::datasource::nasdaq
