#include "app/daemon.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "alerting/notifier.hpp"
#include "app/run_metrics.hpp"
#include "core/dates.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "sync/run_transitions.hpp"
#include "sync/scheduler.hpp"

namespace datasync::app {

namespace {

using namespace std::chrono_literals;
using core::ErrorKind;
using core::Fail;

constexpr auto kOrphanScanEvery = 1s;                   // deferred runs of any trigger: is their reset due?
constexpr auto kStalledAfter = 30s;                     // /healthz: the loop has not ticked for this long
constexpr const char* kSummarySlot = "@daily_summary";  // not a valid plan name, so never a plan's slot

std::string OwnerName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::to_string(::getpid()) + "@" + host;
}

std::string FirstLine(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

// What an operator needs to know about a run, for an alert's body.
std::string RunDetails(const sync::RunReport& r) {
  std::string t;
  if (!r.error.empty()) t += core::Redact(r.error) + "\n";
  t += fmt::format("tasks {}/{} done, {} failed, {} skipped, {} cancelled; {} rows; trigger {}", r.tasks_done,
                   r.tasks_total, r.tasks_failed, r.tasks_skipped, r.tasks_cancelled, r.rows, r.trigger);
  if (r.resume_at_us) t += fmt::format("; resumes at {} UTC", core::FormatTimestamp(r.resume_at_us));
  for (const auto& e : r.errors) {
    t += fmt::format("\n{} x{}", e.kind, e.count);
    // An example that only repeats the run's error adds nothing but its parameters.
    if (e.examples.empty()) continue;
    const std::string& ex = e.examples.front();
    if (!r.error.empty() && ex.ends_with(r.error)) {
      t += " (" + core::Redact(ex.substr(0, ex.size() - r.error.size())) + "...)";
    } else {
      t += ": " + core::Redact(ex);
    }
  }
  return t;
}

}  // namespace

struct Daemon::Impl : sync::RunLauncher {
  App& app;
  DaemonOptions options;
  std::string owner = OwnerName();
  Config config;
  std::filesystem::file_time_type config_mtime{};
  uintmax_t config_size = 0;
  core::MetricsRegistry metrics;
  std::unique_ptr<sync::Scheduler> scheduler;
  std::atomic<bool> stopping{false};  // the interrupt of every run this daemon executes
  std::chrono::steady_clock::time_point started_steady = std::chrono::steady_clock::now();
  int64_t started_us = 0;
  std::atomic<int64_t> last_tick_ns{0};  // steady clock of the last completed tick
  bool resumed_at_start = false;
  std::chrono::steady_clock::time_point last_orphan_scan{};
  std::optional<core::TimePoint> next_summary;
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> repeated_errors;
  std::mutex project_mu;  // project_name is read by the HTTP server's threads
  std::string project_name;

  // --- alerts: a notifier swapped on configuration changes, ticked on its own thread ---
  std::mutex notifier_mu;
  std::shared_ptr<alerting::Notifier> notifier;
  std::thread alert_thread;
  std::mutex alert_mu;
  std::condition_variable alert_cv;
  bool alert_stop = false;

  // --- the launcher: one worker thread per executing plan ---
  struct Job {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex jobs_mu;
  std::map<std::string, std::unique_ptr<Job>> jobs;  // by plan
  std::vector<sync::LaunchResult> finished;

  Impl(App& a, DaemonOptions o) : app(a), options(o) {}

  const core::Clock& clock() const { return core::ProcessClock(); }

  // --- sync::RunLauncher ------------------------------------------------------------------------

  bool HasCapacity() override {
    std::lock_guard lock(jobs_mu);
    return !stopping.load() && static_cast<int64_t>(jobs.size()) < config.serve.max_parallel_runs;
  }

  bool Busy(const std::string& plan) override {
    std::lock_guard lock(jobs_mu);
    return jobs.count(plan) > 0;
  }

  std::vector<sync::LaunchResult> Finished() override {
    std::vector<std::unique_ptr<Job>> ended;
    std::vector<sync::LaunchResult> out;
    {
      std::lock_guard lock(jobs_mu);
      for (auto it = jobs.begin(); it != jobs.end();) {
        if (it->second->done.load()) {
          ended.push_back(std::move(it->second));
          it = jobs.erase(it);
        } else {
          ++it;
        }
      }
      out.swap(finished);
    }
    for (auto& j : ended) j->thread.join();
    return out;
  }

