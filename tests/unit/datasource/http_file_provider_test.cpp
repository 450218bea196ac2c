// The http_file provider against a cpp-httplib server on 127.0.0.1 serving Binance-style archives: the path
// filled from the params, the SHA-256 checked before anything is decoded, a 404 as a failure or as no rows,
// the statuses classified, and the dataset's settings checked at the first call.
#include "datasource/files/http_file_provider.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <mutex>
#include <thread>

#include "core/digest.hpp"
#include "net/http_client.hpp"
#include "file_test_util.hpp"

namespace datasync::datasource::files {
namespace {

using core::ErrorKind;
using core::Field;
using core::LogicalType;
using namespace std::chrono_literals;

const ProviderInfo& Info() {
  static ProviderRegistry registry = [] {
    ProviderRegistry r;
    RegisterHttpFile(r);
    return r;
  }();
  return *registry.Find("http_file");
}

// Serves the files set, by path; anything else is 404. Counts the requests per path.
class FileServer {
 public:
  FileServer() {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      ++hits_[req.path];
      auto it = files_.find(req.path);
      if (it == files_.end()) {
        res.status = 404;
        res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
        return;
      }
      const std::string etag = "\"" + std::to_string(std::hash<std::string>{}(it->second.second)) + "\"";
      if (req.get_header_value("If-None-Match") == etag) {
        res.status = 304;
        return;
      }
      res.status = it->second.first;
      res.set_content(it->second.second, "application/octet-stream");
      res.set_header("ETag", etag);
      if (res.status == 429) res.set_header("Retry-After", "3");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(1ms);
  }
  ~FileServer() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Put(const std::string& path, std::string body, int status = 200) {
    std::lock_guard lock(mu_);
    files_[path] = {status, std::move(body)};
  }
  int hits(const std::string& path) {
    std::lock_guard lock(mu_);
    return hits_[path];
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, std::pair<int, std::string>> files_;
  std::map<std::string, int> hits_;
};

class HttpFileProviderTest : public ::testing::Test {
 protected:
  HttpFileProviderTest() {
    source_.name = "binance";
    source_.provider = "http_file";
    source_.endpoint = server_.endpoint() + "/";
    source_.timezone = "UTC";
    dataset_.name = "klines_1h";
    dataset_.source = "binance";
    dataset_.schema = std::make_shared<core::Schema>(std::vector<Field>{
        {"symbol", LogicalType::String()},
        {"open_time", LogicalType::Timestamp()},
        {"close", LogicalType::Decimal(18, 8)},
    });
    dataset_.options.Set("path", std::string("/data/spot/daily/klines/{symbol}/1h/{symbol}-1h-{day}.zip"));
    dataset_.options.Set("checksum", std::string("sha256"));
    dataset_.options.Set("columns", std::vector<std::string>{"open_time", "close"});
  }

  std::unique_ptr<Provider> Make() {
    ProviderContext ctx{&http_, &source_, nullptr};
    auto p = Info().create(ctx);
    EXPECT_TRUE(p) << p.error().ToString();
    return p ? std::move(*p) : nullptr;
  }

  core::Result<Page> Call(Provider& p, const Params& params, std::string stored_version = "") {
    FetchRequest req{&source_, &dataset_, params, std::move(stored_version)};
    auto raw = p.Fetch(req);
    if (!raw) return tl::unexpected(raw.error());
    return p.Decode(req, *raw);
  }

  void PutFile(const std::string& day, const std::string& csv, bool good_checksum = true) {
    const std::string name = "BTCUSDT-1h-" + day;
    const std::string path = "/data/spot/daily/klines/BTCUSDT/1h/" + name + ".zip";
    std::string zip = testing::MakeZip({{name + ".csv", csv}});
    server_.Put(path, zip);
    server_.Put(path + ".CHECKSUM",
                (good_checksum ? core::Sha256Hex(zip) : core::Sha256Hex("other")) + "  " + name + ".zip\n");
  }

