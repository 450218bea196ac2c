// datasync: the command-line interface. Every command calls app/ (never a database or a sink directly),
// prints tables for people or JSON with --json, and exits with a code scripts can trust:
//   0 success; 1 a run did not succeed; 2 usage or configuration error; 3 a run is incomplete
//   (deferred until the vendor's quota resets, or interrupted); 4 system error (database, disk).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/app.hpp"
#include "app/logging.hpp"
#include "app/project.hpp"
#include "app/specs.hpp"
#include "cli/output.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::cli {
namespace {

using json = nlohmann::ordered_json;

enum Exit : int { kOk = 0, kRunFailed = 1, kUsage = 2, kIncomplete = 3, kSystem = 4 };

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

struct Globals {
  std::string project;
  bool json = false;
  std::string log_level = "warn";
};

int ExitWithError(const core::Error& e) {
  std::fprintf(stderr, "error: %s\n", core::Redact(e.message()).c_str());
  switch (e.kind()) {
    case core::ErrorKind::kConfig:
    case core::ErrorKind::kInvalidInput: return kUsage;
    default: return kSystem;
  }
}

void Print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

core::Result<std::unique_ptr<app::App>> OpenApp(const Globals& g) {
  std::optional<std::filesystem::path> dir;
  if (!g.project.empty()) dir = g.project;
  auto project = app::LocateProject(dir);
  if (!project) return core::Fail(project.error());
  auto level = app::ParseLogLevel(g.log_level).value_or(core::LogLevel::kWarn);
  app::SetUpLogging(level, project->logs_dir);
  return app::App::Open(*project);
}

// --- init / validate / apply -----------------------------------------------------------------------

int CmdInit(const Globals& g, const std::string& dir, const std::string& endpoint, const std::string& token_env,
            const std::string& name, bool force) {
  app::InitOptions o;
  o.dir = dir;
  o.name = name;
  if (!endpoint.empty()) o.endpoint = endpoint;
  o.token_ref = "${" + token_env + "}";
  o.force = force;
  auto p = app::InitProject(o);
  if (!p) return ExitWithError(p.error());
  if (g.json) {
    Print(json{{"project", p->root.string()}, {"config", p->config_file.string()}}.dump(2) + "\n");
  } else {
    Print(fmt::format("created {}\n  edit it, then: datasync --project {} validate && datasync --project {} apply\n",
                      p->config_file.string(), dir, dir));
  }
  return kOk;
}

int CmdValidate(const Globals& g) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::ConfigResult r = (*a)->LoadConfig();
  if (g.json) {
    json issues = json::array();
    for (const auto& i : r.issues) {
      issues.push_back({{"file", i.where.file},
                        {"line", i.where.line},
                        {"column", i.where.column},
                        {"severity", i.warning ? "warning" : "error"},
                        {"message", i.message}});
    }
    Print(json{{"valid", r.ok()}, {"issues", issues}}.dump(2) + "\n");
  } else {
    for (const auto& i : r.issues) std::fprintf(stderr, "%s\n", app::FormatIssue(i).c_str());
    if (r.ok()) {
      const app::Config& c = *r.config;
      Print(fmt::format("{}: valid ({} source(s), {} dataset(s), {} storage(s), {} plan(s))\n",
                        (*a)->project().config_file.filename().string(), c.sources.size(), c.datasets.size(),
                        c.storages.size(), c.plans.size()));
    } else {
      size_t errors = std::count_if(r.issues.begin(), r.issues.end(), [](const auto& i) { return !i.warning; });
      std::fprintf(stderr, "%zu error(s); nothing was applied\n", errors);
    }
  }
  return r.ok() ? kOk : kUsage;
}

int CmdApply(const Globals& g) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::ConfigResult r = (*a)->LoadConfig();
  for (const auto& i : r.issues) std::fprintf(stderr, "%s\n", app::FormatIssue(i).c_str());
  if (!r.ok()) {
    std::fprintf(stderr, "the configuration has errors; nothing was applied\n");
    return kUsage;
  }
  auto rep = (*a)->Apply(*r.config);
  if (!rep) return ExitWithError(rep.error());
  if (g.json) {
    json changes = json::array();
    for (const auto& c : rep->changes) {
      changes.push_back({{"kind", c.kind}, {"name", c.name}, {"change", c.change}, {"version", c.version}});
    }
    Print(json{{"changed", rep->changed()}, {"changes", changes}}.dump(2) + "\n");
    return kOk;
  }
  for (const auto& c : rep->changes) {
    if (c.change != "unchanged") Print(fmt::format("{:<9} {} {} (version {})\n", c.change, c.kind, c.name, c.version));
  }
  Print(rep->changed() ? fmt::format("applied {} change(s)\n", rep->changed()) : "no changes\n");
  return kOk;
}

