#include "app/daemon.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/alert_dispatcher.hpp"
#include "app/alert_router.hpp"
#include "app/config_watcher.hpp"
#include "app/daemon_launcher.hpp"
#include "app/daily_summary_job.hpp"
#include "app/events/event_bus.hpp"
#include "app/remote_run_watch.hpp"
#include "app/run_metrics.hpp"
#include "app/verify_job.hpp"
#include "core/dates.hpp"
#include "core/json_text.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "sync/run_coordinator.hpp"
#include "sync/scheduler.hpp"
#include "sync/worker_identity.hpp"

namespace datasync::app {

namespace {

using namespace std::chrono_literals;
using core::ErrorKind;
using core::Fail;

constexpr auto kOrphanScanEvery = 1s;  // deferred runs of any trigger: is their reset due?
constexpr auto kStalledAfter = 30s;    // /healthz: the loop has not ticked for this long
constexpr auto kRemotePollEvery = 2s;  // how often the runs of other processes are read for the event stream

}  // namespace

// The daemon's loop and what it owns. The concerns live in their own files: the worker threads
// (DaemonLauncher), watching datasync.yaml (ConfigWatcher), turning runs' and the scheduler's events into
// metrics and alerts (RunMetrics, AlertRouter on the event bus), sending alerts (AlertDispatcher) and the
// daily summary (DailySummaryJob) and the scheduled verify (VerifyJob). What stays here: configuring them, the
// tick, the runs left by earlier processes, the metrics read at scrape time, and shutdown.
struct Daemon::Impl {
  App& app;
  DaemonOptions options;
  std::string owner = sync::WorkerIdentity::ThisProcess().Name();
  Config config;
  core::MetricsRegistry metrics;
  events::EventBus bus;                       // runs' and the scheduler's events; metrics and alerts listen
  JobQueue jobs{core::ProcessClock(), &bus};  // the web app's storage work (migrations)
  std::unique_ptr<sync::Scheduler> scheduler;
  std::atomic<bool> stopping{false};          // the interrupt of every run this daemon executes
  std::atomic<int64_t> max_parallel_runs{4};  // config.serve's, read by the API's threads too
  std::chrono::steady_clock::time_point started_steady = std::chrono::steady_clock::now();
  int64_t started_us = 0;
  std::atomic<int64_t> last_tick_ns{0};  // steady clock of the last completed tick
  bool resumed_at_start = false;
  std::chrono::steady_clock::time_point last_orphan_scan{};
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> repeated_errors;
  std::mutex project_mu;  // project_name is read by the HTTP server's threads
  std::string project_name;
  ConfigWatcher config_watcher;
  uint64_t seen_generation = 0;  // App::config_generation at the last load
  RemoteRunWatch remote_runs{owner};
  std::chrono::steady_clock::time_point last_remote_poll{};
  AlertDispatcher alerts;
  DailySummaryJob daily_summary;
  DaemonLauncher launcher;
  VerifyJob verify_job;

  // The bus's subscribers; declared last so that they unsubscribe before what they use goes.
  std::unique_ptr<RunMetrics> run_metrics;
  std::unique_ptr<AlertRouter> alert_router;

  Impl(App& a, DaemonOptions o)
      : app(a),
        options(o),
        config_watcher(a.project().config_file),
        alerts(core::ProcessClock(), metrics, o.tick),
        daily_summary(a, alerts, owner),
        launcher(DaemonLauncher::Deps{&a, &stopping, &bus, [this] { return max_parallel_runs.load(); },
                                      [this](const PlanOutcome& out, int64_t slot_us) { OnOutcome(out, slot_us); }}),
        verify_job(VerifyJob::Deps{
            &a, owner, [this] { return launcher.HasCapacity(); },
            [this](const std::string& plan) { return launcher.Busy(plan); },
            [this](const std::string& plan, std::function<void()> work) { launcher.StartJob(plan, std::move(work)); },
            [this] { return launcher.WorkerOptions(); }, &bus}) {
    run_metrics = std::make_unique<RunMetrics>(bus, metrics);
    alert_router =
        std::make_unique<AlertRouter>(bus, [this](alerting::Alert alert) { alerts.Submit(std::move(alert)); });
  }