  FileServer server_;
  net::HttpClient http_;
  DataSource source_;
  Dataset dataset_;
};

TEST_F(HttpFileProviderTest, DownloadsChecksAndDecodesOneFile) {
  PutFile("2024-01-02", "1704153600000,42000.1,x\n1704157200000,42001.25,y\n");
  dataset_.options.Set("columns", std::vector<std::string>{"open_time", "close", "_"});
  auto p = Make();
  auto page = Call(*p, {{"symbol", "BTCUSDT"}, {"day", "2024-01-02"}});
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->batch.num_rows(), 2u);
  EXPECT_EQ(page->batch.column(0).GetString(0), "BTCUSDT");
  EXPECT_EQ(page->batch.column(1).int64s()[1], 1704157200000000);
  EXPECT_EQ(page->batch.column(2).int64s()[1], 4200125000000);
  EXPECT_EQ(page->verdict.kind, PageVerdict::Kind::kComplete);
  EXPECT_EQ(server_.hits("/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip.CHECKSUM"), 1);
  EXPECT_EQ(page->version.substr(0, 7), "sha256:");
  EXPECT_EQ(page->version.size(), 7u + 64u);
}

// The version a page carries comes back as the stored version: an equal checksum is not downloaded again,
// another one is; without a checksum, the vendor's ETag makes the download conditional.
TEST_F(HttpFileProviderTest, AnUnchangedFileIsNeitherDownloadedNorDecoded) {
  const std::string zip_path = "/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-05.zip";
  Params params = {{"symbol", "BTCUSDT"}, {"day", "2024-01-05"}};
  PutFile("2024-01-05", "1704412800000,1\n");
  auto p = Make();
  auto first = Call(*p, params);
  ASSERT_TRUE(first) << first.error().ToString();
  ASSERT_EQ(server_.hits(zip_path), 1);

  auto same = Call(*p, params, first->version);
  ASSERT_TRUE(same) << same.error().ToString();
  EXPECT_EQ(same->verdict.kind, PageVerdict::Kind::kUnchanged);
  EXPECT_EQ(same->version, first->version);
  EXPECT_EQ(same->batch.num_rows(), 0u);
  EXPECT_EQ(server_.hits(zip_path), 1) << "an unchanged file is not downloaded";

  PutFile("2024-01-05", "1704412800000,2\n");  // regenerated: a new checksum
  auto changed = Call(*p, params, first->version);
  ASSERT_TRUE(changed) << changed.error().ToString();
  EXPECT_EQ(changed->verdict.kind, PageVerdict::Kind::kComplete);
  EXPECT_EQ(changed->batch.column(2).int64s()[0], 200000000);
  EXPECT_NE(changed->version, first->version);
  EXPECT_EQ(server_.hits(zip_path), 2);

  dataset_.options.Set("checksum", std::string("none"));
  auto tagged = Call(*p, params);
  ASSERT_TRUE(tagged) << tagged.error().ToString();
  ASSERT_EQ(tagged->version.substr(0, 5), "etag:");
  auto not_modified = Call(*p, params, tagged->version);
  ASSERT_TRUE(not_modified) << not_modified.error().ToString();
  EXPECT_EQ(not_modified->verdict.kind, PageVerdict::Kind::kUnchanged);
  EXPECT_EQ(not_modified->version, tagged->version);
  EXPECT_EQ(server_.hits(zip_path), 4) << "a conditional download is still a request";
  auto stale = Call(*p, params, "etag:\"other\"");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->verdict.kind, PageVerdict::Kind::kComplete);
  EXPECT_EQ(stale->batch.num_rows(), 1u);
}

TEST_F(HttpFileProviderTest, AChecksumMismatchIsTransientAndNamesBothHashes) {
  PutFile("2024-01-03", "1704240000000,1\n", /*good_checksum=*/false);
  auto p = Make();
  auto page = Call(*p, {{"symbol", "BTCUSDT"}, {"day", "2024-01-03"}});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().kind(), ErrorKind::kTransient);
  EXPECT_EQ(page.error().code(), "checksum_mismatch");
  EXPECT_NE(page.error().message().find("BTCUSDT-1h-2024-01-03.zip: the file's SHA-256 is "), std::string::npos)
      << page.error().message();
  EXPECT_NE(page.error().message().find(core::Sha256Hex("other")), std::string::npos);