// --- listings --------------------------------------------------------------------------------------

std::string LimitsText(const datasource::QuotaLimits& l) {
  std::vector<std::string> parts;
  if (l.per_minute) parts.push_back(std::to_string(*l.per_minute) + "/min");
  if (l.per_hour) parts.push_back(std::to_string(*l.per_hour) + "/h");
  if (l.per_day) parts.push_back(std::to_string(*l.per_day) + "/day");
  if (l.concurrency) parts.push_back(std::to_string(*l.concurrency) + " at once");
  return parts.empty() ? "-" : core::Join(parts, ", ");
}

int CmdList(const Globals& g, const std::string& what) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::App& app = **a;
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  if (what == "sources") {
    auto items = app.Sources();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "PROVIDER", "ENDPOINT", "TOKEN", "TIMEZONE", "LIMITS"};
    for (const auto& s : *items) {
      out.push_back(json::parse(app::SourceToDisplayJson(s)));
      rows.push_back({s.name, s.provider, s.endpoint, core::DisplaySecret(s.token), s.timezone, LimitsText(s.limits)});
    }
  } else if (what == "datasets") {
    auto items = app.Datasets();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "SOURCE", "API", "FIELDS", "PRIMARY KEY", "ROW CAP", "VERSION", "TITLE"};
    for (const auto& d : *items) {
      json j = json::parse(app::DatasetToJson(d));
      j["schema_version"] = d.schema_version;
      out.push_back(j);
      rows.push_back({d.name, d.source, d.api, std::to_string(d.schema->size()), core::Join(d.primary_key, ","),
                      d.row_cap ? std::to_string(d.row_cap) : "-", std::to_string(d.schema_version), d.title});
    }
  } else if (what == "storages") {
    auto items = app.Storages();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "KIND", "OPTIONS"};
    for (const auto& s : *items) {
      json j = json::parse(app::StorageToDisplayJson(s));
      out.push_back(j);
      std::vector<std::string> opts;
      for (const auto& [k, v] : j["options"].items()) opts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
      rows.push_back({s.name, s.kind, core::Join(opts, " ")});
    }
  } else {
    auto items = app.Plans();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "DATASET", "STORAGES", "MODE", "PARAMS", "DEPENDS ON", "ENABLED"};
    for (const auto& p : *items) {
      out.push_back(json::parse(app::PlanToJson(p)));
      std::vector<std::string> params;
      for (const auto& ps : p.args.params) {
        if (ps.kind == generation::ParamSource::Kind::kDateRange) {
          params.push_back(ps.name + "=" + ps.start + ".." + ps.end + (ps.weekdays_only ? " (weekdays)" : ""));
        } else {
          params.push_back(ps.name + "=" + core::Join(ps.values, ","));
        }
      }
      rows.push_back({p.name, p.dataset, core::Join(p.storages, ","), std::string(storage::WriteModeName(p.mode)),
                      params.empty() ? "-" : core::Join(params, " "),
                      p.depends_on.empty() ? "-" : core::Join(p.depends_on, ","), p.enabled ? "yes" : "no"});
    }
  }
  if (g.json) {
    Print(out.dump(2) + "\n");
  } else if (rows.empty()) {
    Print(fmt::format("no {} (edit datasync.yaml, then `datasync apply`)\n", what));
  } else {
    Print(RenderTable(header, rows));
  }
  return kOk;
}

// --- run / runs / report ---------------------------------------------------------------------------

int ExitFor(const std::vector<app::PlanOutcome>& outcomes) {
  int code = kOk;
  for (const auto& o : outcomes) {
    if (!o.report) {
      code = std::max<int>(code, kRunFailed);
      continue;
    }
    const std::string& s = o.report->status;
    if (s == "succeeded") continue;
    if ((s == "deferred" || s == "paused") && code == kOk) code = kIncomplete;
    if (s == "failed" || s == "cancelled") code = kRunFailed;
  }
  return code;
}

