// The loopback-only admin API of the Binance archive side, under /_sim/binance/: regenerate a file, arm the
// one-shot faults, read and reset the counters. JSON in and out; errors are {"ok":false,"error":…}. The
// clock and the call gate are the simulator's own (/_sim/clock, /_sim/gate).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "admin_http.hpp"
#include "binance/archive_file.hpp"
#include "binance/archive_path.hpp"
#include "binance/binance_routes.hpp"
#include "binance/binance_state.hpp"
#include "binance/http_date.hpp"

namespace datasync::vendorsim::binance {
namespace {

using nlohmann::json;

// {"bad_checksum": 2, "status_503": 0}: every key a fault kind, every value a non-negative integer.
bool ReadFaults(const json& doc, FaultCounts& out, std::string& error) {
  out = FaultCounts{-1, -1, -1, -1};
  for (const auto& [key, v] : doc.items()) {
    int64_t* slot = key == "bad_checksum"    ? &out.bad_checksum
                    : key == "truncated_zip" ? &out.truncated_zip
                    : key == "status_503"    ? &out.status_503
                    : key == "status_429"    ? &out.status_429
                                             : nullptr;
    if (!slot) {
      error = "unknown fault '" + key + "' (allowed: bad_checksum, truncated_zip, status_503, status_429)";
      return false;
    }
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      error = "'" + key + "' must be a count of answers (a non-negative integer; 0 = off), got " + v.dump();
      return false;
    }
    *slot = v.get<int64_t>();
  }
  return true;
}

}  // namespace

void RegisterBinanceAdminRoutes(httplib::Server& server, BinanceState& state) {
  server.Get("/_sim/binance/stats", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(state.StatsJson(), kJsonType);
             }));

  server.Post("/_sim/binance/reset", Admin([&state](const httplib::Request&, httplib::Response& res) {
                state.Reset();
                res.set_content("{\"ok\":true}", kJsonType);
              }));

  server.Get("/_sim/binance/faults", Admin([&state](const httplib::Request&, httplib::Response& res) {
               res.set_content(FaultCountsJson(state.Faults()), kJsonType);
             }));

  server.Post("/_sim/binance/faults", Admin([&state](const httplib::Request& req, httplib::Response& res) {
                json doc;
                if (!ParseBody(req, res, doc)) return;
                FaultCounts counts;
                std::string error;
                if (!ReadFaults(doc, counts, error)) return AdminError(res, 400, error);
                res.set_content(FaultCountsJson(state.SetFaults(counts)), kJsonType);
              }));

  server.Post(
      "/_sim/binance/regenerate", Admin([&state](const httplib::Request& req, httplib::Response& res) {
        json doc;
        if (!ParseBody(req, res, doc)) return;
        for (const auto& item : doc.items()) {
          if (item.key() != "path") return AdminError(res, 400, "unknown key '" + item.key() + "' (allowed: path)");
        }
        const auto path = doc.find("path");
        if (path == doc.end() || !path->is_string()) {
          return AdminError(res, 400, "give {\"path\": \"/data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip\"}");
        }
        const std::optional<ArchivePath> file = ParseArchivePath(path->get<std::string>());
        if (!file) {
          return AdminError(res, 400,
                       "'" + path->get<std::string>() +
                           "' is not a kline file of the archive (/data/{spot|futures/um}/{daily|monthly}/"
                           "klines/SYMBOL/INTERVAL/SYMBOL-INTERVAL-DATE.zip)");
        }
        if (!file->Listed()) {
          return AdminError(
              res, 400,
              "'" + path->get<std::string>() + "' is before " + std::string(file->symbol->name) + " was listed");
        }
        const std::string zip_path = file->ZipPath();
        const int revision = state.Regenerate(zip_path);
        res.set_content(json{{"ok", true},
                             {"path", zip_path},
                             {"revision", revision},
                             {"last_modified", FormatHttpDate(PublicationSecs(*file, revision))}}
                            .dump(),
                        kJsonType);
      }));
}

}  // namespace datasync::vendorsim::binance