  // A checksum file that is not one: a clear permanent error.
  server_.Put("/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-03.zip.CHECKSUM", "<html>oops</html>");
  auto garbled = Call(*p, {{"symbol", "BTCUSDT"}, {"day", "2024-01-03"}});
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().kind(), ErrorKind::kPermanent);
  EXPECT_NE(garbled.error().message().find("is not '<sha256 hex>  <name>'"), std::string::npos);
}

TEST_F(HttpFileProviderTest, AMissingFileFailsOrIsEmptyAsTheDatasetSays) {
  auto p = Make();
  Params before_listing = {{"symbol", "BTCUSDT"}, {"day", "2017-01-01"}};
  auto missing = Call(*p, before_listing);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kPermanent);
  EXPECT_NE(missing.error().message().find("the vendor has no such file (yet)"), std::string::npos)
      << missing.error().message();
  // The file itself is never asked for when its checksum is missing.
  EXPECT_EQ(server_.hits("/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2017-01-01.zip"), 0);

  dataset_.options.Set("not_found", std::string("empty"));
  auto empty = Call(*p, before_listing);
  ASSERT_TRUE(empty) << empty.error().ToString();
  EXPECT_EQ(empty->batch.num_rows(), 0u);
}

TEST_F(HttpFileProviderTest, StatusesAreClassifiedAndParamsAreEncoded) {
  dataset_.options.Set("checksum", std::string("none"));
  server_.Put("/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-04.zip", "slow down", 429);
  auto p = Make();
  auto limited = Call(*p, {{"symbol", "BTCUSDT"}, {"day", "2024-01-04"}});
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().kind(), ErrorKind::kRateLimited);
  ASSERT_TRUE(limited.error().retry_after);
  EXPECT_EQ(*limited.error().retry_after, 3000ms);

  // A param stays inside its path segment: its slashes travel as %2F (the server decodes them, so the path it
  // reports still holds the dots where the param put them, not a folder climbed out of).
  auto odd = Call(*p, {{"symbol", "../../x"}, {"day", "2024-01-04"}});
  ASSERT_FALSE(odd);
  EXPECT_EQ(server_.hits("/data/spot/daily/klines/../../x/1h/../../x-1h-2024-01-04.zip"), 1);
  EXPECT_EQ(server_.hits("/x/1h/../../x-1h-2024-01-04.zip"), 0);
  auto no_param = Call(*p, {{"symbol", "BTCUSDT"}});
  ASSERT_FALSE(no_param);
  EXPECT_NE(no_param.error().message().find("needs the param 'day'"), std::string::npos);
}

TEST_F(HttpFileProviderTest, SettingsAreCheckedAtValidationAndAtTheFirstCall) {
  Dataset bad = dataset_;
  bad.options.Set("path", std::string("data/{symbol"));
  bad.options.Set("colums", std::vector<std::string>{"x"});
  auto problems = Info().validate_dataset(bad, source_);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].key, "colums");
  EXPECT_NE(problems[0].message.find("unknown key for an http_file dataset"), std::string::npos);
  EXPECT_EQ(problems[1].key, "path");

  auto p = Make();
  FetchRequest req{&source_, &bad, {{"symbol", "BTCUSDT"}, {"day", "2024-01-02"}}};
  auto raw = p->Fetch(req);
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.error().kind(), ErrorKind::kConfig);

  DataSource no_endpoint = source_;
  no_endpoint.endpoint = "";
  auto source_problems = Info().validate(no_endpoint, {});
  ASSERT_EQ(source_problems.size(), 1u);
  EXPECT_EQ(source_problems[0].key, "endpoint");
}

}  // namespace
}  // namespace datasync::datasource::files