  const core::Clock& clock() const { return core::ProcessClock(); }

  // What ResumeOrphans asks of the launcher.
  bool HasCapacity() { return launcher.HasCapacity(); }
  bool Busy(const std::string& plan) { return launcher.Busy(plan); }
  void StartJob(const std::string& plan, std::function<void()> work) { launcher.StartJob(plan, std::move(work)); }
  RunOptions WorkerOptions() const { return launcher.WorkerOptions(); }

  // `out` has a report.
  void OnOutcome(const PlanOutcome& out, int64_t slot_us) {
    // Metrics count it, alert rules may send it; the run may have synced a calendar the schedules read.
    bus.Publish(events::RunEnded{*out.report, slot_us});
    app.InvalidateCalendar();
  }

  // A failure that repeats every tick (an unreadable calendar, the system database away) is logged once a
  // minute, not ten times a second.
  bool ShouldLog(const std::string& key, const std::string& message) {
    auto now = std::chrono::steady_clock::now();
    auto& [last_message, at] = repeated_errors[key];
    if (last_message == message && now - at < 60s) return false;
    last_message = message;
    at = now;
    return true;
  }

  void OnSchedulerEvent(const sync::SchedulerEvent& e) {
    using K = sync::SchedulerEvent::Kind;
    if (e.kind == K::kError) {
      if (ShouldLog("plan " + e.plan, e.message)) core::LogError("plan " + e.plan + ": schedule: " + e.message);
    } else {
      std::string where = e.plan.empty() ? "scheduler" : "plan " + e.plan;
      std::string slot = e.slot_us ? " slot " + core::FormatTimestamp(e.slot_us) + " UTC" : "";
      core::Log(e.kind == K::kHeld || e.kind == K::kLate || e.kind == K::kLaunchFailed || e.kind == K::kMissed
                    ? core::LogLevel::kWarn
                    : core::LogLevel::kInfo,
                fmt::format("{}{}: {}{}", where, slot, sync::SchedulerEventName(e.kind),
                            e.message.empty() ? "" : ": " + e.message));
    }
    bus.Publish(events::SchedulerNotice{e});  // metrics count it, alert rules may send it
  }

  // --- configuration ------------------------------------------------------------------------------

  core::Status LoadAndApply(bool at_start) {
    auto change_lock = app.LockConfigChanges();
    ConfigResult cfg = app.LoadConfig();
    if (!cfg.ok()) {
      std::string issues = FormatIssues(cfg.issues);
      if (at_start) return Fail(ErrorKind::kConfig, issues);
      core::LogError("datasync.yaml changed but is not valid; keeping the configuration loaded before:\n" + issues);
      return core::Ok();
    }
    for (const auto& i : cfg.issues) core::LogWarn(FormatIssue(i));
    auto applied = app.Apply(*cfg.config);
    if (!applied) return Fail(applied.error());
    bool alerts_changed =
        at_start || !(cfg.config->alerts == config.alerts) || cfg.config->project.name != config.project.name;
    config = std::move(*cfg.config);
    max_parallel_runs.store(config.serve.max_parallel_runs);
    {
      std::lock_guard lock(project_mu);
      project_name = config.project.name;
    }
    std::vector<sync::ScheduledPlan> plans;
    for (const auto& p : config.plans) {
      sync::ScheduledPlan sp{p.name, std::nullopt, p.depends_on, p.enabled};
      if (p.schedule.enabled()) {
        auto compiled = sync::Schedule::Compile(p.schedule);
        if (!compiled) return Fail(compiled.error().Context("plans." + p.name + ".schedule"));
        sp.schedule = std::move(*compiled);
      }
      plans.push_back(std::move(sp));
    }
    scheduler->SetPlans(std::move(plans));
    app.InvalidateCalendar();
    if (alerts_changed) {
      if (auto st = alerts.Configure(config.alerts, config.project.name); !st) return st;
    }
    daily_summary.Reset();
    verify_job.Reset();
    if (!at_start) core::LogInfo("configuration reloaded (datasync.yaml or an object made in the app changed)");
    return core::Ok();
  }

