// The loopback-only admin API under /_sim/: health, clock, stats, runtime config (data modes included), call
// gate, load. JSON in and out.
#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "admin_http.hpp"
#include "comma_list.hpp"
#include "data_mode_config.hpp"
#include "routes.hpp"
#include "sim_state.hpp"

namespace datasync::vendorsim {
namespace {

using nlohmann::json;

std::string ClockJson(SimState& state) {
  const int64_t now = state.clock().NowMs();
  return json{{"now", FormatShanghai(now)},
              {"epoch_ms", now},
              {"mode", state.clock().mode() == ClockMode::kManual ? "manual"
                       : state.clock().mode() == ClockMode::kFile ? "file"
                                                                  : "real"}}
      .dump();
}

// Keys in the order the README documents them (nlohmann::json would sort them).
std::string GateJson(const CallGate::Snapshot& gate) {
  return nlohmann::ordered_json{{"open", !gate.allow.has_value()},
                                {"allow", gate.allow ? nlohmann::ordered_json(*gate.allow) : nullptr},
                                {"passed", gate.passed},
                                {"waiting", gate.waiting},
                                {"in_flight", gate.in_flight}}
      .dump();
}

std::string LoadJson(const RuntimeConfig& config, const ServerLoad::Snapshot& load) {
  return nlohmann::ordered_json{{"latency_ms", config.load.latency_ms},   {"contention_ms", config.load.contention_ms},
                                {"scale_limit", config.load.scale_limit}, {"in_flight", load.in_flight},
                                {"peak_in_flight", load.peak_in_flight},  {"calls", load.calls},
                                {"delay_ms_total", load.delay_ms_total},  {"max_delay_ms", load.max_delay_ms}}
      .dump();
}

// Reads a count (non-negative integer).
bool ReadCount(const json& v, const std::string& key, int64_t& out, std::string& error) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    error = "'" + key + "' must be a non-negative integer, got " + v.dump();
    return false;
  }
  out = v.get<int64_t>();
  return true;
}

bool ReadProbability(const json& v, const std::string& key, double& out, std::string& error) {
  if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
    error = "'" + key + "' must be a probability in [0, 1], got " + v.dump();
    return false;
  }
  out = v.get<double>();
  return true;
}

// "a,b" or ["a","b"].
bool ReadNameSet(const json& v, const std::string& key, std::set<std::string>& out, std::string& error) {
  out.clear();
  const auto add = [&](const std::string& text) {
    for (std::string_view item : SplitCommaList(text)) out.emplace(item);
  };
  if (v.is_string()) {
    add(v.get<std::string>());
    return true;
  }
  if (v.is_array()) {
    for (const json& item : v) {
      if (!item.is_string()) {
        error = "'" + key + "' must be a list of strings, got " + v.dump();
        return false;
      }
      add(item.get<std::string>());
    }
    return true;
  }
  error = "'" + key + "' must be a comma-separated string or a list of strings, got " + v.dump();
  return false;
}

bool ReadChoice(const json& v, const std::string& key, const std::string& a, const std::string& b, bool& is_b,
                std::string& error) {
  if (!v.is_string() || (v.get<std::string>() != a && v.get<std::string>() != b)) {
    error = "'" + key + "' must be \"" + a + "\" or \"" + b + "\", got " + v.dump();
    return false;
  }
  is_b = v.get<std::string>() == b;
  return true;
}

bool ReadApiLimits(const json& v, std::map<std::string, ApiLimitOverride>& limits, std::string& error) {
  if (!v.is_object()) {
    error = "'api_limits' must be an object like {\"daily\":{\"minute\":200}}, got " + v.dump();
    return false;
  }
  for (const auto& [api, windows] : v.items()) {
    if (!DataApis::Knows(api)) {
      error = "'api_limits': unknown api '" + api + "'";
      return false;
    }
    if (windows.is_null()) {
      limits.erase(api);
      continue;
    }
    if (!windows.is_object()) {
      error = "'api_limits." + api + "' must be an object with minute/hour/day, or null";
      return false;
    }
    ApiLimitOverride& o = limits[api];
    for (const auto& [window, count] : windows.items()) {
      std::optional<int64_t>* slot = window == "minute" ? &o.per_minute
                                     : window == "hour" ? &o.per_hour
                                     : window == "day"  ? &o.per_day
                                                        : nullptr;
      if (slot == nullptr) {
        error = "'api_limits." + api + "': unknown window '" + window + "' (allowed: minute, hour, day)";
        return false;
      }
      if (count.is_null()) {
        slot->reset();
        continue;
      }
      int64_t value = 0;
      if (!ReadCount(count, "api_limits." + api + "." + window, value, error)) return false;
      *slot = value;
    }
  }
  return true;
}

