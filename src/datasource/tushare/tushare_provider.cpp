#include "datasource/tushare/tushare_provider.hpp"

#include "core/secrets.hpp"
#include "core/time_zone.hpp"
#include "datasource/tushare/catalog.hpp"
#include "datasource/tushare/doc_importer.hpp"
#include "datasource/tushare/request_builder.hpp"
#include "datasource/tushare/response_decoder.hpp"
#include "datasource/tushare/shaping.hpp"
#include "net/cleartext.hpp"
#include "net/http_client.hpp"

namespace datasync::datasource::tushare {

namespace {

using core::ErrorKind;
using core::OptionSpec;
using core::OptionType;

// Every call carries the token in its body, so the default is TLS. Tushare's own docs and SDK still show
// http://api.tushare.pro, but the host serves the same API over https (waditu/tushare#1331 reports the https
// URL working; clients such as ragflow's were moved to it after checking it answers API calls). An
// http:// endpoint stays possible and is warned about (net/cleartext.hpp).
constexpr std::string_view kDefaultEndpoint = "https://api.tushare.pro";
constexpr std::string_view kDefaultTimeZone = "Asia/Shanghai";

constexpr core::OptionKey<std::string> kToken{"token", TushareOptions};
constexpr core::OptionKey<int64_t> kTimeoutSecs{"timeout_secs", TushareOptions};
constexpr core::OptionKey<int64_t> kConnectTimeoutSecs{"connect_timeout_secs", TushareOptions};
constexpr core::OptionKey<std::string> kUrlStyle{"url_style", TushareOptions};
constexpr core::OptionKey<int64_t> kRateLimitWaitSecs{"rate_limit_wait_secs", TushareOptions};

constexpr core::OptionRange kPositiveSeconds{.min = 1, .text = "must be a positive number of seconds"};

}  // namespace

std::span<const core::OptionSpec> TushareOptions() {
  static const std::vector<OptionSpec> specs = {
      {kToken.name,
       OptionType::kSecret,
       "",
       true,
       "",
       "Your Tushare Pro token, sent with every call: a ${ENV} reference resolved at each call, never the token "
       "itself.",
       {},
       "${TUSHARE_TOKEN}"},
      {.name = kTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "60",
       .unit = "seconds",
       .description = "Longest a whole call may take, including the download of up to 6000 rows.",
       .range = kPositiveSeconds},
      {.name = kConnectTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "10",
       .unit = "seconds",
       .description = "Longest the TCP/TLS connect to the endpoint may take.",
       .range = kPositiveSeconds},
      {kUrlStyle.name,
       OptionType::kEnum,
       "root",
       false,
       "",
       "Where calls are posted: 'root' posts to the endpoint itself (the classic client); 'dataapi' posts to "
       "<endpoint>/dataapi/<api_name> (newer clients).",
       {"root", "dataapi"}},
      {.name = kRateLimitWaitSecs.name,
       .type = OptionType::kInt,
       .default_value = "60",
       .unit = "seconds",
       .description = "Cool-down suggested to the engine when the vendor reports a per-minute limit; the vendor "
                      "counts a rolling minute, so less than 60 risks another rejection.",
       .range = kPositiveSeconds},
  };
  return specs;
}

namespace {

struct Settings {
  std::string endpoint;
  UrlStyle url_style = UrlStyle::kRoot;
  std::chrono::milliseconds timeout{60'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::seconds minute_wait{60};
};

// The token to send: the source's reference resolved now (a rotated value is picked up), or a key-less
// message. Fetch and the source check both come here.
std::string TokenReference(const DataSource& source) {
  return source.options.Get(kToken);
}

core::Result<std::string> ResolveToken(const DataSource& source) {
  std::string ref = TokenReference(source);
  if (ref.empty()) {
    return core::Fail(ErrorKind::kConfig,
                      "is not set: set it to ${TUSHARE_TOKEN} and export TUSHARE_TOKEN with your Tushare Pro token");
  }
  return core::ResolveSecret(ref, "");
}

// The rules of the source's options beyond the table's types: what creating the provider checks.
core::OptionProblems CheckOptions(const DataSource& source) {
  const core::Options& o = source.options;
  // Unknown keys, url_style's values, the timeouts' range.
  core::OptionProblems problems = core::CheckOptionTable(o, TushareOptions(), "provider tushare");
  return problems;
}

// What config loading checks: the options, and a token that Fetch can use (looked up only when asked).
core::OptionProblems CheckSource(const DataSource& source, const core::OptionCheckContext& ctx) {
  core::OptionProblems problems = CheckOptions(source);
  if (TokenReference(source).empty()) {
    problems.push_back({"token", ResolveToken(source).error().message()});
  } else if (ctx.resolve_secrets) {
    if (auto token = ResolveToken(source); !token) {
      problems.push_back({"token", token.error().message(), TokenReference(source)});
    }
  }
  return problems;
}

core::Result<Settings> ReadSettings(const DataSource& source) {
  if (auto st = core::ProblemsToStatus(CheckOptions(source), "sources." + source.name + "."); !st) {
    return tl::unexpected(st.error());
  }
  const core::Options& o = source.options;
  Settings s;
  s.endpoint = source.endpoint.empty() ? std::string(kDefaultEndpoint) : source.endpoint;
  s.url_style = o.Get(kUrlStyle) == "dataapi" ? UrlStyle::kDataApi : UrlStyle::kRoot;
  s.timeout = std::chrono::seconds(o.Get(kTimeoutSecs));
  s.connect_timeout = std::chrono::seconds(o.Get(kConnectTimeoutSecs));
  s.minute_wait = std::chrono::seconds(o.Get(kRateLimitWaitSecs));
  return s;
}

class TushareProvider final : public Provider {
 public:
  TushareProvider(net::HttpClient* http, const DataSource* source, const core::Clock* clock, Settings settings,
                  core::TimeZone tz)
      : http_(http), source_(source), clock_(clock), settings_(std::move(settings)), tz_(std::move(tz)) {}

