// The nasdaq_data_link provider end to end against a cpp-httplib server on 127.0.0.1: its registration
// (option table, default limits), Fetch (GET with the key in a header or the query, POST past 6,300
// characters) and Decode, the metadata import hook, and the key never in an error message.
#include "datasource/nasdaq/nasdaq_provider.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/dates.hpp"
#include "net/http_client.hpp"

namespace datasync::datasource {
namespace {

using core::ErrorKind;
using core::LogicalType;
using namespace std::chrono_literals;

constexpr const char* kKeyVar = "DATASYNC_TEST_NDL_KEY";
constexpr const char* kKey = "ndlkey-5e4d3c2b1a09";

const ProviderInfo& Info() {
  static ProviderRegistry registry = [] {
    ProviderRegistry r;
    nasdaq::RegisterNasdaqDataLink(r);
    return r;
  }();
  const ProviderInfo* info = registry.Find("nasdaq_data_link");
  EXPECT_NE(info, nullptr);
  return *info;
}

TEST(NdlInfoTest, RegistersIdDefaultsAndOptionTable) {
  const ProviderInfo& info = Info();
  EXPECT_EQ(info.default_endpoint, "https://data.nasdaq.com");
  EXPECT_EQ(info.default_timezone, "UTC");
  ASSERT_TRUE(info.create && info.import_api && info.default_limits && info.validate);
  EXPECT_FALSE(info.importer) << "no doc pages: metadata comes from the API";
  const core::OptionSpec* key = core::FindOption(info.options, "api_key");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->type, core::OptionType::kSecret);
  EXPECT_FALSE(key->required) << "anonymous calls are allowed";
  const core::OptionSpec* key_in = core::FindOption(info.options, "key_in");
  ASSERT_NE(key_in, nullptr);
  EXPECT_EQ(key_in->default_value, "header");
  EXPECT_EQ(key_in->allowed, (std::vector<std::string_view>{"header", "query"}));
  const core::OptionSpec* per_page = core::FindOption(info.options, "per_page");
  ASSERT_NE(per_page, nullptr);
  EXPECT_EQ(per_page->default_value, "10000");
  ASSERT_TRUE(per_page->range);
  EXPECT_EQ(per_page->range->max, 10000);
  for (const auto& spec : info.options) EXPECT_FALSE(spec.description.empty()) << spec.name;
  core::Options o;
  ASSERT_TRUE(o.ApplyDefaults(info.options, "sources.ndl"));
  EXPECT_EQ(o.GetInt("timeout_secs"), 60);
}

TEST(NdlInfoTest, DefaultLimitsAreTheVendorsForAKeyAndForAnonymousCallers) {
  DataSource keyed;
  keyed.options.Set("api_key", std::string("${NDL_API_KEY}"));
  QuotaLimits l = Info().default_limits(keyed);
  EXPECT_EQ(Windows(l), (std::vector<QuotaWindowLimit>{{86400, 50000, QuotaWindowKind::kVendorDay},
                                                       {10, 300, QuotaWindowKind::kSliding},
                                                       {600, 2000, QuotaWindowKind::kSliding}}));
  EXPECT_EQ(l.concurrency, 1);
  EXPECT_EQ(l.scope, QuotaScope::kPerCredential);
  QuotaLimits anon = Info().default_limits(DataSource{});
  EXPECT_EQ(Windows(anon), (std::vector<QuotaWindowLimit>{{86400, 50, QuotaWindowKind::kVendorDay},
                                                          {600, 20, QuotaWindowKind::kSliding}}));
  EXPECT_EQ(anon.concurrency, 1);
}

// A Nasdaq Data Link stand-in: answers every GET or POST under /api/v3/ with the reply set for its path.
class FakeNdl {
 public:
  FakeNdl() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      Seen s;
      s.method = req.method;
      s.path = req.path;
      s.key_header = req.get_header_value("X-Api-Token");
      s.content_type = req.get_header_value("Content-Type");
      s.body = req.body;
      for (const auto& [k, v] : req.params) s.query.emplace_back(k, v);
      seen_.push_back(std::move(s));
      auto it = replies_.find(req.path);
      if (it == replies_.end()) {
        res.status = 404;
        res.set_content(R"({"quandl_error":{"code":"QECx02","message":"not found"}})", "application/json");
        return;
      }
      res.status = it->second.first;
      res.set_content(it->second.second, "application/json");
    };
    server_.Get(R"(/api/v3/.*)", handler);
    server_.Post(R"(/api/v3/.*)", handler);
    server_.set_tcp_nodelay(true);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(1ms);
    EXPECT_TRUE(server_.is_running());
  }
  ~FakeNdl() {
    server_.stop();
    thread_.join();
  }
  struct Seen {
    std::string method, path, key_header, content_type, body;
    std::vector<std::pair<std::string, std::string>> query;
    std::string Query(const std::string& k) const {
      for (const auto& [qk, qv] : query) {
        if (qk == k) return qv;
      }
      return "<absent>";
    }
  };
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Reply(const std::string& path, std::string body, int status = 200) {
    std::lock_guard lock(mu_);
    replies_[path] = {status, std::move(body)};
  }
  Seen last() {
    std::lock_guard lock(mu_);
    return seen_.empty() ? Seen{} : seen_.back();
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::pair<int, std::string>> replies_;
  std::vector<Seen> seen_;
};

