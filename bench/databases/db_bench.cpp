// Rows/s of a Tushare `daily`-shaped stream into each database through its datasync sink, next to that
// database's own bulk path on the same rows: psql's \copy, the mariadb client's LOAD DATA LOCAL INFILE, and
// an HTTP insert of a prepared TabSeparated file into ClickHouse (curl --data-binary @file).
//
// The stream is what the engine drives: 11 columns, one unit of 5000 rows per trading day (one vendor call),
// one Commit per unit, mode upsert with the (ts_code, trade_date) key unless stated. The raw paths load the
// whole file in one statement into an empty table of the same shape, which is their best case.
//
// Servers: DATASYNC_BENCH_{PG,MYSQL,CLICKHOUSE}_URL, else the DATASYNC_TEST_*_URL the test hook exports
// (scripts/services/services.sh start, then the URLs of scripts/test-setup.d/10-servers.sh). A server
// without a URL is reported and left out. psql, mariadb and curl must be on PATH.
// Run: build-release/bench/databases/db_bench [--days N] [--only postgres|mysql|clickhouse]
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/daily_batch.hpp"
#include "common/temp_dir.hpp"
#include "core/dates.hpp"
#include "storage/clickhouse/clickhouse_sink.hpp"
#include "storage/mysql/mysql_sink.hpp"
#include "storage/postgres/postgres_sink.hpp"
#include "storage/sql/text_rows.hpp"

