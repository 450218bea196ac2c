#include "datasource/tushare/tushare_provider.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/dates.hpp"
#include "core/log.hpp"
#include "datasource/tushare/request_builder.hpp"
#include "net/http_client.hpp"
#include "tushare_test_util.hpp"

namespace datasync::datasource {
namespace {

using core::ErrorKind;
using core::LogicalType;
using namespace std::chrono_literals;
using tushare::testing::BuiltinDataset;
using tushare::testing::ReadFixture;

constexpr const char* kTokenVar = "DATASYNC_TEST_TUSHARE_TOKEN";
constexpr const char* kToken = "tok-9f8e7d6c5b4a39281706";

const ProviderInfo& Info() {
  static ProviderRegistry registry = [] {
    ProviderRegistry r;
    tushare::RegisterTushare(r);
    return r;
  }();
  const ProviderInfo* info = registry.Find("tushare");
  EXPECT_NE(info, nullptr);
  return *info;
}

TEST(TushareInfoTest, RegistersIdDefaultsAndOptionTable) {
  ProviderRegistry registry;
  tushare::RegisterTushare(registry);
  EXPECT_EQ(registry.Ids(), std::vector<std::string>{"tushare"});
  const ProviderInfo& info = Info();
  EXPECT_EQ(info.default_endpoint, "https://api.tushare.pro");
  EXPECT_EQ(info.default_timezone, "Asia/Shanghai");
  ASSERT_TRUE(info.create);
  ASSERT_TRUE(info.builtin_datasets);
  const core::OptionSpec* timeout = core::FindOption(info.options, "timeout_secs");
  ASSERT_NE(timeout, nullptr);
  EXPECT_EQ(timeout->type, core::OptionType::kInt);
  EXPECT_EQ(timeout->default_value, "60");
  EXPECT_EQ(timeout->unit, "seconds");
  const core::OptionSpec* connect = core::FindOption(info.options, "connect_timeout_secs");
  ASSERT_NE(connect, nullptr);
  EXPECT_EQ(connect->default_value, "10");
  const core::OptionSpec* style = core::FindOption(info.options, "url_style");
  ASSERT_NE(style, nullptr);
  EXPECT_EQ(style->type, core::OptionType::kEnum);
  EXPECT_EQ(style->default_value, "root");
  EXPECT_EQ(style->allowed, (std::vector<std::string_view>{"root", "dataapi"}));
  for (const auto& spec : info.options) EXPECT_FALSE(spec.description.empty()) << spec.name;
  // The token is the provider's credential: a required secret option without a default.
  const core::OptionSpec* token = core::FindOption(info.options, "token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->type, core::OptionType::kSecret);
  EXPECT_TRUE(token->required);
  EXPECT_TRUE(token->default_value.empty());
  // The defaults parse against their own specs, so ApplyDefaults can never fail on them (given the required).
  core::Options o;
  o.Set("token", std::string("${TUSHARE_TOKEN}"));
  ASSERT_TRUE(o.ApplyDefaults(info.options, "sources.tushare.options"));
  EXPECT_EQ(o.GetInt("timeout_secs"), 60);
  EXPECT_EQ(o.GetString("url_style"), "root");
}

struct ExpectedField {
  std::string name;
  LogicalType type;
};

void ExpectFields(const Dataset& ds, const std::vector<ExpectedField>& expected) {
  ASSERT_NE(ds.schema, nullptr) << ds.api;
  ASSERT_EQ(ds.schema->size(), expected.size()) << ds.api;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(ds.schema->field(i).name, expected[i].name) << ds.api << " #" << i;
    EXPECT_EQ(ds.schema->field(i).type, expected[i].type) << ds.api << "." << expected[i].name;
    EXPECT_FALSE(ds.schema->field(i).description.empty()) << ds.api << "." << expected[i].name;
  }
}

std::vector<std::string> ParamNames(const Dataset& ds) {
  std::vector<std::string> names;
  for (const auto& p : ds.params) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty()) << ds.api << "." << p.name;
  }
  return names;
}

