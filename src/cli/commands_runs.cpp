#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "app/events/event_bus.hpp"
#include "app/logging.hpp"
#include "app/repair.hpp"
#include "app/verify.hpp"
#include "app/views/compare_views.hpp"
#include "app/views/coverage_views.hpp"
#include "app/views/run_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/json_text.hpp"
#include "core/strings.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

namespace {
std::atomic<bool> g_interrupted{false};
void OnSignal(int) {
  g_interrupted.store(true);
}
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

namespace {

// Progress and events of one command, on stderr: a live line on a terminal (all plans running in
// parallel in one line), a plain line every 5 s otherwise. A listener of the command's event bus, called
// from several threads.
class Console {
 public:
  Console() : tty_(::isatty(STDERR_FILENO) == 1) {
    bus_.Listen([this](const app::events::Event& e) {
      if (const auto* m = std::get_if<app::events::RunMessage>(&e)) Event(m->plan, m->message);
      if (const auto* p = std::get_if<app::events::RunProgress>(&e)) Progress(p->plan, p->progress);
    });
  }

  void Event(const std::string& plan, const std::string& msg) {
    std::lock_guard lock(mu_);
    CloseLine();
    if (plan.empty())
      std::fprintf(stderr, "%s\n", msg.c_str());
    else
      std::fprintf(stderr, "[%s] %s\n", plan.c_str(), msg.c_str());
    std::fflush(stderr);
  }

  void Progress(const std::string& plan, const sync::Progress& p) {
    std::lock_guard lock(mu_);
    latest_[plan] = p;
    std::string line;
    if (latest_.size() == 1) {
      line = ProgressLine(plan, p);
    } else {
      for (const auto& [name, q] : latest_) {
        if (!line.empty()) line += " | ";
        line += fmt::format("[{}] {}/{}", name, Thousands(q.tasks_done), Thousands(q.tasks_total));
      }
    }
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      line_open_ = true;
    } else {
      // Not a terminal (a log, CI): a plain line every 5 s, the first after 5 s, so short runs stay quiet.
      auto now = std::chrono::steady_clock::now();
      auto [it, fresh] = last_plain_.try_emplace(plan, now);
      if (!fresh && now - it->second >= std::chrono::seconds(5)) {
        std::fprintf(stderr, "%s\n", ProgressLine(plan, p).c_str());
        it->second = now;
      }
    }
    std::fflush(stderr);
  }

  void Done() {
    std::lock_guard lock(mu_);
    if (line_open_) std::fprintf(stderr, "\r\033[K");
    line_open_ = false;
  }

  app::RunOptions Options(bool wait) {
    app::RunOptions opts;
    opts.interrupt = &g_interrupted;
    opts.wait_deferred = wait;
    opts.events = &bus_;
    return opts;
  }

 private:
  void CloseLine() {
    if (line_open_) std::fprintf(stderr, "\n");
    line_open_ = false;
  }

