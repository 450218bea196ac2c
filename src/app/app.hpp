// App: the composition root and the application services shared by the CLI and the API (ARCHITECTURE
// §2). It wires the registries, the system database, the HTTP client and the engine, and exposes use
// cases: validate/apply the configuration, list the catalog, run plans, read run history.
//
// Lifecycle: Open() once per process (or per test); destroy after every thread using it has stopped.
//
// Thread-safety: every method may be called from several threads at once; the daemon runs plans on
// worker threads while its loop reads the catalog and the HTTP server's threads read quota use.
//   - What it holds is either fixed after Open (project, registries, clock) or thread-safe itself: the
//     system database and its stores, the HTTP client, the quota book, the local secrets, the calendar.
//   - settings() returns a copy under a lock (Apply replaces it); Apply runs one at a time.
//   - Providers are cached per source under a lock; a provider replaced by a changed source stays alive
//     for the runs still using it.
//   - Runs of different plans execute at once (RunPlans, RunSlot, Resume, Retry); a second run of the same
//     plan is refused by the plan's lock (kTransient), not by App. Pause and Cancel only write the run's
//     control row, which the executing process obeys.
//   - Events of runs are published to RunOptions::events from the run's threads (the bus is thread-safe).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/project.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/time_zone.hpp"
#include "metadata/system_db.hpp"
#include "sync/executor.hpp"
#include "sync/run_report.hpp"
#include "sync/schedule.hpp"
#include "sync/slot_store.hpp"

namespace datasync::net {
class HttpClient;
}
namespace datasync::app::events {
class EventBus;
}

namespace datasync::app {

class AccessService;

struct ApplyChange {
  std::string kind;  // source, dataset, storage, plan
  std::string name;
  std::string change;  // created, updated, unchanged, removed
  int64_t version = 0;
};

struct ApplyReport {
  std::vector<ApplyChange> changes;
  int64_t changed() const;
};

struct PlanOutcome {
  std::string plan;
  std::optional<sync::RunReport> report;  // empty when the plan did not start
  std::string note;                       // why it did not start, or that a run was resumed
  std::vector<std::string> schema;        // schema checks of the plan's dataset: drift, refreshes, their diffs
};

struct RunOptions {
  // Where the runs report: RunMessage ("resuming run 7"), RunProgress, and the executor's events
  // (requests, errors, finished tasks, queue depths). Published from several threads at once
  // (independent plans run in parallel); null: nothing is published.
  events::EventBus* events = nullptr;
  const std::atomic<bool>* interrupt = nullptr;
  bool apply_first = true;         // apply datasync.yaml changes before running
  bool wait_deferred = false;      // a run deferred by the vendor's quota waits for the reset and continues
  bool refetch = false;            // every unit fetched and written again (sync::RunRequest::refetch)
  size_t max_parallel_plans = 4;   // independent plans of one `run` execute at the same time
  std::string trigger = "manual";  // recorded with a new run
  // A scheduled run: its slot's fire time. Recorded with the run, and "today" in its parameters is the
  // slot's day, so a slot caught up later fetches the day it stands for.
  int64_t slot_us = 0;
  // A new run gets only the argument sets this accepts (`datasync repair`: those of missing data); unset:
  // all of the plan's.
  std::function<bool(const datasource::Params&)> select;
  // A new run gets exactly these argument sets, not the plan's (`datasync verify`: tasks done before).
  std::optional<std::vector<datasource::Params>> arguments;
  // The run writes to these storages instead of the plan's (`datasync verify`: a scratch copy of the
  // vendor's answer); their migrations are not logged and nothing is compacted after the run.
  std::optional<std::vector<storage::Storage>> write_to;
  // A new run or none: an unfinished run of the plan is refused (kConflict), not resumed, since it would
  // run with the plan's own argument sets and storages (repair, verify).
  bool new_run_only = false;
};

// One fire time of a plan's schedule, as `datasync schedule next` prints it.
struct FireTimeView {
  int64_t at_us = 0;
  std::string local;     // "2026-11-23 17:30:00 CST" in the schedule's time zone
  bool assumed = false;  // the calendar did not know the day
};

// The day's runs, as the daily summary reports them.
struct DailySummary {
  std::string date;  // YYYY-MM-DD in `timezone`
  std::string timezone;
  int64_t runs = 0;
  std::map<std::string, int64_t> runs_by_status;
  int64_t tasks_done = 0, tasks_failed = 0, rows = 0, bytes = 0, requests = 0;
  std::vector<sync::SyncRun> problem_runs;        // failed, cancelled, deferred, paused
  std::vector<sync::ScheduleSlot> problem_slots;  // missed or held slots of the day
  std::string Text() const;
};

// A run that is not finished, as `datasync status` shows it.
struct ActiveRun {
  sync::SyncRun run;   // with live counts
  bool alive = false;  // a process is executing it now (fresh heartbeat)
  std::string dataset;
  std::string quota_label;  // "tushare/daily"
  std::vector<sync::QuotaWindowUse> quota;
  int64_t eta_secs = -1;  // at the quota's pace (and the observed pace, when alive); -1 unknown
};

class App {
 public:
  static core::Result<std::unique_ptr<App>> Open(const Project& project,
                                                 const core::Clock& clock = core::SystemClock::Instance());
  ~App();