  RunOptions WorkerOptions() {
    RunOptions o;
    o.interrupt = &stopping;
    o.apply_first = false;
    o.wait_deferred = false;  // a deferred run frees its worker; the scheduler relaunches it at the reset
    o.metrics = &metrics;
    return o;
  }

  void StartJob(const std::string& plan, std::function<void()> work) {
    std::lock_guard lock(jobs_mu);
    auto job = std::make_unique<Job>();
    Job* raw = job.get();
    job->thread = std::thread([raw, work = std::move(work)] {
      work();
      raw->done.store(true);
    });
    jobs[plan] = std::move(job);
  }

  void Launch(const sync::ScheduleSlot& slot) override {
    StartJob(slot.plan, [this, slot] {
      const int64_t launched_us = core::ToEpochMicros(clock().Now());
      auto outcome = app.RunSlot(slot.plan, slot.slot_us, WorkerOptions());
      sync::LaunchResult r{slot.plan, slot.slot_us, 0, "", false};
      if (!outcome) {
        r.error = core::Redact(outcome.error().message());
        r.retry = outcome.error().kind() == ErrorKind::kTransient;
        core::Log(r.retry ? core::LogLevel::kInfo : core::LogLevel::kError,
                  fmt::format("plan {}: slot {} UTC: {}", slot.plan, core::FormatTimestamp(slot.slot_us), r.error));
      } else {
        // A run that ended before this launch (a restart found it finished) was counted and alerted then.
        if (outcome->report && outcome->report->finished_at_us >= launched_us) OnOutcome(*outcome, slot.slot_us);
        if (outcome->report) {
          r.run_id = outcome->report->run_id;
        } else {
          r.error = outcome->note;
          r.retry = true;
        }
      }
      std::lock_guard lock(jobs_mu);
      finished.push_back(std::move(r));
    });
  }

  // --- what a run's end means for metrics and alerts ----------------------------------------------

  void Submit(alerting::Alert alert) {
    std::shared_ptr<alerting::Notifier> n;
    {
      std::lock_guard lock(notifier_mu);
      n = notifier;
    }
    alert.at_us = core::ToEpochMicros(clock().Now());
    if (n) n->Submit(std::move(alert), clock().Now());
  }

