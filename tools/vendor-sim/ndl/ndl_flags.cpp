// The --ndl-… command-line flags (kept apart so that only this file and main.cpp parse CLI11).
#include <CLI/CLI.hpp>

#include "ndl/ndl_config.hpp"
#include "ndl/ndl_universe.hpp"

namespace datasync::vendorsim::ndl {

void AddNdlFlags(CLI::App& app, NdlConfig& config, std::string& keys, std::string& subscriber_keys,
                 std::string& no_permission) {
  NdlRuntime& r = config.runtime;
  NdlStartup& s = config.startup;
  app.add_option("--ndl-keys", keys, "Nasdaq Data Link: comma-separated valid API keys")->capture_default_str();
  app.add_option("--ndl-subscriber-keys", subscriber_keys, "NDL: keys of subscribers (QELx03/QELx05 limit codes)")
      ->capture_default_str();
  app.add_option("--ndl-tickers", s.tickers, "NDL: tickers in QSIM/EQ, QSIM/FUND and QTS")
      ->capture_default_str()
      ->check(CLI::Range(static_cast<size_t>(1), NdlUniverse::kMaxTickers));
  app.add_option("--ndl-per-10s", r.key_limits.per_10s, "NDL: calls per key per sliding 10 s (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ndl-per-10min", r.key_limits.per_10min, "NDL: calls per key per sliding 10 min (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ndl-per-day", r.key_limits.per_day, "NDL: calls per key per UTC day (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ndl-anonymous-per-10min", r.anonymous_limits.per_10min,
                 "NDL: calls without a key per sliding 10 min (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ndl-anonymous-per-day", r.anonymous_limits.per_day,
                 "NDL: calls without a key per UTC day (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ndl-in-flight", s.in_flight, "NDL: calls per caller running at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--ndl-queued", s.queued, "NDL: calls per caller waiting for a running one (more are rejected)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  app.add_option("--ndl-cursor-ttl-secs", r.cursor_ttl_secs, "NDL: lifetime of a cursor on the simulator's clock")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--ndl-max-rows", r.max_rows,
                 "NDL: refuse a first page whose query matches more rows than this with QELx06 (0 = no cap)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ndl-no-permission", no_permission, "NDL: tables (QSIM/FUND) or databases (QTS) refused with QEPx02")
      ->capture_default_str();
  app.add_option("--ndl-max-url-chars", s.max_url_chars, "NDL: longest GET request target before QELx07")
      ->capture_default_str()
      ->check(CLI::Range(static_cast<size_t>(100), static_cast<size_t>(8000)));
  app.add_option("--ndl-fail-5xx", r.fail_5xx, "NDL: probability of a server error (QEMx01 500, 502, QEXx01 503)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--ndl-slow", r.slow, "NDL: probability of a delayed answer")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--ndl-slow-ms", r.slow_ms, "NDL: delay of a slow answer")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ndl-fault-seed", r.fault_seed, "NDL: seed of the fault draws")->capture_default_str();
}

}  // namespace datasync::vendorsim::ndl