  // A reload never ends the daemon: whatever goes wrong is logged and the configuration in force stays.
  void ReloadIfChanged() {
    // The file changed, or an object made in the app did.
    bool file = config_watcher.Changed();
    uint64_t generation = app.config_generation();
    if (!file && generation == seen_generation) return;
    seen_generation = generation;
    try {
      if (auto st = LoadAndApply(false); !st) core::LogError("reloading datasync.yaml: " + st.error().message());
    } catch (const std::exception& e) {
      core::LogError(std::string("reloading datasync.yaml failed unexpectedly; keeping the configuration loaded "
                                 "before: ") +
                     e.what());
    }
  }

  // --- runs left by earlier processes ----------------------------------------------------------

  // Scheduled runs belong to their slots (the scheduler continues them); the coordinator chooses the others:
  // runs deferred by the vendor's quota once the reset is due, and at start the runs that were interrupted.
  void ResumeOrphans(core::TimePoint now) {
    auto steady = std::chrono::steady_clock::now();
    if (resumed_at_start && steady - last_orphan_scan < kOrphanScanEvery) return;
    last_orphan_scan = steady;
    sync::OrphanRecovery recovery;
    recovery.store = &app.db().runs();
    recovery.clock = &app.clock();
    recovery.interrupted = !resumed_at_start;
    recovery.can_continue = [this](const sync::SyncRun& r) {
      return !Busy(r.plan) && HasCapacity() && config.FindPlan(r.plan);
    };
    recovery.continue_run = [this](const sync::SyncRun& r) {
      core::LogInfo(fmt::format("continuing run {} of plan {} ({})", r.id, r.plan, sync::RunStatusName(r.status)));
      int64_t id = r.id;
      std::string plan = r.plan;
      StartJob(plan, [this, id, plan] {
        auto outcome = app.Resume(std::to_string(id), WorkerOptions());
        if (!outcome) {
          core::LogWarn(
              fmt::format("plan {}: continuing run {}: {}", plan, id, core::Redact(outcome.error().message())));
          return;
        }
        if (outcome->report) OnOutcome(*outcome, 0);
      });
    };
    if (auto continued = sync::RunCoordinator::RecoverOrphans(recovery, now); !continued) {
      core::LogWarn("cannot list unfinished runs: " + continued.error().message());
      return;
    }
    resumed_at_start = true;
  }

  // --- metrics collected at scrape time ---------------------------------------------------------------