namespace datasync::storage {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kRowsPerUnit = 5000;


std::string Env(const char* bench, const char* test) {
  const char* v = std::getenv(bench);
  if (!v || !*v) v = std::getenv(test);
  return v ? v : "";
}

// scheme://user:password@host:port/db -> its parts (bench URLs are plain).
struct Url {
  std::string user, password, host, port, db;
};
Url Split(const std::string& url) {
  Url u;
  std::string rest = url.substr(url.find("://") + 3);
  auto slash = rest.find('/');
  u.db = slash == std::string::npos ? "" : rest.substr(slash + 1);
  rest = rest.substr(0, slash);
  auto at = rest.rfind('@');
  std::string userinfo = at == std::string::npos ? "" : rest.substr(0, at);
  rest = rest.substr(at == std::string::npos ? 0 : at + 1);
  u.user = userinfo.substr(0, userinfo.find(':'));
  if (userinfo.find(':') != std::string::npos) u.password = userinfo.substr(userinfo.find(':') + 1);
  u.host = rest.substr(0, rest.rfind(':'));
  u.port = rest.substr(rest.rfind(':') + 1);
  return u;
}

std::string WithDb(const std::string& url, const std::string& db) {
  auto start = url.find("://") + 3;
  auto slash = url.find('/', start);
  return (slash == std::string::npos ? url : url.substr(0, slash)) + "/" + db;
}

bool Run(const std::string& command) {
  int rc = std::system((command + " >/dev/null").c_str());
  if (rc != 0) std::fprintf(stderr, "command failed (%d): %s\n", rc, command.c_str());
  return rc == 0;
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Server {
  std::string kind;  // sink id
  std::string url;
  std::string ns;
  std::function<bool()> drop;                     // drops the namespace
  std::function<bool(const fs::path& file)> raw;  // loads the file into ns.daily_raw
  std::function<void(core::Options&)> options;    // the sink's options for ns
  sql::TextFormat format = sql::TextFormat::kPostgresCopy;
};

// Drives the sink as the engine does: one Write per unit, a Commit after every `group` units (the engine
// commits each batch while the vendor is the bottleneck, and groups of up to 32 while the sink is).
// Returns seconds, or < 0 on failure.
double SinkRun(const Server& server, const std::vector<core::ColumnBatch>& batches, const std::string& table,
               WriteMode mode, const std::vector<std::pair<std::string, std::string>>& extra, size_t group = 1) {
  SinkRegistry registry;
  RegisterPostgresSink(registry);
  RegisterMySqlSink(registry);
  RegisterClickHouseSink(registry);
  auto sink = registry.Find(server.kind)->create();
  BindContext ctx;
  ctx.storage_name = "bench";
  ctx.dataset = table;
  ctx.schema = batches.front().schema_ptr();
  ctx.primary_key = {"ts_code", "trade_date"};
  ctx.date_key = "trade_date";
  ctx.mode = mode;
  server.options(ctx.options);
  for (const auto& [k, v] : extra) ctx.options.Set(k, v);
  auto start = Clock::now();
  auto check = [](core::Status st) {
    if (!st) std::fprintf(stderr, "sink failed: %s\n", st.error().ToString().c_str());
    return static_cast<bool>(st);
  };
  if (!check(sink->Bind(ctx)) || !check(sink->Migrate()) || !check(sink->Open(RunContext{1}))) return -1;
  for (size_t i = 0; i < batches.size(); ++i) {
    if (!check(sink->Write(batches[i], "day-" + std::to_string(i)))) return -1;
    if ((i + 1) % group == 0 || i + 1 == batches.size()) {
      if (!check(sink->Commit())) return -1;
    }
  }
  if (!check(sink->Finish()) || !check(sink->Close())) return -1;
  return Seconds(start);
}

void Report(const char* what, size_t rows, double secs, double raw_rows_per_sec) {
  if (secs < 0) {
    std::printf("  %-44s failed\n", what);
    return;
  }
  double rps = static_cast<double>(rows) / secs;
  if (raw_rows_per_sec > 0) {
    std::printf("  %-44s %10.0f rows/s  %6.2f s  %5.1f %% of raw\n", what, rps, secs, 100.0 * rps / raw_rows_per_sec);
  } else {
    std::printf("  %-44s %10.0f rows/s  %6.2f s\n", what, rps, secs);
  }
  std::fflush(stdout);
}

void Bench(const Server& server, const std::vector<core::ColumnBatch>& batches, const fs::path& dir) {
  size_t rows = batches.size() * kRowsPerUnit;
  std::printf("%s (%s): %zu rows in %zu units of %zu\n", server.kind.c_str(), server.ns.c_str(), rows, batches.size(),
              kRowsPerUnit);
  if (!server.drop()) return;
  // The raw path's table has the shape the sink creates (made by the sink); the raw loader empties it first.
  double setup = SinkRun(server, {batches.front()}, "daily_raw", WriteMode::kAppend, {});
  if (setup < 0) return;
  std::string file;
  for (const auto& b : batches) {
    // The raw table carries the sink's bookkeeping column(s) too; the file fills them the same way.
    std::string suffix = server.kind == "clickhouse" ? "\t1\tday" : "\tday";
    (void)sql::AppendTextRows(b, 0, b.num_rows(), server.format, suffix, file);
  }
  fs::path path = dir / (server.kind + ".tsv");
  std::ofstream(path, std::ios::binary) << file;
  auto start = Clock::now();
  bool ok = server.raw(path);
  double raw_secs = ok ? Seconds(start) : -1;
  double raw_rps = raw_secs > 0 ? static_cast<double>(rows) / raw_secs : 0;
  Report("raw bulk path (one statement, empty table)", rows, raw_secs, 0);
  Report("datasync sink, upsert, commit per 32 units", rows,
         SinkRun(server, batches, "daily_grouped", WriteMode::kUpsert, {}, 32), raw_rps);
  Report("datasync sink, upsert, commit per unit", rows, SinkRun(server, batches, "daily", WriteMode::kUpsert, {}),
         raw_rps);
  // The same units again over the full table (the idempotent path), right after it was written, while its
  // pages are still cached as they were for the first run.
  Report("datasync sink, upsert re-run over the rows", rows, SinkRun(server, batches, "daily", WriteMode::kUpsert, {}),
         raw_rps);
  Report("datasync sink, append, commit per unit", rows,
         SinkRun(server, batches, "daily_append", WriteMode::kAppend, {}), raw_rps);
  if (server.kind == "mysql") {
    Report("datasync sink, upsert, load_method insert", rows,
           SinkRun(server, batches, "daily_insert", WriteMode::kUpsert, {{"load_method", "insert"}}), raw_rps);
    Report("datasync sink, upsert re-run, load_method insert", rows,
           SinkRun(server, batches, "daily_insert", WriteMode::kUpsert, {{"load_method", "insert"}}), raw_rps);
  }
  server.drop();
}

}  // namespace
}  // namespace datasync::storage