  // `out` has a report.
  void OnOutcome(const PlanOutcome& out, int64_t slot_us) {
    const sync::RunReport& r = *out.report;
    metrics.Add("datasync_runs_total", {{"plan", r.plan}, {"status", r.status}});
    auto status = sync::ParseRunStatus(r.status);
    if (status && sync::IsFinal(*status)) {
      for (auto [outcome, n] : {std::pair{"done", r.tasks_done}, std::pair{"failed", r.tasks_failed},
                                std::pair{"skipped", r.tasks_skipped}, std::pair{"cancelled", r.tasks_cancelled}}) {
        if (n) metrics.Add("datasync_tasks_total", {{"plan", r.plan}, {"outcome", outcome}}, static_cast<double>(n));
      }
    }
    if (r.status == "succeeded") {
      metrics.Set("datasync_last_success_timestamp_seconds", {{"plan", r.plan}},
                  static_cast<double>(r.finished_at_us) / 1e6);
    }
    app.InvalidateCalendar();  // the run may have synced a calendar the schedules read
    auto base = [&](alerting::AlertEvent e, std::string title) {
      alerting::Alert a;
      a.event = e;
      a.plan = r.plan;
      a.run_id = r.run_id;
      a.slot_us = slot_us;
      a.title = std::move(title);
      a.message = RunDetails(r);
      return a;
    };
    if (r.status == "failed" || r.status == "cancelled") {
      Submit(base(alerting::AlertEvent::kRunFailed, fmt::format("run {} of plan {} {}", r.run_id, r.plan, r.status)));
    } else if (r.status == "deferred") {
      Submit(base(alerting::AlertEvent::kRunDeferred,
                  fmt::format("run {} of plan {} deferred by the vendor's quota until {} UTC", r.run_id, r.plan,
                              core::FormatTimestamp(r.resume_at_us))));
    }
    for (const auto& e : r.errors) {
      if (e.kind != core::ErrorKindName(ErrorKind::kPermission)) continue;
      alerting::Alert a =
          base(alerting::AlertEvent::kPermission,
               fmt::format("plan {}: the vendor refused the credential or the API (run {})", r.plan, r.run_id));
      a.message = e.examples.empty() ? core::Redact(r.error) : core::Redact(e.examples.front());
      Submit(std::move(a));
    }
    for (const auto& w : r.warnings) {
      if (!w.starts_with("schema drift")) continue;
      alerting::Alert a = base(alerting::AlertEvent::kSchemaDrift, fmt::format("plan {}: {}", r.plan, FirstLine(w)));
      a.message = w + fmt::format("\n(run {}; see `datasync report {}`)", r.run_id, r.run_id);
      a.key = "schema_drift|" + r.plan + "|" + w;
      Submit(std::move(a));
    }
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
      return;
    }
    std::string where = e.plan.empty() ? "scheduler" : "plan " + e.plan;
    std::string slot = e.slot_us ? " slot " + core::FormatTimestamp(e.slot_us) + " UTC" : "";
    core::Log(e.kind == K::kHeld || e.kind == K::kLate || e.kind == K::kLaunchFailed || e.kind == K::kMissed
                  ? core::LogLevel::kWarn
                  : core::LogLevel::kInfo,
              fmt::format("{}{}: {}{}", where, slot, sync::SchedulerEventName(e.kind),
                          e.message.empty() ? "" : ": " + e.message));
    if (!e.plan.empty()) {
      metrics.Add("datasync_schedule_events_total",
                  {{"plan", e.plan}, {"event", std::string(sync::SchedulerEventName(e.kind))}});
    }
    alerting::Alert a;
    a.plan = e.plan;
    a.run_id = e.run_id;
    a.slot_us = e.slot_us;
    a.message = e.message;
    switch (e.kind) {
      case K::kHeld:
        a.event = alerting::AlertEvent::kRunHeld;
        a.title = fmt::format("plan {} held: an upstream plan did not succeed", e.plan);
        break;
      case K::kLate:
        a.event = alerting::AlertEvent::kPlanLate;
        a.title = fmt::format("plan {} is late: no successful run by its deadline", e.plan);
        a.key = fmt::format("plan_late|{}|{}", e.plan, e.slot_us);
        break;
      case K::kLaunchFailed:
        a.event = alerting::AlertEvent::kRunFailed;
        a.title = fmt::format("plan {}: the scheduled run could not start", e.plan);
        break;
      default: return;
    }
    Submit(std::move(a));
  }

  // --- configuration ------------------------------------------------------------------------------

  core::Status LoadAndApply(bool at_start) {
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
      if (auto st = BuildNotifier(); !st) return st;
    }
    next_summary.reset();
    if (!at_start) core::LogInfo("datasync.yaml changed: configuration reloaded");
    return core::Ok();
  }

  core::Status BuildNotifier() {
    std::vector<std::unique_ptr<alerting::Channel>> channels;
    for (const auto& spec : config.alerts.channels) {
      auto ch = alerting::MakeChannel(spec);
      if (!ch) return Fail(ch.error());
      channels.push_back(std::move(*ch));
    }
    alerting::NotifierOptions o;
    o.project = config.project.name;
    o.group = std::chrono::seconds(config.alerts.group_secs);
    o.dedup = std::chrono::seconds(config.alerts.dedup_secs);
    o.max_per_hour = config.alerts.max_per_hour;
    auto n = std::make_shared<alerting::Notifier>(std::move(channels), config.alerts.rules, o, &metrics);
    std::lock_guard lock(notifier_mu);
    notifier = std::move(n);
    return core::Ok();
  }

  void ReloadIfChanged() {
    std::error_code ec;
    const auto& file = app.project().config_file;
    auto mtime = std::filesystem::last_write_time(file, ec);
    if (ec) return;
    auto size = std::filesystem::file_size(file, ec);
    if (ec || (mtime == config_mtime && size == config_size)) return;
    config_mtime = mtime;
    config_size = size;
    if (auto st = LoadAndApply(false); !st) core::LogError("reloading datasync.yaml: " + st.error().message());
  }

