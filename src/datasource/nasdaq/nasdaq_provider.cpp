#include "datasource/nasdaq/nasdaq_provider.hpp"

#include "core/secrets.hpp"
#include "core/time_zone.hpp"
#include "datasource/nasdaq/error_classifier.hpp"
#include "datasource/nasdaq/metadata_import.hpp"
#include "datasource/nasdaq/request_builder.hpp"
#include "datasource/nasdaq/response_decoder.hpp"
#include "datasource/nasdaq/shaping.hpp"
#include "net/cleartext.hpp"
#include "net/http_client.hpp"

namespace datasync::datasource::nasdaq {

namespace {

using core::ErrorKind;
using core::OptionSpec;
using core::OptionType;

constexpr std::string_view kId = "nasdaq_data_link";
constexpr std::string_view kDefaultEndpoint = "https://data.nasdaq.com";
// The vendor does not document the time zone of its daily limit; UTC is the assumption (a source may set
// `timezone:` if its resets are seen elsewhere). It also decides the day of DateTime values without offset.
constexpr std::string_view kDefaultTimeZone = "UTC";

constexpr core::OptionKey<std::string> kApiKey{"api_key", NasdaqOptions};
constexpr core::OptionKey<std::string> kKeyIn{"key_in", NasdaqOptions};
constexpr core::OptionKey<int64_t> kTimeoutSecs{"timeout_secs", NasdaqOptions};
constexpr core::OptionKey<int64_t> kConnectTimeoutSecs{"connect_timeout_secs", NasdaqOptions};
constexpr core::OptionKey<int64_t> kPerPage{"per_page", NasdaqOptions};
constexpr core::OptionKey<int64_t> kRateLimitWaitSecs{"rate_limit_wait_secs", NasdaqOptions};

constexpr core::OptionRange kPositiveSeconds{.min = 1, .text = "must be a positive number of seconds"};
constexpr core::OptionRange kPageRange{
    .min = 1, .max = kMaxPerPage, .text = "must be between 1 and 10000 (the vendor's page limit)"};

}  // namespace

std::span<const core::OptionSpec> NasdaqOptions() {
  static const std::vector<OptionSpec> specs = {
      {kApiKey.name,
       OptionType::kSecret,
       "",
       false,
       "",
       "Your Nasdaq Data Link API key: a ${ENV} reference resolved at each call, never the key itself. Without "
       "one, calls are anonymous (free data only, 20 calls per 10 minutes and 50 per day).",
       {},
       "${NDL_API_KEY}"},
      {kKeyIn.name,
       OptionType::kEnum,
       "header",
       false,
       "",
       "How the key travels: 'header' (X-Api-Token, kept out of URLs and proxy logs) or 'query' (api_key=, for "
       "gateways that strip headers).",
       {"header", "query"}},
      {.name = kTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "60",
       .unit = "seconds",
       .description = "Longest a whole call may take, including the download of a page of up to 10,000 rows.",
       .range = kPositiveSeconds},
      {.name = kConnectTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "10",
       .unit = "seconds",
       .description = "Longest the TCP/TLS connect to the endpoint may take.",
       .range = kPositiveSeconds},
      {.name = kPerPage.name,
       .type = OptionType::kInt,
       .default_value = "10000",
       .unit = "rows",
       .description = "Rows per Tables API page (qopts.per_page); fewer rows mean more calls.",
       .range = kPageRange},
      {.name = kRateLimitWaitSecs.name,
       .type = OptionType::kInt,
       .default_value = "60",
       .unit = "seconds",
       .description = "Cool-down suggested to the engine after a 10-minute limit (QELx04/05) that carries no "
                      "Retry-After; the quota's own windows then pace the calls.",
       .range = kPositiveSeconds},
  };
  return specs;
}

QuotaLimits DefaultLimits(const DataSource& source) {
  QuotaLimits l;
  l.concurrency = 1;
  l.scope = QuotaScope::kPerCredential;
  if (source.options.Get(kApiKey).empty()) {
    l.windows = {{600, 20, QuotaWindowKind::kSliding}};
    l.per_day = 50;
  } else {
    l.windows = {{10, 300, QuotaWindowKind::kSliding}, {600, 2000, QuotaWindowKind::kSliding}};
    l.per_day = 50000;
  }
  return Canonical(l);
}

namespace {

struct Settings {
  std::string endpoint;
  KeyIn key_in = KeyIn::kHeader;
  int64_t per_page = kMaxPerPage;
  std::chrono::milliseconds timeout{60'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::seconds rate_limit_wait{60};
};

core::OptionProblems CheckOptions(const DataSource& source) {
  core::OptionProblems problems = core::CheckOptionTable(source.options, NasdaqOptions(), "provider nasdaq_data_link");
  return problems;
}

// The key to send now (a rotated value is picked up); "" for an anonymous source. `where` starts the
// message of an unresolvable reference (config checks report at the key, so they pass none).
core::Result<std::string> ResolveKey(const DataSource& source, bool say_where = true) {
  std::string ref = source.options.Get(kApiKey);
  if (ref.empty()) return std::string();
  return core::ResolveSecret(ref, say_where ? "sources." + source.name + ".api_key" : std::string());
}

core::OptionProblems CheckSource(const DataSource& source, const core::OptionCheckContext& ctx) {
  core::OptionProblems problems = CheckOptions(source);
  if (ctx.resolve_secrets) {
    if (auto key = ResolveKey(source, false); !key) {
      problems.push_back({"api_key", key.error().message(), source.options.Get(kApiKey)});
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
  s.key_in = o.Get(kKeyIn) == "query" ? KeyIn::kQuery : KeyIn::kHeader;
  s.per_page = o.Get(kPerPage);
  s.timeout = std::chrono::seconds(o.Get(kTimeoutSecs));
  s.connect_timeout = std::chrono::seconds(o.Get(kConnectTimeoutSecs));
  s.rate_limit_wait = std::chrono::seconds(o.Get(kRateLimitWaitSecs));
  return s;
}

void WarnIfCleartext(const DataSource& source, const std::string& url, bool has_key) {
  if (!has_key || !net::IsCleartextHttp(url)) return;
  std::string host = net::UrlHost(url);
  net::WarnOnce("nasdaq-key " + source.name + " " + host,
                "sources." + source.name + ": the Nasdaq Data Link API key travels in clear to " + host +
                    " (the endpoint is http://): anyone on the path can read and reuse it; use an https:// endpoint "
                    "(the default, https://data.nasdaq.com)");
}

// One HTTP call with the source's key and timeouts; the error never quotes the URL's key.
core::Result<net::HttpResponse> Send(net::HttpClient& http, const DataSource& source, const Settings& settings,
                                     const WireRequest& wire, std::string_view what, bool has_key) {
  net::HttpRequest request;
  request.method = wire.method;
  request.url = wire.url;
  request.headers = wire.headers;
  request.body = wire.body;
  request.timeout = settings.timeout;
  request.connect_timeout = settings.connect_timeout;
  request.max_body_bytes = net::kMaxVendorDataBytes;
  WarnIfCleartext(source, request.url, has_key);
  auto response = http.Send(request);
  if (!response) {
    core::Error e(response.error().kind(), RedactApiKey(response.error().message()));
    e.WithCode(response.error().code());
    e.retry_after = response.error().retry_after;
    e.Context("nasdaq_data_link " + std::string(what));
    return tl::unexpected(std::move(e));
  }
  return response;
}

ErrorContext MakeErrorContext(const DataSource& source, std::string_view api, const std::string& key_ref,
                              const core::TimeZone& tz, const core::Clock& clock, const Settings& settings) {
  ErrorContext ctx;
  ctx.api = api;
  ctx.source_name = source.name;
  ctx.key_ref = key_ref;
  ctx.tz = &tz;
  ctx.now = clock.Now();
  ctx.rate_limit_wait = settings.rate_limit_wait;
  return ctx;
}

class NasdaqProvider final : public Provider {
 public:
  NasdaqProvider(net::HttpClient* http, const DataSource* source, const core::Clock* clock, Settings settings,
                 core::TimeZone tz)
      : http_(http), source_(source), clock_(clock), settings_(std::move(settings)), tz_(std::move(tz)) {}

  core::Result<RawResponse> Fetch(const FetchRequest& request) override {
    const DataSource& source = request.source ? *request.source : *source_;
    if (request.dataset == nullptr || request.dataset->schema == nullptr) {
      return core::Fail(ErrorKind::kInternal, "nasdaq_data_link: Fetch called without a dataset schema");
    }
    const Dataset& ds = *request.dataset;
    auto api = ParseApi(ds.api);
    if (!api) return core::Fail(ErrorKind::kConfig, "dataset " + ds.name + ": " + api.error().message());
    auto key = ResolveKey(source);
    if (!key) return tl::unexpected(key.error());
    RequestOptions options{*key, settings_.key_in, settings_.per_page};
    auto wire = BuildRequest(settings_.endpoint, *api, request.params, ds.schema->Names(), options);
    if (!wire) return tl::unexpected(wire.error());
    auto response = Send(*http_, source, settings_, *wire, ds.api, !key->empty());
    if (!response) return tl::unexpected(response.error());
    RawResponse raw;
    raw.http_status = response->status;
    raw.retry_after = std::string(response->Header("retry-after"));
    raw.seconds = response->total_seconds;
    raw.body = std::move(response->body);
    return raw;
  }

  core::Result<Page> Decode(const FetchRequest& request, const RawResponse& response) const override {
    if (request.dataset == nullptr || request.dataset->schema == nullptr) {
      return core::Fail(ErrorKind::kInternal, "nasdaq_data_link: Decode called without a dataset schema");
    }
    auto api = ParseApi(request.dataset->api);
    if (!api) return core::Fail(ErrorKind::kConfig, "dataset " + request.dataset->name + ": " + api.error().message());
    const DataSource& source = request.source ? *request.source : *source_;
    const std::string key_ref = source.options.Get(kApiKey);  // outlives ctx, which holds a view of it
    DecodeContext ctx;
    ctx.dataset = request.dataset;
    ctx.api = *api;
    ctx.tz = &tz_;
    ctx.params = &request.params;
    ctx.errors = MakeErrorContext(source, request.dataset->api, key_ref, tz_, *clock_, settings_);
    // Only an error answer (QELx06-08 come with a 4xx status) needs to know; a data page skips the copies.
    ctx.errors.can_split = response.http_status != 200 && SplitRequest(*api, request.params).has_value();
    return DecodeResponse(response.http_status, response.retry_after, response.body, ctx);
  }

  std::optional<std::vector<Params>> Split(const FetchRequest& request) const override {
    if (request.dataset == nullptr) return std::nullopt;
    auto api = ParseApi(request.dataset->api);
    if (!api) return std::nullopt;
    return SplitRequest(*api, request.params);
  }

 private:
  net::HttpClient* http_;
  const DataSource* source_;
  const core::Clock* clock_;
  Settings settings_;
  core::TimeZone tz_;
};

core::Result<core::TimeZone> SourceZone(const DataSource& source) {
  return LoadSourceTimeZone(source, kDefaultTimeZone);
}

core::Result<std::unique_ptr<Provider>> Create(const ProviderContext& ctx) {
  if (ctx.source == nullptr || ctx.http == nullptr) {
    return core::Fail(ErrorKind::kInternal, "nasdaq_data_link: provider created without a source or an HTTP client");
  }
  auto settings = ReadSettings(*ctx.source);
  if (!settings) return tl::unexpected(settings.error());
  auto tz = SourceZone(*ctx.source);
  if (!tz) return tl::unexpected(tz.error());
  const core::Clock* clock = ctx.clock ? ctx.clock : &core::SystemClock::Instance();
  return std::unique_ptr<Provider>(
      std::make_unique<NasdaqProvider>(ctx.http, ctx.source, clock, std::move(*settings), std::move(*tz)));
}

// `dataset import --api` and `dataset refresh`: the metadata endpoint, with the source's key.
core::Result<ImportedDataset> ImportApi(const ProviderContext& ctx, std::string_view what) {
  if (ctx.source == nullptr || ctx.http == nullptr) {
    return core::Fail(ErrorKind::kInternal, "nasdaq_data_link: import without a source or an HTTP client");
  }
  const DataSource& source = *ctx.source;
  auto ref = ParseMetadataRef(what);
  if (!ref) return tl::unexpected(ref.error());
  auto settings = ReadSettings(source);
  if (!settings) return tl::unexpected(settings.error());
  auto tz = SourceZone(source);
  if (!tz) return tl::unexpected(tz.error());
  auto key = ResolveKey(source);
  if (!key) return tl::unexpected(key.error());

  const std::string url = MetadataUrl(settings->endpoint, ref->with_code);
  WireRequest wire;
  wire.method = "GET";
  wire.url = url;
  wire.headers = {{"Accept", "application/json"}};
  if (!key->empty() && settings->key_in == KeyIn::kHeader) wire.headers.emplace_back("X-Api-Token", *key);
  if (!key->empty() && settings->key_in == KeyIn::kQuery) {
    wire.url += "?api_key=";
    AppendQueryComponent(wire.url, *key);
  }
  auto response = Send(*ctx.http, source, *settings, wire, ref->with_code + " metadata", !key->empty());
  if (!response) return tl::unexpected(response.error());

  const core::Clock& clock = ctx.clock ? *ctx.clock : core::SystemClock::Instance();
  const std::string key_ref = source.options.Get(kApiKey);
  ErrorContext errors = MakeErrorContext(source, ref->with_code, key_ref, *tz, clock, *settings);
  if (response->status != 200) {
    // The vendor's error object, when the body is one, says more than the status.
    Dataset probe;
    probe.schema = std::make_shared<const core::Schema>();
    DecodeContext dctx;
    dctx.dataset = &probe;
    dctx.api = NdlApi{ref->table ? NdlApi::Kind::kTable : NdlApi::Kind::kTimeSeries, ref->api};
    dctx.errors = errors;
    auto decoded = DecodeResponse(response->status, response->Header("retry-after"), response->body, dctx);
    if (!decoded) return tl::unexpected(decoded.error());
    return core::Fail(ErrorKind::kTransient, "nasdaq_data_link " + ref->with_code + " metadata: HTTP " +
                                                 std::to_string(response->status) + " without metadata");
  }
  return ParseMetadata(*ref, response->body, url);
}

}  // namespace

void RegisterNasdaqDataLink(ProviderRegistry& registry) {
  ProviderInfo info;
  info.id = std::string(kId);
  info.description = "Nasdaq Data Link (data.nasdaq.com, formerly Quandl): tables and time series over a JSON API";
  info.default_endpoint = std::string(kDefaultEndpoint);
  info.default_timezone = std::string(kDefaultTimeZone);
  info.options = NasdaqOptions();
  info.validate = [](const DataSource& source, const core::OptionCheckContext& ctx) {
    return CheckSource(source, ctx);
  };
  info.import_api = [](const ProviderContext& ctx, std::string_view what) { return ImportApi(ctx, what); };
  info.default_limits = [](const DataSource& source) { return DefaultLimits(source); };
  info.create = [](const ProviderContext& ctx) { return Create(ctx); };
  registry.Register(std::move(info));
}

}  // namespace datasync::datasource::nasdaq