constexpr const char* kEqPath = "/api/v3/datatables/QSIM/EQ.json";
constexpr const char* kEqPage = R"j({"datatable":{"data":[["AAPL","2024-01-02",185.64],["MSFT","2024-01-02",370.87]],)j"
                                R"j("columns":[{"name":"ticker","type":"String"},{"name":"date","type":"Date"},)j"
                                R"j({"name":"close","type":"BigDecimal(34,12)"}]},"meta":{"next_cursor_id":"cur-2"}})j";

class NdlProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv(kKeyVar, kKey, 1);
    source_.name = "ndl";
    source_.provider = "nasdaq_data_link";
    source_.endpoint = fake_.endpoint();
    source_.timezone = "UTC";
    source_.options.Set("api_key", std::string("${") + kKeyVar + "}");
    eq_.name = "qsim_eq";
    eq_.api = "datatables/QSIM/EQ";
    eq_.schema = std::make_shared<const core::Schema>(std::vector<core::Field>{
        {"ticker", LogicalType::String()}, {"date", LogicalType::Date()}, {"close", LogicalType::Decimal(18, 6)}});
  }
  void TearDown() override {
    for (const auto& m : messages_) EXPECT_EQ(m.find(kKey), std::string::npos) << "key leaked into: " << m;
  }
  core::Result<std::unique_ptr<Provider>> Create() {
    auto p = Info().create(ProviderContext{&http_, &source_, &clock_});
    if (!p) messages_.push_back(p.error().ToString());
    return p;
  }
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
  core::Result<ImportedDataset> Import(std::string_view what) {
    auto r = Info().import_api(ProviderContext{&http_, &source_, &clock_}, what);
    if (!r) messages_.push_back(r.error().ToString());
    return r;
  }

  FakeNdl fake_;
  net::HttpClient http_{{.max_connections = 2}};
  core::ManualClock clock_{core::FromEpochMicros(*core::ParseTimestamp("2026-12-06 10:00:00"))};
  DataSource source_;
  Dataset eq_;
  std::vector<std::string> messages_;
};

TEST_F(NdlProviderTest, FetchGetsWithTheKeyInAHeaderAndDecodeConformsAndPages) {
  fake_.Reply(kEqPath, kEqPage);
  auto p = Create();
  ASSERT_TRUE(p) << p.error().ToString();
  auto page = Call(**p, FetchRequest{&source_, &eq_, {{"ticker", "AAPL,MSFT"}, {"date.gte", "2024-01-01"}}});
  ASSERT_TRUE(page) << page.error().ToString();
  auto seen = fake_.last();
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.path, kEqPath);
  EXPECT_EQ(seen.key_header, kKey);
  EXPECT_EQ(seen.Query("api_key"), "<absent>") << "the key stays out of the URL by default";
  EXPECT_EQ(seen.Query("ticker"), "AAPL,MSFT");
  EXPECT_EQ(seen.Query("date.gte"), "2024-01-01");
  EXPECT_EQ(seen.Query("qopts.columns"), "ticker,date,close");
  EXPECT_EQ(seen.Query("qopts.per_page"), "10000");
  ASSERT_EQ(page->batch.num_rows(), 2u);
  EXPECT_EQ(page->batch.column(2).GetInt64(0), 185640000);
  ASSERT_EQ(page->verdict.kind, PageVerdict::Kind::kNextPage);
  std::string last_page = kEqPage;
  last_page.replace(last_page.find("\"cur-2\""), 7, "null");
  fake_.Reply(kEqPath, last_page);
  auto next = Call(**p, FetchRequest{&source_, &eq_, page->verdict.next});
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->verdict.kind, PageVerdict::Kind::kComplete);
  EXPECT_EQ(fake_.last().Query("qopts.cursor_id"), "cur-2");
  EXPECT_EQ(fake_.last().Query("_ndl.rows"), "<absent>") << "bookkeeping is never sent";
}