  core::Result<RawResponse> Fetch(const FetchRequest& request) override {
    const DataSource& source = request.source ? *request.source : *source_;
    if (request.dataset == nullptr || request.dataset->schema == nullptr) {
      return core::Fail(ErrorKind::kInternal, "tushare: Fetch called without a dataset schema");
    }
    const Dataset& ds = *request.dataset;
    auto token = ResolveToken(source);
    if (!token) {
      return core::Fail(ErrorKind::kConfig, "sources." + source.name + ".token: " + token.error().message());
    }

    net::HttpRequest http_request;
    http_request.method = "POST";
    http_request.url = BuildUrl(settings_.endpoint, settings_.url_style, ds.api);
    http_request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    http_request.body = BuildRequestBody(ds.api, *token, request.params, ds.schema->Names());
    http_request.timeout = settings_.timeout;
    http_request.connect_timeout = settings_.connect_timeout;
    http_request.max_body_bytes = net::kMaxVendorDataBytes;

    if (net::IsCleartextHttp(http_request.url)) {
      std::string host = net::UrlHost(http_request.url);
      net::WarnOnce("tushare-token " + source.name + " " + host,
                    "sources." + source.name + ": the Tushare token travels in clear to " + host +
                        " (the endpoint is http://): anyone on the path can read and reuse it; use an https:// "
                        "endpoint (the default, https://api.tushare.pro)");
    }
    auto response = http_->Send(http_request);
    if (!response) {
      core::Error e = response.error();
      e.Context("tushare " + ds.api);
      return tl::unexpected(std::move(e));
    }
    RawResponse raw;
    raw.http_status = response->status;
    raw.retry_after = std::string(response->Header("retry-after"));
    raw.seconds = response->total_seconds;
    raw.body = std::move(response->body);
    return raw;
  }

  core::Result<Page> Decode(const FetchRequest& request, const RawResponse& response) const override {
    if (request.dataset == nullptr || request.dataset->schema == nullptr) {
      return core::Fail(ErrorKind::kInternal, "tushare: Decode called without a dataset schema");
    }
    const DataSource& source = request.source ? *request.source : *source_;
    const std::string token_ref = TokenReference(source);  // outlives ctx, which holds a view of it
    DecodeContext ctx;
    ctx.dataset = request.dataset;
    ctx.tz = &tz_;
    ctx.errors.api = request.dataset->api;
    ctx.errors.source_name = source.name;
    ctx.errors.token_ref = token_ref;
    ctx.errors.tz = &tz_;
    ctx.errors.now = clock_->Now();
    ctx.errors.minute_wait = settings_.minute_wait;
    ctx.params = &request.params;
    ctx.shaping = &ShapingFor(*request.dataset);
    if (auto e = ClassifyHttpStatus(response.http_status, response.retry_after, response.body, ctx.errors)) {
      return tl::unexpected(std::move(*e));
    }
    return DecodeResponse(response.body, ctx);
  }

  std::optional<std::vector<Params>> Split(const FetchRequest& request) const override {
    if (request.dataset == nullptr) return std::nullopt;
    return ShapingFor(*request.dataset).Split(request.params);
  }

 private:
  net::HttpClient* http_;
  const DataSource* source_;
  const core::Clock* clock_;
  Settings settings_;
  core::TimeZone tz_;
};

core::Result<std::unique_ptr<Provider>> Create(const ProviderContext& ctx) {
  if (ctx.source == nullptr || ctx.http == nullptr) {
    return core::Fail(ErrorKind::kInternal, "tushare: provider created without a source or an HTTP client");
  }
  const DataSource& source = *ctx.source;
  auto settings = ReadSettings(source);
  if (!settings) return tl::unexpected(settings.error());
  auto tz = LoadSourceTimeZone(source, kDefaultTimeZone);
  if (!tz) return tl::unexpected(tz.error());
  const core::Clock* clock = ctx.clock ? ctx.clock : &core::SystemClock::Instance();
  return std::unique_ptr<Provider>(
      std::make_unique<TushareProvider>(ctx.http, ctx.source, clock, std::move(*settings), std::move(*tz)));
}

}  // namespace

void RegisterTushare(ProviderRegistry& registry) {
  ProviderInfo info;
  info.id = "tushare";
  info.description = "Tushare Pro (tushare.pro): Chinese market data over an HTTP JSON API";
  info.default_endpoint = std::string(kDefaultEndpoint);
  info.default_timezone = std::string(kDefaultTimeZone);
  info.options = TushareOptions();
  info.validate = [](const DataSource& source, const core::OptionCheckContext& ctx) {
    return CheckSource(source, ctx);
  };
  info.builtin_datasets = [](const std::string& source_name) { return BuiltinDatasets(source_name); };
  info.importer = MakeDocImporter();
  info.create = [](const ProviderContext& ctx) { return Create(ctx); };
  registry.Register(std::move(info));
}

}  // namespace datasync::datasource::tushare