  void Describe() {
    using core::MetricType;
    DescribeRunMetrics(metrics);
    metrics.Describe("datasync_up", MetricType::kGauge, "1 while the daemon runs");
    metrics.Describe("datasync_start_time_seconds", MetricType::kGauge, "When the daemon started (Unix time)");
    metrics.Describe("datasync_runs_total", MetricType::kCounter,
                     "Run executions that ended, by plan and status (succeeded, failed, cancelled, deferred, paused)");
    metrics.Describe("datasync_tasks_total", MetricType::kCounter,
                     "Tasks of finished runs by plan and outcome (done, failed, skipped, cancelled)");
    metrics.Describe("datasync_quality_violations_total", MetricType::kCounter,
                     "Rows (or days, for freshness and row_count) that broke a dataset's quality rule");
    metrics.Describe("datasync_quality_quarantined_total", MetricType::kCounter,
                     "Rows kept out of a dataset by a quality rule of severity error (in DATASET_rejected)");
    metrics.Describe("datasync_quality_failing", MetricType::kGauge,
                     "1 when the rule failed in the plan's last run that judged it, else 0");
    metrics.Describe("datasync_verify_rows_total", MetricType::kCounter,
                     "Rows a scheduled verify found revised, added or vanished at the vendor, by plan and kind");
    metrics.Describe("datasync_verify_tasks_total", MetricType::kCounter,
                     "Tasks a scheduled verify re-fetched and compared, by plan");
    metrics.Describe("datasync_last_success_timestamp_seconds", MetricType::kGauge,
                     "When the plan's last successful run finished (Unix time)");
    metrics.Describe("datasync_runs_active", MetricType::kGauge, "Runs this daemon executes now");
    metrics.Describe("datasync_schedule_slots", MetricType::kGauge,
                     "Open schedule slots by state (pending: waiting to start; held: upstream failed; started)");
    metrics.Describe("datasync_schedule_events_total", MetricType::kCounter,
                     "Scheduler events by plan (fired, missed, held, released, started, done, launch_failed, late)");
    metrics.Describe("datasync_quota_limit", MetricType::kGauge, "The vendor quota's limit per window (0: none)");
    metrics.Describe("datasync_quota_used", MetricType::kGauge, "Calls in the quota's current window");
    metrics.Describe("datasync_quota_remaining", MetricType::kGauge,
                     "Calls left in the quota's current window (windows with a limit only)");
    metrics.Set("datasync_up", {}, 1);
    metrics.Set("datasync_start_time_seconds", {}, static_cast<double>(started_us) / 1e6);
    metrics.AddCollector([this](core::MetricsRegistry& m) {
      m.Set("datasync_runs_active", {}, static_cast<double>(launcher.Active()));
      if (auto open = app.db().slots().OpenSlots()) {
        std::map<std::string, double> by_state = {{"pending", 0}, {"held", 0}, {"started", 0}};
        for (const auto& s : *open) by_state[std::string(sync::SlotStateName(s.state))]++;
        for (const auto& [state, n] : by_state) m.Set("datasync_schedule_slots", {{"state", state}}, n);
      }
      if (auto usage = app.QuotaUsage()) {
        for (const auto& [label, windows] : *usage) {
          for (const auto& w : windows) {
            core::MetricLabels l = {{"quota", label}, {"window", w.window}};
            m.Set("datasync_quota_limit", l, static_cast<double>(w.limit));
            m.Set("datasync_quota_used", l, static_cast<double>(w.used));
            if (w.limit > 0)
              m.Set("datasync_quota_remaining", l, static_cast<double>(std::max<int64_t>(0, w.limit - w.used)));
          }
        }
      }
    });
  }

  // --- the loop -----------------------------------------------------------------------------------------

  // The runs other processes execute, for the event stream (RemoteRunWatch), every few seconds.
  void WatchRemoteRuns() {
    auto steady = std::chrono::steady_clock::now();
    if (steady - last_remote_poll < kRemotePollEvery) return;
    last_remote_poll = steady;
    auto active = app.Status();
    if (!active) {
      if (ShouldLog("remote runs", active.error().message())) {
        core::LogWarn("cannot read the runs in flight: " + active.error().message());
      }
      return;
    }
    auto run_of = [this](int64_t id) -> std::optional<sync::SyncRun> {
      auto r = app.Run(id);
      if (!r || !*r) return std::nullopt;
      return **r;
    };
    for (const auto& e : remote_runs.Observe(*active, run_of)) bus.Publish(e);
  }

  void Tick() {
    ReloadIfChanged();
    WatchRemoteRuns();
    core::TimePoint now = clock().Now();
    if (!options.schedule) {
      (void)launcher.Finished();  // joins the API's runs that ended
      MarkTick();
      return;
    }
    auto events = scheduler->Tick(now);
    if (!events) {
      if (ShouldLog("scheduler", events.error().message())) core::LogError("scheduler: " + events.error().message());
    } else {
      for (const auto& e : *events) OnSchedulerEvent(e);
    }
    ResumeOrphans(now);
    daily_summary.Tick(now, config.alerts.daily_summary);
    verify_job.Tick(now, config.plans);
    MarkTick();
  }

  void MarkTick() {
    last_tick_ns.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }

  // A run the API started: its outcome feeds metrics and alerts like a scheduled one.
  core::Status StartApiJob(const std::string& plan, std::string what, std::function<core::Result<PlanOutcome>()> run) {
    return launcher.TryStartJob(plan, [this, plan, what = std::move(what), run = std::move(run)] {
      auto outcome = run();
      if (!outcome) {
        core::LogWarn(fmt::format("plan {}: {}: {}", plan, what, core::Redact(outcome.error().message())));
        return;
      }
      if (outcome->report) {
        OnOutcome(*outcome, 0);
      } else if (!outcome->note.empty()) {
        core::LogInfo(fmt::format("plan {}: {}: {}", plan, what, outcome->note));
      }
    });
  }

