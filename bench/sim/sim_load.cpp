// sim_load: a load generator for datasync-vendor-sim. It starts the simulator (manual clock, no limits,
// no faults), then for each scenario runs K client threads, each with one keep-alive connection,
// for a fixed time, and prints requests/s, MB/s of response bodies and latency percentiles:
//   daily_by_date  daily for one trade_date across every stock (≈ the whole market per call)
//   daily_one      daily for one stock on one day (a 1-row answer)
//   trade_cal_day  trade_cal for a single day
//   ndl_eq_page    Nasdaq Data Link: a full 10,000-row page of QSIM/EQ from a date on (GET)
//   ndl_qts_year   Nasdaq Data Link: one year of the QTS/AAPL time series (GET)
// The NDL limits (per-key windows, one call in flight) are switched off, so clients share one key.
// Usage: sim_load [--sim PATH] [--stocks N] [--seconds S] [--clients 1,4,8] [--threads T]
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string sim = DATASYNC_VENDOR_SIM_PATH;
  int stocks = 5000;
  double seconds = 3.0;
  std::vector<int> clients = {1, 4, 8};
  int threads = 32;
};

struct Scenario {
  const char* name;
  // POST / with a Tushare body, or GET of an NDL path.
  bool get;
  // The request body (POST) or path (GET) for the i-th call of a client.
  std::string (*request)(const std::vector<std::string>& days, size_t i);
  // A successful answer contains this.
  const char* ok_marker;
};

struct Result {
  uint64_t requests = 0;
  uint64_t bytes = 0;
  uint64_t failures = 0;
  std::vector<double> latencies_ms;
};

std::string DailyByDate(const std::vector<std::string>& days, size_t i) {
  return R"({"api_name":"daily","token":"demo-token","params":{"trade_date":")" + days[i % days.size()] +
         R"("},"fields":""})";
}

std::string DailyOne(const std::vector<std::string>& days, size_t i) {
  return R"({"api_name":"daily","token":"demo-token","params":{"ts_code":"600000.SH","trade_date":")" +
         days[i % days.size()] + R"("},"fields":""})";
}

std::string TradeCalDay(const std::vector<std::string>& days, size_t i) {
  return R"({"api_name":"trade_cal","token":"demo-token","params":{"start_date":")" + days[i % days.size()] +
         R"(","end_date":")" + days[i % days.size()] + R"("},"fields":""})";
}

// "20240603" → "2024-06-03".
std::string IsoDay(const std::string& ymd) {
  return ymd.substr(0, 4) + "-" + ymd.substr(4, 2) + "-" + ymd.substr(6, 2);
}

std::string NdlEquityPage(const std::vector<std::string>& days, size_t i) {
  return "/api/v3/datatables/QSIM/EQ.json?api_key=ndl-demo-key&date.gte=" + IsoDay(days[i % days.size()]);
}

std::string NdlSeriesYear(const std::vector<std::string>&, size_t) {
  return "/api/v3/datasets/QTS/AAPL/data.json?api_key=ndl-demo-key&start_date=2024-01-01&end_date=2024-12-31";
}

// Starts the simulator and returns its pid and port (read from its first stdout line).
std::pair<pid_t, int> StartSim(const Options& o) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    const std::string stocks = std::to_string(o.stocks);
    const std::string threads = std::to_string(o.threads);
    execl(o.sim.c_str(), o.sim.c_str(), "--port", "0", "--clock", "manual", "--start-time", "2024-06-03T18:00:00+08:00",
          "--stocks", stocks.c_str(), "--threads", threads.c_str(), "--ndl-per-10s", "0", "--ndl-per-10min", "0",
          "--ndl-per-day", "0", "--ndl-in-flight", "64", "--ndl-queued", "64", static_cast<char*>(nullptr));
    std::perror("exec datasync-vendor-sim");
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  const size_t colon = line.rfind(':');
  if (line.rfind("listening on http://", 0) != 0 || colon == std::string::npos) {
    kill(pid, SIGKILL);
    throw std::runtime_error("simulator did not start: '" + line + "'");
  }
  return {pid, std::stoi(line.substr(colon + 1))};
}