int CmdRun(const Globals& g, const std::vector<std::string>& plans, bool all) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::App& app = **a;
  std::vector<std::string> names = plans;
  if (all) {
    app::ConfigResult cfg = app.LoadConfig();
    if (!cfg.ok()) {
      std::fprintf(stderr, "%s\n", app::FormatIssues(cfg.issues).c_str());
      return kUsage;
    }
    for (const auto& p : cfg.config->plans) {
      if (p.enabled) names.push_back(p.name);
    }
  }
  if (names.empty()) {
    std::fprintf(stderr, "error: name at least one plan (see `datasync plans`), or use --all\n");
    return kUsage;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  bool tty = ::isatty(STDERR_FILENO) == 1;
  auto last_plain = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  bool line_open = false;
  app::RunOptions opts;
  opts.interrupt = &g_interrupted;
  opts.on_event = [&](const std::string& plan, const std::string& msg) {
    if (line_open) std::fprintf(stderr, "\n");
    line_open = false;
    if (plan.empty()) std::fprintf(stderr, "%s\n", msg.c_str());
    else std::fprintf(stderr, "[%s] %s\n", plan.c_str(), msg.c_str());
  };
  opts.on_progress = [&](const std::string& plan, const sync::Progress& p) {
    std::string line = ProgressLine(plan, p);
    if (tty) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      line_open = true;
    } else if (std::chrono::steady_clock::now() - last_plain >= std::chrono::seconds(5)) {
      std::fprintf(stderr, "%s\n", line.c_str());
      last_plain = std::chrono::steady_clock::now();
    }
    std::fflush(stderr);
  };
  auto outcomes = app.RunPlans(names, opts);
  if (line_open) std::fprintf(stderr, "\r\033[K");
  if (!outcomes) {
    int code = ExitWithError(outcomes.error());
    app::ShutDownLogging();
    return code;
  }
  if (g.json) {
    json arr = json::array();
    for (const auto& o : *outcomes) {
      json j = {{"plan", o.plan}, {"note", o.note}};
      j["report"] = o.report ? json::parse(sync::RunReportToJson(*o.report)) : json(nullptr);
      arr.push_back(j);
    }
    Print(arr.dump(2) + "\n");
  } else {
    for (const auto& o : *outcomes) {
      if (o.report) Print(RenderReport(*o.report));
      if (!o.note.empty() && (!o.report || o.note.starts_with("run "))) Print(fmt::format("[{}] {}\n", o.plan, o.note));
    }
  }
  app::ShutDownLogging();
  return ExitFor(*outcomes);
}

int CmdRuns(const Globals& g, const std::string& plan, const std::string& status, int limit) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  sync::RunQuery q;
  q.plan = plan;
  q.limit = static_cast<size_t>(std::max(limit, 1));
  if (!status.empty()) {
    q.status = sync::ParseRunStatus(status);
    if (!q.status) {
      std::fprintf(stderr, "error: unknown status '%s' (allowed: pending, running, succeeded, failed, cancelled, "
                           "deferred, paused)\n", status.c_str());
      return kUsage;
    }
  }
  auto runs = (*a)->Runs(q);
  if (!runs) return ExitWithError(runs.error());
  if (g.json) {
    json arr = json::array();
    for (const auto& r : *runs) {
      arr.push_back({{"id", r.id},
                     {"plan", r.plan},
                     {"status", std::string(sync::RunStatusName(r.status))},
                     {"trigger", r.trigger},
                     {"created_at_us", r.created_at_us},
                     {"started_at_us", r.started_at_us},
                     {"finished_at_us", r.finished_at_us},
                     {"resume_at_us", r.resume_at_us},
                     {"tasks_total", r.counts.tasks_total},
                     {"tasks_done", r.counts.tasks_done},
                     {"tasks_failed", r.counts.tasks_failed},
                     {"tasks_skipped", r.counts.tasks_skipped},
                     {"rows", r.counts.rows},
                     {"bytes", r.counts.bytes},
                     {"requests", r.counts.requests},
                     {"error", r.error}});
    }
    Print(arr.dump(2) + "\n");
    return kOk;
  }
  if (runs->empty()) {
    Print("no runs yet (start one with `datasync run PLAN`)\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *runs) {
    double secs = r.finished_at_us > r.started_at_us ? (r.finished_at_us - r.started_at_us) / 1e6 : -1;
    rows.push_back({std::to_string(r.id), r.plan, std::string(sync::RunStatusName(r.status)), r.trigger,
                    fmt::format("{}/{}", r.counts.tasks_done, r.counts.tasks_total), Thousands(r.counts.rows),
                    LocalTime(r.started_at_us), secs < 0 ? "-" : HumanSeconds(secs), r.error});
  }
  Print(RenderTable({"RUN", "PLAN", "STATUS", "TRIGGER", "TASKS", "ROWS", "STARTED", "DURATION", "ERROR"}, rows));
  return kOk;
}

