#include "app/project.hpp"

#include <cstdlib>
#include <fstream>

#include "core/secrets.hpp"

namespace datasync::app {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTemplate = R"(# datasync project configuration (reference: docs/configuration.md).
#   datasync validate          check this file: every error with file:line:column
#   datasync apply             load it into the system database (.datasync/datasync.db)
#   datasync run PLAN...       sync now; `datasync runs` and `datasync report RUN` show history
version: 1

project:
  name: @NAME@
  # system_db: .datasync/datasync.db     # datasync's own state: catalog, runs, tasks

sources:
  tushare:
    provider: tushare
    endpoint: @ENDPOINT@          # the real vendor: https://api.tushare.pro
    token: @TOKEN@                # an ${ENV_VAR} reference: never write the token itself here
    timezone: Asia/Shanghai       # the vendor's trading day; its daily quota resets at this midnight
    limits:
      per_minute: 450             # stay under your account's per-minute limit (Tushare: 500 at 2000 points)
      concurrency: 8              # the most calls in flight at once; plans find their level below it
    # api_limits:                 # per-API overrides
    #   daily: {per_minute: 500}
    # timeout_secs: 60

datasets:
  # APIs in the tushare built-in catalog need only their source: fields, types, primary key and the
  # per-call row cap come from the catalog. Other APIs list their fields, e.g.
  #   index_daily:
  #     source: tushare
  #     primary_key: [ts_code, trade_date]
  #     date_key: trade_date
  #     row_cap: 8000
  #     fields:
  #       - {name: ts_code, type: string}
  #       - {name: trade_date, type: date}
  #       - {name: close, type: float64}
  trade_cal: {source: tushare}
  stock_basic: {source: tushare}
  daily: {source: tushare}

storages:
  warehouse:                      # one SQLite file; tables are upserted by primary key
    kind: sqlite
    path: data/warehouse.db
  csv_files:                      # CSV part files: data/csv/<dataset>/part-<task id>.csv
    kind: csv
    path: data/csv

plans:
  trade_cal:
    dataset: trade_cal
    storages: [warehouse, csv_files]
    params:                       # request parameters; several values make one request each
      exchange: SSE
      start_date: "20240101"
      end_date: "20241231"

  stock_basic:
    dataset: stock_basic
    storages: [warehouse, csv_files]
    params:
      list_status: L

  daily_2024_01:
    dataset: daily
    storages: [warehouse, csv_files]
    depends_on: [trade_cal]       # `datasync run` of several plans runs trade_cal first
    mode: upsert                  # append | upsert | replace
    params:
      trade_date:                 # one request per weekday; exchange holidays return no rows
        dates: {start: "20240101", end: "20240131", weekdays_only: true}
    retry: {max_attempts: 5, initial_backoff_ms: 1000, max_backoff_ms: 60000}
    concurrency: adaptive         # calls in flight follow the vendor's pace (default); or a fixed number
    max_wait_secs: 600            # longest vendor cool-down to wait for before checkpointing

  # A plan that `datasync serve` runs by itself: 17:30 Shanghai time on every SSE trading day (the calendar is
  # read from the trade_cal plan's sqlite storage), after trade_cal's run of the same slot.
  # daily_latest:
  #   dataset: daily
  #   storages: [warehouse]
  #   depends_on: [trade_cal]
  #   params:
  #     trade_date: {dates: {start: today, end: today}}
  #   schedule: {cron: "30 17 * * *", calendar: trade_cal, misfire: catch_up, deadline: "20:00"}

