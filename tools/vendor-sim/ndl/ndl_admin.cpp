// The loopback-only admin API of the Nasdaq Data Link side, under /_sim/ndl/: runtime config, forced
// errors, cursor expiry, usage and limit windows. JSON in and out; errors are {"ok":false,"error":…}.
// The clock and the call gate are the simulator's own (/_sim/clock, /_sim/gate).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "admin_http.hpp"
#include "comma_list.hpp"
#include "ndl/ndl_errors.hpp"
#include "ndl/ndl_routes.hpp"
#include "ndl/ndl_state.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim::ndl {
namespace {

using nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

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

bool ApplyPatch(const json& patch, NdlRuntime& c, std::string& error) {
  static const char* kAllowed =
      "keys, subscriber_keys, no_permission, per_10s, per_10min, per_day, anonymous_per_10s, "
      "anonymous_per_10min, anonymous_per_day, cursor_ttl_secs, max_rows, fail_5xx, slow, slow_ms, fault_seed";
  for (const auto& [key, v] : patch.items()) {
    bool ok = true;
    int64_t count = 0;
    if (key == "keys") {
      ok = ReadNameSet(v, key, c.keys, error);
    } else if (key == "subscriber_keys") {
      ok = ReadNameSet(v, key, c.subscriber_keys, error);
    } else if (key == "no_permission") {
      ok = ReadNameSet(v, key, c.no_permission, error);
    } else if (key == "per_10s") {
      ok = ReadCount(v, key, c.key_limits.per_10s, error);
    } else if (key == "per_10min") {
      ok = ReadCount(v, key, c.key_limits.per_10min, error);
    } else if (key == "per_day") {
      ok = ReadCount(v, key, c.key_limits.per_day, error);
    } else if (key == "anonymous_per_10s") {
      ok = ReadCount(v, key, c.anonymous_limits.per_10s, error);
    } else if (key == "anonymous_per_10min") {
      ok = ReadCount(v, key, c.anonymous_limits.per_10min, error);
    } else if (key == "anonymous_per_day") {
      ok = ReadCount(v, key, c.anonymous_limits.per_day, error);
    } else if (key == "cursor_ttl_secs") {
      ok = ReadCount(v, key, count, error) && count > 0;
      if (ok) c.cursor_ttl_secs = count;
      if (!ok && error.empty()) error = "'cursor_ttl_secs' must be at least 1";
    } else if (key == "max_rows") {
      ok = ReadCount(v, key, c.max_rows, error);
    } else if (key == "fail_5xx") {
      ok = ReadProbability(v, key, c.fail_5xx, error);
    } else if (key == "slow") {
      ok = ReadProbability(v, key, c.slow, error);
    } else if (key == "slow_ms") {
      ok = ReadCount(v, key, c.slow_ms, error);
    } else if (key == "fault_seed") {
      ok = ReadCount(v, key, count, error);
      if (ok) c.fault_seed = static_cast<uint64_t>(count);
    } else {
      error = "unknown key '" + key + "' (allowed: " + kAllowed + ")";
      return false;
    }
    if (!ok) return false;
  }
  return true;
}

std::string ForcedJson(const std::optional<ForcedError>& forced) {
  if (!forced) return OrderedJson{{"code", nullptr}, {"remaining", 0}, {"match", ""}}.dump();
  return OrderedJson{{"code", forced->code}, {"remaining", forced->remaining}, {"match", forced->match}}.dump();
}

}  // namespace

void RegisterNdlAdminRoutes(httplib::Server& server, NdlState& state) {
  server.Get("/_sim/ndl/config", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(NdlConfigJson(state.startup(), *state.Config()), kJsonType);
             }));

  server.Post("/_sim/ndl/config", Admin([&state](const httplib::Request& req, httplib::Response& res) {
                json doc;
                if (!ParseBody(req, res, doc)) return;
                static std::mutex update_mutex;
                std::lock_guard lock(update_mutex);
                NdlRuntime next = *state.Config();
                std::string error;
                if (!ApplyPatch(doc, next, error)) return AdminError(res, 400, error);
                state.ReplaceConfig(std::move(next));
                res.set_content(NdlConfigJson(state.startup(), *state.Config()), kJsonType);
              }));

  server.Get("/_sim/ndl/errors", Admin([](const httplib::Request&, httplib::Response& res) {
               OrderedJson out = OrderedJson::array();
               for (const ErrorCode& c : ErrorCodes()) {
                 out.push_back(OrderedJson{{"code", c.code}, {"status", c.status}, {"message", c.message}});
               }
               res.set_content(out.dump(), kJsonType);
             }));

  server.Get("/_sim/ndl/fail", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(ForcedJson(state.ForcedErrorNow()), kJsonType);
             }));

  server.Post("/_sim/ndl/fail", Admin([&state](const httplib::Request& req, httplib::Response& res) {
                json doc;
                if (!ParseBody(req, res, doc)) return;
                for (const auto& item : doc.items()) {
                  if (item.key() != "code" && item.key() != "count" && item.key() != "match") {
                    return AdminError(res, 400, "unknown key '" + item.key() + "' (allowed: code, count, match)");
                  }
                }
                const auto code = doc.find("code");
                if (code == doc.end()) {
                  return AdminError(res, 400,
                               "give {\"code\": \"QELx02\", \"count\": N, \"match\": \"/datatables/\"} (count "
                               "defaults to 1, match to every path) or {\"code\": null} to clear");
                }
                if (code->is_null()) {
                  state.SetForcedError(std::nullopt);
                  return res.set_content(ForcedJson(std::nullopt), kJsonType);
                }
                if (!code->is_string() || !FindErrorCode(code->get<std::string>())) {
                  std::string known;
                  for (const ErrorCode& c : ErrorCodes()) known += (known.empty() ? "" : ", ") + std::string(c.code);
                  return AdminError(res, 400, "'code' must be one of " + known + ", got " + code->dump());
                }
                ForcedError forced;
                forced.code = code->get<std::string>();
                forced.remaining = 1;
                std::string error;
                if (doc.contains("count") &&
                    (!ReadCount(doc["count"], "count", forced.remaining, error) || forced.remaining == 0)) {
                  return AdminError(res, 400, error.empty() ? "'count' must be at least 1" : error);
                }
                if (doc.contains("match")) {
                  if (!doc["match"].is_string()) return AdminError(res, 400, "'match' must be a string");
                  forced.match = doc["match"].get<std::string>();
                }
                state.SetForcedError(forced);
                res.set_content(ForcedJson(forced), kJsonType);
              }));

  server.Get("/_sim/ndl/cursors", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(json{{"live", state.cursors().Live(state.clock().NowMs())}}.dump(), kJsonType);
             }));

  server.Post("/_sim/ndl/cursors/expire", Admin([&state](const httplib::Request&, httplib::Response& res) {
                const size_t n = state.cursors().ExpireAll(state.clock().NowMs());
                res.set_content(json{{"ok", true}, {"expired", n}}.dump(), kJsonType);
              }));

  server.Get("/_sim/ndl/usage", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(state.ledger().UsageJson(state.clock().NowMs()), kJsonType);
             }));

  server.Post("/_sim/ndl/usage/reset", Admin([&state](const httplib::Request&, httplib::Response& res) {
                state.ledger().ResetStats();
                res.set_content("{\"ok\":true}", kJsonType);
              }));

  server.Post("/_sim/ndl/limits/reset", Admin([&state](const httplib::Request&, httplib::Response& res) {
                state.ledger().ResetWindows();
                res.set_content("{\"ok\":true}", kJsonType);
              }));
}

}  // namespace datasync::vendorsim::ndl