int main(int argc, char** argv) {
  using namespace datasync::storage;
  size_t days = 40;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--days") == 0) days = static_cast<size_t>(std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
  }
  auto schema = datasync::bench::DailySchema();
  int32_t first_day = datasync::core::DaysFromCivil({2024, 1, 2});
  std::vector<datasync::core::ColumnBatch> batches;
  for (size_t d = 0; d < days; ++d) batches.push_back(datasync::bench::DailyBatch(schema, first_day + static_cast<int32_t>(d), kRowsPerUnit));
  fs::path dir = datasync::bench::MakeTempDir("datasync-db-bench-");
  std::string ns = "bench_" + std::to_string(::getpid());

  std::vector<Server> servers;
  if (std::string url = Env("DATASYNC_BENCH_PG_URL", "DATASYNC_TEST_PG_URL"); !url.empty()) {
    Server s{"postgres", url, ns};
    s.drop = [url, ns] { return Run("psql '" + url + "' -X -q -c 'DROP SCHEMA IF EXISTS " + ns + " CASCADE'"); };
    s.options = [url, ns](datasync::core::Options& o) {
      o.Set("url", url);
      o.Set("schema", ns);
    };
    s.raw = [url, ns](const fs::path& file) {
      return Run("psql '" + url + "' -X -q -c 'TRUNCATE " + ns + ".daily_raw' -c \"\\copy " + ns + ".daily_raw FROM '" +
                 file.string() + "'\"");
    };
    servers.push_back(s);
  } else {
    std::printf("postgres: no DATASYNC_BENCH_PG_URL or DATASYNC_TEST_PG_URL; left out\n");
  }
  if (std::string url = Env("DATASYNC_BENCH_MYSQL_URL", "DATASYNC_TEST_MYSQL_URL"); !url.empty()) {
    Url u = Split(url);
    std::string client = "mariadb --no-defaults -h " + u.host + " -P " + u.port + " -u " + u.user + " -p" + u.password;
    Server s{"mysql", url, ns};
    s.format = datasync::storage::sql::TextFormat::kMysqlLoadData;
    s.drop = [client, ns] { return Run(client + " -e 'DROP DATABASE IF EXISTS " + ns + "'"); };
    s.options = [url, ns](datasync::core::Options& o) { o.Set("url", WithDb(url, ns)); };
    s.raw = [client, ns](const fs::path& file) {
      return Run(client + " --local-infile=1 " + ns + " -e \"TRUNCATE daily_raw; LOAD DATA LOCAL INFILE '" +
                 file.string() + "' INTO TABLE daily_raw CHARACTER SET utf8mb4\"");
    };
    servers.push_back(s);
  } else {
    std::printf("mysql: no DATASYNC_BENCH_MYSQL_URL or DATASYNC_TEST_MYSQL_URL; left out\n");
  }
  if (std::string url = Env("DATASYNC_BENCH_CLICKHOUSE_URL", "DATASYNC_TEST_CLICKHOUSE_URL"); !url.empty()) {
    Url u = Split(url);
    std::string curl = "curl -sS --fail -H 'X-ClickHouse-User: " + u.user + "' -H 'X-ClickHouse-Key: " + u.password +
                       "' 'http://" + u.host + ":" + u.port + "/";
    Server s{"clickhouse", url, ns};
    s.format = datasync::storage::sql::TextFormat::kPostgresCopy;  // the same backslash escapes as TabSeparated
    s.drop = [curl, ns] { return Run(curl + "' --data-binary 'DROP DATABASE IF EXISTS " + ns + "'"); };
    s.options = [url, ns](datasync::core::Options& o) { o.Set("url", WithDb(url, ns)); };
    s.raw = [curl, ns](const fs::path& file) {
      return Run(curl + "' --data-binary 'TRUNCATE TABLE " + ns + ".daily_raw'") &&
             Run(curl + "?query=INSERT%20INTO%20" + ns + ".daily_raw%20FORMAT%20TabSeparated' --data-binary @" +
                 file.string());
    };
    servers.push_back(s);
  } else {
    std::printf("clickhouse: no DATASYNC_BENCH_CLICKHOUSE_URL or DATASYNC_TEST_CLICKHOUSE_URL; left out\n");
  }
  for (const auto& s : servers) {
    if (only.empty() || only == s.kind) Bench(s, batches, dir);
  }
  fs::remove_all(dir);
  return 0;
}