  void NoteConfigFile() {
    std::error_code ec;
    config_mtime = std::filesystem::last_write_time(app.project().config_file, ec);
    config_size = std::filesystem::file_size(app.project().config_file, ec);
  }

  // --- runs left by earlier processes ----------------------------------------------------------

  // Scheduled runs belong to their slots (the scheduler continues them); this continues the others: runs
  // deferred by the vendor's quota once the reset is due, and at start the runs that were interrupted.
  void ResumeOrphans(core::TimePoint now) {
    auto steady = std::chrono::steady_clock::now();
    if (resumed_at_start && steady - last_orphan_scan < kOrphanScanEvery) return;
    last_orphan_scan = steady;
    auto orphans = sync::RunTransitions(app.db().runs(), app.clock()).Orphans(!resumed_at_start, now);
    if (!orphans) {
      core::LogWarn("cannot list unfinished runs: " + orphans.error().message());
      return;
    }
    for (const auto& r : *orphans) {
      if (Busy(r.plan) || !HasCapacity() || !config.FindPlan(r.plan)) continue;
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
    }
    resumed_at_start = true;
  }

  // --- the daily summary ----------------------------------------------------------------------------

  void DailySummaryIfDue(core::TimePoint now) {
    const auto& spec = config.alerts.daily_summary;
    if (spec.at.empty() || spec.channels.empty()) return;
    auto minute = sync::ParseClockTime(spec.at);
    if (!minute) return;
    sync::ScheduleSpec s;
    s.cron = fmt::format("{} {} * * *", *minute % 60, *minute / 60);
    s.timezone = spec.timezone;
    auto schedule = sync::Schedule::Compile(s);
    if (!schedule) return;
    if (!next_summary) {
      auto next = schedule->Next(now, nullptr);
      if (!next || !*next) return;
      next_summary = (*next)->at;
      return;
    }
    if (now < *next_summary) return;
    core::TimePoint at = *next_summary;
    next_summary.reset();
    // The slot row makes the summary go out once, whichever daemon and however many restarts.
    sync::ScheduleSlot slot;
    slot.plan = kSummarySlot;
    slot.slot_us = core::ToEpochMicros(at);
    slot.state = sync::SlotState::kDone;
    slot.owner = owner;
    auto won = app.db().slots().Claim(slot);
    if (!won || !*won) return;
    const core::TimeZone& tz = schedule->time_zone();
    auto summary = app.Summary(tz.LocalDay(at), tz);
    if (!summary) {
      core::LogError("daily summary: " + summary.error().message());
      return;
    }
    alerting::Alert a;
    a.event = alerting::AlertEvent::kDailySummary;
    a.at_us = core::ToEpochMicros(now);
    int64_t failed = summary->runs_by_status.count("failed") ? summary->runs_by_status.at("failed") : 0;
    a.title = fmt::format("daily summary {}: {} run(s), {} failed", summary->date, summary->runs, failed);
    a.message = summary->Text();
    a.key = "daily_summary|" + summary->date;
    std::shared_ptr<alerting::Notifier> n;
    {
      std::lock_guard lock(notifier_mu);
      n = notifier;
    }
    if (n) n->SubmitTo(spec.channels, std::move(a), now);
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
      {
        std::lock_guard lock(jobs_mu);
        m.Set("datasync_runs_active", {}, static_cast<double>(jobs.size()));
      }
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

  // --- the loops --------------------------------------------------------------------------------------

  void AlertLoop() {
    std::unique_lock lock(alert_mu);
    while (!alert_stop) {
      lock.unlock();
      std::shared_ptr<alerting::Notifier> n;
      {
        std::lock_guard nl(notifier_mu);
        n = notifier;
      }
      if (n) n->Tick(clock().Now());
      lock.lock();
      alert_cv.wait_for(lock, options.tick, [&] { return alert_stop; });
    }
  }

  void Tick() {
    ReloadIfChanged();
    core::TimePoint now = clock().Now();
    auto events = scheduler->Tick(now);
    if (!events) {
      if (ShouldLog("scheduler", events.error().message())) core::LogError("scheduler: " + events.error().message());
    } else {
      for (const auto& e : *events) OnSchedulerEvent(e);
    }
    ResumeOrphans(now);
    DailySummaryIfDue(now);
    last_tick_ns.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
  }

  bool Shutdown() {
    stopping.store(true);
    size_t in_flight;
    {
      std::lock_guard lock(jobs_mu);
      in_flight = jobs.size();
    }
    core::LogInfo(fmt::format("shutting down: no new runs; {} run(s) in flight checkpoint (at most {} s)", in_flight,
                              config.serve.shutdown_timeout_secs));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.serve.shutdown_timeout_secs);
    bool all_done = false;
    while (true) {
      (void)Finished();  // joins the workers that ended
      {
        std::lock_guard lock(jobs_mu);
        all_done = jobs.empty();
      }
      if (all_done || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(50ms);
    }
    if (auto st = scheduler->Release(); !st) core::LogWarn("releasing slots: " + st.error().message());
    {
      std::lock_guard lock(alert_mu);
      alert_stop = true;
    }
    alert_cv.notify_all();
    if (alert_thread.joinable()) alert_thread.join();
    // What waits for its grouping window goes out now, not after a restart.
    std::shared_ptr<alerting::Notifier> n;
    {
      std::lock_guard lock(notifier_mu);
      n = notifier;
    }
    if (n) n->Tick(clock().Now() + std::chrono::seconds(config.alerts.group_secs));
    if (!all_done) {
      std::lock_guard lock(jobs_mu);
      core::LogError(
          fmt::format("shutdown deadline passed with {} run(s) still in flight; they continue when "
                      "datasync serve starts again",
                      jobs.size()));
    }
    return all_done;
  }
};

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() {
  if (!impl_) return;
  // Run() joined everything unless it never ran or the shutdown deadline passed (the process then exits).
  std::lock_guard lock(impl_->jobs_mu);
  for (auto& [_, job] : impl_->jobs) {
    if (job->thread.joinable()) job->thread.detach();
  }
}

core::Result<std::unique_ptr<Daemon>> Daemon::Start(App& app, DaemonOptions options) {
  auto impl = std::make_unique<Impl>(app, options);
  Impl& m = *impl;
  m.started_us = core::ToEpochMicros(m.clock().Now());
  sync::SchedulerDeps deps{&app.db().slots(), &app.db().runs(), &m, &app.calendar()};
  sync::SchedulerOptions so;
  so.owner = m.owner;
  m.scheduler = std::make_unique<sync::Scheduler>(deps, so);
  m.NoteConfigFile();
  if (auto st = m.LoadAndApply(true); !st) return Fail(st.error());
  m.Describe();
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

core::Result<bool> Daemon::Run(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  core::LogInfo(fmt::format("datasync serve {} started: {} plan(s), {} scheduled", m.owner, m.config.plans.size(),
                            std::count_if(m.config.plans.begin(), m.config.plans.end(),
                                          [](const auto& p) { return p.schedule.enabled() && p.enabled; })));
  m.alert_thread = std::thread([&m] { m.AlertLoop(); });
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
  size_t active;
  {
    std::lock_guard lock(m.jobs_mu);
    active = m.jobs.size();
  }
  std::string project;
  {
    std::lock_guard lock(m.project_mu);
    project = m.project_name;
  }
  std::shared_ptr<alerting::Notifier> notifier;
  {
    std::lock_guard lock(m.notifier_mu);
    notifier = m.notifier;
  }
  // Before its first tick the daemon is still resuming runs and reading the config: not ready, not stalled.
  const char* status = ok ? "ok" : last.count() == 0 ? "starting" : "stalled";
  nlohmann::ordered_json j = {{"status", status},
                              {"owner", m.owner},
                              {"project", project},
                              {"started_at", core::FormatTimestamp(m.started_us) + " UTC"},
                              {"last_tick_secs_ago", since},
                              {"runs_active", active},
                              {"alerts_waiting", notifier ? notifier->Backlog() : 0},
                              {"stopping", m.stopping.load()}};
  return j.dump();
}

const ServeSettings& Daemon::settings() const {
  return impl_->config.serve;
}
const std::string& Daemon::owner() const {
  return impl_->owner;
}

}  // namespace datasync::app
