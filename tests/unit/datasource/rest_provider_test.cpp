// The rest provider end to end against a cpp-httplib server on 127.0.0.1: registration, each auth kind's
// secret sent where it belongs and never in an error, headers, POST bodies and the dataset's settings
// checked at creation and at the first call.
#include "datasource/rest/rest_provider.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "core/dates.hpp"
#include "core/log.hpp"
#include "net/http_client.hpp"
#include "rest_test_util.hpp"

namespace datasync::datasource::rest {
namespace {

using core::ErrorKind;
using core::LogicalType;
using namespace std::chrono_literals;
using testing::MakeDataset;
using testing::MakeSource;

constexpr const char* kSecret = "sk-live-7a6b5c4d3e2f1a0b";

const ProviderInfo& Info() {
  static ProviderRegistry registry = [] {
    ProviderRegistry r;
    RegisterRest(r);
    return r;
  }();
  return *registry.Find("rest");
}

// Answers every GET and POST with the reply set, remembering what the last request carried.
class FakeApi {
 public:
  FakeApi() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      target_ = req.target;
      method_ = req.method;
      body_ = req.body;
      headers_.clear();
      for (const auto& [k, v] : req.headers) headers_.emplace_back(k, v);
      res.status = status_;
      res.set_content(reply_, "application/json");
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(1ms);
  }
  ~FakeApi() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Reply(std::string body, int status = 200) {
    std::lock_guard lock(mu_);
    reply_ = std::move(body);
    status_ = status;
  }
  std::string target() {
    std::lock_guard lock(mu_);
    return target_;
  }
  std::string body() {
    std::lock_guard lock(mu_);
    return body_;
  }
  std::string header(const std::string& name) {
    std::lock_guard lock(mu_);
    for (const auto& [k, v] : headers_) {
      if (k == name) return v;
    }
    return "<none>";
  }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::string reply_ = "{}", target_, method_, body_;
  std::vector<std::pair<std::string, std::string>> headers_;
  int status_ = 200;
};

class RestProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("DATASYNC_TEST_REST_SECRET", kSecret, 1); }
  void TearDown() override {
    ::unsetenv("DATASYNC_TEST_REST_SECRET");
    for (const auto& m : messages_) EXPECT_EQ(m.find(kSecret), std::string::npos) << "secret leaked into: " << m;
  }
  core::Result<Page> Call(const DataSource& source, const Dataset& ds, Params params) {
    ProviderContext ctx{&http_, &source, &clock_};
    auto p = Info().create(ctx);
    if (!p) {
      messages_.push_back(p.error().ToString());
      return tl::unexpected(p.error());
    }
    FetchRequest r{&source, &ds, std::move(params)};
    auto raw = (*p)->Fetch(r);
    if (!raw) {
      messages_.push_back(raw.error().ToString());
      return tl::unexpected(raw.error());
    }
    auto page = (*p)->Decode(r, *raw);
    if (!page) messages_.push_back(page.error().ToString());
    return page;
  }

  FakeApi api_;
  net::HttpClient http_{{.max_connections = 2}};
  core::ManualClock clock_{core::FromEpochMicros(*core::ParseTimestamp("2026-11-21 10:17:33"))};
  Dataset items_ = MakeDataset({{"id", LogicalType::Int64()}, {"day", LogicalType::Date()}},
                               {{"path", std::string("/v1/{kind}/items")}, {"records", std::string("data")}});
  std::vector<std::string> messages_;
};

TEST(RestInfoTest, RegistersItsTablesAndEveryOptionIsDescribed) {
  const ProviderInfo& info = Info();
  EXPECT_EQ(info.id, "rest");
  EXPECT_EQ(info.default_timezone, "UTC");
  ASSERT_TRUE(info.create && info.validate && info.validate_dataset);
  for (const auto& spec : info.options) EXPECT_FALSE(spec.description.empty()) << spec.name;
  for (const auto& spec : info.dataset_options) EXPECT_FALSE(spec.description.empty()) << spec.name;
  EXPECT_EQ(core::FindOption(info.options, "api_key")->type, core::OptionType::kSecret);
  EXPECT_EQ(core::FindOption(info.options, "error_rules")->type, core::OptionType::kRecordList);
  EXPECT_TRUE(core::FindOption(info.dataset_options, "path")->required);
}