std::vector<std::string> TradingDays(int port) {
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.Post("/",
                      R"({"api_name":"trade_cal","token":"demo-token","params":{"start_date":"20230101",)"
                      R"("end_date":"20240603","is_open":"1"},"fields":"cal_date"})",
                      "application/json");
  if (!res || res->status != 200) throw std::runtime_error("trade_cal failed");
  std::vector<std::string> days;
  const size_t items = res->body.find("\"items\":");
  for (size_t p = res->body.find("[\"", items); p != std::string::npos; p = res->body.find("[\"", p + 1)) {
    days.push_back(res->body.substr(p + 2, 8));
  }
  return days;
}

Result Run(int port, const Scenario& scenario, int clients, double seconds, const std::vector<std::string>& days) {
  std::vector<Result> per_client(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (int k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      Result& r = per_client[static_cast<size_t>(k)];
      httplib::Client cli("127.0.0.1", port);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      cli.set_decompress(false);
      cli.set_read_timeout(30, 0);
      size_t i = static_cast<size_t>(k) * 7919;
      while (std::chrono::steady_clock::now() < deadline) {
        const std::string request = scenario.request(days, i++);
        const auto start = std::chrono::steady_clock::now();
        auto res = scenario.get ? cli.Get(request.c_str()) : cli.Post("/", request, "application/json");
        const auto end = std::chrono::steady_clock::now();
        if (!res || res->status != 200 || res->body.find(scenario.ok_marker) == std::string::npos) {
          if (r.failures == 0) {
            std::fprintf(stderr, "%s: first failure: %s\n", scenario.name,
                         !res ? httplib::to_string(res.error()).c_str()
                              : ("HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 120)).c_str());
          }
          ++r.failures;
          continue;
        }
        ++r.requests;
        r.bytes += res->body.size();
        r.latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Result total;
  for (Result& r : per_client) {
    total.requests += r.requests;
    total.bytes += r.bytes;
    total.failures += r.failures;
    total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  return total;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())))];
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--sim") {
      o.sim = value();
    } else if (arg == "--stocks") {
      o.stocks = std::stoi(value());
    } else if (arg == "--seconds") {
      o.seconds = std::stod(value());
    } else if (arg == "--threads") {
      o.threads = std::stoi(value());
    } else if (arg == "--clients") {
      o.clients.clear();
      const std::string list = value();
      for (size_t p = 0; p <= list.size();) {
        const size_t comma = list.find(',', p);
        o.clients.push_back(std::stoi(list.substr(p, comma - p)));
        if (comma == std::string::npos) break;
        p = comma + 1;
      }
    } else {
      throw std::runtime_error("unknown argument " + arg +
                               " (allowed: --sim, --stocks, --seconds, --clients, --threads)");
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = Parse(argc, argv);
    const auto [pid, port] = StartSim(o);
    const std::vector<std::string> days = TradingDays(port);
    std::printf("datasync-vendor-sim %s\nstocks=%d seconds=%.1f trading_days=%zu hardware_threads=%u\n", o.sim.c_str(),
                o.stocks, o.seconds, days.size(), std::thread::hardware_concurrency());
    std::printf("%-14s %7s %10s %9s %9s %9s %11s %8s\n", "scenario", "clients", "req/s", "MB/s", "p50_ms", "p99_ms",
                "bytes/req", "failed");
    const Scenario scenarios[] = {{"daily_by_date", false, DailyByDate, "\"code\":0,"},
                                  {"daily_one", false, DailyOne, "\"code\":0,"},
                                  {"trade_cal_day", false, TradeCalDay, "\"code\":0,"},
                                  {"ndl_eq_page", true, NdlEquityPage, "{\"datatable\":"},
                                  {"ndl_qts_year", true, NdlSeriesYear, "{\"dataset_data\":"}};
    for (const Scenario& s : scenarios) {
      for (int k : o.clients) {
        const Result r = Run(port, s, k, o.seconds, days);
        std::printf("%-14s %7d %10.1f %9.1f %9.3f %9.3f %11.0f %8llu\n", s.name, k,
                    static_cast<double>(r.requests) / o.seconds, static_cast<double>(r.bytes) / o.seconds / 1e6,
                    Percentile(r.latencies_ms, 0.5), Percentile(r.latencies_ms, 0.99),
                    r.requests ? static_cast<double>(r.bytes) / static_cast<double>(r.requests) : 0.0,
                    static_cast<unsigned long long>(r.failures));
        std::fflush(stdout);
      }
    }
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "simulator did not exit cleanly after SIGTERM (status %d)\n", status);
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sim_load: %s\n", e.what());
    return 1;
  }
}