int CmdReport(const Globals& g, int64_t run_id) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto run = (*a)->Run(run_id);
  if (!run) return ExitWithError(run.error());
  if (!*run) {
    std::fprintf(stderr, "error: no run %lld (see `datasync runs`)\n", static_cast<long long>(run_id));
    return kUsage;
  }
  const sync::SyncRun& r = **run;
  if (r.report_json.empty()) {
    std::string msg = fmt::format("run {} ({}) has no report yet: status {}, {}/{} tasks done", r.id, r.plan,
                                  sync::RunStatusName(r.status), r.counts.tasks_done, r.counts.tasks_total);
    if (g.json) Print(json{{"run_id", r.id}, {"status", std::string(sync::RunStatusName(r.status))}, {"report", nullptr}}.dump(2) + "\n");
    else Print(msg + "\n");
    return kOk;
  }
  auto rep = sync::RunReportFromJson(r.report_json);
  if (!rep) return ExitWithError(rep.error());
  if (g.json) Print(json::parse(r.report_json).dump(2) + "\n");
  else Print(RenderReport(*rep));
  return kOk;
}

}  // namespace
}  // namespace datasync::cli

int main(int argc, char** argv) {
  using namespace datasync::cli;
  CLI::App cli{"datasync: keep local data stores in sync with market-data vendors"};
  cli.require_subcommand(1);
  Globals g;
  cli.add_option("--project", g.project, "project folder (default: nearest folder with datasync.yaml)");
  cli.add_flag("--json", g.json, "machine-readable JSON output");
  cli.add_option("--log-level", g.log_level, "stderr log level: trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "off"}));
  cli.set_version_flag("--version", std::string("datasync 0.1.0"));

  std::string init_dir, endpoint, token_env = "TUSHARE_TOKEN", name;
  bool force = false;
  auto* init = cli.add_subcommand("init", "create a project: datasync.yaml and .datasync/");
  init->add_option("dir", init_dir, "folder to create")->required();
  init->add_option("--endpoint", endpoint, "vendor endpoint (default http://api.tushare.pro)");
  init->add_option("--token-env", token_env, "environment variable holding the vendor token");
  init->add_option("--name", name, "project name (default: the folder name)");
  init->add_flag("--force", force, "overwrite an existing datasync.yaml");

  auto* validate = cli.add_subcommand("validate", "check datasync.yaml; every error with file:line:column");
  auto* apply = cli.add_subcommand("apply", "load datasync.yaml into the system database");
  auto* sources = cli.add_subcommand("sources", "list sources");
  auto* datasets = cli.add_subcommand("datasets", "list datasets");
  auto* storages = cli.add_subcommand("storages", "list storages");
  auto* plans = cli.add_subcommand("plans", "list plans");

  std::vector<std::string> run_plans;
  bool run_all = false;
  auto* run = cli.add_subcommand("run", "run plans now (resuming an unfinished run of each)");
  run->add_option("plans", run_plans, "plan names");
  run->add_flag("--all", run_all, "every enabled plan");

  std::string runs_plan, runs_status;
  int runs_limit = 20;
  auto* runs = cli.add_subcommand("runs", "run history, newest first");
  runs->add_option("--plan", runs_plan, "only this plan");
  runs->add_option("--status", runs_status, "only runs with this status");
  runs->add_option("--limit", runs_limit, "how many (default 20)");

  int64_t report_id = 0;
  auto* report = cli.add_subcommand("report", "the report of one run");
  report->add_option("run", report_id, "run id (see `datasync runs`)")->required();

  for (auto* sub : cli.get_subcommands({})) {
    sub->add_flag("--json", g.json, "machine-readable JSON output");
  }

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? kOk : kUsage;
  }

  if (*init) return CmdInit(g, init_dir, endpoint, token_env, name, force);
  if (*validate) return CmdValidate(g);
  if (*apply) return CmdApply(g);
  if (*sources) return CmdList(g, "sources");
  if (*datasets) return CmdList(g, "datasets");
  if (*storages) return CmdList(g, "storages");
  if (*plans) return CmdList(g, "plans");
  if (*run) return CmdRun(g, run_plans, run_all);
  if (*runs) return CmdRuns(g, runs_plan, runs_status, runs_limit);
  if (*report) return CmdReport(g, report_id);
  return kUsage;
}
