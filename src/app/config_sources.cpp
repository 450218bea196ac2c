#include <algorithm>

#include "app/config_parser.hpp"
#include "app/config_sections.hpp"
#include "core/time_zone.hpp"

namespace datasync::app {

// A source's limits (`whole_source`: the scope may be set there) or one of its api_limits entries.
std::optional<datasource::QuotaLimits> ConfigParser::ParseLimits(const YAML::Node& n, const std::string& path,
                                                                 bool whole_source) {
  if (!RequireMap(n, path)) return std::nullopt;
  CheckKeys(n, path, {"per_minute", "per_hour", "per_day", "windows", "concurrency", "margin_ms", "scope"});
  datasource::QuotaLimits l;
  if (auto v = n["per_minute"]) l.per_minute = PositiveInt(v, path + ".per_minute", 1'000'000);
  if (auto v = n["per_hour"]) l.per_hour = PositiveInt(v, path + ".per_hour", 100'000'000);
  if (auto v = n["per_day"]) l.per_day = PositiveInt(v, path + ".per_day", 1'000'000'000);
  if (auto v = n["windows"]) ParseQuotaWindows(v, path, l);
  if (auto v = n["concurrency"]) l.concurrency = PositiveInt(v, path + ".concurrency", 256);
  if (auto v = n["margin_ms"]) l.margin_ms = PositiveInt(v, path + ".margin_ms", 600'000);
  if (auto v = n["scope"]) {
    if (!whole_source) {
      Error(v.Mark(), path + ".scope: the scope belongs to the whole source; set it in its limits");
    } else if (auto s = Str(v, path + ".scope")) {
      l.scope = datasource::ParseQuotaScope(*s);
      if (!l.scope)
        Error(v.Mark(), path + ".scope: unknown scope " + Quote(*s) + " (allowed: per_api, per_credential)");
    }
  }
  return l;
}

// limits.windows: [{every_secs: 60, limit: 500}, {kind: vendor_day, limit: 100000}, ...]. Each window once,
// counting per_minute (every_secs 60), per_hour (3600) and per_day (the vendor's day) as the windows they are.
void ConfigParser::ParseQuotaWindows(const YAML::Node& v, const std::string& path, datasource::QuotaLimits& l) {
  std::string list_path = path + ".windows";
  if (!v.IsSequence()) {
    Error(v.Mark(), list_path + ": expected a list of windows ({every_secs: 60, limit: 500}), got a " + Kind(v));
    return;
  }
  std::vector<std::pair<datasource::QuotaWindowLimit, std::string>> seen;
  if (l.per_minute) seen.emplace_back(datasource::kMinuteWindow, "per_minute");
  if (l.per_hour) seen.emplace_back(datasource::kHourWindow, "per_hour");
  if (l.per_day) seen.emplace_back(datasource::kVendorDayWindow, "per_day");
  for (size_t i = 0; i < v.size(); ++i) {
    const YAML::Node item = v[i];
    std::string wpath = list_path + "[" + std::to_string(i) + "]";
    if (!RequireMap(item, wpath)) continue;
    CheckKeys(item, wpath, {"every_secs", "limit", "kind"});
    datasource::QuotaWindowLimit w;
    bool ok = true;
    if (auto k = item["kind"]) {
      auto s = Str(k, wpath + ".kind");
      auto kind = s ? datasource::ParseQuotaWindowKind(*s) : std::nullopt;
      if (s && !kind) {
        Error(k.Mark(), wpath + ".kind: unknown window kind " + Quote(*s) +
                            " (allowed: sliding, vendor_day: the vendor's calendar day, reset at its midnight)");
      }
      if (!kind) ok = false;
      w.kind = kind.value_or(datasource::QuotaWindowKind::kSliding);
    }
    if (auto e = item["every_secs"]) {
      auto secs = PositiveInt(e, wpath + ".every_secs", 31'622'400);  // a year
      if (secs && w.kind == datasource::QuotaWindowKind::kVendorDay && *secs != 86400) {
        Error(e.Mark(), wpath + ".every_secs: a vendor_day window is the vendor's calendar day (86400)");
        secs.reset();
      }
      if (!secs) ok = false;
      w.every_secs = secs.value_or(0);
    } else if (w.kind == datasource::QuotaWindowKind::kVendorDay) {
      w.every_secs = 86400;
    } else {
      Error(item.Mark(), wpath + ": missing required key 'every_secs' (the window's length in seconds)");
      ok = false;
    }
    if (auto n = item["limit"]) {
      auto limit = PositiveInt(n, wpath + ".limit", 1'000'000'000);
      if (!limit) ok = false;
      w.limit = limit.value_or(0);
    } else {
      Error(item.Mark(), wpath + ": missing required key 'limit' (calls allowed in the window)");
      ok = false;
    }
    if (!ok) continue;
    auto same = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first.SameWindow(w); });
    if (same != seen.end()) {
      Error(item.Mark(), wpath + ": the " + datasource::WindowName(w) + " window is already limited by " +
                             same->second + " (one limit per window)");
      continue;
    }
    seen.emplace_back(w, "windows[" + std::to_string(i) + "]");
    l.windows.push_back(w);
  }
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
  src.options =
      ParseOptions(n, path, info->options, SectionKeyNames(metadata::ObjectKind::kSource), options_ok, key.Mark());
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
  // The provider's published limits apply unless the YAML overrides them, window by window.
  if (info->default_limits && options_ok) src.limits = info->default_limits(src);
  if (auto v = n["limits"]) {
    if (auto l = ParseLimits(v, path + ".limits", true)) {
      src.limits = info->default_limits ? datasource::Overridden(src.limits, *l) : *l;
    }
  }
  if (auto v = n["api_limits"]) {
    if (RequireMap(v, path + ".api_limits")) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        std::string api = it->first.Scalar();
        if (auto l = ParseLimits(it->second, path + ".api_limits." + api, false)) src.api_limits[api] = *l;
      }
      if (src.limits.scope == datasource::QuotaScope::kPerCredential && v.size() > 0) {
        Error(v.Mark(), path + ".api_limits: every API of the source shares one budget (limits.scope: " +
                            "per_credential), so per-API limits cannot apply; remove api_limits or use scope: per_api");
      }
    }
  }
  config_.sources.push_back(std::move(src));
}

}  // namespace datasync::app
