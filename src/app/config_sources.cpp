#include "app/config_parser.hpp"
#include "core/time_zone.hpp"

namespace datasync::app {

std::optional<datasource::QuotaLimits> ConfigParser::ParseLimits(const YAML::Node& n, const std::string& path) {
  if (!RequireMap(n, path)) return std::nullopt;
  CheckKeys(n, path, {"per_minute", "per_hour", "per_day", "concurrency", "margin_ms"});
  datasource::QuotaLimits l;
  if (auto v = n["per_minute"]) l.per_minute = PositiveInt(v, path + ".per_minute", 1'000'000);
  if (auto v = n["per_hour"]) l.per_hour = PositiveInt(v, path + ".per_hour", 100'000'000);
  if (auto v = n["per_day"]) l.per_day = PositiveInt(v, path + ".per_day", 1'000'000'000);
  if (auto v = n["concurrency"]) l.concurrency = PositiveInt(v, path + ".concurrency", 256);
  if (auto v = n["margin_ms"]) l.margin_ms = PositiveInt(v, path + ".margin_ms", 600'000);
  return l;
}

void ConfigParser::ParseSource(const YAML::Node& key, const YAML::Node& n) {
  std::string name = key.Scalar();
  std::string path = "sources." + name;
  if (!RequireMap(n, path)) return;
  datasource::DataSource src;
  src.name = name;
  auto provider_node = n["provider"];
  if (!provider_node) {
    Error(key.Mark(), path + ": missing required key 'provider' (allowed: " + JoinNames(providers_.Ids()) + ")");
    return;
  }
  auto provider = Str(provider_node, path + ".provider");
  if (!provider) return;
  const datasource::ProviderInfo* info = providers_.Find(*provider);
  if (!info) {
    Error(provider_node.Mark(),
          path + ".provider: unknown provider " + Quote(*provider) + " (allowed: " + JoinNames(providers_.Ids()) + ")");
    return;
  }
  src.provider = *provider;
  src.endpoint = info->default_endpoint;
  src.timezone = info->default_timezone.empty() ? "UTC" : info->default_timezone;
  bool options_ok = true;
  // Credentials are the provider's options (kSecret in its table), read and checked like any other.
  src.options = ParseOptions(n, path, info->options, {"provider", "endpoint", "timezone", "limits", "api_limits"},
                             options_ok, key.Mark());
  if (auto v = n["endpoint"]) {
    if (auto s = Str(v, path + ".endpoint")) {
      if (!s->starts_with("http://") && !s->starts_with("https://")) {
        Error(v.Mark(), path + ".endpoint: " + Quote(*s) + " is not an http:// or https:// URL");
      }
      src.endpoint = *s;
    }
  }
  // The provider's own rules (the credentials it will send included) need every option read.
  if (info->validate && options_ok) ReportProblems(n, key.Mark(), path, info->validate(src, CheckContext()));
  if (auto v = n["timezone"]) {
    if (auto s = Str(v, path + ".timezone")) {
      if (auto tz = core::TimeZone::Load(*s); !tz) Error(v.Mark(), path + ".timezone: " + tz.error().message());
      src.timezone = *s;
    }
  }
  if (auto v = n["limits"]) {
    if (auto l = ParseLimits(v, path + ".limits")) src.limits = *l;
  }
  if (auto v = n["api_limits"]) {
    if (RequireMap(v, path + ".api_limits")) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        std::string api = it->first.Scalar();
        if (auto l = ParseLimits(it->second, path + ".api_limits." + api)) src.api_limits[api] = *l;
      }
    }
  }
  config_.sources.push_back(std::move(src));
}

}  // namespace datasync::app
