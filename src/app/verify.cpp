#include "app/verify.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "app/argument_days.hpp"
#include "app/local_data.hpp"
#include "core/dates.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "storage/dataset_reader.hpp"
#include "sync/run_coordinator.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;

namespace {

constexpr size_t kPage = 1000;
constexpr char kScratch[] = "verify-scratch";

core::Error In(core::Error e, const std::string& what) {
  e.Context(what);
  return e;
}

// The planned tasks (not their pages or pieces) of `run_id` in `state`, to `fn`, a page at a time.
core::Status ForEachPlannedTask(App& app, int64_t run_id, sync::TaskState state,
                                const std::function<void(sync::SyncTask&)>& fn) {
  sync::TaskQuery tq;
  tq.run_id = run_id;
  tq.state = state;
  tq.limit = kPage;
  for (;; tq.offset += kPage) {
    auto tasks = app.db().runs().ListTasks(tq);
    if (!tasks) return Fail(tasks.error());
    for (auto& t : *tasks) {
      if (t.parent_id == 0) fn(t);
    }
    if (tasks->size() < kPage) return core::Ok();
  }
}

// The planned tasks done in the plan's runs (not verify runs), once per argument set, oldest key first.
core::Result<std::vector<datasource::Params>> CompletedTasks(App& app, const std::string& plan) {
  std::map<std::string, datasource::Params> by_key;
  sync::RunQuery rq;
  rq.plan = plan;
  rq.limit = kPage;
  for (;; rq.offset += kPage) {
    auto runs = app.Runs(rq);
    if (!runs) return Fail(runs.error());
    for (const auto& run : *runs) {
      if (run.trigger == sync::kVerifyTrigger) continue;
      for (sync::TaskState state : {sync::TaskState::kDone, sync::TaskState::kSplit}) {
        auto st = ForEachPlannedTask(app, run.id, state,
                                     [&](sync::SyncTask& t) { by_key.try_emplace(t.key, std::move(t.params)); });
        if (!st) return Fail(st.error());
      }
    }
    if (runs->size() < kPage) break;
  }
  std::vector<datasource::Params> out;
  out.reserve(by_key.size());
  for (auto& [k, p] : by_key) out.push_back(std::move(p));
  return out;
}

// The scans that select the stored rows a task stands for: its days on the date key, and each parameter
// named like a field (a comma list: one scan per value).
std::vector<storage::ScanQuery> TaskScans(const datasource::Params& params, const datasource::Dataset& ds,
                                          const std::vector<std::string>& fields, const DaySpan& days, bool iso_days) {
  storage::ScanQuery base;
  base.dataset = ds.name;
  base.columns = fields;
  auto spell = [&](int32_t d) { return iso_days ? core::FormatIsoDate(d) : core::FormatCompactDate(d); };
  if (!ds.date_key.empty() && (!days.open_start() || !days.open_end())) {
    base.range_column = ds.date_key;
    if (!days.open_start()) base.min = spell(days.first);
    if (!days.open_end()) base.max = spell(days.last);
  }
  std::vector<storage::ScanQuery> scans{base};
  for (const auto& [name, value] : params) {
    if (name == ds.date_key || std::find(fields.begin(), fields.end(), name) == fields.end()) continue;
    std::vector<storage::ScanQuery> next;
    for (const auto& part : core::Split(value, ',')) {
      for (auto q : scans) {
        q.equals.emplace_back(name, std::string(core::Trim(part)));
        next.push_back(std::move(q));
      }
    }
    scans = std::move(next);
  }
  return scans;
}

// Removes the scratch database (and SQLite's journal files) when the comparison is over, however it ends.
struct ScratchFile {
  std::filesystem::path path;
  ~ScratchFile() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path.string() + suffix, ec);
    }
  }
};

}  // namespace

