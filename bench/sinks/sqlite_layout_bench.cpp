// Which SQLite write pattern keeps a whole-market backfill cheap as the table grows (issue 19, item 3)? The
// sqlite sink's own table and statement (a daily-shaped table keyed by (ts_code, trade_date), INSERT ... ON
// CONFLICT DO UPDATE, WAL, synchronous=full), driven by raw SQLite so that each choice is measured alone:
//
//   cache       the page cache: SQLite's default 2 MiB, or the sink's 64 MiB
//   layout      rowid table + the primary key's index, or WITHOUT ROWID (clustered on the key)
//   order       rows as the vendor sends them (day by day, codes in order) or sorted by key within a commit
//   checkpoint  SQLite's automatic one in the writer at 1000 pages, or the sink's WalCheckpointer (a thread's
//               passive one)
//   days/commit how many trading days (tasks) one transaction holds (the engine's group commit)
//
// Each configuration backfills --years of --stocks codes by trade date into a fresh file and prints the CPU
// per row (this process: the writer and any checkpoint thread) of the first year and of the last, their
// ratio (the bar of item 5: within 20 %), the commit latencies (p50 / p99 / max: a checkpoint in the writer
// shows there) and the file's size. Plain timing; asserts nothing.
//
//   sqlite_layout_bench [--stocks 5000] [--years 10] [--dir PATH] [--only NAME]
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "common/temp_dir.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "db/sqlite/wal_checkpointer.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Config {
  const char* name;
  int cache_mib = 2;
  bool without_rowid = false;
  bool sorted = false;
  bool background_checkpoint = false;
  int days_per_commit = 8;
};

void Check(int rc, sqlite3* db, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  std::fprintf(stderr, "%s failed: %s\n", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), err ? err : "?");
    std::exit(1);
  }
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Row {
  std::string code;
  std::string date;  // ISO, as the sink binds a date
  double values[9];
};

// Weekdays from 2015-01-01 on, as ISO dates; `years` × 261 of them.
std::vector<std::string> TradingDays(int years) {
  std::vector<std::string> days;
  // 2015-01-01 was a Thursday (weekday 3, Monday = 0).
  int y = 2015, m = 1, d = 1, weekday = 3;
  auto month_days = [](int year, int month) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  };
  while (y < 2015 + years) {
    if (weekday < 5) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
      days.emplace_back(buf);
    }
    weekday = (weekday + 1) % 7;
    if (++d > month_days(y, m)) {
      d = 1;
      if (++m > 12) m = 1, ++y;
    }
  }
  return days;
}

struct Outcome {
  double first_us_per_row = 0, last_us_per_row = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double wall_s = 0;
  double mb = 0;
};