  bool tty_;
  std::mutex mu_;
  bool line_open_ = false;
  std::map<std::string, sync::Progress> latest_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_plain_;
  app::events::EventBus bus_;  // last: destroyed (and unsubscribed) first
};

int PrintOutcomes(const Globals& g, const std::vector<app::PlanOutcome>& outcomes) {
  if (g.json) {
    json arr = json::array();
    for (const auto& o : outcomes) arr.push_back(app::views::ToJson(o));
    Print(core::JsonText(arr, 2) + "\n");
  } else {
    for (const auto& o : outcomes) {
      if (o.report) Print(RenderReport(*o.report));
      if (!o.note.empty() && (!o.report || o.note.starts_with("run ") || o.note.starts_with("interrupted"))) {
        Print(fmt::format("[{}] {}\n", o.plan, o.note));
      }
      for (const auto& line : o.schema) Print(fmt::format("[{}] schema: {}\n", o.plan, line));
    }
  }
  app::ShutDownLogging();
  return ExitFor(outcomes);
}

void CatchSignals() {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

}  // namespace

int CmdRun(const Globals& g, const std::vector<std::string>& plans, bool all, bool wait, bool refetch) {
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
  CatchSignals();
  Console console;
  app::RunOptions options = console.Options(wait);
  options.refetch = refetch;
  auto outcomes = app.RunPlans(names, options);
  console.Done();
  if (!outcomes) {
    int code = ExitWithError(outcomes.error());
    app::ShutDownLogging();
    return code;
  }
  return PrintOutcomes(g, *outcomes);
}

int CmdRepair(const Globals& g, const RepairArgs& args) {
  app::RepairOptions o;
  o.plan = args.plan;
  o.storage = args.storage;
  o.calendar = args.calendar;
  o.exchange = args.exchange;
  o.listing = args.listing;
  if (!ParseDayBounds(args.from, args.to, o.from, o.to)) return kUsage;
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::App& app = **a;
  if (args.dry_run) {
    auto plan = app::PlanRepair(app, o);
    if (!plan) return ExitWithError(plan.error());
    Print(g.json ? core::JsonText(app::views::ToJson(*plan), 2) + "\n" : DescribeRepair(*plan));
    return kOk;
  }
  CatchSignals();
  Console console;
  // What is missing and what it costs, said before the first call.
  auto done = app::RunRepair(app, o, console.Options(args.wait), [&](const app::RepairPlan& plan) {
    if (!g.json) Print(DescribeRepair(plan));
  });
  console.Done();
  if (!done) {
    int code = ExitWithError(done.error());
    app::ShutDownLogging();
    return code;
  }
  if (g.json) {
    json out = app::views::ToJson(done->first);
    out["run"] = app::views::ToJson(done->second);
    Print(core::JsonText(out, 2) + "\n");
    app::ShutDownLogging();
    return !done->second.report && done->first.selected == 0 ? kOk : ExitFor({done->second});
  }
  if (!done->second.report) {
    Print("[" + done->second.plan + "] " + done->second.note + "\n");
    app::ShutDownLogging();
    return kOk;
  }
  return PrintOutcomes(g, {done->second});
}

int CmdVerify(const Globals& g, const VerifyArgs& args) {
  app::VerifyOptions o;
  o.plan = args.plan;
  o.storage = args.storage;
  if (args.sample >= 0) o.sample = static_cast<size_t>(args.sample);
  if (!args.seed.empty()) {
    auto seed = core::ParseInt64(args.seed);
    if (!seed) {
      std::fprintf(stderr, "error: --seed %s: expected a whole number\n", args.seed.c_str());
      return kUsage;
    }
    o.seed = static_cast<uint64_t>(*seed);
  }
  o.max_examples = static_cast<size_t>(std::max<int64_t>(args.examples, 0));
  if (!ParseDayBounds(args.from, args.to, o.from, o.to)) return kUsage;
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  CatchSignals();
  Console console;
  auto r = app::Verify(**a, o, console.Options(args.wait), [&](const app::VerifyReport& drawn) {
    if (g.json) return;
    Print(fmt::format("verify {}: {} of {} completed task(s) drawn (seed {}), re-fetching them from the vendor\n",
                      drawn.plan, drawn.chosen, drawn.candidates, drawn.seed));
  });
  console.Done();
  app::ShutDownLogging();
  if (!r) return ExitWithError(r.error());
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*r), 2) + "\n");
    return r->clean() ? kOk : kRunFailed;
  }
  if (r->chosen == 0) {
    Print("verify " + r->plan + ": " + r->note + "\n");
    return kOk;
  }
  if (!r->note.empty()) Print("  " + r->note + "\n");
  std::vector<std::string> fields;
  for (const auto& [f, n] : r->revised_by_field) fields.push_back(fmt::format("{} {}", f, n));
  Print(fmt::format("  {} task(s) compared with storage {} (run {}): {} unchanged, {} with differences\n", r->checked,
                    r->storage, r->run_id, r->unchanged, r->differing.size()));
  Print(fmt::format("  rows revised {}{}, added {}, vanished {}\n", r->revised,
                    fields.empty() ? std::string() : " (" + core::Join(fields, ", ") + ")", r->added, r->vanished));
  for (const auto& t : r->differing) {
    std::vector<std::string> kv;
    for (const auto& [k, v] : t.params) kv.push_back(k + "=" + v);
    Print("  " + core::Join(kv, " ") + ":\n");
    PrintRowDiff(t.diff, "    ", "stored", "vendor", "vanished at the vendor", "added by the vendor", "revised");
  }
  return r->clean() ? kOk : kRunFailed;
}