TEST(TushareCatalogTest, BuiltinDatasetsMatchTheWireContract) {
  const auto S = LogicalType::String(), D = LogicalType::Date(), F = LogicalType::Float64(), I = LogicalType::Int32();
  auto all = Info().builtin_datasets("my_tushare");
  ASSERT_EQ(all.size(), 5u);
  std::vector<std::string> apis;
  for (const auto& d : all) {
    apis.push_back(d.api);
    EXPECT_EQ(d.source, "my_tushare");
    EXPECT_EQ(d.name, d.api);
    EXPECT_FALSE(d.title.empty());
    EXPECT_FALSE(d.description.empty());
  }
  EXPECT_EQ(apis, (std::vector<std::string>{"trade_cal", "stock_basic", "daily", "adj_factor", "daily_basic"}));

  Dataset cal = all[0];
  ExpectFields(cal, {{"exchange", S}, {"cal_date", D}, {"is_open", I}, {"pretrade_date", D}});
  EXPECT_EQ(cal.primary_key, (std::vector<std::string>{"exchange", "cal_date"}));
  EXPECT_EQ(cal.date_key, "cal_date");
  EXPECT_EQ(cal.row_cap, 0);
  EXPECT_EQ(cal.doc_url, "https://tushare.pro/document/2?doc_id=26");
  EXPECT_EQ(ParamNames(cal), (std::vector<std::string>{"exchange", "start_date", "end_date", "is_open"}));

  Dataset basic = all[1];
  ExpectFields(basic, {{"ts_code", S},
                       {"symbol", S},
                       {"name", S},
                       {"area", S},
                       {"industry", S},
                       {"fullname", S},
                       {"enname", S},
                       {"cnspell", S},
                       {"market", S},
                       {"exchange", S},
                       {"curr_type", S},
                       {"list_status", S},
                       {"list_date", D},
                       {"delist_date", D},
                       {"is_hs", S},
                       {"act_name", S},
                       {"act_ent_type", S}});
  EXPECT_EQ(basic.primary_key, std::vector<std::string>{"ts_code"});
  EXPECT_EQ(basic.doc_url, "https://tushare.pro/document/2?doc_id=25");
  EXPECT_EQ(ParamNames(basic), (std::vector<std::string>{"ts_code", "name", "market", "list_status", "exchange",
                                                         "is_hs", "offset", "limit"}));
  EXPECT_EQ(basic.paging, "offset");  // the only built-in API that pages by offset

  const std::vector<std::string> bar_params{"ts_code", "trade_date", "start_date", "end_date"};
  const std::vector<std::string> bar_key{"ts_code", "trade_date"};
  Dataset daily = all[2];
  ExpectFields(daily, {{"ts_code", S},
                       {"trade_date", D},
                       {"open", F},
                       {"high", F},
                       {"low", F},
                       {"close", F},
                       {"pre_close", F},
                       {"change", F},
                       {"pct_chg", F},
                       {"vol", F},
                       {"amount", F}});
  EXPECT_EQ(daily.primary_key, bar_key);
  EXPECT_EQ(daily.date_key, "trade_date");
  EXPECT_EQ(daily.row_cap, 6000);
  EXPECT_EQ(daily.doc_url, "https://tushare.pro/document/2?doc_id=27");
  EXPECT_EQ(ParamNames(daily), bar_params);

  Dataset adj = all[3];
  ExpectFields(adj, {{"ts_code", S}, {"trade_date", D}, {"adj_factor", F}});
  EXPECT_EQ(adj.primary_key, bar_key);
  EXPECT_EQ(adj.date_key, "trade_date");
  EXPECT_EQ(adj.row_cap, 6000);
  EXPECT_EQ(adj.doc_url, "https://tushare.pro/document/2?doc_id=28");
  EXPECT_EQ(ParamNames(adj), bar_params);

  Dataset basic_daily = all[4];
  std::vector<ExpectedField> db{{"ts_code", S}, {"trade_date", D}};
  for (const char* f :
       {"close", "turnover_rate", "turnover_rate_f", "volume_ratio", "pe", "pe_ttm", "pb", "ps", "ps_ttm", "dv_ratio",
        "dv_ttm", "total_share", "float_share", "free_share", "total_mv", "circ_mv"}) {
    db.push_back({f, F});
  }
  ExpectFields(basic_daily, db);
  EXPECT_EQ(basic_daily.primary_key, bar_key);
  EXPECT_EQ(basic_daily.date_key, "trade_date");
  EXPECT_EQ(basic_daily.row_cap, 6000);
  EXPECT_EQ(basic_daily.doc_url, "https://tushare.pro/document/2?doc_id=32");
}

