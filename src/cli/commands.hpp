// The CLI's commands as plain functions (main.cpp only parses arguments and calls them), so a command
// file never pulls in CLI11. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_context.hpp"

namespace datasync::app {
struct RepairPlan;
struct RowDiff;
}  // namespace datasync::app

namespace datasync::cli {

int CmdInit(const Globals& g, const std::string& dir, const std::string& endpoint, const std::string& token_env,
            const std::string& name, bool force);
int CmdValidate(const Globals& g);
int CmdApply(const Globals& g);
int CmdList(const Globals& g, const std::string& what);  // sources, datasets, storages, plans

// The built-in providers and sinks with their option tables (no project needed).
int CmdPlugins(const Globals& g, bool markdown);

int CmdRun(const Globals& g, const std::vector<std::string>& plans, bool all, bool wait, bool refetch);
int CmdResumeOrRetry(const Globals& g, const std::string& target, bool retry, bool wait);
int CmdPauseOrCancel(const Globals& g, const std::string& target, bool cancel);
int CmdStatus(const Globals& g);
int CmdRuns(const Globals& g, const std::string& plan, const std::string& status, int limit);
int CmdReport(const Globals& g, int64_t run_id);

// commands_dataset.cpp: datasets from vendor doc pages.
struct DatasetImportArgs {
  std::string url;
  std::string api;  // read from the vendor's metadata instead of a doc page (nasdaq_data_link)
  std::string file;
  std::string source;
  std::string name;
  std::string prefix;
  bool yaml = false;
  bool catalog = false;
  int64_t delay_ms = 1000;
  int64_t max_pages = 200;
};
int CmdDatasetImport(const Globals& g, const DatasetImportArgs& args);
int CmdDatasetRefresh(const Globals& g, const std::vector<std::string>& names, bool all, bool dry_run);
int CmdDatasetShow(const Globals& g, const std::string& name);
int CmdDatasetSample(const Globals& g, const std::string& name, const std::vector<std::string>& params, bool write);

// commands_template.cpp: named argument templates.
int CmdTemplateList(const Globals& g);
int CmdTemplateShow(const Globals& g, const std::string& name);
int CmdTemplateTest(const Globals& g, const std::string& name, const std::string& plan, int limit);
// The daemon: scheduler, engine, /metrics and alerts in one process until SIGTERM/SIGINT.
int CmdServe(const Globals& g, const std::string& listen_override, bool schedule);
// commands_access.cpp: API tokens and the audit log.
int CmdTokenCreate(const Globals& g, const std::string& name, const std::string& role);
int CmdTokenList(const Globals& g);
int CmdTokenRevoke(const Globals& g, const std::string& name);
int CmdAudit(const Globals& g, int limit);
// commands_export.cpp: objects as YAML to paste into datasync.yaml; app_made: every object made in the app.
int CmdExport(const Globals& g, const std::string& kind, const std::string& name, bool app_made);
// Records a CLI action in the audit log; a failure to record is printed as a warning.
void AuditCli(app::App& app, const std::string& action, const std::string& target, const std::string& detail);
int CmdScheduleNext(const Globals& g, const std::string& plan, int count);
int CmdScheduleSlots(const Globals& g, const std::string& plan, int limit);
// The runs of one local day (default: today in `timezone`, default UTC).
int CmdSummary(const Globals& g, const std::string& date, const std::string& timezone);

// commands_migrate.cpp: schema migrations of storages.
int CmdMigrate(const Globals& g, const std::string& storage, bool dry_run);
int CmdMigrations(const Globals& g, const std::string& storage, int limit);
// Merges small part files of a file storage (commands_storage.cpp).
int CmdCompact(const Globals& g, const std::string& storage, const std::string& dataset, const std::string& partition,
               bool dry_run);

// commands_coverage.cpp: which trading days a storage holds for a dataset (exit 1 when some are missing).
struct CoverageArgs {
  std::string dataset, storage, from, to, calendar;
  std::string exchange = "SSE";
  std::string by = "date";  // date | key
  std::string key;
  std::string listing;
  int64_t max_keys = 50;
};
int CmdCoverage(const Globals& g, const CoverageArgs& args);
// --from / --to as days (nullopt when empty); false after printing what is wrong.
bool ParseDayBounds(const std::string& from_text, const std::string& to_text, std::optional<int32_t>& from,
                    std::optional<int32_t>& to);
// What `datasync repair` found missing and the argument sets it fetches, for people.
std::string DescribeRepair(const app::RepairPlan& plan);

// commands_runs.cpp: `datasync repair PLAN`: a run of exactly the plan's tasks whose data is missing.
struct RepairArgs {
  std::string plan, storage, from, to, calendar, listing;
  std::string exchange = "SSE";
  bool dry_run = false;
  bool wait = false;
};
int CmdRepair(const Globals& g, const RepairArgs& args);

// commands_compare.cpp: `datasync reconcile DATASET --storages a,b` (exit 1 when they differ).
struct ReconcileArgs {
  std::string dataset, storages, from, to;
  std::string by = "month";  // year | month | day
  int64_t max_days = 5;
  int64_t examples = 5;
};
int CmdReconcile(const Globals& g, const ReconcileArgs& args);
// commands_asof.cpp: `datasync asof DATASET TIME`: the dataset as known at TIME, from a storage with history.
struct AsOfArgs {
  std::string dataset, time, storage, from, to, output;
  std::string format = "csv";
};
int CmdAsOf(const Globals& g, const AsOfArgs& args);
// A row comparison for people (reconcile's days, verify's tasks): counts, then the examples.
void PrintRowDiff(const app::RowDiff& d, const std::string& indent, const std::string& left, const std::string& right,
                  const std::string& only_left, const std::string& only_right, const std::string& changed);
// commands_runs.cpp: `datasync verify PLAN`: a sample of completed tasks re-fetched and compared (exit 1
// when the vendor revised, added or dropped rows).
struct VerifyArgs {
  std::string plan, storage, from, to, seed;
  int64_t sample = -1;  // -1: the default
  int64_t examples = 5;
  bool wait = false;
};
int CmdVerify(const Globals& g, const VerifyArgs& args);

}  // namespace datasync::cli