TEST_F(RestProviderTest, AnApiKeyInTheQueryIsSentAndTheRowsAreTyped) {
  DataSource source = MakeSource(api_.endpoint(), {{"auth", std::string("api_key")},
                                                   {"api_key", std::string("${DATASYNC_TEST_REST_SECRET}")},
                                                   {"headers", std::vector<std::string>{"X-Client: datasync-test"}}});
  api_.Reply(R"({"data":[{"id":1,"day":"2024-01-02"},{"id":2,"day":"20240103"}]})");
  auto page = Call(source, items_, {{"kind", "stock"}, {"since", "2024-01-01"}});
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(api_.target(), std::string("/v1/stock/items?since=2024-01-01&api_key=") + kSecret);
  EXPECT_EQ(api_.header("X-Client"), "datasync-test");
  ASSERT_EQ(page->batch.num_rows(), 2u);
  EXPECT_EQ(page->batch.column(0).GetInt64(1), 2);
  EXPECT_EQ(page->batch.column(1).GetInt32(1), *core::ParseDate("2024-01-03"));
}

TEST_F(RestProviderTest, HeaderBearerAndBasicCredentialsAreSentAndARefusalNeverQuotesThem) {
  DataSource header = MakeSource(api_.endpoint(), {{"auth", std::string("api_key")},
                                                   {"api_key", std::string("${DATASYNC_TEST_REST_SECRET}")},
                                                   {"api_key_in", std::string("header")},
                                                   {"api_key_name", std::string("X-Api-Token")}});
  api_.Reply(std::string(R"({"error":"key )") + kSecret + R"( is not valid"})", 401);
  auto e = Call(header, items_, {{"kind", "a"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kPermission);
  EXPECT_EQ(api_.header("X-Api-Token"), kSecret);
  EXPECT_EQ(api_.target(), "/v1/a/items");
  EXPECT_NE(e.error().message().find("${DATASYNC_TEST_REST_SECRET}"), std::string::npos) << e.error().message();

  DataSource bearer = MakeSource(
      api_.endpoint(), {{"auth", std::string("bearer")}, {"token", std::string("${DATASYNC_TEST_REST_SECRET}")}});
  EXPECT_FALSE(Call(bearer, items_, {{"kind", "a"}}));
  EXPECT_EQ(api_.header("Authorization"), std::string("Bearer ") + kSecret);

  DataSource basic = MakeSource(api_.endpoint(), {{"auth", std::string("basic")},
                                                  {"username", std::string("ann")},
                                                  {"password", std::string("${DATASYNC_TEST_REST_SECRET}")}});
  EXPECT_FALSE(Call(basic, items_, {{"kind", "a"}}));
  EXPECT_EQ(api_.header("Authorization"), "Basic YW5uOnNrLWxpdmUtN2E2YjVjNGQzZTJmMWEwYg==");
}

TEST_F(RestProviderTest, ATransportErrorNamesTheUrlWithoutTheKey) {
  DataSource source = MakeSource("http://127.0.0.1:1", {{"auth", std::string("api_key")},
                                                        {"api_key", std::string("${DATASYNC_TEST_REST_SECRET}")}});
  auto e = Call(source, items_, {{"kind", "a"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kTransient);
  EXPECT_NE(e.error().message().find("127.0.0.1:1/v1/a/items"), std::string::npos) << e.error().message();
}

TEST_F(RestProviderTest, AnUnsetSecretOrABadDatasetFailsBeforeAnyCall) {
  DataSource source = MakeSource(
      api_.endpoint(), {{"auth", std::string("bearer")}, {"token", std::string("${DATASYNC_TEST_REST_UNSET}")}});
  auto e = Call(source, items_, {{"kind", "a"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(e.error().message().find("DATASYNC_TEST_REST_UNSET"), std::string::npos) << e.error().message();
  EXPECT_EQ(api_.target(), "");

  Dataset bad = MakeDataset({{"id", LogicalType::Int64()}}, {{"path", std::string("/x")}});
  e = Call(MakeSource(api_.endpoint()), bad, {});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kConfig);
  EXPECT_NE(e.error().message().find("datasets.items.path"), std::string::npos) << e.error().message();
  EXPECT_EQ(api_.target(), "");
}

// Credentials over http:// to a host that is not loopback are warned about once per source and host; a source
// that sends no secret (a plain header) is not, and neither is loopback.
TEST_F(RestProviderTest, CredentialsInClearBeyondLoopbackAreWarnedAboutOnce) {
  std::vector<std::string> warnings;
  core::SetLogBackend([&](core::LogLevel level, std::string_view m) {
    if (level == core::LogLevel::kWarn) warnings.emplace_back(m);
  });
  // TEST-NET-1 (RFC 5737): never routed, so the call fails fast or times out after a second.
  DataSource keyed = MakeSource("http://192.0.2.1:9", {{"auth", std::string("bearer")},
                                                       {"token", std::string("${DATASYNC_TEST_REST_SECRET}")},
                                                       {"connect_timeout_secs", int64_t{1}}});
  DataSource plain = MakeSource("http://192.0.2.2:9", {{"headers", std::vector<std::string>{"X-Client: datasync"}},
                                                       {"connect_timeout_secs", int64_t{1}}});
  plain.name = "plain";
  EXPECT_FALSE(Call(keyed, items_, {{"kind", "a"}}));
  EXPECT_FALSE(Call(keyed, items_, {{"kind", "a"}}));
  EXPECT_FALSE(Call(plain, items_, {{"kind", "a"}}));
  api_.Reply(R"({"data":[]})");
  DataSource local = MakeSource(
      api_.endpoint(), {{"auth", std::string("bearer")}, {"token", std::string("${DATASYNC_TEST_REST_SECRET}")}});
  EXPECT_TRUE(Call(local, items_, {{"kind", "a"}}));
  core::SetLogBackend(nullptr);
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
  EXPECT_NE(warnings[0].find("sources.api: the credentials travel in clear to 192.0.2.1"), std::string::npos)
      << warnings[0];
}

TEST(RestSplitTest, AFirstPageSplitsByItsDateWindowButALaterPageIsNeverNarrowed) {
  DataSource source = MakeSource("https://api.x.com");
  Dataset ds = MakeDataset({{"id", LogicalType::Int64()}}, {{"path", std::string("/p")},
                                                            {"records", std::string("$")},
                                                            {"paginate", std::string("cursor")},
                                                            {"cursor_path", std::string("next")},
                                                            {"split_dates", std::vector<std::string>{"from", "to"}}});
  net::HttpClient http;
  ProviderContext ctx{&http, &source, nullptr};
  auto p = Info().create(ctx);
  ASSERT_TRUE(p) << p.error().ToString();
  auto halves = (*p)->Split(FetchRequest{&source, &ds, {{"from", "20240101"}, {"to", "20240104"}}});
  ASSERT_TRUE(halves);
  EXPECT_EQ(*halves, (std::vector<Params>{{{"from", "20240101"}, {"to", "20240102"}},
                                          {{"from", "20240103"}, {"to", "20240104"}}}));
  EXPECT_EQ((*p)->Split(FetchRequest{&source, &ds, {{"from", "20240101"}, {"to", "20240104"}, {"cursor", "c2"}}}),
            std::nullopt);
  EXPECT_EQ((*p)->Split(FetchRequest{&source, &ds, {{std::string(kNextUrlParam), "https://api.x.com/p?page=2"}}}),
            std::nullopt);
}

TEST(RestSourceCheckTest, AuthNeedsItsCredentialAndOthersAreFlaggedUnused) {
  auto keys = [](const DataSource& s) {
    std::vector<std::string> out;
    for (const auto& p : CheckSource(s, false)) out.push_back(p.key);
    return out;
  };
  EXPECT_EQ(keys(MakeSource("https://h", {{"auth", std::string("api_key")}})), std::vector<std::string>{"auth"});
  EXPECT_EQ(keys(MakeSource("https://h", {{"token", std::string("${T}")}})), std::vector<std::string>{"token"});
  EXPECT_TRUE(keys(MakeSource("ftp://h")).empty());  // config loading checks every source's scheme itself
  auto ftp = ReadSourceSettings(MakeSource("ftp://h"));
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().message(), "sources.api.endpoint: 'ftp://h' is not an http:// or https:// URL");
  EXPECT_EQ(keys(MakeSource("")), std::vector<std::string>{"endpoint"});
  EXPECT_EQ(keys(MakeSource("https://h?x=1")), std::vector<std::string>{"endpoint"});
  EXPECT_EQ(keys(MakeSource("https://h", {{"headers", std::vector<std::string>{"no colon"}}})),
            std::vector<std::string>{"headers"});
  EXPECT_EQ(keys(MakeSource("https://h", {{"error_rules", core::OptionRecords{{{"class", "TRANSIENT"}}}}})),
            std::vector<std::string>{"error_rules[0].class"});
  EXPECT_TRUE(keys(MakeSource("https://h", {{"auth", std::string("basic")},
                                            {"username", std::string("u")},
                                            {"password", std::string("${P}")}}))
                  .empty());
}

}  // namespace
}  // namespace datasync::datasource::rest