TEST(TushareRequestTest, BodyCarriesApiTokenParamsInOrderAndExactlyTheSchemaFields) {
  Dataset daily = BuiltinDataset("daily");
  std::string body = tushare::BuildRequestBody(
      "daily", "tok\"quoted",
      {{"ts_code", "000001.SZ,600000.SH"}, {"start_date", "20240101"}, {"end_date", "20240131"}},
      daily.schema->Names());
  EXPECT_EQ(body, R"({"api_name":"daily","token":"tok\"quoted","params":{"ts_code":"000001.SZ,600000.SH",)"
                  R"("start_date":"20240101","end_date":"20240131"},"fields":"ts_code,trade_date,open,high,low,close,)"
                  R"(pre_close,change,pct_chg,vol,amount"})");
  auto parsed = nlohmann::json::parse(body);
  EXPECT_EQ(parsed["token"], "tok\"quoted");

  // Paging params are params like any other (the provider's shaping adds them), sent as strings.
  std::string paged =
      tushare::BuildRequestBody("stock_basic", "t", {{"list_status", "L"}, {"offset", "5000"}}, {"ts_code"});
  EXPECT_EQ(
      paged,
      R"({"api_name":"stock_basic","token":"t","params":{"list_status":"L","offset":"5000"},"fields":"ts_code"})");
}

TEST(TushareRequestTest, UrlStyles) {
  using tushare::UrlStyle;
  EXPECT_EQ(tushare::BuildUrl("http://api.tushare.pro", UrlStyle::kRoot, "daily"), "http://api.tushare.pro");
  EXPECT_EQ(tushare::BuildUrl("http://api.tushare.pro/", UrlStyle::kDataApi, "daily"),
            "http://api.tushare.pro/dataapi/daily");
  EXPECT_EQ(tushare::BuildUrl("http://127.0.0.1:9/", UrlStyle::kRoot, "daily"), "http://127.0.0.1:9");
}

// A Tushare-shaped server on 127.0.0.1 that records the last request and answers from a fixture.
class FakeTushare {
 public:
  FakeTushare() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      path_ = req.path;
      content_type_ = req.get_header_value("Content-Type");
      body_ = req.body;
      res.status = status_;
      if (!retry_after_.empty()) res.set_header("Retry-After", retry_after_);
      res.set_content(reply_, "application/json");
    };
    server_.Post("/", handler);
    server_.Post(R"(/dataapi/(\w+))", handler);
    server_.set_tcp_nodelay(true);  // reused connections would otherwise wait 40 ms for a delayed ACK
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so wait for it (bounded) before a test can end.
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(1ms);
    EXPECT_TRUE(server_.is_running());
  }
  ~FakeTushare() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Reply(std::string body, int status = 200, std::string retry_after = "") {
    std::lock_guard lock(mu_);
    reply_ = std::move(body);
    status_ = status;
    retry_after_ = std::move(retry_after);
  }
  std::string path() {
    std::lock_guard lock(mu_);
    return path_;
  }
  std::string content_type() {
    std::lock_guard lock(mu_);
    return content_type_;
  }
  std::string body() {
    std::lock_guard lock(mu_);
    return body_;
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::string reply_ = "{}", path_, content_type_, body_, retry_after_;
  int status_ = 200;
};

class TushareProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv(kTokenVar, kToken, 1);
    source_.name = "tushare";
    source_.provider = "tushare";
    source_.endpoint = fake_.endpoint();
    source_.options.Set("token", std::string("${") + kTokenVar + "}");
    source_.timezone = "Asia/Shanghai";
    daily_ = BuiltinDataset("daily");
  }
  void TearDown() override {
    for (const auto& m : messages_) {
      EXPECT_EQ(m.find(kToken), std::string::npos) << "token leaked into: " << m;
    }
  }

  core::Result<std::unique_ptr<Provider>> Create() {
    ProviderContext ctx{&http_, &source_, &clock_};
    auto p = Info().create(ctx);
    if (!p) messages_.push_back(p.error().ToString());
    return p;
  }
  FetchRequest Request(Params params = {{"ts_code", "000001.SZ"}, {"trade_date", "20180718"}}) {
    return FetchRequest{&source_, &daily_, std::move(params)};
  }
  // Fetch + Decode, remembering every error message for the token check in TearDown.
  core::Result<Page> Call(Provider& p, const FetchRequest& r) {
    auto raw = p.Fetch(r);
    if (!raw) {
      messages_.push_back(raw.error().ToString());
      return tl::unexpected(raw.error());
    }
    auto page = p.Decode(r, *raw);
    if (!page) messages_.push_back(page.error().ToString());
    return page;
  }

  FakeTushare fake_;
  net::HttpClient http_{{.max_connections = 2}};
  core::ManualClock clock_{core::FromEpochMicros(*core::ParseTimestamp("2026-11-21 10:17:33"))};
  DataSource source_;
  Dataset daily_;
  std::vector<std::string> messages_;
};

TEST_F(TushareProviderTest, FetchPostsTheResolvedTokenAndDecodeConforms) {
  fake_.Reply(ReadFixture("daily_compact.json"));
  auto provider = Create();
  ASSERT_TRUE(provider) << provider.error().ToString();
  auto page = Call(**provider, Request());
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 3u);
  EXPECT_EQ(page->batch.column(5).GetFloat64(0), 8.70);

  EXPECT_EQ(fake_.path(), "/");
  EXPECT_EQ(fake_.content_type(), "application/json");
  auto sent = nlohmann::json::parse(fake_.body());
  EXPECT_EQ(sent["api_name"], "daily");
  EXPECT_EQ(sent["token"], kToken);
  EXPECT_EQ(sent["fields"], "ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount");
  EXPECT_EQ(sent["params"], (nlohmann::json{{"ts_code", "000001.SZ"}, {"trade_date", "20180718"}}));
  // Params keep the caller's order on the wire.
  EXPECT_NE(fake_.body().find(R"("params":{"ts_code":"000001.SZ","trade_date":"20180718"})"), std::string::npos)
      << fake_.body();
}

TEST_F(TushareProviderTest, DataApiUrlStylePostsToTheApiPath) {
  source_.options.Set("url_style", std::string("dataapi"));
  fake_.Reply(ReadFixture("daily_empty.json"));
  auto provider = Create();
  ASSERT_TRUE(provider) << provider.error().ToString();
  auto page = Call(**provider, Request());
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.num_rows(), 0u);
  EXPECT_EQ(fake_.path(), "/dataapi/daily");
}