TEST_F(NdlProviderTest, KeyInQueryAndPerPageOptionsApplyAndAFailedCallNeverQuotesTheKey) {
  fake_.Reply(kEqPath, kEqPage);
  source_.options.Set("key_in", std::string("query"));
  source_.options.Set("per_page", int64_t{500});
  auto p = Create();
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_TRUE(Call(**p, FetchRequest{&source_, &eq_, {{"ticker", "AAPL"}}}));
  EXPECT_EQ(fake_.last().Query("api_key"), kKey);
  EXPECT_EQ(fake_.last().key_header, "");
  EXPECT_EQ(fake_.last().Query("qopts.per_page"), "500");
  // A refused connection: the message names the URL, without the key.
  source_.endpoint = "http://127.0.0.1:1";
  auto dead = Create();
  ASSERT_TRUE(dead);
  auto r = Call(**dead, FetchRequest{&source_, &eq_, {{"ticker", "AAPL"}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kTransient);
  EXPECT_NE(r.error().message().find("nasdaq_data_link datatables/QSIM/EQ"), std::string::npos) << r.error().message();
}

TEST_F(NdlProviderTest, ALongRequestIsPostedAsJsonToTheSamePath) {
  fake_.Reply(kEqPath, kEqPage);
  std::string tickers;
  for (int i = 0; i < 1200; ++i) tickers += (i ? "," : "") + std::string("TICK") + std::to_string(i);
  auto p = Create();
  ASSERT_TRUE(p);
  auto page = Call(**p, FetchRequest{&source_, &eq_, {{"ticker", tickers}}});
  ASSERT_TRUE(page) << page.error().ToString();
  auto seen = fake_.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, kEqPath);
  EXPECT_EQ(seen.content_type, "application/json");
  EXPECT_EQ(seen.key_header, kKey);
  auto body = nlohmann::json::parse(seen.body);
  EXPECT_EQ(body["ticker"].size(), 1200u);
  EXPECT_EQ(body["qopts.columns"], nlohmann::json::array({"ticker", "date", "close"}));
  EXPECT_EQ(page->batch.num_rows(), 2u);
}

TEST_F(NdlProviderTest, AnonymousSourcesSendNoKey) {
  fake_.Reply(kEqPath, kEqPage);
  source_.options = core::Options();
  auto p = Create();
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_TRUE(Call(**p, FetchRequest{&source_, &eq_, {}}));
  EXPECT_EQ(fake_.last().key_header, "");
  EXPECT_EQ(fake_.last().Query("api_key"), "<absent>");
}

TEST_F(NdlProviderTest, TimeSeriesFetchTheCodesDataWithTheWindow) {
  fake_.Reply(
      "/api/v3/datasets/WIKI/AAPL/data.json",
      R"({"dataset_data":{"column_names":["Date","Open"],"data":[["2024-01-02",187.15]],"frequency":"daily"}})");
  Dataset wiki;
  wiki.name = "wiki";
  wiki.api = "datasets/WIKI";
  wiki.schema = std::make_shared<const core::Schema>(
      std::vector<core::Field>{{"date", LogicalType::Date()}, {"open", LogicalType::Float64()}});
  auto p = Create();
  ASSERT_TRUE(p);
  auto page = Call(
      **p, FetchRequest{&source_, &wiki, {{"code", "AAPL"}, {"start_date", "2024-01-01"}, {"end_date", "2024-01-31"}}});
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(fake_.last().Query("start_date"), "2024-01-01");
  EXPECT_EQ(fake_.last().Query("order"), "asc");
  EXPECT_EQ(fake_.last().Query("code"), "<absent>");
  EXPECT_DOUBLE_EQ(page->batch.column(1).GetFloat64(0), 187.15);
}

TEST_F(NdlProviderTest, VendorErrorsUseTheProvidersClockZoneAndSplitAbility) {
  fake_.Reply(kEqPath, R"({"quandl_error":{"code":"QELx01","message":"daily"}})", 429);
  source_.timezone = "America/New_York";
  auto p = Create();
  ASSERT_TRUE(p);
  auto daily = Call(**p, FetchRequest{&source_, &eq_, {}});
  ASSERT_FALSE(daily);
  EXPECT_EQ(daily.error().kind(), ErrorKind::kQuotaExhausted);
  EXPECT_EQ(*daily.error().reset_at, core::FromEpochMicros(*core::ParseTimestamp("2026-12-07 05:00:00")));
  fake_.Reply(kEqPath, R"({"quandl_error":{"code":"QELx06","message":"too many rows"}})", 413);
  Params window = {{"date.gte", "2024-01-01"}, {"date.lte", "2024-12-31"}};
  auto big = Call(**p, FetchRequest{&source_, &eq_, window});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind(), ErrorKind::kTruncated);
  auto halves = (*p)->Split(FetchRequest{&source_, &eq_, window});
  ASSERT_TRUE(halves);
  EXPECT_EQ(halves->size(), 2u);
  auto one_day = Call(**p, FetchRequest{&source_, &eq_, {{"date", "2024-01-01"}}});
  ASSERT_FALSE(one_day);
  EXPECT_EQ(one_day.error().kind(), ErrorKind::kPermanent);
}

