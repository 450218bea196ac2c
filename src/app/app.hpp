// App: the composition root and the application services shared by the CLI and the API (ARCHITECTURE
// §2). It wires the registries, the system database, the HTTP client and the engine, and exposes use
// cases: validate/apply the configuration, list the catalog, run plans, read run history.
//
// Lifecycle: Open() once per process (or per test); methods may be called from one thread at a time,
// except RunPlans' progress callback, which is called on the calling thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/project.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "metadata/system_db.hpp"
#include "sync/executor.hpp"
#include "sync/run_report.hpp"

namespace datasync::app {

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
};

struct RunOptions {
  std::function<void(const std::string& plan, const sync::Progress&)> on_progress;
  std::function<void(const std::string& plan, const std::string& message)> on_event;  // "resuming run 7"
  const std::atomic<bool>* interrupt = nullptr;
  bool apply_first = true;  // apply datasync.yaml changes before running
};

class App {
 public:
  static core::Result<std::unique_ptr<App>> Open(const Project& project,
                                                 const core::Clock& clock = core::SystemClock::Instance());
  ~App();

  const Project& project() const;
  const datasource::ProviderRegistry& providers() const;
  const storage::SinkRegistry& sinks() const;
  metadata::SystemDb& db();

  ConfigResult LoadConfig() const;
  core::Result<ApplyReport> Apply(const Config& config);

  core::Result<std::vector<datasource::DataSource>> Sources();
  core::Result<std::vector<datasource::Dataset>> Datasets();
  core::Result<std::vector<storage::Storage>> Storages();
  core::Result<std::vector<sync::SyncPlan>> Plans();

  // Runs the named plans (dependencies among them first), resuming each plan's unfinished run if there
  // is one. Fails only when nothing could be attempted (bad config, unknown plan); per-plan failures are
  // in the outcomes.
  core::Result<std::vector<PlanOutcome>> RunPlans(const std::vector<std::string>& plans, const RunOptions& options);

  core::Result<std::vector<sync::SyncRun>> Runs(const sync::RunQuery& query);
  core::Result<std::optional<sync::SyncRun>> Run(int64_t run_id);

 private:
  App();
  core::Result<PlanOutcome> RunOne(const sync::SyncPlan& plan, const std::vector<datasource::Dataset>& datasets,
                                   const std::vector<datasource::DataSource>& sources,
                                   const std::vector<storage::Storage>& storages, const RunOptions& options,
                                   const std::function<void(const std::string&)>& event);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The configuration errors as one message (for commands that need a valid config).
std::string FormatIssues(const std::vector<ConfigIssue>& issues);

}  // namespace datasync::app