core::Result<VerifyReport> Verify(App& app, const VerifyOptions& options, RunOptions run_options,
                                  const std::function<void(const VerifyReport&)>& on_drawn) {
  // datasync.yaml as it is now, as `datasync run` applies it.
  if (auto applied = app.ApplyCurrentConfig(); !applied) return Fail(applied.error());
  auto plan = app.Plan(options.plan);
  if (!plan) return Fail(plan.error());
  auto datasets = app.Datasets();
  if (!datasets) return Fail(datasets.error());
  auto ds = std::find_if(datasets->begin(), datasets->end(), [&](const auto& d) { return d.name == plan->dataset; });
  if (ds == datasets->end()) return Fail(ErrorKind::kNotFound, "dataset '" + plan->dataset + "' is not in the catalog");
  if (ds->primary_key.empty()) {
    return Fail(ErrorKind::kConfig, "verify compares rows by the dataset's primary key, and dataset " + ds->name +
                                        " has none (set datasets." + ds->name + ".primary_key)");
  }
  auto storages = app.Storages();
  if (!storages) return Fail(storages.error());
  auto where = ResolvePlanStorage(*plan, options.storage, *storages, app.sinks());
  if (!where) return Fail(In(where.error(), "verify of plan " + plan->name));
  auto plans = app.Plans();
  if (!plans) return Fail(plans.error());
  LocalData local(app.sinks(), *storages, *plans, app.project().root);
  auto stored = local.Reader(*where);
  if (!stored) return Fail(In(stored.error(), "verify of plan " + plan->name));
  auto stored_columns = (*stored)->Describe(ds->name);
  if (!stored_columns)
    return Fail(In(stored_columns.error(), "verify of plan " + plan->name + " in storage " + *where));

  VerifyReport r;
  r.plan = plan->name;
  r.dataset = ds->name;
  r.storage = *where;

  // The fields compared: the dataset's, as the storage holds them (a field added since is not judged).
  CompareColumns columns;
  for (const auto& f : ds->schema->fields()) {
    if (!stored_columns->count(f.name)) continue;
    columns.fields.push_back(f.name);
    columns.types.push_back(f.type);
  }
  for (const auto& k : ds->primary_key) {
    auto it = std::find(columns.fields.begin(), columns.fields.end(), k);
    if (it == columns.fields.end()) {
      return Fail(ErrorKind::kConfig, "storage " + *where + " has no column " + k + " of dataset " + ds->name +
                                          "'s primary key: verify cannot match rows");
    }
    columns.key.push_back(static_cast<size_t>(it - columns.fields.begin()));
  }

  // The draw.
  auto completed = CompletedTasks(app, plan->name);
  if (!completed) return Fail(completed.error());
  std::vector<datasource::Params> pool;
  for (auto& p : *completed) {
    if (options.from || options.to) {
      auto days = DaysAsked(p, ds->date_key);
      if (!days) continue;
      if (options.from && days->last < *options.from) continue;
      if (options.to && days->first > *options.to) continue;
    }
    pool.push_back(std::move(p));
  }
  r.candidates = static_cast<int64_t>(pool.size());
  r.seed = options.seed.value_or(static_cast<uint64_t>(core::ToEpochMicros(app.clock().Now())));
  const size_t n = options.sample.value_or((options.from || options.to) ? pool.size() : kDefaultVerifySample);
  if (n < pool.size()) {
    std::mt19937_64 rng(r.seed);
    std::shuffle(pool.begin(), pool.end(), rng);
    pool.resize(n);
  }
  r.chosen = static_cast<int64_t>(pool.size());
  if (pool.empty()) {
    r.note = "no completed task of plan " + plan->name +
             ((options.from || options.to) ? " asks for days in the window" : " yet: run it first");
    return r;
  }
  if (on_drawn) on_drawn(r);

  // The vendor's answer now, into a scratch SQLite file, through a run of exactly those tasks.
  std::filesystem::path dir = app.project().root / ".datasync" / "verify";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorKind::kPermanent, "cannot create " + dir.string() + ": " + ec.message());
  ScratchFile scratch{dir / ("verify-" + std::to_string(getpid()) + "-" + std::to_string(r.seed) + ".db")};
  storage::Storage scratch_storage{kScratch, "sqlite", {}};
  scratch_storage.options.Set("path", scratch.path.string());
  run_options.apply_first = false;
  run_options.trigger = std::string(sync::kVerifyTrigger);
  run_options.arguments = pool;
  run_options.write_to = std::vector<storage::Storage>{scratch_storage};
  run_options.new_run_only = true;
  auto outcomes = app.RunPlans({plan->name}, run_options);
  if (!outcomes) return Fail(outcomes.error());
  if (outcomes->empty() || !outcomes->front().report) {
    return Fail(ErrorKind::kConflict,
                outcomes->empty() ? "plan " + plan->name + " did not run" : outcomes->front().note);
  }
  const sync::RunReport& run = *outcomes->front().report;
  r.run_id = run.run_id;
  r.run_status = run.status;
  const bool succeeded = run.status == "succeeded";

  // The tasks the run completed: all of them when it succeeded, else those done (a split one's pieces may
  // be missing).
  std::set<std::string> done;
  for (sync::TaskState state : {sync::TaskState::kDone, sync::TaskState::kSplit}) {
    if (state == sync::TaskState::kSplit && !succeeded) continue;
    auto st = ForEachPlannedTask(app, run.run_id, state, [&](sync::SyncTask& t) { done.insert(t.key); });
    if (!st) return Fail(st.error());
  }
  if (!succeeded) {
    r.note = "the verify run " + std::to_string(run.run_id) + " ended " + run.status +
             (run.error.empty() ? std::string() : " (" + run.error + ")") +
             "; only the tasks it completed are compared";
    if (!sync::IsFinal(*sync::ParseRunStatus(run.status))) {
      // Never resumed: its scratch copy goes with this command.
      if (auto cancelled = app.Cancel(std::to_string(run.run_id)); !cancelled) {
        core::LogWarn("verify: cannot cancel run " + std::to_string(run.run_id) + ": " + cancelled.error().message());
      }
    }
  }

  LocalData scratch_data(app.sinks(), {scratch_storage}, {}, app.project().root);
  auto vendor = scratch_data.Reader(kScratch);
  if (!vendor) return Fail(vendor.error());
  auto day_type = [&](const std::map<std::string, core::LogicalType>& cols) {
    auto it = cols.find(ds->date_key);
    return it == cols.end() || it->second.id == core::TypeId::kDate || it->second.id == core::TypeId::kTimestamp;
  };
  const bool stored_iso = day_type(*stored_columns);
  std::map<std::string, core::LogicalType> declared;
  for (const auto& f : ds->schema->fields()) declared[f.name] = f.type;
  const bool vendor_iso = day_type(declared);
  for (const auto& params : pool) {
    if (!done.count(sync::TaskKey(params))) continue;
    auto days = DaysAsked(params, ds->date_key).value_or(DaySpan{});
    KeyedDiff diff(columns, options.max_examples);
    for (const auto& q : TaskScans(params, *ds, columns.fields, days, stored_iso)) {
      auto scanned = (*stored)->ScanRows(q, [&](std::vector<core::Value>& row) { diff.AddLeft(row); });
      if (!scanned) return Fail(In(scanned.error(), "verify of plan " + plan->name + " in storage " + *where));
    }
    for (const auto& q : TaskScans(params, *ds, columns.fields, days, vendor_iso)) {
      auto scanned = (*vendor)->ScanRows(q, [&](std::vector<core::Value>& row) { diff.AddRight(row); });
      // The vendor answered no row at all: the run created no table, and every stored row vanished.
      if (!scanned && scanned.error().kind() != ErrorKind::kConfig) return Fail(scanned.error());
    }
    RowDiff d = diff.Finish();
    ++r.checked;
    r.revised += d.changed;
    r.added += d.only_right;
    r.vanished += d.only_left;
    for (const auto& [f, count] : d.changed_by_field) r.revised_by_field[f] += count;
    if (d.changed == 0 && d.only_left == 0 && d.only_right == 0 && d.duplicates == 0) {
      ++r.unchanged;
    } else {
      r.differing.push_back({params, std::move(d)});
    }
  }
  return r;
}

}  // namespace datasync::app
