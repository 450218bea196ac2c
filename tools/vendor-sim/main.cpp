// datasync-vendor-sim: the project's own simulator of the Tushare Pro and Nasdaq Data Link HTTP APIs and of
// Binance's public kline archive (see README.md).
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "civil_date.hpp"
#include "comma_list.hpp"
#include "data_apis.hpp"
#include "market_data.hpp"
#include "ndl/ndl_config.hpp"
#include "sim_server.hpp"

namespace vs = datasync::vendorsim;

namespace {

std::set<std::string> SplitNames(const std::string& text) {
  std::set<std::string> out;
  for (std::string_view item : vs::SplitCommaList(text)) out.emplace(item);
  return out;
}

bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << port << "\n";
    if (!f) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

int Fail(const std::string& message) {
  std::cerr << "datasync-vendor-sim: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"datasync-vendor-sim: a deterministic simulator of the Tushare Pro HTTP API"};
  vs::StartupConfig startup;
  vs::RuntimeConfig runtime;

  std::string calendar_start = "20100101";
  std::string calendar_end = "20271231";
  std::string tokens = "demo-token";
  std::string no_permission = "fund_daily";
  std::vector<std::string> api_limits;
  std::string rate_limit_style = "old";
  std::string truncate_mode = "close";
  std::string json_style = "compact";
  std::string clock = "real";
  std::string start_time = "2024-06-03T09:00:00+08:00";
  int64_t row_cap = 6000;

  app.add_option("--host", startup.host, "address to listen on")->capture_default_str();
  app.add_option("--port", startup.port, "port to listen on (0 = a free port)")->capture_default_str();
  app.add_option("--port-file", startup.port_file, "also write the bound port to this file");
  app.add_option("--stocks", startup.stocks, "number of synthetic stocks")
      ->capture_default_str()
      ->check(CLI::Range(static_cast<size_t>(1), vs::MarketData::MaxStocks()));
  app.add_option("--seed", startup.seed, "seed of the synthetic data")->capture_default_str();
  app.add_option("--calendar-start", calendar_start, "first day of the calendar and the bars (YYYYMMDD)")
      ->capture_default_str();
  app.add_option("--calendar-end", calendar_end, "last day of the calendar and the bars (YYYYMMDD)")
      ->capture_default_str();
  app.add_option("--tokens", tokens, "comma-separated valid tokens")->capture_default_str();
  app.add_option("--per-minute", runtime.limits.per_minute, "calls per (token, api) per sliding 60 s (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--per-hour", runtime.limits.per_hour, "calls per (token, api) per clock hour (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--per-day", runtime.limits.per_day, "calls per (token, api) per Asia/Shanghai day (0 = no limit)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--api-limit", api_limits,
                 "per-api override, repeatable, e.g. daily:minute=200 or daily:minute=200,day=1000");
  app.add_option("--rate-limit-style", rate_limit_style, "per-minute message: old or new")
      ->capture_default_str()
      ->check(CLI::IsMember({"old", "new"}));
  app.add_option("--no-permission", no_permission, "comma-separated APIs the tokens may not call")
      ->capture_default_str();
  app.add_option("--fail-5xx", runtime.faults.fail_5xx, "probability of a gateway 502/503/504")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--slow", runtime.faults.slow, "probability of a delayed answer")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--slow-ms", runtime.faults.slow_ms, "delay of a slow answer")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--latency-ms", runtime.load.latency_ms, "delay of every accepted data call")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--contention-ms", runtime.load.contention_ms,
                 "extra delay per accepted call in flight beyond --scale-limit (a server that slows under load)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--scale-limit", runtime.load.scale_limit,
                 "accepted calls that may be in flight before --contention-ms applies")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--truncate", runtime.faults.truncate, "probability of a truncated body")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--truncate-mode", truncate_mode,
                 "close: full Content-Length, half the body, connection closed; short: a complete HTTP response "
                 "whose body is cut mid-JSON")
      ->capture_default_str()
      ->check(CLI::IsMember({"close", "short"}));
  app.add_option("--internal-error", runtime.faults.internal_error, "probability of code -1000 系统内部错误")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fault-seed", runtime.faults.seed, "seed of the fault draws")->capture_default_str();
  app.add_option("--json-style", json_style, "compact (UTF-8) or spaced (Python json.dumps, \\uHHHH)")
      ->capture_default_str()
      ->check(CLI::IsMember({"compact", "spaced"}));
  app.add_option("--row-cap", row_cap, "rows per call; more → the first N and has_more")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--gzip", runtime.gzip, "gzip responses for clients that send Accept-Encoding: gzip");
  app.add_flag("--schema-change", runtime.schema_change,
               "the vendor changed its schema: daily gains vwap, trade_cal's is_open is a float, doc pages follow");
  app.add_flag("--echo-token", runtime.echo_token,
               "append （token: <the caller's token>） to the msg of every error the data API answers");
  app.add_option("--clock", clock,
                 "real, manual (moved only by POST /_sim/clock), or file:PATH (epoch microseconds read from PATH, "
                 "shared with datasync's DATASYNC_CLOCK_FILE in tests)")
      ->capture_default_str();
  app.add_option("--start-time", start_time, "where a manual clock starts (ISO-8601 with offset)")
      ->capture_default_str();
  app.add_flag("--serve-future", startup.serve_future,
               "serve bars for trading days not yet published at the simulator's clock (16:00 Asia/Shanghai)");
  app.add_option("--threads", startup.threads, "worker threads (each serves one keep-alive connection at a time)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  vs::ndl::NdlConfig ndl;
  std::string ndl_keys = "ndl-demo-key";
  std::string ndl_subscriber_keys;
  std::string ndl_no_permission;
  vs::ndl::AddNdlFlags(app, ndl, ndl_keys, ndl_subscriber_keys, ndl_no_permission);
  CLI11_PARSE(app, argc, argv);

  const std::optional<int> first_day = vs::ParseYmd(calendar_start);
  const std::optional<int> last_day = vs::ParseYmd(calendar_end);
  if (!first_day) return Fail("--calendar-start '" + calendar_start + "' is not a YYYYMMDD date");
  if (!last_day) return Fail("--calendar-end '" + calendar_end + "' is not a YYYYMMDD date");
  if (*first_day > *last_day) return Fail("--calendar-start is after --calendar-end");
  startup.calendar_first_day = *first_day;
  startup.calendar_last_day = *last_day;
  if (clock == "manual") {
    startup.clock_mode = vs::ClockMode::kManual;
  } else if (clock.rfind("file:", 0) == 0 && clock.size() > 5) {
    startup.clock_mode = vs::ClockMode::kFile;
    startup.clock_file = clock.substr(5);
  } else if (clock != "real") {
    return Fail("--clock '" + clock + "' is not real, manual or file:PATH");
  }
  const std::optional<int64_t> start_ms = vs::ParseIso8601(start_time);
  if (!start_ms)
    return Fail("--start-time '" + start_time + "' is not ISO-8601 with an offset (2024-06-03T09:00:00+08:00)");
  startup.start_epoch_ms = *start_ms;

  runtime.tokens = SplitNames(tokens);
  runtime.no_permission = SplitNames(no_permission);
  for (const std::string& name : runtime.no_permission) {
    if (!vs::DataApis::Knows(name)) return Fail("--no-permission: unknown api '" + name + "'");
  }
  for (const std::string& spec : api_limits) {
    std::string api, error;
    vs::ApiLimitOverride limits;
    if (!vs::ParseApiLimit(spec, api, limits, error)) return Fail(error);
    vs::ApiLimitOverride& slot = runtime.api_limits[api];
    if (limits.per_minute) slot.per_minute = limits.per_minute;
    if (limits.per_hour) slot.per_hour = limits.per_hour;
    if (limits.per_day) slot.per_day = limits.per_day;
  }
  ndl.runtime.keys = SplitNames(ndl_keys);
  ndl.runtime.subscriber_keys = SplitNames(ndl_subscriber_keys);
  ndl.runtime.no_permission = SplitNames(ndl_no_permission);
  for (const std::string& key : ndl.runtime.subscriber_keys) {
    if (ndl.runtime.keys.count(key) == 0) return Fail("--ndl-subscriber-keys: '" + key + "' is not in --ndl-keys");
  }
  runtime.rate_limit_style = rate_limit_style == "new" ? vs::RateLimitStyle::kNew : vs::RateLimitStyle::kOld;
  runtime.faults.truncate_mode = truncate_mode == "short" ? vs::TruncateMode::kShort : vs::TruncateMode::kClose;
  runtime.json_style = json_style == "spaced" ? vs::JsonStyle::kSpaced : vs::JsonStyle::kCompact;
  runtime.row_cap = static_cast<size_t>(row_cap);

  // SIGTERM/SIGINT are taken by a dedicated thread (sigwait), so shutdown runs outside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string host = startup.host;
  const std::string port_file = startup.port_file;
  vs::SimServer server(std::move(startup), std::move(runtime), std::move(ndl));
  const int port = server.Bind();
  if (port <= 0) return Fail("cannot listen on " + host + ":" + std::to_string(port));
  if (!port_file.empty() && !WritePortFile(port_file, port)) return Fail("cannot write --port-file " + port_file);
  std::cout << "listening on http://" << host << ":" << port << std::endl;

  std::atomic<bool> finished{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    // Stop() is a no-op until Run() has started listening; repeat until Run() returns.
    while (!finished.load()) {
      server.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const bool ok = server.Run();
  finished.store(true);
  // Wake the signal thread when the server ended on its own.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return ok ? 0 : 1;
}
