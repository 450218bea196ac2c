#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "app/logging.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

namespace {
std::atomic<bool> g_interrupted{false};
void OnSignal(int) { g_interrupted.store(true); }
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

}  // namespace

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

}  // namespace datasync::cli