TEST_F(TushareProviderTest, UnsetTokenVariableIsConfigNamingIt) {
  ::unsetenv(kTokenVar);
  auto provider = Create();
  ASSERT_TRUE(provider);
  auto page = Call(**provider, Request());
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(page.error().message().find(kTokenVar), std::string::npos) << page.error().message();
  EXPECT_NE(page.error().message().find("sources.tushare.token"), std::string::npos) << page.error().message();
  EXPECT_EQ(fake_.body(), "");  // nothing was sent

  source_.options.Set("token", std::string());
  auto empty = Call(**provider, Request());
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind(), ErrorKind::kConfig);
}

TEST_F(TushareProviderTest, BadTokenAnswerIsPermissionWithoutTheToken) {
  fake_.Reply(ReadFixture("error_40101.json"));
  auto provider = Create();
  ASSERT_TRUE(provider);
  auto page = Call(**provider, Request());
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kPermission);
  EXPECT_EQ(page.error().code(), "40101");
  EXPECT_NE(page.error().message().find(kTokenVar), std::string::npos) << page.error().message();
}

TEST_F(TushareProviderTest, DailyQuotaResetUsesTheProvidersClockAndZone) {
  fake_.Reply(ReadFixture("error_40203_day.json"));
  clock_.Set(core::FromEpochMicros(*core::ParseTimestamp("2026-11-21 17:30:00")));
  auto provider = Create();
  ASSERT_TRUE(provider);
  auto page = Call(**provider, Request());
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kQuotaExhausted);
  ASSERT_TRUE(page.error().reset_at);
  EXPECT_EQ(core::FormatTimestamp(core::ToEpochMicros(*page.error().reset_at)), "2026-11-22 16:00:00");
}

TEST_F(TushareProviderTest, HttpStatusesAreClassifiedWithRetryAfter) {
  auto provider = Create();
  ASSERT_TRUE(provider);
  fake_.Reply("slow down", 429, "7");
  auto limited = Call(**provider, Request());
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(*limited.error().retry_after, 7s);
  EXPECT_EQ(limited.error().code(), "http:429");

  fake_.Reply("<html>bad gateway</html>", 502);
  auto bad_gateway = Call(**provider, Request());
  ASSERT_FALSE(bad_gateway);
  EXPECT_EQ(bad_gateway.error().kind(), ErrorKind::kTransient);

  fake_.Reply(ReadFixture("html_error.html"), 200);
  auto html = Call(**provider, Request());
  ASSERT_FALSE(html);
  EXPECT_EQ(html.error().kind(), ErrorKind::kTransient);
}

TEST_F(TushareProviderTest, TheProviderJudgesHasMoreAndShapesTheNextRequest) {
  fake_.Reply(ReadFixture("daily_has_more.json"));
  auto provider = Create();
  ASSERT_TRUE(provider);
  // daily does not page: more rows than one answer holds means narrowing the request.
  FetchRequest window = Request({{"ts_code", "000001.SZ"}, {"start_date", "20240101"}, {"end_date", "20240104"}});
  auto truncated = Call(**provider, window);
  ASSERT_TRUE(truncated) << truncated.error().ToString();
  EXPECT_EQ(truncated->verdict.kind, PageVerdict::Kind::kTruncated);
  auto parts = (*provider)->Split(window);
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts,
            (std::vector<Params>{{{"ts_code", "000001.SZ"}, {"start_date", "20240101"}, {"end_date", "20240102"}},
                                 {{"ts_code", "000001.SZ"}, {"start_date", "20240103"}, {"end_date", "20240104"}}}));
  EXPECT_FALSE((*provider)->Split(Request()));

  // A dataset that pages by offset asks for the rows after these.
  Dataset paged = daily_;
  paged.paging = "offset";
  FetchRequest first{&source_, &paged, {{"ts_code", "000001.SZ"}}};
  auto page = Call(**provider, first);
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->verdict.kind, PageVerdict::Kind::kNextPage);
  EXPECT_EQ(page->verdict.next, (Params{{"ts_code", "000001.SZ"}, {"offset", "1"}}));
}

