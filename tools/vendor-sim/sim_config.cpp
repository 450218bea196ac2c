#include "sim_config.hpp"

#include <charconv>

#include "civil_date.hpp"
#include "comma_list.hpp"
#include "data_apis.hpp"
#include "data_mode_config.hpp"

namespace datasync::vendorsim {

WindowLimits RuntimeConfig::LimitsFor(std::string_view api) const {
  WindowLimits out = limits;
  const auto it = api_limits.find(std::string(api));
  if (it != api_limits.end()) {
    out.per_minute = it->second.per_minute.value_or(out.per_minute);
    out.per_hour = it->second.per_hour.value_or(out.per_hour);
    out.per_day = it->second.per_day.value_or(out.per_day);
  }
  return out;
}

bool ParseApiLimit(std::string_view spec, std::string& api, ApiLimitOverride& limits, std::string& error) {
  const size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    error = "--api-limit '" + std::string(spec) + "': expected API:WINDOW=N[,WINDOW=N…], e.g. daily:minute=200";
    return false;
  }
  api = std::string(spec.substr(0, colon));
  if (!DataApis::Knows(api)) {
    error = "--api-limit '" + std::string(spec) + "': unknown api '" + api + "' (known:";
    // append() rather than `" " + std::string(name)`: GCC 12 -O3 reports a false -Wrestrict on the latter.
    for (std::string_view name : DataApis::ApiNames()) error.append(" ").append(name);
    error += ")";
    return false;
  }
  const std::vector<std::string_view> items = SplitCommaList(spec.substr(colon + 1));
  if (items.empty()) {
    error = "--api-limit '" + std::string(spec) + "': name at least one window, e.g. daily:minute=200";
    return false;
  }
  for (std::string_view item : items) {
    const size_t eq = item.find('=');
    int64_t value = -1;
    if (eq != std::string_view::npos) {
      const std::string_view number = item.substr(eq + 1);
      const auto r = std::from_chars(number.data(), number.data() + number.size(), value);
      if (r.ec != std::errc() || r.ptr != number.data() + number.size()) value = -1;
    }
    const std::string_view window = item.substr(0, eq);
    if (value < 0) {
      error = "--api-limit '" + std::string(spec) + "': '" + std::string(item) + "' needs a non-negative count";
      return false;
    }
    if (window == "minute") {
      limits.per_minute = value;
    } else if (window == "hour") {
      limits.per_hour = value;
    } else if (window == "day") {
      limits.per_day = value;
    } else {
      error = "--api-limit '" + std::string(spec) + "': unknown window '" + std::string(window) +
              "' (allowed: minute, hour, day)";
      return false;
    }
  }
  return true;
}

std::string_view JsonStyleName(JsonStyle style) {
  return style == JsonStyle::kSpaced ? "spaced" : "compact";
}
std::string_view RateLimitStyleName(RateLimitStyle style) {
  return style == RateLimitStyle::kNew ? "new" : "old";
}
std::string_view TruncateModeName(TruncateMode mode) {
  return mode == TruncateMode::kShort ? "short" : "close";
}

std::string ConfigJson(const StartupConfig& startup, const RuntimeConfig& runtime) {
  std::string out;
  JsonWriter w(out, JsonStyle::kCompact);
  const auto key = [&](std::string_view k, bool first = false) {
    if (!first) w.Comma();
    w.Key(k);
  };
  const auto string_set = [&](const std::set<std::string>& values) {
    w.Char('[');
    bool first = true;
    for (const std::string& v : values) {
      if (!first) w.Comma();
      first = false;
      w.String(v);
    }
    w.Char(']');
  };
  w.Char('{');
  key("host", true);
  w.String(startup.host);
  key("stocks");
  w.Int(static_cast<int64_t>(startup.stocks));
  key("seed");
  w.Int(static_cast<int64_t>(startup.seed));
  key("calendar_start");
  w.PlainString(YmdString(startup.calendar_first_day));
  key("calendar_end");
  w.PlainString(YmdString(startup.calendar_last_day));
  key("clock");
  w.PlainString(startup.clock_mode == ClockMode::kManual ? "manual"
                : startup.clock_mode == ClockMode::kFile ? "file"
                                                         : "real");
  key("threads");
  w.Int(startup.threads);
  key("serve_future");
  w.Bool(startup.serve_future);
  key("tokens");
  string_set(runtime.tokens);
  key("no_permission");
  string_set(runtime.no_permission);
  key("per_minute");
  w.Int(runtime.limits.per_minute);
  key("per_hour");
  w.Int(runtime.limits.per_hour);
  key("per_day");
  w.Int(runtime.limits.per_day);
  key("api_limits");
  w.Char('{');
  bool first_api = true;
  for (const auto& [api, o] : runtime.api_limits) {
    if (!first_api) w.Comma();
    first_api = false;
    w.Key(api);
    w.Char('{');
    bool first_window = true;
    const auto window = [&](std::string_view name, const std::optional<int64_t>& v) {
      if (!v) return;
      if (!first_window) w.Comma();
      first_window = false;
      w.Key(name);
      w.Int(*v);
    };
    window("minute", o.per_minute);
    window("hour", o.per_hour);
    window("day", o.per_day);
    w.Char('}');
  }
  w.Char('}');
  key("rate_limit_style");
  w.PlainString(RateLimitStyleName(runtime.rate_limit_style));
  key("json_style");
  w.PlainString(JsonStyleName(runtime.json_style));
  key("row_cap");
  w.Int(static_cast<int64_t>(runtime.row_cap));
  key("gzip");
  w.Bool(runtime.gzip);
  key("fail_5xx");
  w.Double(runtime.faults.fail_5xx);
  key("slow");
  w.Double(runtime.faults.slow);
  key("slow_ms");
  w.Int(runtime.faults.slow_ms);
  key("truncate");
  w.Double(runtime.faults.truncate);
  key("truncate_mode");
  w.PlainString(TruncateModeName(runtime.faults.truncate_mode));
  key("internal_error");
  w.Double(runtime.faults.internal_error);
  key("fault_seed");
  w.Int(static_cast<int64_t>(runtime.faults.seed));
  key("latency_ms");
  w.Int(runtime.load.latency_ms);
  key("contention_ms");
  w.Int(runtime.load.contention_ms);
  key("scale_limit");
  w.Int(runtime.load.scale_limit);
  key("schema_change");
  w.Bool(runtime.schema_change);
  key("echo_token");
  w.Bool(runtime.echo_token);
  key("bad_value");
  w.String(runtime.bad_value);
  key("bad_value_field");
  w.String(runtime.bad_value_field);
  key("extra_field");
  w.String(runtime.extra_field);
  key("doc_nesting");
  w.Int(runtime.doc_nesting);
  for (std::string_view mode : kDataModeKeys) {
    key(mode);
    WriteDataModeSetting(w, mode, runtime.data_modes);
  }
  w.Char('}');
  return out;
}

}  // namespace datasync::vendorsim
