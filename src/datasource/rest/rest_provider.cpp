#include "datasource/rest/rest_provider.hpp"

#include <map>
#include <mutex>

#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "datasource/rest/request_builder.hpp"
#include "datasource/rest/response_decoder.hpp"
#include "datasource/rest/rest_options.hpp"
#include "net/cleartext.hpp"
#include "net/http_client.hpp"

namespace datasync::datasource::rest {

namespace {

using core::ErrorKind;

std::string Prefix(const DataSource& source, const Dataset& ds) {
  return "rest " + source.name + "/" + ds.name + ": ";
}

// A header whose value is a credential even when written literally: it is redacted like a resolved secret.
bool SensitiveHeader(std::string_view name) {
  std::string n = core::ToLower(name);
  for (std::string_view word : {"authorization", "token", "key", "secret", "password", "cookie", "signature"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

// How to fix a refused credential, naming the setting and the variable, never the value.
std::string AuthAdvice(const DataSource& source, const SourceSettings& s) {
  auto ref_text = [&](std::string_view key) {
    std::string ref = source.options.GetString(key);
    std::string where = "sources." + source.name + "." + std::string(key);
    if (core::IsSecretReference(ref)) return "the value of " + ref + " (" + where + ")";
    return where;
  };
  switch (s.auth) {
    case Auth::kNone:
      return "the source sends no credentials (auth: none); set auth and its credential if the API needs one";
    case Auth::kApiKey:
      return "check " + ref_text("api_key") + ": the API key may be wrong, expired or not entitled to this data";
    case Auth::kBearer: return "check " + ref_text("token") + ": the token may be wrong or expired";
    case Auth::kBasic: return "check sources." + source.name + ".username and " + ref_text("password");
  }
  return "";
}

class RestProvider final : public Provider {
 public:
  RestProvider(net::HttpClient* http, const DataSource* source, const core::Clock* clock, SourceSettings settings,
               core::TimeZone tz)
      : http_(http), source_(source), clock_(clock), settings_(std::move(settings)), tz_(std::move(tz)) {}

  core::Result<RawResponse> Fetch(const FetchRequest& request) override {
    if (request.dataset == nullptr) return core::Fail(ErrorKind::kInternal, "rest: Fetch called without a dataset");
    const DataSource& source = request.source ? *request.source : *source_;
    const Dataset& ds = *request.dataset;
    auto dataset_settings = SettingsFor(ds);
    if (!dataset_settings) return tl::unexpected(dataset_settings.error());
    auto credentials = Resolve(source);
    if (!credentials) return tl::unexpected(credentials.error());
    auto built = BuildRequest(settings_, **dataset_settings, ds, request.params, *credentials);
    if (!built) {
      core::Error e = built.error();
      e.Context(Prefix(source, ds));
      return tl::unexpected(std::move(e));
    }

    net::HttpRequest http_request;
    http_request.method = built->method;
    http_request.url = std::move(built->url);
    http_request.headers = std::move(built->headers);
    http_request.body = std::move(built->body);
    http_request.timeout = settings_.timeout;
    http_request.connect_timeout = settings_.connect_timeout;
    http_request.max_body_bytes = net::kMaxVendorDataBytes;
    if ((settings_.auth != Auth::kNone || credentials->secret_headers) && net::IsCleartextHttp(http_request.url)) {
      std::string host = net::UrlHost(http_request.url);
      net::WarnOnce("rest-credentials " + source.name + " " + host,
                    "sources." + source.name + ": the credentials travel in clear to " + host +
                        " (the endpoint is http://): anyone on the path can read and reuse them; use an https:// "
                        "endpoint");
    }
    auto response = http_->Send(http_request);
    if (!response) {
      core::Error e = response.error();
      e.Context(Prefix(source, ds));
      return tl::unexpected(core::Error(e.kind(), core::Redact(e.message())).WithCode(e.code()));
    }
    RawResponse raw;
    raw.http_status = response->status;
    raw.retry_after = std::string(response->Header("retry-after"));
    raw.seconds = response->total_seconds;
    raw.headers = std::move(response->headers);
    raw.body = std::move(response->body);
    return raw;
  }

  core::Result<Page> Decode(const FetchRequest& request, const RawResponse& response) const override {
    if (request.dataset == nullptr || request.dataset->schema == nullptr) {
      return core::Fail(ErrorKind::kInternal, "rest: Decode called without a dataset schema");
    }
    auto in = Input(request);
    if (!in) return tl::unexpected(in.error());
    return DecodeAnswer(response, in->first);
  }

  core::Result<RecordSample> Sample(const FetchRequest& request, const RawResponse& response) const override {
    if (request.dataset == nullptr) return core::Fail(ErrorKind::kInternal, "rest: Sample called without a dataset");
    auto in = Input(request);
    if (!in) return tl::unexpected(in.error());
    return SampleAnswer(response, in->first);
  }

  std::optional<std::vector<Params>> Split(const FetchRequest& request) const override {
    if (request.dataset == nullptr) return std::nullopt;
    for (const auto& [k, v] : request.params) {
      if (k == kNextUrlParam) return std::nullopt;  // a link page's URL is the vendor's; nothing to narrow
    }
    auto dataset_settings = SettingsFor(*request.dataset);
    if (!dataset_settings) return std::nullopt;
    const DatasetSettings& s = **dataset_settings;
    // A later page of a paged answer (or the first page of a restarted one) is not narrowed: its halves would
    // carry the cursor or offset of the whole request's paging and the chain's rows to drop, and skip or
    // repeat rows. The task fails with the truncation instead.
    if (s.chain.Read(request.params).InChain()) return std::nullopt;
    return s.shaping.Split(request.params);
  }

 private:
  // What DecodeAnswer and SampleAnswer read, with the dataset's settings it points at kept alive.
  core::Result<std::pair<DecodeInput, std::shared_ptr<const DatasetSettings>>> Input(
      const FetchRequest& request) const {
    const DataSource& source = request.source ? *request.source : *source_;
    auto dataset_settings = SettingsFor(*request.dataset);
    if (!dataset_settings) return tl::unexpected(dataset_settings.error());
    DecodeInput in;
    in.dataset = request.dataset;
    in.source = &settings_;
    in.settings = dataset_settings->get();
    in.tz = &tz_;
    in.params = &request.params;
    in.classify.prefix = Prefix(source, *request.dataset);
    in.classify.now = clock_->Now();
    in.classify.tz = &tz_;
    in.classify.rate_limit_wait = settings_.rate_limit_wait;
    in.classify.auth_advice = AuthAdvice(source, settings_);
    return std::pair{std::move(in), std::move(*dataset_settings)};
  }

  // The dataset's settings, read once per version of its options.
  core::Result<std::shared_ptr<const DatasetSettings>> SettingsFor(const Dataset& ds) const {
    std::lock_guard lock(mu_);
    auto it = datasets_.find(ds.name);
    if (it != datasets_.end() && it->second.first == ds.options) return it->second.second;
    auto read = ReadDatasetSettings(ds);
    if (!read) return tl::unexpected(read.error());
    datasets_[ds.name] = {ds.options, *read};
    return *read;
  }

  // The source's secrets resolved now (a rotated value is picked up), each registered for redaction.
  core::Result<Credentials> Resolve(const DataSource& source) const {
    Credentials c;
    auto secret = [&](std::string_view key, std::string& out) -> core::Status {
      auto v = core::ResolveSecret(source.options.GetString(key), "sources." + source.name + "." + std::string(key));
      if (!v) return tl::unexpected(v.error());
      out = std::move(*v);
      return core::Ok();
    };
    core::Status st = core::Ok();
    switch (settings_.auth) {
      case Auth::kNone: break;
      case Auth::kApiKey: st = secret("api_key", c.api_key); break;
      case Auth::kBearer: st = secret("token", c.token); break;
      case Auth::kBasic:
        c.username = source.options.GetString("username");
        st = secret("password", c.password);
        break;
    }
    if (!st) return tl::unexpected(st.error());
    for (const auto& [name, value] : settings_.headers) {
      if (core::IsSecretReference(value) || SensitiveHeader(name)) {
        auto v = core::ResolveSecret(value, "sources." + source.name + ".headers." + name);
        if (!v) return tl::unexpected(v.error());
        c.headers.emplace_back(name, std::move(*v));
        c.secret_headers = true;
      } else {
        c.headers.emplace_back(name, value);
      }
    }
    return c;
  }

  net::HttpClient* http_;
  const DataSource* source_;
  const core::Clock* clock_;
  SourceSettings settings_;
  core::TimeZone tz_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::pair<core::Options, std::shared_ptr<const DatasetSettings>>, std::less<>>
      datasets_;
};

core::Result<std::unique_ptr<Provider>> Create(const ProviderContext& ctx) {
  if (ctx.source == nullptr || ctx.http == nullptr) {
    return core::Fail(ErrorKind::kInternal, "rest: provider created without a source or an HTTP client");
  }
  const DataSource& source = *ctx.source;
  auto settings = ReadSourceSettings(source);
  if (!settings) return tl::unexpected(settings.error());
  auto tz = LoadSourceTimeZone(source, "UTC");
  if (!tz) return tl::unexpected(tz.error());
  const core::Clock* clock = ctx.clock ? ctx.clock : &core::SystemClock::Instance();
  return std::unique_ptr<Provider>(
      std::make_unique<RestProvider>(ctx.http, ctx.source, clock, std::move(*settings), std::move(*tz)));
}

}  // namespace

void RegisterRest(ProviderRegistry& registry) {
  ProviderInfo info;
  info.id = "rest";
  info.description = "Any JSON web API, described in datasync.yaml: auth, paths, record selectors, paging, error rules";
  info.default_endpoint = "";
  info.default_timezone = "UTC";
  info.options = RestSourceOptions();
  info.validate = [](const DataSource& source, const core::OptionCheckContext& ctx) {
    return CheckSource(source, ctx.resolve_secrets);
  };
  info.dataset_options = RestDatasetOptions();
  info.validate_dataset = [](const Dataset& ds, const DataSource&) { return CheckDataset(ds); };
  info.infers_fields = true;
  info.create = [](const ProviderContext& ctx) { return Create(ctx); };
  registry.Register(std::move(info));
}

}  // namespace datasync::datasource::rest
