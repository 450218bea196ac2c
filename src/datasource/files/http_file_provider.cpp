#include "datasource/files/http_file_provider.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "core/digest.hpp"
#include "core/excerpt.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "datasource/files/file_format.hpp"
#include "datasource/path_template.hpp"
#include "net/http_client.hpp"
#include "net/http_status.hpp"

namespace datasync::datasource::files {

namespace {

using core::ErrorKind;
using core::OptionSpec;
using core::OptionType;

constexpr core::OptionKey<int64_t> kTimeoutSecs{"timeout_secs", HttpFileSourceOptions};
constexpr core::OptionKey<int64_t> kConnectTimeoutSecs{"connect_timeout_secs", HttpFileSourceOptions};

constexpr core::OptionKey<std::string> kPath{"path", HttpFileDatasetOptions};
constexpr core::OptionKey<std::string> kChecksum{"checksum", HttpFileDatasetOptions};
constexpr core::OptionKey<std::string> kChecksumSuffix{"checksum_suffix", HttpFileDatasetOptions};
constexpr core::OptionKey<std::string> kNotFound{"not_found", HttpFileDatasetOptions};

constexpr core::OptionRange kPositiveSeconds{.min = 1, .text = "must be a positive number of seconds"};

// A file's version (Page::version) as the vendor states it: its published SHA-256, else its ETag, else its
// Last-Modified. The next run of the task asks with it: an equal checksum, or a 304, means unchanged.
constexpr std::string_view kSha256Version = "sha256:";
constexpr std::string_view kEtagVersion = "etag:";
constexpr std::string_view kModifiedVersion = "last-modified:";

struct DatasetSettings {
  std::string path;
  bool checksum = false;
  std::string checksum_suffix;
  bool not_found_empty = false;
  FileFormat format;
};


core::OptionProblems CheckSource(const DataSource& source) {
  core::OptionProblems problems = core::CheckOptionTable(source.options, HttpFileSourceOptions(), "provider http_file");
  std::string lower = core::ToLower(source.endpoint);
  if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
    problems.push_back({"endpoint", "an http_file source needs its endpoint, an http:// or https:// URL (e.g. "
                                    "https://data.binance.vision), got '" + source.endpoint + "'"});
  }
  return problems;
}

core::OptionProblems CheckDataset(const Dataset& dataset) {
  const core::Options& o = dataset.options;
  core::OptionProblems problems = core::CheckOptionTable(o, HttpFileDatasetOptions(), "an http_file dataset");
  const std::string path = o.Get(kPath);
  if (!o.Has(kPath.name) || path.empty()) {
    problems.push_back({"path", "an http_file dataset needs the path of one file, with {param} placeholders (e.g. "
                                "path: /data/spot/daily/klines/{symbol}/1h/{symbol}-1h-{day}.zip)"});
  } else if (path.front() != '/' || path.find_first_of("?# \t\r\n") != std::string::npos) {
    problems.push_back({"path", "must start with '/' and hold no query or spaces, got '" + path + "'"});
  } else {
    std::string problem;
    PathPlaceholders(path, &problem);
    if (!problem.empty()) problems.push_back({"path", problem + " in '" + path + "'"});
  }
  if (o.Get(kChecksumSuffix).empty()) {
    problems.push_back({std::string(kChecksumSuffix.name), "is empty; the vendor's checksum file is <file><suffix>"});
  }
  CheckFileFormat(dataset, problems);
  return problems;
}

DatasetSettings ReadDatasetSettings(const Dataset& dataset) {
  const core::Options& o = dataset.options;
  DatasetSettings s;
  s.path = o.Get(kPath);
  s.checksum = o.Get(kChecksum) == "sha256";
  s.checksum_suffix = o.Get(kChecksumSuffix);
  s.not_found_empty = o.Get(kNotFound) == "empty";
  s.format = ReadFileFormat(o);
  return s;
}

std::string UrlWithoutQuery(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

std::string_view LastSegment(std::string_view url) {
  size_t slash = url.rfind('/');
  return slash == std::string_view::npos ? url : url.substr(slash + 1);
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

class HttpFileProvider final : public Provider {
 public:
  HttpFileProvider(net::HttpClient* http, const DataSource* source, const core::Clock* clock, core::TimeZone tz)
      : http_(http), source_(source), clock_(clock), tz_(std::move(tz)) {
    endpoint_ = source->endpoint;
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
    timeout_ = std::chrono::seconds(source->options.Get(kTimeoutSecs));
    connect_timeout_ = std::chrono::seconds(source->options.Get(kConnectTimeoutSecs));
  }

  core::Result<RawResponse> Fetch(const FetchRequest& request) override {
    if (request.dataset == nullptr) return core::Fail(ErrorKind::kInternal, "http_file: Fetch called without a dataset");
    const Dataset& ds = *request.dataset;
    const std::string prefix = Prefix(ds);
    auto settings = SettingsFor(ds);
    if (!settings) return tl::unexpected(settings.error());
    auto path = FillPathTemplate((*settings)->path, request.params);
    if (!path) return tl::unexpected(WithPrefix(path.error(), prefix));
    const std::string url = endpoint_ + *path;

    std::string expected;  // the vendor's SHA-256 of the file
    if ((*settings)->checksum) {
      auto sum = Get(url + (*settings)->checksum_suffix, 64 * 1024, prefix);
      if (!sum) return tl::unexpected(sum.error());
      if (sum->status != 200) return Answer(std::move(*sum));  // Decode classifies it (a 404: no file)
      std::string_view text = core::Trim(sum->body);
      std::string_view hex = text.substr(0, text.find_first_of(" \t\r\n"));
      if (!IsHex64(hex)) {
        return core::Fail(ErrorKind::kPermanent,
                          prefix + UrlWithoutQuery(url) + (*settings)->checksum_suffix + " is not '<sha256 hex>  <name>' (it starts " +
                              core::Excerpt(text, 60) + "); set checksum: none if the vendor publishes no SHA-256");
      }
      expected = core::ToLower(hex);
      if (request.stored_version == std::string(kSha256Version) + expected) {
        // The storages hold this very file: it is not downloaded again.
        RawResponse unchanged;
        unchanged.http_status = 304;
        unchanged.version = request.stored_version;
        return unchanged;
      }
    }
    // Without a checksum, the vendor's own validators say whether the stored file changed.
    std::vector<std::pair<std::string, std::string>> conditions;
    if (expected.empty()) {
      std::string_view stored = request.stored_version;
      if (stored.starts_with(kEtagVersion)) conditions.emplace_back("If-None-Match", stored.substr(kEtagVersion.size()));
      if (stored.starts_with(kModifiedVersion)) {
        conditions.emplace_back("If-Modified-Since", stored.substr(kModifiedVersion.size()));
      }
    }
    auto file = Get(url, net::kMaxVendorDataBytes, prefix, std::move(conditions));
    if (!file) return tl::unexpected(file.error());
    if (file->status == 200 && !expected.empty()) {
      std::string actual = core::Sha256Hex(file->body);
      if (actual != expected) {
        core::Error e(ErrorKind::kTransient,
                      prefix + UrlWithoutQuery(url) + ": the file's SHA-256 is " + actual + " but its " +
                          (*settings)->checksum_suffix + " says " + expected + " (" +
                          std::to_string(file->body.size()) +
                          " bytes): the download was damaged or the vendor is regenerating the file; it is "
                          "downloaded again");
        e.WithCode("checksum_mismatch");
        return tl::unexpected(std::move(e));
      }
    }
    const bool not_modified = file->status == 304 && !request.stored_version.empty();
    std::string version = !expected.empty()         ? std::string(kSha256Version) + expected
                          : not_modified             ? request.stored_version
                          : !file->Header("etag").empty() ? std::string(kEtagVersion) + std::string(file->Header("etag"))
                          : !file->Header("last-modified").empty()
                              ? std::string(kModifiedVersion) + std::string(file->Header("last-modified"))
                              : std::string();
    RawResponse raw = Answer(std::move(*file));
    raw.version = std::move(version);
    if (not_modified) raw.body.clear();
    return raw;
  }

  core::Result<Page> Decode(const FetchRequest& request, const RawResponse& response) const override {
    if (request.dataset == nullptr || request.dataset->schema == nullptr) {
      return core::Fail(ErrorKind::kInternal, "http_file: Decode called without a dataset schema");
    }
    const Dataset& ds = *request.dataset;
    const std::string prefix = Prefix(ds);
    auto settings = SettingsFor(ds);
    if (!settings) return tl::unexpected(settings.error());
    auto path = FillPathTemplate((*settings)->path, request.params);
    if (!path) return tl::unexpected(WithPrefix(path.error(), prefix));
    if (response.http_status == 404 && (*settings)->not_found_empty) {
      Page empty{core::ColumnBatch(ds.schema)};
      return empty;
    }
    if (response.http_status == 304 && !request.stored_version.empty()) {
      Page unchanged{core::ColumnBatch(ds.schema)};
      unchanged.verdict = PageVerdict::Unchanged();
      unchanged.version = response.version;
      return unchanged;
    }
    net::HttpStatusContext ctx;
    ctx.prefix = prefix + *path + ": ";
    ctx.now = clock_->Now();
    ctx.not_found_advice =
        "the vendor has no such file (yet): check the path and the plan's params; a daily file usually appears "
        "after its day ends, and none exists before a listing (not_found: empty stores nothing for those)";
    if (auto e = net::ClassifyHttpStatus(response.http_status, response.retry_after, response.body, ctx)) {
      return tl::unexpected(std::move(*e));  // a 404 is PERMANENT: the task fails, the run reports it
    }
    auto page = DecodeFile(response.body, LastSegment(*path), (*settings)->format, ds, request.params, &tz_, prefix,
                           net::kMaxVendorDataBytes);
    if (page) page->version = response.version;
    return page;
  }

 private:
  std::string Prefix(const Dataset& ds) const { return "http_file " + source_->name + "/" + ds.name + ": "; }

  static core::Error WithPrefix(core::Error e, const std::string& prefix) {
    e.Context(prefix);
    return e;
  }

  static RawResponse Answer(net::HttpResponse response) {
    RawResponse raw;
    raw.http_status = response.status;
    raw.retry_after = std::string(response.Header("retry-after"));
    raw.seconds = response.total_seconds;
    raw.headers = std::move(response.headers);
    raw.body = std::move(response.body);
    return raw;
  }

  core::Result<net::HttpResponse> Get(const std::string& url, size_t max_bytes, const std::string& prefix,
                                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    net::HttpRequest req;
    req.url = url;
    req.headers = std::move(headers);
    req.timeout = timeout_;
    req.connect_timeout = connect_timeout_;
    req.max_body_bytes = max_bytes;
    auto response = http_->Send(req);
    if (!response) {
      core::Error e = response.error();
      e.Context(prefix);
      return tl::unexpected(core::Error(e.kind(), core::Redact(e.message())).WithCode(e.code()));
    }
    return std::move(*response);
  }

  // The dataset's settings, read once per version of its options.
  core::Result<std::shared_ptr<const DatasetSettings>> SettingsFor(const Dataset& ds) const {
    std::lock_guard lock(mu_);
    auto it = datasets_.find(ds.name);
    if (it != datasets_.end() && it->second.first == ds.options) return it->second.second;
    if (auto st = core::ProblemsToStatus(CheckDataset(ds), "datasets." + ds.name + "."); !st) {
      return tl::unexpected(st.error());
    }
    auto settings = std::make_shared<const DatasetSettings>(ReadDatasetSettings(ds));
    datasets_[ds.name] = {ds.options, settings};
    return settings;
  }

  net::HttpClient* http_;
  const DataSource* source_;
  const core::Clock* clock_;
  core::TimeZone tz_;
  std::string endpoint_;
  std::chrono::milliseconds timeout_{300'000};
  std::chrono::milliseconds connect_timeout_{10'000};
  mutable std::mutex mu_;
  mutable std::map<std::string, std::pair<core::Options, std::shared_ptr<const DatasetSettings>>, std::less<>>
      datasets_;
};

core::Result<std::unique_ptr<Provider>> Create(const ProviderContext& ctx) {
  if (ctx.source == nullptr || ctx.http == nullptr) {
    return core::Fail(ErrorKind::kInternal, "http_file: provider created without a source or an HTTP client");
  }
  const DataSource& source = *ctx.source;
  if (auto st = core::ProblemsToStatus(CheckSource(source), "sources." + source.name + "."); !st) {
    return tl::unexpected(st.error());
  }
  auto tz = LoadSourceTimeZone(source, "UTC");
  if (!tz) return tl::unexpected(tz.error());
  const core::Clock* clock = ctx.clock ? ctx.clock : &core::SystemClock::Instance();
  return std::unique_ptr<Provider>(std::make_unique<HttpFileProvider>(ctx.http, ctx.source, clock, std::move(*tz)));
}

}  // namespace

std::span<const core::OptionSpec> HttpFileSourceOptions() {
  static const std::vector<OptionSpec> specs = {
      {.name = kTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "300",
       .unit = "seconds",
       .description = "Longest the download of one file may take (a monthly archive of minute bars is tens of MiB).",
       .range = kPositiveSeconds},
      {.name = kConnectTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "10",
       .unit = "seconds",
       .description = "Longest the TCP/TLS connect to the endpoint may take.",
       .range = kPositiveSeconds},
  };
  return specs;
}

std::span<const core::OptionSpec> HttpFileDatasetOptions() {
  static const std::vector<OptionSpec> specs = [] {
    std::vector<OptionSpec> t = {
        {.name = kPath.name,
         .type = OptionType::kString,
         .required = true,
         .description = "The path of one file under the source's endpoint, with {param} placeholders filled from "
                        "the plan's params (percent-encoded).",
         .example = "/data/spot/daily/klines/{symbol}/1h/{symbol}-1h-{day}.zip"},
        {.name = kChecksum.name,
         .type = OptionType::kEnum,
         .default_value = "none",
         .description = "'sha256': the vendor publishes each file's SHA-256 in <file><checksum_suffix> "
                        "(\"<hex>  <name>\"), and a file that does not match is downloaded again; 'none': no check.",
         .allowed = {"none", "sha256"}},
        {.name = kChecksumSuffix.name,
         .type = OptionType::kString,
         .default_value = ".CHECKSUM",
         .description = "What the checksum file's URL adds to the file's URL."},
        {.name = kNotFound.name,
         .type = OptionType::kEnum,
         .default_value = "fail",
         .description = "What a missing file (404) means: 'fail' (the task fails; a wrong path or a file not "
                        "published yet), or 'empty' (the vendor has no data there, e.g. before a listing: the task "
                        "stores no rows).",
         .allowed = {"fail", "empty"}},
    };
    AppendFileFormatOptions(t);
    return t;
  }();
  return specs;
}

void RegisterHttpFile(ProviderRegistry& registry) {
  ProviderInfo info;
  info.id = "http_file";
  info.description = "A vendor's bulk files over HTTP(S) (CSV, zipped or gzipped, with a SHA-256 check), one file per task";
  info.default_endpoint = "";
  info.default_timezone = "UTC";
  info.options = HttpFileSourceOptions();
  info.validate = [](const DataSource& source, const core::OptionCheckContext&) { return CheckSource(source); };
  info.dataset_options = HttpFileDatasetOptions();
  info.validate_dataset = [](const Dataset& ds, const DataSource&) { return CheckDataset(ds); };
  info.create = [](const ProviderContext& ctx) { return Create(ctx); };
  registry.Register(std::move(info));
}

}  // namespace datasync::datasource::files