int CmdResumeOrRetry(const Globals& g, const std::string& target, bool retry, bool wait) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  CatchSignals();
  Console console;
  // Recorded before it executes (a resume may run for hours); the outcome is the run's report.
  AuditCli(**a, retry ? "run.retry" : "run.resume", "run " + target, "from the CLI");
  auto outcome = retry ? (*a)->Retry(target, console.Options(wait)) : (*a)->Resume(target, console.Options(wait));
  console.Done();
  if (!outcome) {
    int code = ExitWithError(outcome.error());
    app::ShutDownLogging();
    return code;
  }
  return PrintOutcomes(g, {*outcome});
}

int CmdPauseOrCancel(const Globals& g, const std::string& target, bool cancel) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto msg = cancel ? (*a)->Cancel(target) : (*a)->Pause(target);
  AuditCli(**a, cancel ? "run.cancel" : "run.pause", "run " + target, msg ? *msg : "refused: " + msg.error().message());
  if (!msg) return ExitWithError(msg.error());
  if (g.json)
    Print(core::JsonText(app::views::MessageJson(*msg), 2) + "\n");
  else
    Print(*msg + "\n");
  return kOk;
}

int CmdStatus(const Globals& g) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto active = (*a)->Status();
  if (!active) return ExitWithError(active.error());
  if (g.json) {
    json arr = json::array();
    for (const auto& r : *active) arr.push_back(app::views::ToJson(r));
    Print(core::JsonText(arr, 2) + "\n");
    return kOk;
  }
  if (active->empty()) {
    Print("no active runs\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *active) {
    std::string state = std::string(sync::RunStatusName(r.run.status));
    if (r.run.status == sync::RunStatus::kRunning && !r.alive) state = "interrupted";
    if (r.run.status == sync::RunStatus::kDeferred) state += " until " + LocalTime(r.run.resume_at_us);
    std::string quota;
    for (const auto& q : r.quota) {
      if (q.window == "concurrency" || (q.limit == 0 && q.used == 0)) continue;
      if (!quota.empty()) quota += ", ";
      quota += q.limit ? fmt::format("{} {}/{}", q.window, q.used, q.limit) : fmt::format("{} {}", q.window, q.used);
    }
    rows.push_back({std::to_string(r.run.id), r.run.plan, state, r.alive ? r.run.owner : "-",
                    fmt::format("{}/{}", Thousands(r.run.counts.tasks_done), Thousands(r.run.counts.tasks_total)),
                    Thousands(r.run.counts.rows), quota.empty() ? "-" : r.quota_label + ": " + quota,
                    r.eta_secs < 0 ? "?" : HumanSeconds(static_cast<double>(r.eta_secs))});
  }
  Print(RenderTable({"RUN", "PLAN", "STATE", "PROCESS", "TASKS", "ROWS", "QUOTA", "ETA"}, rows));
  return kOk;
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
      std::fprintf(stderr,
                   "error: unknown status '%s' (allowed: pending, running, succeeded, failed, cancelled, "
                   "deferred, paused)\n",
                   status.c_str());
      return kUsage;
    }
  }
  auto runs = (*a)->Runs(q);
  if (!runs) return ExitWithError(runs.error());
  if (g.json) {
    json arr = json::array();
    for (const auto& r : *runs) arr.push_back(app::views::ToJson(r));
    Print(core::JsonText(arr, 2) + "\n");
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
    if (g.json)
      Print(core::JsonText(app::views::RunReportJson(r), 2) + "\n");
    else
      Print(msg + "\n");
    return kOk;
  }
  auto rep = sync::RunReportFromJson(r.report_json);
  if (!rep) return ExitWithError(rep.error());
  if (g.json)
    Print(core::JsonText(app::views::RunReportJson(r), 2) + "\n");
  else
    Print(RenderReport(*rep));
  return kOk;
}

}  // namespace datasync::cli