  # Arguments can come from data already synced, often through a named template (see templates below):
  # daily_2024:
  #   dataset: daily
  #   storages: [warehouse]
  #   template: trading_days_2024   # reads trade_cal: this plan runs after the trade_cal plan

# templates:                      # reusable argument sources; try one with `datasync template test NAME`
#   trading_days_2024:
#     params:                     # one request per SSE trading day; {column: {dataset: stock_basic}} would
#       trade_date: {trading_days: {start: "20240101", end: "20241231", exchange: SSE}}   # add every code

# serve:                          # `datasync serve` (docs/serve.md)
#   listen: 127.0.0.1:9470        # Prometheus /metrics and /healthz
# alerts:
#   channels:
#     ops:
#       type: email
#       smtp_url: smtps://smtp.example.com:465
#       username: alerts@example.com
#       password: ${SMTP_PASSWORD}
#       from: alerts@example.com
#       to: [ops@example.com]
#   rules:
#     - {events: [run_failed, permission, plan_late], channels: [ops]}
)";

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

}  // namespace

Project ProjectAt(const fs::path& root) {
  Project p;
  p.root = root;
  p.config_file = root / "datasync.yaml";
  p.state_dir = root / ".datasync";
  p.logs_dir = p.state_dir / "logs";
  return p;
}

core::Result<Project> LocateProject(const std::optional<fs::path>& explicit_dir) {
  std::error_code ec;
  if (explicit_dir) {
    fs::path root = fs::absolute(*explicit_dir, ec);
    if (!fs::exists(root / "datasync.yaml")) {
      return core::Fail(core::ErrorKind::kConfig, "no datasync.yaml in " + root.string() +
                                                      " (create a project with `datasync init " +
                                                      explicit_dir->string() + "`)");
    }
    return ProjectAt(root);
  }
  if (const char* env = std::getenv("DATASYNC_PROJECT"); env && *env) return LocateProject(fs::path(env));
  fs::path dir = fs::current_path(ec);
  while (!dir.empty()) {
    if (fs::exists(dir / "datasync.yaml")) return ProjectAt(dir);
    if (dir == dir.root_path()) break;
    dir = dir.parent_path();
  }
  return core::Fail(core::ErrorKind::kConfig,
                    "no datasync.yaml here or in any parent folder (use --project DIR, or `datasync init DIR`)");
}

std::string RenderProjectTemplate(const InitOptions& options) {
  std::string text = kTemplate;
  std::string name = options.name.empty() ? fs::absolute(options.dir).filename().string() : options.name;
  if (name.empty()) name = "datasync";
  ReplaceAll(text, "@NAME@", name);
  ReplaceAll(text, "@ENDPOINT@", options.endpoint);
  ReplaceAll(text, "@TOKEN@", options.token_ref);
  return text;
}

core::Result<Project> InitProject(const InitOptions& options) {
  if (!options.token_ref.empty() && !core::IsSecretReference(options.token_ref)) {
    return core::Fail(core::ErrorKind::kConfig,
                      "--token-env must name an environment variable, e.g. TUSHARE_TOKEN (the token itself is never "
                      "written to the project)");
  }
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) {
    return core::Fail(core::ErrorKind::kConfig, "cannot create " + options.dir.string() + ": " + ec.message());
  }
  Project p = ProjectAt(fs::absolute(options.dir));
  if (fs::exists(p.config_file) && !options.force) {
    return core::Fail(core::ErrorKind::kConfig,
                      p.config_file.string() + " already exists (use --force to overwrite it)");
  }
  for (const auto& d : {p.state_dir, p.logs_dir}) {
    fs::create_directories(d, ec);
    if (ec) return core::Fail(core::ErrorKind::kConfig, "cannot create " + d.string() + ": " + ec.message());
  }
  fs::path tmp = p.config_file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << RenderProjectTemplate(options);
    if (!out) return core::Fail(core::ErrorKind::kConfig, "cannot write " + tmp.string());
  }
  fs::rename(tmp, p.config_file, ec);
  if (ec) return core::Fail(core::ErrorKind::kConfig, "cannot write " + p.config_file.string() + ": " + ec.message());
  // Keep the state folder out of version control by default.
  std::ofstream(p.state_dir / ".gitignore") << "*\n";
  return p;
}

}  // namespace datasync::app