  bool Shutdown() {
    stopping.store(true);
    size_t in_flight = launcher.Active();
    core::LogInfo(fmt::format("shutting down: no new runs; {} run(s) in flight checkpoint (at most {} s)", in_flight,
                              config.serve.shutdown_timeout_secs));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.serve.shutdown_timeout_secs);
    bool all_done = false;
    while (true) {
      (void)launcher.Finished();  // joins the workers that ended
      all_done = launcher.Active() == 0;
      if (all_done || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(50ms);
    }
    if (auto st = scheduler->Release(); !st) core::LogWarn("releasing slots: " + st.error().message());
    jobs.Stop();  // a migration under way finishes; queued ones are told the server stopped
    // What waits for its grouping window goes out now, not after a restart.
    alerts.Stop(std::chrono::seconds(config.alerts.group_secs));
    if (!all_done) {
      core::LogError(
          fmt::format("shutdown deadline passed with {} run(s) still in flight; they continue when "
                      "datasync serve starts again",
                      launcher.Active()));
    }
    return all_done;
  }
};

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() {
  if (!impl_) return;
  // Run() joined everything unless it never ran or the shutdown deadline passed (the process then exits).
  impl_->launcher.DetachAll();
}

core::Result<std::unique_ptr<Daemon>> Daemon::Start(App& app, DaemonOptions options) {
  auto impl = std::make_unique<Impl>(app, options);
  Impl& m = *impl;
  m.started_us = core::ToEpochMicros(m.clock().Now());
  sync::SchedulerDeps deps{&app.db().slots(), &app.db().runs(), &m.launcher, &app.calendar()};
  sync::SchedulerOptions so;
  so.owner = m.owner;
  m.scheduler = std::make_unique<sync::Scheduler>(deps, so);
  m.config_watcher.Note();
  // The messages sent are kept for the web app's overview (whichever process serves it).
  m.alerts.OnOutcome(
      [&app, &m](const std::string& channel, const alerting::Message& message, const std::string& error) {
        metadata::SentAlert e;
        e.at_us = message.at_us;
        e.channel = channel;
        e.outcome = error.empty() ? "sent" : "failed";
        e.title = message.title;
        e.error = error;
        e.alerts = static_cast<int64_t>(message.alerts.size()) + message.more;
        std::vector<std::string> events, plans;
        for (const auto& a : message.alerts) {
          std::string ev(alerting::AlertEventName(a.event));
          if (std::find(events.begin(), events.end(), ev) == events.end()) events.push_back(ev);
          if (!a.plan.empty() && std::find(plans.begin(), plans.end(), a.plan) == plans.end()) plans.push_back(a.plan);
        }
        e.events = core::Join(events, ",");
        e.plans = core::Join(plans, ",");
        if (auto id = app.db().alert_log().Append(e); !id) {
          core::LogWarn("cannot record the alert sent to channel '" + channel + "': " + id.error().message());
        }
        m.bus.Publish(events::AlertSent{channel, message.title, error.empty()});
      });
  if (auto st = m.LoadAndApply(true); !st) return Fail(st.error());
  m.Describe();
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

core::Result<bool> Daemon::Run(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  core::LogInfo(fmt::format("datasync serve {} started: {} plan(s), {} scheduled", m.owner, m.config.plans.size(),
                            std::count_if(m.config.plans.begin(), m.config.plans.end(),
                                          [](const auto& p) { return p.schedule.enabled() && p.enabled; })));
  m.alerts.Start();
  while (!stop.load()) {
    m.Tick();
    std::this_thread::sleep_for(m.options.tick);
  }
  return m.Shutdown();
}

std::string Daemon::MetricsText() {
  return impl_->metrics.Render();
}

std::string Daemon::HealthJson(bool* healthy) {
  Impl& m = *impl_;
  auto now_ns = std::chrono::steady_clock::now().time_since_epoch();
  auto last = std::chrono::nanoseconds(m.last_tick_ns.load());
  double since = last.count() ? std::chrono::duration<double>(now_ns - last).count() : -1;
  bool ok = last.count() != 0 && now_ns - last < kStalledAfter;
  if (healthy) *healthy = ok;
  size_t active = m.launcher.Active();
  std::string project;
  {
    std::lock_guard lock(m.project_mu);
    project = m.project_name;
  }
  // Before its first tick the daemon is still resuming runs and reading the config: not ready, not stalled.
  const char* status = ok ? "ok" : last.count() == 0 ? "starting" : "stalled";
  nlohmann::ordered_json j = {{"status", status},
                              {"owner", m.owner},
                              {"project", project},
                              {"started_at", core::FormatTimestamp(m.started_us) + " UTC"},
                              {"last_tick_secs_ago", since},
                              {"runs_active", active},
                              {"alerts_waiting", m.alerts.Backlog()},
                              {"stopping", m.stopping.load()}};
  return core::JsonText(j);
}

events::EventBus& Daemon::events() {
  return impl_->bus;
}

JobQueue& Daemon::jobs() {
  return impl_->jobs;
}

core::Status Daemon::StartPlan(const std::string& plan) {
  Impl& m = *impl_;
  auto plans = m.app.Plans();
  if (!plans) return core::Fail(plans.error());
  if (std::none_of(plans->begin(), plans->end(), [&](const auto& p) { return p.name == plan; })) {
    return Fail(ErrorKind::kNotFound, "no plan '" + plan + "'");
  }
  return m.StartApiJob(plan, "run started from the web app", [&m, plan] {
    RunOptions o = m.WorkerOptions();
    o.trigger = "api";
    auto outcomes = m.app.RunPlans({plan}, o);
    if (!outcomes) return core::Result<PlanOutcome>(core::Fail(outcomes.error()));
    if (outcomes->empty()) return core::Result<PlanOutcome>(PlanOutcome{plan, std::nullopt, "nothing ran", {}});
    return core::Result<PlanOutcome>(std::move(outcomes->front()));
  });
}

namespace {

core::Result<sync::SyncRun> FindRun(App& app, int64_t run_id) {
  auto run = app.Run(run_id);
  if (!run) return core::Fail(run.error());
  if (!*run) return Fail(ErrorKind::kNotFound, "no run " + std::to_string(run_id));
  return std::move(**run);
}

}  // namespace

core::Status Daemon::ResumeRun(int64_t run_id) {
  Impl& m = *impl_;
  auto run = FindRun(m.app, run_id);
  if (!run) return core::Fail(run.error());
  if (sync::IsFinal(run->status)) {
    return Fail(ErrorKind::kConflict, fmt::format("run {} is {}: there is nothing to resume (retry runs its failed "
                                                  "and cancelled tasks again)",
                                                  run_id, sync::RunStatusName(run->status)));
  }
  return m.StartApiJob(run->plan, fmt::format("resuming run {}", run_id),
                       [&m, run_id] { return m.app.Resume(std::to_string(run_id), m.WorkerOptions()); });
}

core::Status Daemon::RetryRun(int64_t run_id) {
  Impl& m = *impl_;
  auto run = FindRun(m.app, run_id);
  if (!run) return core::Fail(run.error());
  if (!sync::IsFinal(run->status)) {
    return Fail(ErrorKind::kConflict, fmt::format("run {} is {}: only a finished run is retried (resume continues "
                                                  "this one)",
                                                  run_id, sync::RunStatusName(run->status)));
  }
  return m.StartApiJob(run->plan, fmt::format("retrying run {}", run_id),
                       [&m, run_id] { return m.app.Retry(std::to_string(run_id), m.WorkerOptions()); });
}

const ServeSettings& Daemon::settings() const {
  return impl_->config.serve;
}
const std::string& Daemon::owner() const {
  return impl_->owner;
}

}  // namespace datasync::app