// Applies a POST /_sim/config body to a copy of the config; all-or-nothing.
bool ApplyConfigPatch(const json& patch, RuntimeConfig& c, std::string& error) {
  static const char* const kAllowed =
      "tokens, no_permission, per_minute, per_hour, per_day, api_limits, rate_limit_style, json_style, row_cap, "
      "gzip, fail_5xx, slow, slow_ms, truncate, truncate_mode, internal_error, fault_seed, schema_change, echo_token, "
      "bad_value, bad_value_field, extra_field, doc_nesting, latency_ms, contention_ms, scale_limit, revisions, holes, "
      "bad_rows";
  for (const auto& [key, v] : patch.items()) {
    bool flag = false;
    int64_t count = 0;
    bool ok = true;
    if (key == "tokens") {
      ok = ReadNameSet(v, key, c.tokens, error);
    } else if (key == "no_permission") {
      ok = ReadNameSet(v, key, c.no_permission, error);
    } else if (key == "per_minute") {
      ok = ReadCount(v, key, c.limits.per_minute, error);
    } else if (key == "per_hour") {
      ok = ReadCount(v, key, c.limits.per_hour, error);
    } else if (key == "per_day") {
      ok = ReadCount(v, key, c.limits.per_day, error);
    } else if (key == "api_limits") {
      ok = ReadApiLimits(v, c.api_limits, error);
    } else if (key == "rate_limit_style") {
      ok = ReadChoice(v, key, "old", "new", flag, error);
      c.rate_limit_style = flag ? RateLimitStyle::kNew : RateLimitStyle::kOld;
    } else if (key == "json_style") {
      ok = ReadChoice(v, key, "compact", "spaced", flag, error);
      c.json_style = flag ? JsonStyle::kSpaced : JsonStyle::kCompact;
    } else if (key == "truncate_mode") {
      ok = ReadChoice(v, key, "close", "short", flag, error);
      c.faults.truncate_mode = flag ? TruncateMode::kShort : TruncateMode::kClose;
    } else if (key == "row_cap") {
      ok = ReadCount(v, key, count, error) && count > 0;
      if (ok) c.row_cap = static_cast<size_t>(count);
      if (!ok && error.empty()) error = "'row_cap' must be at least 1";
    } else if (key == "gzip") {
      ok = v.is_boolean();
      if (ok) c.gzip = v.get<bool>();
      if (!ok) error = "'gzip' must be true or false, got " + v.dump();
    } else if (key == "schema_change") {
      ok = v.is_boolean();
      if (ok) c.schema_change = v.get<bool>();
      if (!ok) error = "'schema_change' must be true or false, got " + v.dump();
    } else if (key == "echo_token") {
      ok = v.is_boolean();
      if (ok) c.echo_token = v.get<bool>();
      if (!ok) error = "'echo_token' must be true or false, got " + v.dump();
    } else if (key == "bad_value") {
      ok = v.is_string() && (v == "" || v == "huge_int" || v == "invalid_utf8");
      if (ok) c.bad_value = v.get<std::string>();
      if (!ok) error = "'bad_value' must be \"huge_int\", \"invalid_utf8\" or \"\", got " + v.dump();
    } else if (key == "bad_value_field" || key == "extra_field") {
      ok = v.is_string();
      if (ok) (key == "extra_field" ? c.extra_field : c.bad_value_field) = v.get<std::string>();
      if (!ok) error = "'" + key + "' must be a string, got " + v.dump();
    } else if (key == "doc_nesting") {
      ok = ReadCount(v, key, c.doc_nesting, error);
    } else if (key == "fail_5xx") {
      ok = ReadProbability(v, key, c.faults.fail_5xx, error);
    } else if (key == "slow") {
      ok = ReadProbability(v, key, c.faults.slow, error);
    } else if (key == "truncate") {
      ok = ReadProbability(v, key, c.faults.truncate, error);
    } else if (key == "internal_error") {
      ok = ReadProbability(v, key, c.faults.internal_error, error);
    } else if (key == "latency_ms") {
      ok = ReadCount(v, key, c.load.latency_ms, error);
    } else if (key == "contention_ms") {
      ok = ReadCount(v, key, c.load.contention_ms, error);
    } else if (key == "scale_limit") {
      ok = ReadCount(v, key, count, error) && count > 0;
      if (ok) c.load.scale_limit = count;
      if (!ok && error.empty()) error = "'scale_limit' must be at least 1";
    } else if (key == "slow_ms") {
      ok = ReadCount(v, key, c.faults.slow_ms, error);
    } else if (key == "fault_seed") {
      ok = ReadCount(v, key, count, error);
      if (ok) c.faults.seed = static_cast<uint64_t>(count);
    } else if (IsDataModeKey(key)) {
      ok = ReadDataModeSetting(key, v, c.data_modes, error);
    } else {
      error = "unknown key '" + key + "' (allowed: " + kAllowed + ")";
      return false;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void RegisterAdminRoutes(httplib::Server& server, SimState& state) {
  server.Get("/_sim/health", Admin([](const httplib::Request&, httplib::Response& res) {
               res.set_content("{\"ok\":true}", kJsonType);
             }));

  server.Get("/_sim/clock", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(ClockJson(state), kJsonType);
             }));

  server.Post("/_sim/clock", Admin([&state](const httplib::Request& req, httplib::Response& res) {
                json doc;
                if (!ParseBody(req, res, doc)) return;
                if (state.clock().mode() != ClockMode::kManual) {
                  return AdminError(res, 409,
                               "the clock is not manual; start the simulator with --clock manual to drive it here "
                               "(a file clock moves by rewriting its file)");
                }
                const bool has_advance = doc.contains("advance_secs");
                const bool has_set = doc.contains("set");
                if (has_advance == has_set || doc.size() != 1) {
                  return AdminError(res, 400, "give exactly one of {\"advance_secs\": N} or {\"set\": \"ISO-8601 time\"}");
                }
                const int64_t before = state.clock().NowMs();
                if (has_advance) {
                  const json& v = doc["advance_secs"];
                  if (!v.is_number() || v.get<double>() < 0) {
                    return AdminError(res, 400, "'advance_secs' must be a non-negative number, got " + v.dump());
                  }
                  state.clock().Advance(std::llround(v.get<double>() * 1000.0));
                } else {
                  const json& v = doc["set"];
                  const std::optional<int64_t> t = v.is_string() ? ParseIso8601(v.get<std::string>()) : std::nullopt;
                  if (!t) {
                    return AdminError(res, 400,
                                 "'set' must be an ISO-8601 time with an offset, e.g. 2024-06-04T00:00:01+08:00, got " +
                                     v.dump());
                  }
                  state.clock().Set(*t);
                  // Windows hold accept times from the old "future"; start them afresh.
                  if (*t < before) state.ledger().ResetWindows();
                }
                res.set_content(ClockJson(state), kJsonType);
              }));

  server.Get("/_sim/stats", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(state.ledger().StatsJson(state.clock().NowMs()), kJsonType);
             }));

  server.Post("/_sim/stats/reset", Admin([&state](const httplib::Request&, httplib::Response& res) {
                state.ledger().ResetStats();
                res.set_content("{\"ok\":true}", kJsonType);
              }));

  server.Post("/_sim/limits/reset", Admin([&state](const httplib::Request&, httplib::Response& res) {
                state.ledger().ResetWindows();
                res.set_content("{\"ok\":true}", kJsonType);
              }));

  server.Get("/_sim/gate", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(GateJson(state.gate().Read()), kJsonType);
             }));

  server.Post("/_sim/gate", Admin([&state](const httplib::Request& req, httplib::Response& res) {
                json doc;
                if (!ParseBody(req, res, doc)) return;
                for (const auto& item : doc.items()) {
                  if (item.key() != "allow")
                    return AdminError(res, 400, "unknown key '" + item.key() + "' (allowed: allow)");
                }
                const auto it = doc.find("allow");
                if (it == doc.end()) {
                  return AdminError(res, 400,
                               "give {\"allow\": N} (N more accepted calls pass, later ones wait) or "
                               "{\"allow\": null} (open the gate)");
                }
                std::optional<int64_t> allow;
                if (!it->is_null()) {
                  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
                    return AdminError(res, 400, "'allow' must be a non-negative integer or null, got " + it->dump());
                  }
                  allow = it->get<int64_t>();
                }
                if (!state.gate().Set(allow)) {
                  return AdminError(res, 409, "the simulator is shutting down; the gate stays open");
                }
                res.set_content(GateJson(state.gate().Read()), kJsonType);
              }));

  server.Get("/_sim/load", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(LoadJson(*state.Config(), state.load().Read()), kJsonType);
             }));

  server.Post("/_sim/load/reset", Admin([&state](const httplib::Request&, httplib::Response& res) {
                state.load().Reset();
                res.set_content(LoadJson(*state.Config(), state.load().Read()), kJsonType);
              }));

  server.Get("/_sim/config", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(ConfigJson(state.startup(), *state.Config()), kJsonType);
             }));

  server.Post("/_sim/config", Admin([&state](const httplib::Request& req, httplib::Response& res) {
                json doc;
                if (!ParseBody(req, res, doc)) return;
                static std::mutex update_mutex;  // serialises read-modify-write of concurrent updates
                std::lock_guard lock(update_mutex);
                RuntimeConfig next = *state.Config();
                std::string error;
                if (!ApplyConfigPatch(doc, next, error)) return AdminError(res, 400, error);
                state.ReplaceConfig(std::move(next));
                res.set_content(ConfigJson(state.startup(), *state.Config()), kJsonType);
              }));
}

}  // namespace datasync::vendorsim