Outcome Run(const Config& cfg, const fs::path& dir, int stocks, int years) {
  fs::path path = dir / (std::string(cfg.name) + ".db");
  std::string file = path.string();
  // The sink's connection and checkpointer (db/sqlite), driven through the raw handle like the sink's rows.
  auto conn = datasync::db::sqlite::SqliteConnection::Open(file, {.role = datasync::db::sqlite::Role::kDataStore});
  if (!conn) {
    std::fprintf(stderr, "open failed: %s\n", conn.error().message().c_str());
    std::exit(1);
  }
  sqlite3* db = (*conn)->handle();
  Exec(db, "PRAGMA journal_mode=wal; PRAGMA synchronous=full; PRAGMA cache_size=-" +
               std::to_string(cfg.cache_mib * 1024));
  std::string create =
      "CREATE TABLE daily (ts_code TEXT, trade_date TEXT, open REAL, high REAL, low REAL, close REAL, pre_close "
      "REAL, change REAL, pct_chg REAL, vol REAL, amount REAL, PRIMARY KEY (ts_code, trade_date))";
  if (cfg.without_rowid) create += " WITHOUT ROWID";
  Exec(db, create);
  datasync::db::sqlite::WalCheckpointer checkpointer;
  if (cfg.background_checkpoint) {
    if (auto st = checkpointer.Start(**conn, file, "full", std::chrono::seconds(10)); !st) {
      std::fprintf(stderr, "checkpointer: %s\n", st.error().message().c_str());
      std::exit(1);
    }
  }
  sqlite3_stmt* insert = nullptr;
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO daily VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT "
                           "(ts_code, trade_date) DO UPDATE SET open = excluded.open, high = excluded.high, low = "
                           "excluded.low, close = excluded.close, pre_close = excluded.pre_close, change = "
                           "excluded.change, pct_chg = excluded.pct_chg, vol = excluded.vol, amount = excluded.amount",
                           -1, &insert, nullptr),
        db, "prepare");

  std::vector<std::string> days = TradingDays(years);
  std::vector<std::string> codes(static_cast<size_t>(stocks));
  for (int i = 0; i < stocks; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "%06d.%s", i, i % 2 ? "SZ" : "SH");
    codes[static_cast<size_t>(i)] = code;
  }
  uint64_t seed = 88172645463325252ULL;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return static_cast<double>(seed % 100000) / 100.0;
  };

  const size_t per_year = days.size() / static_cast<size_t>(years);
  const size_t last_year = days.size() - per_year;
  std::vector<double> commit_ms;
  std::vector<Row> rows;
  std::vector<size_t> order;
  // CPU of the writes alone (not of making the rows), summed over the first year's commits and the last's.
  double first_cpu = 0, last_cpu = 0;
  size_t first_rows = 0, last_rows = 0;
  auto start = Clock::now();
  for (size_t d = 0; d < days.size(); d += static_cast<size_t>(cfg.days_per_commit)) {
    size_t end = std::min(days.size(), d + static_cast<size_t>(cfg.days_per_commit));
    rows.clear();
    for (size_t day = d; day < end; ++day) {
      for (const auto& code : codes) {
        Row r{code, days[day], {}};
        for (double& v : r.values) v = next();
        rows.push_back(std::move(r));
      }
    }
    order.resize(rows.size());
    std::iota(order.begin(), order.end(), size_t{0});
    double cpu0 = CpuSeconds();
    if (cfg.sorted) {
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        int c = rows[a].code.compare(rows[b].code);
        return c != 0 ? c < 0 : rows[a].date < rows[b].date;
      });
    }
    Exec(db, "BEGIN IMMEDIATE");
    for (size_t i : order) {
      const Row& r = rows[i];
      sqlite3_bind_text(insert, 1, r.code.data(), static_cast<int>(r.code.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, 2, r.date.data(), static_cast<int>(r.date.size()), SQLITE_STATIC);
      for (int c = 0; c < 9; ++c) sqlite3_bind_double(insert, 3 + c, r.values[c]);
      Check(sqlite3_step(insert), db, "insert");
      sqlite3_reset(insert);
    }
    auto t1 = Clock::now();
    Exec(db, "COMMIT");
    commit_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
    double cpu = CpuSeconds() - cpu0;
    if (d < per_year) first_cpu += cpu, first_rows += rows.size();
    if (end > last_year) last_cpu += cpu, last_rows += rows.size();
  }
  double first = first_cpu * 1e6 / static_cast<double>(first_rows);
  double last = last_cpu * 1e6 / static_cast<double>(last_rows);
  Outcome out;
  out.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  sqlite3_finalize(insert);
  checkpointer.Stop();
  conn->reset();
  std::sort(commit_ms.begin(), commit_ms.end());
  out.first_us_per_row = first;
  out.last_us_per_row = last;
  out.p50_ms = commit_ms[commit_ms.size() / 2];
  out.p99_ms = commit_ms[commit_ms.size() * 99 / 100];
  out.max_ms = commit_ms.back();
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    auto size = fs::file_size(file + suffix, ec);
    if (!ec) out.mb += static_cast<double>(size) / 1e6;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file + suffix, ec);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int stocks = 5000, years = 10;
  std::string dir_arg, only;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--stocks") stocks = std::atoi(argv[i + 1]);
    else if (a == "--years") years = std::atoi(argv[i + 1]);
    else if (a == "--dir") dir_arg = argv[i + 1];
    else if (a == "--only") only = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: %s [--stocks N] [--years N] [--dir PATH] [--only NAME]\n", argv[0]);
      return 2;
    }
  }
  if (years < 2) years = 2;
  fs::path dir = dir_arg.empty() ? datasync::bench::MakeTempDir("sqlite-layout-") : fs::path(dir_arg);
  const Config configs[] = {
      {.name = "default-cache"},
      {.name = "cache-64MiB", .cache_mib = 64},
      {.name = "cache-256MiB", .cache_mib = 256},
      {.name = "cache+sorted", .cache_mib = 64, .sorted = true},
      {.name = "cache+without-rowid", .cache_mib = 64, .without_rowid = true},
      {.name = "cache+bg-checkpoint", .cache_mib = 64, .background_checkpoint = true},
      {.name = "cache,1-day-commits", .cache_mib = 64, .days_per_commit = 1},
      {.name = "cache,32-day-commits", .cache_mib = 64, .days_per_commit = 32},
      {.name = "cache,96-day-commits", .cache_mib = 64, .days_per_commit = 96},
      {.name = "cache+sorted,96-day", .cache_mib = 64, .sorted = true, .days_per_commit = 96},
  };
  std::printf("%d stocks x %d years by trade date into SQLite (WAL, synchronous=full) in %s\n", stocks, years,
              dir.c_str());
  std::printf("%-22s %10s %10s %7s %9s %9s %9s %8s %8s\n", "configuration", "year 1", "last year", "growth",
              "p50 ms", "p99 ms", "max ms", "wall s", "MB");
  std::printf("%-22s %10s %10s\n", "", "us/row", "us/row");
  for (const Config& cfg : configs) {
    if (!only.empty() && only != cfg.name) continue;
    Outcome o = Run(cfg, dir, stocks, years);
    std::printf("%-22s %10.2f %10.2f %+6.0f%% %9.1f %9.1f %9.1f %8.1f %8.0f\n", cfg.name, o.first_us_per_row,
                o.last_us_per_row, (o.last_us_per_row / o.first_us_per_row - 1) * 100, o.p50_ms, o.p99_ms, o.max_ms,
                o.wall_s, o.mb);
    std::fflush(stdout);
  }
  if (dir_arg.empty()) fs::remove_all(dir);
  return 0;
}
