// datasync: the command-line interface. Every command calls app/ (never a database or a sink directly),
// prints tables for people or JSON with --json, and exits with a code scripts can trust:
//   0 success; 1 a run did not succeed; 2 usage or configuration error; 3 a run is incomplete
//   (deferred until the vendor's quota resets, or interrupted); 4 system error (database, disk).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "app/logging.hpp"
#include "cli/commands.hpp"
#include "core/secrets.hpp"

namespace {

// What an unexpected exception leaves: the message (redacted) on stderr and in the log, exit code 4.
int ExitWithUnexpected(const std::string& what) {
  std::string message = datasync::core::Redact(what);
  datasync::core::LogError("unexpected error, the command stopped: " + message);
  datasync::app::ShutDownLogging();
  std::fprintf(stderr,
               "error: unexpected error: %s\n(a bug in datasync, or a state it does not handle: the command stopped "
               "there. The project's .datasync/logs/datasync.log has the same line; please report it)\n",
               message.c_str());
  return datasync::cli::kSystem;
}

}  // namespace

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
  init->add_option("--endpoint", endpoint, "vendor endpoint (default https://api.tushare.pro)");
  init->add_option("--token-env", token_env, "environment variable holding the vendor token");
  init->add_option("--name", name, "project name (default: the folder name)");
  init->add_flag("--force", force, "overwrite an existing datasync.yaml");

  auto* validate = cli.add_subcommand("validate", "check datasync.yaml; every error with file:line:column");
  auto* apply = cli.add_subcommand("apply", "load datasync.yaml into the system database");
  auto* sources = cli.add_subcommand("sources", "list sources");
  auto* datasets = cli.add_subcommand("datasets", "list datasets");
  auto* storages = cli.add_subcommand("storages", "list storages");
  auto* plans = cli.add_subcommand("plans", "list plans");

  bool plugins_markdown = false;
  auto* plugins = cli.add_subcommand("plugins", "built-in providers and sinks with their options");
  plugins->add_flag("--markdown", plugins_markdown, "Markdown tables, as embedded in docs/");

  std::vector<std::string> run_plans;
  bool run_all = false, wait = false, refetch = false;
  auto* run = cli.add_subcommand("run", "run plans now (resuming an unfinished run of each)");
  run->add_option("plans", run_plans, "plan names");
  run->add_flag("--all", run_all, "every enabled plan");
  run->add_flag("--wait", wait, "when the vendor's quota defers a run, wait for the reset and continue");
  run->add_flag("--refetch", refetch,
                "fetch and write every unit again, even a file whose stored checksum or ETag the vendor still serves");

  std::string target;
  auto* pause = cli.add_subcommand("pause", "pause a run (it stops after the tasks in flight)");
  pause->add_option("target", target, "run id, or plan name (its unfinished run)")->required();
  auto* resume = cli.add_subcommand("resume", "continue a paused, deferred or interrupted run now");
  resume->add_option("target", target, "run id, or plan name (its unfinished run)")->required();
  resume->add_flag("--wait", wait, "when the vendor's quota defers the run, wait for the reset and continue");
  auto* cancel = cli.add_subcommand("cancel", "cancel a run: tasks in flight finish, the rest are cancelled");
  cancel->add_option("target", target, "run id, or plan name (its unfinished run)")->required();
  auto* retry = cli.add_subcommand("retry", "run the failed and cancelled tasks of a run again");
  retry->add_option("target", target, "run id, or plan name (its latest run)")->required();
  retry->add_flag("--wait", wait, "when the vendor's quota defers the run, wait for the reset and continue");
  auto* status = cli.add_subcommand("status", "active runs: state, process, quota use per window, ETA");

  std::string runs_plan, runs_status;
  int runs_limit = 20;
  auto* runs = cli.add_subcommand("runs", "run history, newest first");
  runs->add_option("--plan", runs_plan, "only this plan");
  runs->add_option("--status", runs_status, "only runs with this status");
  runs->add_option("--limit", runs_limit, "how many (default 20)");

  int64_t report_id = 0;
  auto* report = cli.add_subcommand("report", "the report of one run");
  report->add_option("run", report_id, "run id (see `datasync runs`)")->required();

  DatasetImportArgs imp;
  std::vector<std::string> refresh_names;
  bool refresh_all = false, refresh_dry = false;
  std::string show_name;
  auto* dataset = cli.add_subcommand(
      "dataset", "datasets: import from doc pages or metadata, refresh, show, sample (infer fields)");
  dataset->require_subcommand(1);
  auto* ds_import = dataset->add_subcommand("import", "import a dataset from a doc page (or the doc tree below it)");
  ds_import->add_option("url", imp.url, "doc page URL, e.g. https://tushare.pro/document/2?doc_id=27");
  ds_import->add_option("--file", imp.file, "read a saved page instead of fetching the URL");
  ds_import->add_option("--api", imp.api,
                        "read an API's definition from the vendor's metadata endpoint with the source's key "
                        "(nasdaq_data_link: datatables/PUBLISHER/TABLE or datasets/DATABASE/CODE)");
  ds_import->add_option("--source", imp.source,
                        "source that serves the dataset (default: the only source that can import it)");
  ds_import->add_option("--name", imp.name, "dataset name (default: the API name)");
  ds_import->add_flag("--yaml", imp.yaml, "print the datasets: section for datasync.yaml instead of storing");
  ds_import->add_flag("--catalog", imp.catalog, "walk the doc tree below the URL and import every dataset page");
  ds_import->add_option("--prefix", imp.prefix, "put before every imported API name");
  ds_import->add_option("--delay-ms", imp.delay_ms, "pause between page fetches of --catalog (default 1000)");
  ds_import->add_option("--max-pages", imp.max_pages, "stop a --catalog walk after this many pages (default 200)");
  auto* ds_refresh = dataset->add_subcommand("refresh", "compare datasets with their doc pages; store new versions");
  ds_refresh->add_option("names", refresh_names, "dataset names");
  ds_refresh->add_flag("--all", refresh_all, "every imported dataset (and compare the others that have a doc_url)");
  ds_refresh->add_flag("--dry-run", refresh_dry, "compare only; store nothing");
  auto* ds_show = dataset->add_subcommand("show", "a dataset's fields, params and schema versions");
  ds_show->add_option("name", show_name, "dataset name")->required();
  std::string sample_name;
  std::vector<std::string> sample_params;
  bool sample_write = false;
  auto* ds_sample = dataset->add_subcommand(
      "sample", "infer a dataset's fields from one call (rest): print them, or --write them into datasync.yaml");
  ds_sample->add_option("name", sample_name, "dataset name")->required();
  ds_sample->add_option("--param", sample_params, "a param of the call, NAME=VALUE (repeat for more)");
  ds_sample->add_flag("--write", sample_write,
                      "insert the inferred fields (and keys) into the dataset in datasync.yaml");

  std::string tmpl_name, tmpl_plan;
  int tmpl_limit = 10;
  auto* tmpl = cli.add_subcommand("template", "argument templates: list, show, test");
  tmpl->require_subcommand(1);
  auto* t_list = tmpl->add_subcommand("list", "templates of datasync.yaml, what they send and read");
  auto* t_show = tmpl->add_subcommand("show", "one template's parameter sources");
  t_show->add_option("name", tmpl_name, "template name")->required();
  auto* t_test =
      tmpl->add_subcommand("test", "the first argument sets and the total count, without calling the vendor");
  t_test->add_option("name", tmpl_name, "template name (optional with --plan)");
  t_test->add_option("--plan", tmpl_plan, "with this plan's params, checkpoint and time zone");
  t_test->add_option("--limit", tmpl_limit, "how many argument sets to print (default 10)");

  std::string listen;
  bool no_schedule = false;
  auto* serve =
      cli.add_subcommand("serve", "run schedules, the engine, the web app, /metrics and alerts until SIGTERM");
  serve->add_option("--listen", listen,
                    "HOST:PORT of the web app, /metrics and /healthz (default serve.listen), or off");
  serve->add_flag("--no-schedule", no_schedule, "serve the web app and API only; schedules run elsewhere");
  auto* web =
      cli.add_subcommand("web", "serve the web app and the API without running schedules (serve --no-schedule)");
  web->add_option("--listen", listen, "HOST:PORT (default serve.listen)");

  std::string token_name, token_role = "viewer";
  auto* token = cli.add_subcommand("token", "API tokens of the web app and the REST API: create, list, revoke");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "make a token (printed once; only its hash is stored)");
  token_create->add_option("name", token_name, "token name, e.g. the person or client using it")->required();
  token_create->add_option("--role", token_role, "viewer (default) or operator")
      ->check(CLI::IsMember({"viewer", "operator"}));
  auto* token_list = token->add_subcommand("list", "the stored tokens (names, roles, last use; never the tokens)");
  auto* token_revoke = token->add_subcommand("revoke", "delete a token and end its sessions");
  token_revoke->add_option("name", token_name, "token name")->required();

  int audit_limit = 50;
  auto* audit = cli.add_subcommand("audit", "the audit log: who changed what, when and from where, newest first");
  audit->add_option("--limit", audit_limit, "how many (default 50)");

  std::string export_kind, export_name;
  bool export_app = false;
  auto* exp = cli.add_subcommand("export", "print objects as YAML to paste into datasync.yaml (secrets masked)");
  exp->add_option("kind", export_kind, "source, dataset, storage, template or plan");
  exp->add_option("name", export_name, "the object's name");
  exp->add_flag("--app", export_app, "every object made in the web app (or those of KIND)");

  std::string schedule_plan;
  int schedule_count = 10, slots_limit = 50;
  auto* schedule = cli.add_subcommand("schedule", "plans' schedules: next fire times, fired slots");
  schedule->require_subcommand(1);
  auto* schedule_next = schedule->add_subcommand("next", "the next fire times of a plan's schedule");
  schedule_next->add_option("plan", schedule_plan, "plan name")->required();
  schedule_next->add_option("-n", schedule_count, "how many (default 10)");
  auto* schedule_slots = schedule->add_subcommand("slots", "slots fired by `datasync serve`, newest last");
  schedule_slots->add_option("--plan", schedule_plan, "only this plan");
  schedule_slots->add_option("--limit", slots_limit, "how many (default 50)");

  std::string summary_date, summary_tz;
  auto* summary = cli.add_subcommand("summary", "the runs of one day: counts, rows, what needs attention");
  summary->add_option("date", summary_date, "YYYY-MM-DD (default: today)");
  summary->add_option("--timezone", summary_tz, "IANA time zone of the day (default UTC)");

  std::string migrate_storage;
  bool migrate_dry_run = false;
  auto* migrate =
      cli.add_subcommand("migrate", "show and apply the schema migrations of storages (destructive ones too)");
  migrate->add_option("storage", migrate_storage, "only this storage (default: every storage a plan writes to)");
  migrate->add_flag("--dry-run", migrate_dry_run, "print the scripts, change nothing");

  std::string migrations_storage;
  int migrations_limit = 50;
  auto* migrations = cli.add_subcommand("migrations", "the schema migrations applied to storages, newest first");
  migrations->add_option("storage", migrations_storage, "only this storage");
  migrations->add_option("--limit", migrations_limit, "how many (default 50)");
  std::string compact_storage, compact_dataset, compact_partition;
  bool compact_dry_run = false;
  auto* compact = cli.add_subcommand("compact", "merge the small part files of a file storage's partitions");
  compact->add_option("storage", compact_storage, "storage name (a parquet storage)")->required();
  compact->add_option("dataset", compact_dataset, "only this dataset (default: every dataset in the storage)");
  compact->add_option("--partition", compact_partition, "only this partition folder, as KEY=VALUE");
  compact->add_flag("--dry-run", compact_dry_run, "show what would be merged; change nothing");
  CoverageArgs cov;
  auto* coverage =
      cli.add_subcommand("coverage", "which trading days a storage holds for a dataset, and which are missing");
  coverage->add_option("dataset", cov.dataset, "dataset name (it needs a date_key)")->required();
  coverage->add_option("--storage", cov.storage, "storage to read (default: the first readable storage of its plans)");
  coverage->add_option("--from", cov.from, "first day, YYYY-MM-DD or YYYYMMDD (default: the first day stored)");
  coverage->add_option("--to", cov.to, "last day (default: the last trading day the calendar holds, up to today)");
  coverage->add_option("--calendar", cov.calendar, "trading calendar dataset (default: the project's only one)");
  coverage->add_option("--exchange", cov.exchange, "the calendar's exchange (default SSE)");
  coverage->add_option("--by", cov.by, "date (default), or key: also each key's own history, day by day")
      ->check(CLI::IsMember({"date", "key"}));
  coverage->add_option("--key", cov.key, "with --by key: the key field (default: the primary key's, e.g. ts_code)");
  coverage->add_option("--max-keys", cov.max_keys, "with --by key: keys listed with their ranges (default 50)");
  coverage->add_option("--listing", cov.listing,
                       "with --by key: a dataset of each key's list_date and delist_date (stock_basic): a key is "
                       "expected from its listing to its delisting, not only within its own first and last day");
  RepairArgs rep;
  auto* repair = cli.add_subcommand(
      "repair", "run exactly the tasks of a plan whose data is missing from its storage (by the trading calendar)");
  repair->add_option("plan", rep.plan, "plan name")->required();
  repair->add_option("--storage", rep.storage, "the plan's storage to judge (default: its first readable one)");
  repair->add_option("--from", rep.from, "first day, YYYY-MM-DD or YYYYMMDD (default: the first day stored)");
  repair->add_option("--to", rep.to, "last day (default: the last trading day the calendar holds, up to today)");
  repair->add_option("--calendar", rep.calendar, "trading calendar dataset (default: the project's only one)");
  repair->add_option("--exchange", rep.exchange, "the calendar's exchange (default SSE)");
  repair->add_option("--listing", rep.listing,
                     "for a per-code plan: a dataset of each code's list_date and delist_date (stock_basic), so a "
                     "code missing entirely or at the end is fetched too");
  repair->add_flag("--dry-run", rep.dry_run, "show what is missing and what would be fetched; fetch nothing");
  repair->add_flag("--wait", rep.wait, "when the vendor's quota defers the run, wait for the reset and continue");

  ReconcileArgs rec;
  auto* reconcile = cli.add_subcommand(
      "reconcile", "whether two storages hold the same rows of a dataset: counts and checksums per partition");
  reconcile->add_option("dataset", rec.dataset, "dataset name")->required();
  reconcile->add_option("--storages", rec.storages, "the two storages to compare, as a,b")->required();
  reconcile->add_option("--from", rec.from, "first day, YYYY-MM-DD or YYYYMMDD (default: the first day stored)");
  reconcile->add_option("--to", rec.to, "last day (default: the last day stored)");
  reconcile->add_option("--by", rec.by, "partition by year, month (default) or day")
      ->check(CLI::IsMember({"year", "month", "day"}));
  reconcile->add_option("--max-days", rec.max_days, "days that differ compared row by row (default 5)");
  reconcile->add_option("--examples", rec.examples, "examples of each kind of difference per day (default 5)");
  AsOfArgs asof;
  auto* asof_cmd =
      cli.add_subcommand("asof", "a dataset as datasync knew it at a past time (plans with history: true)");
  asof_cmd->add_option("dataset", asof.dataset, "dataset name")->required();
  asof_cmd->add_option("time", asof.time, "UTC time, as 2024-05-01T08:00:00 or 2024-05-01 (its start)")->required();
  asof_cmd->add_option("--storage", asof.storage, "storage to read (default: the first readable storage of its plans)");
  asof_cmd->add_option("--from", asof.from, "only rows from this day of the date key, YYYY-MM-DD or YYYYMMDD");
  asof_cmd->add_option("--to", asof.to, "only rows up to this day of the date key");
  asof_cmd->add_option("--format", asof.format, "csv (default, with a header) or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  asof_cmd->add_option("--output", asof.output, "file to write (default: stdout)");
  VerifyArgs ver;
  auto* verify = cli.add_subcommand(
      "verify", "re-fetch a sample of a plan's completed tasks and report what the vendor revised, added or dropped");
  verify->add_option("plan", ver.plan, "plan name")->required();
  verify->add_option("--storage", ver.storage, "the plan's storage to compare with (default: its first readable one)");
  verify->add_option("--sample", ver.sample, "tasks to re-fetch (default 20, or every task in --from/--to)");
  verify->add_option("--from", ver.from, "only tasks asking for days from this one, YYYY-MM-DD or YYYYMMDD");
  verify->add_option("--to", ver.to, "only tasks asking for days up to this one");
  verify->add_option("--seed", ver.seed, "the draw of the sample (default: random; repeat one to draw the same)");
  verify->add_option("--examples", ver.examples, "examples of each kind of difference per task (default 5)");
  verify->add_flag("--wait", ver.wait, "when the vendor's quota defers the calls, wait for the reset and continue");

  for (auto* sub : cli.get_subcommands({})) {
    sub->add_flag("--json", g.json, "machine-readable JSON output");
    for (auto* leaf : sub->get_subcommands({})) leaf->add_flag("--json", g.json, "machine-readable JSON output");
  }

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? kOk : kUsage;
  }

  auto Dispatch = [&]() -> int {
    if (*init) return CmdInit(g, init_dir, endpoint, token_env, name, force);
    if (*validate) return CmdValidate(g);
    if (*apply) return CmdApply(g);
    if (*sources) return CmdList(g, "sources");
    if (*datasets) return CmdList(g, "datasets");
    if (*storages) return CmdList(g, "storages");
    if (*plans) return CmdList(g, "plans");
    if (*plugins) return CmdPlugins(g, plugins_markdown);
    if (*run) return CmdRun(g, run_plans, run_all, wait, refetch);
    if (*pause) return CmdPauseOrCancel(g, target, false);
    if (*cancel) return CmdPauseOrCancel(g, target, true);
    if (*resume) return CmdResumeOrRetry(g, target, false, wait);
    if (*retry) return CmdResumeOrRetry(g, target, true, wait);
    if (*status) return CmdStatus(g);
    if (*reconcile) return CmdReconcile(g, rec);
    if (*asof_cmd) return CmdAsOf(g, asof);
    if (*verify) return CmdVerify(g, ver);
    if (*runs) return CmdRuns(g, runs_plan, runs_status, runs_limit);
    if (*report) return CmdReport(g, report_id);
    if (*ds_import) return CmdDatasetImport(g, imp);
    if (*ds_refresh) return CmdDatasetRefresh(g, refresh_names, refresh_all, refresh_dry);
    if (*ds_show) return CmdDatasetShow(g, show_name);
    if (*ds_sample) return CmdDatasetSample(g, sample_name, sample_params, sample_write);
    if (*t_list) return CmdTemplateList(g);
    if (*t_show) return CmdTemplateShow(g, tmpl_name);
    if (*t_test) return CmdTemplateTest(g, tmpl_name, tmpl_plan, tmpl_limit);
    if (*serve) return CmdServe(g, listen, !no_schedule);
    if (*web) return CmdServe(g, listen, false);
    if (*token_create) return CmdTokenCreate(g, token_name, token_role);
    if (*token_list) return CmdTokenList(g);
    if (*token_revoke) return CmdTokenRevoke(g, token_name);
    if (*audit) return CmdAudit(g, audit_limit);
    if (*exp) return CmdExport(g, export_kind, export_name, export_app);
    if (*schedule_next) return CmdScheduleNext(g, schedule_plan, schedule_count);
    if (*schedule_slots) return CmdScheduleSlots(g, schedule_plan, slots_limit);
    if (*summary) return CmdSummary(g, summary_date, summary_tz);
    if (*migrate) return CmdMigrate(g, migrate_storage, migrate_dry_run);
    if (*migrations) return CmdMigrations(g, migrations_storage, migrations_limit);
    if (*compact) return CmdCompact(g, compact_storage, compact_dataset, compact_partition, compact_dry_run);
    if (*coverage) return CmdCoverage(g, cov);
    if (*repair) return CmdRepair(g, rep);
    return kUsage;
  };

  // The last line of defence: an exception no layer below handled is a bug, or a state the code did not
  // foresee. It ends the command with exit code 4 and one clear line instead of std::terminate's abort.
  try {
    return Dispatch();
  } catch (const std::exception& e) {
    return ExitWithUnexpected(e.what());
  } catch (...) {
    return ExitWithUnexpected("an exception of unknown type");
  }
}