TEST_F(TushareProviderTest, TransportFailureIsTransientAndNamesTheApi) {
  source_.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  auto provider = Create();
  ASSERT_TRUE(provider);
  auto page = Call(**provider, Request());
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kTransient) << page.error().ToString();
  EXPECT_EQ(page.error().message().rfind("tushare daily: ", 0), 0u) << page.error().message();
}

// The token is in every request's body: an http:// endpoint that is not loopback is warned about, once per
// endpoint; the simulator on 127.0.0.1 is not.
TEST_F(TushareProviderTest, AnHttpEndpointBeyondLoopbackIsWarnedAboutOnce) {
  std::vector<std::string> warnings;
  core::SetLogBackend([&](core::LogLevel level, std::string_view m) {
    if (level == core::LogLevel::kWarn) warnings.emplace_back(m);
  });
  source_.options.Set("connect_timeout_secs", int64_t{1});
  // TEST-NET-1 (RFC 5737): never routed, so the call fails fast or times out after a second.
  source_.endpoint = "http://192.0.2.1:9";
  auto provider = Create();
  ASSERT_TRUE(provider);
  EXPECT_FALSE(Call(**provider, Request()));
  EXPECT_FALSE(Call(**provider, Request()));
  source_.endpoint = fake_.endpoint();  // loopback: no warning
  fake_.Reply(ReadFixture("daily_compact.json"));
  auto local = Create();
  ASSERT_TRUE(local);
  EXPECT_TRUE(Call(**local, Request()));
  core::SetLogBackend(nullptr);
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
  EXPECT_NE(warnings[0].find("sources.tushare: the Tushare token travels in clear to 192.0.2.1"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("use an https:// endpoint"), std::string::npos) << warnings[0];
}

TEST_F(TushareProviderTest, InvalidSourceSettingsAreConfigErrors) {
  source_.options.Set("url_stlye", std::string("root"));
  auto typo = Create();
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(typo.error().message().find("url_stlye"), std::string::npos) << typo.error().message();
  EXPECT_NE(typo.error().message().find("url_style"), std::string::npos) << typo.error().message();

  source_.options = {};
  source_.options.Set("url_style", std::string("rest"));
  auto style = Create();
  ASSERT_FALSE(style);
  EXPECT_EQ(style.error().kind(), ErrorKind::kConfig);

  source_.options = {};
  source_.options.Set("timeout_secs", int64_t{0});
  auto timeout = Create();
  ASSERT_FALSE(timeout);
  EXPECT_EQ(timeout.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(timeout.error().message().find("timeout_secs"), std::string::npos);

  source_.options = {};
  source_.timezone = "Asia/Atlantis";
  auto zone = Create();
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(zone.error().message().find("sources.tushare.timezone"), std::string::npos) << zone.error().message();

  source_.timezone = "";  // falls back to the provider's default zone
  EXPECT_TRUE(Create());
}

TEST_F(TushareProviderTest, RequestTimeoutOptionApplies) {
  // A server that never answers within the source's timeout: the call fails fast and is retryable.
  httplib::Server slow;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  slow.Post("/", [&](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 5s, [&] { return release; });
    res.set_content("{}", "application/json");
  });
  int port = slow.bind_to_any_port("127.0.0.1");
  std::thread t([&] { slow.listen_after_bind(); });
  for (int i = 0; i < 2000 && !slow.is_running(); ++i) std::this_thread::sleep_for(1ms);
  source_.endpoint = "http://127.0.0.1:" + std::to_string(port);
  source_.options.Set("timeout_secs", int64_t{1});
  auto provider = Create();
  ASSERT_TRUE(provider);
  auto page = Call(**provider, Request());
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  slow.stop();
  t.join();
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kTransient) << page.error().ToString();
  EXPECT_NE(page.error().message().find("timeout 1000 ms"), std::string::npos) << page.error().message();
}

}  // namespace
}  // namespace datasync::datasource