  const Project& project() const;
  ProjectSettings settings() const;  // the project section of datasync.yaml as last read or applied
  const datasource::ProviderRegistry& providers() const;
  const storage::SinkRegistry& sinks() const;
  metadata::SystemDb& db();
  AccessService& access();  // API tokens, sessions and the audit log (thread-safe)
  net::HttpClient& http();
  const core::Clock& clock() const;

  // datasync.yaml, checked; `validate` and `apply` ask for options.resolve_secrets.
  // With the objects made in the app (metadata::AppObjectStore); the second form reads `documents` in their
  // place (what a change made in the app would give, app/manage_service.hpp).
  ConfigResult LoadConfig(LoadOptions options = {}) const;
  ConfigResult LoadConfig(LoadOptions options, std::vector<AppDocument> documents) const;
  core::Result<ApplyReport> Apply(const Config& config);
  // Held across reading the configuration and applying it, by every change of it in this process (the
  // daemon's reload, a change made in the app, a run that applies first), so that one that read the
  // configuration earlier cannot apply it over a newer one.
  [[nodiscard]] std::unique_lock<std::mutex> LockConfigChanges();
  // datasync.yaml as it is now, checked and applied under that lock (what `datasync run` does first).
  core::Result<ApplyReport> ApplyCurrentConfig();
  // Moves the literal secrets of `config` to the project's secrets file, leaving ${local:NAME} references
  // (what Apply does to its copy; a change made in the app keeps the references in its stored body).
  core::Status KeepSecrets(Config& config);
  // A change of the configuration made in this process other than by editing datasync.yaml (an object made
  // in the app): the daemon reads the configuration again when the generation moves.
  void NoteConfigChanged();
  uint64_t config_generation() const;

  core::Result<std::vector<datasource::DataSource>> Sources();
  core::Result<std::vector<datasource::Dataset>> Datasets();
  core::Result<std::vector<storage::Storage>> Storages();
  core::Result<std::vector<sync::SyncPlan>> Plans();
  // The applied plan of that name (kNotFound pointing at `datasync plans`).
  core::Result<sync::SyncPlan> Plan(const std::string& name);
  core::Result<std::vector<generation::Template>> Templates();

  // Runs the named plans (dependencies among them first), resuming each plan's unfinished run if there
  // is one. Fails only when nothing could be attempted (bad config, unknown plan); per-plan failures are
  // in the outcomes.
  core::Result<std::vector<PlanOutcome>> RunPlans(const std::vector<std::string>& plans, const RunOptions& options);

  core::Result<std::vector<sync::SyncRun>> Runs(const sync::RunQuery& query);
  core::Result<std::optional<sync::SyncRun>> Run(int64_t run_id);

  // Control of runs from any process. `target` is a run id, or a plan name meaning that plan's unfinished
  // run. Pause and Cancel ask the executing process (it obeys within a second); a run nobody executes
  // changes at once. Resume executes a paused, deferred or interrupted run now; Retry puts a finished
  // run's failed and cancelled tasks back and executes them now.
  core::Result<std::string> Pause(const std::string& target);
  core::Result<std::string> Cancel(const std::string& target);
  core::Result<PlanOutcome> Resume(const std::string& target, const RunOptions& options);
  core::Result<PlanOutcome> Retry(const std::string& target, const RunOptions& options);
  core::Result<std::vector<ActiveRun>> Status();

  // Scheduling (docs/serve.md). RunSlot executes the run of one slot of `plan`: the run already made for
  // it (resumed, or only reported when finished), else a new one; a plan's unfinished run of another
  // occasion is finished first. kTransient when another process executes the plan now.
  core::Result<PlanOutcome> RunSlot(const std::string& plan, int64_t slot_us, const RunOptions& options);
  // The next `n` fire times of `plan`'s schedule after `after`.
  core::Result<std::vector<FireTimeView>> NextFires(const std::string& plan, core::TimePoint after, size_t n);
  // Slots of `plan` (every plan when empty) fired since `since_us`, oldest first.
  core::Result<std::vector<sync::ScheduleSlot>> Slots(const std::string& plan, int64_t since_us, size_t limit);
  // The runs created on local day `day` (days since the epoch) in `tz`.
  core::Result<DailySummary> Summary(int32_t day, const core::TimeZone& tz);
  // The trading calendar the schedules read (the calendar datasets, from their sqlite storages).
  sync::TradingCalendar& calendar();
  // Reads the calendars again on next use (after a calendar plan ran or the catalog changed).
  void InvalidateCalendar();
  // Quota use of every (source, API) of the catalog's datasets, by quota label.
  core::Result<std::vector<std::pair<std::string, std::vector<sync::QuotaWindowUse>>>> QuotaUsage();
  // How long `calls` more calls for `dataset` take at its vendor's quota now, with the quota's label.
  core::Result<std::pair<std::string, std::chrono::seconds>> QuotaEstimate(const std::string& dataset, int64_t calls);

 private:
  App();
  struct Catalog;
  core::Result<Catalog> LoadCatalog();
  core::Result<sync::SyncRun> ResolveRun(const std::string& target);
  core::Result<const sync::SyncPlan*> PlanOfRun(const Catalog& catalog, const sync::SyncRun& run);
  // Executes `plan`: `forced` names the run to execute, otherwise the plan's unfinished run or a new one.
  core::Result<PlanOutcome> RunOne(const sync::SyncPlan& plan, const Catalog& catalog, const RunOptions& options,
                                   std::optional<sync::SyncRun> forced);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The configuration errors as one message (for commands that need a valid config).
std::string FormatIssues(const std::vector<ConfigIssue>& issues);

}  // namespace datasync::app