TEST_F(NdlProviderTest, InvalidSettingsAreConfigErrors) {
  source_.options.Set("per_page", int64_t{20000});
  auto big = Create();
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(big.error().message().find("per_page"), std::string::npos) << big.error().message();
  source_.options = core::Options();
  source_.options.Set("token", std::string("x"));
  auto unknown = Create();
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("allowed: api_key"), std::string::npos) << unknown.error().message();
  source_.options = core::Options();
  source_.options.Set("api_key", std::string("${DATASYNC_TEST_NDL_UNSET_VAR}"));
  auto p = Create();
  ASSERT_TRUE(p);
  auto r = Call(**p, FetchRequest{&source_, &eq_, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(r.error().message().find("DATASYNC_TEST_NDL_UNSET_VAR"), std::string::npos) << r.error().message();
  auto problems = Info().validate(source_, core::OptionCheckContext{.resolve_secrets = true});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "api_key");
}

TEST_F(NdlProviderTest, ImportReadsTheMetadataWithTheKeyAndRefreshReadsItBackFromTheDocUrl) {
  fake_.Reply("/api/v3/datatables/QSIM/EQ/metadata.json",
              R"({"datatable":{"name":"Equities","columns":[{"name":"ticker","type":"String"},)"
              R"j({"name":"date","type":"Date"},{"name":"close","type":"BigDecimal(12,4)"}],)j"
              R"("filters":["ticker","date"],"primary_key":["ticker","date"]}})");
  auto r = Import("datatables/QSIM/EQ");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(fake_.last().key_header, kKey);
  EXPECT_EQ(r->dataset.name, "qsim_eq");
  EXPECT_EQ(r->dataset.doc_url, fake_.endpoint() + "/api/v3/datatables/QSIM/EQ/metadata.json");
  EXPECT_EQ(r->dataset.schema->field(2).type, LogicalType::Decimal(12, 4));
  EXPECT_EQ(r->dataset.params.size(), 6u);
  auto again = Import(r->dataset.doc_url);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->dataset, r->dataset);
  fake_.Reply("/api/v3/datasets/WIKI/AAPL/metadata.json",
              R"({"dataset":{"name":"Apple","column_names":["Date","Close"],"frequency":"daily"}})");
  auto series = Import("datasets/WIKI/AAPL");
  ASSERT_TRUE(series) << series.error().ToString();
  EXPECT_EQ(series->dataset.api, "datasets/WIKI");
}

TEST_F(NdlProviderTest, ImportErrorsAreClassified) {
  fake_.Reply("/api/v3/datatables/QSIM/EQ/metadata.json", R"({"quandl_error":{"code":"QEAx01","message":"bad key"}})",
              400);
  auto bad_key = Import("datatables/QSIM/EQ");
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().kind(), ErrorKind::kPermission);
  auto missing = Import("datatables/QSIM/NOPE");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kInvalidInput);
  auto nonsense = Import("daily");
  ASSERT_FALSE(nonsense);
  EXPECT_EQ(nonsense.error().kind(), ErrorKind::kConfig);
}

}  // namespace
}  // namespace datasync::datasource
